import Glibc
import MCPClientCore
@testable import MCPClientOAuth
import Testing

/// A monotonic clock moved by hand.
final class ManualMonotonicClock: MonotonicClock, @unchecked Sendable {
    private let now = Locked<UInt64>(1_000_000_000)
    func nowNanoseconds() -> UInt64 { now.withLock { $0 } }
    func advance(milliseconds: UInt64) { now.withLock { $0 &+= milliseconds * 1_000_000 } }
}

@Suite struct StoreLockingTests {
    @Test func processLeasesExcludeOtherTokensUntilReleasedOrLapsed() throws {
        let clock = ManualMonotonicClock()
        let leases = ProcessLeases(clock: clock)
        #expect(try leases.tryLock("n", token: "a", ttlMilliseconds: 1_000))
        #expect(try !leases.tryLock("n", token: "b", ttlMilliseconds: 1_000))
        #expect(try leases.tryLock("other", token: "b", ttlMilliseconds: 1_000))
        try leases.unlock("n", token: "b")  // not b's lease: nothing happens
        #expect(try !leases.tryLock("n", token: "b", ttlMilliseconds: 1_000))
        try leases.unlock("n", token: "a")
        #expect(try leases.tryLock("n", token: "b", ttlMilliseconds: 1_000))
        // A holder that never releases (crashed) loses the lease when it lapses.
        clock.advance(milliseconds: 999)
        #expect(try !leases.tryLock("n", token: "c", ttlMilliseconds: 1_000))
        clock.advance(milliseconds: 1)
        #expect(try leases.tryLock("n", token: "c", ttlMilliseconds: 1_000))
        try leases.unlock("n", token: "b")  // the lapsed holder's late unlock does not free c's lease
        #expect(try !leases.tryLock("n", token: "d", ttlMilliseconds: 1_000))
    }

    @Test func acquireWaitsWithBackoffAndTimesOutClearly() throws {
        let store = MemoryCredentialStore()
        let held = try CredentialLocks.acquire("n", on: store, ttlMilliseconds: 10_000, timeoutMilliseconds: 0)
        let start = SystemClock().nowNanoseconds()
        do {
            _ = try CredentialLocks.acquire("n", on: store, ttlMilliseconds: 10_000, timeoutMilliseconds: 150)
            Issue.record("a held lease was taken twice")
        } catch {
            #expect(error.code == .timeout)
            #expect(error.details["reason"] == "store_lock_timeout")
        }
        let waited = (SystemClock().nowNanoseconds() - start) / 1_000_000
        #expect(waited >= 150 && waited < 2_000)
        // Released on another thread while this one waits: the waiter gets it.
        let releaser = DetachedThread.run {
            usleep(50_000)
            held.release()
        }
        #expect(releaser)
        let next = try CredentialLocks.acquire("n", on: store, ttlMilliseconds: 10_000, timeoutMilliseconds: 5_000)
        next.release()
    }

    @Test func fileStoreLeasesExcludeOtherInstancesOnTheSameDirectory() throws {
        let directory = temporaryDirectory()
        let keyring = try CredentialKeyring(key: Array(repeating: 7, count: 32), keyID: "k1")
        let first = try EncryptedFileCredentialStore(directory: directory, keyring: keyring)
        let second = try EncryptedFileCredentialStore(directory: directory, keyring: keyring)
        #expect(try first.tryLock("mcpclient/v1/alice/github/lock", token: "a", ttlMilliseconds: 10_000))
        #expect(try !second.tryLock("mcpclient/v1/alice/github/lock", token: "b", ttlMilliseconds: 10_000))
        #expect(try !first.tryLock("mcpclient/v1/alice/github/lock", token: "c", ttlMilliseconds: 10_000))
        #expect(try second.tryLock("mcpclient/v1/bob/github/lock", token: "b", ttlMilliseconds: 10_000))
        try first.unlock("mcpclient/v1/alice/github/lock", token: "a")
        #expect(try second.tryLock("mcpclient/v1/alice/github/lock", token: "b", ttlMilliseconds: 10_000))
        // A lease that lapsed in this process is taken over; its holder's unlock then changes nothing.
        #expect(try first.tryLock("short", token: "x", ttlMilliseconds: 1))
        usleep(5_000)
        #expect(try first.tryLock("short", token: "y", ttlMilliseconds: 10_000))
        try first.unlock("short", token: "x")
        #expect(try !second.tryLock("short", token: "z", ttlMilliseconds: 10_000))
        // Lock files are named by a hash, 0600.
        var info = stat()
        #expect(stat(first.lockPath("short"), &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(!first.lockPath("mcpclient/v1/alice/github/lock").hasSuffix("alice"))
    }

    /// Two engines' refreshers (separate coordinators, as in two processes) on one store: the store's lease makes the
    /// refresh single-flight across them; the one that waited re-reads and finds the new tokens.
    @Test(arguments: ["memory", "file"])
    func refreshersWithSeparateCoordinatorsRedeemOnce(kind: String) throws {
        let clock = ManualWallClock(1_700_000_000)
        let key = CredentialKey(user: "alice", server: "github", kind: .tokens)
        let store: any CredentialStore
        let peer: any CredentialStore
        if kind == "memory" {
            store = MemoryCredentialStore(clock: clock)
            peer = store
        } else {
            let directory = temporaryDirectory()
            let keyring = try CredentialKeyring(key: Array(repeating: 9, count: 32), keyID: "k1")
            store = try EncryptedFileCredentialStore(directory: directory, keyring: keyring, clock: clock)
            peer = try EncryptedFileCredentialStore(directory: directory, keyring: keyring, clock: clock)
        }
        try store.putJSON(key, TokenSet(accessToken: "at-0", expiresAt: clock.nowSeconds() + 3_600, refreshToken: "rt-0", issuedAt: 0).json,
            ttlSeconds: nil)
        let refreshers = [TokenRefresher(store: store, coordinator: RefreshCoordinator(), clock: clock),
                          TokenRefresher(store: peer, coordinator: RefreshCoordinator(), clock: clock)]
        let server = TokenRefresherTests.FakeAuthorizationServer(clock: clock)
        let seen = Locked<[String]>([])
        runOnThreads(16) { index in
            // Every caller had "at-0" refused by the server.
            let outcome = refreshers[index % 2].freshTokens(for: key, rejectedAccessToken: "at-0") { tokens, _ in server.exchange(tokens) }
            seen.withLock { $0.append((try? outcome.get())?.accessToken ?? "error") }
        }
        #expect(server.received.withLock { $0 } == ["rt-0"])
        #expect(seen.withLock { $0 } == Array(repeating: "at-1", count: 16))
    }

    @Test func sealedStoresForwardLeasesToTheirBackend() throws {
        let backend = MemoryCredentialStore()
        let keyring = try CredentialKeyring(key: Array(repeating: 3, count: 32), keyID: "k1")
        let sealed = SealedCredentialStore(backend: backend, keyring: keyring)
        #expect(try sealed.tryLock("n", token: "a", ttlMilliseconds: 10_000))
        #expect(try !backend.tryLock("n", token: "b", ttlMilliseconds: 10_000))
        try sealed.unlock("n", token: "a")
        #expect(try backend.tryLock("n", token: "b", ttlMilliseconds: 10_000))
    }
}
