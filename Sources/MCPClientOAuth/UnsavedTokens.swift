import MCPClientCore

/// The engine's view of its store. Token records the store refuses to take (a host store that is down, a full
/// disk) are kept in this process's memory instead of being dropped: an authorization code is spent and a rotated
/// refresh token replaces the old one at the AS, so losing them would mean a new sign-in. While a record is unsaved
/// it is served in place of the store's and offered to the store again when its retry is due (1 s doubling to
/// 30 s): by a read, or by the engine's background saver (`retryDue`). Other record kinds pass straight through.
final class UnsavedTokens: CredentialStore, CredentialStoreLocking, @unchecked Sendable {
    struct Entry: ExpiringRecord {
        var key: CredentialKey
        var value: [UInt8]
        var expiresAt: Int64
        /// The store's refusal, for status (it names the operation and record kind, never a value).
        var error: MCPError
        /// The store's record when it refused this one: a retry that finds another there drops this one instead of
        /// writing it, since another process or manager saved newer tokens meanwhile.
        var storedAtRefusal: StoredRecord
        /// Refused retries so far, for the backoff.
        var failedRetries = 0
        var nextRetryAt: Int64
    }

    /// What the store held for a key, by digest (never the value).
    enum StoredRecord: Equatable {
        case absent
        case digest([UInt8])
        /// The store could not be read: a retry cannot tell whether someone else wrote, and writes.
        case unknown
    }

    /// What the engine hears about a user's kept tokens, each under that key's lock (so in order).
    enum Report: Sendable {
        /// The store refused the tokens; they are kept in memory (once per refusal spell).
        case unsaved(MCPError)
        /// Kept tokens reached the store, by a retry or by a newer save that replaced them.
        case saved
        /// Another process or manager saved tokens for the key while these were kept: theirs stay, these go.
        case superseded
    }

    struct Reporter { var emit: (@Sendable (_ key: CredentialKey, _ report: Report) -> Void)? }

    /// Beyond this many unsaved records a refused save fails as before: memory stays bounded when the store stays
    /// down for a host with many users.
    static let maxEntries = 1_024
    static let maxRetryDelaySeconds: Int64 = 30

    private let base: any CredentialStore
    private let clock: any WallClock
    private let entries = Locked<[String: Entry]>([:])
    /// Per key, token writes, retries and their reports in one order: a retry of an older record must never land
    /// after a newer save. Only that key waits on a slow store; other users' saves go on.
    private let writes = KeyedLocks()
    private let report = Locked<Reporter>(Reporter(emit: nil))

    init(base: any CredentialStore, clock: any WallClock) {
        self.base = base
        self.clock = clock
    }

    func setReporter(_ emit: (@Sendable (_ key: CredentialKey, _ report: Report) -> Void)?) {
        report.withLock { $0 = Reporter(emit: emit) }
    }

    var isEmpty: Bool { entries.withLock { $0.isEmpty } }

    /// Offers every kept record whose retry is due to the store again.
    func retryDue() {
        let now = clock.nowSeconds()
        for key in entries.withLock({ $0.values.filter { $0.nextRetryAt <= now }.map(\.key) }) { _ = retry(key) }
    }

    /// The store's refusal of the key's kept record, or nil when nothing is waiting to be saved.
    func unsavedError(_ key: CredentialKey) -> MCPError? { entries.withLock { $0[key.canonical]?.error } }

    func get(_ key: CredentialKey) throws(MCPError) -> [UInt8]? {
        guard key.kind == .tokens, let entry = current(key) else { return try base.get(key) }
        guard entry.nextRetryAt <= clock.nowSeconds() else { return entry.value }
        return retry(key) == .superseded ? try base.get(key) : entry.value
    }

    func put(_ key: CredentialKey, _ value: [UInt8], ttlSeconds: Int64?) throws(MCPError) {
        guard key.kind == .tokens else { return try base.put(key, value, ttlSeconds: ttlSeconds) }
        try writes.withLock(key.canonical) { () throws(MCPError) in
            do throws(MCPError) {
                try base.put(key, value, ttlSeconds: ttlSeconds)
            } catch {
                guard let first = keep(key, value, ttlSeconds: ttlSeconds, refusal: error) else { throw error }
                if first { emit(key, .unsaved(error)) }
                return
            }
            // A newer save replaced a kept record: the spell is over, and the host hears so.
            if entries.withLock({ $0.removeValue(forKey: key.canonical) }) != nil { emit(key, .saved) }
        }
    }

    func delete(_ key: CredentialKey) throws(MCPError) {
        guard key.kind == .tokens else { return try base.delete(key) }
        // Forgotten here even when the store fails: a sign-out or a refused refresh token must not live on in memory.
        try writes.withLock(key.canonical) { () throws(MCPError) in
            _ = entries.withLock { $0.removeValue(forKey: key.canonical) }
            try base.delete(key)
        }
    }

    func tryLock(_ name: String, token: String, ttlMilliseconds: Int64) throws(MCPError) -> Bool {
        try CredentialLocks.locking(for: base).tryLock(name, token: token, ttlMilliseconds: ttlMilliseconds)
    }

    func unlock(_ name: String, token: String) throws(MCPError) { try CredentialLocks.locking(for: base).unlock(name, token: token) }

    /// Keeps a refused record (under the key's lock). Nil when the table is full (the refusal stands); else whether
    /// it starts a refusal spell.
    private func keep(_ key: CredentialKey, _ value: [UInt8], ttlSeconds: Int64?, refusal: MCPError) -> Bool? {
        let now = clock.nowSeconds()
        let expiresAt = RecordExpiry.expiresAt(now: now, ttlSeconds: ttlSeconds)
        let stored = storedRecord(key)
        return entries.withLock { entries -> Bool? in
            let previous = entries.unexpired(key.canonical, now: now)
            guard previous != nil || entries.count < Self.maxEntries else { return nil }
            // A store still down after earlier refusals keeps its backoff.
            let failed = previous?.failedRetries ?? 0
            entries[key.canonical] = Entry(key: key, value: value, expiresAt: expiresAt, error: refusal, storedAtRefusal: stored,
                failedRetries: failed, nextRetryAt: now &+ Self.retryDelay(after: failed))
            return previous == nil
        }
    }

    /// 1 s, doubling per refused retry, at most `maxRetryDelaySeconds`.
    static func retryDelay(after failedRetries: Int) -> Int64 { min(Int64(1) << Int64(min(failedRetries, 5)), maxRetryDelaySeconds) }

    /// The kept record while it has not expired (an expired one is dropped: the store's copy, if any, decides).
    private func current(_ key: CredentialKey) -> Entry? {
        let now = clock.nowSeconds()
        return entries.withLock { $0.unexpired(key.canonical, now: now) }
    }

    private func storedRecord(_ key: CredentialKey) -> StoredRecord {
        do throws(MCPError) { return Self.record(try base.get(key)) } catch { return .unknown }
    }

    private static func record(_ bytes: [UInt8]?) -> StoredRecord { bytes.map { .digest(SHA256.hash($0)) } ?? .absent }

    private func emit(_ key: CredentialKey, _ event: Report) { report.withLock { $0 }.emit?(key, event) }

    enum RetryOutcome { case kept, saved, superseded, gone }

    /// Offers the kept record to the store again, under the refresh lease (a refresh here or in another process
    /// writes newer tokens; one that holds the lease now makes this wait for the next try). It stays kept, with the
    /// newest refusal, until the store takes it or holds another record than at the refusal.
    private func retry(_ key: CredentialKey) -> RetryOutcome {
        let lease: CredentialLease
        do {
            lease = try CredentialLocks.acquire(CredentialLocks.refreshLockName(key), on: base, ttlMilliseconds: 30_000, timeoutMilliseconds: 0)
        } catch {
            postpone(key, refusal: error.details["reason"] == "store_lock_timeout" ? nil : error)
            return .kept
        }
        defer { lease.release() }
        // A retry asked for from inside this key's own store call (a re-entrant host) waits for the next one.
        return (try? writes.withLock(key.canonical) { () -> RetryOutcome in
            let now = clock.nowSeconds()
            guard let entry = current(key) else { return .gone }  // saved, replaced or deleted meanwhile
            guard entry.nextRetryAt <= now else { return .kept }  // another reader just tried
            do throws(MCPError) {
                let stored = Self.record(try base.get(key))
                if entry.storedAtRefusal != .unknown, stored != entry.storedAtRefusal {
                    _ = entries.withLock { $0.removeValue(forKey: key.canonical) }
                    emit(key, .superseded)
                    return .superseded
                }
                let ttl = entry.expiresAt == RecordExpiry.never ? nil : max(entry.expiresAt &- now, 1)
                try base.put(key, entry.value, ttlSeconds: ttl)
            } catch {
                postpone(key, refusal: error)
                return .kept
            }
            _ = entries.withLock { $0.removeValue(forKey: key.canonical) }
            emit(key, .saved)
            return .saved
        }) ?? .kept
    }

    /// The next retry after a refusal (backing off), or in a second when the lease was busy (nil).
    private func postpone(_ key: CredentialKey, refusal: MCPError?) {
        let now = clock.nowSeconds()
        entries.withLock { entries in
            guard var entry = entries[key.canonical] else { return }
            if let refusal {
                entry.error = refusal
                entry.failedRetries += 1
            }
            entry.nextRetryAt = now &+ (refusal == nil ? 1 : Self.retryDelay(after: entry.failedRetries))
            entries[key.canonical] = entry
        }
    }
}
