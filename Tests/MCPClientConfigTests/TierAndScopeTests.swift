import MCPClientConfig
import MCPClientCore
import Testing

@Suite struct UserTierTests {
    private func prepareUser(_ server: JSONObject, allowOBO: Bool = false) throws -> ConfigResolver.Prepared {
        try ConfigResolver.prepare(server: server, tier: .user, environment: EnvironmentSource(variables: ["HOST": "h"]),
            options: ConfigResolver.PrepareOptions(allowOBO: allowOBO))
    }

    private func rejected(_ server: JSONObject, path: String) throws {
        let error = try #require(throws: MCPError.self) { try prepareUser(server) }
        #expect(error.code == .policy)
        #expect(error.details["path"] == .string(path), "\(server)")
        // resolve applies the same rules to a config that never went through prepare.
        var context = fullContext()
        context.tier = .user
        #expect(throws: MCPError.self) { try ConfigResolver.resolve(server: server, context: context) }
    }

    @Test func stdioIsRejected() throws {
        try rejected(["command": "rm", "args": ["-rf", "/"]], path: "command")
        try rejected(["type": "stdio", "url": "https://x"], path: "command")
    }

    @Test func urlsMustBeRemoteWithoutEnvOrIdentityPlaceholders() throws {
        try rejected(["url": "http://attacker/?k=${JWT_SECRET}"], path: "url")
        try rejected(["url": "https://x/{{LIBRECHAT_USER_EMAIL}}"], path: "url")
        try rejected(["url": "https://x/{{user.email}}"], path: "url")
        try rejected(["url": "file:///etc/passwd"], path: "url")
        try rejected(["url": "javascript:alert(1)"], path: "url")
        try rejected(["headers": [:]], path: "url")
        for url in ["http://a", "HTTPS://a/b", "ws://a", "wss://a"] { _ = try prepareUser(["url": .string(url)]) }
    }

    @Test func proxyAudienceAndResourceAreRejected() throws {
        try rejected(["url": "https://x", "proxy": "http://p"], path: "proxy")
        try rejected(["url": "https://x", "oauth": ["audience": "a"]], path: "oauth.audience")
        try rejected(["url": "https://x", "oauth": ["forward_audience_on_refresh": false]], path: "oauth.forward_audience_on_refresh")
        try rejected(["url": "https://x", "oauth": ["authorization_url": "https://as/authorize?x=1&audience=api"]], path: "oauth.authorization_url")
        try rejected(["url": "https://x", "oauth": ["token_url": "https://as/token?Resource=https://rs"]], path: "oauth.token_url")
        try rejected(["url": "https://x", "oauth": ["token_url": "https://as/token?%72esource=y"]], path: "oauth.token_url")
        try rejected(["url": "https://x", "oauth": ["revocation_endpoint": "https://${HOST}/r"]], path: "oauth.revocation_endpoint")
        try rejected(["url": "https://x", "obo": ["scopes": "a"]], path: "obo")
        _ = try prepareUser(["url": "https://x", "obo": ["scopes": "a"]], allowOBO: true)
        _ = try prepareUser(["url": "https://x", "oauth": ["token_url": "https://as/token?resourceful=1#audience"]])
    }

    @Test func restrictedFieldsAreStrippedWithWarnings() throws {
        let stripped = [
            "startup", "timeout", "sseReadTimeout", "initTimeout", "chatMenu", "serverInstructions", "requiresOAuth", "customUserVars",
            "oauth_headers", "envFile", "envForward", "trusted", "caFile",
        ]
        var server: JSONObject = ["url": "https://x", "title": "Mine"]
        for field in stripped { server[field] = "x" }
        let prepared = try prepareUser(server)
        for field in stripped where field != "trusted" { #expect(prepared.server[field] == nil, "\(field)") }
        #expect(prepared.server["trusted"] == false)
        #expect(prepared.server["title"] == "Mine")
        #expect(prepared.warnings.count == stripped.count)
    }

    @Test func headersAreScrubbedOfEnvAndIdentityPlaceholders() throws {
        let server: JSONObject = ["url": "https://x", "headers": [
            "A": "Bearer ${JWT_SECRET}", "B": "{{LIBRECHAT_OPENID_TOKEN}}|{{LIBRECHAT_USER_EMAIL}}|{{LIBRECHAT_GRAPH_ACCESS_TOKEN}}|{{LIBRECHAT_BODY_MESSAGEID}}",
            "C": "{{openid.accessToken}}{{user.whatever}}{{LIBRECHAT_USER_FUTURE}}", "D": "{{MCP_API_KEY}} ${a very long thing with spaces}",
            "E": "plain",
        ]]
        let prepared = try prepareUser(server)
        #expect(prepared.server["headers"] == ["A": "Bearer ", "B": "|||", "C": "", "D": "{{MCP_API_KEY}} ", "E": "plain"])
        #expect(prepared.warnings.count == 4)
    }

    @Test func resolveOnlyFillsTheUsersOwnApiKey() throws {
        var context = fullContext(env: ["HOST": "h", "JWT_SECRET": "jwt-secret-value"])
        context.tier = .user
        let server: JSONObject = [
            "url": "https://x", "headers": ["K": "{{MCP_API_KEY}}", "T": "{{LIBRECHAT_OPENID_TOKEN}}"],
            "oauth": ["client_id": "{{LIBRECHAT_USER_EMAIL}}", "scope": "${HOST}"], "apiKey": ["source": "user"],
        ]
        let resolved = try ConfigResolver.resolve(server: server, context: context)
        #expect(resolved.server["headers"] == ["K": "user-api-key", "T": "", "Authorization": "Bearer user-api-key"])
        #expect(resolved.server["oauth"] == ["client_id": "", "scope": "${HOST}"])
        #expect(resolved.scope.scope == .user)
    }
}

@Suite struct ScopeTests {
    private func scope(_ server: JSONObject, tier: TrustTier? = nil) -> ScopeClassification.Scope {
        ConfigResolver.classify(server: server, tier: tier).scope
    }

    @Test func appScopeByDefault() {
        #expect(scope(["command": "s", "args": ["${HOST}"], "title": "{{LIBRECHAT_USER_ID}}"]) == .app)
        #expect(scope(["url": "https://x", "headers": ["A": "{{UNKNOWN}}"], "customUserVars": [:]]) == .app)
        #expect(ConfigResolver.classify(server: ["url": "https://x"]).reason.containsLiteral("shared"))
    }

    @Test func userScopeTriggers() {
        #expect(scope(["url": "https://x", "requiresOAuth": true]) == .user)
        #expect(scope(["url": "https://x", "obo": ["scopes": "a"]]) == .user)
        #expect(scope(["url": "https://x", "customUserVars": ["K": [:]]]) == .user)
        #expect(scope(["url": "https://x", "apiKey": ["source": "user"]]) == .user)
        #expect(scope(["url": "https://x", "startup": false]) == .user)
        #expect(scope(["url": "https://x", "source": ["tier": "user"]]) == .user)
        for (field, value) in [
            ("url", JSONValue("https://x/{{LIBRECHAT_USER_ID}}")), ("headers", ["A": "{{LIBRECHAT_OPENID_TOKEN}}"]),
            ("oauth_headers", ["A": "{{user.email}}"]), ("env", ["A": "{{LIBRECHAT_GRAPH_ACCESS_TOKEN}}"]), ("args", ["{{openid.idToken}}"]),
            ("oauth", ["scope": "{{LIBRECHAT_USER_EMAIL}}"]),
        ] {
            var server: JSONObject = ["url": "https://x"]
            server[field] = value
            let classification = ConfigResolver.classify(server: server)
            #expect(classification.scope == .user, "\(field)")
            #expect(classification.reason.hasPrefix(field))
        }
    }

    @Test func requestScopeOutranksUser() {
        #expect(scope(["url": "https://x", "requiresOAuth": true, "headers": ["C": "{{LIBRECHAT_BODY_CONVERSATIONID}}"]]) == .request)
        #expect(scope(["command": "s", "args": ["{{body.messageId}}"]]) == .request)
    }

    @Test func untrustedTiersIgnorePlaceholders() {
        #expect(scope(["command": "s", "args": ["{{LIBRECHAT_BODY_MESSAGEID}}"]], tier: .plugin) == .app)
        #expect(scope(["url": "https://x", "headers": ["A": "{{LIBRECHAT_BODY_MESSAGEID}}"]], tier: .user) == .user)
    }
}
