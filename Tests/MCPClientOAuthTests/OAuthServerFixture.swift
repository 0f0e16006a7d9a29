import Glibc
import MCPClientCore
import MCPClientOAuth
import MCPClientTesting
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
    var announced: String { process.announced }
    private let process: FixtureProcess

    init(script: String = "oauth_server.py", arguments: [String] = []) throws(MCPError) {
        process = try FixtureProcess([Self.python, Self.script(script), "--max-seconds", "90"] + arguments)
        let prefix = "http://127.0.0.1:"
        guard process.announced.hasPrefix(prefix), let port = Int(process.announced.dropFirst(prefix.count).prefix { $0 != "/" }) else {
            throw MCPError(.generic, "the OAuth fixture \(script) announced \(process.announced)")
        }
        self.port = port
        origin = "http://127.0.0.1:\(port)"
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
