import MCPClientCore

/// The engine's view of its store. Token records the store refuses to take (a host store that is down, a full
/// disk) are kept in this process's memory instead of being dropped: an authorization code is spent and a rotated
/// refresh token replaces the old one at the AS, so losing them would mean a new sign-in. While a record is unsaved
/// it is served in place of the store's and offered to the store again on every read, so a failure that heals
/// heals by itself. Other record kinds pass straight through.
final class UnsavedTokens: CredentialStore, CredentialStoreLocking, @unchecked Sendable {
    struct Entry {
        var key: CredentialKey
        var value: [UInt8]
        var expiresAt: Int64
        /// The store's refusal, for status (it names the operation and record kind, never a value).
        var error: MCPError
    }

    /// Beyond this many unsaved records a refused save fails as before: memory stays bounded when the store stays
    /// down for a host with many users.
    static let maxEntries = 1_024

    let base: any CredentialStore
    private let clock: any WallClock
    private let entries = Locked<[String: Entry]>([:])
    /// Token writes and retries in one order: a retry of an older record must never land after a newer save.
    private let writes = Locked<Void>(())
    private let report: Locked<Reporter>

    /// `saved` false: the record was kept in memory after `error`; true: a kept record reached the store.
    struct Reporter { var emit: (@Sendable (_ key: CredentialKey, _ saved: Bool, _ error: MCPError?) -> Void)? }

    init(base: any CredentialStore, clock: any WallClock) {
        self.base = base
        self.clock = clock
        report = Locked(Reporter(emit: nil))
    }

    func setReporter(_ emit: (@Sendable (_ key: CredentialKey, _ saved: Bool, _ error: MCPError?) -> Void)?) {
        report.withLock { $0 = Reporter(emit: emit) }
    }

    var isEmpty: Bool { entries.withLock { $0.isEmpty } }

    /// Offers every kept record to the store again.
    func retryAll() {
        for key in entries.withLock({ $0.values.map(\.key) }) { retry(key) }
    }

    /// The store's refusal of the key's kept record, or nil when nothing is waiting to be saved.
    func unsavedError(_ key: CredentialKey) -> MCPError? { entries.withLock { $0[key.canonical]?.error } }

    func get(_ key: CredentialKey) throws(MCPError) -> [UInt8]? {
        guard key.kind == .tokens, let entry = current(key) else { return try base.get(key) }
        retry(key)
        return entry.value
    }

    func put(_ key: CredentialKey, _ value: [UInt8], ttlSeconds: Int64?) throws(MCPError) {
        guard key.kind == .tokens else { return try base.put(key, value, ttlSeconds: ttlSeconds) }
        let outcome = writes.withLock { _ -> (error: MCPError, kept: Bool, first: Bool)? in
            do throws(MCPError) {
                try base.put(key, value, ttlSeconds: ttlSeconds)
                entries.withLock { _ = $0.removeValue(forKey: key.canonical) }
                return nil
            } catch {
                let expiresAt = RecordExpiry.expiresAt(now: clock.nowSeconds(), ttlSeconds: ttlSeconds)
                return entries.withLock { entries in
                    let first = entries[key.canonical] == nil
                    guard !first || entries.count < Self.maxEntries else { return (error, false, false) }
                    entries[key.canonical] = Entry(key: key, value: value, expiresAt: expiresAt, error: error)
                    return (error, true, first)
                }
            }
        }
        guard let outcome else { return }
        guard outcome.kept else { throw outcome.error }
        if outcome.first { report.withLock { $0 }.emit?(key, false, outcome.error) }
    }

    func delete(_ key: CredentialKey) throws(MCPError) {
        guard key.kind == .tokens else { return try base.delete(key) }
        // Forgotten here even when the store fails: a sign-out or a refused refresh token must not live on in memory.
        writes.withLock { _ in entries.withLock { _ = $0.removeValue(forKey: key.canonical) } }
        try base.delete(key)
    }

    func tryLock(_ name: String, token: String, ttlMilliseconds: Int64) throws(MCPError) -> Bool {
        try CredentialLocks.locking(for: base).tryLock(name, token: token, ttlMilliseconds: ttlMilliseconds)
    }

    func unlock(_ name: String, token: String) throws(MCPError) { try CredentialLocks.locking(for: base).unlock(name, token: token) }

    /// The kept record while it has not expired (an expired one is dropped: the store's copy, if any, decides).
    private func current(_ key: CredentialKey) -> Entry? {
        let now = clock.nowSeconds()
        return entries.withLock { entries in
            guard let entry = entries[key.canonical] else { return nil }
            guard entry.expiresAt > now else {
                entries[key.canonical] = nil
                return nil
            }
            return entry
        }
    }

    /// Offers the kept record to the store again; it stays kept (with the newest refusal) until the store takes it.
    private func retry(_ key: CredentialKey) {
        let saved = writes.withLock { _ -> Bool in
            guard let entry = current(key) else { return false }  // saved, replaced or deleted meanwhile
            let ttl = entry.expiresAt == RecordExpiry.never ? nil : max(entry.expiresAt &- clock.nowSeconds(), 1)
            do throws(MCPError) {
                try base.put(key, entry.value, ttlSeconds: ttl)
            } catch {
                entries.withLock { $0[key.canonical]?.error = error }
                return false
            }
            entries.withLock { _ = $0.removeValue(forKey: key.canonical) }
            return true
        }
        if saved { report.withLock { $0 }.emit?(key, true, nil) }
    }
}
