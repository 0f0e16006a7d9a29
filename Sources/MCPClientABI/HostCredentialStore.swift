import MCPClientCore
import MCPClientOAuth

// The host's storage functions (C: mcp_store_get_fn, mcp_store_put_fn, mcp_store_delete_fn).
public typealias StoreGetFunction = @convention(c) (UnsafePointer<CChar>?, OpaquePointer?, UnsafeMutableRawPointer?) -> Int32
public typealias StorePutFunction = @convention(c) (UnsafePointer<CChar>?, UnsafePointer<UInt8>?, Int64, Int64, UnsafeMutableRawPointer?) -> Int32
public typealias StoreDeleteFunction = @convention(c) (UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Int32
// The host's lease functions (C: mcp_store_lock_fn, mcp_store_unlock_fn): name, token, ttl_ms / name, token.
public typealias StoreLockFunction = @convention(c) (UnsafePointer<CChar>?, UnsafePointer<CChar>?, Int64, UnsafeMutableRawPointer?) -> Int32
public typealias StoreUnlockFunction = @convention(c) (UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Int32

/// What a credential store handle holds. The manager reaches the store through `CredentialStoreBox.from(_:)`.
final class CredentialStoreBox: Sendable {
    let store: any CredentialStore

    init(_ store: any CredentialStore) { self.store = store }

    static func from(_ handle: OpaquePointer?, _ name: String = "store") throws(MCPError) -> any CredentialStore {
        try storeHandles.lookup(handle, name).store
    }
}

let storeHandles = HandleTable<CredentialStoreBox>(tag: 1, kind: "credential store")
let valueSinks = HandleTable<ValueSink>(tag: 3, kind: "store value")

/// Where a host's `get` puts the record (through mcp_store_value_set), valid only while that call runs: the library
/// copies the bytes, so the host keeps its buffer and nothing is allocated across the boundary.
final class ValueSink: Sendable {
    let value = Locked<[UInt8]?>(nil)
}

/// A store whose records live wherever the host keeps them (Redis, Postgres, a keychain), through three C
/// functions and `user_data`. The functions may be called from any library thread, concurrently. A failing function
/// is MCP_ERR_USER naming the operation; keys and values never appear in errors. Leases go to the host's lock
/// functions when it gave them (shared by all its processes), else to `ProcessLeases.shared` (this process only).
final class HostCredentialStore: CredentialStore, CredentialStoreLocking, @unchecked Sendable {
    private let getFunction: StoreGetFunction
    private let putFunction: StorePutFunction
    private let deleteFunction: StoreDeleteFunction
    private let lockFunctions: (lock: StoreLockFunction, unlock: StoreUnlockFunction)?
    // The host's pointer, passed back untouched; the host keeps what it points to alive and thread-safe.
    private let userData: UnsafeMutableRawPointer?

    static let maxRecordBytes = EncryptedFileCredentialStore.maxRecordBytes

    init(get: StoreGetFunction, put: StorePutFunction, delete: StoreDeleteFunction,
         lock: (lock: StoreLockFunction, unlock: StoreUnlockFunction)? = nil, userData: UnsafeMutableRawPointer?) {
        getFunction = get
        putFunction = put
        deleteFunction = delete
        lockFunctions = lock
        self.userData = userData
    }

    func tryLock(_ name: String, token: String, ttlMilliseconds: Int64) throws(MCPError) -> Bool {
        guard let lockFunctions else { return try ProcessLeases.shared.tryLock(name, token: token, ttlMilliseconds: ttlMilliseconds) }
        let status = name.withCString { name in token.withCString { token in lockFunctions.lock(name, token, max(ttlMilliseconds, 1), userData) } }
        switch status {
        case 0: return true
        case 1: return false
        default: throw failure("lock", status, nil)
        }
    }

    func unlock(_ name: String, token: String) throws(MCPError) {
        guard let lockFunctions else { return try ProcessLeases.shared.unlock(name, token: token) }
        let status = name.withCString { name in token.withCString { token in lockFunctions.unlock(name, token, userData) } }
        guard status == 0 || status == 1 else { throw failure("unlock", status, nil) }
    }

    func get(_ key: CredentialKey) throws(MCPError) -> [UInt8]? {
        let sink = ValueSink()
        let handle = try valueSinks.insert(sink)
        defer { _ = valueSinks.remove(handle) }
        let status = key.canonical.withCString { getFunction($0, handle, userData) }
        switch status {
        case 0:
            guard let value = sink.value.withLock({ $0 }) else {
                throw failure("get", status, key, "returned 0 without calling mcp_store_value_set")
            }
            return value
        case 1: return nil
        default: throw failure("get", status, key)
        }
    }

    func put(_ key: CredentialKey, _ value: [UInt8], ttlSeconds: Int64?) throws(MCPError) {
        guard value.count <= Self.maxRecordBytes else {
            throw MCPError(.invalid, "credential record is larger than \(Self.maxRecordBytes) bytes", source: .auth, details: ["reason": "record_too_large"])
        }
        let ttl = ttlSeconds.map { max($0, 0) } ?? -1
        let status = key.canonical.withCString { name in
            value.withUnsafeBufferPointer { bytes in putFunction(name, bytes.baseAddress, Int64(bytes.count), ttl, userData) }
        }
        guard status == 0 else { throw failure("put", status, key) }
    }

    func delete(_ key: CredentialKey) throws(MCPError) {
        // 1 (absent) is fine: deleting an absent record is not an error.
        let status = key.canonical.withCString { deleteFunction($0, userData) }
        guard status == 0 || status == 1 else { throw failure("delete", status, key) }
    }

    private func failure(_ operation: String, _ status: Int32, _ key: CredentialKey?, _ what: String? = nil) -> MCPError {
        let kind = key?.kind ?? .lock
        return MCPError(.user, "the host credential store's \(operation) \(what ?? "failed with status \(status)") (\(kind.rawValue) record)",
            source: .auth,
            details: ["reason": "host_store_failed", "operation": .string(operation), "status": .int(Int64(status)), "kind": .string(kind.rawValue)])
    }

    /// The host store as the library uses it: sealed with the keyring the options give, or plaintext only when the
    /// options say `"plaintext": true` (and name no key).
    static func make(options: JSONObject, host: HostCredentialStore) throws(MCPError) -> any CredentialStore {
        try StoreOptions.checkKeys(options, allowed: CredentialKeyring.optionNames.union(["plaintext"]))
        var plaintext = false
        if let flag = options["plaintext"] {
            guard let value = flag.boolValue else { throw StoreOptions.error("'plaintext' must be a boolean", path: "plaintext") }
            plaintext = value
        }
        if plaintext {
            guard !CredentialKeyring.namesKey(options) else {
                throw StoreOptions.error("'plaintext': true and a key contradict each other", path: "plaintext")
            }
            return host
        }
        do {
            return SealedCredentialStore(backend: host, keyring: try CredentialKeyring(options: options))
        } catch let error where error.details["reason"] == "store_key_missing" && !CredentialKeyring.namesKey(options) {
            throw MCPError(error.code, error.message + "; give 'key' or 'keyEnv', or set \"plaintext\": true to keep records unencrypted",
                source: error.source, details: error.details)
        }
    }
}

/// Option checks shared by the store constructors.
enum StoreOptions {
    static func checkKeys(_ options: JSONObject, allowed: Set<String>) throws(MCPError) {
        try PayloadVersion.check(options)
        if let unknown = options.keys.first(where: { !allowed.contains($0) && $0 != "version" }) {
            throw error("unknown option '\(unknown)'", path: unknown)
        }
    }

    static func error(_ message: String, path: String) -> MCPError {
        MCPError(.config, message, source: .config, details: ["reason": "store_options_invalid", "path": .string(path)])
    }

    /// `{"user": "…", "server": "…", "kind": "tokens"|"registration"|"flow"|…}`.
    static func key(_ object: JSONObject) throws(MCPError) -> CredentialKey {
        try PayloadVersion.check(object)
        if let unknown = object.keys.first(where: { !["user", "server", "kind", "version"].contains($0) }) {
            throw MCPError.invalid("unknown key field '\(unknown)'", details: ["argument": "key_json", "path": .string(unknown)])
        }
        var parts: [String] = []
        for field in ["user", "server", "kind"] {
            guard let text = object[field]?.stringValue, text.utf8.count <= 1024, field == "user" || !text.isEmpty else {
                throw MCPError.invalid("key_json needs a string '\(field)'\(field == "user" ? "" : " (not empty)") of at most 1024 bytes",
                    details: ["argument": "key_json", "path": .string(field)])
            }
            parts.append(text)
        }
        return CredentialKey(user: parts[0], server: parts[1], kind: CredentialKey.Kind(rawValue: parts[2]))
    }
}
