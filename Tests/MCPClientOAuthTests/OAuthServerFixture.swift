import Glibc
import MCPClientCore
import MCPClientOAuth
import MCPClientTransport

/// `Tests/Fixtures/servers/oauth_server.py` (the python-sdk's `mcp.server.auth` with an in-memory provider) on
/// 127.0.0.1, one process per test, killed when the value goes away (and by its own 90 s guard otherwise).
final class OAuthServerFixture {
    static let python = PythonJWT.python
    static let script = PythonJWT.repositoryRoot + "/Tests/Fixtures/servers/oauth_server.py"
    static let available: Bool = access(python, X_OK) == 0 && access(script, R_OK) == 0
        && PythonJWT.run("import mcp.server.auth.routes; print('ok')") == "ok"

    /// The issuer (the server's origin, as the SDK writes it: with a trailing slash).
    let origin: String
    let port: Int
    private let pid: Int32
    private let pipe: UnsafeMutablePointer<FILE>

    init(arguments: [String] = []) throws(MCPError) {
        let quoted = ([Self.python, Self.script, "--max-seconds", "90"] + arguments).map { "'" + $0.replacingLiteral("'", with: "'\\''") + "'" }
        // The shell prints its pid and becomes the server, so the test can kill exactly that process.
        guard let pipe = popen("echo $$; exec " + quoted.joined(separator: " ") + " </dev/null", "r") else {
            throw MCPError(.generic, "popen failed")
        }
        self.pipe = pipe
        func line() -> String? {
            var buffer = [CChar](repeating: 0, count: 512)
            guard fgets(&buffer, 512, pipe) != nil else { return nil }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).trimmingASCIIWhitespace()
        }
        guard let pidLine = line(), let pid = Int32(pidLine) else { pclose(pipe); throw MCPError(.generic, "no pid from the fixture shell") }
        self.pid = pid
        guard let ready = line(), ready.hasPrefix("READY http://127.0.0.1:"), let port = Int(ready.dropFirst("READY http://127.0.0.1:".count)) else {
            kill(pid, SIGKILL)
            pclose(pipe)
            throw MCPError(.generic, "the OAuth fixture did not start")
        }
        self.port = port
        origin = "http://127.0.0.1:\(port)"
    }

    deinit {
        // SIGKILL: a child spawned from a test thread inherits its blocked-signal mask, so SIGTERM may never arrive.
        kill(pid, SIGKILL)
        pclose(pipe)
    }

    func url(_ path: String) -> String { origin + path }
    var issuer: String { origin + "/" }
}

/// An engine on its own loop for one test.
final class EngineBox {
    let loop: EventLoop
    let engine: HTTPEngine
    init() throws(MCPError) {
        loop = try EventLoop()
        engine = try HTTPEngine(loop: loop)
    }
    deinit {
        engine.close()
        loop.shutdown()
    }
    func client(_ configure: (inout OAuthHTTPOptions) -> Void = { _ in }) -> OAuthHTTPClient {
        var options = OAuthHTTPOptions()
        configure(&options)
        return OAuthHTTPClient(engine: engine, options: options)
    }
}
