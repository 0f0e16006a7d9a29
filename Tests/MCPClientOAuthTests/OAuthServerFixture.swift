import Glibc
import MCPClientCore
import MCPClientOAuth
import MCPClientTransport

/// A fixture authorization server from `Tests/Fixtures/servers/` on 127.0.0.1, one process per test, killed when the
/// value goes away (and by its own 90 s guard otherwise): `oauth_server.py` (the python-sdk's `mcp.server.auth` with
/// an in-memory provider) by default, `authlib_server.py` (authlib's server components) for `AuthlibFlowTests`.
final class OAuthServerFixture {
    static let python = PythonJWT.python
    static func script(_ name: String) -> String { PythonJWT.repositoryRoot + "/Tests/Fixtures/servers/" + name }
    static let available: Bool = canRun("oauth_server.py", imports: "mcp.server.auth.routes")

    /// Whether the Python exists, the script is there and `imports` (a comma list of modules) import.
    static func canRun(_ script: String, imports: String) -> Bool {
        access(python, X_OK) == 0 && access(Self.script(script), R_OK) == 0 && PythonJWT.run("import \(imports); print('ok')") == "ok"
    }

    /// `http://127.0.0.1:<port>`.
    let origin: String
    let port: Int
    /// What the server printed after `READY`: the origin for oauth_server.py, the issuer (with its path) for authlib_server.py.
    let announced: String
    private let pid: Int32
    private let pipe: UnsafeMutablePointer<FILE>

    init(script: String = "oauth_server.py", arguments: [String] = []) throws(MCPError) {
        let quoted = ([Self.python, Self.script(script), "--max-seconds", "90"] + arguments).map { "'" + $0.replacingLiteral("'", with: "'\\''") + "'" }
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
        let prefix = "READY http://127.0.0.1:"
        guard let ready = line(), ready.hasPrefix(prefix), let port = Int(ready.dropFirst(prefix.count).prefix { $0 != "/" }) else {
            kill(pid, SIGKILL)
            pclose(pipe)
            throw MCPError(.generic, "the OAuth fixture \(script) did not start")
        }
        self.port = port
        origin = "http://127.0.0.1:\(port)"
        announced = String(ready.dropFirst("READY ".count))
    }

    deinit {
        // SIGKILL: a child spawned from a test thread inherits its blocked-signal mask, so SIGTERM may never arrive.
        kill(pid, SIGKILL)
        pclose(pipe)
    }

    func url(_ path: String) -> String { origin + path }
    /// The python-sdk AS's issuer as its metadata writes it (pydantic adds the slash).
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
