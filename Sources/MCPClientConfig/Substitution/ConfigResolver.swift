public import MCPClientCore

/// Variable substitution for normalized server configs (docs/config-substitution.md), in two stages:
/// `prepare` on the operator's template (parse time) and `resolve` per connection.
public enum ConfigResolver {
    public struct PrepareOptions: Sendable {
        /// A user-tier server may keep `obo` (the host checked the CONFIGURE_OBO permission).
        public var allowOBO = false
        public init(allowOBO: Bool = false) { self.allowOBO = allowOBO }
    }

    public struct Prepared: Sendable {
        public var server: JSONObject
        /// What was stripped, scrubbed or left unexpanded; names fields and variables, never values.
        public var warnings: [String]
    }

    public struct Resolved: Sendable {
        public var server: JSONObject
        public var scope: ScopeClassification
        /// A `{{LIBRECHAT_BODY_*}}` field was missing: connect once the request supplies it.
        public var deferred: Bool
        public var deferredFields: [String]
        /// Declared per-user variables without a (non-blank) value: the server's tools stay hidden until set.
        public var missingUserVars: [String]
        public var warnings: [String]

        public var json: JSONValue {
            [
                "version": .int(PayloadVersion.current), "server": .object(server), "scope": .string(scope.scope.rawValue),
                "scopeReason": .string(scope.reason), "needsUserValues": .bool(scope.needsUserValues), "deferred": .bool(deferred), "deferredFields": .array(deferredFields.map { .string($0) }),
                "missingUserVars": .array(missingUserVars.map { .string($0) }), "warnings": .array(warnings.map { .string($0) }),
            ]
        }
    }

    /// LibreChat's parse-time fields for `${VAR}`; the rest wait for `resolve`.
    static let parseTimeOAuthFields = ["authorization_url", "token_url", "redirect_uri", "revocation_endpoint"]

    /// Stage 1, on the template: the tier's rules, then (trusted tiers) `${VAR}` in `url`, `proxy`, the OAuth
    /// endpoint URLs and `env` values. Placeholders and everything user-supplied wait for `resolve`.
    public static func prepare(
        server: JSONObject, tier: TrustTier, environment: EnvironmentSource, options: PrepareOptions = PrepareOptions()
    ) throws(MCPError) -> Prepared {
        switch tier {
        case .plugin:
            return Prepared(server: server, warnings: [])
        case .user:
            let (sandboxed, warnings) = try UserTierRules.apply(server, allowOBO: options.allowOBO)
            return Prepared(server: sandboxed, warnings: warnings)
        case .operator, .admin:
            var server = server
            var denied: Set<String> = []
            let expand = { (text: String) -> String in EnvExpansion.expand(text, environment: environment, denied: &denied) }
            if let url = server["url"]?.stringValue { server["url"] = .string(expand(url)) }
            if let proxy = server["proxy"]?.stringValue { server["proxy"] = .string(expand(proxy)) }
            if var oauth = server["oauth"]?.objectValue {
                for field in parseTimeOAuthFields {
                    if let text = oauth[field]?.stringValue { oauth[field] = .string(expand(text)) }
                }
                server["oauth"] = .object(oauth)
            }
            if var env = server["env"]?.objectValue {
                for index in env.entries.indices {
                    if let text = env.entries[index].value.stringValue { env.entries[index].value = .string(expand(text)) }
                }
                server["env"] = .object(env)
            }
            return Prepared(server: server, warnings: denied.sorted().map { "${\($0)} is denylisted and was not expanded" })
        }
    }

    /// Stage 2, per connection: the tier's rules again (so an unprepared config is just as safe), then every
    /// reference in the fields where its kind applies, in one pass per string.
    public static func resolve(server input: JSONObject, context: ResolutionContext) throws(MCPError) -> Resolved {
        let serverTier = input["source"]?["tier"]?.stringValue.flatMap(TrustTier.init(name:))
        let tier = try TrustTier.effective(host: context.tier, server: serverTier)
        let scope = classify(server: input, tier: tier)
        if tier == .plugin {
            return Resolved(server: input, scope: scope, deferred: false, deferredFields: [], missingUserVars: [],
                warnings: ["plugin-tier config passed on verbatim: nothing substituted"])
        }
        var server = input
        var warnings: [String] = []
        if tier == .user {
            (server, warnings) = try UserTierRules.apply(input, allowOBO: context.allowOBO)
        }

        var declared: [String] = []
        if tier.isTrusted, let vars = server["customUserVars"]?.objectValue { declared = vars.keys }
        let userAPIKey = server["apiKey"]?["source"]?.stringValue == "user"
        if userAPIKey, !declared.contains(PlaceholderCatalogue.apiKeyVariable) { declared.append(PlaceholderCatalogue.apiKeyVariable) }
        if userAPIKey { server["headers"] = .object(withHeader(server, try apiKeyHeader(server), "{{\(PlaceholderCatalogue.apiKeyVariable)}}")) }

        var substituter = Substituter(context: context, tier: tier, userVarNames: Set(declared))
        try renderFields(&server, &substituter)
        try substituter.checkInputs()

        if !userAPIKey, let apiKey = server["apiKey"]?.objectValue, let key = apiKey["key"]?.stringValue, !key.isEmpty {
            let (name, prefix) = try apiKeyHeader(server)
            server["headers"] = .object(withHeader(server, (name, ""), Substituter.headerValue(prefix + key)))
        }
        if tier.isTrusted { try assembleEnvironment(&server, context: context, substituter: &substituter) }

        let missing = declared.filter { name in
            (context.userVars[name] ?? "").unicodeScalars.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        }
        return Resolved(
            server: server, scope: scope, deferred: !substituter.deferredFields.isEmpty, deferredFields: substituter.deferredFields,
            missingUserVars: missing, warnings: warnings + substituter.warnings)
    }

    private static func renderFields(_ server: inout JSONObject, _ substituter: inout Substituter) throws(MCPError) {
        if let url = server["url"]?.stringValue { server["url"] = .string(try substituter.render(url, .url, path: "url")) }
        for field in ["headers", "oauth_headers", "env"] {
            guard var object = server[field]?.objectValue else { continue }
            let rule: FieldRule = field == "env" ? .value : .header
            for index in object.entries.indices {
                guard let text = object.entries[index].value.stringValue else { continue }
                let path = "\(field).\(object.entries[index].key)"
                object.entries[index].value = .string(try substituter.render(text, rule, path: path))
            }
            server[field] = .object(object)
        }
        if var args = server["args"]?.arrayValue {
            for index in args.indices {
                guard let text = args[index].stringValue else { continue }
                args[index] = .string(try substituter.render(text, .value, path: "args[\(index)]"))
            }
            server["args"] = .array(args)
        }
        if let oauth = server["oauth"] {
            server["oauth"] = try renderOAuth(oauth, path: "oauth", depth: 0, &substituter)
        }
        if let proxy = server["proxy"]?.stringValue { server["proxy"] = .string(try substituter.render(proxy, .envOnly, path: "proxy")) }
        if var apiKey = server["apiKey"]?.objectValue, let key = apiKey["key"]?.stringValue {
            apiKey["key"] = .string(try substituter.render(key, .envOnly, path: "apiKey.key"))
            server["apiKey"] = .object(apiKey)
        }
        if let envFile = server["envFile"]?.stringValue {
            server["envFile"] = .string(try substituter.render(envFile, .path, path: "envFile"))
        }
    }

    /// Every string under `oauth`; the endpoint URLs may not keep unresolved references.
    private static func renderOAuth(_ value: JSONValue, path: String, depth: Int, _ substituter: inout Substituter) throws(MCPError) -> JSONValue {
        guard depth < 8 else { throw MCPError.config("\(path) is nested too deeply", details: ["path": .string(path)]) }
        switch value {
        case .string(let text):
            let isEndpoint = depth == 1 && parseTimeOAuthFields.contains(where: { path == "oauth." + $0 })
            return .string(try substituter.render(text, isEndpoint ? .url : .value, path: path))
        case .array(var items):
            for index in items.indices { items[index] = try renderOAuth(items[index], path: "\(path)[\(index)]", depth: depth + 1, &substituter) }
            return .array(items)
        case .object(var object):
            for index in object.entries.indices {
                let child = "\(path).\(object.entries[index].key)"
                object.entries[index].value = try renderOAuth(object.entries[index].value, path: child, depth: depth + 1, &substituter)
            }
            return .object(object)
        default: return value
        }
    }

    /// `envFile` entries, then `envForward` names from the host, then the explicit `env` (which wins). File and
    /// host values are data: they are never scanned for references. Both keys are consumed.
    private static func assembleEnvironment(_ server: inout JSONObject, context: ResolutionContext, substituter: inout Substituter) throws(MCPError) {
        guard server["envFile"] != nil || server["envForward"] != nil else { return }
        var merged = JSONObject()
        if let value = server["envFile"] {
            guard let path = value.stringValue, !path.isEmpty else { throw MCPError.config("'envFile' must be a path", details: ["path": "envFile"]) }
            let file: String
            if path.hasPrefix("/") {
                file = path
            } else if let base = context.baseDirectory {
                file = base.hasSuffix("/") ? base + path : base + "/" + path
            } else {
                throw MCPError.config("envFile \(path) is relative and the host gave no baseDir", details: ["path": "envFile", "file": .string(path)])
            }
            for (key, text) in try DotEnv.load(path: file) { merged[key] = .string(text) }
        }
        if let value = server["envForward"] {
            guard let names = value.arrayValue else { throw MCPError.config("'envForward' must be an array of names", details: ["path": "envForward"]) }
            for (index, item) in names.enumerated() {
                guard let name = item.stringValue else {
                    throw MCPError.config("'envForward[\(index)]' must be a string", details: ["path": .string("envForward[\(index)]")])
                }
                if case .value(let text) = context.environment.lookup(name) {
                    merged[name] = .string(text)
                } else if context.environment.denylist.denies(name) {
                    substituter.warn("envForward: \(name) is denylisted and was not forwarded")
                }
            }
        }
        for (key, value) in server["env"]?.objectValue ?? [:] { merged[key] = value }
        server["env"] = .object(merged)
        server["envFile"] = nil
        server["envForward"] = nil
    }

    /// The header `apiKey` fills and its value prefix (LibreChat: Bearer, Basic, or a custom header, X-Api-Key).
    private static func apiKeyHeader(_ server: JSONObject) throws(MCPError) -> (name: String, prefix: String) {
        let apiKey = server["apiKey"]
        switch apiKey?["authorization_type"]?.stringValue {
        case "basic": return ("Authorization", "Basic ")
        case "custom":
            let name = apiKey?["custom_header"]?.stringValue ?? ""
            if name.isEmpty { return ("X-Api-Key", "") }
            // An RFC 9110 token: a user-tier config must not smuggle a second header through the name.
            guard name.utf8.count <= 256, ServerValidator.isHeaderName(name) else {
                throw MCPError.config("apiKey.custom_header is not a valid header name", details: ["path": "apiKey.custom_header"])
            }
            return (name, "")
        default: return ("Authorization", "Bearer ")
        }
    }

    /// `headers` with `name` set to `prefix + value`, replacing a same-named header in any letter case.
    private static func withHeader(_ server: JSONObject, _ header: (name: String, prefix: String), _ value: String) -> JSONObject {
        var headers = server["headers"]?.objectValue ?? [:]
        headers.entries.removeAll { $0.key.lowercased() == header.name.lowercased() }
        headers.entries.append((header.name, .string(header.prefix + value)))
        return headers
    }
}
