import MCPClientConfig
import MCPClientCore
import MCPClientManager

// The server registry (docs/registry.md, docs/manager.md): each call acts for the handle's user (a view from
// mcp_manager_as_user) and is held to that user's permissions (MCP_ERR_PERMISSION); the manager's own handle acts
// as an admin. Created servers live in the manager's credential store, so a restart, or another process sharing
// the store, sees them.

/// Runs a registry call for the handle's caller and writes its JSON.
private func registryEntryPoint(
    _ manager: OpaquePointer?, _ out: OutString?, _ outError: OutString?,
    _ body: (Manager, CallContext) throws(MCPError) -> JSONValue
) -> mcp_status {
    out?.pointee = nil
    return boundary(outError) { () throws(MCPError) in
        try requireOut(out, "output")
        let handle = try HandleRegistry.handle(manager)
        try handle.manager.checkOpen()
        try write(try body(handle.manager, handle.caller), to: out)
    }
}

/// Lists the servers the caller may view, newest change first: {"version":1,"data":[entry…],"has_more","after"}.
/// query_json may be NULL or {"limit": 1…100 (25), "after": cursor, "search": text}.
/// Ownership: free *out_page_json and *out_error_json with mcp_string_free().
/// NULL: manager and out_page_json required; query_json and out_error_json may be NULL.
/// Threads: any thread (reads the store).
@c(mcp_manager_list_servers)
public func mcpManagerListServers(
    _ manager: OpaquePointer?, _ query_json: UnsafePointer<CChar>?, _ out_page_json: OutString?, _ out_error_json: OutString?
) -> mcp_status {
    registryEntryPoint(manager, out_page_json, out_error_json) { instance, caller throws(MCPError) in
        try instance.listServers(try jsonObject(query_json, "query_json"), as: caller)
    }
}

/// One server as the caller may see it (secrets never, URLs only for editors): {"version":1,"name",…,"canEdit"}.
/// Ownership: free *out_server_json and *out_error_json with mcp_string_free().
/// NULL: manager, name and out_server_json required; out_error_json may be NULL.
/// Threads: any thread.
@c(mcp_manager_get_server)
public func mcpManagerGetServer(
    _ manager: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ out_server_json: OutString?, _ out_error_json: OutString?
) -> mcp_status {
    registryEntryPoint(manager, out_server_json, out_error_json) { instance, caller throws(MCPError) in
        try instance.getServer(try string(name, "name"), as: caller)
    }
}

/// Creates a server owned by the caller: {"version":1,"action":"created","name","server":{…},"warnings"?}.
/// name may be NULL: one is derived from the config's title. A name in use is MCP_ERR_CONFLICT.
/// Ownership: free *out_result_json and *out_error_json with mcp_string_free().
/// NULL: manager, config_json and out_result_json required; name and out_error_json may be NULL.
/// Threads: any thread.
@c(mcp_manager_create_server)
public func mcpManagerCreateServer(
    _ manager: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ config_json: UnsafePointer<CChar>?, _ out_result_json: OutString?,
    _ out_error_json: OutString?
) -> mcp_status {
    registryEntryPoint(manager, out_result_json, out_error_json) { instance, caller throws(MCPError) in
        let given: String? = name == nil ? nil : try string(name, "name")
        return try instance.createServer(name: given, config: try jsonObject(config_json, "config_json", required: true), as: caller)
    }
}

/// Applies an RFC 7386 merge patch (null removes a field) to a created server; its connections are rebuilt:
/// {"version":1,"action":"updated"|"unchanged","name","server","connectionRelevant"}.
/// Ownership: free *out_result_json and *out_error_json with mcp_string_free().
/// NULL: manager, name, patch_json and out_result_json required; out_error_json may be NULL.
/// Threads: any thread.
@c(mcp_manager_update_server)
public func mcpManagerUpdateServer(
    _ manager: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ patch_json: UnsafePointer<CChar>?, _ out_result_json: OutString?,
    _ out_error_json: OutString?
) -> mcp_status {
    registryEntryPoint(manager, out_result_json, out_error_json) { instance, caller throws(MCPError) in
        try instance.updateServer(try string(name, "name"), patch: try jsonObject(patch_json, "patch_json", required: true), as: caller)
    }
}

/// Deletes a server: every connection of it closes and known users' OAuth tokens are revoked:
/// {"version":1,"action":"deleted","name"}.
/// Ownership: free *out_result_json and *out_error_json with mcp_string_free().
/// NULL: manager, name and out_result_json required; out_error_json may be NULL.
/// Threads: any thread.
@c(mcp_manager_delete_server)
public func mcpManagerDeleteServer(
    _ manager: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ out_result_json: OutString?, _ out_error_json: OutString?
) -> mcp_status {
    registryEntryPoint(manager, out_result_json, out_error_json) { instance, caller throws(MCPError) in
        try instance.deleteServer(try string(name, "name"), as: caller)
    }
}

/// PandoraKit's PATCH /api/config: body_json {"mcpServers":{name: null | {…}}} creates, merges into or deletes
/// servers, all or none: {"version":1,"changes":[…]} (or one change's fields). format is "normalized" (NULL) or
/// "pandorakit" (PandoraKit's fields: name as title, env as forwarded names, requireApproval default true).
/// Ownership: free *out_result_json and *out_error_json with mcp_string_free().
/// NULL: manager, body_json and out_result_json required; format and out_error_json may be NULL.
/// Threads: any thread.
@c(mcp_manager_patch_config)
public func mcpManagerPatchConfig(
    _ manager: OpaquePointer?, _ body_json: UnsafePointer<CChar>?, _ format: UnsafePointer<CChar>?, _ out_result_json: OutString?,
    _ out_error_json: OutString?
) -> mcp_status {
    registryEntryPoint(manager, out_result_json, out_error_json) { instance, caller throws(MCPError) in
        let name = format == nil ? "normalized" : try string(format, "format")
        guard let parsed = ConfigFormat(rawValue: name) else {
            throw MCPError.invalid("format must be \"normalized\" or \"pandorakit\"", details: ["argument": "format"])
        }
        return try instance.patchConfig(try jsonObject(body_json, "body_json", required: true), format: parsed, as: caller)
    }
}

/// Shares a created server: grant_json {"user": id | "role": name, "permissions": ["view","use","edit","delete",
/// "share"] or a bit mask}; empty permissions take the grant away. Needs SHARE. Returns the entry with its "acl".
/// Ownership: free *out_server_json and *out_error_json with mcp_string_free().
/// NULL: manager, name, grant_json and out_server_json required; out_error_json may be NULL.
/// Threads: any thread.
@c(mcp_manager_share_server)
public func mcpManagerShareServer(
    _ manager: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ grant_json: UnsafePointer<CChar>?, _ out_server_json: OutString?,
    _ out_error_json: OutString?
) -> mcp_status {
    registryEntryPoint(manager, out_server_json, out_error_json) { instance, caller throws(MCPError) in
        try instance.shareServer(try string(name, "name"), grant: try jsonObject(grant_json, "grant_json", required: true), as: caller)
    }
}

/// Saves the view's user's values of a server's customUserVars (encrypted in the store; "" revokes one); the user's
/// connection to it reopens with them: {"version":1,"serverName","authValueFlags":{VAR: bool}}. Never the values.
/// Ownership: free *out_flags_json and *out_error_json with mcp_string_free().
/// NULL: manager (a user's view), server, values_json and out_flags_json required; out_error_json may be NULL.
/// Threads: any thread.
@c(mcp_manager_set_user_vars)
public func mcpManagerSetUserVars(
    _ manager: OpaquePointer?, _ server: UnsafePointer<CChar>?, _ values_json: UnsafePointer<CChar>?, _ out_flags_json: OutString?,
    _ out_error_json: OutString?
) -> mcp_status {
    registryEntryPoint(manager, out_flags_json, out_error_json) { instance, caller throws(MCPError) in
        var values: [String: String] = [:]
        for (key, value) in try jsonObject(values_json, "values_json", required: true) {
            // The key is the caller's own; the value is never echoed.
            guard let text = value.stringValue else { throw MCPError.invalid("'\(key)' must be a string", details: ["path": .string(key)]) }
            values[key] = text
        }
        return try instance.setUserVariables(try string(server, "server"), values: values, as: caller)
    }
}

/// Forgets the view's user's saved values for a server: all of them (names_json NULL) or a JSON array of names.
/// Returns the flags like mcp_manager_set_user_vars.
/// Ownership: free *out_flags_json and *out_error_json with mcp_string_free().
/// NULL: manager (a user's view), server and out_flags_json required; names_json and out_error_json may be NULL.
/// Threads: any thread.
@c(mcp_manager_revoke_user_vars)
public func mcpManagerRevokeUserVars(
    _ manager: OpaquePointer?, _ server: UnsafePointer<CChar>?, _ names_json: UnsafePointer<CChar>?, _ out_flags_json: OutString?,
    _ out_error_json: OutString?
) -> mcp_status {
    registryEntryPoint(manager, out_flags_json, out_error_json) { instance, caller throws(MCPError) in
        var names: [String]?
        if names_json != nil {
            guard case .array(let items) = try json(names_json, "names_json"), items.allSatisfy({ $0.stringValue != nil }) else {
                throw MCPError.invalid("names_json must be an array of variable names", details: ["argument": "names_json"])
            }
            names = items.compactMap(\.stringValue)
        }
        return try instance.revokeUserVariables(try string(server, "server"), names: names, as: caller)
    }
}

/// Which of a server's customUserVars the view's user has set (LibreChat's auth-values):
/// {"version":1,"serverName","authValueFlags":{VAR: bool}}. Never the values.
/// Ownership: free *out_flags_json and *out_error_json with mcp_string_free().
/// NULL: manager (a user's view), server and out_flags_json required; out_error_json may be NULL.
/// Threads: any thread.
@c(mcp_manager_auth_values)
public func mcpManagerAuthValues(
    _ manager: OpaquePointer?, _ server: UnsafePointer<CChar>?, _ out_flags_json: OutString?, _ out_error_json: OutString?
) -> mcp_status {
    registryEntryPoint(manager, out_flags_json, out_error_json) { instance, caller throws(MCPError) in
        try instance.authValues(try string(server, "server"), as: caller)
    }
}
