import MCPClientConfig
import MCPClientCore
import Testing

/// `client_secret_without_endpoints` (docs/config.md): operator and admin configs may leave a pre-registered
/// confidential client's endpoints to discovery; user-created and explicitly untrusted servers must pin them.
@Suite struct ClientSecretRuleTests {
    static let secretOnly: JSONValue = ["client_id": "basic-client", "client_secret": "basic-secret"]

    func codes(_ error: MCPError) -> [String] {
        error.details["diagnostics"]?.arrayValue?.compactMap { $0["code"]?.stringValue } ?? []
    }

    @Test func operatorConfigsMayDiscoverTheEndpoints() throws {
        let config = try ServerConfig.parse(name: "pre", json: ["url": "https://mcp.example.com/mcp", "oauth": Self.secretOnly])
        #expect(config.oauth?.clientSecret == "basic-secret" && config.oauth?.tokenURL == nil)
        _ = try ServerConfig.parse(name: "pre", json: ["url": "https://mcp.example.com/mcp", "oauth": Self.secretOnly, "source": ["tier": "admin"]])
    }

    @Test func userTierAndUntrustedServersMustPinThem() throws {
        for extra: (String, JSONValue) in [("source", ["tier": "user"]), ("trusted", false)] {
            var server: JSONObject = ["url": "https://mcp.example.com/mcp", "oauth": Self.secretOnly]
            server[extra.0] = extra.1
            let error = try #require(throws: MCPError.self) { try ServerConfig.parse(name: "pre", json: .object(server)) }
            #expect(codes(error) == ["client_secret_without_endpoints"], "\(extra.0)")
            #expect(error.details["path"] == "oauth.client_secret")
            #expect(!error.message.containsLiteral("basic-secret"))
            // Pinned endpoints satisfy the rule for every tier.
            server["oauth"] = ["client_id": "basic-client", "client_secret": "basic-secret",
                               "authorization_url": "https://as.example.com/authorize", "token_url": "https://as.example.com/token"]
            _ = try ServerConfig.parse(name: "pre", json: .object(server))
        }
    }

    @Test func userCreatedServersAreRefusedWhenPrepared() throws {
        let error = try #require(throws: MCPError.self) {
            try ConfigResolver.prepare(server: ["url": "https://mcp.example.com/mcp", "oauth": Self.secretOnly], tier: .user,
                environment: EnvironmentSource(variables: [:]), options: ConfigResolver.PrepareOptions())
        }
        #expect(error.code == .policy && error.details["path"] == "oauth.client_secret")
        #expect(error.details["reason"] == "client_secret_without_endpoints")
        _ = try ConfigResolver.prepare(server: ["url": "https://mcp.example.com/mcp", "oauth": Self.secretOnly], tier: .operator,
            environment: EnvironmentSource(variables: [:]), options: ConfigResolver.PrepareOptions())
    }

    @Test func loadedFilesFollowTheirTier() throws {
        let text = #"{"mcpServers": {"pre": {"url": "https://mcp.example.com/mcp", "oauth": {"client_id": "c", "client_secret": "s"}}}}"#
        let operatorResult = ConfigLoader.load(text: text)
        #expect(!operatorResult.diagnostics.contains { $0.code == "client_secret_without_endpoints" })
        let userResult = ConfigLoader.load(text: text, options: ConfigLoadOptions(tier: .user))
        #expect(userResult.diagnostics.filter { $0.code == "client_secret_without_endpoints" }.map(\.path) == ["mcpServers.pre.oauth.client_secret"])
    }
}
