public import MCPClientConfig
public import MCPClientCore
import MCPClientOAuth
import Synchronization

/// The registry operations behind the seed APIs (docs/manager.md): list, get, create, update, delete, config
/// patches, sharing and per-user variables, each for a caller and held to its permissions. The host itself acts
/// as an admin.
extension Manager {
    var registryIfMade: ServerRegistry? { registrySlot.withLock { $0 } }

    /// The registry, made on first use over the manager's credential store (which is then fixed); the operator
    /// servers registered so far join it.
    func registry() throws(MCPError) -> ServerRegistry {
        if let registry = registryIfMade { return registry }
        let store = try oauthSlot.withLock { slot -> Result<any CredentialStore, MCPError> in
            do {
                let store = try slot.store ?? options.oauth.makeStore()
                slot.store = store
                slot.storeInUse = true
                return .success(store)
            } catch {
                return .failure(MCPError(error))
            }
        }.get()
        var registryOptions = ServerRegistry.Options(store: store, substitution: options.substitution)
        registryOptions.namespace = options.registryNamespace
        registryOptions.lock = StoreNamedLock(store: store)
        let made = registrySlot.withLock { slot -> ServerRegistry in
            if let registry = slot { return registry }
            let registry = ServerRegistry(options: registryOptions)
            slot = registry
            return registry
        }
        for entry in allEntries where entry.runtime == nil {
            _ = try? made.registerOperator(name: entry.config.name, config: entry.template)
        }
        return made
    }

    /// The registry identity of a caller: its user, or the host as an admin.
    func identity(_ caller: CallContext) -> UserContext {
        caller.identity ?? UserContext(id: options.oauth.user, role: UserContext.adminRole)
    }

    /// A server another process created in the shared store: its entry is made here on first use.
    func createdElsewhere(_ name: String) throws(MCPError) -> ServerEntry? {
        guard let registry = registryIfMade, let record = try registry.entry(named: name), record.origin == .runtime else { return nil }
        let made = try makeEntry(name: name, template: record.template, runtime: record)
        return servers(inserting: made)
    }

    var serverUsers: ServerUsers? {
        guard let registry = registryIfMade else { return nil }
        return ServerUsers(store: registry.storage.store, lock: registry.options.lock, namespace: options.registryNamespace)
    }

    /// Records that `user` keeps something for a created server (see `ServerUsers`).
    func rememberUser(_ user: String, server: String) {
        guard let users = serverUsers, let record = try? registryIfMade?.entry(named: server), record.origin == .runtime else { return }
        do { try users.remember(user, for: record) } catch {
            logSink.log(.warning, "could not record the user of server '\(server)': \(error.message)", server: server, source: "manager")
        }
    }

    /// A created server as the store has it now (re-read at most every `registryRecheckMs`): another process may
    /// have changed it (the connections here are rebuilt) or deleted it (nil; they close).
    func refreshedFromStore(_ entry: ServerEntry) throws(MCPError) -> ServerEntry? {
        guard let known = entry.runtime, let registry = registryIfMade else { return entry }
        let now = SystemClock().nowNanoseconds()
        let checked = entry.recordCheckedAt.load(ordering: .relaxed)
        guard now &- checked >= UInt64(options.connections.registryRecheckMs) * 1_000_000 else { return entry }
        entry.recordCheckedAt.store(now, ordering: .relaxed)
        let name = entry.config.name
        guard let record = try registry.entry(named: name), record.origin == .runtime, record.instance == known.instance else {
            replaceEntry(name, with: nil, expected: entry, reason: "removed")
            return nil
        }
        guard record.revision != known.revision else { return entry }
        let fresh = try makeEntry(name: name, template: record.template, runtime: record)
        replaceEntry(name, with: fresh, expected: entry, reason: "updated")
        return self.entry(name)
    }

    /// A user needs USE on a created server (and the role's `use` on any); the host may do everything.
    func checkUse(_ entry: ServerEntry, _ caller: CallContext) throws(MCPError) {
        guard let user = caller.identity else { return }
        if let record = entry.runtime {
            try AccessPolicy.check(user, record, .use)
        } else if !user.permissions.use {
            throw MCPError(.permission, "user '\(user.id)' may not use MCP servers",
                details: ["user": .string(user.id), "role": .string(user.role), "permission": "use", "server": .string(entry.config.name)])
        }
    }

    // MARK: reading

    /// A page of the servers the caller may view: `{"version":1,"data":[…],"has_more","after"}`.
    public func listServers(_ query: JSONObject, as caller: CallContext = .host) throws(MCPError) -> JSONValue {
        let user = identity(caller)
        let page = try registry().list(try RegistryQuery.parse(.object(query)), as: user)
        return versioned(page.json(for: user))
    }

    public func getServer(_ name: String, as caller: CallContext = .host) throws(MCPError) -> JSONValue {
        let user = identity(caller)
        return versioned(try registry().get(name, as: user).json(for: user))
    }

    // MARK: changes

    /// Creates a server (name derived from `title` when nil): `{"version":1,"action":"created","name","server":{…}}`.
    public func createServer(name: String?, config: JSONObject, as caller: CallContext = .host) throws(MCPError) -> JSONValue {
        let user = identity(caller)
        return try applied([try registry().create(name: name, config: config, as: user)], for: user)
    }

    /// RFC 7386 merge patch of one server; its live connections are rebuilt.
    public func updateServer(_ name: String, patch: JSONObject, as caller: CallContext = .host) throws(MCPError) -> JSONValue {
        let user = identity(caller)
        return try applied([try registry().update(name, patch: patch, as: user)], for: user)
    }

    /// Deletes a server: every connection of it closes and its users' OAuth tokens are revoked where known.
    public func deleteServer(_ name: String, as caller: CallContext = .host) throws(MCPError) -> JSONValue {
        let user = identity(caller)
        return try applied([try registry().delete(name, as: user)], for: user)
    }

    /// PandoraKit's `PATCH /api/config` body `{"mcpServers":{name: null | {…}}}`: all entries or none.
    public func patchConfig(_ body: JSONObject, format: ConfigFormat, as caller: CallContext = .host) throws(MCPError) -> JSONValue {
        let user = identity(caller)
        return try applied(try registry().applyConfigPatch(body, format: format, as: user), for: user)
    }

    /// Grants `{"user"|"role", "permissions":[…]}` on a server; empty permissions take a grant away.
    public func shareServer(_ name: String, grant: JSONObject, as caller: CallContext = .host) throws(MCPError) -> JSONValue {
        let user = identity(caller)
        let parsed = try AccessGrant.parse(.object(grant), path: "")
        let registry = try registry()
        let entry = parsed.permissions.isEmpty
            ? try registry.unshare(name, from: parsed.principal, as: user)
            : try registry.share(name, with: parsed.principal, permissions: parsed.permissions, as: user)
        // Who may use it changed: its connections are rebuilt (a user who lost USE loses them).
        if let old = self.entry(name), old.runtime != nil {
            replaceEntry(name, with: try makeEntry(name: name, template: old.template, runtime: entry), reason: "updated")
        }
        return versioned(entry.json(for: user))
    }

    /// Brings the connection side in line with registry changes: created servers become connectable, updated ones are
    /// rebuilt (their connections close), deleted ones close everything and sign their users out.
    private func applied(_ changes: [ServerRegistry.Change], for user: UserContext) throws(MCPError) -> JSONValue {
        for change in changes {
            switch change.action {
            case .unchanged: continue
            case .created, .updated:
                guard let record = change.new, record.origin == .runtime else { continue }
                replaceEntry(change.name, with: try makeEntry(name: change.name, template: record.template, runtime: record), reason: "updated")
            case .deleted:
                if let entry = entry(change.name) { signOutEveryone(entry, record: change.old) }
                replaceEntry(change.name, with: nil, reason: "removed")
            }
        }
        if changes.count == 1 { return versioned(changes[0].json(for: user)) }
        return ["version": 1, "changes": .array(changes.map { $0.json(for: user) })]
    }

    /// A deleted server's users lose what they kept for it: their saved variables go, and their tokens are revoked
    /// (off the caller's thread). The users are those recorded in the store plus this process's connections'.
    private func signOutEveryone(_ entry: ServerEntry, record: RegistryEntry?) {
        var users = Set(entry.allSlots.compactMap(\.key.user) + [options.oauth.user])
        if let record, let known = serverUsers {
            users.formUnion(known.users(of: record))
            registryIfMade?.forgetUserVariables(record.name, users: users)
            known.forget(record)
        }
        guard case .remote = entry.config.transport, let engine = try? oauthEngine(), let settings = try? oauthSettings(entry.config) else { return }
        let everyone = users.sorted()
        _ = engine.runDetached {
            for user in everyone { engine.logout(user: user, settings: settings) }
        }
    }

    // MARK: per-user variables

    /// Saves the caller's values of a server's `customUserVars` (an empty value revokes one): `{VAR: bool}` flags.
    public func setUserVariables(_ server: String, values: [String: String], as caller: CallContext) throws(MCPError) -> JSONValue {
        let flags = try registry().setUserVariables(server, values: values, as: try requireUser(caller))
        if let user = caller.user { rememberUser(user, server: server) }
        disconnectUser(caller, server)
        return authValuesPayload(server, flags)
    }

    public func revokeUserVariables(_ server: String, names: [String]?, as caller: CallContext) throws(MCPError) -> JSONValue {
        let flags = try registry().revokeUserVariables(server, names: names, as: try requireUser(caller))
        disconnectUser(caller, server)
        return authValuesPayload(server, flags)
    }

    /// LibreChat's auth-value flags: which variables the caller has set, never the values.
    public func authValues(_ server: String, as caller: CallContext) throws(MCPError) -> JSONValue {
        authValuesPayload(server, try registry().authValueFlags(server, as: try requireUser(caller)))
    }

    private func authValuesPayload(_ server: String, _ flags: JSONObject) -> JSONValue {
        ["version": 1, "serverName": .string(server), "authValueFlags": .object(flags)]
    }

    private func requireUser(_ caller: CallContext) throws(MCPError) -> UserContext {
        guard let user = caller.identity else {
            throw MCPError.invalid("per-user variables belong to a user: call through a user's view (mcp_manager_as_user)", details: ["reason": "user_required"])
        }
        return user
    }

    /// New values take effect on the user's next connection.
    private func disconnectUser(_ caller: CallContext, _ server: String) {
        guard let entry = entry(server), let user = caller.user, let slot = entry.existingSlot(.user(user)) else { return }
        disconnect(entry, slot, reason: "variables_changed") {}
    }

    private func versioned(_ value: JSONValue) -> JSONValue {
        var result: JSONObject = ["version": 1]
        result.merge(value)
        return .object(result)
    }
}
