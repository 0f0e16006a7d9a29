/// The two eras a server can belong to. The era is a property of the server, cached per server.
public enum ProtocolEra: String, Sendable, CaseIterable {
    /// 2026-07-28: stateless, per-request `_meta`, `server/discover`.
    case modern
    /// 2024-11-05 … 2025-11-25: the `initialize` handshake.
    case legacy
}

public enum ProtocolVersion {
    public static let modern = ["2026-07-28"]
    /// Newest first; the first is what `initialize` offers.
    public static let legacy = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"]

    public static let metaProtocolVersion = "io.modelcontextprotocol/protocolVersion"
    public static let metaClientCapabilities = "io.modelcontextprotocol/clientCapabilities"
    public static let metaClientInfo = "io.modelcontextprotocol/clientInfo"
    public static let metaServerInfo = "io.modelcontextprotocol/serverInfo"
    public static let metaLogLevel = "io.modelcontextprotocol/logLevel"

    /// JSON-RPC codes that only a 2026-07-28 server sends; one of them proves the era.
    public static let unsupportedVersionCode: Int64 = -32022
    public static let missingCapabilityCode: Int64 = -32021
    public static let headerMismatchCode: Int64 = -32020
    /// 2025-11-25: the request needs the user to visit URLs first (`data.elicitations`).
    public static let urlElicitationRequiredCode: Int64 = -32042
}
