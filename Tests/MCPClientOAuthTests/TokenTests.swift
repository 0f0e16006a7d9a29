import MCPClientCore
import MCPClientOAuth
import Testing

@Suite struct TokenRequestTests {
    let endpoint = try! OAuthURL("https://auth.example.com/token")
    let now: Int64 = 1_700_000_000

    @Test func authorizationCodeWithClientSecretBasic() throws {
        let client = ClientCredentials(clientID: "client:id é", clientSecret: "s3cr et+/%~", method: .clientSecretBasic)
        let request = try TokenRequest.authorizationCode(tokenEndpoint: endpoint, code: "the code", redirectURI: "http://localhost/cb",
            codeVerifier: "verifier-123", resource: "https://mcp.example.com/mcp", client: client, now: now)
        // RFC 6749 §2.3.1: encode each half, then base64 (checked against Python's quote(safe="") + b64encode). A space
        // is %20, which form decoders and the plain percent-decoders of authlib and the python-sdk all read back.
        #expect(request.header("authorization") == "Basic Y2xpZW50JTNBaWQlMjAlQzMlQTk6czNjciUyMGV0JTJCJTJGJTI1fg==")
        #expect(request.body == "grant_type=authorization_code&code=the+code&redirect_uri=http%3A%2F%2Flocalhost%2Fcb"
            + "&code_verifier=verifier-123&resource=https%3A%2F%2Fmcp.example.com%2Fmcp&client_id=client%3Aid+%C3%A9")
        #expect(request.field("client_secret") == nil)  // the secret only in the header
        // …yet an error body echoing the plain secret is still redacted.
        #expect(request.sentSecrets.contains("s3cr et+/%~"))
        #expect(request.header("content-type") == "application/x-www-form-urlencoded")
    }

    @Test func clientSecretPostAndNone() throws {
        let post = try TokenRequest.refresh(tokenEndpoint: endpoint, refreshToken: "rt-1", scopes: ["a", "b"], resource: "https://m",
            audience: "api", client: ClientCredentials(clientID: "c", clientSecret: "sec", method: .clientSecretPost), now: now)
        #expect(post.body == "grant_type=refresh_token&refresh_token=rt-1&scope=a+b&resource=https%3A%2F%2Fm&audience=api&client_id=c&client_secret=sec")
        #expect(post.header("authorization") == nil)
        let none = try TokenRequest.refresh(tokenEndpoint: endpoint, refreshToken: "rt-1", scopes: nil, resource: "https://m",
            client: ClientCredentials(clientID: "c", method: .publicClient), now: now)
        #expect(none.body == "grant_type=refresh_token&refresh_token=rt-1&resource=https%3A%2F%2Fm&client_id=c")
        let credentials = try TokenRequest.clientCredentials(tokenEndpoint: endpoint, scopes: ["x"], resource: "https://m",
            client: ClientCredentials(clientID: "c", clientSecret: "sec", method: .clientSecretBasic), now: now)
        #expect(credentials.body == "grant_type=client_credentials&scope=x&resource=https%3A%2F%2Fm&client_id=c")
    }

    @Test func secretsStayOutOfDescriptionsAndMissingSecretsFail() throws {
        let client = ClientCredentials(clientID: "c", clientSecret: "super-secret-value", method: .clientSecretPost)
        let request = try TokenRequest.refresh(tokenEndpoint: endpoint, refreshToken: "refresh-secret-value", scopes: nil, resource: "r", client: client, now: now)
        for text in [request.description, client.description, String(describing: request), String(describing: client)] {
            #expect(!text.containsLiteral("super-secret-value") && !text.containsLiteral("refresh-secret-value"))
        }
        #expect(throws: MCPError.self) {
            try TokenRequest.refresh(tokenEndpoint: self.endpoint, refreshToken: "r", scopes: nil, resource: "r",
                client: ClientCredentials(clientID: "c", method: .clientSecretBasic), now: self.now)
        }
        #expect(throws: MCPError.self) {
            try TokenRequest.refresh(tokenEndpoint: try OAuthURL("http://auth.example.com/token"), refreshToken: "r", scopes: nil,
                resource: "r", client: ClientCredentials(clientID: "c", method: .publicClient), now: self.now)
        }
    }

    @Test func choosesTheAuthMethod() {
        #expect(ClientAuthMethod.choose(override: .clientSecretPost, registered: .clientSecretBasic, supported: nil, hasSecret: true) == .clientSecretPost)
        #expect(ClientAuthMethod.choose(registered: .publicClient, supported: ["client_secret_basic"], hasSecret: true) == .publicClient)
        #expect(ClientAuthMethod.choose(supported: ["client_secret_post", "client_secret_basic"], hasSecret: true) == .clientSecretBasic)
        #expect(ClientAuthMethod.choose(supported: ["client_secret_post"], hasSecret: true) == .clientSecretPost)
        #expect(ClientAuthMethod.choose(supported: ["client_secret_basic"], hasSecret: false) == .publicClient)
        #expect(ClientAuthMethod.choose(supported: ["private_key_jwt"], hasSecret: false, hasSigningKey: true) == .privateKeyJWT)
        #expect(ClientAuthMethod.fromTokenExchangeMethod("default_post") == .clientSecretPost)
        #expect(ClientAuthMethod.fromTokenExchangeMethod("basic_auth_header") == .clientSecretBasic)
    }
}

@Suite struct TokenResponseTests {
    let now: Int64 = 1_700_000_000

    func parse(_ json: String, status: Int = 200, previous: String? = nil, secrets: [String] = []) throws(MCPError) -> TokenSet {
        try TokenResponse.parse(status: status, body: Array(json.utf8), now: now, previousRefreshToken: previous, sentSecrets: secrets)
    }

    @Test func expiresInBecomesAbsolute() throws {
        let tokens = try parse(#"{"access_token":"at","token_type":"bearer","expires_in":3600,"refresh_token":"rt2","scope":"a b"}"#)
        #expect(tokens.accessToken == "at")
        #expect(tokens.expiresAt == now + 3600)
        #expect(tokens.refreshToken == "rt2")
        #expect(tokens.refreshTokenExpiresAt == now + TokenResponse.defaultRefreshLifetime)
        #expect(tokens.scopes == ["a", "b"])
        #expect(!tokens.description.containsLiteral("rt2") && !String(describing: tokens).containsLiteral("\"at\""))
        #expect(try parse(#"{"access_token":"at","expires_in":"120"}"#).expiresAt == now + 120)
        #expect(try parse(#"{"access_token":"at","expires_in":-5}"#).expiresAt == now)
        #expect(try parse(#"{"access_token":"at","expires_in":1e300}"#).expiresAt == now + TokenResponse.maxLifetime)
    }

    @Test func expiryFallsBackToTheJWTThenAYear() throws {
        let payload = Base64URL.encode(Array(#"{"exp":1700000500}"#.utf8))
        #expect(try parse(#"{"access_token":"eyJhbGciOiJub25lIn0.\#(payload).sig"}"#).expiresAt == 1_700_000_500)
        #expect(try parse(#"{"access_token":"opaque"}"#).expiresAt == now + 365 * 24 * 3600)
    }

    @Test func rotationKeepsTheOldRefreshTokenOnlyWhenNoneIsIssued() throws {
        #expect(try parse(#"{"access_token":"at"}"#, previous: "old").refreshToken == "old")
        #expect(try parse(#"{"access_token":"at","refresh_token":"new"}"#, previous: "old").refreshToken == "new")
        #expect(try parse(#"{"access_token":"at"}"#).refreshToken == nil)
    }

    @Test(arguments: [("invalid_grant", "invalid_grant"), ("invalid_client", "invalid_client"), ("invalid_scope", "invalid_scope"),
        ("unauthorized_client", "unauthorized_client"), ("temporarily_unavailable", "token_error")])
    func mapsErrorsToStableReasons(_ code: String, reason: String) {
        let error = #expect(throws: MCPError.self) { try self.parse(#"{"error":"\#(code)"}"#, status: 400) }
        #expect(error?.code == .auth)
        #expect(error?.details["reason"]?.stringValue == reason)
    }

    @Test func errorsNeverEchoSecrets() {
        let body = #"{"error":"invalid_grant","error_description":"refresh token rt-SECRET-123 was already used"}"#
        let error = #expect(throws: MCPError.self) { try self.parse(body, status: 400, secrets: ["rt-SECRET-123"]) }
        let json = error?.json.jsonString ?? ""
        #expect(!json.containsLiteral("rt-SECRET-123"))
        #expect(json.containsLiteral("[redacted]"))
        #expect(error.map(TokenResponse.requiresReregistration) == false)
    }

    @Test func retryWithoutScopeAndReregistrationHints() {
        let scope = #expect(throws: MCPError.self) { try self.parse(#"{"error":"invalid_scope"}"#, status: 400) }
        #expect(scope.map(TokenResponse.shouldRetryWithoutScope) == true)
        let salesforce = #expect(throws: MCPError.self) {
            try self.parse(#"{"error":"invalid_request","error_description":"scope parameter not supported"}"#, status: 400)
        }
        #expect(salesforce.map(TokenResponse.shouldRetryWithoutScope) == true)
        let grant = #expect(throws: MCPError.self) { try self.parse(#"{"error":"invalid_grant"}"#, status: 400) }
        #expect(grant.map(TokenResponse.shouldRetryWithoutScope) == false)
        let client = #expect(throws: MCPError.self) { try self.parse(#"{"error":"invalid_client"}"#, status: 401) }
        #expect(client.map(TokenResponse.requiresReregistration) == true)
    }

    @Test(arguments: [(200, #"{"token_type":"Bearer"}"#), (200, "not json"), (200, #"{"access_token":"a","token_type":"DPoP"}"#),
        (500, "<html>"), (200, #"{"error":"invalid_grant"}"#)])
    func refusesBadResponses(_ status: Int, _ body: String) {
        #expect(throws: MCPError.self) { try self.parse(body, status: status) }
    }

    @Test func storedRoundTrip() throws {
        let tokens = try parse(#"{"access_token":"at","expires_in":60,"refresh_token":"rt","scope":"a","id_token":"id"}"#)
        #expect(try TokenSet(json: tokens.json) == tokens)
        #expect(tokens.accessTokenExpires(within: 60, now: now))
        #expect(!tokens.accessTokenExpires(within: 59, now: now))
    }

    @Test func base64Decoding() {
        #expect(Base64Decoding.decode("Zm9vYmFy") == Array("foobar".utf8))
        #expect(Base64Decoding.decode("Zm9vYg==") == Array("foob".utf8))
        #expect(Base64Decoding.decode("-_8", urlSafe: true) == [0xfb, 0xff])
        #expect(Base64Decoding.decode("Zm9v!") == nil)
        #expect(Base64Decoding.decode("Z") == nil)
        #expect(Base64Decoding.decode("Zg==Zg") == nil)
    }
}
