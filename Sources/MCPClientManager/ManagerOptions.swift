public import MCPClientConfig
public import MCPClientCore
public import MCPClientProtocol
import MCPClientTransport

/// Options for a manager, from the host's `options_json`.
public struct ManagerOptions: Sendable {
    public var clientInfo: JSONObject = ["name": "mcpclient", "version": .string(MCPClientVersion.string)]
    public var capabilities: JSONObject = [:]
    public var eventQueueCapacity = 10_000
    /// Ask servers for progress on every tool call and deliver it as `progress` events.
    public var progressEvents = true
    public var probeTimeoutMs = 10_000
    /// Ask servers for log messages at this level and above (`log` events with source "server").
    public var logLevel: String?
    /// Listen for tools/prompts/resources list changes on servers that announce them (`list_changed` events,
    /// and the caches stay correct). Modern servers need a `subscriptions/listen` stream for it.
    public var listChanges = true
    /// Whether tool calls may become tasks (`off`, `when_required`, `always`); tasks are followed to their end and
    /// reported as `task` events so a host can persist their ids.
    public var tasks = TaskMode.off
    /// Check each tool's `structuredContent` against its `outputSchema`; a mismatch is MCP_ERR_PROTOCOL.
    public var validateOutput = true
    /// Where remote servers may be: a strict allow-list of domains when non-empty (`host`, `*.host`, scheme and port
    /// forms), and `host:port` exemptions from the private-address block of untrusted servers.
    public var allowedDomains: [String] = []
    public var allowedAddresses: [String] = []
    /// `host:port:address` pins, as curl's `--resolve`: that host and port connect to that address without asking DNS
    /// (split-horizon setups, tests). The address checks of untrusted servers still apply to the pinned address.
    public var resolve: [String] = []
    /// What server configs are resolved against when a shared connection opens (the `mcp_config_resolve` context
    /// shape): by default the process environment, operator tier.
    public var substitution: ResolutionContext = {
        var context = ResolutionContext()
        context.environment = EnvironmentSource(variables: EnvironmentSource.process())
        return context
    }()

    public var oauth = ManagerOAuthOptions()
    /// Reconnection, circuit breaking and idle eviction (management.md §6, §8).
    public var connections = ConnectionPolicy()
    /// Keeps this manager's created servers apart from other managers' in a shared store.
    public var registryNamespace = "default"

    public init() {}

    public static func parse(_ json: JSONValue?) throws(MCPError) -> ManagerOptions {
        var options = ManagerOptions()
        guard let json, !json.isNull else { return options }
        guard case .object(let object) = json else { throw MCPError.invalid("options must be a JSON object, not \(json.typeName)") }
        let known: Set<String> = ["version", "clientInfo", "capabilities", "eventQueueCapacity", "progressEvents", "probeTimeoutMs", "logLevel", "listChanges", "tasks", "validateOutput", "allowedDomains", "allowedAddresses", "resolve", "substitution", "oauth", "connections", "registryNamespace"]
        if let unknown = object.keys.first(where: { !known.contains($0) }) {
            throw MCPError.invalid("unknown option '\(unknown)'", details: ["path": .string(unknown)])
        }
        try PayloadVersion.check(object)
        if let info = object["clientInfo"] {
            guard case .object(let info) = info, info["name"]?.stringValue != nil, info["version"]?.stringValue != nil else {
                throw MCPError.invalid("'clientInfo' must be an object with string 'name' and 'version'", details: ["path": "clientInfo"])
            }
            options.clientInfo = info
        }
        if let capabilities = object["capabilities"] {
            guard case .object(let capabilities) = capabilities else {
                throw MCPError.invalid("'capabilities' must be an object", details: ["path": "capabilities"])
            }
            options.capabilities = capabilities
        }
        if let capacity = object["eventQueueCapacity"] {
            guard let value = capacity.int64Value, value >= 16, value <= 10_000_000 else {
                throw MCPError.invalid("'eventQueueCapacity' must be an integer from 16 to 10000000", details: ["path": "eventQueueCapacity"])
            }
            options.eventQueueCapacity = Int(value)
        }
        if let progress = object["progressEvents"] {
            guard let value = progress.boolValue else { throw MCPError.invalid("'progressEvents' must be a boolean", details: ["path": "progressEvents"]) }
            options.progressEvents = value
        }
        if let tasks = object["tasks"] {
            guard let mode = tasks.stringValue.flatMap(TaskMode.init(rawValue:)) else {
                throw MCPError.invalid("'tasks' must be one of \(TaskMode.allCases.map(\.rawValue))", details: ["path": "tasks"])
            }
            options.tasks = mode
        }
        if let validate = object["validateOutput"] {
            guard let value = validate.boolValue else { throw MCPError.invalid("'validateOutput' must be a boolean", details: ["path": "validateOutput"]) }
            options.validateOutput = value
        }
        for (key, path) in [("allowedDomains", \ManagerOptions.allowedDomains), ("allowedAddresses", \ManagerOptions.allowedAddresses), ("resolve", \ManagerOptions.resolve)] {
            guard let value = object[key] else { continue }
            guard case .array(let items) = value, items.allSatisfy({ $0.stringValue != nil }) else {
                throw MCPError.invalid("'\(key)' must be an array of strings", details: ["path": .string(key)])
            }
            options[keyPath: path] = items.compactMap(\.stringValue)
        }
        for entry in options.allowedAddresses {
            if let problem = NetworkPolicy.validateAllowedAddress(entry) { throw problem }
        }
        for entry in options.resolve {
            if let problem = NetworkPolicy.validateResolvePin(entry) { throw problem }
        }
        if let substitution = object["substitution"] {
            guard case .object(var context) = substitution else {
                throw MCPError.invalid("'substitution' must be an object (the mcp_config_resolve context)", details: ["path": "substitution"])
            }
            if context["env"] == nil, context["useProcessEnv"] == nil { context["useProcessEnv"] = true }
            do {
                options.substitution = try ResolutionContext.parse(context)
            } catch {
                var details = error.details
                details["path"] = .string("substitution." + (error.details["path"]?.stringValue ?? ""))
                throw MCPError(error.code, error.message, source: error.source, details: details)
            }
        }
        if let oauth = object["oauth"] { options.oauth = try ManagerOAuthOptions.parse(oauth) }
        if let connections = object["connections"] { options.connections = try ConnectionPolicy.parse(connections) }
        if let namespace = object["registryNamespace"] {
            guard let text = namespace.stringValue, !text.isEmpty, text.utf8.count <= 128 else {
                throw MCPError.invalid("'registryNamespace' must be a non-empty string of at most 128 bytes", details: ["path": "registryNamespace"])
            }
            options.registryNamespace = text
        }
        if let listen = object["listChanges"] {
            guard let value = listen.boolValue else { throw MCPError.invalid("'listChanges' must be a boolean", details: ["path": "listChanges"]) }
            options.listChanges = value
        }
        if let level = object["logLevel"] {
            guard let name = level.stringValue, LogLevel(rawValue: name) != nil else {
                throw MCPError.invalid("'logLevel' must be one of \(LogLevel.allCases.map(\.rawValue))", details: ["path": "logLevel"])
            }
            options.logLevel = name
        }
        if let probe = object["probeTimeoutMs"] {
            guard let value = probe.int64Value, value >= 1, value <= 600_000 else {
                throw MCPError.invalid("'probeTimeoutMs' must be an integer from 1 to 600000", details: ["path": "probeTimeoutMs"])
            }
            options.probeTimeoutMs = Int(value)
        }
        return options
    }

    var clientOptions: ClientOptions {
        var options = ClientOptions(
            clientInfo: clientInfo, capabilities: capabilities, probeTimeoutNanoseconds: UInt64(probeTimeoutMs) * 1_000_000, logLevel: logLevel)
        options.tasks = tasks
        options.validateOutput = validateOutput
        return options
    }
}
