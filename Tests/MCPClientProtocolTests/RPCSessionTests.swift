import MCPClientCore
import MCPClientProtocol
import MCPClientTesting
import Testing

/// Collects completions so tests can assert on them.
final class Box<T: Sendable>: @unchecked Sendable {
    private let storage = Locked<[T]>([])
    func append(_ value: T) { storage.withLock { $0.append(value) } }
    var values: [T] { storage.withLock { $0 } }
}

@Suite struct RPCSessionTests {
    @Test func correlatesResponsesThatArriveOutOfOrder() throws {
        let transport = InMemoryTransport()
        let rpc = RPCSession(transport: transport, scheduler: nil)
        try rpc.start()
        let results = Box<(Int, JSONValue)>()
        rpc.request(id: 1, method: "a", params: nil) { results.append((1, try! $0.get())) }
        rpc.request(id: 2, method: "b", params: nil) { results.append((2, try! $0.get())) }
        transport.deliver(["jsonrpc": "2.0", "id": 2, "result": ["v": "two"]])
        transport.deliver(["jsonrpc": "2.0", "id": 1, "result": ["v": "one"]])
        #expect(results.values.map(\.0) == [2, 1])
        #expect(results.values.map { $0.1["v"] } == ["two", "one"])
        #expect(transport.sent.map { $0["method"] } == ["a", "b"])
    }

    @Test func peerErrorsKeepTheirCodeAndSource() throws {
        let transport = InMemoryTransport()
        let rpc = RPCSession(transport: transport, scheduler: nil)
        try rpc.start()
        let results = Box<Result<JSONValue, MCPError>>()
        rpc.request(id: 5, method: "x", params: nil) { results.append($0) }
        transport.deliver(["jsonrpc": "2.0", "id": 5, "error": ["code": -32601, "message": "nope"]])
        guard case .failure(let error) = results.values.first else { Issue.record("expected failure"); return }
        #expect(error.code == .protocolError)
        #expect(error.source == .peer)
        #expect(error.rpcCode == -32601)
    }

    @Test func timeoutFailsTheRequestAndNotifiesTheServer() throws {
        let transport = InMemoryTransport()
        let scheduler = ManualScheduler()
        let rpc = RPCSession(transport: transport, scheduler: scheduler)
        try rpc.start()
        let results = Box<Result<JSONValue, MCPError>>()
        rpc.request(id: 9, method: "tools/call", params: [:], timeoutNanoseconds: 1_000_000_000) { results.append($0) }
        scheduler.advance(byNanoseconds: 999_000_000)
        #expect(results.values.isEmpty)
        scheduler.advance(byNanoseconds: 1_000_000)
        guard case .failure(let error) = results.values.first else { Issue.record("expected timeout"); return }
        #expect(error.code == .timeout)
        #expect(error.source == .local)
        let cancel = transport.sent.last
        #expect(cancel?["method"] == "notifications/cancelled")
        #expect(cancel?["params"]?["requestId"] == 9)
        // A late reply is ignored, and the completion ran exactly once.
        transport.deliver(["jsonrpc": "2.0", "id": 9, "result": [:]])
        #expect(results.values.count == 1)
    }

    @Test func answeredRequestsCancelTheirTimer() throws {
        let transport = InMemoryTransport()
        let scheduler = ManualScheduler()
        let rpc = RPCSession(transport: transport, scheduler: scheduler)
        try rpc.start()
        rpc.request(id: 1, method: "m", params: nil, timeoutNanoseconds: 5_000_000_000) { _ in }
        #expect(scheduler.pendingTimers == 1)
        transport.deliver(["jsonrpc": "2.0", "id": 1, "result": [:]])
        #expect(scheduler.pendingTimers == 0)
    }

    @Test func routesProgressByTokenAndAnswersPing() throws {
        let transport = InMemoryTransport()
        let rpc = RPCSession(transport: transport, scheduler: nil)
        try rpc.start()
        let progress = Box<JSONObject>()
        rpc.request(id: 3, method: "tools/call", params: nil, progress: { progress.append($0) }) { _ in }
        transport.deliver(["jsonrpc": "2.0", "method": "notifications/progress", "params": ["progressToken": 3, "progress": 1, "total": 2]])
        transport.deliver(["jsonrpc": "2.0", "method": "notifications/progress", "params": ["progressToken": 99, "progress": 1]])
        #expect(progress.values.count == 1)
        #expect(progress.values.first?["total"] == 2)
        transport.deliver(["jsonrpc": "2.0", "id": "p1", "method": "ping"])
        #expect(transport.sent.last == ["jsonrpc": "2.0", "id": "p1", "result": [:]])
        transport.deliver(["jsonrpc": "2.0", "id": 77, "method": "roots/list"])
        #expect(transport.sent.last?["error"]?["code"] == -32601)
    }

    @Test func closingTheTransportFailsEverythingInFlight() throws {
        let transport = InMemoryTransport()
        let rpc = RPCSession(transport: transport, scheduler: nil)
        try rpc.start()
        let results = Box<Result<JSONValue, MCPError>>()
        for id in 1...3 { rpc.request(id: Int64(id), method: "m", params: nil) { results.append($0) } }
        transport.simulateClose(error: MCPError.transport("the server process exited with status 3"))
        #expect(results.values.count == 3)
        for result in results.values {
            guard case .failure(let error) = result else { Issue.record("expected failure"); continue }
            #expect(error.code == .transport)
            #expect(error.message.contains("status 3"))
        }
        rpc.request(method: "after", params: nil) { results.append($0) }
        #expect(results.values.count == 4)
    }

    @Test func ignoresGarbageAndSplitsBatches() throws {
        let transport = InMemoryTransport()
        let rpc = RPCSession(transport: transport, scheduler: nil)
        try rpc.start()
        let results = Box<Int64>()
        rpc.request(id: 1, method: "a", params: nil) { _ in results.append(1) }
        rpc.request(id: 2, method: "b", params: nil) { _ in results.append(2) }
        transport.deliverRaw(Array("not json".utf8))
        transport.deliverRaw(Array("[1,2]".utf8))
        transport.deliver([["jsonrpc": "2.0", "id": 1, "result": [:]], ["jsonrpc": "2.0", "id": 2, "result": [:]]])
        #expect(results.values == [1, 2])
    }
}

@Suite struct ProgressTimeoutTests {
    @Test func progressRestartsTheTimeoutUpToTheTotal() throws {
        let transport = InMemoryTransport()
        let scheduler = ManualScheduler()
        let rpc = RPCSession(transport: transport, scheduler: scheduler, clock: scheduler)
        try rpc.start()
        let results = Box<Result<JSONValue, MCPError>>()
        rpc.request(id: 4, method: "tools/call", params: [:], timeoutNanoseconds: 1_000_000_000, maxTotalNanoseconds: 2_500_000_000,
            progress: { _ in }) { results.append($0) }
        let progress: JSONValue = ["jsonrpc": "2.0", "method": "notifications/progress", "params": ["progressToken": 4, "progress": 1]]
        scheduler.advance(byNanoseconds: 900_000_000)
        transport.deliver(progress)  // deadline moves to 1.9 s
        scheduler.advance(byNanoseconds: 900_000_000)
        #expect(results.values.isEmpty)
        transport.deliver(progress)  // 1.8 s: would move to 2.8 s, capped at 2.5 s
        scheduler.advance(byNanoseconds: 600_000_000)
        #expect(results.values.isEmpty)
        scheduler.advance(byNanoseconds: 100_000_000)
        guard case .failure(let error) = results.values.first else { Issue.record("expected a timeout"); return }
        #expect(error.code == .timeout)
        #expect(scheduler.pendingTimers == 0)
    }

    @Test func withoutATotalProgressDoesNotExtend() throws {
        let transport = InMemoryTransport()
        let scheduler = ManualScheduler()
        let rpc = RPCSession(transport: transport, scheduler: scheduler, clock: scheduler)
        try rpc.start()
        let results = Box<Result<JSONValue, MCPError>>()
        rpc.request(id: 5, method: "tools/call", params: [:], timeoutNanoseconds: 1_000_000_000, progress: { _ in }) { results.append($0) }
        scheduler.advance(byNanoseconds: 900_000_000)
        transport.deliver(["jsonrpc": "2.0", "method": "notifications/progress", "params": ["progressToken": 5, "progress": 1]])
        scheduler.advance(byNanoseconds: 100_000_000)
        #expect(results.values.count == 1)
    }
}
