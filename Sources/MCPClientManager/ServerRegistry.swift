#if canImport(Glibc)
import Glibc
#endif
public import MCPClientConfig
public import MCPClientCore
public import MCPClientOAuth

/// The servers a manager knows, with who may see, use, edit, delete and share each one (docs/registry.md).
/// Operator servers come from the config file and live in memory; servers created at run time are kept in a
/// `CredentialStore`, re-read when the store's index changed, so processes sharing one store see each other's
/// servers. Every method is thread-safe and takes the calling user's context.
public final class ServerRegistry: Sendable {
    public struct Options: Sendable {
        /// Where created servers and per-user values live; nil keeps them in memory (gone at exit).
        public var store: (any CredentialStore)?
        /// Serialises writers; plug in a cross-process lock when processes share the store.
        public var lock: any RegistryLocking = ProcessLocalRegistryLock()
        /// Separates registries of different hosts sharing one store.
        public var namespace = "default"
        /// The environment trusted-tier templates are checked against (the manager's `substitution`).
        public var substitution: ResolutionContext
        /// Wall-clock milliseconds since the epoch (tests move time by hand).
        public var clock: @Sendable () -> Int64 = ServerRegistry.systemMilliseconds
        /// A template's serialized size limit.
        public var maxTemplateBytes = 256 * 1024

        public init(store: (any CredentialStore)? = nil, substitution: ResolutionContext = ResolutionContext()) {
            self.store = store
            self.substitution = substitution
        }
    }

    /// One applied change; `connectionRelevant` says whether the manager must drop connections made from `old`.
    public struct Change: Sendable {
        public enum Action: String, Sendable { case created, updated, deleted, unchanged }
        public var action: Action
        public var name: String
        public var old: RegistryEntry?
        public var new: RegistryEntry?
        /// Fields the tier rules stripped or references left unexpanded (names only, never values).
        public var warnings: [String]

        public var connectionRelevant: Bool {
            switch action {
            case .created, .unchanged: false
            case .deleted: true
            case .updated: old.flatMap { old in new.map { ServerRegistry.connectionRelevantChange(old, $0) } } ?? true
            }
        }

        public func json(for user: UserContext) -> JSONValue {
            var object: JSONObject = ["action": .string(action.rawValue), "name": .string(name), "connectionRelevant": .bool(connectionRelevant)]
            if let new { object["server"] = new.json(for: user) }
            if !warnings.isEmpty { object["warnings"] = .array(warnings.map { .string($0) }) }
            return .object(object)
        }
    }

    let options: Options
    let storage: RegistryStore
    let userVariables: UserVariables

    struct Snapshot {
        var operatorEntries: [String: RegistryEntry] = [:]
        var runtime: [String: RegistryEntry] = [:]
        /// The index (generation, stamp) the runtime cache reflects; nil = never read.
        var indexVersion: RegistryStore.IndexVersion?
    }

    let state = Locked(Snapshot())

    public init(options: Options) {
        self.options = options
        let store = options.store ?? MemoryCredentialStore()
        storage = RegistryStore(store: store, lock: options.lock, namespace: options.namespace)
        userVariables = UserVariables(store: store, namespace: options.namespace)
    }

    public static let systemMilliseconds: @Sendable () -> Int64 = {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) &* 1000 &+ Int64(now.tv_nsec / 1_000_000)
    }

    // MARK: operator servers

    /// Registers (or replaces) a server from the operator's config file: in memory only, tier from the host's
    /// substitution context and the config's `source.tier`, as `Manager.addServer` decides it. A created server of
    /// the same name is shadowed while this one exists.
    @discardableResult
    public func registerOperator(name: String, config: JSONObject) throws(MCPError) -> RegistryEntry {
        let claimed = config["source"]?["tier"]?.stringValue.flatMap(TrustTier.init(name:))
        let tier = try TrustTier.effective(host: options.substitution.tier, server: claimed)
        let (template, _) = try validate(name: name, template: config, tier: tier, allowOBO: options.substitution.allowOBO)
        let now = options.clock()
        let entry = RegistryEntry(
            name: name, template: template, tier: tier, origin: .config, author: nil, createdAt: now, updatedAt: now, revision: 1,
            instance: "config:" + name)
        state.withLock { $0.operatorEntries[name] = entry }
        return entry
    }

    /// Forgets an operator server (a config reload dropped it); returns it.
    @discardableResult
    public func unregisterOperator(name: String) -> RegistryEntry? {
        state.withLock { $0.operatorEntries.removeValue(forKey: name) }
    }

    // MARK: reading

    /// The entry named `name` without a permission check (for the manager), re-read from the store.
    public func entry(named name: String) throws(MCPError) -> RegistryEntry? {
        if let entry = state.withLock({ $0.operatorEntries[name] }) { return entry }
        let entry = try storage.readServer(name)
        state.withLock { snapshot in
            if let entry { snapshot.runtime[name] = entry } else { snapshot.runtime[name] = nil }
        }
        return entry
    }

    /// The entry, if `user` may VIEW it: MCP_ERR_NOT_FOUND when absent, MCP_ERR_PERMISSION when hidden.
    public func get(_ name: String, as user: UserContext) throws(MCPError) -> RegistryEntry {
        guard let entry = try entry(named: name) else { throw Self.notFound(name) }
        try AccessPolicy.check(user, entry, .view)
        return entry
    }

    /// A page of the servers `user` may VIEW, newest change first (docs/registry.md).
    public func list(_ query: RegistryQuery, as user: UserContext) throws(MCPError) -> RegistryPage {
        let cursor = try query.after.map { (text: String) throws(MCPError) in try RegistryCursor.decode(text) }
        let all = try allEntries()
        var visible = all.filter { entry in
            AccessPolicy.permissions(of: user, on: entry).contains(.view) && (query.search.map(entry.matches(search:)) ?? true)
                && !(cursor?.precedesOrEquals(entry) ?? false)
        }
        visible.sort(by: RegistryCursor.order)
        let page = Array(visible.prefix(query.limit))
        let hasMore = visible.count > page.count
        let after = hasMore ? page.last.map { RegistryCursor(updatedAt: $0.updatedAt, name: $0.name).encoded } : nil
        return RegistryPage(entries: page, hasMore: hasMore, after: after)
    }

    /// Every entry: operator servers, then the created ones they do not shadow.
    func allEntries() throws(MCPError) -> [RegistryEntry] {
        let runtime = try refreshedRuntime()
        let operators = state.withLock { $0.operatorEntries }
        return Array(operators.values) + runtime.values.filter { operators[$0.name] == nil }
    }

    /// The created servers, re-reading only records whose revision the index says changed.
    func refreshedRuntime() throws(MCPError) -> [String: RegistryEntry] {
        let (index, version) = try storage.readIndex()
        let (cached, cachedVersion) = state.withLock { ($0.runtime, $0.indexVersion) }
        if let cachedVersion, cachedVersion == version { return cached }
        var fresh: [String: RegistryEntry] = [:]
        for (name, revision) in index.revisions {
            if let known = cached[name], known.revision == revision {
                fresh[name] = known
            } else if let entry = try storage.readServer(name) {
                fresh[name] = entry
            }
        }
        state.withLock { snapshot in
            snapshot.runtime = fresh
            snapshot.indexVersion = version
        }
        return fresh
    }

    // MARK: helpers

    /// Checks a template the way `Manager.addServer` does (the tier's rules, parse-time expansion, then
    /// `ServerConfig.parse`) and returns what to store: the sandboxed object for user tier, else the template as
    /// written; `source.tier` is stamped either way so later resolution cannot claim more trust.
    func validate(name: String, template: JSONObject, tier: TrustTier, allowOBO: Bool) throws(MCPError) -> (JSONObject, [String]) {
        var stamped = template
        var source = stamped["source"]?.objectValue ?? JSONObject()
        source["tier"] = .string(tier.rawValue)
        stamped["source"] = .object(source)
        let size = JSONWriter.serialize(.object(stamped)).count
        guard size <= options.maxTemplateBytes else {
            throw MCPError.invalid("the config of '\(name)' is \(size) bytes; the limit is \(options.maxTemplateBytes)", details: ["server": .string(name)])
        }
        guard Self.depth(.object(stamped), limit: 24) else {
            throw MCPError.invalid("the config of '\(name)' is nested more than 24 levels deep", details: ["server": .string(name)])
        }
        let prepared = try ConfigResolver.prepare(
            server: stamped, tier: tier, environment: options.substitution.environment, options: .init(allowOBO: allowOBO))
        _ = try ServerConfig.parse(name: name, json: .object(prepared.server))
        return (tier == .user ? prepared.server : stamped, prepared.warnings)
    }

    /// True when `value` nests at most `limit` levels.
    static func depth(_ value: JSONValue, limit: Int) -> Bool {
        guard limit > 0 else { return false }
        switch value {
        case .object(let object): return object.allSatisfy { depth($0.value, limit: limit - 1) }
        case .array(let items): return items.allSatisfy { depth($0, limit: limit - 1) }
        default: return true
        }
    }

    static func notFound(_ name: String) -> MCPError {
        MCPError.notFound("no server named '\(name)'", details: ["server": .string(name)])
    }

    /// Fields that change what a connection is (anything but these descriptive ones); disabling counts too.
    static let descriptiveFields: Set<String> = [
        "title", "description", "iconPath", "chatMenu", "requireApproval", "serverInstructions", "extras", "enabled", "disabled",
    ]

    /// Whether connections made from `old` must be dropped for `new`: a transport, auth, header, env or timeout
    /// field changed, or the server was disabled. Title, description, icon, menu and approval edits keep them.
    public static func connectionRelevantChange(_ old: RegistryEntry, _ new: RegistryEntry) -> Bool {
        if old.instance != new.instance || old.tier != new.tier { return true }
        if old.enabled && !new.enabled { return true }
        var before = old.template
        var after = new.template
        before.entries.removeAll { descriptiveFields.contains($0.key) }
        after.entries.removeAll { descriptiveFields.contains($0.key) }
        return before != after
    }
}
