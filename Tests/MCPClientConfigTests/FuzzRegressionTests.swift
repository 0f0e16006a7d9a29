import MCPClientConfig
import MCPClientCore
import Testing

/// Inputs the config fuzzer (fuzz/config) found, kept as cases.
@Suite struct ConfigFuzzRegressionTests {
    /// A normalized config with an unknown key inside `source` loaded without errors, keeping the key, and the
    /// server it produced was then refused by ServerConfig.parse (strict): the key is now dropped with a warning.
    @Test func anUnknownSourceKeyIsDroppedSoTheLoadedServerParses() throws {
        let text = #"{"mcpclient":{"version":1},"mcpServers":{"a":{"type":"stdio","command":"x","args":["y"],"source":{"formet":"claude"}}}}"#
        let result = ConfigLoader.load(text: text)
        #expect(!result.hasErrors, "\(result.diagnostics.map(\.message))")
        let warning = try #require(result.diagnostics.first)
        #expect(warning.severity == .warning && warning.code == "unknown_key" && warning.path == "mcpServers.a.source.formet")
        #expect(warning.suggestion == "format")
        let server = try #require(result.servers["a"])
        #expect(server["source"]?["formet"] == nil)
        #expect(server["source"]?["format"] == "normalized")
        let config = try ServerConfig.parse(name: "a", json: server)
        #expect(config.normalized == server.objectValue)
        // Strict loading still refuses it.
        #expect(ConfigLoader.load(text: text, options: ConfigLoadOptions(strict: true)).hasErrors)
    }
}
