import MCPClientCore
import MCPClientOAuth

// A host store that can also lock across the host's processes (docs/oauth.md "Cross-process refresh lock").

/// Creates a host store as mcp_credential_store_new_host does, plus two lease functions the library uses to make a
/// token refresh single-flight across every process sharing the store (a rotating refresh token is redeemed once):
///   lock_fn(name, token, ttl_ms, user_data): take the lease `name` for `token` unless another token holds an
///     unexpired one; return 0 when taken, 1 when busy (the library polls with backoff, bounded). The lease must
///     lapse after ttl_ms even if never released (Redis: SET name token NX PX ttl_ms).
///   unlock_fn(name, token, user_data): release `name` only if `token` still holds it (compare and delete); return
///     0, or 1 when it was not held by that token.
/// name ("mcpclient/v1/<user>/<server>/lock", parts percent-encoded) and token (random, base64url) are borrowed for
/// the call and are not secret. Any other return value is a failure (MCP_ERR_USER naming the operation). lock_fn
/// and unlock_fn are both given or both NULL; NULL means the leases are process-local (as with
/// mcp_credential_store_new_host).
/// Ownership: free *out_store with mcp_credential_store_free(); free *out_error_json with mcp_string_free().
/// The functions and user_data must stay valid until the store is freed and nothing uses it any more.
/// NULL: out_store, get_fn, put_fn and delete_fn required; lock_fn and unlock_fn together or not at all;
/// options_json NULL means {}; user_data may be NULL; out_error_json may be NULL.
/// Threads: any thread. Every function is called from any library thread, concurrently, and must be thread-safe;
/// none may block on, or call, the library call that triggered it.
@c(mcp_credential_store_new_host_locking)
public func mcpCredentialStoreNewHostLocking(
    _ out_store: UnsafeMutablePointer<OpaquePointer?>?, _ options_json: UnsafePointer<CChar>?, _ get_fn: StoreGetFunction?,
    _ put_fn: StorePutFunction?, _ delete_fn: StoreDeleteFunction?, _ lock_fn: StoreLockFunction?, _ unlock_fn: StoreUnlockFunction?,
    _ user_data: UnsafeMutableRawPointer?, _ out_error_json: OutString?
) -> mcp_status {
    out_store?.pointee = nil
    return boundary(out_error_json) { () throws(MCPError) in
        try requireOut(out_store, "out_store")
        guard let get_fn else { throw MCPError.invalid("get_fn is NULL", details: ["argument": "get_fn"]) }
        guard let put_fn else { throw MCPError.invalid("put_fn is NULL", details: ["argument": "put_fn"]) }
        guard let delete_fn else { throw MCPError.invalid("delete_fn is NULL", details: ["argument": "delete_fn"]) }
        var lock: (lock: StoreLockFunction, unlock: StoreUnlockFunction)?
        switch (lock_fn, unlock_fn) {
        case (let lockFunction?, let unlockFunction?): lock = (lockFunction, unlockFunction)
        case (nil, nil): lock = nil
        default:
            throw MCPError.invalid("lock_fn and unlock_fn must both be given or both be NULL",
                details: ["argument": .string(lock_fn == nil ? "lock_fn" : "unlock_fn")])
        }
        let host = HostCredentialStore(get: get_fn, put: put_fn, delete: delete_fn, lock: lock, userData: user_data)
        let store = try HostCredentialStore.make(options: try jsonObject(options_json, "options_json"), host: host)
        out_store?.pointee = try storeHandles.insert(CredentialStoreBox(store))
    }
}
