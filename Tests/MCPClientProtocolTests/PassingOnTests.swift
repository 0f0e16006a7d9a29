import MCPClientCore
import MCPClientProtocol
import MCPClientTesting
import Testing

/// `request(passesOn:)`: only the request its caller made that way may come back shallow
/// (`OutgoingRequest.resultMayStayShallow`), never another request made on the same thread during that blocking call.
@Suite struct PassingOnTests {
    /// A tool call to "ask" needs one round of input first; any other tool answers at once.
    func server() -> InMemoryTransport {
        scriptedTransport { method, message in
            if method == "server/discover" { return discoverResult }
            guard method == "tools/call" else { return nil }
            if message["params"]?["name"] == "ask", message["params"]?["requestState"] == nil {
                return ["resultType": "input_required", "inputRequests": ["q": ["method": "elicitation/create", "params": ["message": "?"]]],
                        "requestState": "s1"]
            }
            return ["content": [["type": "text", "text": message["params"]?["name"] ?? "?"]], "resultType": "complete"]
        }
    }

    @Test func anotherRequestOnTheSameThreadNeverHasTheBlockingCallsPermission() throws {
        let transport = server()
        let (session, connected) = connect(transport)
        _ = try #require(try connected?.get())
        let results = Box<Result<JSONValue, MCPError>>()
        // The host's input callback runs on this thread in the middle of the blocking call and makes a call of its own.
        session.setInputHandler { _, completion in
            session.request(method: "tools/call", params: ["name": "from-callback"], makingTaskUpdate: { nil }) { results.append($0) }
            completion(.success(["q": ["action": "accept", "content": [:]]]))
        }
        let call = BlockingCall(started: 0, timeout: 60_000_000_000, hardLimit: 60_000_000_000)
        BlockingCall.run(call) {
            session.request(method: "tools/call", params: ["name": "before"], makingTaskUpdate: { nil }) { results.append($0) }
            session.request(method: "tools/call", params: ["name": "ask"], passesOn: true, makingTaskUpdate: { nil }) { results.append($0) }
            session.request(method: "tools/call", params: ["name": "after"], makingTaskUpdate: { nil }) { results.append($0) }
            // Not a tool call: nothing to pass on even when asked.
            session.request(method: "prompts/get", params: ["name": "p"], passesOn: true, makingTaskUpdate: { nil }) { _ in }
        }
        let sent = transport.sentRequests.filter { $0.method != "server/discover" }
        #expect(sent.map { $0.params?["name"]?.stringValue ?? "" } == ["before", "ask", "from-callback", "ask", "after", "p"])
        // Both rounds of the passing-on call carry its permission; nothing else does, whichever asked first.
        #expect(sent.map(\.resultMayStayShallow) == [false, true, false, true, false, false])
        #expect(results.values.count == 4)
    }
}
