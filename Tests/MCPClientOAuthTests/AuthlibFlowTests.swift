import MCPClientCore
import MCPClientOAuth
import MCPClientTransport
import Testing

extension OAuthServerFixture {
    static let authlibAvailable = canRun("authlib_server.py", imports: "authlib.oauth2.rfc7009, joserfc, mcp.server.auth.routes")

    /// `authlib_server.py` with its default pre-registered clients unless `clients` are given.
    static func authlib(_ arguments: [String] = [], clients: [JSONObject] = []) throws -> OAuthServerFixture {
        try OAuthServerFixture(
            script: "authlib_server.py", arguments: arguments + clients.flatMap { ["--client", JSONWriter.string(.object($0))] })
    }
}

/// The network half against a second, independent authorization server: authlib's server components
/// (`Tests/Fixtures/servers/authlib_server.py`) with an issuer path, OIDC discovery, pre-registered clients of every
/// authentication method, rotating refresh tokens, client_credentials and RFC 7009 revocation, in front of the
/// python-sdk's MCP server.
@Suite(.serialized, .enabled(if: OAuthServerFixture.authlibAvailable, "needs the dev venv with authlib 1.9 and mcp 2.x (MCPCLIENT_TEST_PYTHON)"))
struct AuthlibFlowTests {
    static let redirectURI = "http://127.0.0.1:9/callback"

    /// The fixture's default clients.
    static let basic = ClientCredentials(clientID: "basic-client", clientSecret: "basic-secret", method: .clientSecretBasic)
    static let post = ClientCredentials(clientID: "post-client", clientSecret: "post-secret", method: .clientSecretPost)
    static let publicClient = ClientCredentials(clientID: "public-client", method: .publicClient)
    static let service = ClientCredentials(clientID: "service-client", clientSecret: "service-secret", method: .clientSecretBasic)

    static func discover(_ client: OAuthHTTPClient, _ server: OAuthServerFixture) throws -> DiscoveredAuthorization {
        let probe = try client.probe(serverURL: server.url("/mcp"))
        #expect(probe.status == 401 && probe.requiresAuthorization)
        return try client.discover(serverURL: server.url("/mcp"), challenge: probe.bearer)
    }

    struct Flow {
        var discovered: DiscoveredAuthorization
        var tokens: TokenSet
        var scopes: [String]?
        var metadata: AuthorizationServerMetadata { discovered.authorizationServer }
    }

    /// Discovery, the authorization URL, a headless GET of it (the AS approves at once; the code is read from the
    /// Location without following it), the state and RFC 9207 `iss` checks, and the code exchange.
    static func codeFlow(
        _ client: OAuthHTTPClient, _ server: OAuthServerFixture, credentials: ClientCredentials, extraScopes: [String] = [], now: Int64
    ) throws -> Flow {
        let discovered = try discover(client, server)
        let metadata = discovered.authorizationServer
        try metadata.requirePKCES256()
        let scopes = ScopeSelection.select(
            challengeScope: nil, resourceScopesSupported: discovered.resourceMetadata?.scopesSupported,
            authorizationServerScopesSupported: metadata.scopesSupported).map { $0 + extraScopes }
        let authorization = try AuthorizationRequest.build(
            endpoint: try metadata.requireAuthorizationEndpoint(), clientID: credentials.clientID, redirectURI: redirectURI,
            scopes: scopes, resource: discovered.resource)
        let answer = try client.send(method: "GET", url: authorization.url, role: "authorization_endpoint")
        #expect(answer.status == 302)
        let callback = try AuthorizationCallback.parse(callbackURL: answer.header("Location") ?? "")
        #expect(callback.iss == server.announced)  // RFC 9207: the issuer, path included, byte for byte
        let code = try callback.validatedCode(
            expectedState: authorization.state, recordedIssuer: metadata.issuer,
            issParameterSupported: metadata.authorizationResponseIssParameterSupported)
        let exchange = try TokenRequest.authorizationCode(
            tokenEndpoint: metadata.tokenEndpoint, code: code, redirectURI: redirectURI, codeVerifier: authorization.pkce.verifier,
            resource: discovered.resource, client: credentials, now: now)
        let tokens = try client.requestTokens(exchange, now: now)
        return Flow(discovered: discovered, tokens: tokens, scopes: scopes)
    }

    /// A `tools/call whoami` on the python-sdk MCP endpoint with a bearer token.
    static func callMCP(_ client: OAuthHTTPClient, _ server: OAuthServerFixture, token: String) throws -> OAuthHTTPResponse {
        let call = #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","arguments":{},"#
            + #""_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}"#
        return try client.send(
            method: "POST", url: server.url("/mcp"),
            headers: [
                (name: "Authorization", value: "Bearer " + token), (name: "Content-Type", value: "application/json"),
                (name: "Accept", value: "application/json, text/event-stream"),
            ],
            body: Array(call.utf8), role: "mcp_server")
    }

    /// The client id the MCP server's tool saw in the token.
    static func whoami(_ response: OAuthHTTPResponse) throws -> String? {
        let body = try JSONParser.parse(response.body)
        let text = try #require(body["result"]?["content"]?.arrayValue?.first?["text"]?.stringValue)
        return try JSONParser.parse(Array(text.utf8))["client_id"]?.stringValue
    }

    static func stats(_ client: OAuthHTTPClient, _ server: OAuthServerFixture) throws -> JSONValue {
        try JSONParser.parse(try client.send(method: "GET", url: server.url("/_stats"), role: "stats").body)
    }

    static func printed(_ error: MCPError) -> String { "\(error) \(JSONWriter.string(error.json))" }

    // MARK: - Discovery

    /// The issuer has a path, so the metadata URL is path-aware: RFC 8414 inserted, OIDC inserted, OIDC appended, in
    /// that order; whichever form the AS serves, the earlier ones are skipped (404) and the issuer matches exactly.
    @Test(arguments: [("oidc-appended", 2), ("oidc-inserted", 1), ("rfc8414", 0)])
    func discoveryWithAnIssuerPath(form: String, skippedCount: Int) throws {
        let server = try OAuthServerFixture.authlib(["--metadata-at", form])
        let box = try EngineBox()
        let client = box.client()
        #expect(server.announced == server.url("/tenant1"))
        let discovered = try Self.discover(client, server)
        #expect(discovered.resourceMetadataURL == server.url("/.well-known/oauth-protected-resource/mcp"))
        #expect(discovered.resource == server.url("/mcp"))
        #expect(discovered.resourceMetadata?.authorizationServers == [server.announced])
        let candidates = [
            server.url("/.well-known/oauth-authorization-server/tenant1"), server.url("/.well-known/openid-configuration/tenant1"),
            server.url("/tenant1/.well-known/openid-configuration"),
        ]
        #expect(discovered.skipped == Array(candidates.prefix(skippedCount)))
        #expect(discovered.authorizationServerMetadataURL == candidates[skippedCount])
        let metadata = discovered.authorizationServer
        #expect(metadata.issuer == server.announced)
        #expect(metadata.tokenEndpoint.string == server.url("/tenant1/token"))
        #expect(metadata.authorizationEndpoint?.string == server.url("/tenant1/authorize"))
        #expect(metadata.revocationEndpoint?.string == server.url("/tenant1/revoke"))
        #expect(metadata.revocationEndpointAuthMethodsSupported == ["client_secret_basic", "client_secret_post", "none", "private_key_jwt"])
        #expect(metadata.registrationEndpoint == nil)  // pre-registered clients only
        #expect(metadata.authorizationResponseIssParameterSupported)
        #expect(metadata.codeChallengeMethodsSupported == ["S256"])
        #expect(metadata.scopesSupported?.contains("offline_access") == true)
    }

    // MARK: - Authorization code

    /// Pre-registered clients of each authentication method: code + PKCE with `iss`, then the MCP server accepts
    /// the token (and names the client), and refuses a forged one.
    @Test(arguments: ["client_secret_basic", "client_secret_post", "none"])
    func preRegisteredCodeFlow(method: String) throws {
        let server = try OAuthServerFixture.authlib()
        let box = try EngineBox()
        let client = box.client()
        let now = SystemWallClock().nowSeconds()
        let credentials = [Self.basic, Self.post, Self.publicClient].first { $0.method.rawValue == method } ?? Self.basic
        let flow = try Self.codeFlow(client, server, credentials: credentials, now: now)
        // offline_access is added because the AS lists it; authlib then issues a refresh token.
        #expect(flow.scopes == ["mcp:read", "mcp:write", "offline_access"])
        #expect(flow.tokens.scopes == ["mcp:read", "mcp:write", "offline_access"])
        #expect(flow.tokens.refreshToken?.hasPrefix("rt_") == true)
        #expect(flow.tokens.expiresAt == now + 3600)
        let answer = try Self.callMCP(client, server, token: flow.tokens.accessToken)
        #expect(answer.status == 200)
        #expect(try Self.whoami(answer) == credentials.clientID)
        #expect(try Self.callMCP(client, server, token: "at_forged").status == 401)
        #expect(try Self.stats(client, server)["token"]?["authorization_code"] == .int(1))
    }

    /// A secret that needs encoding (":" "+" "%" "/" and a space) in the Basic header: authlib percent-decodes without
    /// turning "+" into a space, so the space must travel as %20.
    @Test func clientSecretBasicEncodesEveryHalf() throws {
        let odd = ClientCredentials(clientID: "odd:client", clientSecret: "s p+%/:x", method: .clientSecretBasic)
        let server = try OAuthServerFixture.authlib(clients: [
            ["client_id": "odd:client", "client_secret": "s p+%/:x", "token_endpoint_auth_method": "client_secret_basic"]
        ])
        let box = try EngineBox()
        let client = box.client()
        let flow = try Self.codeFlow(client, server, credentials: odd, now: SystemWallClock().nowSeconds())
        #expect(try Self.whoami(try Self.callMCP(client, server, token: flow.tokens.accessToken)) == "odd:client")
    }

    /// With `openid` requested the AS (authlib's OpenIDCode) adds an id_token, which the client keeps unverified.
    @Test func openIDScopeAddsAnIDToken() throws {
        let server = try OAuthServerFixture.authlib()
        let box = try EngineBox()
        let flow = try Self.codeFlow(box.client(), server, credentials: Self.basic, extraScopes: ["openid"], now: SystemWallClock().nowSeconds())
        let idToken = try #require(flow.tokens.idToken)
        let claims = try #require(JWTClaims.payload(idToken))
        #expect(claims["iss"]?.stringValue == server.announced)
        #expect(claims["sub"]?.stringValue == "fixture-user")
        #expect(claims["aud"] == .array(["basic-client"]) || claims["aud"]?.stringValue == "basic-client")
    }

    // MARK: - Refresh

    /// Refresh rotates: one refresh gives a new pair; replaying the old refresh token is invalid_grant, and the
    /// error shows neither the token nor the client secret.
    @Test func refreshRotatesAndTheOldTokenIsInvalidGrant() throws {
        let server = try OAuthServerFixture.authlib()
        let box = try EngineBox()
        let client = box.client()
        let now = SystemWallClock().nowSeconds()
        let flow = try Self.codeFlow(client, server, credentials: Self.basic, now: now)
        let first = try #require(flow.tokens.refreshToken)
        let refresh = try TokenRequest.refresh(
            tokenEndpoint: flow.metadata.tokenEndpoint, refreshToken: first, scopes: flow.scopes, resource: flow.discovered.resource,
            client: Self.basic, now: now + 10)
        let renewed = try client.requestTokens(refresh, now: now + 10, previousRefreshToken: first)
        #expect(renewed.accessToken != flow.tokens.accessToken)
        #expect(renewed.refreshToken != nil && renewed.refreshToken != first)
        #expect(try Self.callMCP(client, server, token: renewed.accessToken).status == 200)
        #expect(try Self.stats(client, server)["token"]?["refresh_token"] == .int(1))  // exactly one refresh so far

        do {
            _ = try client.requestTokens(refresh, now: now + 20, previousRefreshToken: first)
            Issue.record("a rotated-out refresh token was accepted")
        } catch {
            #expect(error.code == .auth)
            #expect(error.details["reason"]?.stringValue == "invalid_grant")
            #expect(error.details["status"] == .int(400))
            let text = Self.printed(error)
            for secret in [first, "basic-secret", try #require(refresh.header("Authorization"))] { #expect(!text.containsLiteral(secret)) }
        }
        let stats = try Self.stats(client, server)
        #expect(stats["token"]?["refresh_token"] == .int(2) && stats["token_errors"]?["refresh_token"] == .int(1))
    }

    // MARK: - client_credentials

    @Test func clientCredentialsWithASecret() throws {
        let server = try OAuthServerFixture.authlib()
        let box = try EngineBox()
        let client = box.client()
        let now = SystemWallClock().nowSeconds()
        let discovered = try Self.discover(client, server)
        let request = try TokenRequest.clientCredentials(
            tokenEndpoint: discovered.authorizationServer.tokenEndpoint, scopes: ["mcp:read", "mcp:write"], resource: discovered.resource,
            client: Self.service, now: now)
        let tokens = try client.requestTokens(request, now: now)
        #expect(tokens.refreshToken == nil)  // RFC 6749 §4.4.3
        #expect(tokens.scopes == ["mcp:read", "mcp:write"])
        #expect(try Self.whoami(try Self.callMCP(client, server, token: tokens.accessToken)) == "service-client")

        // RFC 8707: a token issued for another resource is refused by this MCP server.
        let elsewhere = try TokenRequest.clientCredentials(
            tokenEndpoint: discovered.authorizationServer.tokenEndpoint, scopes: ["mcp:read", "mcp:write"], resource: server.url("/elsewhere"),
            client: Self.service, now: now)
        #expect(try Self.callMCP(client, server, token: try client.requestTokens(elsewhere, now: now).accessToken).status == 401)

        // A client without the grant is unauthorized_client.
        let refused = try TokenRequest.clientCredentials(
            tokenEndpoint: discovered.authorizationServer.tokenEndpoint, scopes: nil, resource: discovered.resource, client: Self.basic, now: now)
        #expect { _ = try client.requestTokens(refused, now: now) } throws: {
            ($0 as? MCPError)?.details["reason"]?.stringValue == "unauthorized_client"
        }
    }

    /// private_key_jwt (RFC 7523) with a key generated here and its public JWK given to the AS: the assertion's
    /// `aud` is the token endpoint; a replayed assertion (same jti) and another key are invalid_client. Revocation
    /// with the same method works too.
    @Test(arguments: [JWSAlgorithm.rs256, .es256])
    func clientCredentialsWithPrivateKeyJWT(algorithm: JWSAlgorithm) throws {
        let key = try SigningKey.generate(algorithm, keyID: "test-key")
        let clientID = "jwt-" + algorithm.rawValue.lowercased()
        let server = try OAuthServerFixture.authlib(clients: [
            ["client_id": .string(clientID), "jwk": .object(try key.publicJWK()), "grant_types": ["client_credentials"]]
        ])
        let box = try EngineBox()
        let client = box.client()
        let now = SystemWallClock().nowSeconds()
        let metadata = try Self.discover(client, server).authorizationServer
        let credentials = ClientCredentials(clientID: clientID, signingKey: key, method: .privateKeyJWT)
        let request = try TokenRequest.clientCredentials(
            tokenEndpoint: metadata.tokenEndpoint, scopes: nil, resource: server.url("/mcp"), client: credentials, now: now)
        let assertion = try #require(request.field("client_assertion"))
        #expect(JWTClaims.payload(assertion)?["aud"]?.stringValue == server.url("/tenant1/token"))
        let tokens = try client.requestTokens(request, now: now)
        #expect(try Self.whoami(try Self.callMCP(client, server, token: tokens.accessToken)) == clientID)

        let replayError = #expect(throws: MCPError.self) { try client.requestTokens(request, now: now) }
        #expect(replayError?.details["reason"]?.stringValue == "invalid_client")
        #expect(replayError.map(Self.printed)?.containsLiteral(assertion) == false)
        var impostor = credentials
        impostor.signingKey = try SigningKey.generate(algorithm)
        #expect { _ = try client.requestTokens(try TokenRequest.clientCredentials(
            tokenEndpoint: metadata.tokenEndpoint, scopes: nil, resource: server.url("/mcp"), client: impostor, now: now), now: now)
        } throws: { ($0 as? MCPError)?.details["reason"]?.stringValue == "invalid_client" }

        let revocation = try RevocationRequest.build(metadata: metadata, token: tokens.accessToken, hint: .accessToken, client: credentials, now: now)
        #expect(revocation.method == .privateKeyJWT)
        try client.revoke(revocation)
        #expect(try Self.callMCP(client, server, token: tokens.accessToken).status == 401)
    }

    // MARK: - Revocation (RFC 7009)

    /// Revoking the access token makes the MCP server answer 401 (invalid_token) while the refresh token still
    /// works; revoking the refresh token makes refresh fail and takes its access token along.
    @Test(arguments: ["client_secret_basic", "client_secret_post", "none"])
    func revocation(method: String) throws {
        let server = try OAuthServerFixture.authlib()
        let box = try EngineBox()
        let client = box.client()
        let now = SystemWallClock().nowSeconds()
        let credentials = [Self.basic, Self.post, Self.publicClient].first { $0.method.rawValue == method } ?? Self.basic
        let flow = try Self.codeFlow(client, server, credentials: credentials, now: now)
        #expect(try Self.callMCP(client, server, token: flow.tokens.accessToken).status == 200)

        let revokeAccess = try RevocationRequest.build(
            metadata: flow.metadata, token: flow.tokens.accessToken, hint: .accessToken, client: credentials, now: now)
        #expect(revokeAccess.method == credentials.method)
        #expect(revokeAccess.field("client_id") == credentials.clientID)
        #expect((revokeAccess.header("Authorization") != nil) == (credentials.method == .clientSecretBasic))
        try client.revoke(revokeAccess)
        let refused = try Self.callMCP(client, server, token: flow.tokens.accessToken)
        #expect(refused.status == 401)
        #expect(WWWAuthenticate.parse(refused.headerValues("WWW-Authenticate")).first { $0.isBearer }?.error == "invalid_token")

        let refreshToken = try #require(flow.tokens.refreshToken)
        let refresh = try TokenRequest.refresh(
            tokenEndpoint: flow.metadata.tokenEndpoint, refreshToken: refreshToken, scopes: nil, resource: flow.discovered.resource,
            client: credentials, now: now)
        let renewed = try client.requestTokens(refresh, now: now, previousRefreshToken: refreshToken)
        #expect(try Self.callMCP(client, server, token: renewed.accessToken).status == 200)

        let newRefresh = try #require(renewed.refreshToken)
        try client.revoke(try RevocationRequest.build(metadata: flow.metadata, token: newRefresh, hint: .refreshToken, client: credentials, now: now))
        #expect(try Self.callMCP(client, server, token: renewed.accessToken).status == 401)
        let again = try TokenRequest.refresh(
            tokenEndpoint: flow.metadata.tokenEndpoint, refreshToken: newRefresh, scopes: nil, resource: flow.discovered.resource,
            client: credentials, now: now)
        #expect { _ = try client.requestTokens(again, now: now) } throws: { ($0 as? MCPError)?.details["reason"]?.stringValue == "invalid_grant" }

        // An unknown token is "revoked" too (§2.2); the stats saw three revocations.
        try client.revoke(try RevocationRequest.build(metadata: flow.metadata, token: "at_unknown", hint: nil, client: credentials, now: now))
        let stats = try Self.stats(client, server)
        #expect(stats["revocations"] == .int(3))
        #expect(stats["revoked"]?["access_token"] == .int(1) && stats["revoked"]?["refresh_token"] == .int(1))
    }

    /// A refused revocation (wrong secret) is invalid_client, and the error repeats neither the token nor the secret.
    @Test func aRefusedRevocationEchoesNoSecret() throws {
        let server = try OAuthServerFixture.authlib()
        let box = try EngineBox()
        let client = box.client()
        let now = SystemWallClock().nowSeconds()
        let flow = try Self.codeFlow(client, server, credentials: Self.post, now: now)
        var wrong = Self.post
        wrong.clientSecret = "not-the-secret"
        let request = try RevocationRequest.build(metadata: flow.metadata, token: flow.tokens.accessToken, hint: .accessToken, client: wrong, now: now)
        do {
            try client.revoke(request)
            Issue.record("a revocation with a wrong secret was accepted")
        } catch {
            #expect(error.code == .auth)
            #expect(error.details["reason"]?.stringValue == "invalid_client")
            #expect(error.details["role"] == nil || error.details["role"]?.stringValue == "revocation_endpoint")
            let text = Self.printed(error)
            #expect(!text.containsLiteral("not-the-secret") && !text.containsLiteral(flow.tokens.accessToken))
        }
        #expect(try Self.callMCP(client, server, token: flow.tokens.accessToken).status == 200)  // still valid
    }
}
