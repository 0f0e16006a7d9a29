import MCPClientCore
import MCPClientManager
import Testing

@Suite struct ToolNamingTests {
    @Test func serverNamesNormalizeAsLibreChatDoes() {
        #expect(ToolNaming.normalizeServerName("github-mcp.v2") == "github-mcp.v2")
        #expect(ToolNaming.normalizeServerName("my server!") == "my_server")
        #expect(ToolNaming.normalizeServerName("__edge__") == "edge")
        #expect(ToolNaming.normalizeServerName("a  b") == "a__b")
        // Empty after trimming: LibreChat's 31-hash over UTF-16 units (values computed with Python's int32 arithmetic).
        #expect(ToolNaming.normalizeServerName("日本") == "server_835047")
        #expect(ToolNaming.normalizeServerName("😀") == "server_1772899")
        #expect(ToolNaming.normalizeServerName("ßßßßßßßßßßßß") == "server_1970839360")
        #expect(ToolNaming.normalizeServerName("***") == "server_41706")
        // A surrogate pair is two UTF-16 units, so two underscores, as the JavaScript regex replaces them.
        #expect(ToolNaming.normalizeServerName("a😀b") == "a__b")
    }

    @Test func stylesAndDelimiters() {
        let lc = ToolNamingOptions()
        #expect(ToolNaming.modelName(server: "github", tool: "create_issue", options: lc).name == "create_issue_mcp_github")
        let pandora = ToolNamingOptions(style: .serverTool)
        #expect(pandora.delimiter == "_")
        #expect(ToolNaming.modelName(server: "github", tool: "create_issue", options: pandora).name == "github_create_issue")
        let custom = ToolNamingOptions(style: .serverTool, delimiter: "__")
        #expect(ToolNaming.modelName(server: "github", tool: "list", options: custom).name == "github__list")
    }

    @Test func charsetReplacesWhatItDoesNotAllow() {
        let openai = ToolNamingOptions()
        #expect(ToolNaming.modelName(server: "my.server", tool: "get.time", options: openai).name == "get_time_mcp_my_server")
        let mcp = ToolNamingOptions(style: .toolMCPServer, charset: .mcp)
        #expect(ToolNaming.modelName(server: "my.server", tool: "get.time", options: mcp).name == "get.time_mcp_my.server")
        #expect(ToolNaming.modelName(server: "s", tool: "wörk ok", options: openai).name == "w_rk_ok_mcp_s")
    }

    @Test func longNamesAreShortenedWithThePairHash() {
        let options = ToolNamingOptions()
        let server = String(repeating: "s", count: 60)
        let tool = "a_rather_long_tool_name_that_goes_on_and_on"
        let (name, shortened) = ToolNaming.modelName(server: server, tool: tool, options: options)
        #expect(shortened)
        #expect(name.utf8.count == 64)
        #expect(name.hasSuffix("_" + ToolNaming.pairHash(server: server, tool: tool)))
        #expect(name.containsLiteral("_mcp_"))
        #expect(name.hasPrefix("a_rather"))
        // Deterministic, and two tools sharing a long prefix still differ.
        #expect(ToolNaming.modelName(server: server, tool: tool, options: options).name == name)
        let sibling = ToolNaming.modelName(server: server, tool: tool + "_2", options: options).name
        #expect(sibling != name && sibling.utf8.count == 64)
        // The hash is SHA-256 of "server\0tool" (checked with Python's hashlib).
        #expect(ToolNaming.pairHash(server: "github", tool: "create_issue") == "5b9912e6")
        // No limit: nothing is cut.
        var unlimited = options
        unlimited.maxLength = 0
        #expect(ToolNaming.modelName(server: server, tool: tool, options: unlimited) == (tool + "_mcp_" + server, false))
        // A short tool keeps its whole name; the server gives way.
        let short = ToolNaming.modelName(server: server, tool: "echo", options: options).name
        #expect(short.hasPrefix("echo_mcp_ssss") && short.utf8.count == 64)
        // Every shortened name matches the OpenAI rule.
        #expect(name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" })
    }

    @Test func tableMapsBackWithoutParsing() {
        let server = String(repeating: "x", count: 64)
        let pairs: [(server: String, tool: String)] = [
            ("alpha", "echo"), ("alpha", "weird_mcp_name"), ("beta_mcp_x", "echo"), (server, String(repeating: "t", count: 100)),
        ]
        let table = ToolNameTable(pairs: pairs, options: ToolNamingOptions())
        #expect(table.entries.count == 4)
        #expect(table.collisions.isEmpty)
        for entry in table.entries {
            #expect(entry.modelName.utf8.count <= 64)
            let back = table.resolve(entry.modelName)
            #expect(back?.server == entry.server && back?.tool == entry.tool)
        }
        #expect(table.resolve("weird_mcp_name_mcp_alpha")?.tool == "weird_mcp_name")
        #expect(table.resolve("echo_mcp_beta_mcp_x")?.server == "beta_mcp_x")
        #expect(table.resolve("nothing") == nil)
    }

    @Test func collisionsAreReportedNotShadowed() {
        // "a.b" and "a_b" both become "echo_mcp_a_b" under the OpenAI charset; servers come in name order.
        let table = ToolNameTable(pairs: [("a.b", "echo"), ("a_b", "echo"), ("a_b", "echo")], options: ToolNamingOptions())
        #expect(table.entries.count == 2)
        #expect(table.resolve("echo_mcp_a_b")?.server == "a.b")
        let renamed = table.entries[1]
        #expect(renamed.renamed && renamed.server == "a_b")
        #expect(renamed.modelName == "echo_mcp_a_b_" + ToolNaming.pairHash(server: "a_b", tool: "echo"))
        #expect(table.resolve(renamed.modelName)?.server == "a_b")
        #expect(table.collisions.count == 1)
        let collision = table.collisions[0]
        #expect(collision.modelName == "echo_mcp_a_b")
        #expect(collision.winner == ("a.b", "echo"))
        #expect(collision.renamed.map(\.server) == ["a_b"])
        #expect(collision.dropped.map(\.reason) == ["duplicate_tool"])
        let json = collision.json
        #expect(json["winner"]?["server"] == "a.b")
        #expect(json["renamed"]?.arrayValue?.first?["modelName"] == .string(renamed.modelName))
    }

    @Test func optionsAreValidated() throws {
        let parsed = try ToolNamingOptions.parse(["style": "server_tool", "maxLength": 0])
        #expect(parsed.style == .serverTool && parsed.delimiter == "_" && parsed.maxLength == 0)
        let custom = try ToolNamingOptions.parse(["delimiter": "__x__", "charset": "mcp"])
        #expect(custom.delimiter == "__x__" && custom.charset == .mcp)
        for bad: JSONObject in [
            ["style": "tool-server"], ["delimiter": ".x"], ["delimiter": ""], ["maxLength": 10], ["maxLength": -1], ["charset": "ascii"],
            ["delimiter": .string(String(repeating: "_", count: 17))],
        ] {
            #expect(throws: MCPError.self) { try ToolNamingOptions.parse(bad) }
        }
        // A dot is fine once the charset allows it.
        #expect(try ToolNamingOptions.parse(["delimiter": ".", "charset": "mcp"]).delimiter == ".")
    }
}
