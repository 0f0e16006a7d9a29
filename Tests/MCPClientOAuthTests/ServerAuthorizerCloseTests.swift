import MCPClientCore
import MCPClientTransport
import Testing

@testable import MCPClientOAuth

/// A closed authorizer (its connection is going away) keeps its bearer for the transport's last request, the DELETE
/// that ends a handshake-era session, but renews nothing and starts no sign-in.
@Suite struct ServerAuthorizerCloseTests {
    @Test func closingKeepsTheBearerAndRefusesChallengesAtOnce() throws {
        let box = try EngineBox()
        let store = MemoryCredentialStore()
        var options = OAuthEngineOptions()
        options.store = store
        options.redirectURI = "http://127.0.0.1:9/callback"
        let engine = OAuthEngine(engine: box.engine, options: options)
        let settings = OAuthServerSettings(server: "demo", url: "http://127.0.0.1:9/mcp")
        let now = SystemWallClock().nowSeconds()
        let binding = TokenBinding(issuer: "http://127.0.0.1:9", tokenEndpoint: "http://127.0.0.1:9/token", clientID: "c",
            authMethod: .publicClient, resource: "http://127.0.0.1:9/mcp", scopes: nil, revocationEndpoint: nil, revocationAuthMethods: nil)
        let stored = StoredTokens(tokens: TokenSet(accessToken: "at-live", expiresAt: now + 3_600, refreshToken: "rt", issuedAt: now), binding: binding)
        try engine.save(stored, key: OAuthEngine.tokensKey("alice", "demo"), now: now)

        let authorizer = ServerAuthorizer(user: "alice", settings: settings, engine: engine)
        authorizer.reload()
        #expect(authorizer.currentAuthorization() == "Bearer at-live")
        authorizer.close()
        #expect(authorizer.currentAuthorization() == "Bearer at-live")

        let decision = Waiter<AuthorizationDecision>()
        authorizer.challenged(AuthorizationChallenge(status: 401, wwwAuthenticate: [], sentAuthorization: "Bearer at-live", url: settings.url)) {
            decision.resolve($0)
        }
        // Answered inside the call: no thread, no network, no flow.
        #expect(decision.isResolved)
        guard case .fail(let error)? = decision.wait(timeoutNanoseconds: 0) else {
            Issue.record("a closed authorizer asked for a retry")
            return
        }
        #expect(error.code == .auth)
        #expect(try store.get(OAuthEngine.flowKey("alice", "demo")) == nil)
        // Nothing adopted after close: a reload does not change the bearer.
        try store.delete(OAuthEngine.tokensKey("alice", "demo"))
        authorizer.reload()
        #expect(authorizer.currentAuthorization() == "Bearer at-live")
    }
}
