import Glibc
import MCPClientCore
@testable import MCPClientOAuth
import MCPClientTesting
import Synchronization
import Testing

/// `KeyedLocks`: a thread asking again for a key it holds gets an error instead of waiting on itself; other threads
/// still wait their turn. The re-entrant bodies run on their own thread with a bound, so a regression fails the test
/// instead of hanging the suite.
@Suite struct KeyedLocksTests {
    /// Runs `body` on its own thread; nil when it has not finished within 10 s (it deadlocked).
    static func bounded<T: Sendable>(_ body: @escaping @Sendable () -> T) -> T? {
        let done = Waiter<T>()
        TestThread.detach { done.resolve(body()) }
        return done.wait(timeoutNanoseconds: TestTime.ns(10_000_000_000))
    }

    @Test func askingAgainForAHeldKeyFailsInsteadOfDeadlocking() throws {
        let locks = KeyedLocks()
        let inner = Self.bounded { () -> MCPError? in
            do throws(MCPError) {
                return try locks.withLock("alice/demo") { () throws(MCPError) -> MCPError? in
                    do throws(MCPError) {
                        try locks.withLock("alice/demo") { () throws(MCPError) in }
                        return nil
                    } catch { return error }
                }
            } catch { return error }
        }
        let error = try #require(inner ?? nil, "the nested call deadlocked or was let through")
        #expect(error.code == .conflict)
        #expect(error.details["reason"] == "reentrant_lock")
        // The outer hold ended normally: the key is free again, from this thread too.
        #expect(try locks.withLock("alice/demo") { () throws(MCPError) in 7 } == 7)
    }

    @Test func anotherKeyOnTheSameThreadIsTaken() {
        let locks = KeyedLocks()
        let nested = Self.bounded { () -> Bool in
            (try? locks.withLock("alice/demo") { () throws(MCPError) -> Bool in
                try locks.withLock("bob/demo") { () throws(MCPError) in true }
            }) ?? false
        }
        #expect(nested == true)
    }

    @Test func anotherThreadWaitsForTheHolderInsteadOfFailing() throws {
        let locks = KeyedLocks()
        let holding = Waiter<Bool>(), release = Waiter<Bool>(), order = Locked<[String]>([])
        TestThread.detach {
            try? locks.withLock("alice/demo") { () throws(MCPError) in
                holding.resolve(true)
                _ = release.wait(timeoutNanoseconds: TestTime.ns(10_000_000_000))
                order.withLock { $0.append("holder") }
            }
        }
        #expect(holding.wait(timeoutNanoseconds: TestTime.ns(10_000_000_000)) == true)
        let waiter = Waiter<Bool>()
        TestThread.detach {
            let taken = (try? locks.withLock("alice/demo") { () throws(MCPError) in order.withLock { $0.append("waiter") } }) != nil
            waiter.resolve(taken)
        }
        usleep(50_000)
        #expect(!waiter.isResolved)
        release.resolve(true)
        #expect(waiter.wait(timeoutNanoseconds: TestTime.ns(10_000_000_000)) == true)
        #expect(order.withLock { $0 } == ["holder", "waiter"])
    }

    /// A host store whose put calls back into the library for the same key (a host saving through an API that
    /// writes tokens again): the inner save is refused with the conflict, the outer one completes.
    @Test func aStoreCallbackSavingTheSameKeyAgainGetsAnError() throws {
        final class ReenteringStore: CredentialStore, @unchecked Sendable {
            let records = MemoryCredentialStore()
            var tokens: UnsavedTokens?
            let innerError = Locked<MCPError?>(nil)
            let depth = Atomic<Int>(0)

            func get(_ key: CredentialKey) throws(MCPError) -> [UInt8]? { try records.get(key) }
            func put(_ key: CredentialKey, _ value: [UInt8], ttlSeconds: Int64?) throws(MCPError) {
                if depth.add(1, ordering: .relaxed).newValue == 1, let tokens {
                    do throws(MCPError) { try tokens.put(key, value + [0x21], ttlSeconds: ttlSeconds) } catch { innerError.withLock { $0 = error } }
                }
                depth.subtract(1, ordering: .relaxed)
                try records.put(key, value, ttlSeconds: ttlSeconds)
            }
            func delete(_ key: CredentialKey) throws(MCPError) { try records.delete(key) }
        }
        let store = ReenteringStore()
        let tokens = UnsavedTokens(base: store, clock: SystemWallClock())
        store.tokens = tokens
        let key = CredentialKey(user: "alice", server: "demo", kind: .tokens)
        let finished = Self.bounded { (try? tokens.put(key, Array("mine".utf8), ttlSeconds: nil)) != nil }
        #expect(finished == true, "the outer save deadlocked or failed")
        let inner = try #require(store.innerError.withLock { $0 })
        #expect(inner.details["reason"] == "reentrant_lock")
        #expect(try tokens.get(key) == Array("mine".utf8))
    }
}
