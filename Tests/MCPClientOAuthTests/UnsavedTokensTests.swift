import Glibc
import MCPClientCore
@testable import MCPClientOAuth
import MCPClientTesting
import Synchronization
import Testing

/// Token records a store refuses, kept in memory (`UnsavedTokens`): one user's slow store does not hold up another's
/// save, retries back off, a retry never overwrites newer tokens someone else saved, and reports come in order.
@Suite struct UnsavedTokensTests {
    /// A store whose token puts fail while `refusing`, and block for `slowUser` until `release` is resolved.
    final class ScriptedStore: CredentialStore, CredentialStoreLocking, @unchecked Sendable {
        let records: MemoryCredentialStore
        let leases = ProcessLeases()
        let refusing = Atomic<Bool>(false)
        let puts = Atomic<Int>(0)
        let slowUser: String?
        let release = Waiter<Bool>()

        init(clock: any WallClock, slowUser: String? = nil) {
            records = MemoryCredentialStore(clock: clock)
            self.slowUser = slowUser
        }

        func get(_ key: CredentialKey) throws(MCPError) -> [UInt8]? { try records.get(key) }

        func put(_ key: CredentialKey, _ value: [UInt8], ttlSeconds: Int64?) throws(MCPError) {
            puts.add(1, ordering: .relaxed)
            if key.user == slowUser { _ = release.wait(timeoutNanoseconds: 20_000_000_000) }
            if refusing.load(ordering: .relaxed), key.kind == .tokens {
                throw MCPError(.user, "the host credential store's put failed", source: .auth,
                    details: ["reason": "host_store_failed", "operation": "put", "kind": .string(key.kind.rawValue)])
            }
            try records.put(key, value, ttlSeconds: ttlSeconds)
        }

        func delete(_ key: CredentialKey) throws(MCPError) { try records.delete(key) }

        func tryLock(_ name: String, token: String, ttlMilliseconds: Int64) throws(MCPError) -> Bool {
            try leases.tryLock(name, token: token, ttlMilliseconds: ttlMilliseconds)
        }

        func unlock(_ name: String, token: String) throws(MCPError) { try leases.unlock(name, token: token) }
    }

    final class Reports: @unchecked Sendable {
        let seen = Locked<[String]>([])
        func attach(to tokens: UnsavedTokens) {
            tokens.setReporter { [self] key, report in
                let name = switch report {
                case .unsaved: "unsaved"
                case .saved: "saved"
                case .superseded: "superseded"
                }
                seen.withLock { $0.append(key.user + ":" + name) }
            }
        }
        var names: [String] { seen.withLock { $0 } }
    }

    static func key(_ user: String) -> CredentialKey { CredentialKey(user: user, server: "demo", kind: .tokens) }
    static let mine = Array("mine".utf8), theirs = Array("theirs".utf8), older = Array("older".utf8)

    @Test func aHangingSaveForOneUserDoesNotHoldUpAnother() throws {
        let clock = ManualWallClock(1_000_000)
        let store = ScriptedStore(clock: clock, slowUser: "slow")
        let tokens = UnsavedTokens(base: store, clock: clock)
        let slowDone = Waiter<Bool>()
        TestThread.detach {
            try? tokens.put(Self.key("slow"), Self.mine, ttlSeconds: nil)
            slowDone.resolve(true)
        }
        while store.puts.load(ordering: .relaxed) == 0 { usleep(1_000) }  // the slow put is in the host's hands
        let started = SystemClock().nowNanoseconds()
        try tokens.put(Self.key("quick"), Self.mine, ttlSeconds: nil)
        #expect(try tokens.get(Self.key("quick")) == Self.mine)
        #expect(SystemClock().nowNanoseconds() - started < 5_000_000_000)
        #expect(!slowDone.isResolved)
        store.release.resolve(true)
        #expect(slowDone.wait(timeoutNanoseconds: 10_000_000_000) == true)
        #expect(try store.get(Self.key("slow")) == Self.mine)
    }

    @Test func readsRetryOnlyWhenTheBackoffIsDue() throws {
        let clock = ManualWallClock(1_000_000)
        let store = ScriptedStore(clock: clock)
        let tokens = UnsavedTokens(base: store, clock: clock)
        let key = Self.key("alice")
        store.refusing.store(true, ordering: .relaxed)
        try tokens.put(key, Self.mine, ttlSeconds: 3600)  // kept, not thrown
        #expect(tokens.unsavedError(key)?.details["reason"] == "host_store_failed")
        func putsAfterRead() throws -> Int {
            #expect(try tokens.get(key) == Self.mine)
            return store.puts.load(ordering: .relaxed)
        }
        #expect(try putsAfterRead() == 1)  // not due: reading does not write
        #expect(try putsAfterRead() == 1)
        clock.advance(by: 1)
        #expect(try putsAfterRead() == 2)  // due after 1 s: refused again
        #expect(try putsAfterRead() == 2)
        clock.advance(by: 1)
        #expect(try putsAfterRead() == 2)  // the next after 2 s
        clock.advance(by: 1)
        #expect(try putsAfterRead() == 3)
        for _ in 0..<10 {  // doubling, at most 30 s apart
            clock.advance(by: UnsavedTokens.maxRetryDelaySeconds)
            _ = try tokens.get(key)
        }
        #expect(store.puts.load(ordering: .relaxed) == 13)
        store.refusing.store(false, ordering: .relaxed)
        clock.advance(by: UnsavedTokens.maxRetryDelaySeconds)
        #expect(try putsAfterRead() == 14)  // saved
        #expect(tokens.unsavedError(key) == nil && tokens.isEmpty)
        #expect(try store.get(key) == Self.mine)
        #expect(try putsAfterRead() == 14)
    }

    @Test func aRetryNeverOverwritesTokensSavedElsewhereMeanwhile() throws {
        let clock = ManualWallClock(1_000_000)
        let store = ScriptedStore(clock: clock)
        let tokens = UnsavedTokens(base: store, clock: clock)
        let reports = Reports()
        reports.attach(to: tokens)
        let key = Self.key("alice")
        try tokens.put(key, Self.older, ttlSeconds: nil)
        store.refusing.store(true, ordering: .relaxed)
        try tokens.put(key, Self.mine, ttlSeconds: nil)
        #expect(try tokens.get(key) == Self.mine)
        // Another process (or manager) saved newer tokens once the store was back.
        store.refusing.store(false, ordering: .relaxed)
        try store.records.put(key, Self.theirs, ttlSeconds: nil)
        clock.advance(by: 1)
        #expect(try tokens.get(key) == Self.theirs)
        #expect(try store.get(key) == Self.theirs && tokens.isEmpty)
        #expect(reports.names == ["alice:unsaved", "alice:superseded"])

        // Unchanged since the refusal: the kept tokens are the newer ones and are written.
        store.refusing.store(true, ordering: .relaxed)
        try tokens.put(key, Self.mine, ttlSeconds: nil)
        store.refusing.store(false, ordering: .relaxed)
        clock.advance(by: 1)
        tokens.retryDue()
        #expect(try store.get(key) == Self.mine && tokens.isEmpty)
        #expect(reports.names == ["alice:unsaved", "alice:superseded", "alice:unsaved", "alice:saved"])
    }

    @Test func aRetryWaitsWhileARefreshHoldsTheLease() throws {
        let clock = ManualWallClock(1_000_000)
        let store = ScriptedStore(clock: clock)
        let tokens = UnsavedTokens(base: store, clock: clock)
        let key = Self.key("alice")
        store.refusing.store(true, ordering: .relaxed)
        try tokens.put(key, Self.mine, ttlSeconds: nil)
        store.refusing.store(false, ordering: .relaxed)
        let refresh = try CredentialLocks.acquire(CredentialLocks.refreshLockName(key), on: store, ttlMilliseconds: 60_000, timeoutMilliseconds: 0)
        clock.advance(by: 1)
        #expect(try tokens.get(key) == Self.mine)  // served at once, not written under the refresh's feet
        tokens.retryDue()
        #expect(try store.get(key) == nil && !tokens.isEmpty)
        refresh.release()
        clock.advance(by: 1)
        tokens.retryDue()
        #expect(try store.get(key) == Self.mine && tokens.isEmpty)
    }

    @Test func aNewerSaveEndsTheSpellWithASavedReport() throws {
        let clock = ManualWallClock(1_000_000)
        let store = ScriptedStore(clock: clock)
        let tokens = UnsavedTokens(base: store, clock: clock)
        let reports = Reports()
        reports.attach(to: tokens)
        store.refusing.store(true, ordering: .relaxed)
        try tokens.put(Self.key("alice"), Self.older, ttlSeconds: nil)
        try tokens.put(Self.key("alice"), Self.mine, ttlSeconds: nil)  // still down: the same spell, no second report
        store.refusing.store(false, ordering: .relaxed)
        try tokens.put(Self.key("alice"), Self.theirs, ttlSeconds: nil)
        try tokens.put(Self.key("alice"), Self.theirs, ttlSeconds: nil)  // nothing was kept: no report
        #expect(reports.names == ["alice:unsaved", "alice:saved"])
        #expect(try tokens.isEmpty && store.get(Self.key("alice")) == Self.theirs)
    }

    @Test func keptRecordsExpireAndSignOutForgetsThem() throws {
        let clock = ManualWallClock(1_000_000)
        let store = ScriptedStore(clock: clock)
        let tokens = UnsavedTokens(base: store, clock: clock)
        store.refusing.store(true, ordering: .relaxed)
        try tokens.put(Self.key("alice"), Self.mine, ttlSeconds: 10)
        try tokens.put(Self.key("bob"), Self.mine, ttlSeconds: nil)
        clock.advance(by: 10)
        #expect(try tokens.get(Self.key("alice")) == nil)
        try tokens.delete(Self.key("bob"))
        #expect(try tokens.get(Self.key("bob")) == nil && tokens.isEmpty)
    }
}
