import Glibc
import MCPClientCore
import MCPClientOAuth
import Testing

/// Cross-checks client assertions with an independent implementation (PyJWT + cryptography) when a Python with
/// them is available: `MCPCLIENT_TEST_PYTHON`, else the project's dev venv. Skipped otherwise.
enum PythonJWT {
    /// The repository's `.venv-modern` (set up by scripts/setup-test-env), unless MCPCLIENT_TEST_PYTHON names another.
    static let python: String = {
        if let configured = getenv("MCPCLIENT_TEST_PYTHON") { return String(cString: configured) }
        return repositoryRoot + "/.venv-modern/bin/python"
    }()

    static let repositoryRoot: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<(path.lastIndex(of: "/") ?? path.endIndex)]) }
        return path
    }()

    static let available: Bool = access(python, X_OK) == 0 && run("import jwt, cryptography; print('ok')") == "ok"

    /// Runs a Python snippet and returns its trimmed standard output.
    static func run(_ script: String, arguments: [String] = []) -> String? {
        let quoted = ([python, "-c", script] + arguments).map { "'" + $0.replacingLiteral("'", with: "'\\''") + "'" }.joined(separator: " ")
        guard let pipe = popen(quoted + " 2>&1", "r") else { return nil }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&buffer, 1, buffer.count, pipe)
            if count <= 0 { break }
            output += buffer.prefix(count)
        }
        pclose(pipe)
        return String(decoding: output, as: UTF8.self).trimmingASCIIWhitespace()
    }
}

@Suite(.enabled(if: PythonJWT.available, "needs Python with PyJWT and cryptography"))
struct PyJWTCrossCheckTests {
    @Test(arguments: [JWSAlgorithm.rs256, .es256])
    func pyJWTVerifiesOurAssertions(_ algorithm: JWSAlgorithm) throws {
        let key = try SigningKey.generate(algorithm)
        let audience = "https://auth.example.com/token"
        let jwt = try ClientAssertion.make(clientID: "client-1", audience: audience, key: key, now: SystemWallClock().nowSeconds())
        let script = """
            import sys, jwt
            claims = jwt.decode(sys.argv[1], sys.argv[2], algorithms=[sys.argv[3]], audience=sys.argv[4], issuer='client-1')
            print(claims['sub'], claims['exp'] - claims['iat'])
            """
        let output = PythonJWT.run(script, arguments: [jwt, try key.publicKeyPEM(), algorithm.rawValue, audience])
        #expect(output == "client-1 300")
        // A signature PyJWT must reject: the last signature byte flipped.
        var tampered = Array(jwt.utf8)
        tampered[tampered.count - 2] = tampered[tampered.count - 2] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        let rejected = PythonJWT.run(script, arguments: [String(decoding: tampered, as: UTF8.self), try key.publicKeyPEM(), algorithm.rawValue, audience])
        #expect(rejected?.containsLiteral("InvalidSignatureError") == true)
    }
}
