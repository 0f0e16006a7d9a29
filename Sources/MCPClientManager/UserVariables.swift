import MCPClientConfig
public import MCPClientCore
import MCPClientOAuth

/// One record per (user, server) holding that user's values for the server's `customUserVars` (LibreChat's
/// "Save"/"Revoke"), sealed like every record when the store is a sealed or file store. A record remembers the
/// server's `instance`: values saved for a deleted server are not given to a new server of the same name.
struct UserVariables: Sendable {
    let store: any CredentialStore
    let namespace: String

    static let maxValueBytes = 16 * 1024

    func key(user: String, server: String) -> CredentialKey {
        CredentialKey(user: user, server: namespace + "/" + server, kind: .userVariables)
    }

    func read(user: String, entry: RegistryEntry) throws(MCPError) -> [String: String] {
        guard let json = try store.getJSON(key(user: user, server: entry.name)),
              json["instance"]?.stringValue == entry.instance, let values = json["values"]?.objectValue
        else { return [:] }
        var result: [String: String] = [:]
        for (name, value) in values { if let text = value.stringValue { result[name] = text } }
        return result
    }

    func write(user: String, entry: RegistryEntry, values: [String: String]) throws(MCPError) {
        let key = key(user: user, server: entry.name)
        guard !values.isEmpty else { return try store.delete(key) }
        var object = JSONObject()
        for name in values.keys.sorted() { object[name] = .string(values[name] ?? "") }
        try store.putJSON(key, ["version": 1, "instance": .string(entry.instance), "values": .object(object)], ttlSeconds: nil)
    }
}

extension ServerRegistry {
    /// The variables a user may set for `entry`: `customUserVars` (trusted tiers only; user-tier servers cannot
    /// declare them) plus `MCP_API_KEY` when `apiKey.source` is `user`, as `ConfigResolver.resolve` reads them.
    public static func declaredVariables(_ entry: RegistryEntry) -> [String] {
        var names: [String] = []
        if entry.tier.isTrusted, let vars = entry.template["customUserVars"]?.objectValue { names = vars.keys }
        if entry.template["apiKey"]?["source"]?.stringValue == "user", !names.contains(PlaceholderCatalogue.apiKeyVariable) {
            names.append(PlaceholderCatalogue.apiKeyVariable)
        }
        return names
    }

    /// Saves the user's values (merged with those saved before; an empty string revokes that one). Needs USE.
    /// Only declared variables are accepted. Returns the flags afterwards.
    @discardableResult
    public func setUserVariables(_ server: String, values: [String: String], as user: UserContext) throws(MCPError) -> JSONObject {
        let entry = try usableEntry(server, user)
        let declared = Self.declaredVariables(entry)
        for (name, value) in values {
            guard declared.contains(name) else {
                throw MCPError.invalid("server '\(server)' declares no user variable '\(name)' (declared: \(declared.joined(separator: ", ")))",
                    details: ["server": .string(server), "path": .string(name)])
            }
            guard value.utf8.count <= UserVariables.maxValueBytes, !value.utf8.contains(0) else {
                throw MCPError.invalid("the value of '\(name)' must be at most \(UserVariables.maxValueBytes) bytes without NUL",
                    details: ["server": .string(server), "path": .string(name)])
            }
        }
        try storage.lock.withLock(variablesLock(user)) { () throws(MCPError) in
            var saved = try userVariables.read(user: user.id, entry: entry)
            for (name, value) in values { saved[name] = value.isEmpty ? nil : value }
            try userVariables.write(user: user.id, entry: entry, values: saved)
        }
        return try flags(entry, user)
    }

    /// Forgets the user's values (all of them, or the named ones). Needs USE. Returns the flags afterwards.
    @discardableResult
    public func revokeUserVariables(_ server: String, names: [String]? = nil, as user: UserContext) throws(MCPError) -> JSONObject {
        let entry = try usableEntry(server, user)
        try storage.lock.withLock(variablesLock(user)) { () throws(MCPError) in
            var saved = try userVariables.read(user: user.id, entry: entry)
            if let names { for name in names { saved[name] = nil } } else { saved = [:] }
            try userVariables.write(user: user.id, entry: entry, values: saved)
        }
        return try flags(entry, user)
    }

    /// `{VAR: true|false}` in declaration order: whether the user saved a non-blank value. Never the values.
    public func authValueFlags(_ server: String, as user: UserContext) throws(MCPError) -> JSONObject {
        try flags(try usableEntry(server, user), user)
    }


    /// Deletes the saved values of `users` for a server that is gone (its delete), each under that user's lock.
    func forgetUserVariables(_ server: String, users: some Sequence<String>) {
        for user in users {
            _ = try? storage.lock.withLock(variablesLock(user)) { () throws(MCPError) in
                try userVariables.store.delete(userVariables.key(user: user, server: server))
            }
        }
    }

    private func usableEntry(_ server: String, _ user: UserContext) throws(MCPError) -> RegistryEntry {
        guard let entry = try entry(named: server) else { throw Self.notFound(server) }
        try AccessPolicy.check(user, entry, .use)
        return entry
    }

    private func flags(_ entry: RegistryEntry, _ user: UserContext) throws(MCPError) -> JSONObject {
        let saved = try userVariables.read(user: user.id, entry: entry)
        var flags = JSONObject()
        for name in Self.declaredVariables(entry) {
            let value = saved[name] ?? ""
            flags[name] = .bool(!value.unicodeScalars.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
        }
        return flags
    }

    private func variablesLock(_ user: UserContext) -> String { variablesLock(user.id) }
    private func variablesLock(_ user: String) -> String { "mcpclient.uservars." + options.namespace + "." + user }
}
