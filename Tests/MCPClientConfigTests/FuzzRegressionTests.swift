import MCPClientConfig
import MCPClientCore
import Testing

/// Inputs the config fuzzer (fuzz/config) found, kept as cases.
@Suite struct ConfigFuzzRegressionTests {
    /// A normalized config with an unknown key inside `source` loaded without errors, keeping the key, and the
    /// server it produced was then refused by ServerConfig.parse (strict): the key is now dropped with a warning.
    @Test func anUnknownSourceKeyIsDroppedSoTheLoadedServerParses() throws {
        let text = #"{"mcpclient":{"version":1},"mcpServers":{"a":{"type":"stdio","command":"x","args":["y"],"source":{"formet":"claude"}}}}"#
        let result = ConfigLoader.load(text: text)
        #expect(!result.hasErrors, "\(result.diagnostics.map(\.message))")
        let warning = try #require(result.diagnostics.first)
        #expect(warning.severity == .warning && warning.code == "unknown_key" && warning.path == "mcpServers.a.source.formet")
        #expect(warning.suggestion == "format")
        let server = try #require(result.servers["a"])
        #expect(server["source"]?["formet"] == nil)
        #expect(server["source"]?["format"] == "normalized")
        let config = try ServerConfig.parse(name: "a", json: server)
        #expect(config.normalized == server.objectValue)
        // Strict loading still refuses it.
        #expect(ConfigLoader.load(text: text, options: ConfigLoadOptions(strict: true)).hasErrors)
    }
}

@Suite struct ConfigExportFuzzRegressionTests {
    /// A LibreChat header holding `${input:token}` (VS Code syntax, which LibreChat does not check) loaded cleanly,
    /// but its export failed to load: the normalized reader asked for an `inputs` declaration LibreChat never has.
    @Test func anExportedServerFromAFormatWithoutInputsLoadsBack() throws {
        let text = """
        mcpServers:
          everything:
            url: http://localhost:3001/sse
            headers:
              X-User-ID: "{{LIB${input:token}}}"
        """
        let original = ConfigLoader.load(text: text)
        #expect(!original.hasErrors, "\(original.diagnostics.map(\.message))")
        guard case .object(let registry) = original.json else { Issue.record("not an object"); return }
        let exported = try ConfigExporter.export(registry: registry, options: .init(includeSecrets: true))
        let reloaded = ConfigLoader.load(text: exported)
        #expect(!reloaded.hasErrors, "\(reloaded.diagnostics.map(\.message))")
        #expect(reloaded.servers == original.servers)
    }

    @Test func aNormalizedVSCodeServerStillNeedsItsInputDeclared() {
        let undeclared = #"{"mcpclient":{"version":1},"mcpServers":{"a":{"type":"http","url":"https://a.example.com","headers":{"K":"${input:key}"},"source":{"format":"vscode","tier":"operator"}}}}"#
        #expect(ConfigLoader.load(text: undeclared).diagnostics.map(\.code) == ["undeclared_input"])
        let bare = #"{"mcpclient":{"version":1},"mcpServers":{"a":{"type":"http","url":"https://a.example.com","headers":{"K":"${input:key}"}}}}"#
        #expect(ConfigLoader.load(text: bare).diagnostics.map(\.code) == ["undeclared_input"])
    }
}

@Suite struct PlaceholderURLFuzzRegressionTests {
    /// `${https://…` is no reference (no closing brace), so it stays literal and is no URL; the loader skipped the
    /// URL check for anything starting with "${" and accepted a server that ServerConfig.parse then refused.
    @Test func onlyARealReferenceAtTheStartSkipsTheURLCheck() throws {
        let broken = ConfigLoader.load(text: #"{"mcpServers":{"s":{"url":"${https://example.com/oauth-mcp","requiresOAuth":true}}}"#)
        #expect(broken.diagnostics.map(\.code).contains("invalid_url"), "\(broken.diagnostics.map(\.code))")
        for url in ["${BASE_URL}/mcp", "${env:BASE}/mcp", "{{MCP_BASE}}/x"] {
            let result = ConfigLoader.load(text: #"{"mcpServers":{"s":{"url":"\#(url)","requiresOAuth":true}}}"#)
            #expect(!result.hasErrors, "\(url): \(result.diagnostics.map(\.message))")
        }
    }

    /// Found by CI-like 10 s runs (2026-11-22): such a server loads, and ServerConfig.parse refuses it before
    /// substitution on purpose (a reference left unresolved must fail add_server); the fuzz target now compares the
    /// two only for URLs that need no substitution.
    @Test func aURLStartingWithAReferenceLoadsAndIsCheckedOnceResolved() throws {
        for url in ["${userHome}${https://example.com/oauth-mcp", "${BASE_URL}/mcp"] {
            let result = ConfigLoader.load(text: #"{"mcpServers":{"oauth-server":{"url":"\#(url)","requiresOAuth":true}}}"#)
            #expect(!result.hasErrors, "\(url): \(result.diagnostics.map(\.message))")
            let server = try #require(result.servers["oauth-server"])
            #expect(throws: MCPError.self) { try ServerConfig.parse(name: "oauth-server", json: server) }
        }
    }
}

@Suite struct WholeNumberFuzzRegressionTests {
    /// `initTimeout: 10.00` (YAML) or `"sseReadTimeout": 600.0` (JSON) stayed doubles in the result, which is written
    /// `10` and read back as the integer 10: the result JSON did not read back as itself. Found by CI-like runs.
    @Test func wholeNumberTimeoutsAreIntegersInTheResult() throws {
        let yaml = ConfigLoader.load(text: "mcpServers:\n  p:\n    command: npx\n    initTimeout: 10.00\n    timeout: 2.5e3\n")
        let json = ConfigLoader.load(text: #"{"mcpServers":{"g":{"url":"https://example.com/mcp","sseReadTimeout":600.0}}}"#)
        for result in [yaml, json] {
            #expect(!result.hasErrors, "\(result.diagnostics.map(\.message))")
            #expect(try JSONParser.parse(JSONWriter.serialize(result.json)) == result.json)
        }
        #expect(yaml.servers["p"]?["initTimeout"] == .int(10) && yaml.servers["p"]?["timeout"] == .int(2500))
        // Anywhere in the result, a misspelled key's value included.
        let unknown = ConfigLoader.load(text: "mcpServers:\n  p:\n    command: npx\n    iNitTimeout: 10.00\n    ratio: 0.5\n")
        #expect(try JSONParser.parse(JSONWriter.serialize(unknown.json)) == unknown.json)
        #expect(json.servers["g"]?["sseReadTimeout"] == .int(600))
        // A fraction is still refused: these are whole milliseconds.
        #expect(ConfigLoader.load(text: "mcpServers:\n  p:\n    command: npx\n    initTimeout: 10.5\n").hasErrors)
    }
}

@Suite struct MergePatchFuzzRegressionTests {
    /// A PandoraKit patch deleting an unknown key (`"typo": null`) left `"unknown": {}` in the merged server, which
    /// ServerConfig.parse reads back without it: the loaded server was not its own normalized form.
    @Test func aPatchThatEmptiesTheUnknownBagDropsIt() throws {
        let registry = ConfigLoader.load(text: "mcpServers:\n  git:\n    command: uvx\n    args: [mcp-server-git]\n").servers
        var options = ConfigLoadOptions(format: .pandorakit)
        options.registry = registry
        let result = ConfigLoader.load(text: #"{"mcpServers":{"git":{"args":["x","/srv"],"typo":null}}}"#, options: options)
        #expect(!result.hasErrors, "\(result.diagnostics.map(\.message))")
        let server = try #require(result.servers["git"])
        #expect(server["unknown"] == nil)
        #expect(server["args"] == ["x", "/srv"])
        #expect(try ServerConfig.parse(name: "git", json: server).normalized == server.objectValue)
    }
}

@Suite struct NestedUnknownKeyFuzzRegressionTests {
    /// An unknown key inside a customUserVars entry (or obo) stayed in place with a warning, and ServerConfig.parse
    /// (strict) then refused the loaded server; like the oauth block's, it now moves to `unknown`.
    @Test func unknownKeysInCustomUserVarsAndOboMoveToTheUnknownBag() throws {
        let text = """
        mcpServers:
          jira:
            type: streamable-http
            url: https://jira.example.com/mcp
            headers: {Authorization: "Basic {{JIRA_EMAIL}}"}
            customUserVars:
              JIRA_EMAIL: {title: "Jira e-mail", description: "Your login", sewsnsitive: false}
            obo: {scopes: "read", audience: x}
        """
        let result = ConfigLoader.load(text: text)
        #expect(!result.hasErrors, "\(result.diagnostics.map(\.message))")
        #expect(result.diagnostics.map(\.path) == ["mcpServers.jira.customUserVars.JIRA_EMAIL.sewsnsitive", "mcpServers.jira.obo.audience"])
        #expect(result.diagnostics.first?.suggestion == "sensitive")
        let server = try #require(result.servers["jira"])
        #expect(server["customUserVars"]?["JIRA_EMAIL"] == ["title": "Jira e-mail", "description": "Your login"])
        #expect(server["obo"] == ["scopes": "read"])
        #expect(server["unknown"] == ["customUserVars.JIRA_EMAIL.sewsnsitive": false, "obo.audience": "x"])
        #expect(try ServerConfig.parse(name: "jira", json: server).normalized == server.objectValue)
    }
}
