public import MCPClientCore

/// Writes a registry of normalized servers back out as one document that `ConfigLoader` reads back unchanged:
/// `{"mcpclient": {"version": 1}, "mcpSettings": {…}, "inputs": […], "mcpServers": {…}}` in JSON or YAML
/// (a LibreChat-style `mcpServers:` document plus our marker and extra keys).
public enum ConfigExporter {
    public enum Syntax: String, Sendable { case json, yaml }

    public struct Options: Sendable {
        public var syntax = Syntax.json
        /// Secrets (`oauth.client_secret`, `apiKey.key`, literal `Authorization` headers) are left out unless asked for; the server's
        /// `source.redacted` then lists what was removed.
        public var includeSecrets = false
        public init(syntax: Syntax = .json, includeSecrets: Bool = false) {
            self.syntax = syntax
            self.includeSecrets = includeSecrets
        }

        /// The ABI's options JSON: `{"format": "json"|"yaml", "includeSecrets": false}`.
        public static func parse(_ json: JSONValue) throws(MCPError) -> Options {
            var options = Options()
            guard !json.isNull else { return options }
            guard case .object(let object) = json else { throw MCPError.invalid("options must be a JSON object") }
            try PayloadVersion.check(object)
            for (key, value) in object.entries {
                switch key {
                case "version": break
                case "format":
                    guard let syntax = value.stringValue.flatMap(Syntax.init(rawValue:)) else {
                        throw MCPError.invalid("'format' must be json or yaml", details: ["path": "format"])
                    }
                    options.syntax = syntax
                case "includeSecrets":
                    guard let flag = value.boolValue else { throw MCPError.invalid("'includeSecrets' must be a boolean", details: ["path": "includeSecrets"]) }
                    options.includeSecrets = flag
                default: throw MCPError.invalid("unknown option '\(key)'", details: ["path": .string(key)])
                }
            }
            return options
        }
    }

    /// The secrets an export leaves out by default, as paths inside a server object.
    public static let secretPaths: [(String, String)] = [("oauth", "client_secret"), ("oauth", "private_key"), ("apiKey", "key")]
    /// The OAuth endpoint URLs (a registry shows them only to editors).
    public static var oauthEndpointKeys: [String] { ServerValidator.oauthURLKeys }
    /// Headers that carry a credential (a bearer token from fastmcp or mcp-use `auth`, for one). Left out too when
    /// written literally; a template such as `Bearer ${TOKEN}` names a variable, not the secret, and is kept.
    static let credentialHeaders: Set<String> = ["authorization", "proxy-authorization"]

    public static func document(servers: JSONObject, settings: JSONObject = JSONObject(), inputs: [JSONValue] = [],
                                includeSecrets: Bool = false) -> JSONValue {
        var root: JSONObject = ["mcpclient": ["version": .int(PayloadVersion.current)]]
        if !settings.isEmpty { root["mcpSettings"] = .object(settings) }
        if !inputs.isEmpty { root["inputs"] = .array(inputs) }
        var out = JSONObject()
        for (name, value) in servers.entries {
            guard case .object(var server) = value, !includeSecrets else {
                out.entries.append((name, value))
                continue
            }
            var redacted: [JSONValue] = []
            for (block, key) in secretPaths {
                guard case .object(var inner) = server[block] ?? .null, inner[key] != nil else { continue }
                inner[key] = nil
                server[block] = .object(inner)
                redacted.append(.string("\(block).\(key)"))
            }
            for block in ["headers", "oauth_headers"] {
                guard case .object(var headers) = server[block] ?? .null else { continue }
                let secret = headers.entries.filter { entry in
                    credentialHeaders.contains(entry.key.lowercased()) && entry.value.stringValue.map { !Template($0).hasReferences } == true
                }
                guard !secret.isEmpty else { continue }
                headers.entries.removeAll { entry in secret.contains { $0.key == entry.key } }
                server[block] = .object(headers)
                redacted.append(contentsOf: secret.map { .string("\(block).\($0.key)") })
            }
            if !redacted.isEmpty {
                var source = server["source"]?.objectValue ?? JSONObject()
                source["redacted"] = .array(redacted)
                server["source"] = .object(source)
            }
            out.entries.append((name, .object(server)))
        }
        root["mcpServers"] = .object(out)
        return .object(root)
    }

    /// The registry (a load result, or `{"servers"|"mcpServers": …, "settings"|"mcpSettings": …}`) as text.
    public static func export(registry: JSONObject, options: Options = Options()) throws(MCPError) -> String {
        guard case .object(let servers) = registry["servers"] ?? registry["mcpServers"] ?? .object(JSONObject()) else {
            throw MCPError.invalid("the registry's 'servers' must be an object of name → server", details: ["path": "servers"])
        }
        var settings = JSONObject()
        if case .object(let given) = registry["settings"] ?? registry["mcpSettings"] ?? .null { settings = given }
        let inputs = registry["inputs"]?.arrayValue ?? []
        let value = document(servers: servers, settings: settings, inputs: inputs, includeSecrets: options.includeSecrets)
        switch options.syntax {
        case .json: return PrettyJSON.string(value) + "\n"
        case .yaml: return try yaml(value)
        }
    }

    static func yaml(_ value: JSONValue) throws(MCPError) -> String {
        "# MCP servers exported by mcpclient (LibreChat mcpServers layout; load it back with mcp_config_load).\n" + YAMLEmitter.emit(value)
    }
}

/// Two-space indented JSON for files people read and diff.
enum PrettyJSON {
    static func string(_ value: JSONValue) -> String {
        var out = ""
        write(value, indent: 0, into: &out)
        return out
    }

    private static func write(_ value: JSONValue, indent: Int, into out: inout String) {
        let pad = String(repeating: "  ", count: indent + 1)
        let closePad = String(repeating: "  ", count: indent)
        switch value {
        case .array(let items) where !items.isEmpty && indent < 200:
            out += "[\n"
            for (index, item) in items.enumerated() {
                out += pad
                write(item, indent: indent + 1, into: &out)
                out += index + 1 < items.count ? ",\n" : "\n"
            }
            out += closePad + "]"
        case .object(let object) where !object.isEmpty && indent < 200:
            out += "{\n"
            for (index, entry) in object.entries.enumerated() {
                out += pad + JSONValue.string(entry.key).jsonString + ": "
                write(entry.value, indent: indent + 1, into: &out)
                out += index + 1 < object.count ? ",\n" : "\n"
            }
            out += closePad + "}"
        default:
            out += value.jsonString
        }
    }
}
