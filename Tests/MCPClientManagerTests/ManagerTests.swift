import Glibc
import MCPClientCore
import MCPClientManager
import MCPClientProtocol
import MCPClientTesting
import Testing

func drainEvents(_ manager: Manager, until predicate: (JSONValue) -> Bool, timeoutMs: Int32 = TestTime.ms(10_000)) -> [JSONValue] {
    var seen: [JSONValue] = []
    let deadline = SystemClock().nowNanoseconds() + UInt64(timeoutMs) * 1_000_000
    while SystemClock().nowNanoseconds() < deadline {
        guard case .event(let event) = manager.events.pop(timeoutMs: 200) else { continue }
        seen.append(event)
        if predicate(event) { break }
    }
    return seen
}

@Suite(.serialized, .enabled(if: Fixtures.available, "run scripts/setup-test-env to create the Python fixtures"))
struct ManagerTests {
    @Test(arguments: [("modern", Fixtures.modern()), ("legacy", Fixtures.legacy())])
    func connectsListsCallsAndCleansUp(era: String, config: JSONValue) throws {
        let manager = try Manager(options: ManagerOptions())
        // Tagged, so the leftover check below sees only this server (other suites may run theirs meanwhile).
        let tag = "cleanup-\(era)-\(getpid())"
        var tagged = config.objectValue ?? [:]
        tagged["env"] = ["MCPCLIENT_TEST_TAG": .string(tag)]
        try manager.addServer(name: "fx", config: .object(tagged))
        let info = try manager.blocking { manager.connect(server: "fx", completion: $0) }.get()
        #expect(info["era"] == .string(era))
        let tools = try manager.blocking { manager.list(.tools, server: "fx", completion: $0) }.get()
        let names = Set(tools["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? [])
        #expect(names.isSuperset(of: ["echo", "add", "slow", "fail", "image"]))
        let sum = try manager.callToolBlocking(server: "fx", tool: "add", arguments: ["a": 2, "b": 3], timeoutMs: 10_000).get()
        #expect(sum["result"]?["content"]?.arrayValue?.first?["text"] == "5")
        let failed = try manager.callToolBlocking(server: "fx", tool: "fail", arguments: ["message": "boom"], timeoutMs: 10_000).get()
        #expect(failed["result"]?["isError"] == true)
        let unknown = manager.callToolBlocking(server: "fx", tool: "no_such_tool", arguments: [:], timeoutMs: 10_000)
        guard case .failure(let error) = unknown else { Issue.record("expected a protocol error"); return }
        #expect(error.code == .protocolError)
        #expect(error.rpcCode == -32602)
        #expect(Fixtures.runningFixtureProcesses(tag: tag).count == 1)  // the check below can see the server
        manager.close()
        #expect(Fixtures.runningFixtureProcesses(tag: tag).isEmpty)
    }

    @Test func timeoutCancelsTheCallAndTheConnectionStaysUsable() throws {
        let manager = try Manager(options: ManagerOptions())
        defer { manager.close() }
        try manager.addServer(name: "fx", config: Fixtures.modern())
        _ = try manager.blocking { manager.connect(server: "fx", completion: $0) }.get()  // the server's start is not the call's time
        let started = SystemClock().nowNanoseconds()
        // No progress within 300 ms (the first comes after 1 s), so the timeout is not extended.
        let slow = manager.callToolBlocking(server: "fx", tool: "slow", arguments: ["steps": 5, "delay_ms": 1000], timeoutMs: 300)
        guard case .failure(let error) = slow else { Issue.record("expected timeout"); return }
        #expect(error.code == .timeout)
        #expect(SystemClock().nowNanoseconds() - started < 5_000_000_000 + 300_000_000)
        let echo = try manager.callToolBlocking(server: "fx", tool: "echo", arguments: ["text": "still here"], timeoutMs: 10_000).get()
        #expect(echo["result"]?["content"]?.arrayValue?.first?["text"] == "still here")
    }

    @Test func progressArrivesAsEventsAndSubmitDeliversResults() throws {
        let manager = try Manager(options: ManagerOptions())
        defer { manager.close() }
        try manager.addServer(name: "fx", config: Fixtures.legacy())
        let id = try manager.submit(["op": "call_tool", "server": "fx", "tool": "slow", "arguments": ["steps": 3, "delay_ms": 10]])
        let events = drainEvents(manager) { $0["kind"] == "result" }
        let progress = events.filter { $0["kind"] == "progress" && $0["request_id"] == .int(Int64(id)) }
        #expect(progress.count == 3)
        #expect(progress.last?["total"]?.doubleValue == 3)
        let result = events.last
        #expect(result?["request_id"] == .int(Int64(id)))
        #expect(result?["result"]?["result"]?["content"]?.arrayValue?.first?["text"] == "done after 3 steps")
        #expect(events.contains { $0["kind"] == "status" && $0["status"] == "connected" })
    }

    @Test func cancelEndsAnInFlightCall() throws {
        let manager = try Manager(options: ManagerOptions())
        defer { manager.close() }
        try manager.addServer(name: "fx", config: Fixtures.modern())
        _ = try manager.blocking { manager.connect(server: "fx", completion: $0) }.get()
        let id = try manager.submit(["op": "call_tool", "server": "fx", "tool": "slow", "arguments": ["steps": 100, "delay_ms": 100]])
        _ = drainEvents(manager, until: { $0["kind"] == "progress" })
        try manager.cancel(requestID: id)
        let events = drainEvents(manager) { $0["kind"] == "error" }
        #expect(events.last?["error"]?["name"] == "MCP_ERR_CANCELLED")
        #expect(throws: MCPError.self) { try manager.cancel(requestID: id) }
    }

    @Test func concurrentCallersCoalesceIntoOneConnection() throws {
        let manager = try Manager(options: ManagerOptions())
        defer { manager.close() }
        try manager.addServer(name: "fx", config: Fixtures.modern())
        let results = Locked<[String]>([])
        var threads: [pthread_t] = []
        for index in 0..<8 {
            let thread = try #require(TestThread.start {
                let text = "t\(index)"
                let out = manager.callToolBlocking(server: "fx", tool: "echo", arguments: ["text": .string(text)], timeoutMs: 30_000)
                results.withLock { $0.append((try? out.get())?["result"]?["content"]?.arrayValue?.first?["text"]?.stringValue ?? "error") }
            })
            threads.append(thread)
        }
        for thread in threads { pthread_join(thread, nil) }
        #expect(Set(results.withLock { $0 }) == Set((0..<8).map { "t\($0)" }))
        #expect(Fixtures.runningFixtureProcesses().count == 1)
    }

    @Test func aCrashedServerFailsItsCallAndReconnectsOnDemand() throws {
        let manager = try Manager(options: ManagerOptions())
        defer { manager.close() }
        // A server that answers the probe and the handshake, then dies on the first tool call.
        let script = #"""
        import sys, json
        for line in sys.stdin:
            m = json.loads(line)
            if m.get("method") == "initialize":
                print(json.dumps({"jsonrpc":"2.0","id":m["id"],"result":{"protocolVersion":"2025-11-25","capabilities":{},"serverInfo":{"name":"crashy","version":"1"}}}), flush=True)
            elif m.get("method") == "tools/call":
                sys.stderr.write("about to crash\n"); sys.stderr.flush(); sys.exit(7)
            elif "id" in m:
                print(json.dumps({"jsonrpc":"2.0","id":m["id"],"error":{"code":-32601,"message":"no"}}), flush=True)
        """#
        try manager.addServer(name: "crashy", config: ["command": "python3", "args": ["-c", .string(script)]])
        let first = manager.callToolBlocking(server: "crashy", tool: "x", arguments: [:], timeoutMs: 30_000)
        guard case .failure(let error) = first else { Issue.record("expected a transport error"); return }
        #expect(error.code == .transport)
        #expect(error.message.contains("status 7"))
        #expect(error.details["stderr_tail"] == ["about to crash"])
        let status = try manager.status(server: "crashy")
        #expect(status["status"] == "error")
        // The next call starts a fresh process (which crashes the same way).
        let second = manager.callToolBlocking(server: "crashy", tool: "x", arguments: [:], timeoutMs: 30_000)
        guard case .failure(let again) = second else { Issue.record("expected a transport error"); return }
        #expect(again.message.contains("status 7"))
    }

    @Test func registryRejectsDuplicatesAndUnknownServers() throws {
        let manager = try Manager(options: ManagerOptions())
        defer { manager.close() }
        try manager.addServer(name: "a", config: ["command": "true"])
        let duplicate = #expect(throws: MCPError.self) { try manager.addServer(name: "a", config: ["command": "true"]) }
        #expect(duplicate?.code == .conflict)
        let missing = manager.callToolBlocking(server: "nope", tool: "t", arguments: [:], timeoutMs: 1000)
        guard case .failure(let error) = missing else { Issue.record("expected not found"); return }
        #expect(error.code == .notFound)
        #expect(throws: MCPError.self) { try ManagerOptions.parse(["eventQueueCapacity": "big"]) }
    }

    @Test func childEnvironmentIsTheAllowListPlusConfig() throws {
        setenv("MCPCLIENT_MANAGER_SECRET", "hunter2", 1)
        let manager = try Manager(options: ManagerOptions())
        defer { manager.close() }
        try manager.addServer(name: "fx", config: Fixtures.modern(["env": ["GIVEN": "yes"]]))
        let secret = try manager.callToolBlocking(server: "fx", tool: "env", arguments: ["name": "MCPCLIENT_MANAGER_SECRET"], timeoutMs: 30_000).get()
        #expect(secret["result"]?["content"]?.arrayValue?.first?["text"] == "<unset>")
        let given = try manager.callToolBlocking(server: "fx", tool: "env", arguments: ["name": "GIVEN"], timeoutMs: 30_000).get()
        #expect(given["result"]?["content"]?.arrayValue?.first?["text"] == "yes")
    }

    @Test func closeWakesEventWaitersAndRejectsNewWork() throws {
        let manager = try Manager(options: ManagerOptions())
        try manager.addServer(name: "fx", config: Fixtures.modern())
        _ = try manager.blocking { manager.connect(server: "fx", completion: $0) }.get()
        manager.close()
        var sawClosed = false
        for _ in 0..<1000 { if manager.events.pop(timeoutMs: 0) == .closed { sawClosed = true; break } }
        #expect(sawClosed)
        #expect(throws: MCPError.self) { try manager.submit(["op": "connect", "server": "fx"]) }
        #expect(Fixtures.runningFixtureProcesses().isEmpty)
    }
}

/// Server→client requests; part of the serialized suite because tests there count fixture processes.
extension ManagerTests {
    /// Legacy: a mid-call roots/list request. Modern: an input_required result retried with inputResponses.
    /// The host sees the same `request` event and answers with the same call either way.
    @Test(arguments: [Fixtures.legacy(), Fixtures.modern()])
    func serverRequestsReachTheHostWhenItDeclaredCapabilities(config: JSONValue) throws {
        var options = ManagerOptions()
        options.capabilities = ["roots": [:]]
        let manager = try Manager(options: options)
        defer { manager.close() }
        try manager.addServer(name: "fx", config: config)
        let callID = try manager.submit(["op": "call_tool", "server": "fx", "tool": "roots"])
        let request = try #require(drainEvents(manager) { $0["kind"] == "request" }.last)
        #expect(request["method"] == "roots/list")
        let requestID = try #require(request["request_id"]?.int64Value)
        try manager.respond(requestID: UInt64(requestID), response: ["result": ["roots": [["uri": "file:///work", "name": "work"]]]])
        let result = drainEvents(manager) { $0["kind"] == "result" }.last
        #expect(result?["request_id"] == .int(Int64(callID)))
        #expect(result?["result"]?["result"]?["content"]?.arrayValue?.first?["text"] == #"["file:///work"]"#)
        #expect(throws: MCPError.self) { try manager.respond(requestID: UInt64(requestID), response: ["result": [:]]) }
    }

    @Test func withoutCapabilitiesServerRequestsAreDeclined() throws {
        let manager = try Manager(options: ManagerOptions())
        defer { manager.close() }
        try manager.addServer(name: "fx", config: Fixtures.legacy())
        let result = try manager.callToolBlocking(server: "fx", tool: "roots", arguments: [:], timeoutMs: 30_000).get()
        #expect(result["result"]?["isError"] == true)
    }
}

extension ManagerTests {
    /// Regression: stdout (read by the blocked caller) and stderr (read by the I/O thread) once shared a buffer,
    /// so a server logging while it replied could corrupt the reply and the call hung until its timeout.
    @Test func repliesSurviveAServerThatLogsWhileReplying() throws {
        let script = #"""
        import sys, json, threading, time
        def chatter():
            while True:
                sys.stderr.write("noise " * 50 + "\n"); sys.stderr.flush(); time.sleep(0.0001)
        threading.Thread(target=chatter, daemon=True).start()
        for line in sys.stdin:
            m = json.loads(line)
            if "id" not in m:
                continue
            if m.get("method") == "initialize":
                result = {"protocolVersion": "2025-11-25", "capabilities": {}, "serverInfo": {"name": "noisy", "version": "1"}}
            elif m.get("method") == "tools/call":
                result = {"content": [{"type": "text", "text": m["params"]["arguments"]["text"]}]}
            else:
                print(json.dumps({"jsonrpc": "2.0", "id": m["id"], "error": {"code": -32601, "message": "no"}}), flush=True)
                continue
            print(json.dumps({"jsonrpc": "2.0", "id": m["id"], "result": result}), flush=True)
        """#
        let manager = try Manager(options: ManagerOptions())
        defer { manager.close() }
        try manager.addServer(name: "noisy", config: ["command": "python3", "args": ["-c", .string(script)]])
        for index in 0..<1000 {
            let text = "call-\(index)"
            let result = manager.callToolBlocking(server: "noisy", tool: "echo", arguments: ["text": .string(text)], timeoutMs: 5_000)
            let echoed = try result.get()["result"]?["content"]?.arrayValue?.first?["text"]
            #expect(echoed == .string(text))
            if echoed != .string(text) { break }
        }
    }
}

/// Resources, prompts and any other method, through the same paths as tools, against both fixture eras.
extension ManagerTests {
    @Test(arguments: [Fixtures.modern(), Fixtures.legacy()])
    func resourcesPromptsAndGenericRequests(config: JSONValue) throws {
        let manager = try Manager(options: ManagerOptions())
        defer { manager.close() }
        try manager.addServer(name: "fx", config: config)
        let resources = try manager.blocking { manager.list(.resources, server: "fx", completion: $0) }.get()
        #expect(resources["resources"]?.arrayValue?.contains { $0["uri"] == "fixture://greeting" } == true)
        let read = try manager.requestBlocking(server: "fx", method: "resources/read", params: ["uri": "fixture://greeting"], timeoutMs: 10_000,
            payload: Manager.payload("fx", "uri", "fixture://greeting")).get()
        #expect(read["result"]?["contents"]?.arrayValue?.first?["text"] == "Hello from the mcpclient fixture server.")
        let prompts = try manager.blocking { manager.list(.prompts, server: "fx", completion: $0) }.get()
        #expect(prompts["prompts"]?.arrayValue?.first?["name"] == "greet")
        let prompt = try manager.requestBlocking(server: "fx", method: "prompts/get", params: ["name": "greet", "arguments": ["name": "Ada"]],
            timeoutMs: 10_000, payload: Manager.payload("fx", "prompt", "greet")).get()
        let text = prompt["result"]?["messages"]?.arrayValue?.first?["content"]?["text"]?.stringValue
        #expect(text?.contains("Ada") == true)
        let templates = try manager.blocking { manager.list(.resourceTemplates, server: "fx", completion: $0) }.get()
        #expect(templates["resourceTemplates"]?.arrayValue != nil)
        // Async forms deliver on the event queue.
        let id = try manager.submit(["op": "read_resource", "server": "fx", "uri": "fixture://greeting"])
        let event = drainEvents(manager) { $0["request_id"] == .int(Int64(id)) }.last
        #expect(event?["kind"] == "result")
        #expect(event?["result"]?["uri"] == "fixture://greeting")
        // An unknown resource is a peer error, not a crash or a hang.
        let missing = manager.requestBlocking(server: "fx", method: "resources/read", params: ["uri": "fixture://nope"], timeoutMs: 10_000,
            payload: Manager.payload("fx", "uri", "fixture://nope"))
        guard case .failure(let error) = missing else { Issue.record("expected an error"); return }
        #expect(error.source == .peer)
    }
}

/// Progress restarts the timeout (LibreChat #6626: long tools died at 60 s), up to maxTotalTimeout.
extension ManagerTests {
    @Test func progressKeepsALongCallAliveBlockingAndAsync() throws {
        let manager = try Manager(options: ManagerOptions())
        defer { manager.close() }
        try manager.addServer(name: "fx", config: Fixtures.modern())
        // 6 steps of 150 ms = 900 ms in all, against a 400 ms timeout: every step's progress restarts it.
        let step = JSONValue.int(Int64(TestTime.ms(150))), timeout = TestTime.ms(400)
        let blocking = manager.callToolBlocking(server: "fx", tool: "slow", arguments: ["steps": 6, "delay_ms": step], timeoutMs: timeout)
        #expect(try blocking.get()["result"]?["content"]?.arrayValue?.first?["text"] == "done after 6 steps")
        let id = try manager.submit(["op": "call_tool", "server": "fx", "tool": "slow", "arguments": ["steps": 6, "delay_ms": step],
            "timeout_ms": .int(Int64(timeout))])
        let outcome = drainEvents(manager) { $0["request_id"] == .int(Int64(id)) && ($0["kind"] == "result" || $0["kind"] == "error") }.last
        #expect(outcome?["kind"] == "result")
    }

    @Test(arguments: [["maxTotalTimeout": .int(Int64(TestTime.ms(600)))] as JSONObject, ["resetTimeoutOnProgress": false] as JSONObject])
    func progressCannotExtendPastTheLimit(limit: JSONObject) throws {
        let manager = try Manager(options: ManagerOptions())
        defer { manager.close() }
        try manager.addServer(name: "fx", config: Fixtures.modern(limit))
        _ = try manager.blocking { manager.connect(server: "fx", completion: $0) }.get()  // the server's start is not the call's time
        let started = SystemClock().nowNanoseconds()
        let step = JSONValue.int(Int64(TestTime.ms(150))), timeout = TestTime.ms(400)
        let result = manager.callToolBlocking(server: "fx", tool: "slow", arguments: ["steps": 20, "delay_ms": step], timeoutMs: timeout)
        guard case .failure(let error) = result else { Issue.record("expected a timeout"); return }
        #expect(error.code == .timeout)
        #expect(SystemClock().nowNanoseconds() - started < TestTime.ns(2_500_000_000))  // 20 steps would take 3 s
        let id = try manager.submit(["op": "call_tool", "server": "fx", "tool": "slow", "arguments": ["steps": 20, "delay_ms": step],
            "timeout_ms": .int(Int64(timeout))])
        let outcome = drainEvents(manager) { $0["request_id"] == .int(Int64(id)) && ($0["kind"] == "result" || $0["kind"] == "error") }.last
        #expect(outcome?["error"]?["name"] == "MCP_ERR_TIMEOUT")
    }
}

/// Server logs reach the host only when it asked for them (modern: `_meta` logLevel; legacy: logging/setLevel).
extension ManagerTests {
    @Test(arguments: [Fixtures.modern(), Fixtures.legacy()])
    func serverLogsArriveAsLogEventsWhenAskedFor(config: JSONValue) throws {
        var options = ManagerOptions()
        options.logLevel = "info"
        let manager = try Manager(options: options)
        defer { manager.close() }
        try manager.addServer(name: "fx", config: config)
        let result = try manager.callToolBlocking(server: "fx", tool: "log", arguments: ["message": "marker-log-7"], timeoutMs: TestTime.ms(30_000)).get()
        #expect(result["result"]?["isError"] == false)
        let events = drainEvents(manager) { $0["kind"] == "log" && $0["message"] == "marker-log-7" }
        let log = events.last
        #expect(log?["message"] == "marker-log-7")
        #expect(log?["source"] == "server")
        #expect(log?["level"] == "info")
    }

    @Test func aModernServerSendsNoLogsUnlessAsked() throws {
        let manager = try Manager(options: ManagerOptions())
        defer { manager.close() }
        try manager.addServer(name: "fx", config: Fixtures.modern())
        _ = try manager.callToolBlocking(server: "fx", tool: "log", arguments: ["message": "marker-log-8"], timeoutMs: 30_000).get()
        let events = drainEvents(manager, until: { _ in false }, timeoutMs: 500)
        #expect(!events.contains { $0["message"] == "marker-log-8" })
    }
}

/// Misbehaving peers (our own scripts: no real server misbehaves on purpose) end in a clear result, never a hang.
extension ManagerTests {
    @Test func aServerThatIgnoresDiscoverAndSendsGarbageStillWorks() throws {
        // Silent on server/discover (so the probe times out), then answers initialize; every reply is preceded by
        // garbage, a reply to an id never sent, and an unknown notification.
        let script = #"""
        import sys, json
        def send(obj): print(json.dumps(obj), flush=True)
        for line in sys.stdin:
            m = json.loads(line)
            if "id" not in m or m.get("method") == "server/discover":
                continue
            print("this is not json", flush=True)
            send({"jsonrpc": "2.0", "id": 987654, "result": {}})
            send({"jsonrpc": "2.0", "method": "notifications/whatever", "params": {}})
            if m["method"] == "initialize":
                send({"jsonrpc": "2.0", "id": m["id"], "result": {"protocolVersion": "2025-06-18", "capabilities": {"tools": {}}, "serverInfo": {"name": "odd", "version": "1"}}})
            elif m["method"] == "tools/call":
                send({"jsonrpc": "2.0", "id": m["id"], "result": {"content": [{"type": "text", "text": "fine"}]}})
            else:
                send({"jsonrpc": "2.0", "id": m["id"], "error": {"code": -32601, "message": "no"}})
        """#
        var options = ManagerOptions()
        options.probeTimeoutMs = 300
        let manager = try Manager(options: options)
        defer { manager.close() }
        try manager.addServer(name: "odd", config: ["command": "python3", "args": ["-c", .string(script)]])
        let info = try manager.blocking { manager.connect(server: "odd", completion: $0) }.get()
        #expect(info["era"] == "legacy")
        #expect(info["protocolVersion"] == "2025-06-18")
        let result = try manager.callToolBlocking(server: "odd", tool: "x", arguments: [:], timeoutMs: 10_000).get()
        #expect(result["result"]?["content"]?.arrayValue?.first?["text"] == "fine")
        let events = drainEvents(manager, until: { _ in false }, timeoutMs: 300)
        #expect(events.contains { $0["kind"] == "log" && ($0["message"]?.stringValue?.contains("not JSON") ?? false) })
        #expect(events.contains { $0["kind"] == "notification" && $0["method"] == "notifications/whatever" })
    }
}

/// A 2026-07-28 server's cache hints: a fresh tools/list is served locally; list_changed forces a new one.
extension ManagerTests {
    @Test func cachedListsAreInvalidatedByListChanged() throws {
        let script = #"""
        import sys, json
        lists = 0
        def send(obj): print(json.dumps(obj), flush=True)
        for line in sys.stdin:
            m = json.loads(line)
            if "id" not in m: continue
            meth = m["method"]
            if meth == "server/discover":
                send({"jsonrpc": "2.0", "id": m["id"], "result": {"supportedVersions": ["2026-07-28"], "capabilities": {"tools": {"listChanged": True}}}})
            elif meth == "tools/list":
                lists += 1
                send({"jsonrpc": "2.0", "id": m["id"], "result": {"tools": [{"name": "v%d" % lists, "inputSchema": {"type": "object"}}], "ttlMs": 600000, "cacheScope": "public"}})
            elif meth == "tools/call":
                send({"jsonrpc": "2.0", "method": "notifications/tools/list_changed"})
                send({"jsonrpc": "2.0", "id": m["id"], "result": {"content": []}})
        """#
        let manager = try Manager(options: ManagerOptions())
        defer { manager.close() }
        try manager.addServer(name: "c", config: ["command": "python3", "args": ["-c", .string(script)]])
        func names() throws -> [String] {
            try manager.blocking { manager.list(.tools, server: "c", completion: $0) }.get()["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        }
        #expect(try names() == ["v1"])
        #expect(try names() == ["v1"])  // fresh for 10 minutes: not asked again
        _ = try manager.callToolBlocking(server: "c", tool: "v1", arguments: [:], timeoutMs: 10_000).get()
        #expect(try names() == ["v2"])
    }
}
