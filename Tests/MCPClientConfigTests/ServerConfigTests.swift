import MCPClientConfig
import MCPClientCore
import Testing

@Suite struct ServerConfigTests {
    @Test func parsesAFullStdioEntryWithDefaults() throws {
        let config = try ServerConfig.parse(name: "files", json: ["command": "npx", "args": ["-y", "server"], "env": ["TOKEN": "x", "PORT": 8080]])
        guard case .stdio(let stdio) = config.transport else { Issue.record("expected stdio"); return }
        #expect(stdio.command == "npx")
        #expect(stdio.args == ["-y", "server"])
        #expect(stdio.env == ["TOKEN": "x", "PORT": "8080"])
        #expect(stdio.stderr == .log)
        #expect(config.timeoutMs == 60_000)
        #expect(config.initTimeoutMs == 30_000)
        #expect(config.era == .auto)
    }

    @Test func honoursExplicitOptions() throws {
        let config = try ServerConfig.parse(name: "s", json: [
            "type": "stdio", "command": "srv", "cwd": "/tmp", "stderr": ["file": "/tmp/s.log"], "timeout": 5000, "initTimeout": 100,
            "era": "legacy", "maxMessageBytes": 4096,
        ])
        guard case .stdio(let stdio) = config.transport else { Issue.record("expected stdio"); return }
        #expect(stdio.cwd == "/tmp")
        #expect(stdio.stderr == .file("/tmp/s.log"))
        #expect(stdio.maxMessageBytes == 4096)
        #expect(config.timeoutMs == 5000)
        #expect(config.era == .legacy)
    }

    static let problems: [(String, String)] = [
        ("[]", ""),
        (#"{"args":["x"]}"#, "command"),
        (#"{"command":5}"#, "command"),
        (#"{"command":""}"#, "command"),
        (#"{"command":"x","args":"a b"}"#, "args"),
        (#"{"command":"x","args":["ok",3]}"#, "args[1]"),
        (#"{"command":"x","env":{"A":{"nested":true}}}"#, "env.A"),
        (#"{"command":"x","timeout":-1}"#, "timeout"),
        (#"{"command":"x","timeout":"60"}"#, "timeout"),
        (#"{"command":"x","stderr":"loud"}"#, "stderr"),
        (#"{"command":"x","era":"future"}"#, "era"),
        (#"{"command":"x","comand":"typo"}"#, "comand"),
        (#"{"type":"carrier-pigeon","url":"x"}"#, "type"),
        (#"{"command":"bad\u0000name"}"#, "command"),
    ]

    @Test(arguments: problems)
    func reportsThePathOfEachProblem(text: String, path: String) throws {
        let json = try JSONParser.parse(text)
        let error = #expect(throws: MCPError.self) { try ServerConfig.parse(name: "s", json: json) }
        #expect(error?.code == .config)
        #expect(error?.details["path"] == .string(path))
    }

    @Test(arguments: ["", "has space", "slash/name", String(repeating: "a", count: 65), "ünïcode"])
    func rejectsBadNames(name: String) {
        #expect(throws: MCPError.self) { try ServerConfig.parse(name: name, json: ["command": "x"]) }
    }

    @Test func recognizesRemoteTransportsForLaterIssues() throws {
        let config = try ServerConfig.parse(name: "r", json: ["type": "sse", "url": "https://example.com/sse"])
        #expect(config.transport == .remote(ServerConfig.Remote(type: "sse", url: "https://example.com/sse")))
    }
}
