import Glibc
import MCPClientCore
import MCPClientOAuth

// Credential stores (docs/oauth.md "Store"): where OAuth tokens, client registrations and pending flows live.
// A store handle is created here and given to a manager; the get/put/delete exports are for hosts that inspect,
// migrate or forget records (and for tests).

/// Creates a store that keeps records in process memory (lost when the process ends).
/// Ownership: free *out_store with mcp_credential_store_free(); free *out_error_json with mcp_string_free().
/// NULL: out_store required; out_error_json may be NULL.
/// Threads: any thread; the store may be used from any thread.
@c(mcp_credential_store_new_memory)
public func mcpCredentialStoreNewMemory(_ out_store: UnsafeMutablePointer<OpaquePointer?>?, _ out_error_json: OutString?) -> mcp_status {
    out_store?.pointee = nil
    return boundary(out_error_json) { () throws(MCPError) in
        try requireOut(out_store, "out_store")
        out_store?.pointee = try storeHandles.insert(CredentialStoreBox(MemoryCredentialStore()))
    }
}

/// Creates a store of AES-256-GCM encrypted files, one per record, in a private directory (created 0700; files
/// 0600). options_json: {"directory":"…", "key":"<base64 of 32 bytes>" | "keyEnv":"VAR", "keyId"?:"…",
/// "previousKeys"?:[{"key"|"keyEnv", "keyId"?}]}; with neither key nor keyEnv the key is read from
/// MCPCLIENT_STORE_KEY. Key errors (MCP_ERR_CONFIG) name the option or variable, never a key.
/// Ownership: free *out_store with mcp_credential_store_free(); free *out_error_json with mcp_string_free().
/// NULL: out_store and options_json required; out_error_json may be NULL.
/// Threads: any thread; the store may be used from any thread (writes are atomic renames).
@c(mcp_credential_store_new_file)
public func mcpCredentialStoreNewFile(
    _ out_store: UnsafeMutablePointer<OpaquePointer?>?, _ options_json: UnsafePointer<CChar>?, _ out_error_json: OutString?
) -> mcp_status {
    out_store?.pointee = nil
    return boundary(out_error_json) { () throws(MCPError) in
        try requireOut(out_store, "out_store")
        let options = try jsonObject(options_json, "options_json", required: true)
        try StoreOptions.checkKeys(options, allowed: CredentialKeyring.optionNames.union(["directory"]))
        guard let directory = options["directory"]?.stringValue, !directory.isEmpty else {
            throw StoreOptions.error("'directory' must be a non-empty string", path: "directory")
        }
        let store = try EncryptedFileCredentialStore(directory: directory, keyring: try CredentialKeyring(options: options))
        out_store?.pointee = try storeHandles.insert(CredentialStoreBox(store))
    }
}

/// Creates a store backed by the host's own storage (Redis, Postgres, a keychain) through three functions:
///   get_fn(key, value, user_data): put the record with mcp_store_value_set(value, …) and return 0, or return 1
///     when there is none; the library copies the bytes during the call, so the host keeps its buffer;
///   put_fn(key, bytes, length, ttl_seconds, user_data): store length bytes (ttl_seconds -1 = keep until
///     deleted; otherwise the host may expire the record after that many seconds); return 0;
///   delete_fn(key, user_data): remove the record; return 0 (or 1 when it was absent).
/// key is the record's canonical name, "mcpclient/v1/<user>/<server>/<kind>" (parts percent-encoded), borrowed for
/// the call; any other return value is a failure, reported to the library's caller as MCP_ERR_USER naming the
/// operation (never a key or a value). Records are sealed with AES-256-GCM before put_fn sees them (the file
/// store's format, bound to the key), so the host never holds plaintext tokens: options_json takes the same key
/// options as mcp_credential_store_new_file (default MCPCLIENT_STORE_KEY); without a key creation fails unless
/// options_json says {"plaintext": true}.
/// Ownership: free *out_store with mcp_credential_store_free(); free *out_error_json with mcp_string_free().
/// The functions and user_data must stay valid until the store is freed and nothing uses it any more.
/// NULL: out_store, get_fn, put_fn and delete_fn required; options_json NULL means {}; user_data may be NULL;
/// out_error_json may be NULL.
/// Threads: any thread. The host's functions are called from any library thread, concurrently, and must be
/// thread-safe; they must not block on, or call, the library call that triggered them.
@c(mcp_credential_store_new_host)
public func mcpCredentialStoreNewHost(
    _ out_store: UnsafeMutablePointer<OpaquePointer?>?, _ options_json: UnsafePointer<CChar>?, _ get_fn: StoreGetFunction?,
    _ put_fn: StorePutFunction?, _ delete_fn: StoreDeleteFunction?, _ user_data: UnsafeMutableRawPointer?, _ out_error_json: OutString?
) -> mcp_status {
    // The same store without lock functions (its leases are this process's).
    mcpCredentialStoreNewHostLocking(out_store, options_json, get_fn, put_fn, delete_fn, nil, nil, user_data, out_error_json)
}

/// Hands a record to the library from inside a host store's get_fn: the library copies length bytes; calling it
/// again replaces the value. value is only valid during that get_fn call (afterwards: MCP_ERR_CLOSED).
/// Records are at most 1 MiB (MCP_ERR_INVALID beyond).
/// Ownership: bytes stay the host's.
/// NULL: value required; bytes may be NULL only when length is 0.
/// Threads: the thread running get_fn.
@c(mcp_store_value_set)
public func mcpStoreValueSet(_ value: OpaquePointer?, _ bytes: UnsafePointer<UInt8>?, _ length: Int64) -> mcp_status {
    boundary(nil) { () throws(MCPError) in
        let sink = try valueSinks.lookup(value, "value")
        guard length >= 0, length <= Int64(HostCredentialStore.maxRecordBytes) else {
            throw MCPError.invalid("length must be 0 to \(HostCredentialStore.maxRecordBytes)", details: ["argument": "length"])
        }
        guard length == 0 || bytes != nil else { throw MCPError.invalid("bytes is NULL", details: ["argument": "bytes"]) }
        let copy = bytes.map { Array(UnsafeBufferPointer(start: $0, count: Int(length))) } ?? []
        sink.value.withLock { $0 = copy }
    }
}

/// Reads a record: key_json is {"user":"…","server":"…","kind":"tokens"|"registration"|"flow"}. Returns MCP_OK
/// with the value's bytes (decrypted for encrypted stores), MCP_ERR_NOT_FOUND when there is none (or it expired);
/// a record that fails authentication is MCP_ERR_INVALID with details.reason "record_tampered".
/// Ownership: free *out_value (length bytes, plus a NUL after them) and *out_error_json with mcp_string_free().
/// NULL: store, key_json, out_value and out_length required; out_error_json may be NULL.
/// Threads: any thread.
@c(mcp_credential_store_get)
public func mcpCredentialStoreGet(
    _ store: OpaquePointer?, _ key_json: UnsafePointer<CChar>?, _ out_value: OutString?, _ out_length: UnsafeMutablePointer<Int64>?,
    _ out_error_json: OutString?
) -> mcp_status {
    out_value?.pointee = nil
    out_length?.pointee = 0
    return boundary(out_error_json) { () throws(MCPError) in
        try requireOut(out_value, "out_value")
        try requireOut(out_length, "out_length")
        let instance = try CredentialStoreBox.from(store)
        let key = try StoreOptions.key(try jsonObject(key_json, "key_json", required: true))
        guard let value = try instance.get(key) else {
            throw MCPError.notFound("no \(key.kind.rawValue) record for this key", details: ["reason": "record_absent"])
        }
        guard let copy = allocate(value) else { throw MCPError(.generic, "out of memory") }
        out_value?.pointee = copy
        out_length?.pointee = Int64(value.count)
    }
}

/// Writes a record (replacing any previous one): length bytes at value, kept for ttl_seconds (negative: until
/// deleted). key_json as for mcp_credential_store_get. Records are at most 1 MiB.
/// Ownership: value stays the caller's; free *out_error_json with mcp_string_free().
/// NULL: store and key_json required; value may be NULL only when length is 0; out_error_json may be NULL.
/// Threads: any thread.
@c(mcp_credential_store_put)
public func mcpCredentialStorePut(
    _ store: OpaquePointer?, _ key_json: UnsafePointer<CChar>?, _ value: UnsafePointer<UInt8>?, _ length: Int64, _ ttl_seconds: Int64,
    _ out_error_json: OutString?
) -> mcp_status {
    boundary(out_error_json) { () throws(MCPError) in
        let instance = try CredentialStoreBox.from(store)
        let key = try StoreOptions.key(try jsonObject(key_json, "key_json", required: true))
        guard length >= 0, length <= Int64(HostCredentialStore.maxRecordBytes) else {
            throw MCPError.invalid("length must be 0 to \(HostCredentialStore.maxRecordBytes)", details: ["argument": "length"])
        }
        guard length == 0 || value != nil else { throw MCPError.invalid("value is NULL", details: ["argument": "value"]) }
        let bytes = value.map { Array(UnsafeBufferPointer(start: $0, count: Int(length))) } ?? []
        try instance.put(key, bytes, ttlSeconds: ttl_seconds < 0 ? nil : ttl_seconds)
    }
}

/// Removes a record; removing an absent record is not an error. key_json as for mcp_credential_store_get.
/// Ownership: free *out_error_json with mcp_string_free().
/// NULL: store and key_json required; out_error_json may be NULL.
/// Threads: any thread.
@c(mcp_credential_store_delete)
public func mcpCredentialStoreDelete(_ store: OpaquePointer?, _ key_json: UnsafePointer<CChar>?, _ out_error_json: OutString?) -> mcp_status {
    boundary(out_error_json) { () throws(MCPError) in
        let instance = try CredentialStoreBox.from(store)
        try instance.delete(try StoreOptions.key(try jsonObject(key_json, "key_json", required: true)))
    }
}

/// Releases a store handle. Calls racing this one fail with MCP_ERR_CLOSED; a manager given the store keeps using
/// it (a host store's functions and user_data must outlive that use).
/// Ownership: the handle is invalid afterwards.
/// NULL: store may be NULL (no-op).
/// Threads: any thread.
@c(mcp_credential_store_free)
public func mcpCredentialStoreFree(_ store: OpaquePointer?) {
    _ = storeHandles.remove(store)
}
