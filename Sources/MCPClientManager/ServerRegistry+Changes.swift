public import MCPClientConfig
public import MCPClientCore
import MCPClientOAuth

extension ServerRegistry {
    /// Creates a server owned by `user`. Without a name, one is derived from `config.title` (`-2`, `-3`, … on a
    /// raw or normalised clash); a given name that clashes is MCP_ERR_CONFLICT. Non-admins create user-tier
    /// (sandboxed) servers; an admin's config may claim `source.tier` operator or admin and then gets admin.
    public func create(name: String?, config: JSONObject, as user: UserContext) throws(MCPError) -> Change {
        try AccessPolicy.checkCreate(user)
        return try mutate { (working: inout Working) throws(MCPError) -> Change in
            try self.planCreate(&working, name: name, config: config, user: user)
        }
    }

    /// Applies an RFC 7386 merge patch (`null` removes a field) to the server's template, re-validates it whole and
    /// bumps `updatedAt` and `revision`. Needs EDIT. A patch that changes nothing is `unchanged` and writes nothing.
    public func update(_ name: String, patch: JSONObject, as user: UserContext) throws(MCPError) -> Change {
        try mutate { (working: inout Working) throws(MCPError) -> Change in
            try self.planEdit(&working, name: name, user: user) { (template: JSONObject) throws(MCPError) -> JSONObject in
                try MergePatch.apply(template, patch)
            }
        }
    }

    /// Removes a server. Needs DELETE. Operator servers (admins only) are removed from memory until the config
    /// is loaded again.
    public func delete(_ name: String, as user: UserContext) throws(MCPError) -> Change {
        try mutate { (working: inout Working) throws(MCPError) -> Change in try self.planDelete(&working, name: name, user: user) }
    }

    /// PandoraKit's `PATCH /api/config`: `{"mcpServers": {name: null | {...}}}`. `null` deletes, an object updates
    /// an existing server (merge patch) or creates one under that name. Every entry is checked (permissions and
    /// config) before anything is written; one failure changes nothing. With `format: .pandorakit` the entries are
    /// PandoraKit's fields (`name` = title, `env` = names to forward, `oauth: true`), converted by `ConfigLoader`;
    /// otherwise they are normalized server objects. Deleting an absent server is `unchanged`.
    public func applyConfigPatch(_ body: JSONObject, format: ConfigFormat = .normalized, as user: UserContext) throws(MCPError) -> [Change] {
        guard format == .normalized || format == .pandorakit else {
            throw MCPError.invalid("a config patch is normalized or pandorakit, not \(format.rawValue)", details: ["path": "format"])
        }
        guard let servers = body["mcpServers"]?.objectValue else {
            throw MCPError.invalid("a config patch needs an 'mcpServers' object", details: ["path": "mcpServers"])
        }
        var seen = Set<String>()
        for name in servers.keys where !seen.insert(name).inserted {
            throw MCPError.invalid("server '\(name)' is patched twice", details: ["path": .string("mcpServers.\(name)")])
        }
        return try mutate { (working: inout Working) throws(MCPError) -> [Change] in
            let plan = try format == .pandorakit ? self.pandoraPlan(working, servers) : self.normalizedPlan(servers)
            var changes: [Change] = []
            for (name, step) in plan {
                do throws(MCPError) {
                    switch step {
                    case .delete:
                        if working.entry(name) == nil {
                            changes.append(Change(action: .unchanged, name: name, old: nil, new: nil, warnings: ["nothing to delete"]))
                        } else {
                            changes.append(try self.planDelete(&working, name: name, user: user))
                        }
                    case .merge(let patch) where working.entry(name) != nil:
                        changes.append(try self.planEdit(&working, name: name, user: user) { (template: JSONObject) throws(MCPError) -> JSONObject in
                            try MergePatch.apply(template, patch)
                        })
                    case .replace(let full) where working.entry(name) != nil:
                        changes.append(try self.planEdit(&working, name: name, user: user) { (_: JSONObject) throws(MCPError) -> JSONObject in full })
                    case .merge(let config), .replace(let config):
                        try AccessPolicy.checkCreate(user)
                        changes.append(try self.planCreate(&working, name: name, config: config, user: user))
                    }
                } catch {
                    var failure = error
                    failure.details["server"] = .string(name)
                    if failure.details["path"] == nil { failure.details["path"] = .string("mcpServers.\(name)") }
                    throw failure
                }
            }
            return changes
        }
    }

    /// Sets the grant of `principal` on a created server to exactly `permissions` (empty removes it). Needs SHARE;
    /// only the author and admins may grant permissions they do not hold themselves.
    @discardableResult
    public func share(_ name: String, with principal: Principal, permissions: ServerPermissions, as user: UserContext) throws(MCPError) -> RegistryEntry {
        try mutate { (working: inout Working) throws(MCPError) -> RegistryEntry in
            guard let entry = working.entry(name) else { throw Self.notFound(name) }
            guard entry.origin == .runtime else {
                throw MCPError(.unsupported, "operator server '\(name)' has no ACL: everyone may view and use it", details: ["server": .string(name)])
            }
            try AccessPolicy.check(user, entry, .share)
            let held = AccessPolicy.permissions(of: user, on: entry)
            if !user.isAdmin, entry.author != user.id, !held.isSuperset(of: permissions) {
                throw AccessPolicy.denied(user, permissions.subtracting(held).names.joined(separator: ", ") + " (to grant it)", server: name)
            }
            var updated = entry
            updated.acl.set(principal, permissions)
            guard updated.acl.grants.count <= AccessControlList.maxGrants else {
                throw MCPError.invalid("a server holds at most \(AccessControlList.maxGrants) grants", details: ["server": .string(name)])
            }
            updated.revision &+= 1
            working.put(updated)
            return updated
        }
    }

    /// Removes the grant of `principal` (same rules as `share`).
    @discardableResult
    public func unshare(_ name: String, from principal: Principal, as user: UserContext) throws(MCPError) -> RegistryEntry {
        try share(name, with: principal, permissions: [], as: user)
    }

    // MARK: the steps, on a working copy

    /// The registry as one writer sees it under the lock; `put`/`remove` record what to commit.
    struct Working {
        var operators: [String: RegistryEntry]
        var runtime: [String: RegistryEntry]
        var changed: [String: RegistryEntry] = [:]
        var deleted: Set<String> = []
        /// Operator servers this change edited or removed (nil): only these are written back, so a registration
        /// made meanwhile (under the state lock only) is not lost.
        var operatorChanges: [String: RegistryEntry?] = [:]

        func entry(_ name: String) -> RegistryEntry? { operators[name] ?? runtime[name] }
        var names: [String] { Array(operators.keys) + Array(runtime.keys) }

        mutating func put(_ entry: RegistryEntry) {
            if entry.origin == .config {
                operators[entry.name] = entry
                operatorChanges[entry.name] = .some(entry)
            } else {
                runtime[entry.name] = entry
                changed[entry.name] = entry
                deleted.remove(entry.name)
            }
        }

        mutating func remove(_ entry: RegistryEntry) {
            if entry.origin == .config {
                operators[entry.name] = nil
                operatorChanges[entry.name] = .some(nil)
            } else {
                runtime[entry.name] = nil
                changed[entry.name] = nil
                deleted.insert(entry.name)
            }
        }
    }

    /// Runs `body` on a working copy read fresh under the registry lock, then commits what it changed.
    func mutate<Result>(_ body: (inout Working) throws(MCPError) -> Result) throws(MCPError) -> Result {
        try storage.lock.withLock(storage.lockName) { () throws(MCPError) -> Result in
            let (index, _) = try storage.readIndex()
            var runtime: [String: RegistryEntry] = [:]
            let cached = state.withLock { $0.runtime }
            for (name, revision) in index.revisions {
                if let known = cached[name], known.revision == revision {
                    runtime[name] = known
                } else if let entry = try storage.readServer(name) {
                    runtime[name] = entry
                }
            }
            var working = Working(operators: state.withLock { $0.operatorEntries }, runtime: runtime)
            let result = try body(&working)
            var committed = index
            if !working.changed.isEmpty || !working.deleted.isEmpty {
                try storage.commit(&committed, changed: Array(working.changed.values), deleted: Array(working.deleted))
            }
            state.withLock { snapshot in
                snapshot.runtime = working.runtime
                snapshot.indexVersion = committed.version
                for (name, entry) in working.operatorChanges { snapshot.operatorEntries[name] = entry }
            }
            return result
        }
    }

    func planCreate(_ working: inout Working, name requested: String?, config: JSONObject, user: UserContext) throws(MCPError) -> Change {
        let claimed = config["source"]?["tier"]?.stringValue.flatMap(TrustTier.init(name:))
        let tier: TrustTier = user.isAdmin && (claimed?.isTrusted ?? false) ? .admin : .user
        let name: String
        if let requested {
            try ServerConfig.validateName(requested)
            if let existing = ServerNaming.clash(requested, existing: working.names) {
                throw MCPError(.conflict, "a server named '\(existing)' already exists\(existing == requested ? "" : " (the same name once normalised)")",
                    details: ["server": .string(requested), "existing": .string(existing)])
            }
            name = requested
        } else {
            let base = ServerNaming.slug(config["title"]?.stringValue ?? "")
            guard let free = ServerNaming.available(base, existing: working.names) else {
                throw MCPError(.conflict, "no free name derived from '\(base)'", details: ["server": .string(base)])
            }
            name = free
        }
        let (template, warnings) = try validate(name: name, template: config, tier: tier, allowOBO: user.permissions.configureOBO)
        let now = options.clock()
        let entry = RegistryEntry(
            name: name, template: template, tier: tier, origin: .runtime, author: user.id, createdAt: now, updatedAt: now, revision: 1,
            instance: Base64.encode(try RandomBytes.generate(16), urlSafe: true, padded: false))
        working.put(entry)
        return Change(action: .created, name: name, old: nil, new: entry, warnings: warnings)
    }

    func planEdit(
        _ working: inout Working, name: String, user: UserContext, _ makeTemplate: (JSONObject) throws(MCPError) -> JSONObject
    ) throws(MCPError) -> Change {
        guard let entry = working.entry(name) else { throw Self.notFound(name) }
        try AccessPolicy.check(user, entry, .edit)
        let next = try makeTemplate(entry.template)
        // An editor without CONFIGURE_OBO may edit other fields of a server that has `obo`, not `obo` itself.
        let allowOBO = user.permissions.configureOBO || next["obo"] == entry.template["obo"]
        let (template, warnings) = try validate(name: name, template: next, tier: entry.tier, allowOBO: allowOBO)
        guard template != entry.template else { return Change(action: .unchanged, name: name, old: entry, new: entry, warnings: warnings) }
        var updated = entry
        updated.template = template
        updated.updatedAt = max(options.clock(), entry.updatedAt &+ 1)
        updated.revision &+= 1
        working.put(updated)
        return Change(action: .updated, name: name, old: entry, new: updated, warnings: warnings)
    }

    func planDelete(_ working: inout Working, name: String, user: UserContext) throws(MCPError) -> Change {
        guard let entry = working.entry(name) else { throw Self.notFound(name) }
        try AccessPolicy.check(user, entry, .delete)
        working.remove(entry)
        return Change(action: .deleted, name: name, old: entry, new: nil, warnings: [])
    }

    enum PatchStep {
        case delete
        case merge(JSONObject)
        case replace(JSONObject)
    }

    func normalizedPlan(_ servers: JSONObject) throws(MCPError) -> [(String, PatchStep)] {
        var plan: [(String, PatchStep)] = []
        for (name, value) in servers {
            switch value {
            case .null: plan.append((name, .delete))
            case .object(let object): plan.append((name, .merge(object)))
            default:
                throw MCPError.invalid("'mcpServers.\(name)' must be an object or null, not \(value.typeName)", details: ["path": .string("mcpServers.\(name)")])
            }
        }
        return plan
    }

    /// PandoraKit entries through the config loader, merged onto the current templates of the servers they name.
    func pandoraPlan(_ working: Working, _ servers: JSONObject) throws(MCPError) -> [(String, PatchStep)] {
        var registry = JSONObject()
        for name in servers.keys { if let entry = working.entry(name) { registry[name] = .object(entry.template) } }
        var loadOptions = ConfigLoadOptions(format: .pandorakit)
        loadOptions.registry = registry
        let result = ConfigLoader.load(document: SourceDocument(value: .object(["mcpServers": .object(servers)]), syntax: .json), options: loadOptions)
        if let error = result.error { throw error }
        var plan: [(String, PatchStep)] = []
        for name in servers.keys {
            if result.removed.contains(name) || servers[name]?.isNull == true {
                plan.append((name, .delete))
            } else if let full = result.servers[name]?.objectValue {
                plan.append((name, .replace(full)))
            }
        }
        return plan
    }
}
