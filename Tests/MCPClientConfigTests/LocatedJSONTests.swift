import MCPClientConfig
import MCPClientCore
import Testing

@Suite struct LocatedJSONTests {
    @Test func valueMatchesTheCoreParserAndEveryNodeIsLocated() throws {
        let text = """
            {
              "mcpServers": {
                "git": {"command": "uvx", "args": ["mcp-server-git", {"x": [1, 2.5, null]}], "env": {}},
                "w\\u00e9b": {"url": "https://e.com", "headers": []}
              }
            }
            """
        let document = try SourceDocument.parseJSON(text)
        #expect(document.value == (try JSONParser.parse(text)))
        #expect(document.syntax == .json)
        func at(_ components: [PathComponent]) -> String? { document.locations[ConfigPath(components)]?.description }
        #expect(at([]) == "1:1")
        #expect(at([.key("mcpServers")]) == "2:3")
        #expect(at([.key("mcpServers"), .key("git")]) == "3:5")
        #expect(at([.key("mcpServers"), .key("git"), .key("args")]) == "3:31")
        #expect(at([.key("mcpServers"), .key("git"), .key("args"), .index(0)]) == "3:40")
        #expect(at([.key("mcpServers"), .key("git"), .key("args"), .index(1)]) == "3:58")
        #expect(at([.key("mcpServers"), .key("git"), .key("args"), .index(1), .key("x"), .index(2)]) == "3:73")
        #expect(at([.key("mcpServers"), .key("git"), .key("env")]) == "3:82")
        #expect(at([.key("mcpServers"), .key("wéb"), .key("headers")]) == "4:42")
        #expect(document.locations.count == 15)
    }

    @Test func scalarAndEmptyDocuments() throws {
        #expect(try SourceDocument.parseJSON("  42 ").locations[ConfigPath()]?.column == 3)
        #expect(try SourceDocument.parseJSON("[]").value == [])
        #expect(try SourceDocument.parseJSON("[[],{},[[1]]]").locations[ConfigPath([.index(2), .index(0), .index(0)])]?.column == 10)
    }

    @Test func duplicateKeysAreRefusedWithBothLocations() throws {
        do {
            _ = try SourceDocument.parseJSON("{\n  \"a\": 1,\n  \"b\": {\"c\": 1, \"c\": 2}\n}")
            Issue.record("expected a duplicate key error")
        } catch {
            #expect(error.code == .config)
            #expect(error.message.containsLiteral("duplicate key 'c'"))
            #expect(error.details["line"] == 3)
            #expect(error.details["column"] == 17)
            #expect(error.details["firstLine"] == 3)
            #expect(error.details["firstColumn"] == 9)
            #expect(error.details["path"] == "b")
            #expect(error.details["excerpt"] == "  \"b\": {\"c\": 1, \"c\": 2}\n                ^")
        }
        // The same key in sibling objects is fine.
        #expect(try SourceDocument.parseJSON(#"[{"a":1},{"a":2}]"#).value == [["a": 1], ["a": 2]])
    }

    @Test func syntaxErrorsCarryLineColumnAndExcerpt() throws {
        do {
            _ = try SourceDocument.parseJSON("{\n  \"a\": [1, 2,,]\n}")
            Issue.record("expected a syntax error")
        } catch {
            #expect(error.code == .config)
            #expect(error.details["line"] == 2)
            #expect(error.details["column"] == 14)
            #expect(error.details["excerpt"] == "  \"a\": [1, 2,,]\n             ^")
        }
        #expect(throws: MCPError.self) { try SourceDocument.parseJSON("{\"a\": 1} x") }
        #expect(throws: MCPError.self) { try SourceDocument.parseJSON(String(repeating: "[", count: 10_000)) }
    }
}
