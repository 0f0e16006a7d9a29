import MCPClientCore
import MCPClientManager

/// Returns a user's view of the manager. It shares the manager's servers and connections; every call made through
/// it is on behalf of that user: per-user servers (OAuth, customUserVars, user placeholders, user-created) get the
/// user's own connection, signed in as the user, with the user's values substituted; other servers use the shared
/// connection. user_json is {"id", "role"?, LibreChat's user fields ("email", "name", …)?, "permissions"?, "openid"?, "graph"?, "body"?,
/// "userVars"?} (docs/abi/json.md).
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

/// Opens the shared connection of every server that gets one, at most three at a time (LibreChat's startup):
/// {"version":1,"servers":{name:{"status":"connected"|"error"|"skipped","error"?,"reason"?}}}. Per-user,
/// request-scoped, `startup: false` and disabled servers are skipped with the reason; failures are reported per
/// server and do not fail the call. options_json may be NULL or {"parallel": 1…16}.
/// Ownership: free *out_report_json and *out_error_json with mcp_string_free().
/// NULL: manager and out_report_json required; options_json and out_error_json may be NULL.
/// Threads: any host thread (blocking until every connect ended).
@c(mcp_manager_connect_all)
public func mcpManagerConnectAll(
    _ manager: OpaquePointer?, _ options_json: UnsafePointer<CChar>?, _ out_report_json: OutString?, _ out_error_json: OutString?
) -> mcp_status {
    out_report_json?.pointee = nil
    return boundary(out_error_json) { () throws(MCPError) in
        try requireOut(out_report_json, "out_report_json")
        let instance = try HandleRegistry.manager(manager)
        var parallel = 3
        if options_json != nil {
            let options = try jsonObject(options_json, "options_json")
            for key in options.keys where key != "parallel" && key != "version" {
                throw MCPError.invalid("unknown option '\(key)'", details: ["path": .string(key)])
            }
            if let value = options["parallel"] {
                guard let number = value.int64Value, (1...16).contains(number) else {
                    throw MCPError.invalid("'parallel' must be an integer from 1 to 16", details: ["path": "parallel"])
                }
                parallel = Int(number)
            }
        }
        try instance.checkOpen()
        try result(instance.blocking { done in instance.connectAll(parallel: parallel) { done(.success($0)) } }, to: out_report_json)
    }
}
