import MCPClientCore

/// Aeontel `POST /api/mcp-servers` create bodies (and `PATCH /api/mcp-servers/{id}` updates): one remote server per
/// body, its auth spelled as `authType` plus flat `apiKey` / `oauth*` fields.
struct AeontelAdapter {
    var sink: DiagnosticSink

    static let requestKeys = [
        "workspaceId", "name", "url", "authType", "apiKey", "oauthClientId", "oauthClientSecret", "oauthTokenEndpoint",
        "oauthAuthorizationEndpoint", "oauthScopes", "headers", "connectorId", "connectorConfig",
    ]
    /// Fields only responses carry; kept as extras when a response body is loaded.
    static let responseKeys = ["id", "oauthExpiresAt", "connectorStatus", "createdBy", "createdAt", "updatedAt"]
    static let oauthFields: [(String, String)] = [
        ("oauthClientId", "client_id"), ("oauthClientSecret", "client_secret"), ("oauthTokenEndpoint", "token_url"),
        ("oauthAuthorizationEndpoint", "authorization_url"), ("oauthScopes", "scope"),
    ]

    /// The draft for one body; `updating` names the server a PATCH body applies to (then nothing is required).
    mutating func read(_ value: JSONValue, at path: ConfigPath, updating: String?) -> ServerDraft? {
        guard case .object(let body) = value else {
            sink.error("invalid_type", path, "an Aeontel server body must be a JSON object, not \(value.typeName)")
            return nil
        }
        let displayName = body["name"]?.stringValue
        let name = updating ?? body["id"]?.stringValue ?? displayName.map(ServerConfig.slug) ?? "mcp-server"
        var draft = ServerDraft(name: name, path: path)
        if updating == nil {
            for key in ["name", "url"] where body[key] == nil {
                sink.error("missing_key", path.appending(key), "an Aeontel server needs '\(key)'", server: name)
            }
        }
        if let display = body["name"] {
            if display.stringValue == nil { sink.error("invalid_type", path.appending("name"), "'name' must be a string", server: name) }
            draft.set("title", display, from: path.appending("name"))
            if let displayName, displayName != name, updating == nil, body["id"] == nil { draft.set("source.originalName", .string(displayName)) }
        }
        if let url = body["url"] { draft.set("url", url, from: path.appending("url")) }
        if let headers = body["headers"] { draft.set("headers", headers, from: path.appending("headers")) }
        let authType = body["authType"]?.stringValue
        if let raw = body["authType"], authType == nil || !["none", "api_key", "oauth"].contains(authType ?? "") {
            sink.error("invalid_value", path.appending("authType"), "'authType' must be none, api_key or oauth, not \(raw.jsonString)", server: name)
        }
        let effective = authType ?? (body["apiKey"] != nil ? "api_key" : body["oauthClientId"] != nil ? "oauth" : "none")
        if authType == nil, effective != "none" {
            sink.warning("missing_key", path.appending("authType"), "'authType' is missing; '\(effective)' was inferred from the fields given", server: name)
        }
        let oauthGiven = AeontelAdapter.oauthFields.filter { body[$0.0] != nil }
        switch effective {
        case "api_key":
            if let key = body["apiKey"] {
                draft.set("apiKey", ["key": key, "source": "admin", "authorization_type": "bearer"], from: path.appending("apiKey"))
            } else if updating == nil {
                sink.error("missing_key", path.appending("apiKey"), "'authType: api_key' needs 'apiKey'", server: name)
            }
            for (field, _) in oauthGiven {
                sink.warning("ignored_for_auth_type", path.appending(field), "'\(field)' is ignored because authType is api_key", server: name)
            }
        case "oauth":
            draft.set("requiresOAuth", true, from: path.appending("authType"))
            draft.origins["oauth"] = path
            for (field, key) in oauthGiven { if let value = body[field] { draft.set("oauth.\(key)", value, from: path.appending(field)) } }
            if oauthGiven.isEmpty { draft.set("oauth", .object([:]), from: path) }
            if body["apiKey"] != nil {
                sink.warning("ignored_for_auth_type", path.appending("apiKey"), "'apiKey' is ignored because authType is oauth", server: name)
            }
        default:
            for (field, _) in oauthGiven + (body["apiKey"] != nil ? [("apiKey", "")] : []) {
                sink.warning("ignored_for_auth_type", path.appending(field), "'\(field)' is ignored because authType is none", server: name)
            }
        }
        for key in ["workspaceId", "connectorId", "connectorConfig"] + AeontelAdapter.responseKeys {
            if let value = body[key] { draft.keepExtra(key, value) }
        }
        let known = AeontelAdapter.requestKeys + AeontelAdapter.responseKeys
        for (key, value) in body.entries where !known.contains(key) {
            sink.unknownKey(key, at: path.appending(key), known: known, context: "the Aeontel server body", server: name)
            draft.keepUnknown(key, value)
        }
        draft.materialize()
        return draft
    }
}
