import Glibc
import MCPClientCore
import MCPClientTransport

/// Paths to the pinned Python environments and fixture servers (created by scripts/setup-test-env).
enum Fixtures {
    static let root: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path
    }()
    static let modernPython = root + "/.venv-modern/bin/python"
    static let legacyPython = root + "/.venv-legacy/bin/python"
    static let modernServer = root + "/Tests/Fixtures/servers/everything_modern.py"
    static let legacyServer = root + "/Tests/Fixtures/servers/everything_legacy.py"
    static let timeServer = root + "/.venv-modern/bin/mcp-server-time"
    static var available: Bool { access(modernPython, X_OK) == 0 && access(legacyPython, X_OK) == 0 }

    static func modern(_ extra: JSONObject = [:]) -> JSONValue {
        var config: JSONObject = ["command": .string(modernPython), "args": [.string(modernServer)]]
        for (key, value) in extra { config[key] = value }
        return .object(config)
    }

    static func legacy() -> JSONValue { ["command": .string(legacyPython), "args": [.string(legacyServer)]] }

    /// Fixture servers this test process started and that are still alive (other test runs are ignored).
    static func runningFixtureProcesses() -> [Int32] {
        guard let directory = opendir("/proc") else { return [] }
        defer { closedir(directory) }
        var pids: [Int32] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let pid = Int32(name), let file = fopen("/proc/\(name)/cmdline", "r") else { continue }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = fread(&buffer, 1, buffer.count, file)
            fclose(file)
            let cmdline = String(decoding: buffer[0..<max(count, 0)].map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            if cmdline.contains("Tests/Fixtures/servers/everything_"), parent(of: pid) == getpid() { pids.append(pid) }
        }
        return pids
    }

    /// Parent pid of a live (not zombie) process.
    static func parent(of pid: Int32) -> Int32? {
        guard let status = ProcessGroup.status(of: String(pid)), status.state != "Z" else { return nil }
        return status.parent
    }
}
