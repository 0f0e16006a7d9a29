import MCPClientCore
import MCPClientManager
import MCPClientProtocol
import MCPClientTesting
import MCPClientTransport
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

    /// The permission belongs to the request the blocking call made (`ClientSession.request(passesOn:)`), not to the
    /// call or the thread: tool calls a host callback makes on the same thread during that call (their exchanges run
    /// right here too), before or after the call's own, get whole results, and the own shallow one stays the call's.
    @Test func otherRequestsOnTheCallsThreadAreReadWhole() throws {
        let server = try ServeHTTPFixture(python: Fixtures.modernPython, era: "modern", mode: "json")
        let loop = try EventLoop()
        defer { loop.shutdown() }
        let engine = try HTTPEngine(loop: loop)
        defer { engine.close() }
        let transport = StreamableHTTPTransport(options: .init(url: server.url), engine: engine)
        let session = ClientSession(rpc: RPCSession(transport: transport, scheduler: loop), options: ClientOptions())
        let connected = Waiter<Result<ServerDescription, MCPError>>()
        session.connect(knownEra: nil, timeoutNanoseconds: 20_000_000_000) { connected.resolve($0) }
        _ = try #require(connected.wait(timeoutNanoseconds: 30_000_000_000)).get()
        defer {
            let closed = Waiter<Bool>()
            session.close { closed.resolve(true) }
            _ = closed.wait(timeoutNanoseconds: 10_000_000_000)
        }

        let results = Locked<[String: Result<JSONValue, MCPError>]>([:])
        func call(_ text: String, passesOn: Bool = false) {
            session.request(method: "tools/call", params: ["name": "echo", "arguments": ["text": .string(text)]], passesOn: passesOn,
                makingTaskUpdate: { nil }) { result in results.withLock { $0[text] = result } }
        }
        let now = SystemClock().nowNanoseconds()
        let blocking = BlockingCall(started: now, timeout: 20_000_000_000, hardLimit: now + 20_000_000_000)
        BlockingCall.run(blocking) {
            call("before")
            call("own", passesOn: true)
            call("after")
        }
        let answered = results.withLock { $0 }
        for text in ["before", "after"] {
            let result = try #require(answered[text]).get()
            #expect(result["content"] == [["type": "text", "text": .string(text)]], "\(text)")
        }
        let own = try #require(answered["own"]).get()
        #expect(own["content"] == .null)  // read shallow: checked, not built
        let passThrough = try #require(blocking.passThrough)
        #expect(passThrough.isShallow && passThrough.isSame(as: own))  // not replaced by the later request's whole one
        var writer = JSONWriter()
        writer.copying(passThrough)
        writer.write(own)
        let copied = writer.copiedPassThrough, written = writer.bytes
        #expect(copied)
        #expect(try JSONParser.parse(written)["content"]?.arrayValue?.first?["text"] == "own")
    }
}
