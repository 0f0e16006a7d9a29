import MCPClientCore
import MCPClientOAuth
import MCPClientTransport
import Testing

/// The network half against a real authorization server: the python-sdk's `mcp.server.auth` routes with an
/// in-memory provider (`Tests/Fixtures/servers/oauth_server.py`).
@Suite(.serialized, .enabled(if: OAuthServerFixture.available, "needs the dev venv with mcp 2.x (MCPCLIENT_TEST_PYTHON)"))
struct NetworkFlowTests {
    static let redirectURI = "http://127.0.0.1:9/callback"

    /// 401 → PRM (from the hint) → AS metadata → DCR → authorization URL → headless GET → code → tokens.
    struct Authorized {
        var discovered: DiscoveredAuthorization
        var registration: ClientRegistration
        var tokens: TokenSet
        var scopes: [String]?
    }

    static func authorize(_ client: OAuthHTTPClient, _ server: OAuthServerFixture, now: Int64) throws -> Authorized {
        let probe = try client.probe(serverURL: server.url("/mcp"))
        #expect(probe.status == 401 && probe.requiresAuthorization)
        let discovered = try client.discover(serverURL: server.url("/mcp"), challenge: probe.bearer)
        let metadata = discovered.authorizationServer
        try metadata.requirePKCES256()
        let scopes = ScopeSelection.select(
            challengeScope: probe.bearer?.scope, resourceScopesSupported: discovered.resourceMetadata?.scopesSupported,
            authorizationServerScopesSupported: metadata.scopesSupported)
        let request = ClientRegistrationRequest(metadata: metadata, clientName: "mcpclient tests", redirectURIs: [redirectURI], scopes: scopes)
        let registration = try client.register(request, metadata: metadata, resource: discovered.resource, now: now)
        let authorization = try AuthorizationRequest.build(
            endpoint: try metadata.requireAuthorizationEndpoint(), clientID: registration.clientID, redirectURI: redirectURI,
            scopes: scopes, resource: discovered.resource)
        // The headless browser: the AS approves at once and redirects to the callback; read the Location.
        let answer = try client.send(method: "GET", url: authorization.url, role: "authorization_endpoint")
        #expect(answer.status == 302)
        let callback = try AuthorizationCallback.parse(callbackURL: answer.header("Location") ?? "")
        let code = try callback.validatedCode(
            expectedState: authorization.state, recordedIssuer: metadata.issuer,
            issParameterSupported: metadata.authorizationResponseIssParameterSupported)
        let exchange = try TokenRequest.authorizationCode(
            tokenEndpoint: metadata.tokenEndpoint, code: code, redirectURI: redirectURI, codeVerifier: authorization.pkce.verifier,
            resource: discovered.resource, client: registration.credentials, now: now)
        let tokens = try client.requestTokens(exchange, now: now)
        return Authorized(discovered: discovered, registration: registration, tokens: tokens, scopes: scopes)
    }

    /// What the protected endpoint answers for a bearer token.
    static func callResource(_ client: OAuthHTTPClient, _ server: OAuthServerFixture, token: String) throws -> OAuthHTTPResponse {
        try client.send(method: "POST", url: server.url("/mcp"), headers: [(name: "Authorization", value: "Bearer " + token)],
            body: Array("{}".utf8), role: "mcp_server")
    }

    @Test func discoveryFollowsTheChallengeToBothMetadataDocuments() throws {
        let server = try OAuthServerFixture()
        let box = try EngineBox()
        let client = box.client()
        let probe = try client.probe(serverURL: server.url("/mcp"))
        #expect(probe.status == 401)
        #expect(probe.bearer?.resourceMetadata == server.url("/.well-known/oauth-protected-resource/mcp"))
        let discovered = try client.discover(serverURL: server.url("/mcp"), challenge: probe.bearer)
        #expect(discovered.resourceMetadataURL == server.url("/.well-known/oauth-protected-resource/mcp"))
        #expect(discovered.resource == server.url("/mcp"))
        #expect(discovered.resourceMetadata?.scopesSupported == ["mcp:read", "mcp:write"])
        let metadata = discovered.authorizationServer
        #expect(metadata.issuer == server.issuer)
        #expect(metadata.source == .discovered)
        #expect(metadata.tokenEndpoint.string == server.url("/token"))
        #expect(metadata.registrationEndpoint?.string == server.url("/register"))
        #expect(metadata.codeChallengeMethodsSupported == ["S256"])
        #expect(discovered.skipped.isEmpty)
        #expect(discovered.authorizationServerMetadataURL == server.url("/.well-known/oauth-authorization-server"))

        // Without a challenge the well-known path-inserted URI finds the same document.
        let again = try client.discover(serverURL: server.url("/mcp"))
        #expect(again.resourceMetadataURL == server.url("/.well-known/oauth-protected-resource/mcp"))
        #expect(again.authorizationServer.issuer == server.issuer)
    }

    @Test func registrationAuthorizationAndCodeExchangeEndToEnd() throws {
        let server = try OAuthServerFixture()
        let box = try EngineBox()
        let client = box.client()
        let now = SystemWallClock().nowSeconds()
        let flow = try Self.authorize(client, server, now: now)
        // The SDK lists client_secret_post first; DCR picks it and the AS issues a secret.
        #expect(flow.registration.tokenEndpointAuthMethod == .clientSecretPost)
        #expect(flow.registration.clientSecret?.isEmpty == false)
        #expect(flow.registration.issuer == server.issuer)
        #expect(flow.registration.resource == server.url("/mcp"))
        #expect(flow.scopes == ["mcp:read", "mcp:write"])
        #expect(flow.tokens.accessToken.hasPrefix("at_") && flow.tokens.refreshToken?.hasPrefix("rt_") == true)
        #expect(flow.tokens.expiresAt == now + 3600)
        #expect(flow.tokens.scopes == ["mcp:read", "mcp:write"])
        // The resource server accepts the token, and refuses without it.
        let answer = try Self.callResource(client, server, token: flow.tokens.accessToken)
        #expect(answer.status == 200)
        let body = try JSONParser.parse(answer.body)
        #expect(body["client_id"]?.stringValue == flow.registration.clientID)
        #expect(try Self.callResource(client, server, token: "at_forged").status == 401)
    }

    @Test func refreshRotatesAndAReplayedRefreshTokenIsInvalidGrant() throws {
        let server = try OAuthServerFixture()
        let box = try EngineBox()
        let client = box.client()
        let now = SystemWallClock().nowSeconds()
        let flow = try Self.authorize(client, server, now: now)
        let metadata = flow.discovered.authorizationServer
        let first = try #require(flow.tokens.refreshToken)
        let refresh = try TokenRequest.refresh(
            tokenEndpoint: metadata.tokenEndpoint, refreshToken: first, scopes: flow.scopes, resource: flow.discovered.resource,
            client: flow.registration.credentials, now: now + 10)
        let renewed = try client.requestTokens(refresh, now: now + 10, previousRefreshToken: first)
        #expect(renewed.accessToken != flow.tokens.accessToken)
        #expect(renewed.refreshToken != nil && renewed.refreshToken != first)
        #expect(try Self.callResource(client, server, token: renewed.accessToken).status == 200)

        // The rotated-out token is dead: invalid_grant, and the error never repeats it.
        do {
            _ = try client.requestTokens(refresh, now: now + 20, previousRefreshToken: first)
            Issue.record("a replayed refresh token was accepted")
        } catch {
            #expect(error.code == .auth)
            #expect(error.details["reason"]?.stringValue == "invalid_grant")
            #expect(error.details["status"] == .int(400))
            let printed = "\(error) \(JSONWriter.string(error.json))"
            #expect(!printed.containsLiteral(first))
            #expect(!printed.containsLiteral(flow.registration.clientSecret ?? "-"))
        }
    }

    @Test func aCodeWorksOnceAndAWrongSecretIsInvalidClient() throws {
        let server = try OAuthServerFixture()
        let box = try EngineBox()
        let client = box.client()
        let now = SystemWallClock().nowSeconds()
        let flow = try Self.authorize(client, server, now: now)
        let metadata = flow.discovered.authorizationServer
        var wrong = flow.registration.credentials
        wrong.clientSecret = "not-the-secret"
        let refresh = try TokenRequest.refresh(
            tokenEndpoint: metadata.tokenEndpoint, refreshToken: try #require(flow.tokens.refreshToken), scopes: nil,
            resource: flow.discovered.resource, client: wrong, now: now)
        do {
            _ = try client.requestTokens(refresh, now: now)
            Issue.record("a wrong client secret was accepted")
        } catch {
            #expect(error.details["reason"]?.stringValue == "invalid_client")
            #expect(error.details["status"] == .int(401))
            #expect(TokenResponse.requiresReregistration(error))
            #expect(!"\(error) \(JSONWriter.string(error.json))".containsLiteral("not-the-secret"))
        }
        // The refresh token survived the refused attempt (the AS authenticates the client first).
        let good = try TokenRequest.refresh(
            tokenEndpoint: metadata.tokenEndpoint, refreshToken: try #require(flow.tokens.refreshToken), scopes: nil,
            resource: flow.discovered.resource, client: flow.registration.credentials, now: now)
        #expect(try client.requestTokens(good, now: now).refreshToken != nil)
    }

    /// Public clients (`none`) register without a secret and send only client_id.
    @Test func aPublicClientRegistersAndExchangesWithoutASecret() throws {
        let server = try OAuthServerFixture()
        let box = try EngineBox()
        let client = box.client()
        let now = SystemWallClock().nowSeconds()
        let discovered = try client.discover(serverURL: server.url("/mcp"))
        let metadata = discovered.authorizationServer
        let request = ClientRegistrationRequest(
            metadata: metadata, clientName: "public", redirectURIs: [Self.redirectURI], forcedAuthMethod: .publicClient, scopes: ["mcp:read"])
        let registration = try client.register(request, metadata: metadata, resource: discovered.resource, now: now)
        #expect(registration.clientSecret == nil && registration.tokenEndpointAuthMethod == .publicClient)
        let authorization = try AuthorizationRequest.build(
            endpoint: try metadata.requireAuthorizationEndpoint(), clientID: registration.clientID, redirectURI: Self.redirectURI,
            scopes: ["mcp:read"], resource: discovered.resource)
        let answer = try client.send(method: "GET", url: authorization.url, role: "authorization_endpoint")
        let code = try AuthorizationCallback.parse(callbackURL: answer.header("Location") ?? "").validatedCode(
            expectedState: authorization.state, recordedIssuer: metadata.issuer, issParameterSupported: false)
        // A wrong verifier is refused (PKCE is checked by the AS), and the same code with the right one works.
        let wrongVerifier = try TokenRequest.authorizationCode(
            tokenEndpoint: metadata.tokenEndpoint, code: code, redirectURI: Self.redirectURI, codeVerifier: String(repeating: "a", count: 64),
            resource: discovered.resource, client: registration.credentials, now: now)
        #expect(throws: MCPError.self) { try client.requestTokens(wrongVerifier, now: now) }
        let exchange = try TokenRequest.authorizationCode(
            tokenEndpoint: metadata.tokenEndpoint, code: code, redirectURI: Self.redirectURI, codeVerifier: authorization.pkce.verifier,
            resource: discovered.resource, client: registration.credentials, now: now)
        let tokens = try client.requestTokens(exchange, now: now)
        #expect(tokens.scopes == ["mcp:read"])
    }

    /// `client_secret_basic` against the python-sdk AS: the Basic header (RFC 6749 §2.3.1 encoding) with `client_id`
    /// also in the form, which the SDK requires (it answered "Missing client_id" without it).
    @Test func clientSecretBasicWorksAgainstTheSDK() throws {
        let server = try OAuthServerFixture()
        let box = try EngineBox()
        let client = box.client()
        let now = SystemWallClock().nowSeconds()
        let discovered = try client.discover(serverURL: server.url("/mcp"))
        let metadata = discovered.authorizationServer
        let request = ClientRegistrationRequest(
            metadata: metadata, clientName: "basic", redirectURIs: [Self.redirectURI], forcedAuthMethod: .clientSecretBasic)
        let registration = try client.register(request, metadata: metadata, resource: discovered.resource, now: now)
        #expect(registration.tokenEndpointAuthMethod == .clientSecretBasic && registration.clientSecret != nil)
        let authorization = try AuthorizationRequest.build(
            endpoint: try metadata.requireAuthorizationEndpoint(), clientID: registration.clientID, redirectURI: Self.redirectURI,
            scopes: nil, resource: discovered.resource)
        let answer = try client.send(method: "GET", url: authorization.url, role: "authorization_endpoint")
        let code = try AuthorizationCallback.parse(callbackURL: answer.header("Location") ?? "").validatedCode(
            expectedState: authorization.state, recordedIssuer: metadata.issuer, issParameterSupported: false)
        let exchange = try TokenRequest.authorizationCode(
            tokenEndpoint: metadata.tokenEndpoint, code: code, redirectURI: Self.redirectURI, codeVerifier: authorization.pkce.verifier,
            resource: discovered.resource, client: registration.credentials, now: now)
        #expect(exchange.header("Authorization")?.hasPrefix("Basic ") == true && exchange.field("client_secret") == nil)
        #expect(exchange.field("client_id") == registration.clientID)  // the SDK requires it in the body too
        #expect(try client.requestTokens(exchange, now: now).refreshToken != nil)
    }

    /// The SDK's token endpoint has no client_credentials grant: the refusal maps to a stable reason, secrets cut.
    @Test func anUnsupportedGrantIsAStableReason() throws {
        let server = try OAuthServerFixture()
        let box = try EngineBox()
        let client = box.client()
        let now = SystemWallClock().nowSeconds()
        let discovered = try client.discover(serverURL: server.url("/mcp"))
        let metadata = discovered.authorizationServer
        let registration = try client.register(
            ClientRegistrationRequest(metadata: metadata, clientName: "cc", redirectURIs: [Self.redirectURI]), metadata: metadata,
            resource: discovered.resource, now: now)
        let request = try TokenRequest.clientCredentials(
            tokenEndpoint: metadata.tokenEndpoint, scopes: ["mcp:read"], resource: discovered.resource, client: registration.credentials, now: now)
        do {
            _ = try client.requestTokens(request, now: now)
            Issue.record("the SDK issued client_credentials tokens")
        } catch {
            #expect(error.code == .auth)
            // The SDK validates the form against its known grants before looking at the client's: invalid_request.
            #expect(error.details["reason"]?.stringValue == "invalid_request")
            #expect(error.details["status"] == .int(400))
            #expect(!"\(error) \(JSONWriter.string(error.json))".containsLiteral(registration.clientSecret ?? "-"))
        }
    }

    @Test func aResourceMismatchStopsDiscovery() throws {
        let server = try OAuthServerFixture()
        let box = try EngineBox()
        let client = box.client()
        let probe = try client.probe(serverURL: server.url("/mismatch/mcp"))
        #expect(probe.bearer?.resourceMetadata == server.url("/.well-known/oauth-protected-resource/mismatch/mcp"))
        do {
            _ = try client.discover(serverURL: server.url("/mismatch/mcp"), challenge: probe.bearer)
            Issue.record("a PRM for another resource was accepted")
        } catch {
            #expect(error.code == .policy)
            #expect(error.details["reason"]?.stringValue == "resource_mismatch")
        }
    }

    /// An untrusted server may not point discovery at a private address: refused by URL before connecting, and
    /// by the address a name resolves to at connect time (the fixture itself is admitted by allowedAddresses).
    @Test func anUntrustedServersHintAtAPrivateAddressIsRefused() throws {
        let server = try OAuthServerFixture()
        let box = try EngineBox()
        let hostile = server.url("/.well-known/oauth-protected-resource/mcp").replacingLiteral("127.0.0.1", with: "127.0.0.2")
        let client = box.client {
            $0.policy = NetworkPolicy(trusted: false, allowedAddresses: ["127.0.0.1:\(server.port)"])
            $0.headers = [(name: "X-Test-Hint", value: hostile)]
        }
        let probe = try client.probe(serverURL: server.url("/hinted/mcp"))  // oauth_headers reach the server
        #expect(probe.bearer?.resourceMetadata == hostile)
        do {
            _ = try client.discover(serverURL: server.url("/hinted/mcp"), challenge: probe.bearer)
            Issue.record("a private metadata address was fetched for an untrusted server")
        } catch {
            #expect(error.code == .policy)
            #expect(error.details["reason"]?.stringValue == "blocked_address")
            #expect(error.details["role"]?.stringValue == "resource_metadata")
        }

        // A name that passes the URL check (allow-listed) but resolves to a private address fails at connect.
        let rebound = "http://rebind.localhost:\(server.port)/.well-known/oauth-protected-resource/mcp"
        let pinned = box.client {
            $0.policy = NetworkPolicy(trusted: false, allowedDomains: ["127.0.0.1", "rebind.localhost"], allowedAddresses: ["127.0.0.1:\(server.port)"])
            $0.resolve = ["rebind.localhost:\(server.port):127.0.0.2"]
        }
        do {
            _ = try pinned.discover(serverURL: server.url("/mcp"), challenge: Challenge(scheme: "Bearer", parameters: [.init(name: "resource_metadata", value: rebound)]))
            Issue.record("a name resolving to a private address was fetched for an untrusted server")
        } catch {
            #expect(error.code == .policy)
            #expect(error.details["reason"]?.stringValue == "blocked_address")
            #expect(error.details["address"]?.stringValue == "127.0.0.2")
        }
        // The same server, trusted, discovers normally through the fixture's own address.
        let trusted = try box.client().discover(serverURL: server.url("/mcp"))
        #expect(trusted.authorizationServer.issuer == server.issuer)
    }

    /// Metadata GETs follow a redirect, each hop checked again (an untrusted server's redirect to a private address
    /// is refused, and allowedAddresses is not inherited by redirects); POSTs are never redirected.
    @Test func redirectsAreFollowedOnlyForMetadataAndEveryHopIsChecked() throws {
        let server = try OAuthServerFixture()
        let box = try EngineBox()
        let followed = try box.client().getDocument(server.url("/moved"), role: "authorization_server_metadata")
        #expect(followed.status == 200 && followed.url == server.url("/.well-known/oauth-authorization-server"))
        #expect(try AuthorizationServerMetadata.parse(followed.body, expectedIssuer: server.issuer).issuer == server.issuer)

        let posted = try box.client().send(method: "POST", url: server.url("/moved"), body: [], role: "token_endpoint")
        #expect(posted.status == 302 && posted.url == server.url("/moved"))

        let untrusted = box.client { $0.policy = NetworkPolicy(trusted: false, allowedAddresses: ["127.0.0.1:\(server.port)"]) }
        #expect(try untrusted.getDocument(server.url("/.well-known/oauth-authorization-server"), role: "authorization_server_metadata").status == 200)
        #expect {
            _ = try untrusted.getDocument(server.url("/moved"), role: "authorization_server_metadata")
        } throws: { ($0 as? MCPError)?.details["reason"]?.stringValue == "blocked_address" }
        let outside = server.url("/moved?to=") + FormEncoding.percentEncode("http://127.0.0.2:\(server.port)/x")
        #expect {
            _ = try box.client().getDocument(outside, role: "authorization_server_metadata")
        } throws: { ($0 as? MCPError)?.code == .transport }  // trusted: followed, and nothing listens on 127.0.0.2
    }

    /// No PRM anywhere (404s): the 2025-03-26 metadata at the server's origin, without the issuer binding.
    @Test func withoutResourceMetadataTheLegacyOriginMetadataIsUsed() throws {
        let server = try OAuthServerFixture()
        let box = try EngineBox()
        let discovered = try box.client().discover(serverURL: server.url("/legacy/mcp"))
        #expect(discovered.resourceMetadata == nil)
        #expect(discovered.skipped == [server.url("/.well-known/oauth-protected-resource/legacy/mcp"), server.url("/.well-known/oauth-protected-resource")])
        #expect(discovered.authorizationServer.source == .legacyMetadata)
        #expect(discovered.authorizationServerMetadataURL == server.url("/.well-known/oauth-authorization-server"))
        #expect(discovered.authorizationServer.tokenEndpoint.string == server.url("/token"))
        #expect(discovered.resource == server.url("/legacy/mcp"))
    }

    /// Metadata fetches are capped; with loopback http switched off nothing on http:// is fetched.
    @Test func responsesAreCappedAndPlainHTTPNeedsTheLoopbackAllowance() throws {
        let server = try OAuthServerFixture()
        let box = try EngineBox()
        let tiny = box.client { $0.maxResponseBytes = 64 }
        #expect {
            _ = try tiny.getDocument(server.url("/.well-known/oauth-authorization-server"), role: "authorization_server_metadata")
        } throws: { ($0 as? MCPError)?.details["reason"]?.stringValue == "response_too_large" }
        let refused = box.client { $0.schemePolicy = URLSchemePolicy(allowLoopbackHTTP: false) }
        #expect {
            _ = try refused.discover(serverURL: server.url("/mcp"))
        } throws: { ($0 as? MCPError)?.code == .policy }
    }
}
