import Glibc
public import MCPClientCore

/// A fixture server process (e.g. `Tests/Fixtures/servers/serve_http.py`) that prints `READY <text>` once it
/// listens; killed when the value goes away. Tests only: it starts through `/bin/sh` so the shell can print its pid
/// and then become the server, which lets the test kill exactly that process.
public final class FixtureProcess {
    /// What the process printed after `READY ` (a URL or an origin, by fixture).
    public let announced: String
    private let pid: Int32
    private let pipe: UnsafeMutablePointer<FILE>

    /// `quietStderr` sends the fixture's stderr to /dev/null (else it goes to the test's stderr).
    public init(_ arguments: [String], quietStderr: Bool = false) throws(MCPError) {
        let quoted = arguments.map { "'" + $0.replacingLiteral("'", with: "'\\''") + "'" }
        let command = "echo $$; exec " + quoted.joined(separator: " ") + " </dev/null" + (quietStderr ? " 2>/dev/null" : "")
        guard let pipe = popen(command, "r") else { throw MCPError(.generic, "popen failed") }
        self.pipe = pipe
        func line() -> String? {
            var buffer = [CChar](repeating: 0, count: 512)
            guard fgets(&buffer, 512, pipe) != nil else { return nil }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).trimmingASCIIWhitespace()
        }
        guard let pidLine = line(), let pid = Int32(pidLine) else {
            pclose(pipe)
            throw MCPError(.generic, "no pid from the fixture shell")
        }
        self.pid = pid
        guard let ready = line(), ready.hasPrefix("READY ") else {
            kill(pid, SIGKILL)
            pclose(pipe)
            throw MCPError(.generic, "\(arguments.dropFirst().first ?? "the fixture") did not start")
        }
        announced = String(ready.dropFirst("READY ".count))
    }

    deinit {
        // SIGKILL: a child spawned from a test thread inherits its blocked-signal mask, so SIGTERM may never arrive.
        kill(pid, SIGKILL)
        pclose(pipe)
    }
}
