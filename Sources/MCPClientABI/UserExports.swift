import MCPClientCore
import MCPClientManager

/// Returns a user's view of the manager. It shares the manager's servers and connections; every call made through
/// it is on behalf of that user: per-user servers (OAuth, customUserVars, user placeholders, user-created) get the
/// user's own connection, signed in as the user, with the user's values substituted; other servers use the shared
/// connection. user_json is {"id", "role"?, "profile"?, "openid"?, "graph"?, "body"?, "userVars"?} (docs/abi/json.md).
/// A view cannot register servers, set stores or read events (MCP_ERR_PERMISSION): those belong to the manager.
/// Ownership: free the view with mcp_manager_free() (the manager stays); *out_error_json with mcp_string_free().
/// Freeing the manager ends every view's use of it (MCP_ERR_CLOSED).
/// NULL: manager, user_json and out_view required; out_error_json may be NULL.
/// Threads: any thread; the view may be used from many threads at once.
@c(mcp_manager_as_user)
public func mcpManagerAsUser(
    _ manager: OpaquePointer?, _ user_json: UnsafePointer<CChar>?, _ out_view: UnsafeMutablePointer<OpaquePointer?>?,
    _ out_error_json: OutString?
) -> mcp_status {
    out_view?.pointee = nil
    return boundary(out_error_json) { () throws(MCPError) in
        try requireOut(out_view, "out_view")
        let instance = try HandleRegistry.manager(manager)
        try instance.checkOpen()
        let caller = try CallContext.parse(try json(user_json, "user_json"))
        out_view?.pointee = try HandleRegistry.insert(ManagerHandle(instance, caller: caller))
    }
}

/// Reconnects the caller's connection to a server (clearing its circuit breaker) and reports in the shape of
/// LibreChat's reinitialize route: {"version":1,"success","message","serverName","oauthRequired","oauthUrl"?,
/// "flowId"?,"failureReason"?,"missingUserVars"?,"error"?}. A failed reconnect is MCP_OK with success false.
/// Ownership: free *out_result_json and *out_error_json with mcp_string_free().
/// NULL: manager, server and out_result_json required; out_error_json may be NULL.
/// Threads: any host thread (blocking).
@c(mcp_manager_reinitialize)
public func mcpManagerReinitialize(
    _ manager: OpaquePointer?, _ server: UnsafePointer<CChar>?, _ out_result_json: OutString?, _ out_error_json: OutString?
) -> mcp_status {
    out_result_json?.pointee = nil
    return boundary(out_error_json) { () throws(MCPError) in
        try requireOut(out_result_json, "out_result_json")
        let handle = try HandleRegistry.handle(manager)
        let name = try string(server, "server")
        try result(handle.manager.blocking { done in handle.manager.reinitialize(server: name, as: handle.caller) { done(.success($0)) } },
            to: out_result_json)
    }
}
