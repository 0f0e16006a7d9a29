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

/// The registry lock across processes: the credential store's own leases (flock for the file store, the host's lock
/// functions), taken inside the process-local lock so threads of one process do not poll each other.
struct StoreRegistryLock: RegistryLocking {
    let store: any CredentialStore
    let local = ProcessLocalRegistryLock()

    func withLock<Result>(_ resource: String, _ body: () throws(MCPError) -> Result) throws(MCPError) -> Result {
        try local.withLock(resource) { () throws(MCPError) -> Result in
            let lease = try CredentialLocks.acquire("mcpclient/registry-lock/" + resource, on: store, ttlMilliseconds: 30_000,
                timeoutMilliseconds: 10_000)
            defer { lease.release() }
            return try body()
        }
    }
}

/// Striped mutexes shared by the whole process: a resource name always maps to the same one, and the table stays
/// 64 mutexes however many users there are. Not reentrant: `body` must not take another registry lock.
public struct ProcessLocalRegistryLock: RegistryLocking {
    // `Locked<Int>`, not `Locked<()>`: an empty value shares its address with the mutex field, which ThreadSanitizer
    // then reports as a race between taking the lock and the exclusive access to the value.
    private static let stripes = (0..<64).map { _ in Locked(0) }

    public init() {}

    public func withLock<Result>(_ resource: String, _ body: () throws(MCPError) -> Result) throws(MCPError) -> Result {
        var hash: UInt32 = 2_166_136_261
        for byte in resource.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        let outcome: Swift.Result<Result, MCPError> = Self.stripes[Int(hash % UInt32(Self.stripes.count))].withLock { _ in
            do throws(MCPError) { return .success(try body()) } catch { return .failure(error) }
        }
        return try outcome.get()
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
