import MCPClientCore
import MCPClientProtocol
import MCPClientTesting
import Testing

/// A modern server that acknowledges every listen with `grant(requested)` and answers other requests via `answer`.
func listeningServer(
    grant: @escaping @Sendable (JSONValue) -> JSONValue = { $0 }, answer: @escaping @Sendable (String, JSONValue) -> JSONValue? = { _, _ in nil }
) -> InMemoryTransport {
    InMemoryTransport { message, transport in
        guard let method = message["method"]?.stringValue, let id = message["id"] else { return }
        let reply: JSONValue?
        switch method {
        case "server/discover": reply = discoverResult
        case "subscriptions/listen":
            transport.deliver(["jsonrpc": "2.0", "method": "notifications/subscriptions/acknowledged", "params": [
                "_meta": ["io.modelcontextprotocol/subscriptionId": id], "notifications": grant(message["params"]?["notifications"] ?? [:]),
            ]])
            reply = nil  // the stream stays open
        default: reply = answer(method, message)
        }
        if let reply { transport.deliver(["jsonrpc": "2.0", "id": id, "result": reply]) }
    }
}

func notification(_ method: String, subscription: JSONValue?, _ params: JSONObject = [:]) -> JSONValue {
    var params = params
    if let subscription { params["_meta"] = ["io.modelcontextprotocol/subscriptionId": subscription] }
    return ["jsonrpc": "2.0", "method": .string(method), "params": .object(params)]
}

@Suite struct SubscriptionTests {
    func subscribe(_ session: ClientSession, _ filter: SubscriptionFilter) -> Result<SubscriptionFilter, MCPError>? {
        let box = Box<Result<SubscriptionFilter, MCPError>>()
        session.subscribe(filter, timeoutNanoseconds: 1_000_000_000) { box.append($0) }
        return box.values.first
    }

    @Test func modernListenIsAcknowledgedAndItsMessagesAreDemultiplexed() throws {
        let transport = listeningServer()
        let (session, _) = connect(transport)
        let heard = Box<String>()
        session.setHandlers(request: nil, notification: { method, params in heard.append(method + " " + (params?["uri"]?.stringValue ?? "")) }, close: nil)
        let filter = SubscriptionFilter(toolsListChanged: true, resourceURIs: ["file:///a", "file:///b"])
        #expect(try subscribe(session, filter)?.get() == filter)

        let listen = try #require(transport.sent.last { $0["method"] == "subscriptions/listen" })
        #expect(listen["params"]?["notifications"] == ["toolsListChanged": true, "resourceSubscriptions": ["file:///a", "file:///b"]])
        #expect(listen["params"]?["_meta"]?["io.modelcontextprotocol/protocolVersion"] == "2026-07-28")
        #expect(session.rpc.inFlightCount == 0)  // a stream is not a call in flight

        let id = try #require(listen["id"])
        transport.deliver(notification("notifications/resources/updated", subscription: id, ["uri": "file:///a"]))
        transport.deliver(notification("notifications/resources/updated", subscription: 999, ["uri": "file:///stale"]))
        transport.deliver(notification("notifications/tools/list_changed", subscription: nil))
        #expect(heard.values == ["notifications/resources/updated file:///a", "notifications/tools/list_changed "])
    }

    @Test func changingTheFilterReplacesTheStreamAndCancelsTheOldOne() throws {
        let transport = listeningServer()
        let (session, _) = connect(transport)
        let heard = Box<String>()
        session.setHandlers(request: nil, notification: { method, _ in heard.append(method) }, close: nil)
        _ = try subscribe(session, SubscriptionFilter(resourceURIs: ["a"]))?.get()
        _ = try subscribe(session, SubscriptionFilter(resourceURIs: ["a", "b"]))?.get()
        let listens = transport.sent.filter { $0["method"] == "subscriptions/listen" }
        #expect(listens.count == 2)
        let cancelled = transport.sent.filter { $0["method"] == "notifications/cancelled" }
        #expect(cancelled.map { $0["params"]?["requestId"] } == [listens[0]["id"]])
        // The old stream's messages are no longer delivered.
        transport.deliver(notification("notifications/resources/updated", subscription: listens[0]["id"], ["uri": "a"]))
        #expect(heard.values.isEmpty)
        // An empty filter ends the stream without opening another.
        #expect(try subscribe(session, SubscriptionFilter())?.get() == SubscriptionFilter())
        #expect(transport.sent.filter { $0["method"] == "subscriptions/listen" }.count == 2)
        #expect(transport.sent.last?["params"]?["requestId"] == listens[1]["id"])
        #expect(!session.hasSubscriptions)
    }

    @Test func aPartialAcknowledgementIsReportedAsGranted() throws {
        let transport = listeningServer(grant: { _ in ["toolsListChanged": true] })
        let (session, _) = connect(transport)
        let granted = try subscribe(session, SubscriptionFilter(toolsListChanged: true, resourceURIs: ["x"]))?.get()
        #expect(granted == SubscriptionFilter(toolsListChanged: true))
        #expect(SubscriptionFilter(toolsListChanged: true, resourceURIs: ["x"]).subtracting(granted ?? .init()) == SubscriptionFilter(resourceURIs: ["x"]))
    }

    @Test func aRefusedListenFailsTheSubscriber() {
        let transport = scriptedTransport { method, _ in
            method == "server/discover" ? discoverResult : ["error": ["code": -32601, "message": "no listen here"]]
        }
        let (session, _) = connect(transport)
        guard case .failure(let error) = subscribe(session, SubscriptionFilter(toolsListChanged: true)) else {
            Issue.record("expected failure")
            return
        }
        #expect(error.rpcCode == -32601)
        #expect(!session.hasSubscriptions)
    }

    @Test func anUnacknowledgedListenTimesOut() throws {
        let scheduler = ManualScheduler()
        let transport = scriptedTransport { method, _ in method == "server/discover" ? discoverResult : Optional<JSONValue>.none }
        let (session, _) = connect(transport, scheduler: scheduler)
        let box = Box<Result<SubscriptionFilter, MCPError>>()
        session.subscribe(SubscriptionFilter(toolsListChanged: true), timeoutNanoseconds: 1_000_000) { box.append($0) }
        #expect(box.values.isEmpty)
        scheduler.advance(byNanoseconds: 2_000_000)
        guard case .failure(let error) = box.values.first else { Issue.record("expected a timeout"); return }
        #expect(error.code == .timeout)
        #expect(transport.sent.last?["method"] == "notifications/cancelled")
    }

    @Test func aServerEndingTheStreamIsReportedOnce() throws {
        let transport = listeningServer()
        let (session, _) = connect(transport)
        let ended = Box<String>()
        session.setSubscriptionEndHandler { error in ended.append(error?.message ?? "graceful") }
        _ = try subscribe(session, SubscriptionFilter(promptsListChanged: true))?.get()
        let id = try #require(transport.sent.last { $0["method"] == "subscriptions/listen" }?["id"])
        transport.deliver(["jsonrpc": "2.0", "id": id, "result": ["resultType": "complete", "_meta": ["io.modelcontextprotocol/subscriptionId": id]]])
        #expect(ended.values == ["graceful"])
        #expect(!session.hasSubscriptions)
    }

    @Test func listChangesInvalidateTheCache() throws {
        let lists = Box<Int>()
        let transport = listeningServer(answer: { method, _ in
            guard method == "tools/list" else { return nil }
            lists.append(1)
            return ["tools": [], "ttlMs": 60_000]
        })
        let (session, _) = connect(transport)
        session.setHandlers(request: nil, notification: nil, close: nil)
        let result = Box<Result<[JSONValue], MCPError>>()
        session.listTools(timeoutNanoseconds: nil) { result.append($0) }
        session.listTools(timeoutNanoseconds: nil) { result.append($0) }
        #expect(lists.values.count == 1)  // cached
        transport.deliver(notification("notifications/tools/list_changed", subscription: nil))
        session.listTools(timeoutNanoseconds: nil) { result.append($0) }
        #expect(lists.values.count == 2)
    }

    @Test func legacyServersSubscribeResourcesOneByOne() throws {
        let transport = scriptedTransport { method, message in
            switch method {
            case "server/discover": return ["error": ["code": -32601, "message": "no"]]
            case "initialize":
                return ["protocolVersion": "2025-11-25", "capabilities": ["resources": ["subscribe": true], "tools": ["listChanged": true]],
                        "serverInfo": ["name": "old", "version": "1"]]
            case "resources/subscribe":
                return message["params"]?["uri"] == "bad" ? ["error": ["code": -32602, "message": "no such resource"]] : [:]
            default: return [:]
            }
        }
        let (session, _) = connect(transport)
        let granted = try subscribe(session, SubscriptionFilter(toolsListChanged: true, promptsListChanged: true, resourceURIs: ["a", "bad"]))?.get()
        #expect(granted == SubscriptionFilter(toolsListChanged: true, resourceURIs: ["a"]))
        _ = try subscribe(session, SubscriptionFilter(toolsListChanged: true))?.get()
        #expect(transport.sent.filter { $0["method"] == "resources/unsubscribe" }.map { $0["params"]?["uri"] } == ["a"])
        #expect(!transport.sent.contains { $0["method"] == "subscriptions/listen" })
    }
}

/// -32042 (2025-11-25): URL elicitations the host consents to, then a retry once the server says they completed.
@Suite struct URLElicitationTests {
    func legacyServer(calls: Box<Int64>) -> InMemoryTransport {
        scriptedTransport { method, message in
            switch method {
            case "server/discover": return ["error": ["code": -32601, "message": "no"]]
            case "initialize": return ["protocolVersion": "2025-11-25", "capabilities": [:], "serverInfo": ["name": "old", "version": "1"]]
            case "tools/call":
                calls.append(message["id"]?.int64Value ?? -1)
                if calls.values.count > 1 { return ["content": [["type": "text", "text": "authorized"]]] }
                return ["error": ["code": -32042, "message": "visit the URL first", "data": ["elicitations": [
                    ["mode": "url", "elicitationId": "e1", "url": "https://example.com/auth", "message": "Sign in"],
                ]]]]
            default: return [:]
            }
        }
    }

    @Test func acceptedAndCompletedElicitationsRetryTheCall() throws {
        let calls = Box<Int64>()
        let transport = legacyServer(calls: calls)
        let (session, _) = connect(transport)
        session.setHandlers(request: nil, notification: nil, close: nil)
        let asked = Box<JSONObject>()
        session.setInputHandler { requests, completion in
            asked.append(requests)
            completion(.success(["e1": ["action": "accept"]]))
        }
        let result = Box<Result<JSONValue, MCPError>>()
        session.callTool(name: "t", arguments: [:], timeoutNanoseconds: nil, progress: nil) { result.append($0) }
        #expect(asked.values.first?["e1"]?["params"]?["url"] == "https://example.com/auth")
        #expect(result.values.isEmpty)  // waiting for elicitation/complete
        transport.deliver(["jsonrpc": "2.0", "method": "notifications/elicitation/complete", "params": ["elicitationId": "e1"]])
        #expect(try result.values.first?.get()["content"]?.arrayValue?.first?["text"] == "authorized")
        #expect(calls.values.count == 2 && calls.values[0] != calls.values[1])
    }

    @Test func aDeclineEndsTheCallWithTheServersError() {
        let calls = Box<Int64>()
        let (session, _) = connect(legacyServer(calls: calls))
        session.setInputHandler { _, completion in completion(.success(["e1": ["action": "decline"]])) }
        let result = Box<Result<JSONValue, MCPError>>()
        session.callTool(name: "t", arguments: [:], timeoutNanoseconds: nil, progress: nil) { result.append($0) }
        guard case .failure(let error) = result.values.first else { Issue.record("expected failure"); return }
        #expect(error.rpcCode == -32042)
        #expect(calls.values.count == 1)
    }

    @Test func noCompletionWithinTheTimeoutFailsClearly() {
        let scheduler = ManualScheduler()
        let calls = Box<Int64>()
        let (session, _) = connect(legacyServer(calls: calls), scheduler: scheduler)
        session.setInputHandler { _, completion in completion(.success(["e1": ["action": "accept"]])) }
        let result = Box<Result<JSONValue, MCPError>>()
        session.callTool(name: "t", arguments: [:], timeoutNanoseconds: 5_000_000_000, progress: nil) { result.append($0) }
        scheduler.advance(byNanoseconds: 6_000_000_000)
        guard case .failure(let error) = result.values.first else { Issue.record("expected failure"); return }
        #expect(error.code == .timeout)
        #expect(calls.values.count == 1)
    }
}

@Suite struct ClientCapabilityTests {
    @Test func requestsAreCheckedAgainstWhatTheHostDeclared() {
        let formOnly = ClientCapabilities(["elicitation": [:], "sampling": [:]])
        #expect(formOnly.refusal(method: "elicitation/create", params: ["message": "name?"]) == nil)  // no mode = form
        #expect(formOnly.refusal(method: "elicitation/create", params: ["mode": "url", "url": "https://x"]) != nil)
        #expect(formOnly.refusal(method: "roots/list", params: nil) != nil)
        #expect(formOnly.refusal(method: "sampling/createMessage", params: ["maxTokens": 5]) == nil)
        #expect(formOnly.refusal(method: "sampling/createMessage", params: ["maxTokens": 5, "tools": []]) != nil)
        let both = ClientCapabilities(["elicitation": ["form": [:], "url": [:]]])
        #expect(both.refusal(method: "elicitation/create", params: ["mode": "url"]) == nil)
        #expect(ClientCapabilities([:]).refusal(method: "anything/else", params: nil) != nil)
        #expect(both.refusal(method: "anything/else", params: nil) == nil)
    }
}
