import Glibc
import MCPClientCore
import MCPClientTesting
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
        for (key, value) in scaledStartBudget { config[key] = value }
        for (key, value) in extra { config[key] = value }
        return .object(config)
    }

    static func legacy() -> JSONValue {
        var config: JSONObject = ["command": .string(legacyPython), "args": [.string(legacyServer)]]
        for (key, value) in scaledStartBudget { config[key] = value }
        return .object(config)
    }

    /// A Python server starting on a sanitizer run's loaded machine can take longer than the 30 s connect default
    /// (`ServerConfig.defaultInitTimeoutMs`).
    private static var scaledStartBudget: JSONObject {
        TestTime.scale > 1 ? ["initTimeout": .int(Int64(TestTime.ms(30_000)))] : [:]
    }

    /// Fixture servers this test process started and that are still alive (other test runs are ignored).
    /// `tag`: only those whose environment holds `MCPCLIENT_TEST_TAG=<tag>` (suites running in parallel start fixtures too).
    static func runningFixtureProcesses(tag: String? = nil) -> [Int32] {
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
            guard cmdline.contains("Tests/Fixtures/servers/everything_"), parent(of: pid) == getpid() else { continue }
            if let tag, !environment(of: pid).contains("MCPCLIENT_TEST_TAG=" + tag) { continue }
            pids.append(pid)
        }
        return pids
    }

    /// A process's environment entries (empty when it cannot be read).
    static func environment(of pid: Int32) -> [String] {
        guard let file = fopen("/proc/\(pid)/environ", "r") else { return [] }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 1 << 20 {
            let count = fread(&buffer, 1, buffer.count, file)
            guard count > 0 else { break }
            bytes += buffer[0..<count]
        }
        return bytes.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Parent pid of a live (not zombie) process.
    static func parent(of pid: Int32) -> Int32? {
        guard let status = ProcessGroup.status(of: String(pid)), status.state != "Z" else { return nil }
        return status.parent
    }
}
