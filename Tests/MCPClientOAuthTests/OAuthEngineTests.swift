import Dispatch
import Glibc
import MCPClientCore
import MCPClientOAuth
import MCPClientTransport
import Synchronization
import Testing

/// The engine's flows against the python-sdk authorization server (`oauth_server.py`): begin, join, the headless
/// browser, complete, refresh, cancel, step-up, and a flow completed by a second engine sharing the store.
@Suite(.serialized, .enabled(if: OAuthServerFixture.available, "needs the dev venv with mcp 2.x (MCPCLIENT_TEST_PYTHON)"))
struct OAuthEngineTests {
    static let redirectURI = "http://127.0.0.1:9/callback"

    final class Recorder: @unchecked Sendable {
        let events = Locked<[OAuthEvent]>([])
        var names: [String] {
            events.withLock { $0 }.map {
                switch $0 {
                case .required: "required"
                case .completed: "completed"
                case .failed(_, _, _, let error): "failed:" + (error.details["reason"]?.stringValue ?? "?")
                case .tokensUnsaved(_, _, let error): "unsaved:" + (error.details["reason"]?.stringValue ?? "?")
                case .tokensSaved: "saved"
                }
            }
        }
    }

    static func engine(_ box: EngineBox, store: any CredentialStore = MemoryCredentialStore(), clock: any WallClock = SystemWallClock(),
                       recorder: Recorder? = nil) -> OAuthEngine {
        var options = OAuthEngineOptions()
        options.store = store
        options.clock = clock
        options.redirectURI = redirectURI
        options.clientName = "mcpclient engine tests"
        let engine = OAuthEngine(engine: box.engine, options: options)
        if let recorder { engine.setEventHandler { event in recorder.events.withLock { $0.append(event) } } }
        return engine
    }

    static func settings(_ server: OAuthServerFixture, name: String = "demo") -> OAuthServerSettings {
        OAuthServerSettings(server: name, url: server.url("/mcp"))
    }

    /// The headless browser: GET the authorization URL; the fixture approves at once and redirects to the callback.
    static func browse(_ box: EngineBox, _ flow: FlowInfo) throws -> String { try browse(box, flow.authURL) }

    static func browse(_ box: EngineBox, _ authURL: String) throws -> String {
        let answer = try box.client().send(method: "GET", url: authURL, role: "authorization_endpoint")
        #expect(answer.status == 302)
        return try #require(answer.header("Location"))
    }

    static func resourceStatus(_ box: EngineBox, _ server: OAuthServerFixture, token: String) throws -> Int {
        try NetworkFlowTests.callResource(box.client(), server, token: token).status
    }

    @Test func beginJoinsCompleteStoresTokensAndIsIdempotent() throws {
        let server = try OAuthServerFixture()
        let box = try EngineBox()
        let recorder = Recorder()
        let engine = Self.engine(box, recorder: recorder)
        let settings = Self.settings(server)

        let flow = try engine.begin(user: "alice", settings: settings)
        #expect(!flow.joined && flow.flowID == "alice:demo")
        #expect(flow.authURL.hasPrefix(server.url("/authorize?")))
        #expect(flow.authURL.containsLiteral("code_challenge_method=S256") && flow.authURL.containsLiteral("resource="))
        let joined = try engine.begin(user: "alice", settings: settings)
        #expect(joined.joined && joined.authURL == flow.authURL)
        #expect(engine.status(user: "alice", server: "demo")["state"] == "pending")

        let callback = try Self.browse(box, flow)
        let done = try engine.complete(callbackURL: callback) { $0 == "demo" ? settings : nil }
        #expect(done.user == "alice" && done.server == "demo" && !done.joined)
        let stored = try #require(try engine.storedTokens(user: "alice", server: "demo"))
        #expect(try Self.resourceStatus(box, server, token: stored.tokens.accessToken) == 200)
        #expect(stored.binding.issuer == server.issuer && stored.binding.resource.hasPrefix(server.origin))
        let status = engine.status(user: "alice", server: "demo")
        #expect(status["state"] == "authorized" && status["hasRefreshToken"] == true)
        #expect(!JSONWriter.string(status).containsLiteral(stored.tokens.accessToken))

        // The same callback again (a double-clicked link) succeeds without a second exchange.
        let again = try engine.complete(callbackURL: callback) { _ in settings }
        #expect(again.joined)
        #expect(recorder.names == ["required", "completed"])
        // Tokens belong to the resource they were issued for: a server moved elsewhere does not get them.
        var moved = settings
        moved.url = server.url("/elsewhere/mcp")
        #expect(try engine.storedTokens(user: "alice", settings: moved) == nil)
        #expect(try engine.storedTokens(user: "alice", server: "demo") == nil)
        // Another user is unaffected.
        #expect(engine.status(user: "bob", server: "demo")["state"] == "unauthorized")
    }

    @Test func aFlowBegunByOneEngineIsCompletedByAnotherSharingTheStore() throws {
        let server = try OAuthServerFixture()
        let directory = temporaryDirectory()
        defer { removeTree(directory) }
        let key = try RandomBytes.generate(32)
        let first = try EngineBox(), second = try EngineBox()
        let storeA = try EncryptedFileCredentialStore(directory: directory, keyring: CredentialKeyring(key: key))
        let storeB = try EncryptedFileCredentialStore(directory: directory, keyring: CredentialKeyring(key: key))
        let engineA = Self.engine(first, store: storeA), engineB = Self.engine(second, store: storeB)
        let settings = Self.settings(server)

        let flow = try engineA.begin(user: "alice", settings: settings)
        // Process B has only the callback URL (and the same configuration).
        _ = try engineB.complete(callbackURL: try Self.browse(second, flow)) { _ in settings }
        let tokens = try #require(try engineA.storedTokens(user: "alice", server: "demo"))
        #expect(try Self.resourceStatus(first, server, token: tokens.tokens.accessToken) == 200)
        #expect(engineA.status(user: "alice", server: "demo")["state"] == "authorized")
    }

    @Test func thirtyTwoConcurrentRefreshesRedeemTheRefreshTokenOnce() throws {
        let server = try OAuthServerFixture()
        let box = try EngineBox()
        let clock = ManualWallClock(SystemWallClock().nowSeconds())
        let engine = Self.engine(box, clock: clock)
        let settings = Self.settings(server)
        _ = try engine.complete(callbackURL: try Self.browse(box, try engine.begin(user: "alice", settings: settings))) { _ in settings }
        let before = try #require(try engine.storedTokens(user: "alice", server: "demo"))

        clock.advance(by: 3600)  // expired: every caller wants a refresh
        let results = Locked<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 32) { _ in
            // The fixture rotates refresh tokens: a second redemption would be invalid_grant.
            let token = (try? engine.freshTokens(user: "alice", settings: settings))?.tokens.accessToken ?? "failed"
            results.withLock { $0.append(token) }
        }
        let tokens = results.withLock { $0 }
        #expect(tokens.count == 32 && Set(tokens).count == 1 && tokens[0] != "failed" && tokens[0] != before.tokens.accessToken)
        #expect(try Self.resourceStatus(box, server, token: tokens[0]) == 200)
        // The rotated-out refresh token is gone from the store.
        #expect(try engine.storedTokens(user: "alice", server: "demo")?.tokens.refreshToken != before.tokens.refreshToken)
    }

    @Test func cancelledFlowsRefuseTheirCallbackAndForgedCallbacksDoNotFailTheRealFlow() throws {
        let server = try OAuthServerFixture()
        let box = try EngineBox()
        let recorder = Recorder()
        let engine = Self.engine(box, recorder: recorder)
        let settings = Self.settings(server)

        let flow = try engine.begin(user: "alice", settings: settings)
        let callback = try Self.browse(box, flow)
        // A forged error response with a wrong state is discarded; the flow stays pending.
        #expect(throws: MCPError.self) {
            _ = try engine.complete(callbackURL: Self.redirectURI + "?error=access_denied&state=forged") { _ in settings }
        }
        #expect(engine.status(user: "alice", server: "demo")["state"] == "pending")

        #expect(try engine.cancel(user: "alice", server: "demo"))
        do {
            _ = try engine.complete(callbackURL: callback) { _ in settings }
            Issue.record("a cancelled flow's callback was accepted")
        } catch {
            #expect(error.code == .auth && error.details["reason"] == "invalid_state")
        }
        #expect(engine.status(user: "alice", server: "demo")["state"] == "unauthorized")
        #expect(recorder.names == ["required", "failed:flow_cancelled"])

        // A provider error with the right state fails the flow (kept as failed for the record's lifetime).
        let second = try engine.begin(user: "alice", settings: settings)
        let state = try #require(AuthorizationCallback.parse(callbackURL: second.authURL).state)
        #expect(throws: MCPError.self) {
            _ = try engine.complete(callbackURL: Self.redirectURI + "?error=access_denied&state=" + FormEncoding.percentEncode(state)
                + "&iss=" + FormEncoding.percentEncode(server.issuer)) { _ in settings }
        }
        let status = engine.status(user: "alice", server: "demo")
        #expect(status["state"] == "failed" && status["flow"]?["reason"] == "authorization_denied")
    }

    @Test func theAuthorizerRefreshesOn401ThenFallsBackToABrowserFlow() throws {
        let server = try OAuthServerFixture()
        let box = try EngineBox()
        let recorder = Recorder()
        let engine = Self.engine(box, recorder: recorder)
        let settings = Self.settings(server)
        let authorizer = ServerAuthorizer(user: "alice", settings: settings, engine: engine)
        #expect(authorizer.currentAuthorization() == nil)

        // No tokens: prepare() starts the flow instead of connecting.
        var pending: MCPError?
        do { try authorizer.prepare() } catch { pending = error }
        let authURL = try #require(pending?.details["authUrl"]?.stringValue)
        #expect(pending?.code == .auth && pending?.details["reason"] == "oauth_required")
        _ = try engine.complete(callbackURL: try Self.browse(box, authURL)) { _ in settings }
        authorizer.reload()
        let first = try #require(authorizer.currentAuthorization())

        // A 401 for the current token: refreshed (rotation) and retried.
        let challenge = AuthorizationChallenge(status: 401, wwwAuthenticate: ["Bearer error=\"invalid_token\""], sentAuthorization: first, url: settings.url)
        guard case .retry = Self.decide(authorizer, challenge) else { Issue.record("no retry after a refresh"); return }
        let second = try #require(authorizer.currentAuthorization())
        #expect(second != first)
        #expect(try Self.resourceStatus(box, server, token: String(second.dropFirst(7))) == 200)
        // A 401 for a token that was replaced meanwhile: retry at once with the current one.
        guard case .retry = Self.decide(authorizer, challenge) else { Issue.record("a stale token was not simply retried"); return }
        // The freshly refreshed token refused again: refreshing will not help; a browser flow is required.
        let again = AuthorizationChallenge(status: 401, wwwAuthenticate: [], sentAuthorization: second, url: settings.url)
        guard case .fail(let error) = Self.decide(authorizer, again) else { Issue.record("a refresh loop was not stopped"); return }
        #expect(error.details["reason"] == "oauth_required" && error.details["authUrl"] != nil)
        #expect(!JSONWriter.string(error.json).containsLiteral(String(second.dropFirst(7))))
    }

    @Test func aRefreshThatTimesOutFailsTheRequestWithoutASignIn() throws {
        // Every refresh is held longer than the client waits; discovery and registration still answer, so only the
        // refresh is out of reach.
        let server = try OAuthServerFixture(arguments: ["--refresh-delay", "4"])
        let box = try EngineBox()
        let engine = Self.engine(box, recorder: Recorder())
        var settings = Self.settings(server)
        settings.http.timeoutMs = 1_000
        let authorizer = ServerAuthorizer(user: "alice", settings: settings, engine: engine)
        var pending: MCPError?
        do { try authorizer.prepare() } catch { pending = error }
        _ = try engine.complete(callbackURL: try Self.browse(box, try #require(pending?.details["authUrl"]?.stringValue))) { _ in settings }
        authorizer.reload()
        let token = try #require(authorizer.currentAuthorization())
        let challenge = AuthorizationChallenge(status: 401, wwwAuthenticate: ["Bearer error=\"invalid_token\""], sentAuthorization: token, url: settings.url)
        guard case .fail(let error) = Self.decide(authorizer, challenge) else { Issue.record("expected a failure"); return }
        #expect(error.code == .transport || error.code == .timeout)
        // Not a sign-in: the user's grant is fine, the AS is slow.
        #expect(error.details["authUrl"] == nil)
        #expect(engine.status(user: "alice", server: settings.server)["flow"]?["status"] == "completed")
    }

    /// Whether `condition` holds within 5 s (polled).
    static func eventually(_ condition: () -> Bool) -> Bool {
        for _ in 0..<500 {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }

    /// A store whose puts of token records fail while `failing` is set (a host store that is down).
    final class FlakyStore: CredentialStore, @unchecked Sendable {
        let base = MemoryCredentialStore()
        let failing = Atomic<Bool>(false)
        func get(_ key: CredentialKey) throws(MCPError) -> [UInt8]? { try base.get(key) }
        func put(_ key: CredentialKey, _ value: [UInt8], ttlSeconds: Int64?) throws(MCPError) {
            guard !failing.load(ordering: .relaxed) || key.kind != .tokens else {
                throw MCPError(.user, "the host credential store's put failed", source: .auth,
                    details: ["reason": "host_store_failed", "operation": "put", "kind": .string(key.kind.rawValue)])
            }
            try base.put(key, value, ttlSeconds: ttlSeconds)
        }
        func delete(_ key: CredentialKey) throws(MCPError) { try base.delete(key) }
    }

    @Test func tokensTheStoreRefusesAreKeptInMemoryAndSavedWhenItIsBack() throws {
        let server = try OAuthServerFixture()
        let box = try EngineBox()
        let store = FlakyStore()
        let clock = ManualWallClock(SystemWallClock().nowSeconds())
        let recorder = Recorder()
        let engine = Self.engine(box, store: store, clock: clock, recorder: recorder)
        let settings = Self.settings(server)
        let key = CredentialKey(user: "alice", server: "demo", kind: .tokens)

        // The code is spent at the AS: the sign-in completes with the tokens in memory, and says so.
        let flow = try engine.begin(user: "alice", settings: settings)
        store.failing.store(true, ordering: .relaxed)
        _ = try engine.complete(callbackURL: try Self.browse(box, flow)) { _ in settings }
        let kept = try #require(try engine.storedTokens(user: "alice", server: "demo"))
        #expect(try Self.resourceStatus(box, server, token: kept.tokens.accessToken) == 200)
        #expect(try store.base.get(key) == nil)
        let status = engine.status(user: "alice", server: "demo")
        #expect(status["state"] == "authorized" && status["tokensSaved"] == false)
        #expect(status["saveError"]?["details"]?["operation"] == "put" && status["saveError"]?["details"]?["kind"] == "tokens")
        #expect(!JSONWriter.string(status).containsLiteral(kept.tokens.accessToken))

        // A refresh while the store is still down: the AS rotated the refresh token, so the new one is kept as well.
        clock.advance(by: 3600)
        let refreshed = try engine.freshTokens(user: "alice", settings: settings)
        #expect(refreshed.tokens.refreshToken != kept.tokens.refreshToken)
        #expect(try Self.resourceStatus(box, server, token: refreshed.tokens.accessToken) == 200)
        #expect(try store.base.get(key) == nil)

        // Retries back off on the engine's clock: with the clock still, neither a read nor the background saver
        // offers the tokens again, so nothing reaches the store even once it is back.
        store.failing.store(false, ordering: .relaxed)
        #expect(try engine.storedTokens(user: "alice", server: "demo")?.tokens.accessToken == refreshed.tokens.accessToken)
        usleep(300_000)  // three of the saver's looks
        #expect(try store.base.get(key) == nil)
        // Once due (30 s at most), the read saves the newest tokens, once (or the saver, on the same clock, did first).
        clock.advance(by: 30)
        #expect(try engine.storedTokens(user: "alice", server: "demo")?.tokens.accessToken == refreshed.tokens.accessToken)
        #expect(Self.eventually { recorder.names.last == "saved" })
        #expect(try store.base.getJSON(key)?["refresh_token"]?.stringValue == refreshed.tokens.refreshToken)
        #expect(engine.status(user: "alice", server: "demo")["tokensSaved"] == nil)
        _ = try engine.storedTokens(user: "alice", server: "demo")
        #expect(recorder.names == ["required", "unsaved:host_store_failed", "completed", "saved"])

        // Signing out forgets kept tokens too, even while the store refuses writes.
        store.failing.store(true, ordering: .relaxed)
        clock.advance(by: 3600)
        _ = try engine.freshTokens(user: "alice", settings: settings)
        #expect(engine.status(user: "alice", server: "demo")["tokensSaved"] == false)
        engine.logout(user: "alice", settings: settings, revoke: false)
        #expect(try engine.storedTokens(user: "alice", server: "demo") == nil)
        #expect(engine.status(user: "alice", server: "demo")["state"] == "unauthorized")
    }

    @Test func stepUpAsksForTheUnionOfScopesAndStopsAfterTheLimit() throws {
        let server = try OAuthServerFixture(arguments: ["--scopes", "mcp:read mcp:write mcp:admin"])
        let box = try EngineBox()
        let engine = Self.engine(box)
        var settings = Self.settings(server)
        settings.scope = "mcp:read"
        _ = try engine.complete(callbackURL: try Self.browse(box, try engine.begin(user: "alice", settings: settings))) { _ in settings }
        let authorizer = ServerAuthorizer(user: "alice", settings: settings, engine: engine)
        authorizer.reload()
        let token = try #require(authorizer.currentAuthorization())
        let forbidden = AuthorizationChallenge(status: 403, wwwAuthenticate: ["Bearer error=\"insufficient_scope\", scope=\"mcp:admin\""],
            sentAuthorization: token, url: settings.url)
        for _ in 0..<engine.options.maxScopeUpgrades {
            guard case .fail(let error) = Self.decide(authorizer, forbidden) else { Issue.record("step-up did not ask for a login"); return }
            #expect(error.details["reason"] == "insufficient_scope")
            let scopes = error.details["scopes"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(scopes.contains("mcp:read") && scopes.contains("mcp:admin"))
            let authURL = try #require(error.details["authUrl"]?.stringValue)
            #expect(authURL.containsLiteral("mcp%3Aadmin"))
            // A parallel refusal while that sign-in is pending joins it instead of counting another upgrade.
            guard case .fail(let parallel) = Self.decide(authorizer, forbidden) else { Issue.record("no join"); return }
            #expect(parallel.details["authUrl"]?.stringValue == authURL)
            _ = try engine.complete(callbackURL: try Self.browse(box, authURL)) { _ in settings }
        }
        guard case .fail(let error) = Self.decide(authorizer, forbidden) else { Issue.record("no limit"); return }
        #expect(error.details["reason"] == "scope_upgrade_limit")
    }

    @Test func preRegisteredClientsUsePinnedEndpointsAndSecretsNeverGoToUnpinnedOnes() throws {
        let server = try OAuthServerFixture()
        let box = try EngineBox()
        // Register out of band, as an operator would, then configure the client with pinned endpoints.
        let client = box.client()
        let metadata = try client.discover(serverURL: server.url("/mcp")).authorizationServer
        let registration = try client.register(
            ClientRegistrationRequest(metadata: metadata, clientName: "operator", redirectURIs: [Self.redirectURI]), metadata: metadata,
            resource: server.url("/mcp"), now: SystemWallClock().nowSeconds())
        var settings = Self.settings(server)
        settings.clientID = registration.clientID
        settings.clientSecret = registration.clientSecret
        settings.authorizationURL = server.url("/authorize")
        settings.tokenURL = server.url("/token")
        // Pinned endpoints come without metadata: the method is configured (LibreChat's token_exchange_method).
        settings.authMethod = registration.tokenEndpointAuthMethod
        let engine = Self.engine(box)
        let flow = try engine.begin(user: "alice", settings: settings)
        #expect(flow.authURL.containsLiteral("client_id=" + FormEncoding.percentEncode(registration.clientID)))
        _ = try engine.complete(callbackURL: try Self.browse(box, flow)) { _ in settings }
        let tokens = try #require(try engine.storedTokens(user: "alice", server: "demo"))
        #expect(try Self.resourceStatus(box, server, token: tokens.tokens.accessToken) == 200)
        #expect(tokens.binding.clientID == registration.clientID)

        // For a server that is not operator-trusted, a secret needs a pinned token_url.
        var untrusted = Self.settings(server, name: "user-made")
        untrusted.clientID = registration.clientID
        untrusted.clientSecret = registration.clientSecret
        untrusted.http.policy = NetworkPolicy(trusted: false, allowedAddresses: ["127.0.0.1:\(server.port)"])
        do {
            _ = try engine.begin(user: "alice", settings: untrusted)
            Issue.record("a secret was allowed to a discovered endpoint")
        } catch {
            #expect(error.details["reason"] == "secret_endpoint_unpinned")
            #expect(!JSONWriter.string(error.json).containsLiteral(registration.clientSecret ?? "-"))
        }
    }

    /// auth/pre-registration with discovery: an operator-trusted server's secret goes to the token endpoint of the
    /// issuer its PRM named, never to the 2025-03-26 fallbacks (nothing binds their issuer) unless token_url is pinned.
    @Test func aTrustedSecretGoesToTheDiscoveredIssuerButNeverToLegacyFallbacks() throws {
        let server = try OAuthServerFixture()
        let box = try EngineBox()
        let client = box.client()
        let metadata = try client.discover(serverURL: server.url("/mcp")).authorizationServer
        let registration = try client.register(
            ClientRegistrationRequest(metadata: metadata, clientName: "operator", redirectURIs: [Self.redirectURI], scopes: ["mcp:read", "mcp:write"]), metadata: metadata,
            resource: server.url("/mcp"), now: SystemWallClock().nowSeconds())
        let engine = Self.engine(box)
        var discovered = Self.settings(server)
        discovered.clientID = registration.clientID
        discovered.clientSecret = registration.clientSecret
        discovered.authMethod = registration.tokenEndpointAuthMethod  // the SDK AS holds a client to its registered method
        #expect(discovered.http.policy.trusted)
        let flow = try engine.begin(user: "alice", settings: discovered)
        #expect(flow.authURL.hasPrefix(server.url("/authorize")))
        _ = try engine.complete(callbackURL: try Self.browse(box, flow)) { _ in discovered }
        let tokens = try #require(try engine.storedTokens(user: "alice", server: "demo"))
        #expect(tokens.binding.clientID == registration.clientID && tokens.binding.tokenEndpoint == metadata.tokenEndpoint.string)

        var legacy = OAuthServerSettings(server: "legacy", url: server.url("/legacy/mcp"))
        legacy.clientID = registration.clientID
        legacy.clientSecret = registration.clientSecret
        do {
            _ = try engine.begin(user: "alice", settings: legacy)
            Issue.record("a secret was allowed to a 2025-03-26 fallback endpoint")
        } catch {
            #expect(error.details["reason"] == "secret_endpoint_unpinned")
            #expect(error.details["metadataSource"] == "legacyMetadata")
        }
        legacy.tokenURL = metadata.tokenEndpoint.string
        #expect(try engine.begin(user: "alice", settings: legacy).authURL.hasPrefix(server.url("/authorize")))
    }

    static func decide(_ authorizer: ServerAuthorizer, _ challenge: AuthorizationChallenge) -> AuthorizationDecision {
        let waiter = Waiter<AuthorizationDecision>()
        authorizer.challenged(challenge) { _ = waiter.resolve($0) }
        return waiter.wait(timeoutNanoseconds: 30_000_000_000) ?? .fail(MCPError(.timeout, "no decision"))
    }
}

/// The engine against authlib's AS (issuer with a path, OIDC discovery, pre-registered clients, RFC 7009).
@Suite(.serialized, .enabled(if: OAuthServerFixture.authlibAvailable, "needs the dev venv with authlib 1.9 and mcp 2.x"))
struct OAuthEngineAuthlibTests {
    static func settings(_ server: OAuthServerFixture, _ client: ClientCredentials) -> OAuthServerSettings {
        var settings = OAuthServerSettings(server: "tenant", url: server.url("/mcp"))
        settings.clientID = client.clientID
        settings.clientSecret = client.clientSecret
        return settings
    }

    @Test func aPreRegisteredClientSignsInAndLogoutRevokesBothTokens() throws {
        let server = try OAuthServerFixture.authlib()
        let box = try EngineBox()
        let engine = OAuthEngineTests.engine(box)
        let settings = Self.settings(server, AuthlibFlowTests.basic)
        let flow = try engine.begin(user: "alice", settings: settings)
        #expect(flow.authURL.containsLiteral("client_id=basic-client"))
        _ = try engine.complete(callbackURL: try OAuthEngineTests.browse(box, flow)) { _ in settings }
        let stored = try #require(try engine.storedTokens(user: "alice", server: "tenant"))
        #expect(stored.binding.issuer == server.announced && stored.binding.revocationEndpoint != nil)
        #expect(try AuthlibFlowTests.callMCP(box.client(), server, token: stored.tokens.accessToken).status == 200)

        let report = engine.logout(user: "alice", settings: settings)
        #expect(report["revocation"]?["status"] == "revoked")
        #expect(try AuthlibFlowTests.callMCP(box.client(), server, token: stored.tokens.accessToken).status == 401)
        #expect(try engine.storedTokens(user: "alice", server: "tenant") == nil)
    }

    @Test func clientCredentialsNeedNoBrowserAndRenewThemselves() throws {
        let server = try OAuthServerFixture.authlib()
        let box = try EngineBox()
        let engine = OAuthEngineTests.engine(box)
        var settings = Self.settings(server, AuthlibFlowTests.service)
        settings.grant = .clientCredentials
        let authorizer = ServerAuthorizer(user: "svc", settings: settings, engine: engine)
        #expect(authorizer.needsTokensFirst(declared: false))
        try authorizer.prepare()
        let first = try #require(authorizer.currentAuthorization())
        #expect(try AuthlibFlowTests.callMCP(box.client(), server, token: String(first.dropFirst(7))).status == 200)
        // A 401 for it: a new client_credentials token, no sign-in.
        let decision = OAuthEngineTests.decide(authorizer, AuthorizationChallenge(status: 401, wwwAuthenticate: [], sentAuthorization: first, url: settings.url))
        guard case .retry = decision else { Issue.record("client credentials were not renewed"); return }
        #expect(authorizer.currentAuthorization() != first)
        #expect(throws: MCPError.self) { _ = try engine.begin(user: "svc", settings: settings) }
    }
}
