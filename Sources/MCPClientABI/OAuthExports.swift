import MCPClientCore
import MCPClientManager
import MCPClientOAuth

// OAuth sign-in flows (docs/oauth.md "Flows"). Every call here may block on the network (discovery, registration,
// the token exchange), bounded by the OAuth timeouts; call them from host threads, never from inside a callback.

/// The user a call is for: the given one, or, when NULL, the view's user (mcp_manager_as_user) or the manager's OAuth
/// user (`options.oauth.user`). A user's view acts for that user only.
private func oauthUser(_ handle: ManagerHandle, _ user: UnsafePointer<CChar>?) throws(MCPError) -> String? {
    let given = user == nil ? nil : try string(user, "user")
    guard let viewUser = handle.caller.user else { return given }
    if let given, given != viewUser {
        throw MCPError(.permission, "a user's view of the manager acts for that user only", details: ["argument": "user", "reason": "user_view"])
    }
    return viewUser
}

/// Begins a sign-in for a user on a server, or joins the user's pending one:
/// {"user","server","flowId","authUrl","expiresAt","joined","scopes"?}. Open authUrl in a browser; the redirect
/// comes back to the host's callback URL, which goes to mcp_manager_oauth_complete(). Emits an oauth_required event.
/// Ownership: free *out_flow_json and *out_error_json with mcp_string_free().
/// NULL: manager, server and out_flow_json required; user may be NULL (the manager's OAuth user); out_error_json may be NULL.
/// Threads: any thread; blocks on the network.
@c(mcp_manager_oauth_begin)
public func mcpManagerOAuthBegin(
    _ manager: OpaquePointer?, _ server: UnsafePointer<CChar>?, _ user: UnsafePointer<CChar>?, _ out_flow_json: OutString?,
    _ out_error_json: OutString?
) -> mcp_status {
    out_flow_json?.pointee = nil
    return boundary(out_error_json) { () throws(MCPError) in
        try requireOut(out_flow_json, "out_flow_json")
        let handle = try HandleRegistry.handle(manager)
        let flow = try handle.manager.oauthBegin(server: try string(server, "server"), user: try oauthUser(handle, user))
        try write(flow.json, to: out_flow_json)
    }
}

/// Completes a sign-in from the URL the browser was redirected to (its query has code, state and maybe iss). The
/// flow may have begun in another process sharing the credential store. Idempotent for a completed flow
/// ("joined": true). On success the tokens are stored, an oauth_completed event is emitted and the manager's own
/// connection to the server is reopened in the background; on failure an oauth_failed event (MCP_ERR_AUTH with
/// details.reason: invalid_state, flow_expired, authorization_denied, issuer_mismatch, invalid_grant, ...).
/// Ownership: free *out_result_json and *out_error_json with mcp_string_free().
/// NULL: manager, callback_url and out_result_json required; out_error_json may be NULL.
/// Threads: any thread; blocks on the network.
@c(mcp_manager_oauth_complete)
public func mcpManagerOAuthComplete(
    _ manager: OpaquePointer?, _ callback_url: UnsafePointer<CChar>?, _ out_result_json: OutString?, _ out_error_json: OutString?
) -> mcp_status {
    out_result_json?.pointee = nil
    return boundary(out_error_json) { () throws(MCPError) in
        try requireOut(out_result_json, "out_result_json")
        let instance = try HandleRegistry.handle(manager).manager
        try write(try instance.oauthComplete(callbackURL: try string(callback_url, "callback_url")).json, to: out_result_json)
    }
}

/// mcp_manager_oauth_complete() for hosts whose callback route already split the query: code, state and iss (NULL
/// when the redirect had none).
/// Ownership: free *out_result_json and *out_error_json with mcp_string_free().
/// NULL: manager, code, state and out_result_json required; iss and out_error_json may be NULL.
/// Threads: any thread; blocks on the network.
@c(mcp_manager_oauth_complete_code)
public func mcpManagerOAuthCompleteCode(
    _ manager: OpaquePointer?, _ code: UnsafePointer<CChar>?, _ state: UnsafePointer<CChar>?, _ iss: UnsafePointer<CChar>?,
    _ out_result_json: OutString?, _ out_error_json: OutString?
) -> mcp_status {
    out_result_json?.pointee = nil
    return boundary(out_error_json) { () throws(MCPError) in
        try requireOut(out_result_json, "out_result_json")
        let instance = try HandleRegistry.handle(manager).manager
        let issuer: String? = iss == nil ? nil : try string(iss, "iss")
        let flow = try instance.oauthComplete(code: try string(code, "code"), state: try string(state, "state"), iss: issuer)
        try write(flow.json, to: out_result_json)
    }
}

/// Cancels a user's pending sign-in on a server: its state stops working and an oauth_failed event
/// (details.reason "flow_cancelled") is emitted. Not having a pending flow is not an error.
/// Ownership: free *out_error_json with mcp_string_free().
/// NULL: manager and server required; user may be NULL (the manager's OAuth user); out_error_json may be NULL.
/// Threads: any thread.
@c(mcp_manager_oauth_cancel)
public func mcpManagerOAuthCancel(
    _ manager: OpaquePointer?, _ server: UnsafePointer<CChar>?, _ user: UnsafePointer<CChar>?, _ out_error_json: OutString?
) -> mcp_status {
    boundary(out_error_json) { () throws(MCPError) in
        let handle = try HandleRegistry.handle(manager)
        try handle.manager.oauthCancel(server: try string(server, "server"), user: try oauthUser(handle, user))
    }
}

/// A user's authorization state on a server, never a token: {"user","server","state":"authorized"|"pending"|"failed"|
/// "unauthorized","requiresOAuth","expiresAt"?,"hasRefreshToken"?,"scopes"?,"issuer"?,"tokensSaved"?,"saveError"?,
/// "flow"?:{"flowId","status","createdAt","expiresAt","authUrl"?,"reason"?}}. "tokensSaved": false (with the store's
/// error) while the store refused the tokens and they live in this process's memory only.
/// Ownership: free *out_status_json and *out_error_json with mcp_string_free().
/// NULL: manager, server and out_status_json required; user may be NULL (the manager's OAuth user); out_error_json may be NULL.
/// Threads: any thread.
@c(mcp_manager_oauth_status)
public func mcpManagerOAuthStatus(
    _ manager: OpaquePointer?, _ server: UnsafePointer<CChar>?, _ user: UnsafePointer<CChar>?, _ out_status_json: OutString?,
    _ out_error_json: OutString?
) -> mcp_status {
    out_status_json?.pointee = nil
    return boundary(out_error_json) { () throws(MCPError) in
        try requireOut(out_status_json, "out_status_json")
        let handle = try HandleRegistry.handle(manager)
        try write(try handle.manager.oauthStatus(server: try string(server, "server"), user: try oauthUser(handle, user)), to: out_status_json)
    }
}

/// Signs a user out of a server: revokes the tokens where the authorization server offers revocation (failures are
/// reported, not fatal), deletes them and any pending flow, and closes the manager's connection when it was that
/// user's: {"user","server","hadTokens","revocation"?}.
/// Ownership: free *out_report_json and *out_error_json with mcp_string_free().
/// NULL: manager, server and out_report_json required; user may be NULL (the manager's OAuth user); out_error_json may be NULL.
/// Threads: any thread; blocks on the network.
@c(mcp_manager_oauth_logout)
public func mcpManagerOAuthLogout(
    _ manager: OpaquePointer?, _ server: UnsafePointer<CChar>?, _ user: UnsafePointer<CChar>?, _ out_report_json: OutString?,
    _ out_error_json: OutString?
) -> mcp_status {
    out_report_json?.pointee = nil
    return boundary(out_error_json) { () throws(MCPError) in
        try requireOut(out_report_json, "out_report_json")
        let handle = try HandleRegistry.handle(manager)
        try write(try handle.manager.oauthLogout(server: try string(server, "server"), user: try oauthUser(handle, user)), to: out_report_json)
    }
}

/// Makes the manager keep its OAuth records (tokens, registrations, pending flows) in `store` instead of the one
/// `options.oauth.store` names: a host store (mcp_credential_store_new_host) lets several processes share sign-ins,
/// so a callback may land on another process than the one that began the flow. It also holds the registry's created
/// servers and users' variables. Call it before the first OAuth or registry use (a connect to an OAuth server, any
/// mcp_manager_oauth_* call, any registry call); afterwards it fails with MCP_ERR_CONFLICT.
/// Ownership: the manager keeps its own reference; the store handle may be freed afterwards, but a host store's
/// functions and user_data must stay valid until the manager is freed. Free *out_error_json with mcp_string_free().
/// NULL: manager and store required; out_error_json may be NULL.
/// Threads: any thread.
@c(mcp_manager_set_credential_store)
public func mcpManagerSetCredentialStore(_ manager: OpaquePointer?, _ store: OpaquePointer?, _ out_error_json: OutString?) -> mcp_status {
    boundary(out_error_json) { () throws(MCPError) in
        let instance = try HandleRegistry.manager(manager)
        try instance.setCredentialStore(try CredentialStoreBox.from(store))
    }
}
