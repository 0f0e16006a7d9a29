import MCPClientConfig
import MCPClientCore

// Variable substitution for normalized server configs (docs/config-substitution.md). Pure functions: no handle.

/// Applies a trust tier's rules to a normalized server config and, for operator/admin, expands ${VAR} in the
/// parse-time fields (url, proxy, OAuth endpoint URLs, env values). options_json:
/// {"tier":"operator"|"admin"|"user"|"plugin", "env":{…} or "useProcessEnv":true, "denylist":[…], "allowObo":false}.
/// Result: {"version":1, "server":{…}, "warnings":[…]}. A user-tier violation gives MCP_ERR_POLICY with details.path.
/// Ownership: free *out_json and *out_error_json with mcp_string_free().
/// NULL: server_json and out_json required; options_json NULL means the operator tier with an empty environment;
/// out_error_json may be NULL.
/// Threads: any thread.
@c(mcp_config_prepare)
public func mcpConfigPrepare(
    _ server_json: UnsafePointer<CChar>?, _ options_json: UnsafePointer<CChar>?, _ out_json: OutString?, _ out_error_json: OutString?
) -> mcp_status {
    out_json?.pointee = nil
    return boundary(out_error_json) { () throws(MCPError) in
        try requireOut(out_json, "out_json")
        let server = try serverObject(server_json)
        let options = try jsonObject(options_json, "options_json")
        let allowed: Set<String> = ["version", "tier", "env", "useProcessEnv", "denylist", "allowObo"]
        if let unknown = options.keys.first(where: { !allowed.contains($0) }) {
            throw MCPError.invalid("unknown field '\(unknown)' in options_json", details: ["path": .string(unknown)])
        }
        let context = try ResolutionContext.parse(options)
        let prepared = try ConfigResolver.prepare(
            server: server, tier: context.tier ?? .operator, environment: context.environment,
            options: ConfigResolver.PrepareOptions(allowOBO: context.allowOBO))
        try write(["version": .int(PayloadVersion.current), "server": .object(prepared.server),
                   "warnings": .array(prepared.warnings.map { .string($0) })], to: out_json)
    }
}

/// Resolves a normalized server config for one connection: user fields, OpenID and Graph tokens, request body
/// fields, customUserVars values, MCP_API_KEY, VS Code inputs, ${VAR} / ${env:NAME}, ${userHome},
/// ${workspaceFolder}, envFile and envForward, each only in the fields where it applies. context_json: {"tier",
/// "user":{…}, "openid":{…}, "graph":{"accessToken"}, "body":{…}, "userVars":{…}, "inputs":{…}, "env":{…} or
/// "useProcessEnv":true, "denylist":[…], "workspaceFolder", "userHome", "baseDir", "now", "allowObo"}.
/// Result: {"version":1, "server":{…}, "scope":"app"|"user"|"request", "scopeReason", "needsUserValues", "deferred", "deferredFields":[…],
/// "missingUserVars":[…], "warnings":[…]}. Errors never contain substituted values.
/// Ownership: free *out_json and *out_error_json with mcp_string_free().
/// NULL: server_json and out_json required; context_json NULL means {}; out_error_json may be NULL.
/// Threads: any thread.
@c(mcp_config_resolve)
public func mcpConfigResolve(
    _ server_json: UnsafePointer<CChar>?, _ context_json: UnsafePointer<CChar>?, _ out_json: OutString?, _ out_error_json: OutString?
) -> mcp_status {
    out_json?.pointee = nil
    return boundary(out_error_json) { () throws(MCPError) in
        try requireOut(out_json, "out_json")
        let server = try serverObject(server_json)
        let context = try ResolutionContext.parse(try jsonObject(context_json, "context_json"))
        try write(try ConfigResolver.resolve(server: server, context: context).json, to: out_json)
    }
}

/// Says which connection a normalized server config gets: one shared (app), one per user, or one per request,
/// and why. tier overrides the config's source.tier ("operator", "admin", "user", "plugin").
/// Result: {"version":1, "scope":"app"|"user"|"request", "reason"}.
/// Ownership: free *out_json and *out_error_json with mcp_string_free().
/// NULL: server_json and out_json required; tier may be NULL; out_error_json may be NULL.
/// Threads: any thread.
@c(mcp_config_classify)
public func mcpConfigClassify(
    _ server_json: UnsafePointer<CChar>?, _ tier: UnsafePointer<CChar>?, _ out_json: OutString?, _ out_error_json: OutString?
) -> mcp_status {
    out_json?.pointee = nil
    return boundary(out_error_json) { () throws(MCPError) in
        try requireOut(out_json, "out_json")
        let server = try serverObject(server_json)
        var override: TrustTier?
        if tier != nil {
            let name = try string(tier, "tier")
            guard let parsed = TrustTier(name: name) else {
                throw MCPError.invalid("tier must be operator, admin, user or plugin", details: ["argument": "tier"])
            }
            override = parsed
        }
        let classification = ConfigResolver.classify(server: server, tier: override)
        try write(["version": .int(PayloadVersion.current), "scope": .string(classification.scope.rawValue),
                   "reason": .string(classification.reason), "needsUserValues": .bool(classification.needsUserValues)], to: out_json)
    }
}

private func serverObject(_ pointer: UnsafePointer<CChar>?) throws(MCPError) -> JSONObject {
    guard case .object(let server) = try json(pointer, "server_json") else {
        throw MCPError.invalid("server_json must be a JSON object", details: ["argument": "server_json"])
    }
    return server
}
