/// The seam between HTTP transports and the OAuth engine: a transport asks for the `Authorization` value before each
/// request and reports a refusal (401, or 403 with a Bearer challenge); the engine decides whether to send once more.
/// Transports stay free of OAuth; the manager installs one authorizer per connection (user and server).
public protocol RequestAuthorizer: AnyObject, Sendable {
    /// The `Authorization` header value for the next request, or nil to send none. Never blocks: a cached value
    /// (the engine refreshes ahead of expiry on its own thread).
    func currentAuthorization() -> String?

    /// The server refused a request that carried `challenge.sentAuthorization`. `completion` runs exactly once, on
    /// any thread (never inside this call's lock): `.retry` when a different authorization is ready, so the
    /// transport sends the request once more; `.fail` with the error to report (code `.auth`) otherwise.
    func challenged(_ challenge: AuthorizationChallenge, completion: @escaping @Sendable (AuthorizationDecision) -> Void)
}

/// A 401 or 403 as the transport saw it. Printing it never shows the token it carried.
public struct AuthorizationChallenge: Sendable, CustomStringConvertible, CustomReflectable {
    public var status: Int
    /// Every `WWW-Authenticate` field value of the response, in order.
    public var wwwAuthenticate: [String]
    /// The `Authorization` value the refused request carried (nil: none), so the engine can tell a stale token
    /// from one that was refreshed meanwhile.
    public var sentAuthorization: String?
    /// The URL that answered (for discovery: the MCP endpoint).
    public var url: String

    public init(status: Int, wwwAuthenticate: [String], sentAuthorization: String?, url: String) {
        self.status = status
        self.wwwAuthenticate = wwwAuthenticate
        self.sentAuthorization = sentAuthorization
        self.url = url
    }

    public var description: String {
        "AuthorizationChallenge(\(status), \(wwwAuthenticate.count) challenge(s), sent: \(sentAuthorization == nil ? "none" : "[redacted]"))"
    }

    public var customMirror: Mirror {
        Mirror(self, children: ["status": status, "wwwAuthenticate": wwwAuthenticate, "url": url,
                                "sentAuthorization": sentAuthorization == nil ? "none" : "[redacted]"])
    }
}

public enum AuthorizationDecision: Sendable {
    /// A new authorization is ready: send the request again (once).
    case retry
    /// Give up with this error (code `.auth`; details may carry `authUrl` and `flowId` when a login is pending).
    case fail(MCPError)
}

extension MCPError {
    /// The error a transport reports for a 401/403 when no authorizer is installed or it gave up already.
    public static func authorizationRequired(status: Int, wwwAuthenticate: [String]) -> MCPError {
        var details: JSONObject = ["reason": "authorization_required", "http_status": .int(Int64(status))]
        if !wwwAuthenticate.isEmpty { details["www_authenticate"] = .array(wwwAuthenticate.prefix(4).map { .string(String($0.prefix(1024))) }) }
        return MCPError(.auth, "the server requires authorization (HTTP \(status))", source: .auth, details: details)
    }
}
