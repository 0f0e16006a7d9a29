import Glibc
import MCPClientCore
import MCPClientOAuth
import MCPClientTesting
import Testing

/// Starts `count` real threads that wait at a gate, releases them together and joins them all.
func runOnThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let gate = Waiter<Bool>()
    let threads = (0..<count).compactMap { index in
        TestThread.start {
            _ = gate.wait(timeoutNanoseconds: nil)
            body(index)
        }
    }
    gate.resolve(true)
    for thread in threads { pthread_join(thread, nil) }
}

@Suite struct RefreshCoordinatorTests {
    @Test func thirtyTwoCallersShareOneRefresh() {
        let coordinator = RefreshCoordinator()
        let calls = Locked(0)
        let results = Locked<[String]>([])
        runOnThreads(32) { _ in
            let outcome = coordinator.run(key: "alice/github") {
                calls.withLock { $0 += 1 }
                usleep(100_000)  // long enough for every thread to arrive while the flight is open
                return .success(TokenSet(accessToken: "new", expiresAt: 2_000_000_000, issuedAt: 0))
            }
            results.withLock { $0.append((try? outcome.get())?.accessToken ?? "error") }
        }
        #expect(calls.withLock { $0 } == 1)
        #expect(results.withLock { $0 } == Array(repeating: "new", count: 32))
        #expect(!coordinator.isInFlight("alice/github"))
    }

    @Test func differentKeysDoNotShareAndFailuresFanOut() {
        let coordinator = RefreshCoordinator()
        let calls = Locked<[String: Int]>([:])
        let failures = Locked(0)
        runOnThreads(16) { index in
            let key = index % 2 == 0 ? "u/a" : "u/b"
            let outcome = coordinator.run(key: key) {
                calls.withLock { $0[key, default: 0] += 1 }
                usleep(100_000)
                return key == "u/a" ? .failure(MCPError(.auth, "no", details: ["reason": "invalid_grant"])) : .success(TokenSet(accessToken: "b", expiresAt: 1, issuedAt: 0))
            }
            if case .failure(let error) = outcome, error.details["reason"] == "invalid_grant" { failures.withLock { $0 += 1 } }
        }
        #expect(calls.withLock { $0 } == ["u/a": 1, "u/b": 1])
        #expect(failures.withLock { $0 } == 8)
    }

    @Test func joinersTimeOutWithoutStartingASecondFlight() {
        let coordinator = RefreshCoordinator(joinTimeoutNanoseconds: 20_000_000)
        let calls = Locked(0)
        let timeouts = Locked(0)
        runOnThreads(4) { _ in
            let outcome = coordinator.run(key: "k") {
                calls.withLock { $0 += 1 }
                usleep(300_000)
                return .success(TokenSet(accessToken: "x", expiresAt: 1, issuedAt: 0))
            }
            if case .failure(let error) = outcome, error.code == .timeout { timeouts.withLock { $0 += 1 } }
        }
        #expect(calls.withLock { $0 } == 1)
        #expect(timeouts.withLock { $0 } == 3)
    }
}

@Suite struct TokenRefresherTests {
    let key = CredentialKey(user: "alice", server: "github", kind: .tokens)

    /// A fake AS that rotates refresh tokens and records every refresh token it receives.
    final class FakeAuthorizationServer: @unchecked Sendable {
        let generation = Locked(0)
        let received = Locked<[String]>([])
        let clock: ManualWallClock
        init(clock: ManualWallClock) { self.clock = clock }

        func exchange(_ tokens: TokenSet) -> RefreshCoordinator.Outcome {
            received.withLock { $0.append(tokens.refreshToken ?? "") }
            usleep(50_000)
            let next = generation.withLock { value -> Int in
                value += 1
                return value
            }
            let body = #"{"access_token":"at-\#(next)","expires_in":3600,"refresh_token":"rt-\#(next)"}"#
            return Result { () throws(MCPError) in
                try TokenResponse.parse(status: 200, body: Array(body.utf8), now: clock.nowSeconds(), previousRefreshToken: tokens.refreshToken)
            }
        }
    }

    @Test func rotatedRefreshTokensAreNeverSentTwice() throws {
        let clock = ManualWallClock(1_700_000_000)
        let store = MemoryCredentialStore(clock: clock)
        try store.putJSON(key, TokenSet(accessToken: "at-0", expiresAt: clock.nowSeconds() + 30, refreshToken: "rt-0", issuedAt: 0).json, ttlSeconds: nil)
        let refresher = TokenRefresher(store: store, coordinator: RefreshCoordinator(), clock: clock)
        let server = FakeAuthorizationServer(clock: clock)
        let key = self.key

        // Wave 1: 32 callers see "at-0" about to expire.
        let seen = Locked<Set<String>>([])
        runOnThreads(32) { _ in
            let outcome = refresher.freshTokens(for: key) { tokens, _ in server.exchange(tokens) }
            seen.withLock { _ = $0.insert((try? outcome.get())?.accessToken ?? "error") }
        }
        #expect(server.received.withLock { $0 } == ["rt-0"])
        #expect(seen.withLock { $0 } == ["at-1"])

        // Wave 2: late callers whose request was refused with the old token find the new one in the store.
        runOnThreads(32) { _ in _ = refresher.freshTokens(for: key, rejectedAccessToken: "at-0") { tokens, _ in server.exchange(tokens) } }
        #expect(server.received.withLock { $0 } == ["rt-0"])

        // Wave 3: the new token is refused: one more refresh, with the rotated token.
        runOnThreads(32) { _ in _ = refresher.freshTokens(for: key, rejectedAccessToken: "at-1") { tokens, _ in server.exchange(tokens) } }
        let received = server.received.withLock { $0 }
        #expect(received == ["rt-0", "rt-1"])
        #expect(Set(received).count == received.count)
        #expect(try TokenSet(json: try #require(try store.getJSON(key))).refreshToken == "rt-2")
    }

    @Test func aShortLivedTokenIsRenewedAtHalfItsLifetimeNotAtOnce() throws {
        let clock = ManualWallClock(1_700_000_000)
        let store = MemoryCredentialStore(clock: clock)
        let now = clock.nowSeconds()
        // 60 s of life against a 90 s lead: renewing whenever "within the lead" would renew it on every call.
        try store.putJSON(key, TokenSet(accessToken: "short", expiresAt: now + 60, refreshToken: "r", issuedAt: now).json, ttlSeconds: nil)
        let refresher = TokenRefresher(store: store, coordinator: RefreshCoordinator(), clock: clock, leewaySeconds: 90)
        let renewed: (TokenSet, JSONValue) -> RefreshCoordinator.Outcome = { _, _ in
            .success(TokenSet(accessToken: "next", expiresAt: clock.nowSeconds() + 60, refreshToken: "r2", issuedAt: clock.nowSeconds()))
        }
        #expect((try? refresher.freshTokens(for: key, exchange: renewed).get())?.accessToken == "short")
        clock.advance(by: 31)
        #expect((try? refresher.freshTokens(for: key, exchange: renewed).get())?.accessToken == "next")
    }

    @Test func invalidGrantClearsTheTokensAndMissingRefreshTokenNeedsInteraction() throws {
        let clock = ManualWallClock(1_700_000_000)
        let store = MemoryCredentialStore(clock: clock)
        let refresher = TokenRefresher(store: store, coordinator: RefreshCoordinator(), clock: clock)
        let never: (TokenSet, JSONValue) -> RefreshCoordinator.Outcome = { _, _ in .failure(MCPError(.generic, "must not be called")) }
        #expect(refresher.freshTokens(for: key, exchange: never).failureReason == "no_tokens")

        try store.putJSON(key, TokenSet(accessToken: "a", expiresAt: clock.nowSeconds() - 1, issuedAt: 0).json, ttlSeconds: nil)
        #expect(refresher.freshTokens(for: key, exchange: never).failureReason == "refresh_unavailable")

        try store.putJSON(key, TokenSet(accessToken: "a", expiresAt: clock.nowSeconds() + 3600, refreshToken: "r", issuedAt: 0).json, ttlSeconds: nil)
        #expect((try? refresher.freshTokens(for: key, exchange: never).get())?.accessToken == "a")

        let rejected = refresher.freshTokens(for: key, rejectedAccessToken: "a") { _, _ in
            .failure(MCPError(.auth, "refused", details: ["reason": "invalid_grant"]))
        }
        #expect(rejected.failureReason == "invalid_grant")
        #expect(try store.get(key) == nil)
    }
}

extension Result where Failure == MCPError {
    var failureReason: String? {
        if case .failure(let error) = self { return error.details["reason"]?.stringValue }
        return nil
    }
}
