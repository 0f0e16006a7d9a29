import Glibc
import MCPClientABI
import MCPClientCore
import Testing

/// The config entry points as a C host calls them.
@Suite struct ConfigABITests {
    static let libreChat = """
    mcpServers:
      files:
        command: npx
        args: [-y, server-filesystem]
      gh:
        type: http
        url: https://api.example.com/mcp
        oauth:
          clientId: x
    """

    @Test func loadValidateAndExportRoundTrip() throws {
        var out: UnsafeMutablePointer<CChar>?
        var error: UnsafeMutablePointer<CChar>?
        #expect(code(mcpConfigLoad(Self.libreChat, #"{"file":"librechat.yaml"}"#, &out, &error)) == OK)
        #expect(error == nil)
        let loadedText = try #require(takeString(out))
        let loaded = try JSONParser.parse(loadedText)
        #expect(loaded["format"] == "librechat")
        #expect(loaded["servers"]?["gh"]?["type"] == "streamable-http")
        #expect(loaded["servers"]?["files"]?["source"] == ["format": "librechat", "file": "librechat.yaml", "tier": "operator"])
        #expect(loaded["diagnostics"]?.arrayValue?.first?["suggestion"] == "client_id")

        for format in ["json", "yaml"] {
            #expect(code(mcpConfigExport(loadedText, #"{"format":"\#(format)"}"#, &out, &error)) == OK)
            let exported = try #require(takeString(out))
            #expect(code(mcpConfigLoad(exported, nil, &out, &error)) == OK)
            let again = try JSONParser.parse(try #require(takeString(out)))
            #expect(again["format"] == "normalized")
            #expect(again["servers"] == loaded["servers"])
        }
    }

    @Test func errorsListEveryProblemWithLineAndColumn() throws {
        let text = "mcpServers:\n  a:\n    command: 5\n    args: []\n  b:\n    url: ftp://x\n"
        var out: UnsafeMutablePointer<CChar>?
        var error: UnsafeMutablePointer<CChar>?
        #expect(code(mcpConfigLoad(text, nil, &out, &error)) == CONFIG)
        #expect(out == nil)
        let failure = try errorJSON(error)
        #expect(failure["name"] == "MCP_ERR_CONFIG")
        #expect(failure["details"]?["path"] == "mcpServers.a.command")
        let diagnostics = try #require(failure["details"]?["diagnostics"]?.arrayValue)
        #expect(diagnostics.map { [$0["code"], $0["path"], $0["line"], $0["column"]] } == [
            ["invalid_type", "mcpServers.a.command", 3, 5], ["invalid_url_scheme", "mcpServers.b.url", 6, 5],
        ])

        #expect(code(mcpConfigValidate(text, nil, &out, &error)) == OK)
        let report = try JSONParser.parse(try #require(takeString(out)))
        #expect(report["valid"] == false && report["errors"] == 2 && report["warnings"] == 0)
    }

    @Test func badArgumentsAreRejected() throws {
        var out: UnsafeMutablePointer<CChar>?
        var error: UnsafeMutablePointer<CChar>?
        #expect(code(mcpConfigLoad(nil, nil, &out, &error)) == INVALID)
        #expect(try errorJSON(error)["message"] == "text is NULL")
        #expect(code(mcpConfigLoad("{}", nil, nil, &error)) == INVALID)
        _ = takeString(error)
        #expect(code(mcpConfigLoad("{}", #"{"format":"toml"}"#, &out, &error)) == INVALID)
        #expect(try errorJSON(error)["details"]?["path"] == "format")
        #expect(code(mcpConfigLoad("{}", #"{"colour":1}"#, &out, &error)) == INVALID)
        _ = takeString(error)
        #expect(code(mcpConfigExport("[]", nil, &out, &error)) == INVALID)
        _ = takeString(error)
        #expect(code(mcpConfigExport("{}", #"{"format":"xml"}"#, &out, &error)) == INVALID)
        _ = takeString(error)
        #expect(code(mcpManagerLoadConfig(nil, "{}", nil, &out, &error)) == INVALID)
        _ = takeString(error)
    }

    @Test func managerLoadConfigIsAllOrNothing() throws {
        var manager: OpaquePointer?
        var error: UnsafeMutablePointer<CChar>?
        var out: UnsafeMutablePointer<CChar>?
        #expect(code(mcpManagerNew(&manager, nil, &error)) == OK)
        defer { mcpManagerFree(manager) }
        let text = #"{"mcpServers": {"a": {"command": "true", "enabled": true}, "b": {"command": "true", "enabled": false}}}"#
        #expect(code(mcpManagerLoadConfig(manager, text, nil, &out, &error)) == OK)
        let result = try JSONParser.parse(try #require(takeString(out)))
        #expect(result["added"] == ["a"])
        #expect(result["skipped"] == [["server": "b", "reason": "disabled"]])
        #expect(result["settingsApplied"] == false)
        #expect(code(mcpManagerServerStatus(manager, "a", &out, &error)) == OK)
        _ = takeString(out)
        #expect(code(mcpManagerServerStatus(manager, "b", &out, &error)) == NOT_FOUND)
        _ = takeString(error)

        #expect(code(mcpManagerLoadConfig(manager, text, nil, &out, &error)) == CONFLICT)
        #expect(try errorJSON(error)["details"]?["servers"] == ["a"])
        let mixed = #"{"mcpServers": {"c": {"command": "true"}, "d": {"url": "ftp://x"}}}"#
        #expect(code(mcpManagerLoadConfig(manager, mixed, nil, &out, &error)) == CONFIG)
        _ = takeString(error)
        #expect(code(mcpManagerServerStatus(manager, "c", &out, &error)) == NOT_FOUND)
        _ = takeString(error)
    }
}
