import Glibc
import Synchronization
public import MCPClientCore

/// A store that can serialize work across every process sharing it: the refresh single flight takes a lease named
/// after the user and server, so two processes never redeem the same rotating refresh token (oauth.md §6.1,
/// LibreChat #14583). Stores that cannot lock across processes get `ProcessLeases.shared` (see
/// `CredentialLocks.locking(for:)`), which still serializes every engine in this process.
public protocol CredentialStoreLocking: Sendable {
    /// Takes the lease `name` for `token` unless another token holds an unexpired lease on it: true when taken,
    /// false when busy. Returns promptly; the caller polls. The lease lapses after `ttlMilliseconds` even if never
    /// released, so a holder that crashed cannot block the others forever.
    func tryLock(_ name: String, token: String, ttlMilliseconds: Int64) throws(MCPError) -> Bool
    /// Releases the lease if `token` still holds it; a lapsed lease or another holder's is left alone.
    func unlock(_ name: String, token: String) throws(MCPError)
}

/// Leases in this process's memory: the lock of the memory store, and of host stores without lock functions.
public final class ProcessLeases: CredentialStoreLocking, Sendable {
    /// For stores with nothing better: one table, so two engines (managers) sharing such a store still serialize.
    public static let shared = ProcessLeases()

    private struct Lease {
        var token: String
        var expiresAt: UInt64
    }

    private let leases = Locked<[String: Lease]>([:])
    private let clock: any MonotonicClock

    public init(clock: any MonotonicClock = SystemClock()) { self.clock = clock }

    public func tryLock(_ name: String, token: String, ttlMilliseconds: Int64) throws(MCPError) -> Bool {
        let now = clock.nowNanoseconds()
        let ttl = UInt64(max(ttlMilliseconds, 1)).multipliedReportingOverflow(by: 1_000_000)
        let expiresAt = ttl.overflow ? UInt64.max : now.addingReportingOverflow(ttl.partialValue).overflow ? UInt64.max : now &+ ttl.partialValue
        return leases.withLock { leases in
            if let held = leases[name], held.expiresAt > now, held.token != token { return false }
            if leases.count > 4_096 { leases = leases.filter { $0.value.expiresAt > now } }
            leases[name] = Lease(token: token, expiresAt: expiresAt)
            return true
        }
    }

    public func unlock(_ name: String, token: String) throws(MCPError) {
        leases.withLock { leases in
            if leases[name]?.token == token { leases[name] = nil }
        }
    }
}

/// A held lease; `release()` ends it (once; later calls do nothing harmful: the token no longer holds it).
public struct CredentialLease: Sendable {
    public let name: String
    let token: String
    let locking: any CredentialStoreLocking

    public func release() { try? locking.unlock(name, token: token) }
}

public enum CredentialLocks {
    /// The store's own locking, else the process-wide leases.
    public static func locking(for store: any CredentialStore) -> any CredentialStoreLocking {
        (store as? any CredentialStoreLocking) ?? ProcessLeases.shared
    }

    /// The lease that guards the refresh of a user's tokens for a server: the tokens key with kind `lock`.
    public static func refreshLockName(_ tokensKey: CredentialKey) -> String {
        CredentialKey(user: tokensKey.user, server: tokensKey.server, kind: .lock).canonical
    }

    /// Takes `name`, polling with backoff (2 ms doubling to 200 ms, with jitter so waiters do not move in step)
    /// for at most `timeoutMilliseconds`. Fails with MCP_ERR_TIMEOUT, `details.reason` `store_lock_timeout`; a
    /// failing lock function fails at once with its own error.
    public static func acquire(
        _ name: String, on store: any CredentialStore, ttlMilliseconds: Int64, timeoutMilliseconds: Int64, clock: any MonotonicClock = SystemClock()
    ) throws(MCPError) -> CredentialLease {
        let locking = locking(for: store)
        let token = Base64URL.encode(try RandomBytes.generate(16))
        let start = clock.nowNanoseconds()
        let limit = UInt64(max(timeoutMilliseconds, 0)) &* 1_000_000
        var pause: UInt64 = 2_000_000
        while true {
            if try locking.tryLock(name, token: token, ttlMilliseconds: ttlMilliseconds) {
                return CredentialLease(name: name, token: token, locking: locking)
            }
            let waited = clock.nowNanoseconds() &- start
            guard waited < limit else {
                throw MCPError(.timeout, "another process holds the credential lock for this server (waited \(timeoutMilliseconds) ms)",
                    source: .auth, details: ["reason": "store_lock_timeout"])
            }
            let sleep = min(pause / 2 + UInt64.random(in: 0...(pause / 2)), limit &- waited)
            var request = timespec(tv_sec: Int(sleep / 1_000_000_000), tv_nsec: Int(sleep % 1_000_000_000))
            var remaining = timespec()
            while nanosleep(&request, &remaining) != 0, errno == EINTR { request = remaining }
            pause = min(pause &* 2, 200_000_000)
        }
    }
}

/// One lock per key, created on demand and dropped when nobody holds or waits for it. A thread that asks again for a
/// key it holds (a host store callback calling back into the library for the same user and server) gets
/// MCP_ERR_CONFLICT, `details.reason` `reentrant_lock`, instead of waiting on itself forever.
public final class KeyedLocks: Sendable {
    private final class Entry: @unchecked Sendable {
        let mutex = Mutex(())
        /// Holders and waiters, and the holding thread; changed only under `entries`' lock.
        var users = 0
        var owner: pthread_t?
    }
    private let entries = Locked<[String: Entry]>([:])

    public init() {}

    /// The lock of this process's threads only; every user of a name shares one.
    public static let process = KeyedLocks()

    public func withLock<T>(_ key: String, _ body: () throws(MCPError) -> T) throws(MCPError) -> T {
        let me = pthread_self()
        let entry = entries.withLock { entries -> Entry? in
            let entry = entries[key] ?? Entry()
            if let owner = entry.owner, pthread_equal(owner, me) != 0 { return nil }
            entries[key] = entry
            entry.users += 1
            return entry
        }
        guard let entry else {
            throw MCPError(.conflict, "a call made while this thread holds the lock for the same user and server (from a store callback?) cannot wait for it",
                details: ["reason": "reentrant_lock"])
        }
        defer {
            entries.withLock { entries in
                entry.users -= 1
                if entry.users == 0 { entries[key] = nil }
            }
        }
        return try entry.mutex.withLock { _ throws(MCPError) -> T in
            entries.withLock { _ in entry.owner = me }
            defer { entries.withLock { _ in entry.owner = nil } }
            return try body()
        }
    }
}

/// A lock named across threads and processes: this process's lock for the name (so its threads queue instead of
/// polling each other), then the store's lease on it (`CredentialLocks.acquire`). The registry's writes and the
/// sign-in flows (begin, complete, cancel) use it, so two processes sharing a store never interleave them.
public struct StoreNamedLock: Sendable {
    public let store: any CredentialStore
    public var ttlMilliseconds: Int64 = 60_000
    public var timeoutMilliseconds: Int64 = 30_000

    public init(store: any CredentialStore) { self.store = store }

    public func withLock<Result>(_ name: String, _ body: () throws(MCPError) -> Result) throws(MCPError) -> Result {
        try KeyedLocks.process.withLock(name) { () throws(MCPError) -> Result in
            let lease = try CredentialLocks.acquire(
                name, on: store, ttlMilliseconds: ttlMilliseconds, timeoutMilliseconds: timeoutMilliseconds)
            defer { lease.release() }
            return try body()
        }
    }
}
