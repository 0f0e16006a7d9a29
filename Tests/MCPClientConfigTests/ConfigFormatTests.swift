import Glibc
import MCPClientConfig
import MCPClientCore
import Testing

@Suite struct ConfigCorpusTests {
    @Test func corpusIsPresent() {
        #expect(ConfigCorpus.validFiles.count >= 10)
        #expect(ConfigCorpus.brokenFiles.count >= 12)
        let formats = Set(ConfigCorpus.validFiles.map { $0.split(separator: "/")[1] })
        #expect(formats == ["librechat", "claude", "cursor", "vscode", "fastmcp", "mcp-use", "pandorakit", "aeontel"])
    }

    @Test(arguments: ConfigCorpus.validFiles)
    func validConfigLoadsToItsExpectedNormalizedForm(path: String) throws {
        let text = try #require(ConfigCorpus.read(ConfigCorpus.root + "/" + path))
        let expected = try #require(try ConfigCorpus.json(ConfigCorpus.stem(path) + ".expected.json"))
        let result = ConfigLoader.load(text: text, options: try ConfigCorpus.options(for: path))
        #expect(!result.hasErrors, "\(result.diagnostics.map(\.message))")
        #expect(result.format?.rawValue == expected["format"]?.stringValue)
        #expect(result.format?.rawValue == path.split(separator: "/")[1].description, "auto-detection picked the wrong format")
        #expect(JSONValue.object(result.servers) == expected["servers"])
        #expect(JSONValue.object(result.settings) == expected["settings"])
        #expect(JSONValue.array(result.inputs) == expected["inputs"] ?? .array([]))
        #expect(JSONValue.array(result.removed.map { .string($0) }) == expected["removed"] ?? .array([]))
        #expect(JSONValue.array(result.diagnostics.map(ConfigCorpus.trimmed)) == expected["diagnostics"])
        // Key order is part of the normalized form (exports diff cleanly).
        #expect(result.servers.keys == expected["servers"]?.objectValue?.keys)
    }

    @Test(arguments: ConfigCorpus.brokenFiles)
    func brokenConfigReportsEveryExpectedProblem(path: String) throws {
        let text = try #require(ConfigCorpus.read(ConfigCorpus.root + "/" + path))
        let expected = try #require(try ConfigCorpus.json(ConfigCorpus.stem(path) + ".expected-diagnostics.json"))
        let result = ConfigLoader.load(text: text, options: try ConfigCorpus.options(for: path))
        #expect(result.hasErrors)
        #expect(JSONValue.array(result.diagnostics.map(ConfigCorpus.trimmed)) == expected)
        for diagnostic in result.diagnostics {
            #expect(!diagnostic.message.isEmpty)
            #expect(diagnostic.line != nil, "\(diagnostic.code) at \(diagnostic.path) has no line")
        }
        let error = try #require(result.error)
        #expect(error.code == .config)
        #expect(error.details["diagnostics"]?.arrayValue?.count == result.diagnostics.count)
    }

    @Test(arguments: ConfigCorpus.validFiles)
    func everyNormalizedServerIsAcceptedByTheRuntime(path: String) throws {
        let text = try #require(ConfigCorpus.read(ConfigCorpus.root + "/" + path))
        let result = ConfigLoader.load(text: text, options: try ConfigCorpus.options(for: path))
        for (name, server) in result.servers {
            let config = try ServerConfig.parse(name: name, json: server)
            #expect(config.source.format == path.split(separator: "/")[1].description)
            #expect(config.normalized == server.objectValue)
        }
    }

    @Test(arguments: ConfigCorpus.validFiles)
    func exportRoundTripsInJSONAndYAML(path: String) throws {
        let text = try #require(ConfigCorpus.read(ConfigCorpus.root + "/" + path))
        let original = ConfigLoader.load(text: text, options: try ConfigCorpus.options(for: path))
        guard case .object(let registry) = original.json else { Issue.record("load result is not an object"); return }
        for syntax in [ConfigExporter.Syntax.json, .yaml] {
            let exported = try ConfigExporter.export(registry: registry, options: .init(syntax: syntax, includeSecrets: true))
            let reloaded = ConfigLoader.load(text: exported)
            #expect(reloaded.format == .normalized)
            #expect(!reloaded.hasErrors, "\(syntax): \(reloaded.diagnostics.map { "\($0.path): \($0.message)" })")
            #expect(reloaded.servers == original.servers, "\(syntax) export of \(path) did not round-trip")
            #expect(reloaded.settings == original.settings)
            // Exporting the reloaded registry again gives the same text.
            guard case .object(let again) = reloaded.json else { continue }
            #expect(try ConfigExporter.export(registry: again, options: .init(syntax: syntax, includeSecrets: true)) == exported)
        }
    }
}

@Suite struct ConfigFormatTests {
    static let secretConfig = """
    mcpServers:
      crm:
        type: streamable-http
        url: https://crm.example.com/mcp
        oauth:
          authorization_url: https://auth.example.com/authorize
          token_url: https://auth.example.com/token
          client_id: crm
          client_secret: very-secret-1
        apiKey:
          source: admin
          authorization_type: bearer
          key: very-secret-2
    """

    @Test func exportRedactsSecretsUnlessAsked() throws {
        let loaded = ConfigLoader.load(text: Self.secretConfig)
        #expect(!loaded.hasErrors)
        let registry: JSONObject = ["servers": .object(loaded.servers)]
        let redacted = try ConfigExporter.export(registry: registry)
        #expect(!redacted.containsLiteral("very-secret"))
        let reloaded = ConfigLoader.load(text: redacted)
        #expect(reloaded.servers["crm"]?["source"]?["redacted"] == ["oauth.client_secret", "apiKey.key"])
        #expect(reloaded.servers["crm"]?["oauth"]?["client_id"] == "crm")
        let full = try ConfigExporter.export(registry: registry, options: .init(syntax: .yaml, includeSecrets: true))
        #expect(full.containsLiteral("very-secret-1") && full.containsLiteral("very-secret-2"))
    }

    @Test func pandoraKitMergePatchUpdatesDisablesAndDeletes() throws {
        let base = ConfigLoader.load(text: """
        {"mcpServers": {
          "github": {"command": "bunx", "args": ["server-github"], "env": ["GITHUB_TOKEN"]},
          "remote": {"url": "https://example.com/mcp", "headers": {"A": "1", "B": "2"}},
          "gone": {"url": "https://gone.example.com/mcp"}
        }}
        """)
        #expect(base.format == .pandorakit)
        var options = ConfigLoadOptions(format: .pandorakit)
        options.registry = base.servers
        let patched = ConfigLoader.load(text: """
        {"mcpServers": {
          "github": {"enabled": false, "env": null},
          "remote": {"headers": {"B": null, "C": "3"}, "requireApproval": false},
          "gone": null,
          "missing": null,
          "moved": {"command": "node", "args": ["x.js"]}
        }}
        """, options: options)
        #expect(!patched.hasErrors)
        #expect(patched.servers.keys == ["github", "remote", "moved"])
        #expect(patched.servers["github"]?["enabled"] == false)
        #expect(patched.servers["github"]?["envForward"] == nil)
        #expect(patched.servers["github"]?["command"] == "bunx")
        #expect(patched.servers["remote"]?["headers"] == ["A": "1", "C": "3"])
        #expect(patched.servers["remote"]?["requireApproval"] == false)
        #expect(patched.servers["remote"]?["enabled"] == true)
        #expect(patched.servers["moved"]?["requireApproval"] == true)
        #expect(patched.removed == ["gone"])
        #expect(patched.diagnostics.map(\.code) == ["nothing_to_delete"])
        #expect(patched.diagnostics.first?.path == "mcpServers.missing")
    }

    @Test func pandoraKitPatchThatSwitchesTheEndpointReinfersTheTransport() throws {
        var options = ConfigLoadOptions(format: .pandorakit)
        options.registry = ["tools": ["type": "stdio", "command": "bunx", "args": []]]
        let patched = ConfigLoader.load(text: #"{"mcpServers": {"tools": {"command": null, "args": null, "url": "wss://x.example.com/ws"}}}"#, options: options)
        #expect(!patched.hasErrors, "\(patched.diagnostics.map(\.message))")
        #expect(patched.servers["tools"]?["type"] == nil)
        let config = try ServerConfig.parse(name: "tools", json: try #require(patched.servers["tools"]))
        guard case .remote(let remote) = config.transport else { Issue.record("expected remote"); return }
        #expect(remote.type == "websocket")
    }

    @Test func aeontelUpdateSwitchesTheAuthType() throws {
        let created = ConfigLoader.load(text: """
        {"name": "CRM", "url": "https://crm.example.com/mcp", "authType": "oauth", "oauthClientId": "c",
         "oauthAuthorizationEndpoint": "https://a.example.com/authorize", "oauthTokenEndpoint": "https://a.example.com/token"}
        """)
        #expect(created.servers.keys == ["crm"])
        #expect(created.servers["crm"]?["requiresOAuth"] == true)
        var options = ConfigLoadOptions(format: .aeontel)
        options.registry = created.servers
        options.update = "crm"
        let updated = ConfigLoader.load(text: #"{"authType": "api_key", "apiKey": "k-1", "name": "CRM v2"}"#, options: options)
        #expect(!updated.hasErrors, "\(updated.diagnostics.map(\.message))")
        let server = try #require(updated.servers["crm"])
        #expect(server["oauth"] == nil && server["requiresOAuth"] == nil)
        #expect(server["apiKey"] == ["key": "k-1", "source": "admin", "authorization_type": "bearer"])
        #expect(server["title"] == "CRM v2")
        #expect(server["url"] == "https://crm.example.com/mcp")

        options.update = "nope"
        #expect(ConfigLoader.load(text: "{}", options: options).diagnostics.map(\.code) == ["unknown_server"])
    }

    @Test func strictModeTurnsUnknownKeysIntoErrors() {
        let text = #"{"mcpServers": {"s": {"command": "x", "args": [], "oauth": {"clientId": "a"}, "stderr": "pipe", "futureKey": 1}}}"#
        let lenient = ConfigLoader.load(text: text, options: ConfigLoadOptions(format: .librechat))
        #expect(!lenient.hasErrors)
        #expect(lenient.diagnostics.map(\.code) == ["ignored_for_transport", "unknown_key", "unknown_key"])
        #expect(lenient.servers["s"]?["unknown"] == ["oauth.clientId": "a", "futureKey": 1])
        let strict = ConfigLoader.load(text: text, options: ConfigLoadOptions(format: .librechat, strict: true))
        #expect(strict.diagnostics.filter { $0.severity == .error }.map(\.path) == ["mcpServers.s.oauth.clientId", "mcpServers.s.futureKey"])
    }

    @Test func explicitFormatOverridesDetection() {
        let text = #"{"mcpServers": {"s": {"command": "x"}}}"#
        #expect(ConfigLoader.load(text: text).format == .claude)
        let asLibreChat = ConfigLoader.load(text: text, options: ConfigLoadOptions(format: .librechat))
        #expect(asLibreChat.format == .librechat)
        #expect(asLibreChat.diagnostics.map(\.code) == ["missing_args"])
        #expect(asLibreChat.servers["s"]?["source"]?["format"] == "librechat")
    }

    static let detection: [(String, ConfigFormat?)] = [
        (#"{"servers": {"a": {"type": "stdio", "command": "x"}}}"#, .vscode),
        (#"{"mcpServers": {"a": {"command": "x", "args": []}}}"#, .claude),
        (#"{"mcpServers": {"a": {"url": "https://x.example.com/mcp"}}}"#, .cursor),
        (#"{"mcpServers": {"a": {"command": "x", "env": {"T": "${env:T}"}}}}"#, .cursor),
        (#"{"mcpServers": {"a": {"url": "https://x.example.com", "transport": "http"}}}"#, .fastmcp),
        (#"{"a": {"command": "python", "args": ["s.py"]}}"#, .fastmcp),
        (#"{"mcpServers": {"a": {"ws_url": "wss://x.example.com"}}}"#, .mcpUse),
        (#"{"mcpServers": {"a": {"command": "x", "env": ["T"]}}}"#, .pandorakit),
        (#"{"mcpServers": {"a": null}}"#, .pandorakit),
        (#"{"mcpServers": {"a": {"url": "https://x.example.com", "requiresOAuth": true}}}"#, .librechat),
        (#"{"name": "A", "url": "https://x.example.com", "authType": "none"}"#, .aeontel),
        (#"[{"name": "A", "url": "https://x.example.com"}]"#, .aeontel),
        (#"{"mcpclient": {"version": 1}, "mcpServers": {}}"#, .normalized),
        ("mcpServers:\n  a:\n    command: x\n    args: []\n", .librechat),
        (#"{"hello": "world"}"#, nil),
    ]

    @Test(arguments: detection)
    func detectsTheFormatFromTheShape(text: String, format: ConfigFormat?) {
        #expect(ConfigLoader.load(text: text).format == format)
    }

    @Test func suggestsTheIntendedKey() {
        let result = ConfigLoader.load(text: """
        mcpServers:
          gh:
            type: http
            url: https://api.example.com/mcp
            oauth:
              clientId: a
              clientSecret: b
              scopes: repo
              authorizationUrl: https://a.example.com/authorize
              tokenEndpoint: https://a.example.com/token
            Headers:
              X: y
            intiTimeout: 5
        """)
        #expect(result.diagnostics.map(\.suggestion) == ["client_id", "client_secret", "scope", "authorization_url", "token_url", "headers", "initTimeout"])
        #expect(result.diagnostics.map(\.line) == [6, 7, 8, 9, 10, 11, 13])
        #expect(result.diagnostics.first?.column == 7)
        #expect(result.diagnostics.first?.excerpt == "      clientId: a\n      ^")
    }

    @Test func reportsEveryProblemOfAServerAtOnce() throws {
        let error = #expect(throws: MCPError.self) {
            try ServerConfig.parse(name: "s", json: ["command": "x", "args": ["a", 1], "timeout": "60", "stderr": "loud"])
        }
        let diagnostics = try #require(error?.details["diagnostics"]?.arrayValue)
        #expect(diagnostics.compactMap { $0["path"]?.stringValue } == ["args[1]", "timeout", "stderr"])
        #expect(error?.details["path"] == "args[1]")
    }

    @Test func normalizedFieldsReachTheRuntimeConfig() throws {
        let config = try ServerConfig.parse(name: "crm", json: [
            "url": "https://crm.example.com/mcp", "title": "CRM", "startup": false, "chatMenu": false, "serverInstructions": "Be brief",
            "oauth": ["client_id": "c", "scope": "a b", "redirect_uri": "https://host.example.com/cb", "forward_audience_on_refresh": false],
            "oauth_headers": ["X-Tenant": "t"], "customUserVars": ["K": ["title": "Key", "description": "Your key"]],
            "enabled": false, "requireApproval": true, "source": ["format": "aeontel", "tier": "user", "originalName": "CRM!"],
        ])
        guard case .remote(let remote) = config.transport else { Issue.record("expected remote"); return }
        #expect(remote.typeInferred && remote.type == "streamable-http")
        #expect(remote.trusted == false, "user-tier servers get the SSRF guard")
        #expect(config.title == "CRM" && !config.startup && !config.chatMenu && !config.enabled && config.requireApproval == true)
        #expect(config.serverInstructions == .text("Be brief"))
        #expect(config.oauth?.clientID == "c" && config.oauth?.redirectURI == "https://host.example.com/cb")
        #expect(config.oauth?.forwardAudienceOnRefresh == false)
        #expect(config.oauthHeaders == ["X-Tenant": "t"])
        #expect(config.customUserVars["K"] == ServerConfig.UserVar(title: "Key", description: "Your key", sensitive: true))
        #expect(config.source.tier == .user && config.source.originalName == "CRM!")

        let stdio = try ServerConfig.parse(name: "gh", json: ["command": "bunx", "envForward": ["GITHUB_TOKEN"], "envFile": ".env", "stderr": 2])
        #expect(stdio.envForward == ["GITHUB_TOKEN"] && stdio.envFile == ".env")
        guard case .stdio(let process) = stdio.transport else { Issue.record("expected stdio"); return }
        #expect(process.stderr == .inherit)
    }

    @Test func pandoraKitEnvForwardsOnlySetHostVariablesForTrustedTiers() throws {
        setenv("MCPCLIENT_TEST_FORWARDED", "from-host", 1)
        unsetenv("MCPCLIENT_TEST_UNSET")
        defer { unsetenv("MCPCLIENT_TEST_FORWARDED") }
        let loaded = ConfigLoader.load(text: #"{"mcpServers": {"gh": {"command": "bunx", "env": ["MCPCLIENT_TEST_FORWARDED", "MCPCLIENT_TEST_UNSET"]}}}"#)
        let server = try #require(loaded.servers["gh"])
        #expect(server["envForward"] == ["MCPCLIENT_TEST_FORWARDED", "MCPCLIENT_TEST_UNSET"])
        // Forwarding happens when the connection's config is resolved, against the resolver's environment and
        // denylist (MCPCLIENT_* is reserved, so the host's value must not be copied).
        var context = ResolutionContext()
        context.environment = EnvironmentSource(variables: EnvironmentSource.process())
        let admin = try ConfigResolver.resolve(server: try #require(server.objectValue), context: context)
        #expect(admin.server["env"] == .object([:]))
        context.environment = EnvironmentSource(variables: ["MCPCLIENT_TEST_FORWARDED": "x", "FORWARDED": "from-host"])
        var renamed = try #require(server.objectValue)
        renamed["envForward"] = ["FORWARDED", "UNSET"]
        #expect(try ConfigResolver.resolve(server: renamed, context: context).server["env"] == ["FORWARDED": "from-host"])
        renamed["source"] = ["format": "pandorakit", "tier": "plugin"]
        let sandboxed = try ConfigResolver.resolve(server: renamed, context: context)
        #expect(sandboxed.server["env"] == nil)
    }

    @Test func tierOptionOverridesTheDefaultAndTrustFollowsIt() throws {
        let text = #"{"mcpServers": {"r": {"url": "https://r.example.com/mcp"}}}"#
        let user = ConfigLoader.load(text: text, options: ConfigLoadOptions(tier: .user))
        #expect(user.servers["r"]?["source"]?["tier"] == "user")
        let config = try ServerConfig.parse(name: "r", json: try #require(user.servers["r"]))
        guard case .remote(let remote) = config.transport else { Issue.record("expected remote"); return }
        #expect(!remote.trusted)
    }

    @Test func jsonDiagnosticsCarryLineAndColumn() {
        let result = ConfigLoader.load(text: "{\n  \"mcpServers\": {\n    \"a\": {\"command\": \"x\", \"args\": [1]}\n  }\n}")
        #expect(result.diagnostics.count == 1)
        #expect(result.diagnostics.first?.path == "mcpServers.a.args[0]")
        #expect(result.diagnostics.first?.line == 3)
        #expect(result.diagnostics.first?.column == 36)
    }

    @Test func aByteOrderMarkIsSkipped() {
        let json = ConfigLoader.load(text: "\u{FEFF}{\"mcpServers\": {\"a\": {\"command\": \"x\", \"args\": [1]}}}")
        #expect(json.format == .claude)
        #expect(json.diagnostics.map { "\($0.path) \($0.line ?? 0):\($0.column ?? 0)" } == ["mcpServers.a.args[0] 1:48"])
        let yaml = ConfigLoader.load(text: "\u{FEFF}mcpServers:\n  a:\n    command: x\n    args: []\n")
        #expect(yaml.format == .librechat && !yaml.hasErrors)
    }

    @Test func duplicateServersAndOversizedTextsAreRefused() {
        let json = ConfigLoader.load(text: #"{"mcpServers": {"a": {"command": "x"}, "a": {"command": "y"}}}"#)
        #expect(json.hasErrors)
        let yaml = ConfigLoader.load(text: "mcpServers:\n  a:\n    command: x\n  a:\n    command: y\n")
        #expect(yaml.hasErrors)
        let huge = ConfigLoader.load(text: "{" + String(repeating: " ", count: ConfigLoader.maxTextBytes) + "}")
        #expect(huge.diagnostics.map(\.code) == ["too_large"])
    }

    @Test(arguments: [
        ("https://x.example.com/sse", true), ("https://x.example.com/sse/", true), ("https://x.example.com/sse?x=1", true),
        ("https://x.example.com/api/sse", true), ("https://x.example.com/sse&a", true), ("https://x.example.com/ssex", false),
        ("https://sse.example.com/mcp", false), ("https://x.example.com/mcp", false), ("https://x.example.com", false),
    ])
    func fastMCPSSERule(url: String, isSSE: Bool) {
        let result = ConfigLoader.load(text: #"{"mcpServers": {"a": {"url": "\#(url)"}}}"#, options: ConfigLoadOptions(format: .fastmcp))
        #expect(result.servers["a"]?["type"] == (isSSE ? "sse" : "streamable-http"))
    }
}
