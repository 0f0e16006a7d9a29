import MCPClientCore
import MCPClientTransport

/// What the engine needs to know about one MCP server: its URL and whatever the operator configured (LibreChat's
/// `oauth` block). Nil fields are discovered.
public struct OAuthServerSettings: Sendable {
    public enum Grant: String, Sendable {
        /// A user signs in through a browser (authorization code + PKCE).
        case authorizationCode = "authorization_code"
        /// The client-credentials extension (SEP-1046): machine-to-machine, no browser.
        case clientCredentials = "client_credentials"
    }

    public var server: String
    /// The MCP endpoint.
    public var url: String
    public var grant: Grant = .authorizationCode
    public var clientID: String?
    public var clientSecret: String?
    /// For `private_key_jwt` (RS256 or ES256 assertions).
    public var signingKey: SigningKey?
    /// Pinned endpoints (LibreChat's pre-configured mode): with both, discovery is skipped.
    public var authorizationURL: String?
    public var tokenURL: String?
    /// The pinned AS's issuer, when known: an `iss` in its authorization responses is checked against it. Without
    /// it, pinned endpoints (trusted by the operator) are not checked for mix-up.
    public var issuer: String?
    public var scope: String?
    public var redirectURI: String?
    /// An explicit token-endpoint auth method (LibreChat `token_exchange_method`).
    public var authMethod: ClientAuthMethod?
    /// Used only with pinned endpoints; discovered metadata speaks for itself.
    public var codeChallengeMethods: [String]?
    /// LibreChat's `skip_code_challenge_check` (Cognito): proceed when the AS does not advertise S256.
    public var skipCodeChallengeCheck = false
    public var audience: String?
    public var forwardAudienceOnRefresh = true
    public var revocationEndpoint: String?
    public var revocationAuthMethods: [String]?
    /// Network rules (SSRF policy, `oauth_headers`, TLS, timeouts) for every OAuth request about this server.
    public var http = OAuthHTTPOptions()

    public init(server: String, url: String) {
        self.server = server
        self.url = url
    }

    /// Whether a secret (or a client assertion) may go to this metadata's token endpoint (oauth.md §6.9): pinned
    /// endpoints, a discovered endpoint equal to the pinned `token_url`, or, for operator-trusted servers only, the
    /// endpoint of an issuer found through the server's protected resource metadata (issuer and resource checked).
    /// Never the 2025-03-26 fallbacks, whose issuer nothing binds.
    func maySendSecret(to metadata: AuthorizationServerMetadata) -> Bool {
        switch metadata.source {
        case .configured: return true
        case .discovered: return tokenURL != nil || http.policy.trusted
        case .legacyMetadata, .legacyDefaults: return tokenURL != nil
        }
    }

    /// Metadata built from the pinned endpoints, when both are configured.
    func pinnedMetadata() throws(MCPError) -> AuthorizationServerMetadata? {
        guard let authorizationURL, let tokenURL else { return nil }
        let policy = http.schemePolicy
        let token = try policy.check(tokenURL, role: "token_url")
        return AuthorizationServerMetadata(
            issuer: issuer ?? "", authorizationEndpoint: try policy.check(authorizationURL, role: "authorization_url"), tokenEndpoint: token,
            revocationEndpoint: try revocationEndpoint.map { (text) throws(MCPError) in try policy.check(text, role: "revocation_endpoint") },
            codeChallengeMethodsSupported: codeChallengeMethods ?? ["S256"],
            revocationEndpointAuthMethodsSupported: revocationAuthMethods, source: .configured)
    }
}
