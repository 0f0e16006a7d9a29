import MCPClientCore
import MCPClientProtocol
import MCPClientTesting
import Testing

/// The tasks extension against a scripted 2026-07-28 server: tools/call becomes a task that is polled to its end.
@Suite struct TaskTests {
    /// A server whose tools/call creates task "t1" (when the client opted in) and whose tasks/get walks `states`.
    func taskServer(states: [JSONValue], requireOptIn: Bool = false) -> (InMemoryTransport, Box<JSONValue>) {
        let polls = Box<JSONValue>()
        let transport = scriptedTransport { method, message in
            let optedIn = message["params"]?["_meta"]?["io.modelcontextprotocol/clientCapabilities"]?["extensions"]?["io.modelcontextprotocol/tasks"] != nil
            switch method {
            case "server/discover": return discoverResult
            case "tools/call":
                guard optedIn else {
                    return requireOptIn
                        ? ["error": ["code": -32021, "message": "needs tasks", "data": ["requiredCapabilities": ["extensions": ["io.modelcontextprotocol/tasks": [:]]]]]]
                        : ["content": [["type": "text", "text": "direct"]]]
                }
                return ["resultType": "task", "taskId": "t1", "status": "working", "createdAt": "2026-11-21T00:00:00Z",
                        "lastUpdatedAt": "2026-11-21T00:00:00Z", "ttlMs": 60000, "pollIntervalMs": 100]
            case "tasks/get":
                polls.append(message)
                let index = min(polls.values.count - 1, states.count - 1)
                var state = states[index].objectValue ?? [:]
                state["taskId"] = "t1"
                state["resultType"] = "complete"
                return .object(state)
            case "tasks/update", "tasks/cancel": return ["resultType": "complete"]
            default: return nil
            }
        }
        return (transport, polls)
    }

    func call(_ session: ClientSession, updates: Box<JSONObject>) -> (RequestHandle, Box<Result<JSONValue, MCPError>>) {
        let result = Box<Result<JSONValue, MCPError>>()
        let handle = session.request(method: "tools/call", params: ["name": "job", "arguments": [:]], timeoutNanoseconds: 5_000_000_000,
            taskUpdate: { updates.append($0) }) { result.append($0) }
        return (handle, result)
    }

    /// Found by the jsonrpc fuzzer (LeakSanitizer): a finished task call kept its cancel hook, which holds the call and
    /// so the handle, and through the handle the RPCSession and its transport, for good.
    @Test func aFinishedTaskCallReleasesItsSession() throws {
        weak var weakTransport: InMemoryTransport?
        weak var weakRPC: RPCSession?
        do {
            let scheduler = ManualScheduler()
            let (transport, _) = taskServer(states: [["status": "completed", "result": ["content": []]]])
            let (session, _) = connect(transport, scheduler: scheduler, options: ClientOptions(tasks: .always))
            let (_, result) = call(session, updates: Box<JSONObject>())
            scheduler.advance(byNanoseconds: 1_000_000_000)
            #expect(try result.values.first?.get()["content"] == [])
            weakTransport = transport
            weakRPC = session.rpc
            session.close {}
        }
        #expect(weakTransport == nil)
        #expect(weakRPC == nil)
    }

    @Test func aTaskIsPolledAtItsIntervalUntilItCompletes() throws {
        let scheduler = ManualScheduler()
        let (transport, polls) = taskServer(states: [["status": "working", "pollIntervalMs": 200], ["status": "completed", "result": ["content": [["type": "text", "text": "done"]]]]])
        let (session, _) = connect(transport, scheduler: scheduler, options: ClientOptions(tasks: .always))
        let updates = Box<JSONObject>()
        let (_, result) = call(session, updates: updates)
        #expect(updates.values.first?["taskId"] == "t1" && updates.values.first?["status"] == "working")
        scheduler.advance(byNanoseconds: 99_000_000)
        #expect(polls.values.isEmpty)  // pollIntervalMs is honoured
        scheduler.advance(byNanoseconds: 1_000_000)
        #expect(polls.values.count == 1)
        #expect(polls.values.first?["params"]?["taskId"] == "t1")
        scheduler.advance(byNanoseconds: 200_000_000)
        #expect(polls.values.count == 2)
        #expect(try result.values.first?.get()["content"]?.arrayValue?.first?["text"] == "done")
        #expect(updates.values.map { $0["status"] } == ["working", "completed"])
        #expect(transport.sent.first { $0["method"] == "tools/call" }?["params"]?["_meta"]?["io.modelcontextprotocol/clientCapabilities"]?["extensions"] != nil)
    }

    /// The cancel hook a task installs holds the call, which holds the handle: a finished handle must let go of it.
    @Test func aFinishedTaskCallIsFreed() throws {
        let scheduler = ManualScheduler()
        let (transport, _) = taskServer(states: [["status": "completed", "result": ["content": []]]])
        let (session, _) = connect(transport, scheduler: scheduler, options: ClientOptions(tasks: .always))
        weak var weakHandle: RequestHandle?
        let result: Box<Result<JSONValue, MCPError>>
        do {
            let (handle, box) = call(session, updates: Box<JSONObject>())
            (weakHandle, result) = (handle, box)
            scheduler.advance(byNanoseconds: 100_000_000)
        }
        #expect(result.values.count == 1)
        #expect(weakHandle == nil)
    }

    @Test func inputRequestsAreAnsweredOnceWithTasksUpdate() throws {
        let scheduler = ManualScheduler()
        let ask: JSONValue = ["name": ["method": "elicitation/create", "params": ["message": "name?"]]]
        let (transport, _) = taskServer(states: [
            ["status": "input_required", "inputRequests": ask], ["status": "input_required", "inputRequests": ask],
            ["status": "completed", "result": ["content": []]],
        ])
        let (session, _) = connect(transport, scheduler: scheduler, options: ClientOptions(tasks: .always))
        let asked = Box<JSONObject>()
        session.setInputHandler { requests, completion in
            asked.append(requests)
            completion(.success(["name": ["action": "accept", "content": ["name": "Ada"]]]))
        }
        let (_, result) = call(session, updates: Box())
        for _ in 0..<5 { scheduler.advance(byNanoseconds: 100_000_000) }
        #expect(asked.values.count == 1)  // the repeated key is not asked again
        let updates = transport.sent.filter { $0["method"] == "tasks/update" }
        #expect(updates.count == 1)
        #expect(updates.first?["params"]?["inputResponses"]?["name"]?["content"]?["name"] == "Ada")
        #expect(try result.values.first?.get()["content"] == [])
    }

    @Test func failedAndCancelledTasksEndTheCall() {
        for (state, code) in [(["status": "failed", "error": ["code": -32603, "message": "boom"]] as JSONValue, MCPError.Code.protocolError),
                              (["status": "cancelled"], .cancelled)] {
            let scheduler = ManualScheduler()
            let (transport, _) = taskServer(states: [state])
            let (session, _) = connect(transport, scheduler: scheduler, options: ClientOptions(tasks: .always))
            let (_, result) = call(session, updates: Box())
            scheduler.advance(byNanoseconds: 100_000_000)
            guard case .failure(let error) = result.values.first else { Issue.record("expected failure for \(state)"); continue }
            #expect(error.code == code)
        }
    }

    @Test func cancellingTheCallCancelsTheTask() {
        let scheduler = ManualScheduler()
        let (transport, _) = taskServer(states: [["status": "working"]])
        let (session, _) = connect(transport, scheduler: scheduler, options: ClientOptions(tasks: .always))
        let (handle, result) = call(session, updates: Box())
        handle.cancel(MCPError(.cancelled, "host"))
        guard case .failure(let error) = result.values.first else { Issue.record("expected cancellation"); return }
        #expect(error.code == .cancelled)
        #expect(transport.sent.filter { $0["method"] == "tasks/cancel" }.first?["params"]?["taskId"] == "t1")
        #expect(!transport.sent.contains { $0["method"] == "notifications/cancelled" })
        scheduler.advance(byNanoseconds: 1_000_000_000)
        #expect(!transport.sent.contains { $0["method"] == "tasks/get" })  // no polling after the end
    }

    @Test func missingCapabilityIsResentWithTheOptInWhenTheHostAllowsTasks() throws {
        let scheduler = ManualScheduler()
        let (transport, _) = taskServer(states: [["status": "completed", "result": ["content": []]]], requireOptIn: true)
        let (session, _) = connect(transport, scheduler: scheduler, options: ClientOptions(tasks: .whenRequired))
        let (_, result) = call(session, updates: Box())
        scheduler.advance(byNanoseconds: 100_000_000)
        #expect(try result.values.first?.get()["content"] == [])
        #expect(transport.sent.filter { $0["method"] == "tools/call" }.count == 2)

        let (offTransport, _) = taskServer(states: [], requireOptIn: true)
        let (offSession, _) = connect(offTransport, scheduler: ManualScheduler(), options: ClientOptions(tasks: .off))
        let (_, refused) = call(offSession, updates: Box())
        guard case .failure(let error) = refused.values.first else { Issue.record("expected -32021"); return }
        #expect(error.rpcCode == -32021)
    }

    @Test func aTaskResultWithoutOptInIsInvalid() {
        let transport = scriptedTransport { method, _ in
            method == "server/discover" ? discoverResult : ["resultType": "task", "taskId": "x", "status": "working"]
        }
        let (session, _) = connect(transport)
        let (_, result) = call(session, updates: Box())
        guard case .failure(let error) = result.values.first else { Issue.record("expected failure"); return }
        #expect(error.code == .protocolError)
    }

    @Test func aPersistedTaskCanBeResumed() throws {
        let scheduler = ManualScheduler()
        let (transport, polls) = taskServer(states: [["status": "completed", "result": ["content": [["type": "text", "text": "later"]]]]])
        let (session, _) = connect(transport, scheduler: scheduler, options: ClientOptions(tasks: .always))
        let result = Box<Result<JSONValue, MCPError>>()
        session.resumeTask("t1", timeoutNanoseconds: nil, maxTotalNanoseconds: nil, taskUpdate: nil) { result.append($0) }
        #expect(polls.values.count == 1)
        #expect(try result.values.first?.get()["content"]?.arrayValue?.first?["text"] == "later")
    }
}

@Suite struct HeaderMismatchTests {
    @Test func aHeaderMismatchRefreshesToolsAndRetriesOnce() throws {
        let calls = Box<Int64>()
        let lists = Box<Int>()
        let transport = scriptedTransport { method, message in
            switch method {
            case "server/discover": return discoverResult
            case "tools/list": lists.append(1); return ["tools": [["name": "t", "inputSchema": ["type": "object"]]]]
            case "tools/call":
                calls.append(message["id"]?.int64Value ?? 0)
                return calls.values.count == 1 ? ["error": ["code": -32020, "message": "header mismatch"]] : ["content": []]
            default: return nil
            }
        }
        let (session, _) = connect(transport)
        let result = Box<Result<JSONValue, MCPError>>()
        session.callTool(name: "t", arguments: [:], timeoutNanoseconds: nil, progress: nil) { result.append($0) }
        #expect(try result.values.first?.get()["content"] == [])
        #expect(lists.values.count == 1 && calls.values.count == 2 && calls.values[0] != calls.values[1])

        // A second mismatch is final.
        let stubborn = scriptedTransport { method, _ in
            method == "server/discover" ? discoverResult : method == "tools/list" ? ["tools": []] : ["error": ["code": -32020, "message": "no"]]
        }
        let (again, _) = connect(stubborn)
        let failed = Box<Result<JSONValue, MCPError>>()
        again.callTool(name: "t", arguments: [:], timeoutNanoseconds: nil, progress: nil) { failed.append($0) }
        guard case .failure(let error) = failed.values.first else { Issue.record("expected -32020"); return }
        #expect(error.rpcCode == -32020)
        #expect(stubborn.sent.filter { $0["method"] == "tools/call" }.count == 2)
    }
}
