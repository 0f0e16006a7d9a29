#if canImport(Glibc)
import Glibc
#endif
public import MCPClientCore

/// Who wrote a server config, which decides what may be substituted into it (config-formats.md §5).
public typealias TrustTier = ServerConfig.Tier

extension TrustTier {
    /// Also LibreChat's source names.
    public init?(name: String) {
        switch name {
        case "operator", "yaml": self = .operator
        case "admin", "config": self = .admin
        case "user": self = .user
        case "plugin": self = .plugin
        default: return nil
        }
    }

    public var isTrusted: Bool { self == .operator || self == .admin }

    /// The tier to apply when the host and the server's `source.tier` both name one: the less trusted wins;
    /// user and plugin contradict each other and fail.
    public static func effective(host: TrustTier?, server: TrustTier?) throws(MCPError) -> TrustTier {
        guard let host else { return server ?? .operator }
        guard let server, server != host else { return host }
        if host.isTrusted && server.isTrusted { return .admin }
        if host.isTrusted { return server }
        if server.isTrusted { return host }
        throw MCPError(.policy, "the context tier '\(host.rawValue)' contradicts the server's source.tier '\(server.rawValue)'",
            source: .config, details: ["path": "source.tier"])
    }
}

/// Everything one connection's resolution may draw on. The host fills in what it knows; absent parts leave
/// their placeholders unresolved (then stripped, deferred or reported, per kind).
public struct ResolutionContext: Sendable {
    public var tier: TrustTier?
    /// User profile fields by context key (`id`, `email`, … see `PlaceholderCatalogue`); `_id` backs up `id`.
    public var user: JSONObject = [:]
    /// `accessToken`, `idToken`, `expiresAt` (seconds since the epoch), `userId`, `userEmail`, `userName`.
    public var openid: JSONObject?
    /// `accessToken`: a Microsoft Graph token the host obtained on behalf of the user.
    public var graph: JSONObject?
    /// Chat request fields: `conversationId`, `parentMessageId`, `messageId`.
    public var body: JSONObject = [:]
    /// The user's saved values of the server's `customUserVars` (and `MCP_API_KEY`).
    public var userVars: [String: String] = [:]
    /// VS Code `${input:id}` values the host prompted for.
    public var inputs: [String: String] = [:]
    public var environment = EnvironmentSource(variables: [:])
    public var workspaceFolder: String?
    public var userHome: String?
    /// Relative `envFile` paths are read from here.
    public var baseDirectory: String?
    /// Seconds since the epoch, for OpenID expiry; nil reads the wall clock.
    public var now: Int64?
    /// Lets a user-tier server keep `obo` (the host checked CONFIGURE_OBO).
    public var allowOBO = false

    public init() {}

    var currentTime: Int64 {
        if let now { return now }
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec)
    }

    /// The ABI's context object (docs/abi/json.md). Unknown fields are rejected and named.
    public static func parse(_ object: JSONObject) throws(MCPError) -> ResolutionContext {
        try PayloadVersion.check(object)
        var context = ResolutionContext()
        var variables: [String: String]?
        var useProcessEnv = false
        var denylist: Set<String> = []
        for (key, value) in object {
            switch key {
            case "version": break
            case "tier":
                guard let name = value.stringValue, let tier = TrustTier(name: name) else {
                    throw invalid(key, "'tier' must be operator, admin, user or plugin")
                }
                context.tier = tier
            case "user": context.user = try objectField(value, key)
            case "openid": context.openid = try objectField(value, key)
            case "graph": context.graph = try objectField(value, key)
            case "body": context.body = try objectField(value, key)
            case "userVars": context.userVars = try strings(value, key)
            case "inputs": context.inputs = try strings(value, key)
            case "env": variables = try strings(value, key)
            case "useProcessEnv":
                guard let flag = value.boolValue else { throw invalid(key, "'useProcessEnv' must be a boolean") }
                useProcessEnv = flag
            case "denylist":
                guard let items = value.arrayValue else { throw invalid(key, "'denylist' must be an array of names") }
                for (index, item) in items.enumerated() {
                    guard let name = item.stringValue else { throw invalid("denylist[\(index)]", "'denylist' must be an array of names") }
                    denylist.insert(name)
                }
            case "workspaceFolder": context.workspaceFolder = try string(value, key)
            case "userHome": context.userHome = try string(value, key)
            case "baseDir": context.baseDirectory = try string(value, key)
            case "now":
                guard let seconds = value.int64Value else { throw invalid(key, "'now' must be an integer (seconds since the epoch)") }
                context.now = seconds
            case "allowObo":
                guard let flag = value.boolValue else { throw invalid(key, "'allowObo' must be a boolean") }
                context.allowOBO = flag
            default: throw invalid(key, "unknown field '\(key)' in the resolution context")
            }
        }
        if variables != nil && useProcessEnv { throw invalid("env", "give either 'env' or 'useProcessEnv', not both") }
        let source = useProcessEnv ? EnvironmentSource.process() : variables ?? [:]
        context.environment = EnvironmentSource(variables: source, denylist: EnvDenylist(additions: denylist))
        return context
    }

    private static func invalid(_ path: String, _ message: String) -> MCPError {
        MCPError.invalid(message, details: ["path": .string(path)])
    }

    private static func objectField(_ value: JSONValue, _ key: String) throws(MCPError) -> JSONObject {
        guard let object = value.objectValue else { throw invalid(key, "'\(key)' must be an object") }
        return object
    }

    private static func string(_ value: JSONValue, _ key: String) throws(MCPError) -> String {
        guard let text = value.stringValue else { throw invalid(key, "'\(key)' must be a string") }
        return text
    }

    /// A map of strings; a VS Code input may also come as `{"value": …, "password": true}`.
    private static func strings(_ value: JSONValue, _ key: String) throws(MCPError) -> [String: String] {
        guard let object = value.objectValue else { throw invalid(key, "'\(key)' must be an object of strings") }
        var result: [String: String] = [:]
        for (name, item) in object {
            if let text = item.stringValue {
                result[name] = text
            } else if let text = item["value"]?.stringValue {
                result[name] = text
            } else {
                // The name is the caller's own key; the value is not echoed.
                throw invalid("\(key).\(name)", "'\(key).\(name)' must be a string")
            }
        }
        return result
    }
}

/// A JSON scalar as the text a placeholder inserts (LibreChat stringifies booleans and numbers).
func placeholderText(_ value: JSONValue?) -> String? {
    switch value {
    case .string(let text)?: text
    case .int(let number)?: String(number)
    case .double(let number)?: number.rounded() == number && abs(number) < 9e15 ? String(Int64(number)) : String(number)
    case .bool(let flag)?: flag ? "true" : "false"
    default: nil
    }
}
