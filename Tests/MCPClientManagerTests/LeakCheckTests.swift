import Glibc
import MCPClientCore
import MCPClientManager
import MCPClientProtocol
import MCPClientTesting
import Testing

/// `serve_http.py` on 127.0.0.1 (an OS-assigned port), stopped when this is released.
final class ServeHTTPFixture {
    var url: String { process.announced }
    private let process: FixtureProcess

    init(python: String, era: String, mode: String) throws {
        process = try FixtureProcess([python, Fixtures.root + "/Tests/Fixtures/servers/serve_http.py", "--era", era, "--mode", mode], quietStderr: true)
    }
}

/// Each scenario, from a new manager to `close()`, must give back every descriptor, thread and child process.
@Suite(.serialized, .enabled(if: Fixtures.available, "run scripts/setup-test-env to create the Python fixtures"))
struct LeakCheckTests {
    /// Connect, list, call, close: nothing may be left.
    private func connectCallClose(_ config: JSONValue) throws {
        let manager = try Manager(options: ManagerOptions())
        try manager.addServer(name: "fx", config: config)
        _ = try manager.blocking { manager.connect(server: "fx", completion: $0) }.get()
        _ = try manager.blocking { manager.list(.tools, server: "fx", completion: $0) }.get()
        let sum = try manager.callToolBlocking(server: "fx", tool: "add", arguments: ["a": 2, "b": 3], timeoutMs: 20_000).get()
        #expect(sum["result"]?["content"]?.arrayValue?.first?["text"] == "5")
        manager.close()
    }

    @Test(arguments: ["modern", "legacy"])
    func stdioConnectionGivesEverythingBack(era: String) throws {
        let leaks = try ResourceCheck.leaks { try connectCallClose(era == "modern" ? Fixtures.modern() : Fixtures.legacy()) }
        #expect(leaks.isEmpty, "left over: \(leaks)")
    }

    @Test(arguments: [("modern", "json"), ("legacy", "stateful"), ("legacy", "websocket")])
    func remoteConnectionGivesEverythingBack(era: String, mode: String) throws {
        let server = try ServeHTTPFixture(python: era == "modern" ? Fixtures.modernPython : Fixtures.legacyPython, era: era, mode: mode)
        let type = mode == "websocket" ? "websocket" : "streamable-http"
        let leaks = try ResourceCheck.leaks { try connectCallClose(["type": .string(type), "url": .string(server.url)]) }
        #expect(leaks.isEmpty, "left over: \(leaks)")
    }

    /// A failed connect's session is closed by no slot; `close()` used to return before its server was gone, leaving
    /// the process running (and the session graph leaked once the I/O loop stopped).
    @Test func closeWaitsForTheServerOfAFailedConnect() throws {
        let pidFile = "/tmp/mcpclient-leakcheck-\(getpid()).pid"
        defer { unlink(pidFile) }
        // Refuses every request, and lingers a second after stdin closes.
        let script = #"""
            echo $$ > "$1"
            while IFS= read -r line; do
              id=$(printf '%s' "$line" | sed -n 's/.*"id":\([0-9]*\).*/\1/p')
              [ -n "$id" ] && printf '{"jsonrpc":"2.0","id":%s,"error":{"code":-32603,"message":"no"}}\n' "$id"
            done
            sleep 1
            """#
        var pid: Int32 = 0
        let leaks = try ResourceCheck.leaks {
            let manager = try Manager(options: ManagerOptions())
            try manager.addServer(name: "refuses", config: ["command": "/bin/sh", "args": ["-c", .string(script), "sh", .string(pidFile)]])
            let connected = manager.blocking { manager.connect(server: "refuses", completion: $0) }
            #expect(throws: MCPError.self) { try connected.get() }
            pid = Int32(String(decoding: (try? readAll(pidFile)) ?? [], as: UTF8.self).filter(\.isNumber)) ?? 0
            manager.close()
            #expect(pid > 0 && Fixtures.parent(of: pid) == nil, "server \(pid) still running after close()")
        }
        #expect(leaks.isEmpty, "left over: \(leaks)")
    }
}

private func readAll(_ path: String) throws -> [UInt8] {
    guard let file = fopen(path, "r") else { throw MCPError(.generic, "cannot open \(path)") }
    defer { fclose(file) }
    var bytes = [UInt8](repeating: 0, count: 64)
    let count = fread(&bytes, 1, bytes.count, file)
    return Array(bytes[0..<count])
}
