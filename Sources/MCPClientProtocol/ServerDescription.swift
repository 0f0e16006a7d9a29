public import MCPClientCore

/// What the library learned about a server when it connected.
public struct ServerDescription: Sendable, Equatable {
    public var era: ProtocolEra
    public var protocolVersion: String
    public var serverInfo: JSONValue?
    public var capabilities: JSONObject
    public var instructions: String?

    public var json: JSONObject {
        var object: JSONObject = ["era": .string(era.rawValue), "protocolVersion": .string(protocolVersion)]
        if let serverInfo { object["serverInfo"] = serverInfo }
        object["capabilities"] = .object(capabilities)
        if let instructions { object["instructions"] = .string(instructions) }
        return object
    }
}

/// How the client presents itself and which era it tries.
public struct ClientOptions: Sendable {
    public enum EraPreference: String, Sendable { case auto, modern, legacy }

    public var clientInfo: JSONObject
    /// Client capabilities the host enabled (elicitation, sampling, roots); empty by default.
    public var capabilities: JSONObject
    public var eraPreference: EraPreference
    /// Silence from `server/discover` for this long means a legacy server (PySDK uses 10 s).
    public var probeTimeoutNanoseconds: UInt64
    /// Server log level the host asked for (syslog names); nil = no server logs.
    public var logLevel: String?
    /// Whether `tools/call` may become a task.
    public var tasks: TaskMode
    /// Check `structuredContent` against the tool's `outputSchema` (from the last tools/list).
    public var validateOutput = true
    /// Streamable HTTP: mirror `x-mcp-header` arguments into `Mcp-Param-*` headers and drop tools whose
    /// annotations are invalid.
    public var mirrorsParameterHeaders = false

    public init(
        clientInfo: JSONObject = ["name": "mcpclient", "version": .string(MCPClientVersion.string)],
        capabilities: JSONObject = [:], eraPreference: EraPreference = .auto, probeTimeoutNanoseconds: UInt64 = 10_000_000_000,
        logLevel: String? = nil, tasks: TaskMode = .off
    ) {
        self.logLevel = logLevel
        self.tasks = tasks
        self.clientInfo = clientInfo
        self.capabilities = capabilities
        self.eraPreference = eraPreference
        self.probeTimeoutNanoseconds = probeTimeoutNanoseconds
    }
}
