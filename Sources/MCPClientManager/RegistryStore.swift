public import MCPClientCore
public import MCPClientOAuth

extension CredentialKey.Kind {
    /// One created server: its template, author, timestamps, revision and ACL.
    public static let server = CredentialKey.Kind(rawValue: "server")
    /// The list of created servers and their revisions (stores cannot list keys).
    public static let registryIndex = CredentialKey.Kind(rawValue: "registry")
    /// One user's `customUserVars` values for one server.
    public static let userVariables = CredentialKey.Kind(rawValue: "uservars")
}

/// Serialises read-modify-write of the registry's records. The process-local fallback covers every registry in
/// this process; a host whose processes share a store plugs in a cross-process lock (the store seam's
/// lease-based lock) so two processes cannot both rewrite the index and lose a server.
public protocol RegistryLocking: Sendable {
    /// Runs `body` while holding the exclusive lock named `resource`.
    func withLock<Result>(_ resource: String, _ body: () throws(MCPError) -> Result) throws(MCPError) -> Result
}

/// The registry lock across processes sharing the store (its leases: flock for the file store, the host's lock
/// functions).
extension StoreNamedLock: RegistryLocking {}

/// This process only (a registry without a shared store). Not reentrant: `body` must not take another registry lock.
public struct ProcessLocalRegistryLock: RegistryLocking {
    public init() {}

    public func withLock<Result>(_ resource: String, _ body: () throws(MCPError) -> Result) throws(MCPError) -> Result {
        try KeyedLocks.process.withLock(resource, body)
    }
}

/// The registry's records in a `CredentialStore` (sealed with AEAD when the host uses a sealed or file store):
/// one record per created server plus an index of names and revisions, so a registry re-reads only what changed.
struct RegistryStore: Sendable {
    let store: any CredentialStore
    let lock: any RegistryLocking
    /// Keeps registries of different hosts sharing one store apart.
    let namespace: String

    static let indexKeyServer = "*"
    /// Bounds the index record (well under a store's 1 MiB).
    static let maxServers = 5000

    var indexKey: CredentialKey { CredentialKey(user: namespace, server: Self.indexKeyServer, kind: .registryIndex) }
    func serverKey(_ name: String) -> CredentialKey { CredentialKey(user: namespace, server: name, kind: .server) }
    var lockName: String { "mcpclient.registry." + namespace }

    /// Which write of the index a reader saw: the generation, and a random stamp per write so two processes that
    /// raced to the same generation (without a cross-process lock) still look different.
    struct IndexVersion: Equatable, Sendable {
        var generation: Int64
        var stamp: String
    }

    struct Index: Equatable {
        var version = IndexVersion(generation: 0, stamp: "")
        var revisions: [String: Int64] = [:]
    }

    func readIndex() throws(MCPError) -> (Index, IndexVersion) {
        guard let json = try store.getJSON(indexKey) else { return (Index(), Index().version) }
        guard case .object(let object) = json, let generation = object["generation"]?.int64Value,
              case .object(let servers) = object["servers"] ?? .null
        else { throw MCPError(.invalid, "the stored registry index is damaged", details: ["reason": "record_invalid"]) }
        var index = Index(version: IndexVersion(generation: generation, stamp: object["stamp"]?.stringValue ?? ""))
        for (name, revision) in servers {
            guard let revision = revision.int64Value else { continue }
            index.revisions[name] = revision
        }
        return (index, index.version)
    }

    func writeIndex(_ index: Index) throws(MCPError) {
        var servers = JSONObject()
        for name in index.revisions.keys.sorted() { servers[name] = .int(index.revisions[name] ?? 0) }
        try store.putJSON(indexKey, [
            "version": 1, "generation": .int(index.version.generation), "stamp": .string(index.version.stamp), "servers": .object(servers),
        ], ttlSeconds: nil)
    }

    func readServer(_ name: String) throws(MCPError) -> RegistryEntry? {
        guard let json = try store.getJSON(serverKey(name)) else { return nil }
        return try RegistryEntry.fromRecord(json, name: name)
    }

    /// Writes the records of `changed`, deletes those of `deleted`, then the index: records first, so a reader
    /// that sees the new index finds the records it names.
    func commit(_ index: inout Index, changed: [RegistryEntry], deleted: [String]) throws(MCPError) {
        var next = index
        for entry in changed { next.revisions[entry.name] = entry.revision }
        for name in deleted { next.revisions[name] = nil }
        guard next.revisions.count <= Self.maxServers else {
            throw MCPError(.conflict, "the registry holds at most \(Self.maxServers) created servers", details: ["reason": "registry_full"])
        }
        next.version = IndexVersion(generation: index.version.generation &+ 1, stamp: Base64.encode(try RandomBytes.generate(9), urlSafe: true))
        for entry in changed { try store.putJSON(serverKey(entry.name), entry.record, ttlSeconds: nil) }
        try writeIndex(next)
        for name in deleted { try store.delete(serverKey(name)) }
        index = next
    }
}
