import MCPClientCore
import MCPClientManager
import MCPClientProtocol
import Testing

/// Subscriptions and tasks through the manager against the real fixtures, with a host thread and the I/O
/// thread both at work (these run under ThreadSanitizer in scripts/test-all).
extension ManagerTests {
    @Test(arguments: [Fixtures.modern(), Fixtures.legacy()])
    func resourceUpdatesReachASubscribedHost(config: JSONValue) throws {
        let manager = try Manager(options: ManagerOptions())
        defer { manager.close() }
        try manager.addServer(name: "fx", config: config)
        let subscribed = try manager.blocking { manager.subscribe(server: "fx", uri: "fixture://counter", completion: $0) }.get()
        #expect(subscribed["subscribed"] == true)
        _ = try manager.callToolBlocking(server: "fx", tool: "bump", arguments: [:], timeoutMs: 30_000).get()
        let update = drainEvents(manager) { $0["kind"] == "resource_updated" }.last
        #expect(update?["uri"] == "fixture://counter")
        _ = try manager.blocking { manager.unsubscribe(server: "fx", uri: "fixture://counter", completion: $0) }.get()
        #expect(throws: MCPError.self) {
            try manager.blocking { manager.subscribe(server: "nope", uri: "fixture://counter", completion: $0) }.get()
        }
    }

    @Test(arguments: [Fixtures.modern(), Fixtures.legacy()])
    func aToolCallThatBecomesATaskReturnsItsResult(config: JSONValue) throws {
        var options = ManagerOptions()
        options.tasks = .always
        let manager = try Manager(options: options)
        defer { manager.close() }
        try manager.addServer(name: "fx", config: config)
        _ = try manager.blocking { manager.list(.tools, server: "fx", completion: $0) }.get()  // legacy: learns taskSupport
        let result = try manager.callToolBlocking(server: "fx", tool: "long_job", arguments: ["seconds": 0.2], timeoutMs: 30_000).get()
        #expect(result["result"]?["content"]?.arrayValue?.first?["text"] == "done")
        let tasks = drainEvents(manager, until: { _ in false }, timeoutMs: 300).filter { $0["kind"] == "task" }
        #expect(tasks.first?["status"] == "working")
        #expect(tasks.last?["status"] == "completed")
    }
}
