import Glibc
import MCPClientConfig
import MCPClientCore
import MCPClientManager

// Config files of every supported format: load, validate, export, and load into a manager.

/// The text argument and the load options shared by the config entry points.
private func loadConfig(_ text: UnsafePointer<CChar>?, _ options_json: UnsafePointer<CChar>?) throws(MCPError) -> ConfigLoadResult {
    try loadConfigWithOptions(text, options_json).result
}

private func loadConfigWithOptions(
    _ text: UnsafePointer<CChar>?, _ options_json: UnsafePointer<CChar>?
) throws(MCPError) -> (result: ConfigLoadResult, options: ConfigLoadOptions) {
    let options = try ConfigLoadOptions.parse(try json(options_json, "options_json", fallback: .null))
    return (ConfigLoader.load(text: try string(text, "text"), options: options), options)
}

/// Loads a config text of any supported format (LibreChat YAML, Claude Desktop, Cursor, VS Code, fastmcp, mcp-use,
/// PandoraKit, Aeontel, or this library's export) into normalized servers:
/// {"version":1,"format","servers":{name:{…}},"settings":{"allowedDomains"?,"allowedAddresses"?},"inputs"?,"removed"?,
/// "diagnostics":[…]}. options_json: {"format":"auto"|…,"strict":false,"file"?,"tier"?,"registry"?,"update"?}.
/// A config with any error fails with MCP_ERR_CONFIG; the error's details.diagnostics lists every problem
/// (warnings too) with its key path and line:column.
/// Ownership: free *out_result_json and *out_error_json with mcp_string_free().
/// NULL: text and out_result_json required; options_json may be NULL (auto-detect); out_error_json may be NULL.
/// Threads: any thread.
@c(mcp_config_load)
public func mcpConfigLoad(
    _ text: UnsafePointer<CChar>?, _ options_json: UnsafePointer<CChar>?, _ out_result_json: OutString?, _ out_error_json: OutString?
) -> mcp_status {
    out_result_json?.pointee = nil
    return boundary(out_error_json) { () throws(MCPError) in
        try requireOut(out_result_json, "out_result_json")
        let loaded = try loadConfig(text, options_json)
        if let error = loaded.error { throw error }
        try write(loaded.json, to: out_result_json)
    }
}

/// Checks a config text without failing on its problems:
/// {"version":1,"format","valid":bool,"errors":N,"warnings":N,"diagnostics":[…]}. Same options as mcp_config_load.
/// Ownership: free *out_report_json and *out_error_json with mcp_string_free().
/// NULL: text and out_report_json required; options_json may be NULL; out_error_json may be NULL.
/// Threads: any thread.
@c(mcp_config_validate)
public func mcpConfigValidate(
    _ text: UnsafePointer<CChar>?, _ options_json: UnsafePointer<CChar>?, _ out_report_json: OutString?, _ out_error_json: OutString?
) -> mcp_status {
    out_report_json?.pointee = nil
    return boundary(out_error_json) { () throws(MCPError) in
        try requireOut(out_report_json, "out_report_json")
        let loaded = try loadConfig(text, options_json)
        let errors = loaded.diagnostics.filter { $0.severity == .error }.count
        try write([
            "version": .int(PayloadVersion.current), "format": loaded.format.map { .string($0.rawValue) } ?? .null,
            "valid": .bool(errors == 0), "errors": .int(Int64(errors)), "warnings": .int(Int64(loaded.diagnostics.count - errors)),
            "diagnostics": .array(loaded.diagnostics.map(\.json)),
        ], to: out_report_json)
    }
}

/// Writes a registry (a mcp_config_load result, or {"servers":{…},"settings":{…}}) back out as a config text that
/// mcp_config_load reads back to the same servers. options_json: {"format":"json"|"yaml","includeSecrets":false};
/// secrets (oauth.client_secret, apiKey.key, literal Authorization headers) are left out unless includeSecrets is true.
/// Ownership: free *out_text and *out_error_json with mcp_string_free().
/// NULL: registry_json and out_text required; options_json may be NULL (JSON, redacted); out_error_json may be NULL.
/// Threads: any thread.
@c(mcp_config_export)
public func mcpConfigExport(
    _ registry_json: UnsafePointer<CChar>?, _ options_json: UnsafePointer<CChar>?, _ out_text: OutString?, _ out_error_json: OutString?
) -> mcp_status {
    out_text?.pointee = nil
    return boundary(out_error_json) { () throws(MCPError) in
        try requireOut(out_text, "out_text")
        guard case .object(let registry) = try json(registry_json, "registry_json") else {
            throw MCPError.invalid("registry_json must be a JSON object", details: ["argument": "registry_json"])
        }
        let options = try ConfigExporter.Options.parse(try json(options_json, "options_json", fallback: .null))
        let text = try ConfigExporter.export(registry: registry, options: options)
        guard let pointer = allocate(Array(text.utf8)) else { throw MCPError(.generic, "out of memory") }
        out_text?.pointee = pointer
    }
}

/// Loads a config text (as mcp_config_load) and registers every enabled server with the manager. Nothing is added
/// when the config has errors (MCP_ERR_CONFIG) or when a name is already registered (MCP_ERR_CONFLICT, details.servers).
/// Result: the load result plus "added":[names], "skipped":[{"server","reason"}], and "settingsApplied": true when
/// the config's allowedDomains/allowedAddresses (LibreChat mcpSettings) replaced the manager's for connections
/// opened from then on. Only an operator/admin config may carry those settings: with a user or plugin tier (the
/// options' tier, else the format's, made no more trusted than the manager's substitution tier) it fails with
/// MCP_ERR_POLICY.
/// Ownership: free *out_result_json and *out_error_json with mcp_string_free().
/// NULL: manager and text required; options_json, out_result_json and out_error_json may be NULL.
/// Threads: any host thread.
@c(mcp_manager_load_config)
public func mcpManagerLoadConfig(
    _ manager: OpaquePointer?, _ text: UnsafePointer<CChar>?, _ options_json: UnsafePointer<CChar>?, _ out_result_json: OutString?,
    _ out_error_json: OutString?
) -> mcp_status {
    out_result_json?.pointee = nil
    return boundary(out_error_json) { () throws(MCPError) in
        let instance = try HandleRegistry.manager(manager)
        let (loaded, options) = try loadConfigWithOptions(text, options_json)
        if let error = loaded.error { throw error }
        var added: [JSONValue] = []
        var skipped: [JSONValue] = []
        var toAdd: [(String, JSONValue)] = []
        for (name, server) in loaded.servers.entries {
            if server["enabled"]?.boolValue == false {
                skipped.append(["server": .string(name), "reason": "disabled"])
            } else {
                toAdd.append((name, server))
            }
        }
        let domains = try loaded.settings["allowedDomains"].map { value throws(MCPError) in try strings(value, "mcpSettings.allowedDomains") }
        let addresses = try loaded.settings["allowedAddresses"].map { value throws(MCPError) in try strings(value, "mcpSettings.allowedAddresses") }
        let existing = Set(instance.serverNames)
        let clashes = toAdd.map(\.0).filter { existing.contains($0) }
        if !clashes.isEmpty {
            throw MCPError(.conflict, "already registered: \(clashes.joined(separator: ", "))", details: ["servers": .array(clashes.map { .string($0) })])
        }
        let applySettings = domains != nil || addresses != nil
        // The allow-lists loosen the private-address guard for every server: only a trusted config may set them.
        let tier = try TrustTier.effective(host: instance.options.substitution.tier, server: options.tier ?? loaded.format?.defaultTier)
        if applySettings, !tier.isTrusted {
            throw MCPError(.policy, "a \(tier.rawValue)-tier config cannot set mcpSettings (allowedDomains, allowedAddresses)",
                source: .config, details: ["path": "mcpSettings", "tier": .string(tier.rawValue)])
        }
        let previous = applySettings ? try instance.applyNetworkSettings(allowedDomains: domains, allowedAddresses: addresses) : nil
        for (name, server) in toAdd {
            do throws(MCPError) {
                try instance.addServer(name: name, config: server)
                added.append(.string(name))
            } catch {
                // All or nothing: a server that fails to register takes the ones added before it (and the settings) out again.
                for case .string(let done) in added {
                    _ = instance.blocking { finished in instance.removeServer(name: done) { finished($0.map { .null }) } }
                }
                if let previous { _ = try? instance.applyNetworkSettings(allowedDomains: previous.domains, allowedAddresses: previous.addresses) }
                throw error
            }
        }
        guard case .object(var object) = loaded.json else { return }
        object["added"] = .array(added)
        object["skipped"] = .array(skipped)
        object["settingsApplied"] = .bool(applySettings)
        try write(.object(object), to: out_result_json)
    }
}

private func strings(_ value: JSONValue, _ path: String) throws(MCPError) -> [String] {
    guard let items = value.arrayValue, items.allSatisfy({ $0.stringValue != nil }) else {
        throw MCPError.config("'\(path)' must be a list of strings", details: ["path": .string(path)])
    }
    return items.compactMap(\.stringValue)
}
