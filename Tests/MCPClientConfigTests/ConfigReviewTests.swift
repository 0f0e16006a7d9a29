#if canImport(Glibc)
import Glibc
#endif
import MCPClientConfig
import MCPClientCore
import Testing

/// Regressions found reviewing the merged config code: secrets in messages, sandbox bypasses, merge-patch
/// semantics and input that took quadratic time.
@Suite struct ConfigReviewTests {
    private func text(of error: MCPError) -> String { error.message + error.json.jsonString }

    @Test func urlProblemsDoNotEchoTheValue() throws {
        // After substitution a URL or proxy holds env values, tokens and user values: a message must not repeat it.
        let servers: [JSONObject] = [
            ["url": "https://h.example.com/?k=SEKRIT value"],
            ["url": "SEKRIT-not-a-url"],
            ["url": "ftp://SEKRIT@h.example.com/"],
            ["url": "https://h.example.com", "proxy": "ftp://user:SEKRIT@proxy"],
            ["url": "https://h.example.com", "oauth": ["token_url": "ftp://as/?SEKRIT"]],
            ["url": "https://h.example.com", "oauth": ["token_url": "SEKRIT"]],
        ]
        for server in servers {
            let error = try #require(throws: MCPError.self) { try ServerConfig.parse(name: "s", json: .object(server)) }
            #expect(!text(of: error).containsLiteral("SEKRIT"), "\(text(of: error))")
        }
    }

    @Test func serverConfigParseNeverReadsTheHostEnvironment() throws {
        // envForward is the resolver's job, which applies the denylist; parse used to copy JWT_SECRET straight in.
        setenv("JWT_SECRET", "host-secret", 1)
        setenv("MCPCLIENT_REVIEW_KEY", "library-secret", 1)
        defer { unsetenv("JWT_SECRET"); unsetenv("MCPCLIENT_REVIEW_KEY") }
        let config = try ServerConfig.parse(name: "gh", json: ["command": "bunx", "envForward": ["JWT_SECRET", "MCPCLIENT_REVIEW_KEY"]])
        guard case .stdio(let stdio) = config.transport else { Issue.record("expected stdio"); return }
        #expect(stdio.env.isEmpty)

        var context = ResolutionContext()
        context.environment = EnvironmentSource(variables: EnvironmentSource.process())
        let resolved = try ConfigResolver.resolve(
            server: ["command": "bunx", "envForward": ["JWT_SECRET", "MCPCLIENT_REVIEW_KEY", "PATH"]], context: context)
        #expect(resolved.server["env"]?["JWT_SECRET"] == nil && resolved.server["env"]?["MCPCLIENT_REVIEW_KEY"] == nil)
        #expect(resolved.server["env"]?["PATH"] != nil)
    }

    @Test func userHeadersCannotReassembleAReferenceAroundAScrubbedOne() throws {
        let headers: [String] = [
            "$${x}{OPENAI_API_KEY}", "$${x}${y}{OPENAI_API_KEY}", "{{LIBRECHAT_{{LIBRECHAT_USER_ID}}USER_EMAIL}}",
            "{${a}{LIBRECHAT_OPENID_TOKEN}}", "$${input:${a}}{HOME}",
        ]
        for header in headers {
            let server: JSONObject = ["url": "https://x.example.com", "headers": ["X-A": .string(header)]]
            do {
                let prepared = try ConfigResolver.prepare(server: server, tier: .user, environment: EnvironmentSource(variables: [:]))
                let value = prepared.server["headers"]?["X-A"]?.stringValue ?? ""
                #expect(!value.containsLiteral("${") && !value.containsLiteral("{{LIBRECHAT_"), "\(header) → \(value)")
            } catch {
                #expect(error.code == .policy)
            }
        }
    }

    @Test func pandoraKitPatchKeepsFieldsItDoesNotMention() throws {
        let base = ConfigLoader.load(text: #"{"mcpServers": {"gh": {"url": "https://a.example.com/mcp", "enabled": false, "requireApproval": false}}}"#)
        #expect(base.servers["gh"]?["enabled"] == false)
        var options = ConfigLoadOptions(format: .pandorakit)
        options.registry = base.servers
        let patched = ConfigLoader.load(text: #"{"mcpServers": {"gh": {"url": "https://b.example.com/mcp"}}}"#, options: options)
        #expect(!patched.hasErrors)
        #expect(patched.servers["gh"]?["url"] == "https://b.example.com/mcp")
        #expect(patched.servers["gh"]?["enabled"] == false, "RFC 7386: a patch without 'enabled' keeps it")
        #expect(patched.servers["gh"]?["requireApproval"] == false)
        // A new server still gets PandoraKit's defaults.
        let added = ConfigLoader.load(text: #"{"mcpServers": {"new": {"url": "https://c.example.com/mcp"}}}"#, options: options)
        #expect(added.servers["new"]?["enabled"] == true && added.servers["new"]?["requireApproval"] == true)
    }

    @Test func unterminatedDotEnvQuoteFailsInLinearTime() throws {
        let text = "A=\"" + String(repeating: "x\n", count: 120_000)
        let clock = ContinuousClock()
        let start = clock.now
        #expect(throws: MCPError.self) { _ = try DotEnv.parse(text, file: "big.env") }
        #expect(clock.now - start < .seconds(3))
        // A quote closing many lines later, after an escaped quote, is still found.
        let spanning = try DotEnv.parse("A=\"one\\\"\n" + String(repeating: "l\n", count: 1000) + "end\"\nB=2", file: "x.env")
        #expect(spanning.first?.value == "one\"\n" + String(repeating: "l\n", count: 1000) + "end")
        #expect(spanning.last?.value == "2")
    }

    @Test func exportLeavesOutLiteralAuthorizationHeaders() throws {
        let loaded = ConfigLoader.load(
            text: #"{"mcpServers": {"a": {"url": "https://a.example.com/mcp", "auth": "tok-SEKRIT"}, "b": {"url": "https://b.example.com/mcp", "headers": {"Authorization": "Bearer ${TOKEN}", "X-Trace": "1"}}}}"#,
            options: ConfigLoadOptions(format: .mcpUse))
        #expect(!loaded.hasErrors)
        #expect(loaded.servers["a"]?["headers"]?["Authorization"] == "Bearer tok-SEKRIT")
        let exported = try ConfigExporter.export(registry: ["servers": .object(loaded.servers)])
        #expect(!exported.containsLiteral("SEKRIT"))
        #expect(exported.containsLiteral("Bearer ${TOKEN}"), "a template names a variable, not a secret: kept")
        let again = ConfigLoader.load(text: exported)
        #expect(again.servers["a"]?["source"]?["redacted"] == ["headers.Authorization"])
        let withSecrets = try ConfigExporter.export(registry: ["servers": .object(loaded.servers)], options: .init(includeSecrets: true))
        #expect(withSecrets.containsLiteral("tok-SEKRIT"))
    }

    @Test func hugeSingleLineConfigReportsQuickly() throws {
        var text = #"{"mcpServers": {"a": {"url": "https://a.example.com", "#
        for index in 0..<600 { text += "\"unknown\(index)\": \"\(String(repeating: "v", count: 10_000))\", " }
        text += #""title": "t"}}}"#
        let clock = ContinuousClock()
        let start = clock.now
        let result = ConfigLoader.load(text: text)
        #expect(result.diagnostics.count > 400)
        // A hang guard, not a speed test (that is the benchmarks' job): the quadratic version took minutes.
        #expect(clock.now - start < .seconds(30))
        #expect((result.diagnostics.first?.excerpt?.utf8.count ?? 0) < 1000)
    }

    @Test func aJSONSyntaxErrorDoesNotQuoteALineThatMayHoldASecret() throws {
        // Nothing on the line names a secret, but it sits under `env`; a JSON syntax error has no path to tell.
        let text = "{\"mcpServers\": {\"a\": {\"command\": \"x\", \"env\": {\n  \"DATABASE_URL\": \"postgres://u:pw-value@h\" \"B\": 1}}}}"
        let result = ConfigLoader.load(text: text)
        let syntax = try #require(result.diagnostics.first { $0.code == "parse_error" })
        #expect(syntax.line == 2 && syntax.excerpt == nil)
        #expect(!JSONValue.array(result.diagnostics.map(\.json)).jsonString.containsLiteral("pw-value"))
    }

    @Test func excerptsDoNotQuoteSecretLines() throws {
        let text = """
        {"mcpServers": {"a": {"url": "https://a.example.com",
          "oauth": {"clientSecret": "s3cr3t-value"},
          "headers": {"Bad Name": "Bearer s3cr3t-header"},
          "args": [1]}}}
        """
        let result = ConfigLoader.load(text: text)
        let misspelled = try #require(result.diagnostics.first { $0.path == "mcpServers.a.oauth.clientSecret" })
        #expect(misspelled.suggestion == "client_secret" && misspelled.line == 2 && misspelled.excerpt == nil)
        let header = try #require(result.diagnostics.first { $0.path == "mcpServers.a.headers.Bad Name" })
        #expect(header.line == 3 && header.excerpt == nil)
        #expect(!JSONValue.array(result.diagnostics.map(\.json)).jsonString.containsLiteral("s3cr3t"))
        // Other diagnostics keep their excerpt.
        #expect(result.diagnostics.first { $0.path == "mcpServers.a.args[0]" }?.excerpt?.containsLiteral("\"args\": [1]") == true)
    }

    @Test func strayOpenersAreScannedInLinearTime() throws {
        // Each `${` / `{{` used to look up to 136 characters ahead for its `}`: 2 MB took over 30 s.
        let clock = ContinuousClock()
        for opener in ["${", "{{", "${env:", "{{a"] {
            let value = String(repeating: opener, count: 400_000) + "}}"
            let start = clock.now
            _ = try? ConfigResolver.resolve(server: ["command": "x", "args": [.string(value)]], context: ResolutionContext())
            _ = ConfigResolver.classify(server: ["command": "x", "args": [.string(value)]])
            _ = try? ConfigResolver.prepare(
                server: ["url": "https://x.example.com", "headers": ["A": .string(value)]], tier: .user, environment: EnvironmentSource(variables: [:]))
            // A hang guard against the quadratic scan (over 30 s for 2 MB), loose enough for a loaded machine.
            #expect(clock.now - start < .seconds(20), "\(opener)")
        }
        // References are still found next to stray openers and braces far away.
        var context = ResolutionContext()
        context.environment = EnvironmentSource(variables: ["A": "1", "B": "2"])
        let resolved = try ConfigResolver.resolve(
            server: ["command": "x", "args": [.string("${${A}{{${B}}}" + String(repeating: "x", count: 300) + "}")]], context: context)
        #expect(resolved.server["args"]?.arrayValue?.first == .string("${1{{2}}" + String(repeating: "x", count: 300) + "}"))
    }

    @Test func aPreparedUserConfigStaysUserTierWhenResolvedWithoutATier() throws {
        // The claim in source.tier would otherwise make a later resolve (no host tier) expand ${SECRET} into a
        // header sent to the user's own server.
        let server: JSONObject = [
            "url": "https://evil.example.com/mcp", "apiKey": ["source": "admin", "authorization_type": "bearer", "key": "${SECRET}"],
            "oauth": ["client_id": "${SECRET}"], "source": ["tier": "operator", "format": "librechat"],
        ]
        let environment = EnvironmentSource(variables: ["SECRET": "host-secret"])
        let prepared = try ConfigResolver.prepare(server: server, tier: .user, environment: environment)
        #expect(prepared.server["source"]?["tier"] == "user" && prepared.server["source"]?["format"] == "librechat")
        var context = ResolutionContext()
        context.environment = environment
        let resolved = try ConfigResolver.resolve(server: prepared.server, context: context)
        #expect(!JSONValue.object(resolved.server).jsonString.containsLiteral("host-secret"))
        #expect(resolved.scope.scope == .user)
    }

    @Test func didYouMeanIgnoresHugeCandidates() throws {
        // 40 declared input ids of 100 KB and 300 references to undeclared ones: each suggestion compared the short
        // id against every huge one (edit distance 64 × 100 000 per pair).
        let ids = (0..<40).map { "\($0)" + String(repeating: "i", count: 100_000) }
        let inputs = ids.map { #"{"id": "\#($0)", "type": "promptString"}"# }.joined(separator: ",")
        let args = (0..<300).map { #""${input:missing\#($0)}""# }.joined(separator: ",")
        let text = #"{"inputs": [\#(inputs)], "servers": {"s": {"type": "stdio", "command": "x", "args": [\#(args)]}}}"#
        let clock = ContinuousClock()
        let start = clock.now
        let result = ConfigLoader.load(text: text, options: ConfigLoadOptions(format: .vscode))
        #expect(result.diagnostics.filter { $0.code == "undeclared_input" }.count == 300)
        #expect(clock.now - start < .seconds(5))
    }
}
