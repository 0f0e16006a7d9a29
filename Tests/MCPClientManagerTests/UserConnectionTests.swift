import Glibc
import MCPClientCore
import MCPClientConfig
import MCPClientOAuth
@testable import MCPClientManager
import Synchronization
import Testing

/// Connection scopes (management.md §1): shared, per user, per request; idle eviction, breaker, reconnects. In the
/// serialized ManagerTests suite because the tests count the fixture processes this test process started.
extension ManagerTests {
    static func text(_ result: Result<JSONValue, MCPError>) throws -> String? {
        try result.get()["result"]?["content"]?.arrayValue?.first?["text"]?.stringValue
    }

    static func envCall(_ manager: Manager, _ server: String, _ name: String, as caller: CallContext = .host) -> Result<JSONValue, MCPError> {
        manager.callToolBlocking(server: server, tool: "env", arguments: ["name": .string(name)], timeoutMs: 30_000, as: caller)
    }

    @Test func perUserServersGetTheirOwnConnectionAndSharedServersAreShared() throws {
        let manager = try Manager(options: ManagerOptions())
        defer { manager.close() }
        try manager.addServer(name: "mine", config: Fixtures.modern(["env": ["WHO": "{{LIBRECHAT_USER_ID}}", "MAIL": "{{LIBRECHAT_USER_EMAIL}}"]]))
        try manager.addServer(name: "shared", config: Fixtures.modern())
        var alice = CallContext(user: "alice")
        alice.profile = ["email": "alice@example.com"]
        let bob = CallContext(user: "bob")

        #expect(try Self.text(Self.envCall(manager, "mine", "WHO", as: alice)) == "alice")
        #expect(try Self.text(Self.envCall(manager, "mine", "MAIL", as: alice)) == "alice@example.com")
        #expect(try Self.text(Self.envCall(manager, "mine", "WHO", as: bob)) == "bob")
        // The host has no user to fill in.
        guard case .failure(let refused) = Self.envCall(manager, "mine", "WHO") else { Issue.record("the host must be refused"); return }
        #expect(refused.code == .unsupported)
        #expect(refused.details["scope"] == "user")

        // A server without per-user input is one connection for everyone.
        _ = try Self.envCall(manager, "shared", "WHO", as: alice).get()
        _ = try Self.envCall(manager, "shared", "WHO", as: bob).get()
        _ = try Self.envCall(manager, "shared", "WHO").get()
        #expect(Fixtures.runningFixtureProcesses().count == 3)  // alice's, bob's, and the shared one

        let aliceStatus = try manager.status(server: "mine", as: alice)
        #expect(aliceStatus["status"] == "connected")
        #expect(aliceStatus["user"] == "alice")
        #expect(aliceStatus["scope"] == "user")
        #expect(try manager.status(server: "mine", as: CallContext(user: "carol"))["status"] == "disconnected")
        #expect(try manager.status(server: "shared", as: bob)["scope"] == "shared")

        // Disconnecting one user leaves the other connected.
        _ = manager.blocking { done in manager.disconnect(server: "mine", as: alice) { done($0.map { .null }) } }
        #expect(try manager.status(server: "mine", as: alice)["status"] == "disconnected")
        #expect(try manager.status(server: "mine", as: bob)["status"] == "connected")
    }

    @Test func userEventsNameTheirUser() throws {
        let manager = try Manager(options: ManagerOptions())
        defer { manager.close() }
        try manager.addServer(name: "mine", config: Fixtures.modern(["env": ["WHO": "{{LIBRECHAT_USER_ID}}"]]))
        _ = try Self.envCall(manager, "mine", "WHO", as: CallContext(user: "dana")).get()
        let events = drainEvents(manager) { $0["kind"] == "status" && $0["status"] == "connected" }
        let connected = events.last
        #expect(connected?["status"] == "connected")
        #expect(connected?["user"] == "dana")
    }

    @Test func customUserVarsComeFromTheCallOrTheSourceAndMissingOnesAreNamed() throws {
        struct Saved: UserVariableSource {
            func values(user: String, server: String) -> [String: String] { user == "erin" ? ["API_TOKEN": "erins-token"] : [:] }
        }
        let manager = try Manager(options: ManagerOptions())
        defer { manager.close() }
        manager.setUserVariableSource(Saved())
        try manager.addServer(name: "vars", config: Fixtures.modern([
            "env": ["TOKEN": "{{API_TOKEN}}"], "customUserVars": ["API_TOKEN": ["title": "API token", "description": "Your token"]],
        ]))
        #expect(try Self.text(Self.envCall(manager, "vars", "TOKEN", as: CallContext(user: "erin"))) == "erins-token")
        var frank = CallContext(user: "frank")
        guard case .failure(let missing) = Self.envCall(manager, "vars", "TOKEN", as: frank) else { Issue.record("expected missing vars"); return }
        #expect(missing.code == .config)
        #expect(missing.details["missingUserVars"] == ["API_TOKEN"])
        let answer = manager.blocking { done in manager.reinitialize(server: "vars", as: frank) { done(.success($0)) } }
        let report = try answer.get()
        #expect(report["success"] == false)
        #expect(report["failureReason"] == "missing_custom_user_vars")
        #expect(report["missingUserVars"] == ["API_TOKEN"])
        frank.userVars = ["API_TOKEN": "franks-token"]
        #expect(try Self.text(Self.envCall(manager, "vars", "TOKEN", as: frank)) == "franks-token")
        let ok = try manager.blocking { done in manager.reinitialize(server: "vars", as: frank) { done(.success($0)) } }.get()
        #expect(ok["success"] == true)
        #expect(ok["serverName"] == "vars")
        #expect(ok["oauthRequired"] == false)
    }

    @Test func requestScopedServersGetAConnectionPerCallThatEndsWithIt() throws {
        let manager = try Manager(options: ManagerOptions())
        defer { manager.close() }
        try manager.addServer(name: "chat", config: Fixtures.modern(["env": ["CONVERSATION": "{{LIBRECHAT_BODY_CONVERSATIONID}}"]]))
        var caller = CallContext(user: "gina")
        guard case .failure(let deferred) = Self.envCall(manager, "chat", "CONVERSATION", as: caller) else { Issue.record("expected deferred"); return }
        #expect(deferred.details["reason"] == "missing_request_fields")
        caller.body = ["conversationId": "c-42"]
        #expect(try Self.text(Self.envCall(manager, "chat", "CONVERSATION", as: caller)) == "c-42")
        caller.body = ["conversationId": "c-43"]
        #expect(try Self.text(Self.envCall(manager, "chat", "CONVERSATION", as: caller)) == "c-43")
        // Each connection closed with its call.
        let deadline = SystemClock().nowNanoseconds() + 10_000_000_000
        while !Fixtures.runningFixtureProcesses().isEmpty, SystemClock().nowNanoseconds() < deadline { usleep(50_000) }
        #expect(Fixtures.runningFixtureProcesses().isEmpty)
    }

    @Test func idleUserConnectionsCloseOnATimerAndSharedOnesStay() throws {
        var options = ManagerOptions()
        options.connections.userIdleTimeoutMs = 400
        let manager = try Manager(options: options)
        defer { manager.close() }
        try manager.addServer(name: "mine", config: Fixtures.modern(["env": ["WHO": "{{LIBRECHAT_USER_ID}}"]]))
        try manager.addServer(name: "shared", config: Fixtures.modern())
        _ = try Self.envCall(manager, "mine", "WHO", as: CallContext(user: "hank")).get()
        _ = try Self.envCall(manager, "shared", "WHO").get()
        let events = drainEvents(manager) { $0["kind"] == "status" && $0["reason"] == "idle" }
        let idle = events.last
        #expect(idle?["reason"] == "idle")
        #expect(idle?["user"] == "hank")
        #expect(idle?["server"] == "mine")
        #expect(try manager.status(server: "shared")["status"] == "connected")
        #expect(try manager.status(server: "mine", as: CallContext(user: "hank"))["status"] == "disconnected")
        // The next call simply reconnects.
        #expect(try Self.text(Self.envCall(manager, "mine", "WHO", as: CallContext(user: "hank"))) == "hank")
    }

    @Test func repeatedConnectFailuresOpenTheBreakerAndReinitializeClearsIt() throws {
        var options = ManagerOptions()
        options.connections.failureLimit = 2
        let manager = try Manager(options: options)
        defer { manager.close() }
        try manager.addServer(name: "broken", config: ["command": "python3", "args": ["-c", "import sys; sys.exit(3)"]])
        for _ in 0..<2 {
            guard case .failure(let error) = manager.blocking({ manager.connect(server: "broken", completion: $0) }) else { Issue.record("must fail"); return }
            #expect(error.code != .unavailable)
        }
        guard case .failure(let open) = manager.blocking({ manager.connect(server: "broken", completion: $0) }) else { Issue.record("must fail"); return }
        #expect(open.code == .unavailable)
        #expect(open.details["reason"] == "circuit_open")
        #expect((open.details["retryAfterMs"]?.int64Value ?? 0) > 20_000)
        #expect(try manager.status(server: "broken")["circuit"]?["open"] == true)
        let report = try manager.blocking { done in manager.reinitialize(server: "broken") { done(.success($0)) } }.get()
        #expect(report["success"] == false)
        // Reinitialize really tried again (the breaker was cleared), and the server failed again.
        #expect(report["error"]?["code"] != .int(Int64(MCPError.Code.unavailable.rawValue)))
    }

    @Test func connectAllOpensSharedConnectionsAndReportsEachServer() throws {
        let manager = try Manager(options: ManagerOptions())
        defer { manager.close() }
        try manager.addServer(name: "a", config: Fixtures.modern())
        try manager.addServer(name: "b", config: Fixtures.legacy())
        try manager.addServer(name: "broken", config: ["command": "python3", "args": ["-c", "import sys; sys.exit(3)"]])
        try manager.addServer(name: "mine", config: Fixtures.modern(["env": ["WHO": "{{LIBRECHAT_USER_ID}}"]]))
        try manager.addServer(name: "later", config: Fixtures.modern(["startup": false]))
        try manager.addServer(name: "off", config: Fixtures.modern(["enabled": false]))
        let report = try manager.blocking { done in manager.connectAll(parallel: 2) { done(.success($0)) } }.get()
        let servers = report["servers"]
        #expect(servers?["a"]?["status"] == "connected")
        #expect(servers?["b"]?["status"] == "connected")
        #expect(servers?["broken"]?["status"] == "error")
        #expect(servers?["mine"]?["status"] == "skipped")
        #expect(servers?["later"]?["status"] == "skipped")
        #expect(servers?["off"]?["reason"] == "disabled")
        #expect(servers?.objectValue?.keys == ["a", "b", "broken", "later", "mine", "off"])
        #expect(Fixtures.runningFixtureProcesses().count == 2)
        #expect(try manager.status(server: "a")["authorizationState"] == "not_required")
    }

    @Test func anIdleConnectionIsPingedBeforeUseAndReplacedWhenItDoesNotAnswer() throws {
        var options = ManagerOptions()
        options.connections.livenessCheckMs = 300
        options.connections.livenessTimeoutMs = 500
        let manager = try Manager(options: options)
        defer { manager.close() }
        try manager.addServer(name: "old", config: Fixtures.legacy())
        let echo = { () -> String? in
            let payload = try? manager.callToolBlocking(server: "old", tool: "echo", arguments: ["text": "hi"], timeoutMs: 20_000).get()
            return payload?["result"]?["content"]?.arrayValue?.first?["text"]?.stringValue
        }
        #expect(echo() == "hi")
        let first = Fixtures.runningFixtureProcesses()
        usleep(400_000)
        // Idle past the check, but alive: the ping is answered and the same process serves the call.
        #expect(echo() == "hi")
        #expect(Fixtures.runningFixtureProcesses() == first)
        // A hung server (stopped) does not answer the ping: the call gets a fresh connection.
        for pid in first { kill(pid, SIGSTOP) }
        usleep(400_000)
        #expect(echo() == "hi")
        let deadline = SystemClock().nowNanoseconds() + 10_000_000_000
        while Fixtures.runningFixtureProcesses().contains(where: first.contains), SystemClock().nowNanoseconds() < deadline { usleep(50_000) }
        let now = Fixtures.runningFixtureProcesses()
        #expect(now.count == 1 && !now.contains(where: first.contains))
    }

    @Test func aSharedConnectionLostWithAnErrorIsReopenedInTheBackground() throws {
        var options = ManagerOptions()
        options.connections.reconnectBaseMs = 20
        options.connections.reconnectJitterMs = 0
        let manager = try Manager(options: options)
        defer { manager.close() }
        try manager.addServer(name: "fx", config: Fixtures.modern())
        _ = try manager.blocking { manager.connect(server: "fx", completion: $0) }.get()
        _ = drainEvents(manager) { $0["kind"] == "status" && $0["status"] == "connected" }
        let first = Fixtures.runningFixtureProcesses()
        #expect(first.count == 1)
        for pid in first { kill(pid, SIGKILL) }
        var statuses: [String] = []
        _ = drainEvents(manager, until: { event in
            if event["kind"] == "status", let status = event["status"]?.stringValue { statuses.append(status) }
            return statuses.count >= 2 && statuses.last == "connected"
        }, timeoutMs: 20_000)
        #expect(statuses.first == "error")
        #expect(statuses.last == "connected")
        let second = Fixtures.runningFixtureProcesses()
        #expect(second.count == 1 && second != first)
    }
}

@Suite struct CircuitBreakerTests {
    @Test func failuresOpenItWithGrowingBackoff() {
        var policy = ConnectionPolicy()
        policy.failureLimit = 3
        var breaker = CircuitBreaker()
        let second: UInt64 = 1_000_000_000
        breaker.recordFailure(now: 1 * second, policy: policy)
        breaker.recordFailure(now: 2 * second, policy: policy)
        #expect(breaker.remaining(now: 2 * second) == nil)
        breaker.recordFailure(now: 3 * second, policy: policy)
        #expect(breaker.remaining(now: 3 * second) == 30 * second)
        breaker.recordFailure(now: 4 * second, policy: policy)
        #expect(breaker.remaining(now: 4 * second) == 60 * second)
        // Failures older than the window do not count.
        var fresh = CircuitBreaker()
        fresh.recordFailure(now: 1 * second, policy: policy)
        fresh.recordFailure(now: 2 * second, policy: policy)
        fresh.recordFailure(now: 200 * second, policy: policy)
        #expect(fresh.remaining(now: 200 * second) == nil)
        breaker.reset()
        #expect(breaker.remaining(now: 4 * second) == nil)
    }

    @Test func cyclesOpenItForTheCooldownAndBackoffIsCapped() {
        var policy = ConnectionPolicy()
        var breaker = CircuitBreaker()
        let second: UInt64 = 1_000_000_000
        for index in 0..<6 { breaker.recordCycle(now: UInt64(index + 1) * second, policy: policy) }
        #expect(breaker.remaining(now: 6 * second) == nil)
        breaker.recordCycle(now: 7 * second, policy: policy)
        #expect(breaker.remaining(now: 7 * second) == 15 * second)
        policy.failureLimit = 1
        var capped = CircuitBreaker()
        for index in 0..<10 { capped.recordFailure(now: UInt64(index + 1) * second, policy: policy) }
        #expect(capped.remaining(now: 10 * second) == 300 * second)
        #expect(policy.reconnectDelayMs(attempt: 1, jitter: 0) == 2_000)
        #expect(policy.reconnectDelayMs(attempt: 3, jitter: 0) == 8_000)
        #expect(policy.reconnectDelayMs(attempt: 10, jitter: 0) == 30_000)
        #expect((2_000...3_000).contains(policy.reconnectDelayMs(attempt: 1, jitter: 123_456)))
    }

    @Test func policyOptionsAreCheckedByName() throws {
        let parsed = try ManagerOptions.parse(["connections": ["userIdleTimeoutMs": 1_000, "failureLimit": 5]])
        #expect(parsed.connections.userIdleTimeoutMs == 1_000)
        #expect(parsed.connections.failureLimit == 5)
        let unknown = #expect(throws: MCPError.self) { try ManagerOptions.parse(["connections": ["idle": 1]]) }
        #expect(unknown?.details["path"] == "connections.idle")
        let range = #expect(throws: MCPError.self) { try ManagerOptions.parse(["connections": ["reconnectAttempts": -1]]) }
        #expect(range?.details["path"] == "connections.reconnectAttempts")
    }

    @Test func userContextsAreParsedStrictly() throws {
        let context = try CallContext.parse(["id": "u1", "role": "admin", "email": "a@b", "userVars": ["K": "v"], "body": ["messageId": "m"]])
        #expect(context.user == "u1")
        #expect(context.identity?.isAdmin == true)
        #expect(context.profile["email"] == "a@b")
        #expect(context.userVars == ["K": "v"])
        #expect(context.body["messageId"] == "m")
        #expect(throws: MCPError.self) { try CallContext.parse(["role": "admin"]) }
        let unknown = #expect(throws: MCPError.self) { try CallContext.parse(["id": "u1", "mail": "x"]) }
        #expect(unknown?.details["path"] == "mail")
        let badVar = #expect(throws: MCPError.self) { try CallContext.parse(["id": "u1", "userVars": ["K": 1]]) }
        #expect(badVar?.details["path"] == "userVars.K")
    }
}

@Suite struct SharedRegistryTests {
    /// Two managers over one store stand in for two processes: nothing but the store is shared between them.
    @Test func aChangeMadeByAnotherManagerReachesThisOnesEntry() throws {
        let store = MemoryCredentialStore()
        var options = ManagerOptions()
        options.connections.registryRecheckMs = 0
        let first = try Manager(options: options)
        let second = try Manager(options: options)
        defer { first.close(); second.close() }
        try first.setCredentialStore(store)
        try second.setCredentialStore(store)
        let alice = CallContext(user: "alice")
        _ = try first.createServer(name: "docs", config: ["url": "https://docs.example.com/mcp", "title": "Docs"], as: alice)
        _ = try second.listServers([:], as: alice)  // makes the registry; the server is found on first use
        #expect(try second.route("docs", alice).entry.config.title == "Docs")
        _ = try first.updateServer("docs", patch: ["title": "Docs v2"], as: alice)
        #expect(try second.route("docs", alice).entry.config.title == "Docs v2")
        _ = try first.deleteServer("docs", as: alice)
        let gone = #expect(throws: MCPError.self) { try second.route("docs", alice) }
        #expect(gone?.code == .notFound)
        // Someone else may not use it at all.
        _ = try first.createServer(name: "private", config: ["url": "https://p.example.com/mcp"], as: alice)
        let denied = #expect(throws: MCPError.self) { try second.route("private", CallContext(user: "mallory")) }
        #expect(denied?.code == .permission)
    }
}

extension SharedRegistryTests {
    @Test func deletingAServerRemovesEveryUsersVariablesEvenThoseSavedElsewhere() throws {
        let store = MemoryCredentialStore()
        let first = try Manager(options: ManagerOptions())
        let second = try Manager(options: ManagerOptions())
        defer { first.close(); second.close() }
        try first.setCredentialStore(store)
        try second.setCredentialStore(store)
        let admin = CallContext(user: "root", role: "admin")
        _ = try first.createServer(name: "vars", config: [
            "url": "https://vars.example.com/mcp", "source": ["tier": "admin"],
            "customUserVars": ["API_TOKEN": ["title": "Token", "description": "Yours"]],
        ], as: admin)
        _ = try first.shareServer("vars", grant: ["role": "user", "permissions": ["view", "use"]], as: admin)
        _ = try second.setUserVariables("vars", values: ["API_TOKEN": "alice-secret"], as: CallContext(user: "alice"))
        _ = try first.setUserVariables("vars", values: ["API_TOKEN": "bob-secret"], as: CallContext(user: "bob"))
        #expect(try first.authValues("vars", as: CallContext(user: "alice"))["authValueFlags"]?["API_TOKEN"] == true)
        let aliceKey = CredentialKey(user: "alice", server: "default/vars", kind: .userVariables)
        #expect(try store.get(aliceKey) != nil)
        _ = try first.deleteServer("vars", as: admin)
        #expect(try store.get(aliceKey) == nil)
        #expect(try store.get(CredentialKey(user: "bob", server: "default/vars", kind: .userVariables)) == nil)
        #expect(try store.get(CredentialKey(user: "default", server: "vars", kind: .serverUsers)) == nil)
    }
}
