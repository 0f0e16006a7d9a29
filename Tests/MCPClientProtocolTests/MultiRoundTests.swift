import MCPClientCore
import MCPClientProtocol
import MCPClientTesting
import Testing

/// The MRTR loop (input_required → host input → retry) against a scripted 2026-07-28 server.
@Suite struct MultiRoundTests {
    /// A server whose tools/call asks `rounds` times before answering; round n carries state "s<n>".
    func asker(rounds: Int, requests: JSONValue = ["ask": ["method": "elicitation/create", "params": ["message": "name?"]]]) -> InMemoryTransport {
        scriptedTransport { method, message in
            if method == "server/discover" { return discoverResult }
            let state = message["params"]?["requestState"]?.stringValue
            let round = state.flatMap { Int($0.dropFirst()) } ?? 0
            if round < rounds {
                return ["resultType": "input_required", "inputRequests": requests, "requestState": .string("s\(round + 1)")]
            }
            return ["content": [["type": "text", "text": message["params"]?["inputResponses"] ?? "none"]], "resultType": "complete"]
        }
    }

    @Test func answersEveryRoundAndRetriesWithStateAndANewID() throws {
        let transport = asker(rounds: 2)
        let (session, _) = connect(transport)
        let asked = Box<JSONObject>()
        session.setInputHandler { requests, completion in
            asked.append(requests)
            completion(.success(["ask": ["action": "accept", "content": ["name": "Ada"]]]))
        }
        let result = Box<Result<JSONValue, MCPError>>()
        session.callTool(name: "t", arguments: ["x": 1], timeoutNanoseconds: nil, progress: nil) { result.append($0) }
        #expect(asked.values.count == 2)
        #expect(asked.values.first?["ask"]?["method"] == "elicitation/create")
        let calls = transport.sent.filter { $0["method"] == "tools/call" }
        #expect(calls.count == 3)
        #expect(Set(calls.compactMap { $0["id"]?.int64Value }).count == 3)  // a new id every round
        #expect(calls[0]["params"]?["requestState"] == nil)
        #expect(calls[1]["params"]?["requestState"] == "s1")
        #expect(calls[2]["params"]?["requestState"] == "s2")
        #expect(calls[2]["params"]?["arguments"] == ["x": 1])
        #expect(calls[2]["params"]?["inputResponses"]?["ask"]?["action"] == "accept")
        let content = try #require(try result.values.first?.get())["content"]?.arrayValue?.first?["text"]
        #expect(content?["ask"]?["content"]?["name"] == "Ada")
    }

    /// A closure kept in a generic `Locked` gained a reabstraction thunk per access, so the host's handler ran
    /// under an ever deeper chain of thunks (memory and time grew with every call).
    @Test func theInputHandlerIsNotRewrappedOnEveryUse() {
        let transport = asker(rounds: 3)
        let (session, _) = connect(transport)
        let depths = Box<Int>()
        session.setInputHandler { _, completion in
            var frames = [UnsafeMutableRawPointer?](repeating: nil, count: 4096)
            depths.append(Int(callStackDepth(&frames, Int32(frames.count))))
            completion(.success(["ask": ["action": "decline"]]))
        }
        for _ in 0..<40 {
            session.callTool(name: "t", arguments: [:], timeoutNanoseconds: nil, progress: nil) { _ in }
        }
        #expect(depths.values.count == 120)
        let first = depths.values.prefix(3), last = depths.values.suffix(3)
        #expect(first.elementsEqual(last), "call stack depth grew from \(Array(first)) to \(Array(last))")
    }

    @Test func stateOnlyResultsAreRetriedAtOnceWithoutAskingTheHost() throws {
        let transport = asker(rounds: 1, requests: [:])
        let (session, _) = connect(transport)
        session.setInputHandler { _, _ in Issue.record("the host must not be asked") }
        let result = Box<Result<JSONValue, MCPError>>()
        session.callTool(name: "t", arguments: [:], timeoutNanoseconds: nil, progress: nil) { result.append($0) }
        #expect(try result.values.first?.get()["resultType"] == "complete")
        #expect(transport.sent.filter { $0["method"] == "tools/call" }.last?["params"]?["inputResponses"] == nil)
    }

    @Test func aServerThatNeverStopsAskingIsCutOff() {
        let transport = asker(rounds: 1000, requests: [:])
        let (session, _) = connect(transport)
        let result = Box<Result<JSONValue, MCPError>>()
        session.callTool(name: "t", arguments: [:], timeoutNanoseconds: nil, progress: nil) { result.append($0) }
        guard case .failure(let error) = result.values.first else { Issue.record("expected failure"); return }
        #expect(error.code == .protocolError)
        #expect(transport.sent.filter { $0["method"] == "tools/call" }.count == ClientSession.maxInputRounds)
    }

    @Test func cancellingWhileTheHostAnswersEndsTheCallOnce() {
        let transport = asker(rounds: 1)
        let (session, _) = connect(transport)
        let pending = Box<@Sendable (Result<JSONObject, MCPError>) -> Void>()
        session.setInputHandler { _, completion in pending.append(completion) }
        let result = Box<Result<JSONValue, MCPError>>()
        let handle = session.callTool(name: "t", arguments: [:], timeoutNanoseconds: nil, progress: nil) { result.append($0) }
        #expect(handle.currentID == nil)  // waiting for the host
        handle.cancel(MCPError(.cancelled, "host gave up"))
        pending.values.first?(.success(["ask": ["action": "decline"]]))  // a late answer changes nothing
        #expect(result.values.count == 1)
        guard case .failure(let error) = result.values.first else { Issue.record("expected cancellation"); return }
        #expect(error.code == .cancelled)
        #expect(transport.sent.filter { $0["method"] == "tools/call" }.count == 1)
    }

    @Test func withoutAnInputHandlerTheCallFailsClearly() {
        let transport = asker(rounds: 1)
        let (session, _) = connect(transport)
        let result = Box<Result<JSONValue, MCPError>>()
        session.callTool(name: "t", arguments: [:], timeoutNanoseconds: nil, progress: nil) { result.append($0) }
        guard case .failure(let error) = result.values.first else { Issue.record("expected failure"); return }
        #expect(error.code == .unsupported)
    }

    @Test func listMethodsNeverTakeTheMultiRoundPath() {
        let transport = scriptedTransport { method, _ in
            method == "server/discover" ? discoverResult : ["resultType": "input_required", "inputRequests": [:]]
        }
        let (session, _) = connect(transport)
        let result = Box<Result<[JSONValue], MCPError>>()
        session.listTools(timeoutNanoseconds: nil) { result.append($0) }
        guard case .failure(let error) = result.values.first else { Issue.record("expected failure"); return }
        #expect(error.code == .protocolError)
    }
}

/// glibc's `backtrace` (execinfo.h is not in the Glibc module).
@_silgen_name("backtrace")
private func callStackDepth(_ buffer: UnsafeMutablePointer<UnsafeMutableRawPointer?>, _ size: Int32) -> Int32
