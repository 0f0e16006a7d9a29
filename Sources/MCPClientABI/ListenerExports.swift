import MCPClientCore
import MCPClientOAuth

// The loopback redirect listener (docs/oauth.md "Loopback redirect listener"): desktop and CLI hosts register its
// redirect URI, open the authorization URL in a browser and wait here for the callback URL.

let listenerHandles = HandleTable<LoopbackListener>(tag: 2, kind: "listener")

/// Starts listening on 127.0.0.1 (never another address). options_json: {"port":0,"path":"/callback"}; port 0 (the
/// default) picks a free port. A port in use is MCP_ERR_TRANSPORT (details.errno); a bad path MCP_ERR_CONFIG.
/// Ownership: free *out_listener with mcp_oauth_listener_free(); free *out_error_json with mcp_string_free().
/// NULL: out_listener required; options_json NULL means {}; out_error_json may be NULL.
/// Threads: any thread.
@c(mcp_oauth_listener_new)
public func mcpOAuthListenerNew(
    _ out_listener: UnsafeMutablePointer<OpaquePointer?>?, _ options_json: UnsafePointer<CChar>?, _ out_error_json: OutString?
) -> mcp_status {
    out_listener?.pointee = nil
    return boundary(out_error_json) { () throws(MCPError) in
        try requireOut(out_listener, "out_listener")
        let object = try jsonObject(options_json, "options_json")
        try PayloadVersion.check(object)
        if let unknown = object.keys.first(where: { !["port", "path", "version"].contains($0) }) {
            throw MCPError.invalid("unknown option '\(unknown)'", details: ["path": .string(unknown)])
        }
        var options = LoopbackListener.Options()
        if let port = object["port"] {
            guard let value = port.int64Value, (0...65535).contains(value) else {
                throw MCPError.invalid("'port' must be an integer from 0 to 65535", details: ["path": "port"])
            }
            options.port = UInt16(value)
        }
        if let path = object["path"] {
            guard let value = path.stringValue else { throw MCPError.invalid("'path' must be a string", details: ["path": "path"]) }
            options.path = value
        }
        out_listener?.pointee = try listenerHandles.insert(try LoopbackListener(options: options))
    }
}

/// The redirect URI to register and send: "http://127.0.0.1:<port><path>".
/// Ownership: free *out_uri and *out_error_json with mcp_string_free().
/// NULL: listener and out_uri required; out_error_json may be NULL.
/// Threads: any thread.
@c(mcp_oauth_listener_redirect_uri)
public func mcpOAuthListenerRedirectURI(_ listener: OpaquePointer?, _ out_uri: OutString?, _ out_error_json: OutString?) -> mcp_status {
    out_uri?.pointee = nil
    return boundary(out_error_json) { () throws(MCPError) in
        try requireOut(out_uri, "out_uri")
        let instance = try listenerHandles.lookup(listener, "listener")
        guard let copy = allocate(Array(instance.redirectURI.utf8)) else { throw MCPError(.generic, "out of memory") }
        out_uri?.pointee = copy
    }
}

/// Waits up to timeout_ms (negative: no limit) for the browser's GET of the callback path and returns the full
/// callback URL, query included (it holds the authorization code: treat it as a secret). The browser gets a small
/// page (success for a code, failure for an error; the code is never shown). Other paths get 404 and requests
/// without code or error 400 while waiting goes on. The listener stops after the first callback, on timeout, cancel
/// or free: MCP_ERR_TIMEOUT, MCP_ERR_CANCELLED (mcp_oauth_listener_cancel or _free from another thread), then
/// MCP_ERR_CLOSED for later waits.
/// Ownership: free *out_callback_url and *out_error_json with mcp_string_free().
/// NULL: listener and out_callback_url required; out_error_json may be NULL.
/// Threads: any host thread (blocking); one waiter at a time (a second gets MCP_ERR_INVALID).
@c(mcp_oauth_listener_wait)
public func mcpOAuthListenerWait(
    _ listener: OpaquePointer?, _ timeout_ms: Int32, _ out_callback_url: OutString?, _ out_error_json: OutString?
) -> mcp_status {
    out_callback_url?.pointee = nil
    return boundary(out_error_json) { () throws(MCPError) in
        try requireOut(out_callback_url, "out_callback_url")
        let instance = try listenerHandles.lookup(listener, "listener")
        let url = try instance.waitForCallback(timeoutMs: Int(timeout_ms))
        guard let copy = allocate(Array(url.utf8)) else { throw MCPError(.generic, "out of memory") }
        out_callback_url?.pointee = copy
    }
}

/// Stops the listener: a waiter returns MCP_ERR_CANCELLED at once, and so do later waits.
/// Ownership: nothing to free.
/// NULL: listener required (MCP_ERR_INVALID); a freed listener gives MCP_ERR_CLOSED.
/// Threads: any thread.
@c(mcp_oauth_listener_cancel)
public func mcpOAuthListenerCancel(_ listener: OpaquePointer?) -> mcp_status {
    boundary(nil) { () throws(MCPError) in
        try listenerHandles.lookup(listener, "listener").cancel()
    }
}

/// Closes the socket (a waiter on another thread returns MCP_ERR_CANCELLED) and releases the handle.
/// Ownership: the handle is invalid afterwards.
/// NULL: listener may be NULL (no-op).
/// Threads: any thread.
@c(mcp_oauth_listener_free)
public func mcpOAuthListenerFree(_ listener: OpaquePointer?) {
    listenerHandles.remove(listener)?.close()
}

/// Makes the listener accept only the authorization response of one sign-in: expected is that sign-in's
/// authorization URL (the authUrl mcp_manager_oauth_begin returns; its state parameter is used) or its state value
/// itself. Any other callback on the path (another sign-in's, or one forged by a local process that found the port)
/// is answered 400 and waiting goes on. NULL expected accepts any again. Call it before or while waiting.
/// Ownership: expected is borrowed for the call.
/// NULL: listener required; expected may be NULL; out_error_json may be NULL.
/// Threads: any thread.
@c(mcp_oauth_listener_expect)
public func mcpOAuthListenerExpect(_ listener: OpaquePointer?, _ expected: UnsafePointer<CChar>?, _ out_error_json: OutString?) -> mcp_status {
    boundary(out_error_json) { () throws(MCPError) in
        let instance = try listenerHandles.lookup(listener, "listener")
        guard let expected else {
            instance.expectState(nil)
            return
        }
        let text = try string(expected, "expected")
        if text.hasPrefix("http://") || text.hasPrefix("https://") {
            guard instance.expectState(fromAuthorizationURL: text) else {
                throw MCPError.invalid("the authorization URL has no state parameter", details: ["argument": "expected", "reason": "state_missing"])
            }
        } else {
            guard !text.isEmpty, text.utf8.count <= 1024 else {
                throw MCPError.invalid("expected must be an authorization URL or a state of 1 to 1024 bytes", details: ["argument": "expected"])
            }
            instance.expectState(text)
        }
    }
}
