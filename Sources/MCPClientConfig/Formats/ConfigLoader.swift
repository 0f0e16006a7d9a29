public import MCPClientCore

/// How to read a config text.
public struct ConfigLoadOptions: Sendable {
    /// nil: detect from the text's shape.
    public var format: ConfigFormat?
    /// Unknown keys are errors instead of warnings.
    public var strict = false
    /// The file name recorded in each server's `source.file` (diagnostics already carry line:column).
    public var file: String?
    /// Overrides the format's default tier.
    public var tier: ServerConfig.Tier?
    /// Existing servers (name → normalized object) that a PandoraKit merge patch or an Aeontel update applies to.
    public var registry: JSONObject?
    /// Aeontel: the server (in `registry`) that a `PATCH /api/mcp-servers/{id}` body updates.
    public var update: String?

    public init(format: ConfigFormat? = nil, strict: Bool = false, file: String? = nil, tier: ServerConfig.Tier? = nil) {
        self.format = format
        self.strict = strict
        self.file = file
        self.tier = tier
    }

    /// The ABI's options JSON: `{"format", "strict", "file", "tier", "registry", "update"}`.
    public static func parse(_ json: JSONValue) throws(MCPError) -> ConfigLoadOptions {
        var options = ConfigLoadOptions()
        guard !json.isNull else { return options }
        guard case .object(let object) = json else { throw MCPError.invalid("options must be a JSON object, not \(json.typeName)") }
        try PayloadVersion.check(object)
        for (key, value) in object.entries {
            switch key {
            case "version": break
            case "format":
                guard let text = value.stringValue, text == "auto" || ConfigFormat(rawValue: text) != nil else {
                    throw MCPError.invalid("'format' must be auto or one of \(ConfigFormat.allCases.map(\.rawValue).joined(separator: ", "))", details: ["path": "format"])
                }
                options.format = ConfigFormat(rawValue: text)
            case "strict":
                guard let flag = value.boolValue else { throw MCPError.invalid("'strict' must be a boolean", details: ["path": "strict"]) }
                options.strict = flag
            case "file":
                guard let text = value.stringValue else { throw MCPError.invalid("'file' must be a string", details: ["path": "file"]) }
                options.file = text
            case "tier":
                guard let tier = value.stringValue.flatMap(ServerConfig.Tier.init(rawValue:)) else {
                    throw MCPError.invalid("'tier' must be operator, admin, user or plugin", details: ["path": "tier"])
                }
                options.tier = tier
            case "registry":
                // A previous load result, or just its `servers` map.
                guard case .object(let registry) = value else { throw MCPError.invalid("'registry' must be an object", details: ["path": "registry"]) }
                options.registry = registry["servers"]?.objectValue ?? registry
            case "update":
                guard let text = value.stringValue else { throw MCPError.invalid("'update' must be a server name", details: ["path": "update"]) }
                options.update = text
            default:
                throw MCPError.invalid("unknown option '\(key)'", details: ["path": .string(key)])
            }
        }
        return options
    }
}

/// What a config text held: the normalized servers, the network settings, and every problem found.
public struct ConfigLoadResult: Sendable {
    public var format: ConfigFormat?
    /// Server name → normalized server object, in source order.
    public var servers = JSONObject()
    /// `allowedDomains` / `allowedAddresses` (LibreChat `mcpSettings`).
    public var settings = JSONObject()
    /// VS Code `inputs[]` declarations.
    public var inputs: [JSONValue] = []
    /// Servers a PandoraKit merge patch deleted (`"name": null`).
    public var removed: [String] = []
    public var diagnostics: [Diagnostic] = []

    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    public var json: JSONValue {
        var object: JSONObject = ["version": .int(PayloadVersion.current), "format": format.map { .string($0.rawValue) } ?? .null]
        object["servers"] = .object(servers)
        object["settings"] = .object(settings)
        if !inputs.isEmpty { object["inputs"] = .array(inputs) }
        if !removed.isEmpty { object["removed"] = .array(removed.map { .string($0) }) }
        object["diagnostics"] = .array(diagnostics.map(\.json))
        return .object(object)
    }

    /// MCP_ERR_CONFIG listing every problem, when there is at least one error.
    public var error: MCPError? {
        let errors = diagnostics.filter { $0.severity == .error }
        guard let first = errors.first else { return nil }
        let more = errors.count > 1 ? " (and \(errors.count - 1) more problem\(errors.count == 2 ? "" : "s"))" : ""
        let place = first.line.map { " at \($0):\(first.column ?? 0)" } ?? ""
        return MCPError.config("\(first.path.isEmpty ? "" : first.path + ": ")\(first.message)\(place)\(more)", details: [
            "path": .string(first.path), "format": format.map { .string($0.rawValue) } ?? .null,
            "diagnostics": .array(diagnostics.map(\.json)),
        ])
    }
}

/// Reads any supported config text into normalized servers.
public enum ConfigLoader {
    /// Texts larger than this are refused before parsing.
    public static let maxTextBytes = 8 << 20

    public static func load(text: String, options: ConfigLoadOptions = ConfigLoadOptions()) -> ConfigLoadResult {
        switch ConfigText.parse(text) {
        case .success(let document): return load(document: document, options: options)
        case .failure(let failure):
            var result = ConfigLoadResult()
            result.format = options.format
            result.diagnostics = [failure.diagnostic]
            return result
        }
    }

    public static func load(document: SourceDocument, options: ConfigLoadOptions = ConfigLoadOptions()) -> ConfigLoadResult {
        var loader = Loader(document: document, options: options)
        var result = loader.run()
        // `10.00` in a config is the number 10: kept as a double, the result would not read back as itself.
        result.servers = result.servers.asReadBack
        result.settings = result.settings.asReadBack
        result.inputs = result.inputs.map(\.asReadBack)
        return result
    }
}

private struct Loader {
    let document: SourceDocument
    let options: ConfigLoadOptions
    var sink: DiagnosticSink
    var result = ConfigLoadResult()

    init(document: SourceDocument, options: ConfigLoadOptions) {
        self.document = document
        self.options = options
        sink = DiagnosticSink(document: document, strict: options.strict)
    }

    mutating func run() -> ConfigLoadResult {
        guard let format = options.format ?? FormatDetector.detect(document) else {
            sink.error("unknown_format", ConfigPath(),
                "could not tell which config format this is (no 'mcpServers' or 'servers' map); pass the format explicitly")
            return finish()
        }
        result.format = format
        if format == .aeontel {
            readAeontel()
        } else {
            readContainer(format)
        }
        return finish()
    }

    // MARK: the result's server map (indexed: a text may hold very many servers)

    private var index: [String: Int] = [:]
    private var deleted: Set<String> = []

    private mutating func useRegistry(_ registry: JSONObject) {
        result.servers = JSONObject()
        for (name, value) in registry.entries where index[name] == nil {
            index[name] = result.servers.entries.count
            result.servers.entries.append((name, value))
        }
    }

    private func server(_ name: String) -> JSONValue? {
        guard !deleted.contains(name), let position = index[name] else { return nil }
        return result.servers.entries[position].value
    }

    private mutating func put(_ name: String, _ value: JSONValue) {
        deleted.remove(name)
        if let position = index[name] {
            result.servers.entries[position].value = value
        } else {
            index[name] = result.servers.entries.count
            result.servers.entries.append((name, value))
        }
    }

    private mutating func finish() -> ConfigLoadResult {
        if !deleted.isEmpty { result.servers.entries.removeAll { deleted.contains($0.key) } }
        // In reading order; diagnostics without a position keep their place after the located ones.
        result.diagnostics = sink.items.enumerated().sorted { a, b in
            let left = (a.element.line ?? Int.max, a.element.column ?? 0, a.offset)
            let right = (b.element.line ?? Int.max, b.element.column ?? 0, b.offset)
            return left < right
        }.map(\.element)
        return result
    }

    // MARK: documents with a server map

    private mutating func readContainer(_ format: ConfigFormat) {
        guard case .object(let root) = document.value else {
            sink.error("invalid_type", ConfigPath(), "the config must be a map at the top level, not \(document.value.typeName)")
            return
        }
        var containerKey = "mcpServers"
        if format == .vscode, root["servers"] != nil { containerKey = "servers" }
        if format == .normalized, root["mcpServers"] == nil, root["servers"] != nil { containerKey = "servers" }
        var entries: [(String, JSONValue, ConfigPath)] = []
        if let container = root[containerKey] {
            if case .object(let servers) = container {
                entries = servers.entries.map { ($0.key, $0.value, ConfigPath([.key(containerKey), .key($0.key)])) }
            } else if !container.isNull {
                sink.error("invalid_type", ConfigPath([.key(containerKey)]), "'\(containerKey)' must be a map of server name to settings, not \(container.typeName)")
            }
        }
        checkRootKeys(root, format, containerKey: containerKey, entries: &entries)
        if entries.isEmpty, root[containerKey] == nil, format != .pandorakit {
            sink.warning("no_servers", ConfigPath(), "no '\(containerKey)' section: no servers were loaded")
        }
        if format == .vscode || format == .normalized { readInputs(root) }
        if format == .librechat || format == .normalized { readSettings(root[format == .librechat ? "mcpSettings" : root["mcpSettings"] != nil ? "mcpSettings" : "settings"], format) }
        if let registry = options.registry, format == .pandorakit {
            applyPatch(entries, registry: registry)
            return
        }
        var seen = Set<String>()
        for (name, value, path) in entries {
            guard seen.insert(name).inserted else {
                sink.error("duplicate_server", path, "server '\(name)' is defined twice; names must be unique", server: name)
                continue
            }
            if format == .pandorakit, value.isNull {
                result.removed.append(name)
                continue
            }
            var adapter = ServerAdapter(format: format, sink: sink)
            let draft = adapter.read(name: name, value: value, at: path)
            sink = adapter.sink
            guard var draft else { continue }
            if format == .pandorakit { addPandoraDefaults(&draft) }
            if format == .vscode || format == .normalized && Self.mayDeclareInputs(value) { attachInputs(&draft, source: value) }
            add(draft, format: format)
        }
    }

    private mutating func checkRootKeys(_ root: JSONObject, _ format: ConfigFormat, containerKey: String, entries: inout [(String, JSONValue, ConfigPath)]) {
        let allowed: [String]
        switch format {
        case .vscode: allowed = ["servers", "inputs", "mcpServers"]
        case .cursor, .mcpUse: allowed = ["mcpServers"]
        case .fastmcp: allowed = ["mcpServers"]
        case .normalized: allowed = ["mcpclient", "mcpServers", "servers", "mcpSettings", "settings", "inputs", "format", "diagnostics", "version", "removed"]
        // LibreChat, Claude Desktop and PandoraKit files hold other sections this loader is not about.
        default: return
        }
        for (key, value) in root.entries where !allowed.contains(key) {
            let path = ConfigPath([.key(key)])
            if format == .fastmcp, FormatDetector.isServerShaped(value) {
                // fastmcp wraps server-shaped root entries into mcpServers.
                entries.append((key, value, path))
                continue
            }
            sink.unknownKey(key, at: path, known: allowed, context: "the top level", server: nil, kept: false)
        }
    }

    /// PandoraKit's schema defaults, added after a merge patch is applied: a patch leaves fields it does not name alone.
    private mutating func addPandoraDefaults(_ draft: inout ServerDraft) {
        if draft.object["enabled"] == nil { draft.set("enabled", true) }
        if draft.object["requireApproval"] == nil { draft.set("requireApproval", true) }
    }

    /// Validates a draft, stamps its origin and adds it to the result.
    private mutating func add(_ draft: ServerDraft, format: ConfigFormat) {
        var draft = draft
        // A merge patch can empty these bags ("typo": null); the normalized form has no empty ones, and ServerConfig
        // would read the server back without it.
        for bag in ["unknown", "extras"] where draft.object[bag]?.objectValue?.isEmpty == true { draft.object[bag] = nil }
        var source = draft.object["source"]?.objectValue ?? JSONObject()
        if source["format"] == nil { source["format"] = .string(format.rawValue) }
        if let file = options.file, source["file"] == nil { source["file"] = .string(file) }
        if let tier = options.tier { source["tier"] = .string(tier.rawValue) } else if source["tier"] == nil {
            source["tier"] = .string(format.defaultTier.rawValue)
        }
        draft.object["source"] = .object(Self.ordered(source, ["format", "file", "tier", "originalName", "redacted"]))
        let normalized = ServerValidator.validate(draft, format: format, sink: &sink)
        put(draft.name, .object(Self.canonical(normalized)))
    }

    // MARK: PandoraKit merge patch

    private mutating func applyPatch(_ entries: [(String, JSONValue, ConfigPath)], registry: JSONObject) {
        useRegistry(registry)
        var seen = Set<String>()
        for (name, value, path) in entries {
            guard seen.insert(name).inserted else {
                sink.error("duplicate_server", path, "server '\(name)' is patched twice", server: name)
                continue
            }
            if value.isNull {
                if server(name) == nil {
                    sink.warning("nothing_to_delete", path, "'\(name)' is not configured, so there is nothing to delete", server: name)
                } else {
                    deleted.insert(name)
                    result.removed.append(name)
                }
                continue
            }
            var adapter = ServerAdapter(format: .pandorakit, sink: sink)
            let patch = adapter.read(name: name, value: value, at: path)
            sink = adapter.sink
            guard var patch else { continue }
            var existing = server(name)?.objectValue ?? JSONObject()
            // PandoraKit has no `type`: a patch that changes the endpoint re-infers it.
            if patch.object["command"] != nil || patch.object["url"] != nil { existing["type"] = nil }
            patch.object = Self.mergePatch(existing, patch.object)
            addPandoraDefaults(&patch)
            add(patch, format: .pandorakit)
        }
    }

    /// RFC 7386: objects merge member by member, `null` deletes, anything else replaces.
    static func mergePatch(_ target: JSONObject, _ patch: JSONObject) -> JSONObject {
        var merged = target
        var positions: [String: Int] = [:]
        for (position, entry) in merged.entries.enumerated() where positions[entry.key] == nil { positions[entry.key] = position }
        var removed: Set<String> = []
        for (key, value) in patch.entries {
            if case .null = value {
                removed.insert(key)
                continue
            }
            removed.remove(key)
            let current = positions[key].map { merged.entries[$0].value }
            let next: JSONValue
            if case .object(let inner) = value { next = .object(mergePatch(current?.objectValue ?? JSONObject(), inner)) } else { next = value }
            if let position = positions[key] {
                merged.entries[position].value = next
            } else {
                positions[key] = merged.entries.count
                merged.entries.append((key, next))
            }
        }
        if !removed.isEmpty { merged.entries.removeAll { removed.contains($0.key) } }
        return merged
    }

    // MARK: Aeontel

    private mutating func readAeontel() {
        var bodies: [(JSONValue, ConfigPath)] = []
        if case .array(let items) = document.value {
            bodies = items.enumerated().map { ($0.element, ConfigPath([.index($0.offset)])) }
        } else {
            bodies = [(document.value, ConfigPath())]
        }
        if let update = options.update {
            guard let registry = options.registry, case .object(var existing) = registry[update] ?? .null else {
                sink.error("unknown_server", ConfigPath(), "there is no server '\(update)' to update (pass it in 'registry')", server: update)
                return
            }
            useRegistry(registry)
            guard bodies.count == 1, let (body, path) = bodies.first else {
                sink.error("invalid_type", ConfigPath(), "an update is one server body, not a list")
                return
            }
            var adapter = AeontelAdapter(sink: sink)
            let patch = adapter.read(body, at: path, updating: update)
            sink = adapter.sink
            guard var patch else { return }
            switch body["authType"]?.stringValue {
            case "none": existing["apiKey"] = nil; existing["oauth"] = nil; existing["requiresOAuth"] = nil
            case "api_key": existing["oauth"] = nil; existing["requiresOAuth"] = nil
            case "oauth": existing["apiKey"] = nil
            default: break
            }
            patch.object = Self.mergePatch(existing, patch.object)
            add(patch, format: .aeontel)
            return
        }
        var seen = Set<String>()
        for (body, path) in bodies {
            var adapter = AeontelAdapter(sink: sink)
            let draft = adapter.read(body, at: path, updating: nil)
            sink = adapter.sink
            guard let draft else { continue }
            guard seen.insert(draft.name).inserted else {
                sink.error("duplicate_server", path, "two bodies name the server '\(draft.name)'", server: draft.name)
                continue
            }
            add(draft, format: .aeontel)
        }
    }

    // MARK: VS Code inputs

    private mutating func readInputs(_ root: JSONObject) {
        guard let value = root["inputs"] else { return }
        let path = ConfigPath([.key("inputs")])
        guard case .array(let items) = value else {
            sink.error("invalid_type", path, "'inputs' must be a list of input declarations")
            return
        }
        var ids = Set<String>()
        for (index, item) in items.enumerated() {
            let itemPath = path.appending(index: index)
            guard case .object(let input) = item, let id = input["id"]?.stringValue, !id.isEmpty else {
                sink.error("invalid_value", itemPath, "each input needs a string 'id' (referenced as ${input:id})")
                continue
            }
            if !ids.insert(id).inserted { sink.error("duplicate_input", itemPath.appending("id"), "input '\(id)' is declared twice") }
            if let type = input["type"]?.stringValue, !["promptString", "pickString", "command"].contains(type) {
                sink.warning("invalid_value", itemPath.appending("type"), "input type '\(type)' is not one VS Code knows (promptString, pickString, command)")
            }
            let known = ["type", "id", "description", "password", "default", "options", "command", "args"]
            for key in input.keys where !known.contains(key) {
                sink.unknownKey(key, at: itemPath.appending(key), known: known, context: "input '\(id)'", server: nil, kept: false)
            }
            result.inputs.append(item)
        }
    }

    /// Whether a normalized entry comes from a format with `inputs[]` (VS Code) or from none: only those have their
    /// `${input:id}` references checked. An exported LibreChat or Claude server never had declarations to copy, so
    /// checking made a config that loaded cleanly fail once exported (the reference is still resolved at connect).
    static func mayDeclareInputs(_ entry: JSONValue) -> Bool {
        guard let origin = entry["source"]?["format"]?.stringValue else { return true }
        return origin == ConfigFormat.vscode.rawValue || origin == ConfigFormat.normalized.rawValue
    }

    /// Copies the declarations a server references as `${input:id}`, and reports references to undeclared ids.
    private mutating func attachInputs(_ draft: inout ServerDraft, source: JSONValue) {
        var referenced: Set<String> = []
        var problems: [(String, ConfigPath)] = []
        // An exported server carries the declarations it uses, so it stays loadable on its own.
        let own = draft.object["inputs"]?.arrayValue ?? []
        let rootIDs = Set(result.inputs.compactMap { $0["id"]?.stringValue })
        let available = result.inputs + own.filter { !rootIDs.contains($0["id"]?.stringValue ?? "") }
        let declaredList = available.compactMap { $0["id"]?.stringValue }
        let declared = Set(declaredList)
        func walk(_ value: JSONValue, _ path: ConfigPath, _ depth: Int) {
            guard depth < 8 else { return }
            switch value {
            case .string(let text):
                var rest = text[...]
                while let start = rest.range(ofLiteral: "${input:") {
                    let after = rest[start.upperBound...]
                    guard let end = after.firstIndex(of: "}") else { break }
                    let id = String(after[..<end])
                    if declared.contains(id) {
                        referenced.insert(id)
                    } else if problems.count < DiagnosticSink.limit {
                        problems.append((id, path))
                    }
                    rest = after[after.index(after: end)...]
                }
            case .array(let items): for (index, item) in items.enumerated() { walk(item, path.appending(index: index), depth + 1) }
            case .object(let object): for (key, item) in object.entries where key != "inputs" { walk(item, path.appending(key), depth + 1) }
            default: break
            }
        }
        walk(source, draft.path, 0)
        for (id, path) in problems where !sink.isFull {
            sink.error("undeclared_input", path, "'${input:\(id)}' refers to an input that 'inputs' does not declare",
                suggestion: declaredList.count <= 256 ? KeySuggestion.suggest(for: id, among: declaredList) : nil, server: draft.name)
        }
        if !referenced.isEmpty {
            draft.object["inputs"] = .array(available.filter { referenced.contains($0["id"]?.stringValue ?? "") })
        }
    }

    // MARK: mcpSettings

    private mutating func readSettings(_ value: JSONValue?, _ format: ConfigFormat) {
        guard let value else { return }
        let base = ConfigPath([.key(format == .librechat || document.value["mcpSettings"] != nil ? "mcpSettings" : "settings")])
        guard case .object(let settings) = value else {
            sink.error("invalid_type", base, "'\(base)' must be a map")
            return
        }
        let known = ["allowedDomains", "allowedAddresses"]
        for (key, item) in settings.entries {
            let path = base.appending(key)
            guard known.contains(key) else {
                sink.unknownKey(key, at: path, known: known, context: "'\(base)'", server: nil, kept: false)
                continue
            }
            guard case .array(let entries) = item else {
                sink.error("invalid_type", path, "'\(key)' must be a list of strings, not \(item.typeName)")
                continue
            }
            var kept: [JSONValue] = []
            for (index, entry) in entries.enumerated() {
                guard let text = entry.stringValue, !text.isEmpty else {
                    sink.error("invalid_type", path.appending(index: index), "each '\(key)' entry must be a non-empty string")
                    continue
                }
                if let problem = key == "allowedAddresses" ? Self.addressProblem(text) : Self.domainProblem(text) {
                    sink.error("invalid_setting", path.appending(index: index), "'\(text)' \(problem)")
                }
                kept.append(entry)
            }
            result.settings[key] = .array(kept)
        }
    }

    /// `allowedDomains` entries: `example.com`, `*.example.com`, `https://host` or `http://host:8080` (config-formats.md §6).
    static func domainProblem(_ entry: String) -> String? {
        var rest = Substring(entry)
        if let marker = entry.range(ofLiteral: "://") {
            let scheme = entry[..<marker.lowerBound].lowercased()
            guard ["http", "https", "ws", "wss"].contains(scheme) else { return "has a scheme other than http, https, ws or wss" }
            rest = entry[marker.upperBound...]
        }
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        if rest.contains(where: { $0 == "/" || $0 == "?" || $0 == "#" || $0 == "@" }) { return "must be a host (with an optional scheme and port), not a URL with a path" }
        var host = rest
        if let colon = rest.lastIndex(of: ":"), !rest.hasPrefix("[") || rest[..<colon].hasSuffix("]") {
            guard let port = Int(rest[rest.index(after: colon)...]), port >= 1, port <= 65535 else { return "has an invalid port (1-65535)" }
            host = rest[..<colon]
        }
        if host.hasPrefix("*.") { host = host.dropFirst(2) }
        guard !host.isEmpty else { return "has no host" }
        if host.hasPrefix("[") { return host.hasSuffix("]") ? nil : "has an unclosed IPv6 bracket" }
        let valid = host.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D || $0 == 0x2E || $0 >= 0x80 }
        guard valid, !host.hasPrefix("."), !host.hasSuffix("."), !host.containsLiteral("..") else {
            return "is not a host name (a '*' is only allowed as a leading '*.')"
        }
        return nil
    }

    /// `allowedAddresses` entries are only `host:port` or `[ipv6]:port` (no URLs, paths, CIDR or bare hosts).
    static func addressProblem(_ entry: String) -> String? {
        if entry.containsLiteral("://") { return "is a URL; write host:port (e.g. 10.0.0.5:8080)" }
        if entry.contains(where: { $0 == "/" }) { return "has a path or CIDR suffix; write one host:port" }
        let port: Substring
        if entry.hasPrefix("[") {
            guard let close = entry.firstIndex(of: "]"), entry[close...].hasPrefix("]:") else { return "must be [ipv6]:port" }
            port = entry[entry.index(close, offsetBy: 2)...]
        } else {
            guard let colon = entry.lastIndex(of: ":"), colon != entry.startIndex else { return "has no port; write host:port" }
            if entry[..<colon].contains(":") { return "is an IPv6 address without brackets; write [addr]:port" }
            port = entry[entry.index(after: colon)...]
        }
        guard let number = Int(port), number >= 1, number <= 65535 else { return "has an invalid port (1-65535)" }
        return nil
    }

    // MARK: key order

    static let keyOrder = [
        "type", "command", "args", "env", "envFile", "envForward", "cwd", "stderr", "url", "headers", "proxy", "timeout",
        "initTimeout", "sseReadTimeout", "title", "description", "iconPath", "chatMenu", "startup", "serverInstructions",
        "requiresOAuth", "oauth", "oauth_headers", "apiKey", "customUserVars", "obo", "enabled", "requireApproval", "inputs",
    ] + ServerAdapter.runtimeKeys + ["extras", "unknown", "source"]

    static func canonical(_ object: JSONObject) -> JSONObject {
        var ordered = Self.ordered(object, keyOrder)
        if case .object(let oauth) = ordered["oauth"] ?? .null { ordered["oauth"] = .object(Self.ordered(oauth, ServerValidator.oauthKeys)) }
        return ordered
    }

    static func ordered(_ object: JSONObject, _ order: [String]) -> JSONObject {
        var result = JSONObject()
        for key in order { if let value = object[key] { result.entries.append((key, value)) } }
        for entry in object.entries where !order.contains(entry.key) { result.entries.append(entry) }
        return result
    }
}
