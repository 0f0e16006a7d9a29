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

/// `oauth.private_key` / `private_key_file` / `private_key_id` / `signing_algorithm` (private_key_jwt).
@Suite struct PrivateKeyConfigTests {
    static let pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"

    func diagnostics(_ oauth: JSONObject, tier: ServerConfig.Tier? = nil) -> [(code: String, path: String)] {
        let server: JSONObject = ["url": "https://mcp.example.com/mcp", "oauth": .object(oauth)]
        let text = JSONWriter.string(.object(["mcpServers": .object(["svc": .object(server)])]))
        return ConfigLoader.load(text: text, options: ConfigLoadOptions(tier: tier)).diagnostics.map { ($0.code, $0.path) }
    }

    @Test func fieldsAreParsedAndTheKeyIsRedactedOnExport() throws {
        let config = try ServerConfig.parse(name: "svc", json: ["url": "https://mcp.example.com/mcp", "oauth": [
            "client_id": "svc", "private_key": .string(Self.pem), "private_key_id": "k1", "signing_algorithm": "RS256",
            "grant_types_supported": ["client_credentials"]]])
        #expect(config.oauth?.privateKey == Self.pem && config.oauth?.privateKeyID == "k1" && config.oauth?.signingAlgorithm == "RS256")
        let file = try ServerConfig.parse(name: "svc", json: ["url": "https://mcp.example.com/mcp", "oauth": [
            "client_id": "svc", "private_key_file": "/run/secrets/key.pem"]])
        #expect(file.oauth?.privateKeyFile == "/run/secrets/key.pem" && file.oauth?.privateKey == nil)
        let exported = ConfigExporter.document(servers: ["svc": ["url": "https://x", "oauth": ["client_id": "svc", "private_key": .string(Self.pem)]]])
        #expect(!JSONWriter.string(exported).containsLiteral("MIIEvQ"))
    }

    @Test func shapeErrorsArePreciseAndNeverQuoteTheKey() {
        #expect(diagnostics(["client_id": "svc", "private_key": "/etc/key.pem"]).map(\.code) == ["invalid_private_key"])
        #expect(diagnostics(["client_id": "svc", "private_key": "${KEY}"]).isEmpty)
        #expect(diagnostics(["client_id": "svc", "private_key": .string(Self.pem), "private_key_file": "/k"]).map(\.code) == ["private_key_conflict"])
        #expect(diagnostics(["private_key_file": "/k"]).map(\.code) == ["private_key_without_client_id"])
        #expect(diagnostics(["client_id": "svc", "private_key_file": "/k", "signing_algorithm": "HS256"]).map(\.code) == ["invalid_value"])
        #expect(diagnostics(["client_id": "svc", "signing_algorithm": "RS256"]).map(\.code) == ["unused_oauth_key"])
        // A user-created server must pin the endpoints its assertions are made for.
        let user = diagnostics(["client_id": "svc", "private_key": "${KEY}"], tier: .user)
        #expect(user.map(\.code) == ["private_key_without_endpoints"] && user.first?.path == "mcpServers.svc.oauth.private_key")
        let text = JSONWriter.string(.object(["mcpServers": ["svc": ["url": "https://x", "oauth": ["client_id": "svc", "private_key": .string(Self.pem + "x")]]]]))
        #expect(!JSONValue.array(ConfigLoader.load(text: text).diagnostics.map(\.json)).jsonString.containsLiteral("MIIEvQ"))
    }

    @Test func userCreatedServersMayNotReadKeyFiles() throws {
        let error = try #require(throws: MCPError.self) {
            try ConfigResolver.prepare(server: ["url": "https://x", "oauth": ["client_id": "svc", "private_key_file": "/etc/shadow",
                "authorization_url": "https://as/authorize", "token_url": "https://as/token"]], tier: .user,
                environment: EnvironmentSource(variables: [:]), options: ConfigResolver.PrepareOptions())
        }
        #expect(error.code == .policy && error.details["path"] == "oauth.private_key_file")
        let unpinned = try #require(throws: MCPError.self) {
            try ConfigResolver.prepare(server: ["url": "https://x", "oauth": ["client_id": "svc", "private_key": "x"]], tier: .user,
                environment: EnvironmentSource(variables: [:]), options: ConfigResolver.PrepareOptions())
        }
        #expect(unpinned.details["reason"] == "private_key_without_endpoints")
    }
}
