import MCPClientCore
import MCPClientOAuth
import Testing

/// Every value that holds a secret, printed every way Swift can print it, must not show the secret.
@Suite struct SecretRedactionTests {
    static let secret = "S3CRET-VALUE-42"

    func renderings(_ value: Any) -> [String] {
        var dumped = ""
        dump(value, to: &dumped)
        return [String(describing: value), String(reflecting: value), dumped, "\(value)"]
    }

    @Test func noRenderingShowsASecret() throws {
        let secret = Self.secret
        let keyBytes = Array(secret.utf8) + [UInt8](repeating: 0x41, count: 32 - secret.utf8.count)
        let values: [Any] = [
            PKCE(verifier: secret),
            try AuthorizationRequest.build(endpoint: try OAuthURL("https://a.example/authorize"), clientID: "c", redirectURI: "https://app.example/cb",
                scopes: nil, resource: "https://m", state: secret, pkce: PKCE(verifier: secret)),
            AuthorizationCallback(code: secret, state: secret),
            ClientCredentials(clientID: "c", clientSecret: secret, method: .clientSecretPost),
            try TokenRequest.refresh(tokenEndpoint: try OAuthURL("https://a.example/token"), refreshToken: secret, scopes: nil, resource: "r",
                client: ClientCredentials(clientID: "c", clientSecret: secret, method: .clientSecretBasic), now: 0),
            try RevocationRequest.build(revocationEndpoint: try OAuthURL("https://a.example/revoke"), token: secret, hint: .refreshToken,
                client: ClientCredentials(clientID: "c", clientSecret: secret, method: .clientSecretPost), assertionAudience: "https://a.example/token",
                now: 0),
            TokenSet(accessToken: secret, expiresAt: 1, refreshToken: secret, idToken: secret, issuedAt: 0),
            ClientRegistration(clientID: "c", clientSecret: secret, tokenEndpointAuthMethod: .clientSecretBasic, provenance: .dynamic, issuer: "https://a",
                redirectURI: "r", tokenEndpoint: "t", resource: "m", registeredAt: 0),
            FlowState(flowID: "f", state: secret, codeVerifier: secret, issuer: "https://a", issParameterSupported: false, authorizationURL: "https://a",
                redirectURI: "r", clientID: "c", tokenEndpoint: "t", resource: "m", scopes: nil, createdAt: 0),
            try CredentialKeyring(key: keyBytes, keyID: "k1"),
            try SigningKey.generate(.es256),
            {
                var settings = OAuthServerSettings(server: "s", url: "https://m.example/mcp")
                settings.clientSecret = secret
                settings.http.headers = [(name: "X-Key", value: secret)]
                return settings
            }(),
        ]
        for value in values {
            for text in renderings(value) {
                #expect(!text.containsLiteral(secret), "\(type(of: value)) printed a secret")
                #expect(!text.containsLiteral("PRIVATE KEY"))
            }
        }
    }

    @Test func errorsDoNotCarrySecrets() throws {
        let secret = Self.secret
        // A token error echoing the refresh token, a missing client secret, and a bad key from the environment.
        let tokenError = #expect(throws: MCPError.self) {
            try TokenResponse.parse(status: 400, body: Array(#"{"error":"invalid_grant","error_description":"token \#(secret) revoked"}"#.utf8),
                now: 0, sentSecrets: [secret])
        }
        #expect(tokenError?.json.jsonString.containsLiteral(secret) == false)
        #expect(tokenError?.description.containsLiteral(secret) == false)
        let keyError = #expect(throws: MCPError.self) { try CredentialKeyring(base64Key: secret) }
        #expect(keyError?.json.jsonString.containsLiteral(secret) == false)
        let pemError = #expect(throws: MCPError.self) { try SigningKey(pem: "-----BEGIN PRIVATE KEY-----\n\(secret)\n-----END PRIVATE KEY-----") }
        #expect(pemError?.json.jsonString.containsLiteral(secret) == false)
    }
}
