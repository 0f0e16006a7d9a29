import MCPClientCore

/// Reads one server entry of a given format into a draft of the normalized object: renames, unit conversions and
/// format-specific shapes. Type, range and cross-field checks are left to `ServerValidator`, which sees every format
/// the same way.
struct ServerAdapter {
    let format: ConfigFormat
    var sink: DiagnosticSink

    static let libreChatKeys = [
        "type", "command", "args", "env", "cwd", "stderr", "url", "headers", "proxy", "timeout", "initTimeout", "sseReadTimeout",
        "title", "description", "iconPath", "chatMenu", "startup", "serverInstructions", "requiresOAuth", "oauth", "oauth_headers",
        "apiKey", "customUserVars", "obo",
    ]
    static let runtimeKeys = [
        "era", "maxMessageBytes", "shutdownGraceMs", "maxTotalTimeout", "resetTimeoutOnProgress", "maxResponseBytes", "caFile",
        "clientCert", "clientKey", "trusted",
    ]
    /// Accepted in every format (LR 2 and 6): `transport` for `type`, `enabled`/`disabled`, `requireApproval`.
    static let everywhereKeys = ["transport", "enabled", "disabled", "requireApproval"]
    static let normalizedKeys = libreChatKeys + runtimeKeys + ["envFile", "envForward", "inputs", "extras", "unknown", "source", "version"]

    /// Keys copied under the same name, per format.
    static func sameNameKeys(_ format: ConfigFormat) -> [String] {
        switch format {
        case .librechat: libreChatKeys
        case .normalized: normalizedKeys
        case .claude: ["type", "command", "args", "env", "url", "headers"]
        case .cursor: ["type", "command", "args", "env", "envFile", "url", "headers"]
        case .vscode: ["type", "command", "args", "env", "envFile", "url", "headers", "cwd"]
        case .fastmcp: ["type", "command", "args", "env", "cwd", "url", "headers", "timeout", "description"]
        case .mcpUse: ["command", "args", "env", "url", "headers"]
        case .pandorakit: ["command", "args", "url", "headers", "oauth"]
        case .aeontel: []
        }
    }

    /// Keys with their own mapping, per format.
    static func specialKeys(_ format: ConfigFormat) -> [String] {
        switch format {
        case .cursor: ["auth"]
        case .vscode: ["dev", "gallery"]
        case .fastmcp: ["icon", "auth", "sse_read_timeout", "keep_alive", "max_sse_event_size", "include_tags", "exclude_tags", "tools", "meta"]
        case .mcpUse: ["ws_url", "timeout", "sse_read_timeout", "auth"]
        case .pandorakit: ["name", "env"]
        default: []
        }
    }

    static func knownKeys(_ format: ConfigFormat) -> [String] {
        sameNameKeys(format) + specialKeys(format) + everywhereKeys
    }

    /// The draft of one entry, or nil when the entry is not an object (reported).
    mutating func read(name: String, value: JSONValue, at path: ConfigPath) -> ServerDraft? {
        guard case .object(let entry) = value else {
            sink.error("invalid_type", path, "server '\(name)' must be a map of settings, not \(value.typeName)", server: name)
            return nil
        }
        var draft = ServerDraft(name: name, path: path)
        let same = ServerAdapter.sameNameKeys(format)
        for (key, item) in entry.entries {
            let keyPath = path.appending(key)
            if same.contains(key) {
                switch key {
                case "extras", "unknown": mergeInto(&draft, key, item, keyPath)
                case "version": if item.int64Value != PayloadVersion.current { sink.error("invalid_value", keyPath, "'version' must be \(PayloadVersion.current)", server: name) }
                default: draft.set(key, item, from: keyPath)
                }
            } else if !readEverywhereKey(key, item, keyPath, &draft), !readSpecial(key, item, keyPath, &draft) {
                sink.unknownKey(key, at: keyPath, known: ServerAdapter.knownKeys(format), context: "server '\(name)'", server: name)
                draft.keepUnknown(key, item)
            }
        }
        finish(&draft, entry)
        draft.materialize()
        return draft
    }

    private mutating func mergeInto(_ draft: inout ServerDraft, _ key: String, _ item: JSONValue, _ path: ConfigPath) {
        guard case .object(let entries) = item else {
            sink.error("invalid_type", path, "'\(key)' must be a map", server: draft.name)
            return
        }
        for (inner, value) in entries { key == "extras" ? draft.keepExtra(inner, value) : draft.keepUnknown(inner, value) }
    }

    private mutating func readEverywhereKey(_ key: String, _ item: JSONValue, _ path: ConfigPath, _ draft: inout ServerDraft) -> Bool {
        switch key {
        case "transport":
            if let type = draft.object["type"], type != item {
                sink.warning("conflicting_transport", path, "'transport' and 'type' disagree; 'type' is used", server: draft.name)
            } else {
                draft.set("type", item, from: path)
            }
        case "enabled", "requireApproval":
            draft.set(key, item, from: path)
        case "disabled":
            guard let flag = item.boolValue else {
                sink.error("invalid_type", path, "'disabled' must be true or false", server: draft.name)
                return true
            }
            draft.set("enabled", .bool(!flag), from: path)
        default:
            return false
        }
        return true
    }

    private mutating func readSpecial(_ key: String, _ item: JSONValue, _ path: ConfigPath, _ draft: inout ServerDraft) -> Bool {
        guard ServerAdapter.specialKeys(format).contains(key) else { return false }
        switch (format, key) {
        case (.cursor, "auth"): readCursorAuth(item, path, &draft)
        case (.fastmcp, "icon"): draft.set("iconPath", item, from: path)
        case (.fastmcp, "auth"): readBearerOrOAuth(item, path, &draft)
        case (.mcpUse, "auth"): readMCPUseAuth(item, path, &draft)
        case (.fastmcp, "sse_read_timeout"), (.mcpUse, "sse_read_timeout"):
            if let ms = seconds(item, path, draft.name) { draft.set("sseReadTimeout", .int(ms), from: path) }
        case (.mcpUse, "timeout"):
            if let ms = seconds(item, path, draft.name) { draft.set("timeout", .int(ms), from: path) }
        case (.mcpUse, "ws_url"):
            if draft.object["url"] != nil || item.stringValue == nil {
                sink.error(item.stringValue == nil ? "invalid_type" : "conflicting_transport", path,
                    item.stringValue == nil ? "'ws_url' must be a string" : "'ws_url' and 'url' both given; keep one", server: draft.name)
            } else {
                draft.set("url", item, from: path)
                draft.set("type", "websocket", from: path)
            }
        case (.pandorakit, "name"): draft.set("title", item, from: path)
        case (.pandorakit, "env"):
            if case .object = item {
                sink.error("invalid_type", path,
                    "PandoraKit 'env' is a list of host variable names to forward (e.g. [\"GITHUB_TOKEN\"]), not a map of values", server: draft.name)
            } else {
                draft.set("envForward", item, from: path)
            }
        default: draft.keepExtra(key, item)
        }
        return true
    }

    /// Cursor's static OAuth client: `auth{CLIENT_ID, CLIENT_SECRET, scopes}`.
    private mutating func readCursorAuth(_ item: JSONValue, _ path: ConfigPath, _ draft: inout ServerDraft) {
        guard case .object(let auth) = item else {
            sink.error("invalid_type", path, "Cursor 'auth' must be a map {CLIENT_ID, CLIENT_SECRET?, scopes?}", server: draft.name)
            return
        }
        draft.origins["oauth"] = path
        for (key, value) in auth.entries {
            switch key {
            case "CLIENT_ID": draft.set("oauth.client_id", value, from: path.appending(key))
            case "CLIENT_SECRET": draft.set("oauth.client_secret", value, from: path.appending(key))
            case "scopes": draft.set("oauth.scope", joinedScopes(value), from: path.appending(key))
            default:
                sink.unknownKey(key, at: path.appending(key), known: ["CLIENT_ID", "CLIENT_SECRET", "scopes"], context: "'auth'", server: draft.name)
                draft.keepUnknown("auth.\(key)", value)
            }
        }
    }

    /// fastmcp `auth`: `"oauth"` or a bearer token.
    private mutating func readBearerOrOAuth(_ item: JSONValue, _ path: ConfigPath, _ draft: inout ServerDraft) {
        guard let text = item.stringValue else {
            sink.error("invalid_type", path, "'auth' must be \"oauth\" or a bearer token string (an httpx.Auth object cannot be written in JSON)", server: draft.name)
            return
        }
        if text == "oauth" {
            draft.set("requiresOAuth", true, from: path)
        } else {
            setBearer(text, path, &draft)
        }
    }

    /// mcp-use `auth`: a bearer token or `{client_id, client_secret, scope, callback_port, client_metadata_url, oauth_provider}`.
    private mutating func readMCPUseAuth(_ item: JSONValue, _ path: ConfigPath, _ draft: inout ServerDraft) {
        if let token = item.stringValue {
            setBearer(token, path, &draft)
            return
        }
        guard case .object(let auth) = item else {
            sink.error("invalid_type", path, "'auth' must be a bearer token string or an OAuth map", server: draft.name)
            return
        }
        draft.origins["oauth"] = path
        draft.set("requiresOAuth", true, from: path)
        var kept = JSONObject()
        let known = ["client_id", "client_secret", "scope", "callback_port", "client_metadata_url", "oauth_provider"]
        for (key, value) in auth.entries {
            switch key {
            case "client_id", "client_secret": draft.set("oauth.\(key)", value, from: path.appending(key))
            case "scope": draft.set("oauth.scope", joinedScopes(value), from: path.appending(key))
            case "callback_port", "client_metadata_url", "oauth_provider": kept[key] = value
            default:
                sink.unknownKey(key, at: path.appending(key), known: known, context: "'auth'", server: draft.name)
                draft.keepUnknown("auth.\(key)", value)
            }
        }
        if !kept.isEmpty { draft.keepExtra("auth", .object(kept)) }
        if draft.object["oauth"] == nil { draft.set("oauth", .object([:]), from: path) }
    }

    private mutating func setBearer(_ token: String, _ path: ConfigPath, _ draft: inout ServerDraft) {
        var headers = draft.object["headers"]?.objectValue ?? JSONObject()
        if headers.keys.contains(where: { $0.lowercased() == "authorization" }) {
            sink.warning("conflicting_auth", path, "'auth' and an Authorization header are both given; the header from 'auth' is used", server: draft.name)
            headers.entries.removeAll { $0.key.lowercased() == "authorization" }
        }
        headers["Authorization"] = .string("Bearer \(token)")
        draft.object["headers"] = .object(headers)
        draft.origins["headers.Authorization"] = path
    }

    private func joinedScopes(_ value: JSONValue) -> JSONValue {
        guard case .array(let items) = value, items.allSatisfy({ $0.stringValue != nil }) else { return value }
        return .string(items.compactMap(\.stringValue).joined(separator: " "))
    }

    /// Seconds (mcp-use, fastmcp `sse_read_timeout`) as whole milliseconds.
    private mutating func seconds(_ value: JSONValue, _ path: ConfigPath, _ name: String) -> Int64? {
        guard let number = value.doubleValue else {
            sink.error("invalid_type", path, "'\(ServerAdapter.lastKey(path))' must be a number of seconds, not \(value.typeName)", server: name)
            return nil
        }
        guard number >= 0, number <= 2_000_000 else {
            sink.error("out_of_range", path, "\(value.jsonString) seconds is out of range (0 to 2000000)", server: name)
            return nil
        }
        return Int64((number * 1000).rounded())
    }

    static func lastKey(_ path: ConfigPath) -> String {
        if case .key(let key) = path.components.last { return key }
        return path.description
    }

    /// Format rules that need the whole entry.
    private mutating func finish(_ draft: inout ServerDraft, _ entry: JSONObject) {
        switch format {
        case .fastmcp:
            // fastmcp: without a transport, an http(s) URL whose path matches /sse(/|?|&|$) is SSE, any other URL is HTTP.
            if draft.object["type"] == nil, let url = draft.object["url"]?.stringValue {
                let scheme = ServerValidator.scheme(url)
                if scheme == "http" || scheme == "https" { draft.set("type", ServerAdapter.hasSSEPath(url) ? "sse" : "streamable-http") }
            }
        case .vscode:
            if entry["type"] == nil {
                sink.warning("missing_type", draft.path, "VS Code requires 'type' (stdio, http or sse); it was inferred", server: draft.name)
            }
        case .claude:
            if entry["url"] != nil {
                sink.warning("unsupported_in_format", draft.path.appending("url"),
                    "Claude Desktop runs only local (stdio) servers; remote ones are added as Connectors in its UI. Loaded anyway", server: draft.name)
            }
        default: break
        }
    }

    /// fastmcp's `/sse(/|?|&|$)` rule, on the part after the host.
    static func hasSSEPath(_ url: String) -> Bool {
        guard let marker = url.range(ofLiteral: "://") else { return false }
        let rest = url[marker.upperBound...]
        guard let slash = rest.firstIndex(where: { $0 == "/" }) else { return false }
        var search = rest[slash...]
        while let found = search.range(ofLiteral: "/sse") {
            let after = search[found.upperBound...]
            if after.isEmpty || after.first == "/" || after.first == "?" || after.first == "&" { return true }
            search = after
        }
        return false
    }
}
