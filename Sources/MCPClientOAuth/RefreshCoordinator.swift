public import MCPClientCore

/// Single-flight token refresh per key (user + server; oauth.md §6.1, LibreChat #14583): concurrent callers share
/// one in-flight refresh and all get its result. Process-local; `TokenRefresher` adds the store's cross-process
/// lease (`CredentialStoreLocking`) around the flight's leader.
///
/// Callers block their own thread (never a Swift concurrency pool thread): the engine's HTTP calls are blocking.
public final class RefreshCoordinator: @unchecked Sendable {
    public typealias Outcome = Result<TokenSet, MCPError>

    /// Joiners stop waiting after this long (LibreChat's 60 s). The flight itself is not cancelled or replaced,
    /// so its refresh token is never sent a second time while the first request may still be using it.
    public let joinTimeoutNanoseconds: UInt64
    private let flights = Locked<[String: Waiter<Outcome>]>([:])

    public init(joinTimeoutNanoseconds: UInt64 = 60_000_000_000) {
        self.joinTimeoutNanoseconds = joinTimeoutNanoseconds
    }

    /// Runs `operation` for `key` unless a run is already in flight, in which case this waits for that run's result.
    public func run(key: String, _ operation: () -> Outcome) -> Outcome {
        let (waiter, isLeader) = flights.withLock { flights -> (Waiter<Outcome>, Bool) in
            if let existing = flights[key] { return (existing, false) }
            let created = Waiter<Outcome>()
            flights[key] = created
            return (created, true)
        }
        guard isLeader else {
            return waiter.wait(timeoutNanoseconds: joinTimeoutNanoseconds)
                ?? .failure(MCPError(.timeout, "a token refresh for this server is taking too long", source: .auth, details: ["reason": "refresh_timeout"]))
        }
        let outcome = operation()
        waiter.resolve(outcome)
        flights.withLock { flights in
            if flights[key] === waiter { flights[key] = nil }
        }
        return outcome
    }

    /// Whether a refresh for `key` is running now (for tests and diagnostics).
    public func isInFlight(_ key: String) -> Bool { flights.withLock { $0[key] != nil } }
}

/// The refresh step of the engine on top of the store and the coordinator. The flight's leader takes the store's
/// lease for the user and server (other processes sharing the store wait for it) and then re-reads the tokens, so
/// a caller that arrives after another refresh finished, here or in another process, finds the new tokens instead
/// of sending the consumed (rotated) refresh token again.
public struct TokenRefresher: Sendable {
    public var store: any CredentialStore
    public var coordinator: RefreshCoordinator
    public var clock: any WallClock
    /// Refresh this long before expiry (the swift-sdk's 60 s window).
    public var leewaySeconds: Int64
    /// The lease lapses after this long if its holder never releases it (a crashed process).
    public var lockTTLMilliseconds: Int64 = 30_000
    /// How long to wait for another process's refresh before failing with `store_lock_timeout`.
    public var lockWaitMilliseconds: Int64 = 30_000

    public init(store: any CredentialStore, coordinator: RefreshCoordinator, clock: any WallClock = SystemWallClock(), leewaySeconds: Int64 = 60) {
        self.store = store
        self.coordinator = coordinator
        self.clock = clock
        self.leewaySeconds = leewaySeconds
    }

    /// Fresh tokens for `key`. `rejectedAccessToken` is the token a server just refused with 401: it is replaced
    /// even if not yet expired, unless the store already holds a different one. `exchange` gets the stored tokens and
    /// the whole stored record (which may carry more than the token set, e.g. what the tokens are bound to) and
    /// renews them: the `refresh_token` grant (its result should keep the old refresh token when the AS does not
    /// rotate: `TokenResponse.parse(previousRefreshToken:)`), or a grant that needs no refresh token when
    /// `requiresRefreshToken` is false. The new tokens are stored, with the record's other members, before anyone
    /// sees them. `invalid_grant` and `invalid_client` delete the stored tokens: the next attempt must be interactive.
    public func freshTokens(
        for key: CredentialKey, rejectedAccessToken: String? = nil, requiresRefreshToken: Bool = true,
        exchange: (_ tokens: TokenSet, _ record: JSONValue) -> RefreshCoordinator.Outcome
    ) -> RefreshCoordinator.Outcome {
        coordinator.run(key: key.canonical) { () -> RefreshCoordinator.Outcome in
            do throws(MCPError) {
                // Nothing to renew needs no lease; whatever does is decided again under it.
                if let json = try store.getJSON(key), let stored = try? TokenSet(json: json),
                   !needsRenewal(stored, rejectedAccessToken: rejectedAccessToken) {
                    return .success(stored)
                }
                let lease = try CredentialLocks.acquire(CredentialLocks.refreshLockName(key), on: store,
                    ttlMilliseconds: lockTTLMilliseconds, timeoutMilliseconds: lockWaitMilliseconds)
                defer { lease.release() }
                guard let json = try store.getJSON(key) else {
                    throw MCPError(.auth, "no stored tokens; authorization is required", source: .auth, details: ["reason": "no_tokens"])
                }
                let stored = try TokenSet(json: json)
                let now = clock.nowSeconds()
                if !needsRenewal(stored, rejectedAccessToken: rejectedAccessToken) { return .success(stored) }
                if requiresRefreshToken {
                    guard let refreshToken = stored.refreshToken, !refreshToken.isEmpty, (stored.refreshTokenExpiresAt ?? Int64.max) > now else {
                        throw MCPError(.auth, "the access token expired and there is no usable refresh token; authorization is required",
                            source: .auth, details: ["reason": "refresh_unavailable"])
                    }
                }
                switch exchange(stored, json) {
                case .success(let refreshed):
                    var record = refreshed.json
                    if case .object(var members) = record, case .object(let previous) = json {
                        for (name, value) in previous where members[name] == nil && !TokenSet.recordMembers.contains(name) { members[name] = value }
                        record = .object(members)
                    }
                    try store.putJSON(key, record, ttlSeconds: refreshed.recordTTL(now: now))
                    return .success(refreshed)
                case .failure(let error):
                    let reason = error.details["reason"]?.stringValue
                    if reason == "invalid_grant" || reason == "invalid_client" { try? store.delete(key) }
                    return .failure(error)
                }
            } catch {
                return .failure(error)
            }
        }
    }

    /// Expiring within the leeway, or the very token a server just refused.
    private func needsRenewal(_ stored: TokenSet, rejectedAccessToken: String?) -> Bool {
        rejectedAccessToken == stored.accessToken || stored.accessTokenExpires(within: stored.renewalLeeway(leewaySeconds), now: clock.nowSeconds())
    }
}
