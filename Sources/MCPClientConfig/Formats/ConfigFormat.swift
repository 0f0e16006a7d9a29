import MCPClientCore

/// The config dialects the loader reads.
public enum ConfigFormat: String, Sendable, CaseIterable {
    case librechat, claude, cursor, vscode, fastmcp
    case mcpUse = "mcp-use"
    case pandorakit, aeontel
    /// This library's own export (and `mcp_manager_add_server` objects under `mcpServers`).
    case normalized

    /// The tier a server gets when the host does not say: files are the operator's, PandoraKit's PATCH is an admin
    /// API, Aeontel bodies are user-created servers.
    public var defaultTier: ServerConfig.Tier {
        switch self {
        case .pandorakit: .admin
        case .aeontel: .user
        default: .operator
        }
    }
}

/// Guesses the dialect of a parsed document from its shape; an explicit `format` option always wins.
enum FormatDetector {
    static func detect(_ document: SourceDocument) -> ConfigFormat? {
        let root = document.value
        if case .array = root { return .aeontel }
        guard case .object(let object) = root else { return nil }
        if object["mcpclient"] != nil { return .normalized }
        if document.syntax == .yaml { return .librechat }
        if object["servers"]?.objectValue != nil || object["inputs"] != nil { return .vscode }
        if object["authType"] != nil || object["workspaceId"] != nil || object["connectorId"] != nil { return .aeontel }
        guard case .object(let servers) = object["mcpServers"] ?? .null else {
            if object["name"] != nil, object["url"] != nil { return .aeontel }
            if object.entries.contains(where: { isServerShaped($0.value) }) { return .fastmcp }
            if object["mcpSettings"] != nil { return .librechat }
            return nil
        }
        let entries = servers.entries.map(\.value)
        func any(_ test: (JSONObject) -> Bool) -> Bool {
            entries.contains { if case .object(let entry) = $0 { test(entry) } else { false } }
        }
        if entries.contains(where: \.isNull) { return .pandorakit }
        if any({ $0["env"]?.arrayValue != nil || $0["requireApproval"] != nil || $0["name"] != nil || $0["oauth"]?.boolValue != nil }) {
            return .pandorakit
        }
        if any({ entry in
            ["transport", "cwd", "keep_alive", "include_tags", "exclude_tags", "tools", "icon", "max_sse_event_size"].contains { entry[$0] != nil }
                || entry["auth"]?.stringValue != nil && entry["ws_url"] == nil && entry["sse_read_timeout"] == nil
        }) { return .fastmcp }
        if any({ $0["ws_url"] != nil || $0["sse_read_timeout"] != nil || $0["auth"]?["client_id"] != nil || $0["auth"]?["callback_port"] != nil }) {
            return .mcpUse
        }
        if any({ $0["envFile"] != nil || $0["auth"]?["CLIENT_ID"] != nil || mentions($0, "${env:") || mentions($0, "${userHome}") }) {
            return .cursor
        }
        let libreChatOnly = [
            "requiresOAuth", "oauth", "apiKey", "customUserVars", "startup", "chatMenu", "serverInstructions", "iconPath",
            "initTimeout", "sseReadTimeout", "obo", "title", "stderr", "oauth_headers", "proxy",
        ]
        if any({ entry in libreChatOnly.contains { entry[$0] != nil } }) { return .librechat }
        if any({ $0["url"] != nil || $0["type"] != nil || $0["headers"] != nil }) { return .cursor }
        return .claude
    }

    static func isServerShaped(_ value: JSONValue) -> Bool {
        guard case .object(let object) = value else { return false }
        return object["command"]?.stringValue != nil || object["url"]?.stringValue != nil
    }

    /// Whether any string in the entry contains `needle` (bounded: entries are small, depth 3 is enough).
    private static func mentions(_ object: JSONObject, _ needle: String) -> Bool {
        func walk(_ value: JSONValue, _ depth: Int) -> Bool {
            guard depth < 4 else { return false }
            switch value {
            case .string(let text): return text.containsLiteral(needle)
            case .array(let items): return items.contains { walk($0, depth + 1) }
            case .object(let inner): return inner.entries.contains { walk($0.value, depth + 1) }
            default: return false
            }
        }
        return walk(.object(object), 0)
    }
}
