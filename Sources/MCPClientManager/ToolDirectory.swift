public import MCPClientCore
import Synchronization

/// Options of one aggregated listing (`mcp_manager_list_all_tools`).
public struct ToolListingOptions: Sendable {
    /// Only these servers (nil: every registered server).
    public var servers: [String]?
    public var naming = ToolNamingOptions()
    /// A server that has not connected and listed within this long is reported as timed out (0: only the server's
    /// own `initTimeout` and `timeout` apply).
    public var timeoutMs = 30_000
    /// Servers connected and listed at once.
    public var concurrency = 3

    public static let maxConcurrency = 16

    public init() {}

    public static let keys: Set<String> = ["version", "servers", "style", "delimiter", "charset", "maxLength", "timeoutMs", "concurrency"]

    public static func parse(_ object: JSONObject, base: ToolNamingOptions = ToolNamingOptions()) throws(MCPError) -> ToolListingOptions {
        if let unknown = object.keys.first(where: { !keys.contains($0) }) {
            throw MCPError.invalid("unknown option '\(unknown)'", details: ["path": .string(unknown)])
        }
        try PayloadVersion.check(object)
        var options = ToolListingOptions()
        options.naming = try ToolNamingOptions.parse(object, base: base)
        if let value = object["servers"], !value.isNull {
            guard case .array(let items) = value, items.allSatisfy({ $0.stringValue != nil }) else {
                throw MCPError.invalid("'servers' must be an array of server names", details: ["path": "servers"])
            }
            options.servers = items.compactMap(\.stringValue)
        }
        if let value = object["timeoutMs"] {
            guard let ms = value.int64Value, ms >= 0, ms <= Int64(Int32.max) else {
                throw MCPError.invalid("'timeoutMs' must be a non-negative integer", details: ["path": "timeoutMs"])
            }
            options.timeoutMs = Int(ms)
        }
        if let value = object["concurrency"] {
            guard let count = value.int64Value, count >= 1, count <= Int64(maxConcurrency) else {
                throw MCPError.invalid("'concurrency' must be an integer from 1 to \(maxConcurrency)", details: ["path": "concurrency"])
            }
            options.concurrency = Int(count)
        }
        return options
    }
}

/// What the last aggregated listing said, kept per manager: the name map calls resolve through, and each
/// tool's annotations and `outputSchema` (approval and result checks need them).
final class ToolDirectory: @unchecked Sendable {
    struct Tool: Sendable {
        var server: String
        var tool: String
        var modelName: String
        var annotations: JSONValue?
        var outputSchema: JSONValue?
    }

    struct Snapshot: Sendable {
        var naming: ToolNamingOptions
        var tools: [String: Tool]
        /// The same tools by "server\0tool", for the approval check on calls by (server, tool).
        var byServerTool: [String: Tool] = [:]
        /// When it was listed (monotonic ns): an unknown name re-lists only once this is old, or once one of the
        /// user's connections opened or closed since (`generation`: `changes` when the listing began).
        var listedAt: UInt64 = SystemClock().nowNanoseconds()
        var generation: UInt64

        init(naming: ToolNamingOptions, tools: [String: Tool], generation: UInt64) {
            self.naming = naming
            self.tools = tools
            self.generation = generation
            for tool in tools.values { byServerTool[tool.server + "\u{0}" + tool.tool] = tool }
        }
    }

    /// An unknown model-facing name re-lists every server at most this often (a model that invents names must not
    /// make every call connect and list every server).
    static let relistAfterNanoseconds: UInt64 = 30_000_000_000

    private let snapshot = Locked<Snapshot?>(nil)
    private let changeCount = Atomic<UInt64>(0)

    /// How many times the user's connections or tools changed.
    var changes: UInt64 { changeCount.load(ordering: .acquiring) }

    func noteChange() { changeCount.add(1, ordering: .releasing) }

    func replace(_ new: Snapshot) { snapshot.withLock { $0 = new } }

    func lookup(_ modelName: String) -> Tool? { snapshot.withLock { $0?.tools[modelName] } }

    var naming: ToolNamingOptions? { snapshot.withLock { $0?.naming } }

    /// Whether a listing under `naming` is recent enough, and no connection changed since, so that a name missing
    /// from it is simply unknown.
    func isCurrent(naming: ToolNamingOptions) -> Bool {
        let changes = self.changes
        return snapshot.withLock { snapshot in
            guard let snapshot, snapshot.naming == naming, snapshot.generation == changes else { return false }
            return SystemClock().nowNanoseconds() &- snapshot.listedAt < Self.relistAfterNanoseconds
        }
    }

    /// A tool's annotations from the last listing, looked up by (server, tool).
    func annotations(server: String, tool: String) -> JSONValue? {
        snapshot.withLock { $0?.byServerTool[server + "\u{0}" + tool]?.annotations }
    }
}
