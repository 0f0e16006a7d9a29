import COpenSSL
public import MCPClientCore

/// A built authorization request (oauth.md §2 step 9). The verifier and state must be stored with the issuer before
/// the URL goes to the host; `description` shows neither.
public struct AuthorizationRequest: Sendable, Equatable, CustomStringConvertible {
    /// The URL for the host to open in a browser.
    public var url: String
    public var state: String
    public var pkce: PKCE
    public var redirectURI: String
    public var scopes: [String]?
    public var resource: String

    public var description: String { "AuthorizationRequest(scopes: \(scopes.map(Scopes.join) ?? "none"), resource: \(resource))" }

    /// `response_type=code`, `client_id`, `redirect_uri`, `state`, `code_challenge` + `S256`, `scope` (when any) and
    /// `resource` (always, even when the AS does not advertise RFC 8707), plus `audience` when configured (Auth0).
    /// The endpoint must pass `policy`, and its own query may not repeat any of these parameters.
    public static func build(
        endpoint: OAuthURL, clientID: String, redirectURI: String, scopes: [String]?, resource: String,
        audience: String? = nil, state stateOverride: String? = nil, pkce pkceOverride: PKCE? = nil, policy: URLSchemePolicy = .init()
    ) throws(MCPError) -> AuthorizationRequest {
        try policy.check(endpoint, role: "authorization_endpoint")
        let redirect = try OAuthURL(redirectURI)
        try policy.check(redirect, role: "redirect_uri")
        let state: String, pkce: PKCE
        if let given = stateOverride { state = given } else { state = try Self.randomState() }
        if let given = pkceOverride { pkce = given } else { pkce = try PKCE.generate() }
        var fields: [(String, String)] = [
            ("response_type", "code"), ("client_id", clientID), ("redirect_uri", redirectURI), ("state", state),
            ("code_challenge", pkce.challenge), ("code_challenge_method", pkce.method),
        ]
        if let scopes, !scopes.isEmpty { fields.append(("scope", Scopes.join(scopes))) }
        fields.append(("resource", resource))
        if let audience { fields.append(("audience", audience)) }

        let existing = endpoint.query.map { FormEncoding.decode($0, maxFields: 256) } ?? []
        if let clash = existing.first(where: { field in fields.contains { $0.0 == field.name } }) {
            throw MCPError(.policy, "authorization_endpoint already carries the \(clash.name) parameter", source: .auth,
                details: ["reason": "authorization_endpoint_parameter_clash", "parameter": .string(clash.name)])
        }
        let added = fields.map { FormEncoding.percentEncode($0.0) + "=" + FormEncoding.percentEncode($0.1) }.joined(separator: "&")
        let query = endpoint.query.flatMap { $0.isEmpty ? nil : $0 + "&" } ?? ""
        let url = endpoint.origin + endpoint.path + "?" + query + added
        return AuthorizationRequest(url: url, state: state, pkce: pkce, redirectURI: redirectURI, scopes: scopes, resource: resource)
    }

    /// 32 random bytes, base64url (as LibreChat does).
    public static func randomState() throws(MCPError) -> String {
        try Base64URL.encode(RandomBytes.generate(32))
    }
}

public enum RandomBytes {
    public static func generate(_ count: Int) throws(MCPError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        guard count == 0 || RAND_bytes(&bytes, Int32(clamping: count)) == 1 else {
            throw MCPError(.generic, "the system random generator failed")
        }
        return bytes
    }
}

/// The redirect back from the AS (oauth.md §2 step 10, §6.7).
public struct AuthorizationCallback: Sendable, Equatable, CustomStringConvertible {
    public var code: String?
    public var state: String?
    public var iss: String?
    public var error: String?
    public var errorDescription: String?

    public init(code: String? = nil, state: String? = nil, iss: String? = nil, error: String? = nil, errorDescription: String? = nil) {
        self.code = code
        self.state = state
        self.iss = iss
        self.error = error
        self.errorDescription = errorDescription
    }

    public var description: String {
        "AuthorizationCallback(code: \(code == nil ? "absent" : "present"), iss: \(iss ?? "absent"), error: \(error ?? "none"))"
    }

    /// Reads the callback URL's query (a fragment-mode response is not supported: MCP uses the code flow).
    public static func parse(callbackURL: String) throws(MCPError) -> AuthorizationCallback {
        let url = try OAuthURL(callbackURL)
        var callback = AuthorizationCallback()
        // The first occurrence of each parameter wins; RFC 6749 forbids repeats.
        for field in FormEncoding.decode(url.query ?? "").reversed() {
            switch field.name {
            case "code": callback.code = field.value
            case "state": callback.state = field.value
            case "iss": callback.iss = field.value
            case "error": callback.error = field.value
            case "error_description": callback.errorDescription = field.value
            default: break
            }
        }
        return callback
    }

    /// The checks before a code may go to the token endpoint, in order: `state` must equal the stored one
    /// (otherwise the response is discarded, and an `error` in it is not acted on: a forged error must not fail
    /// someone's flow); then RFC 9207 `iss` (`IssuerCheck`); only then a provider `error`; then a code must be
    /// present. Returns the code.
    public func validatedCode(expectedState: String, recordedIssuer: String, issParameterSupported: Bool) throws(MCPError) -> String {
        guard let state, Self.constantTimeEqual(state, expectedState) else {
            throw MCPError(.auth, "the authorization response's state does not match this flow", source: .auth,
                details: ["reason": "invalid_state"])
        }
        try IssuerCheck.validate(responseIss: iss, recordedIssuer: recordedIssuer, issParameterSupported: issParameterSupported)
        if let error {
            var details: JSONObject = ["reason": "authorization_denied", "error": .string(Self.printable(error, limit: 64))]
            if let errorDescription { details["error_description"] = .string(Self.printable(errorDescription, limit: 300)) }
            throw MCPError(.auth, "the authorization server refused the request: \(Self.printable(error, limit: 64))", source: .auth,
                details: details)
        }
        guard let code, !code.isEmpty else {
            throw MCPError(.auth, "the authorization response has no code", source: .auth, details: ["reason": "missing_code"])
        }
        return code
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }

    /// Provider text shown to hosts: printable ASCII only, cut to `limit`.
    static func printable(_ text: String, limit: Int) -> String {
        String(decoding: text.utf8.prefix(limit).map { (0x20...0x7E).contains($0) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
    }
}

/// RFC 9207 authorization-response `iss` validation (oauth.md §2 step 10): a plain string comparison with the
/// issuer recorded before the redirect, without any normalization.
public enum IssuerCheck {
    public static func validate(responseIss: String?, recordedIssuer: String, issParameterSupported: Bool) throws(MCPError) {
        switch (issParameterSupported, responseIss) {
        case (_, let iss?):
            guard iss == recordedIssuer else {
                throw MCPError(.auth, "the authorization response came from a different issuer (possible mix-up attack)", source: .auth,
                    details: ["reason": "iss_mismatch", "expected": .string(recordedIssuer)])
            }
        case (true, nil):
            throw MCPError(.auth, "the authorization server promised an iss parameter but the response has none", source: .auth,
                details: ["reason": "iss_missing"])
        case (false, nil):
            return
        }
    }
}
