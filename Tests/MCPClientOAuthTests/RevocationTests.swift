import MCPClientCore
import MCPClientOAuth
import Testing

/// RFC 7009 requests without a network: fields, the client authentication shared with the token endpoint, the
/// method choice against `revocation_endpoint_auth_methods_supported`, and the secrets an error must not echo.
@Suite struct TokenRevocationTests {
    let now: Int64 = 1_700_000_000

    func metadata(revocationMethods: [String]?, revocation: Bool = true) throws -> AuthorizationServerMetadata {
        AuthorizationServerMetadata(
            issuer: "https://auth.example.com/tenant", authorizationEndpoint: nil, tokenEndpoint: try OAuthURL("https://auth.example.com/tenant/token"),
            revocationEndpoint: revocation ? try OAuthURL("https://auth.example.com/tenant/revoke") : nil,
            revocationEndpointAuthMethodsSupported: revocationMethods)
    }

    @Test func fieldsAndClientAuthentication() throws {
        let basic = try RevocationRequest.build(
            metadata: try metadata(revocationMethods: nil), token: "rt-1", hint: .refreshToken,
            client: ClientCredentials(clientID: "c", clientSecret: "s e", method: .clientSecretBasic), now: now)
        #expect(basic.url.string == "https://auth.example.com/tenant/revoke")
        #expect(basic.body == "token=rt-1&token_type_hint=refresh_token&client_id=c")
        #expect(basic.header("Authorization") == "Basic " + Base64.encode(Array("c:s%20e".utf8)))
        #expect(basic.header("Content-Type") == "application/x-www-form-urlencoded")
        #expect(basic.sentSecrets.contains("rt-1") && basic.sentSecrets.contains("s e"))

        let none = try RevocationRequest.build(
            metadata: try metadata(revocationMethods: ["none"]), token: "at-1", hint: nil,
            client: ClientCredentials(clientID: "pub", method: .publicClient), now: now)
        #expect(none.body == "token=at-1&client_id=pub" && none.header("Authorization") == nil)

        let key = try SigningKey.generate(.es256)
        let jwt = try RevocationRequest.build(
            metadata: try metadata(revocationMethods: ["private_key_jwt"]), token: "at-1", hint: .accessToken,
            client: ClientCredentials(clientID: "svc", signingKey: key, method: .privateKeyJWT), now: now)
        let assertion = try #require(jwt.field("client_assertion"))
        // The assertion's audience is the token endpoint, not the revocation URL it is posted to.
        #expect(JWTClaims.payload(assertion)?["aud"]?.stringValue == "https://auth.example.com/tenant/token")
        #expect(jwt.field("client_assertion_type") == ClientAssertion.type)
        #expect(jwt.sentSecrets.contains(assertion))
        #expect(!"\(jwt)".containsLiteral(assertion) && !"\(jwt)".containsLiteral("at-1"))
    }

    @Test func methodChoice() {
        // Absent list: RFC 8414's default, client_secret_basic.
        #expect(ClientAuthMethod.forRevocation(registered: .clientSecretPost, supported: nil, hasSecret: true, hasSigningKey: false) == .clientSecretBasic)
        // The client's own method when listed; else basic, then post for a secret.
        #expect(ClientAuthMethod.forRevocation(
            registered: .clientSecretPost, supported: ["client_secret_basic", "client_secret_post"], hasSecret: true, hasSigningKey: false) == .clientSecretPost)
        #expect(ClientAuthMethod.forRevocation(registered: .clientSecretBasic, supported: ["client_secret_post"], hasSecret: true, hasSigningKey: false)
            == .clientSecretPost)
        #expect(ClientAuthMethod.forRevocation(registered: .privateKeyJWT, supported: ["private_key_jwt"], hasSecret: false, hasSigningKey: true)
            == .privateKeyJWT)
        #expect(ClientAuthMethod.forRevocation(registered: .publicClient, supported: ["client_secret_basic", "none"], hasSecret: false, hasSigningKey: false)
            == .publicClient)
        // Nothing fits: the client's own method, and the AS decides.
        #expect(ClientAuthMethod.forRevocation(registered: .publicClient, supported: nil, hasSecret: false, hasSigningKey: false) == .publicClient)
    }

    @Test func refusals() throws {
        let client = ClientCredentials(clientID: "c", clientSecret: "s", method: .clientSecretPost)
        #expect { _ = try RevocationRequest.build(metadata: try metadata(revocationMethods: nil, revocation: false), token: "t", hint: nil, client: client, now: now) }
            throws: { ($0 as? MCPError)?.details["reason"]?.stringValue == "revocation_unsupported" }
        #expect { _ = try RevocationRequest.build(metadata: try metadata(revocationMethods: nil), token: "", hint: nil, client: client, now: now) }
            throws: { ($0 as? MCPError)?.details["reason"]?.stringValue == "missing_token" }
        #expect {
            _ = try RevocationRequest.build(
                revocationEndpoint: try OAuthURL("http://auth.example.com/revoke"), token: "t", hint: nil, client: client,
                assertionAudience: "x", now: now)
        } throws: { ($0 as? MCPError)?.code == .policy }
    }

    @Test func publicJWKs() throws {
        let rsa = try SigningKey.generate(.rs256, keyID: "r1").publicJWK()
        #expect(rsa["kty"] == "RSA" && rsa["alg"] == "RS256" && rsa["kid"] == "r1" && rsa["e"] == "AQAB")
        #expect(rsa["n"]?.stringValue?.utf8.count == 342)  // 256 bytes, base64url without padding
        #expect(rsa["d"] == nil)
        let ec = try SigningKey.generate(.es256).publicJWK()
        #expect(ec["kty"] == "EC" && ec["crv"] == "P-256" && ec["alg"] == "ES256" && ec["kid"] == nil)
        #expect(ec["x"]?.stringValue?.utf8.count == 43 && ec["y"]?.stringValue?.utf8.count == 43)
        #expect(ec["d"] == nil)
    }
}
