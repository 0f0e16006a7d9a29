import MCPClientConfig
import MCPClientCore
import Testing

@Suite struct DotEnvTests {
    private func parse(_ text: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in try DotEnv.parse(text, file: "test.env") { result[key] = value }
        return result
    }

    @Test func keysValuesExportQuotesAndComments() throws {
        let text = """
            # a comment
            PLAIN=value
              SPACED = padded value   
            export EXPORTED=yes
            DOUBLE="a \\"quoted\\" \\n line"
            SINGLE='no \\n escapes ${HOME}'
            EMPTY=
            HASH=abc#def
            TRAILING=abc # comment
            QUOTED_COMMENT="x" # comment
            URL=https://x.example/?a=1&b=2
            MULTI="line one
            line two"
            CRLF=yes\r
            """
        let env = try parse(text)
        #expect(env["PLAIN"] == "value")
        #expect(env["SPACED"] == "padded value")
        #expect(env["EXPORTED"] == "yes")
        #expect(env["DOUBLE"] == "a \"quoted\" \n line")
        #expect(env["SINGLE"] == "no \\n escapes ${HOME}")
        #expect(env["EMPTY"] == "")
        #expect(env["HASH"] == "abc#def")
        #expect(env["TRAILING"] == "abc")
        #expect(env["QUOTED_COMMENT"] == "x")
        #expect(env["URL"] == "https://x.example/?a=1&b=2")
        #expect(env["MULTI"] == "line one\nline two")
        #expect(env["CRLF"] == "yes")
        #expect(env.count == 12)
    }

    @Test func laterDuplicatesWinAndOrderIsKept() throws {
        let entries = try DotEnv.parse("B=1\nA=2\nB=3\n", file: "f")
        #expect(entries.map(\.key) == ["B", "A", "B"])
        #expect(try parse("B=1\nA=2\nB=3\n")["B"] == "3")
    }

    @Test func badLinesNameTheFileAndLineButNotTheValue() throws {
        let cases: [(String, Int)] = [
            ("A=1\nthis line has no equals sign\n", 2),
            ("A=1\nB=2\n1BAD=x\n", 3),
            ("A=1\nQ=\"never closed S3CR3T\nmore\n", 2),
            ("A='x' trailing S3CR3T\n", 1),
            ("A=1\n=nokey\n", 2),
        ]
        for (text, line) in cases {
            let error = try #require(throws: MCPError.self) { try DotEnv.parse(text, file: "/etc/app.env") }
            #expect(error.code == .config)
            #expect(error.details["line"] == .int(Int64(line)), "\(text)")
            #expect(error.message.hasPrefix("/etc/app.env:\(line):"))
            #expect(!error.message.containsLiteral("S3CR3T"))
        }
    }

    @Test func fileReadingIsCappedAndChecked() throws {
        let directory = try TemporaryDirectory()
        try directory.write("ok.env", "K=v\n")
        #expect(try DotEnv.load(path: directory.path + "/ok.env").first?.value == "v")
        try directory.write("big.env", [UInt8](repeating: UInt8(ascii: "#"), count: DotEnv.maxBytes + 1))
        let big = try #require(throws: MCPError.self) { try DotEnv.load(path: directory.path + "/big.env") }
        #expect(big.message.containsLiteral("larger than"))
        try directory.write("bin.env", [0x4B, 0x3D, 0x00, 0x0A])
        #expect(throws: MCPError.self) { try DotEnv.load(path: directory.path + "/bin.env") }
        let missing = try #require(throws: MCPError.self) { try DotEnv.load(path: directory.path + "/missing.env") }
        #expect(missing.message.containsLiteral("missing.env"))
        #expect(throws: MCPError.self) { try DotEnv.load(path: directory.path) }
    }
}
