import Glibc
import MCPClientCore
import MCPClientOAuth
import Testing

@testable import MCPClientABI

/// A host's lease table (Redis `SET NX PX` in real life), reached through user_data.
final class FakeHostLeases: @unchecked Sendable {
    let held = Locked<[String: String]>([:])
    let calls = Locked<[String]>([])
    let failLock = Locked<Int32?>(nil)
    let backend = FakeHostBackend()

    var userData: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    static func from(_ userData: UnsafeMutableRawPointer?) -> FakeHostLeases? {
        userData.map { Unmanaged<FakeHostLeases>.fromOpaque($0).takeUnretainedValue() }
    }
}

private let leaseGet: StoreGetFunction = { key, value, userData in fakeGet(key, value, FakeHostLeases.from(userData)?.backend.userData) }
private let leasePut: StorePutFunction = { key, bytes, length, ttl, userData in
    fakePut(key, bytes, length, ttl, FakeHostLeases.from(userData)?.backend.userData)
}
private let leaseDelete: StoreDeleteFunction = { key, userData in fakeDelete(key, FakeHostLeases.from(userData)?.backend.userData) }

private let fakeLock: StoreLockFunction = { name, token, ttl, userData in
    guard let name, let token, let host = FakeHostLeases.from(userData), ttl > 0 else { return -100 }
    let (name_, token_) = (String(cString: name), String(cString: token))
    host.calls.withLock { $0.append("lock \(name_) \(ttl)") }
    if let failure = host.failLock.withLock({ $0 }) { return failure }
    return host.held.withLock { held in
        if let holder = held[name_], holder != token_ { return 1 }
        held[name_] = token_
        return 0
    }
}

private let fakeUnlock: StoreUnlockFunction = { name, token, userData in
    guard let name, let token, let host = FakeHostLeases.from(userData) else { return -100 }
    let (name_, token_) = (String(cString: name), String(cString: token))
    host.calls.withLock { $0.append("unlock \(name_)") }
    return host.held.withLock { held in
        guard held[name_] == token_ else { return 1 }
        held[name_] = nil
        return 0
    }
}

@Suite struct StoreLockABITests {
    static let options = #"{"key":"\#(Base64.encode([UInt8](repeating: 0x21, count: 32)))"}"#

    func newStore(_ host: FakeHostLeases, lock: StoreLockFunction?, unlock: StoreUnlockFunction?) -> (Int32, OpaquePointer?, JSONValue?) {
        var store: OpaquePointer?
        var error: UnsafeMutablePointer<CChar>?
        let status = mcpCredentialStoreNewHostLocking(&store, Self.options, leaseGet, leasePut, leaseDelete, lock, unlock, host.userData, &error)
        return (code(status), store, takeString(error).flatMap { try? JSONParser.parse($0) })
    }

    @Test func leasesGoToTheHostAndRefreshesWaitForThem() throws {
        let host = FakeHostLeases()
        let (status, handle, _) = newStore(host, lock: fakeLock, unlock: fakeUnlock)
        #expect(status == OK)
        defer { mcpCredentialStoreFree(handle) }
        let store = try CredentialStoreBox.from(handle)
        // Sealed records, unsealed leases: the host's lease functions see the name and a token, the records stay sealed.
        let held = try CredentialLocks.acquire("mcpclient/v1/alice/github/lock", on: store, ttlMilliseconds: 4_000, timeoutMilliseconds: 0)
        #expect(host.held.withLock { $0["mcpclient/v1/alice/github/lock"] } != nil)
        do {
            _ = try CredentialLocks.acquire("mcpclient/v1/alice/github/lock", on: store, ttlMilliseconds: 4_000, timeoutMilliseconds: 30)
            Issue.record("the host said busy, yet the lease was taken")
        } catch {
            #expect(error.details["reason"] == "store_lock_timeout")
        }
        held.release()
        #expect(host.held.withLock { $0.isEmpty })
        let calls = host.calls.withLock { $0 }
        #expect(calls.first == "lock mcpclient/v1/alice/github/lock 4000")
        #expect(calls.filter { $0.hasPrefix("lock") }.count >= 2)
        #expect(calls.last == "unlock mcpclient/v1/alice/github/lock")

        // A refresh through this store takes the lease named after the user and server, then releases it.
        host.calls.withLock { $0 = [] }
        let key = CredentialKey(user: "alice", server: "github", kind: .tokens)
        try store.putJSON(key, TokenSet(accessToken: "old", expiresAt: 1, refreshToken: "r", issuedAt: 0).json, ttlSeconds: nil)
        let refresher = TokenRefresher(store: store, coordinator: RefreshCoordinator())
        let outcome = refresher.freshTokens(for: key) { _, _ in .success(TokenSet(accessToken: "new", expiresAt: 4_000_000_000, issuedAt: 0)) }
        #expect((try? outcome.get())?.accessToken == "new")
        #expect(host.calls.withLock { $0 } == ["lock mcpclient/v1/alice/github/lock 30000", "unlock mcpclient/v1/alice/github/lock"])
    }

    @Test func aFailingLockIsAUserErrorAndNoRefreshHappens() throws {
        let host = FakeHostLeases()
        host.failLock.withLock { $0 = -7 }
        let (_, handle, _) = newStore(host, lock: fakeLock, unlock: fakeUnlock)
        defer { mcpCredentialStoreFree(handle) }
        let store = try CredentialStoreBox.from(handle)
        let key = CredentialKey(user: "alice", server: "github", kind: .tokens)
        try store.putJSON(key, TokenSet(accessToken: "old", expiresAt: 1, refreshToken: "r", issuedAt: 0).json, ttlSeconds: nil)
        let exchanges = Locked(0)
        let outcome = TokenRefresher(store: store, coordinator: RefreshCoordinator()).freshTokens(for: key) { _, _ in
            exchanges.withLock { $0 += 1 }
            return .success(TokenSet(accessToken: "new", expiresAt: 4_000_000_000, issuedAt: 0))
        }
        guard case .failure(let error) = outcome else {
            Issue.record("a refresh went ahead without the lease")
            return
        }
        #expect(error.code == .user)
        #expect(error.details["operation"] == "lock" && error.details["status"] == .int(-7))
        #expect(exchanges.withLock { $0 } == 0)
    }

    @Test func lockFunctionsComeInPairsAndNullMeansProcessLocal() throws {
        for (lock, unlock, argument) in [(fakeLock, nil, "unlock_fn"), (nil, fakeUnlock, "lock_fn")] as [(StoreLockFunction?, StoreUnlockFunction?, String)] {
            let (status, handle, error) = newStore(FakeHostLeases(), lock: lock, unlock: unlock)
            #expect(status == INVALID && handle == nil)
            #expect(error?["details"]?["argument"]?.stringValue == argument)
        }
        let host = FakeHostLeases()
        let (status, handle, _) = newStore(host, lock: nil, unlock: nil)
        #expect(status == OK)
        defer { mcpCredentialStoreFree(handle) }
        let store = try CredentialStoreBox.from(handle)
        let lease = try CredentialLocks.acquire("process-local", on: store, ttlMilliseconds: 1_000, timeoutMilliseconds: 0)
        #expect(throws: MCPError.self) { try CredentialLocks.acquire("process-local", on: store, ttlMilliseconds: 1_000, timeoutMilliseconds: 0) }
        lease.release()
        #expect(host.calls.withLock { $0.isEmpty })
    }
}
