import MCPClientConfig
import MCPClientCore
import Testing

/// Every located node keeps its whole path: hostile nesting and size must not turn that into gigabytes.
@Suite struct LocationBudgetTests {
    static let nested: String = String(repeating: "[", count: 200) + Array(repeating: "0", count: 300_000).joined(separator: ",")
        + String(repeating: "]", count: 200)

    @Test func jsonLocationsStopAtTheBudgetAndAnswerWithAnAncestor() throws {
        let document = try SourceDocument.parseJSON(Self.nested)
        #expect(document.locations.count <= SourceDocument.maxLocations)
        #expect(document.locations.keys.allSatisfy { $0.components.count <= SourceDocument.maxLocatedDepth })
        let deep = ConfigPath(Array(repeating: .index(0), count: 200))
        #expect(document.location(of: deep) == SourceLocation(line: 1, column: 17, offset: 16))  // its ancestor 16 levels down
    }

    @Test func yamlLocationsStopAtTheBudget() throws {
        let document = try YAMLParser.parse(Self.nested)
        #expect(document.locations.count <= SourceDocument.maxLocations)
        #expect(document.locations.keys.allSatisfy { $0.components.count <= SourceDocument.maxLocatedDepth })
    }
}

@Suite struct SyntaxErrorExcerptTests {
    /// A syntax error right after a token (a missing comma) must not quote the token's line.
    @Test func aSyntaxErrorNextToASecretQuotesNoLine() {
        let text = "{\"mcpServers\": {\"gh\": {\"url\": \"https://a.example.com/mcp\",\n  \"headers\": {\"Authorization\": \"Bearer sk-live-123\" \"X\": \"y\"}}}}"
        let result = ConfigLoader.load(text: text)
        #expect(result.hasErrors)
        #expect(!JSONWriter.string(result.json).containsLiteral("sk-live-123"))
        let plain = ConfigLoader.load(text: "{\"mcpServers\": {\"gh\": {\"url\": \"https://a.example.com/mcp\" \"timeout\": 5}}}")
        #expect(plain.diagnostics.first?.excerpt != nil)  // an ordinary line is still quoted
    }
}
