import MCPClientCore

/// Checks one normalized server object and finishes its transport inference, reporting every problem it finds
/// (paths mapped back to the source through the draft's origins).
struct ServerValidator {
    var draft: ServerDraft
    var sink: DiagnosticSink
    let format: ConfigFormat

    static let oauthKeys = [
        "authorization_url", "token_url", "client_id", "client_secret", "scope", "redirect_uri", "token_exchange_method",
        "grant_types_supported", "token_endpoint_auth_methods_supported", "response_types_supported",
        "code_challenge_methods_supported", "skip_code_challenge_check", "audience", "forward_audience_on_refresh",
        "revocation_endpoint", "revocation_endpoint_auth_methods_supported", "private_key", "private_key_file", "private_key_id",
        "signing_algorithm",
    ]
    static let oauthURLKeys = ["authorization_url", "token_url", "redirect_uri", "revocation_endpoint"]
    static let oauthListKeys = [
        "grant_types_supported", "token_endpoint_auth_methods_supported", "response_types_supported",
        "code_challenge_methods_supported", "revocation_endpoint_auth_methods_supported",
    ]
    static let apiKeyKeys = ["key", "source", "authorization_type", "custom_header"]
    static let stdioOnlyKeys = ["command", "args", "env", "envFile", "envForward", "cwd", "stderr", "maxMessageBytes", "shutdownGraceMs"]
    static let remoteOnlyKeys = [
        "url", "headers", "proxy", "sseReadTimeout", "oauth", "oauth_headers", "apiKey", "obo", "caFile", "clientCert", "clientKey",
        "maxResponseBytes",
    ]
    static let types = ["stdio", "streamable-http", "sse", "websocket"]

    private var server: String { draft.name }

    /// Validates and returns the finished object (type inferred, `http` spelled `streamable-http`, env values as text).
    static func validate(_ draft: ServerDraft, format: ConfigFormat, sink: inout DiagnosticSink) -> JSONObject {
        var validator = ServerValidator(draft: draft, sink: sink, format: format)
        validator.run()
        validator.draft.materialize()
        sink = validator.sink
        return validator.draft.object
    }

    private mutating func error(_ code: String, _ key: String, _ message: String, suggestion: String? = nil) {
        sink.error(code, draft.origin(key), message, suggestion: suggestion, server: server)
    }

    private mutating func warning(_ code: String, _ key: String, _ message: String, suggestion: String? = nil) {
        sink.warning(code, draft.origin(key), message, suggestion: suggestion, server: server)
    }

    private mutating func run() {
        if let problem = ServerConfig.nameProblem(server) {
            sink.error("invalid_server_name", draft.path, "server name '\(server)' \(problem)", suggestion: ServerConfig.slug(server), server: server)
        }
        checkTypes()
        let type = inferTransport()
        checkTransportKeys(type)
        checkOAuth(type)
        checkAPIKey()
        checkUserVars()
        if format == .librechat, let title = draft.object["title"]?.stringValue,
           !title.unicodeScalars.allSatisfy({ $0 == " " || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }) {
            warning("invalid_title", "title", "LibreChat accepts only letters, digits and spaces in 'title'; '\(title)' is kept for display")
        }
    }

    // MARK: types and ranges

    private mutating func checkTypes() {
        for key in ["command", "cwd", "url", "proxy", "title", "description", "iconPath", "envFile", "caFile", "clientCert", "clientKey"] {
            if let value = draft.object[key] { _ = string(value, key) }
        }
        if let command = draft.object["command"]?.stringValue, command.isEmpty { error("invalid_value", "command", "'command' must not be empty") }
        for key in ["chatMenu", "startup", "requiresOAuth", "enabled", "requireApproval", "resetTimeoutOnProgress", "trusted"] {
            if let value = draft.object[key], value.boolValue == nil {
                error("invalid_type", key, "'\(key)' must be true or false, not \(describe(value))")
            }
        }
        let ranges: [(String, Int64, String)] = [
            ("timeout", 0, "milliseconds"), ("initTimeout", 0, "milliseconds"), ("sseReadTimeout", 1, "milliseconds"),
            ("maxTotalTimeout", 1, "milliseconds"), ("shutdownGraceMs", 0, "milliseconds"), ("maxMessageBytes", 1024, "bytes"),
            ("maxResponseBytes", 1024, "bytes"),
        ]
        for (key, minimum, unit) in ranges {
            guard let value = draft.object[key] else { continue }
            guard let number = value.int64Value else {
                error("invalid_type", key, "'\(key)' must be a whole number of \(unit), not \(describe(value))")
                continue
            }
            if number < minimum || number > Int64(Int32.max) {
                error("out_of_range", key, "'\(key)' is \(number); it must be between \(minimum) and \(Int32.max) \(unit)")
            }
        }
        if let era = draft.object["era"], !["auto", "modern", "legacy"].contains(era.stringValue ?? "") {
            error("invalid_value", "era", "'era' must be auto, modern or legacy, not \(describe(era))")
        }
        if let args = draft.object["args"] {
            if case .array(let items) = args {
                for (index, item) in items.enumerated() where item.stringValue == nil {
                    sink.error("invalid_type", draft.origin("args").appending(index: index),
                        "'args[\(index)]' must be a string, not \(describe(item)); quote it", server: server)
                }
                for (index, item) in items.enumerated() {
                    if let text = item.stringValue, text.utf8.contains(0) {
                        sink.error("invalid_value", draft.origin("args").appending(index: index), "'args[\(index)]' contains a NUL character", server: server)
                    }
                }
            } else {
                error("invalid_type", "args", "'args' must be a list of strings, not \(describe(args))"
                    + (args.stringValue != nil ? " (write each argument as its own list item)" : ""))
            }
        }
        if let env = draft.object["env"] { checkEnv(env) }
        for key in ["headers", "oauth_headers"] {
            if let value = draft.object[key] { checkHeaders(value, key) }
        }
        if let forward = draft.object["envForward"] {
            if case .array(let items) = forward {
                for (index, item) in items.enumerated() {
                    guard let name = item.stringValue, Template.isEnvName(name) else {
                        sink.error("invalid_value", draft.origin("envForward").appending(index: index),
                            "environment variable names to forward must be names like GITHUB_TOKEN, not \(describe(item))", server: server)
                        continue
                    }
                }
            } else {
                error("invalid_type", "envForward", "'env' must be a list of host variable names to forward, not \(describe(forward))")
            }
        }
        if let stderr = draft.object["stderr"] {
            switch stderr {
            case .string(let mode) where ["pipe", "inherit", "ignore", "log", "discard"].contains(mode): break
            case .int(2): draft.object["stderr"] = "inherit"
            case .object(let target) where target["file"]?.stringValue.map({ !$0.isEmpty }) == true && target.count == 1: break
            default:
                error("invalid_value", "stderr", "'stderr' must be pipe, inherit, ignore, log, 2 or {file: path}, not \(describe(stderr))")
            }
        }
        if let instructions = draft.object["serverInstructions"], instructions.boolValue == nil, instructions.stringValue == nil {
            error("invalid_type", "serverInstructions", "'serverInstructions' must be true, false or the instructions text, not \(describe(instructions))")
        }
        for key in ["extras", "unknown"] {
            if let value = draft.object[key], value.objectValue == nil { error("invalid_type", key, "'\(key)' must be an object") }
        }
        if let inputs = draft.object["inputs"] {
            if case .array(let items) = inputs {
                for (index, item) in items.enumerated() where item["id"]?.stringValue == nil {
                    sink.error("invalid_value", draft.origin("inputs").appending(index: index), "each input needs a string 'id'", server: server)
                }
            } else {
                error("invalid_type", "inputs", "'inputs' must be a list of input declarations")
            }
        }
        if let source = draft.object["source"] { checkSource(source) }
    }

    private mutating func checkEnv(_ env: JSONValue) {
        guard case .object(let given) = env else {
            error("invalid_type", "env", "'env' must be a map of NAME: value, not \(describe(env))")
            return
        }
        var entries = given
        for (index, (key, value)) in given.entries.enumerated() {
            let path = draft.origin("env").appending(key)
            if key.isEmpty || key.contains("=") || key.utf8.contains(0) {
                sink.error("invalid_value", path, "'\(key)' is not a valid environment variable name", server: server)
            }
            switch value {
            case .string(let text):
                if text.utf8.contains(0) { sink.error("invalid_value", path, "'env.\(key)' contains a NUL character", server: server) }
            case .int(let number): entries.entries[index].value = .string(String(number))
            case .double(let number): entries.entries[index].value = .string(String(number))
            case .bool(let flag): entries.entries[index].value = .string(flag ? "true" : "false")
            default: sink.error("invalid_type", path, "'env.\(key)' must be a string, not \(describe(value))", server: server)
            }
        }
        draft.object["env"] = .object(entries)
    }

    private mutating func checkHeaders(_ headers: JSONValue, _ key: String) {
        guard case .object(let entries) = headers else {
            error("invalid_type", key, "'\(key)' must be a map of Header-Name: value, not \(describe(headers))")
            return
        }
        for (name, value) in entries {
            let path = draft.origin(key).appending(name)
            if !ServerValidator.isHeaderName(name) {
                sink.error("invalid_header", path, "'\(name)' is not a valid HTTP header name", server: server)
            }
            guard let text = value.stringValue else {
                sink.error("invalid_type", path, "header '\(name)' must be a string, not \(describe(value))", server: server)
                continue
            }
            if text.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) {
                sink.error("invalid_header", path, "header '\(name)' contains a line break or NUL", server: server)
            }
        }
    }

    private mutating func checkSource(_ source: JSONValue) {
        guard case .object(let object) = source else {
            error("invalid_type", "source", "'source' must be an object {format, file?, tier, originalName?}")
            return
        }
        if let tier = object["tier"], ServerConfig.Tier(rawValue: tier.stringValue ?? "") == nil {
            sink.error("invalid_value", draft.origin("source").appending("tier"), "'source.tier' must be operator, admin, user or plugin", server: server)
        }
        let known = ["format", "file", "tier", "originalName", "redacted"]
        let unknown = object.keys.filter { !known.contains($0) }
        for key in unknown {
            sink.unknownKey(key, at: draft.origin("source").appending(key), known: known, context: "'source'", server: server, kept: false)
        }
        // `source` is the loader's own stamp with no `unknown` bag: a key kept there made the server one that
        // ServerConfig.parse (strict) refuses, so a config that loaded cleanly could not be added.
        if !unknown.isEmpty { draft.object["source"] = .object(JSONObject(object.entries.filter { known.contains($0.key) })) }
    }

    // MARK: transport

    /// The transport the entry means, writing the inferred `type` into the object (except where the format has none).
    private mutating func inferTransport() -> String? {
        var type: String?
        if let value = draft.object["type"] {
            guard let text = value.stringValue else {
                error("invalid_type", "type", "'type' must be a string, not \(describe(value))")
                return nil
            }
            switch text.lowercased() {
            case "http", "streamable-http", "streamablehttp", "streamable_http": type = "streamable-http"
            case "ws", "websocket": type = "websocket"
            case "sse", "stdio": type = text.lowercased()
            case "auto": type = nil
            default:
                let guess = KeySuggestion.suggest(for: text, among: ServerValidator.types + ["http"])
                error("invalid_value", "type", "unknown transport type '\(text)'; use stdio, streamable-http (or http), sse or websocket",
                    suggestion: guess)
                return nil
            }
            if let type { draft.object["type"] = .string(type) } else { draft.object["type"] = nil }
        }
        let hasCommand = draft.object["command"] != nil
        let url = draft.object["url"]?.stringValue
        if type == nil {
            if hasCommand, draft.object["url"] != nil {
                sink.error("conflicting_transport", draft.path,
                    "'\(server)' has both 'command' and 'url'; set 'type' to stdio or to a remote type to say which one is meant",
                    server: server)
                return nil
            }
            if hasCommand {
                type = "stdio"
            } else if let url {
                if let scheme = ServerValidator.scheme(url), scheme == "ws" || scheme == "wss" { type = "websocket" }
            } else if draft.object["url"] == nil {
                // A misspelled `command` or `url` is the usual cause: name it.
                let misspelled = (draft.object["unknown"]?.objectValue?.keys ?? []).first {
                    KeySuggestion.suggest(for: $0, among: ["command", "url"]) != nil
                }
                let intended = misspelled.flatMap { KeySuggestion.suggest(for: $0, among: ["command", "url"]) }
                var message = "'\(server)' needs 'command' (a local process) or 'url' (a remote server)"
                if let misspelled, let intended { message += "; '\(misspelled)' looks like a misspelling of '\(intended)'" }
                sink.error("missing_transport", draft.path.appending(intended ?? "command"), message, suggestion: intended, server: server)
                return nil
            }
            // PandoraKit has no `type`; its servers re-infer after every merge patch, also after an export round trip.
            let typeless = format == .pandorakit || draft.object["source"]?["format"]?.stringValue == ConfigFormat.pandorakit.rawValue
            if let type, !typeless { draft.object["type"] = .string(type) }
        }
        let effective = type ?? "auto"
        if effective == "stdio" {
            if !hasCommand { sink.error("missing_key", draft.path.appending("command"), "a stdio server needs 'command'", server: server) }
            if draft.object["args"] == nil, format == .librechat || format == .mcpUse {
                warning("missing_args", "command",
                    "\(format == .librechat ? "LibreChat" : "mcp-use") requires 'args' for a stdio server (write 'args: []' for none); treated as []")
            }
        } else if draft.object["url"] == nil {
            sink.error("missing_key", draft.path.appending("url"), "\(ServerValidator.article(effective)) server needs 'url'", server: server)
        } else if let url {
            checkURL(url, key: "url", transport: effective)
        }
        return effective
    }

    private mutating func checkTransportKeys(_ type: String?) {
        guard let type else { return }
        let misplaced = type == "stdio" ? ServerValidator.remoteOnlyKeys : ServerValidator.stdioOnlyKeys
        for key in misplaced where draft.object[key] != nil {
            if key == "obo" {
                error("invalid_key_for_transport", key, "'obo' (on-behalf-of tokens) needs a remote server; a stdio server must not have it")
            } else if !(key == "url" || key == "command") || draft.object["type"] != nil {
                warning("ignored_for_transport", key, "'\(key)' does not apply to \(ServerValidator.article(type)) server and is ignored")
            }
        }
        if type == "websocket" {
            for key in ["headers", "oauth", "proxy", "oauth_headers", "apiKey"] where draft.object[key] != nil {
                warning("ignored_for_transport", key, "'\(key)' is not supported on WebSocket servers and is ignored")
            }
        }
        if let proxy = draft.object["proxy"]?.stringValue, !ServerValidator.isPlaceholder(proxy) {
            let scheme = ServerValidator.scheme(proxy)
            if scheme == nil || !["http", "https", "socks", "socks5", "socks5h", "socks4"].contains(scheme ?? "") {
                error("invalid_url_scheme", "proxy", "'proxy' must be an http, https or socks5 URL\(ServerValidator.schemeNote(scheme))")
            }
        }
    }

    private mutating func checkURL(_ url: String, key: String, transport: String) {
        if ServerValidator.isPlaceholder(url) { return }
        guard let scheme = ServerValidator.scheme(url) else {
            error("invalid_url", key, "'\(key)' is not a URL (expected scheme://host/…)")
            return
        }
        let allowed: [String]
        switch transport {
        case "websocket": allowed = ["ws", "wss"]
        case "auto": allowed = ["http", "https", "ws", "wss"]
        default: allowed = ["http", "https"]
        }
        if !allowed.contains(scheme) {
            let schemes = allowed.map { "\($0)://" }
            let hint = schemes.dropLast().joined(separator: ", ") + " or " + (schemes.last ?? "")
            error("invalid_url_scheme", key, "\(ServerValidator.article(transport)) server's '\(key)' must start with \(hint), not '\(scheme)://'")
            return
        }
        let rest = url.drop(while: { $0 != ":" }).dropFirst(3)
        let host = rest.prefix(while: { $0 != "/" && $0 != "?" && $0 != "#" })
        if host.isEmpty || url.contains(where: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\0" }) {
            error("invalid_url", key, "'\(key)' has no host or contains whitespace")
        }
    }

    // MARK: auth blocks

    private mutating func checkOAuth(_ type: String?) {
        guard let value = draft.object["oauth"] else { return }
        if let flag = value.boolValue {
            // LR: `oauth: true|false` (PandoraKit's form) is accepted everywhere as `requiresOAuth`.
            draft.object["oauth"] = nil
            if draft.object["requiresOAuth"] == nil { draft.object["requiresOAuth"] = .bool(flag) }
            return
        }
        guard case .object(let given) = value else {
            error("invalid_type", "oauth", "'oauth' must be an object of OAuth settings (or true/false), not \(describe(value))")
            return
        }
        let oauth = knownKeys(of: given, block: "oauth", known: ServerValidator.oauthKeys)
        for key in ServerValidator.oauthKeys {
            guard let item = oauth[key] else { continue }
            if ServerValidator.oauthListKeys.contains(key) {
                guard case .array(let items) = item, items.allSatisfy({ $0.stringValue != nil }) else {
                    error("invalid_type", "oauth.\(key)", "'oauth.\(key)' must be a list of strings, not \(describe(item))")
                    continue
                }
            } else if key == "skip_code_challenge_check" || key == "forward_audience_on_refresh" {
                if item.boolValue == nil { error("invalid_type", "oauth.\(key)", "'oauth.\(key)' must be true or false, not \(describe(item))") }
            } else if let text = string(item, "oauth.\(key)") {
                if ServerValidator.oauthURLKeys.contains(key), !ServerValidator.isPlaceholder(text) {
                    let scheme = ServerValidator.scheme(text)
                    if scheme != "https", scheme != "http" {
                        error(scheme == nil ? "invalid_url" : "invalid_url_scheme", "oauth.\(key)",
                            "'oauth.\(key)' must be an http:// or https:// URL\(ServerValidator.schemeNote(scheme))")
                    }
                }
                if key == "token_exchange_method", !["default_post", "basic_auth_header"].contains(text) {
                    error("invalid_value", "oauth.token_exchange_method", "'oauth.token_exchange_method' must be default_post or basic_auth_header, not '\(text)'")
                }
                if key == "audience", text.isEmpty { error("invalid_value", "oauth.audience", "'oauth.audience' must not be empty") }
                if key == "signing_algorithm", !["RS256", "ES256"].contains(text) {
                    error("invalid_value", "oauth.signing_algorithm", "'oauth.signing_algorithm' must be RS256 or ES256, not '\(text)'")
                }
                // The value is a secret: the message describes it, never quotes it.
                if key == "private_key", !ServerValidator.isPlaceholder(text), !text.containsLiteral("${"),
                   !(text.containsLiteral("-----BEGIN ") && text.containsLiteral("PRIVATE KEY-----")) {
                    error("invalid_private_key", "oauth.private_key",
                        "'oauth.private_key' must be a PEM private key (-----BEGIN … PRIVATE KEY-----) or a ${VAR} that holds one; use 'oauth.private_key_file' for a path")
                }
                if key == "private_key_file", text.isEmpty { error("invalid_value", "oauth.private_key_file", "'oauth.private_key_file' must not be empty") }
            }
        }
        let keyField = ["private_key", "private_key_file"].first { oauth[$0] != nil }
        if oauth["private_key"] != nil, oauth["private_key_file"] != nil {
            error("private_key_conflict", "oauth.private_key_file", "give 'oauth.private_key' or 'oauth.private_key_file', not both")
        }
        if let keyField, oauth["client_id"] == nil {
            error("private_key_without_client_id", "oauth.\(keyField)", "'oauth.\(keyField)' (private_key_jwt) needs 'oauth.client_id' next to it")
        }
        if keyField == nil {
            for key in ["signing_algorithm", "private_key_id"] where oauth[key] != nil {
                warning("unused_oauth_key", "oauth.\(key)", "'oauth.\(key)' is used only with 'oauth.private_key' or 'oauth.private_key_file'")
            }
        }
        if let keyField, isUntrusted, ["authorization_url", "token_url"].contains(where: { oauth[$0] == nil }) {
            error("private_key_without_endpoints", "oauth.\(keyField)",
                "\(untrustedWhy) signs client assertions only for pinned endpoints: add 'oauth.authorization_url' and 'oauth.token_url'")
        }
        if oauth["client_secret"] != nil {
            if oauth["client_id"] == nil {
                error("client_secret_without_client_id", "oauth.client_secret", "'oauth.client_secret' needs 'oauth.client_id' next to it")
            }
            // Operator and admin configs may leave the endpoints to discovery (the engine then sends the secret only to
            // the token endpoint of the issuer the server's metadata named and that passed the issuer and resource
            // checks, never to a 2025-03-26 fallback); a user-created or explicitly untrusted server must pin them.
            let missing = ["authorization_url", "token_url"].filter { oauth[$0] == nil }
            if !missing.isEmpty, isUntrusted {
                error("client_secret_without_endpoints", "oauth.client_secret",
                    "\(untrustedWhy) sends its client secret only to pinned endpoints: add \(missing.map { "'oauth.\($0)'" }.joined(separator: " and ")) or remove 'oauth.client_secret' (the discovered server would otherwise receive it)")
            }
        }
        if draft.object["requiresOAuth"]?.boolValue == false {
            warning("oauth_disabled", "requiresOAuth", "'requiresOAuth: false' wins over the 'oauth' block, which is not used")
        }
        _ = type
    }

    private var tier: String { draft.object["source"]?.objectValue?["tier"]?.stringValue ?? ServerConfig.Tier.operator.rawValue }
    /// User-created servers, and servers the config itself marks untrusted, must pin where credentials go.
    private var isUntrusted: Bool { tier == ServerConfig.Tier.user.rawValue || draft.object["trusted"]?.boolValue == false }
    private var untrustedWhy: String { tier == ServerConfig.Tier.user.rawValue ? "a user-created server" : "a server with 'trusted: false'" }

    private mutating func checkAPIKey() {
        guard let value = draft.object["apiKey"] else { return }
        guard case .object(let given) = value else {
            error("invalid_type", "apiKey", "'apiKey' must be an object {source, authorization_type, key?, custom_header?}, not \(describe(value))")
            return
        }
        let apiKey = knownKeys(of: given, block: "apiKey", known: ServerValidator.apiKeyKeys)
        for (key, choices) in [("source", ["admin", "user"]), ("authorization_type", ["basic", "bearer", "custom"])] {
            guard let item = apiKey[key] else {
                sink.error("missing_key", draft.origin("apiKey").appending(key), "'apiKey.\(key)' is required (\(choices.joined(separator: " or ")))", server: server)
                continue
            }
            if !choices.contains(item.stringValue ?? "") {
                error("invalid_value", "apiKey.\(key)", "'apiKey.\(key)' must be \(choices.joined(separator: " or ")), not \(describe(item))")
            }
        }
        for key in ["key", "custom_header"] { if let item = apiKey[key] { _ = string(item, "apiKey.\(key)") } }
        if let header = apiKey["custom_header"]?.stringValue, !ServerValidator.isHeaderName(header) {
            error("invalid_header", "apiKey.custom_header", "'\(header)' is not a valid HTTP header name")
        }
    }

    private mutating func checkUserVars() {
        if let value = draft.object["customUserVars"] {
            guard case .object(let vars) = value else {
                error("invalid_type", "customUserVars", "'customUserVars' must be a map VAR: {title, description}, not \(describe(value))")
                return
            }
            var checked = vars
            for (index, (name, spec)) in vars.entries.enumerated() {
                let path = draft.origin("customUserVars").appending(name)
                guard case .object(let fields) = spec else {
                    sink.error("invalid_type", path, "'customUserVars.\(name)' must be an object {title, description, sensitive?}", server: server)
                    continue
                }
                for key in ["title", "description"] {
                    guard let field = fields[key] else {
                        sink.error("missing_key", path.appending(key), "'customUserVars.\(name).\(key)' is required", server: server)
                        continue
                    }
                    if field.stringValue == nil {
                        sink.error("invalid_type", path.appending(key), "'customUserVars.\(name).\(key)' must be a string", server: server)
                    }
                }
                if let sensitive = fields["sensitive"], sensitive.boolValue == nil {
                    sink.error("invalid_type", path.appending("sensitive"), "'customUserVars.\(name).sensitive' must be true or false", server: server)
                }
                // Unknown keys move to the `unknown` bag, as in the oauth and apiKey blocks: left in place they made a
                // server that loaded with a warning one that ServerConfig.parse (strict) refuses.
                let known = ["title", "description", "sensitive"]
                for (key, item) in fields.entries where !known.contains(key) {
                    sink.unknownKey(key, at: path.appending(key), known: known, context: "'customUserVars.\(name)'", server: server)
                    draft.keepUnknown("customUserVars.\(name).\(key)", item)
                }
                checked.entries[index].value = .object(JSONObject(fields.entries.filter { known.contains($0.key) }))
            }
            draft.object["customUserVars"] = .object(checked)
        }
        if let obo = draft.object["obo"] {
            if case .object(let fields) = obo, let scopes = fields["scopes"]?.stringValue, !scopes.isEmpty {
                for (key, item) in fields.entries where key != "scopes" {
                    sink.unknownKey(key, at: draft.origin("obo").appending(key), known: ["scopes"], context: "'obo'", server: server)
                    draft.keepUnknown("obo.\(key)", item)
                }
                draft.object["obo"] = .object(JSONObject(fields.entries.filter { $0.key == "scopes" }))
            } else {
                error("invalid_value", "obo", "'obo' must be {scopes: \"<space-separated scopes>\"} with at least one scope")
            }
        }
    }

    // MARK: helpers

    /// The block with only its known keys, written back to the draft; the others are reported and kept as unknown.
    private mutating func knownKeys(of given: JSONObject, block: String, known: [String]) -> JSONObject {
        var kept = JSONObject()
        for (key, item) in given.entries {
            if known.contains(key) {
                kept.entries.append((key, item))
            } else {
                sink.unknownKey(key, at: draft.origin("\(block).\(key)"), known: known, context: "'\(block)'", server: server)
                draft.keepUnknown("\(block).\(key)", item)
            }
        }
        draft.object[block] = .object(kept)
        return kept
    }

    private mutating func string(_ value: JSONValue, _ key: String) -> String? {
        guard let text = value.stringValue else {
            error("invalid_type", key, "'\(key)' must be a string, not \(describe(value))")
            return nil
        }
        if text.utf8.contains(0) { error("invalid_value", key, "'\(key)' contains a NUL character") }
        return text
    }

    private func describe(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): return "the string '\(text.count > 40 ? String(text.prefix(40)) + "…" : text)'"
        case .int(let number): return "the number \(number)"
        case .double(let number): return "the number \(number)"
        case .bool(let flag): return flag ? "true" : "false"
        default: return "\(value.typeName == "array" ? "a list" : value.typeName == "object" ? "a map" : value.typeName)"
        }
    }

    /// "a Streamable HTTP", "an SSE", … for messages.
    static func article(_ transport: String) -> String {
        switch transport {
        case "sse": "an SSE"
        case "websocket": "a WebSocket"
        case "streamable-http": "a Streamable HTTP"
        case "stdio": "a stdio"
        default: "a remote"
        }
    }

    /// The lower-cased scheme of `scheme://…`, nil when the text is not shaped like a URL.
    static func scheme(_ url: String) -> String? {
        guard let colon = url.firstIndex(of: ":"), url[colon...].hasPrefix("://") else { return nil }
        let scheme = url[..<colon]
        guard let first = scheme.first, first.isLetter,
              scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == ".") })
        else { return nil }
        return scheme.lowercased()
    }

    /// ", not 'ftp://'" for a message. URLs are never quoted whole: after substitution they carry tokens, user
    /// values and credentials (`https://user:pass@…`).
    static func schemeNote(_ scheme: String?) -> String {
        scheme.map { ", not '\($0)://'" } ?? ""
    }

    /// A value whose start is substituted later (`${BASE_URL}/mcp`, `{{LIBRECHAT_…}}`): its scheme is unknown now.
    /// Only a reference the substitution will expand counts: `${https://…` stays literal, and skipping its checks
    /// let a config load that ServerConfig.parse then refused.
    static func isPlaceholder(_ text: String) -> Bool {
        guard text.hasPrefix("${") || text.hasPrefix("{{"), let first = Template(text).pieces.first else { return false }
        if case .literal = first { return false }
        return true
    }

    static func isHeaderName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

}
