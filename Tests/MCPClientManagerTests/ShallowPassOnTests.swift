import MCPClientCore
import MCPClientManager
import MCPClientTesting
import Testing

/// A tool result that `mcp_manager_call_tool` only writes out is read shallow over HTTP
/// (`callToolBlocking(passesOn: true)`): observed here through the pass-through the call leaves for the C boundary,
/// against the real mcp 2.3.0 server, and compared byte for byte with what the full read writes.
@Suite(.serialized, .enabled(if: Fixtures.available, "run scripts/setup-test-env to create the Python fixtures"))
struct ShallowPassOnTests {
    @Test func passedOnResultsAreReadShallowAndGoOutAsTheFullReadWrites() throws {
        let server = try ServeHTTPFixture(python: Fixtures.modernPython, era: "modern", mode: "json")
        let manager = try Manager(options: ManagerOptions())
        defer { manager.close() }
        try manager.addServer(name: "h", config: ["type": "streamable-http", "url": .string(server.url)])
        let calls: [(tool: String, arguments: JSONValue, shallow: Bool)] = [
            ("echo", ["text": "compact"], true),  // content array: nested, no escape, no decimal
            ("echo", ["text": "line one\nline \"two\"\tback\\slash esc\u{1b}"], true),  // escapes the writer spells alike
            // structuredContent with a decimal (21.5), content text with \n escapes; no output schema known yet
            ("weather", ["city": "Oslo"], true),
            // The server escapes non-ASCII (\u00e9), which the writer writes as UTF-8: read whole, nothing to copy.
            ("echo", ["text": "caf\u{e9} \u{1F600}"], false),
        ]
        for (tool, arguments, shallow) in calls {
            let passedOn = try manager.callToolBlocking(server: "h", tool: tool, arguments: arguments, timeoutMs: 20_000, passesOn: true).get()
            let passThrough = JSONPassThrough.take()
            #expect(passThrough?.isShallow == (shallow ? true : nil), "\(tool) \(arguments)")
            #expect((passedOn["result"]?["content"] == .null) == shallow)  // checked, not built
            var writer = JSONWriter()
            writer.copying(passThrough)
            writer.write(passedOn)
            let copied = writer.copiedPassThrough, written = writer.bytes
            #expect(copied == shallow)

            let whole = try manager.callToolBlocking(server: "h", tool: tool, arguments: arguments, timeoutMs: 20_000).get()
            #expect(JSONPassThrough.take()?.isShallow != true)  // without passesOn the reply is read whole
            if tool == "echo" { #expect(whole["result"]?["content"]?.arrayValue?.first?["text"] == arguments["text"]) }
            #expect(String(decoding: written, as: UTF8.self) == whole.jsonString)
        }
    }
}
