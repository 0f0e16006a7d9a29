public import MCPClientCore

/// The engine in front of one connection (a user and a server): the bearer on every request, a refresh ahead of
/// expiry on a timer, a refresh on 401 (then a new browser flow if that fails), and step-up on 403
/// `insufficient_scope` with a bounded number of upgrades. The transport never waits on the network inside
/// `currentAuthorization`; challenges and renewals are worked out on threads the engine tracks.
public final class ServerAuthorizer: RequestAuthorizer, @unchecked Sendable {
    public let user: String
    public let settings: OAuthServerSettings
    private let engine: OAuthEngine
    private let scheduler: (any Scheduler)?
    private let state = Locked<State>(State())

    private struct State {
        var header: String?
        /// The token the last renewal produced and when (engine seconds): a 401 for it soon after means renewing does
        /// not help (oauth.md §6.4). Later, it is an ordinary expiry or revocation, and the (rotated) refresh token
        /// stored with it is tried before any sign-in.
        var lastRenewed: String?
        var lastRenewedAt: Int64 = 0
        var timer: UInt64?
        /// Bumped by every adoption: a timer or a renewal from an older generation changes nothing.
        var generation = 0
        var closed = false
    }

    /// Makes no store access: call `reload()` (or `prepare()`) off the caller's locks before the first request.
    public init(user: String, settings: OAuthServerSettings, engine: OAuthEngine, scheduler: (any Scheduler)? = nil) {
        self.user = user
        self.settings = settings
        self.engine = engine
        self.scheduler = scheduler
    }

    /// Stops the refresh timer and every later renewal, challenge and adoption. The current bearer stays: an owner
    /// closes the authorizer before the transport, and the transport's last request (the DELETE that ends a
    /// handshake-era session) must still carry it, or a server that binds sessions to their principal refuses it and
    /// the session lingers.
    public func close() {
        let timer = state.withLock { state -> UInt64? in
            state.closed = true
            defer { state.timer = nil }
            return state.timer
        }
        if let timer { scheduler?.cancelTimer(timer) }
    }

    public func currentAuthorization() -> String? { state.withLock { $0.header } }

    /// Takes the stored tokens (still bound to this server's configuration) as current: after a flow completed,
    /// possibly in another process. Reads the store.
    public func reload() {
        let stored = (try? engine.storedTokens(user: user, settings: settings)) ?? nil
        adopt(stored?.tokens, renewed: false)
    }

    private func adopt(_ tokens: TokenSet?, renewed: Bool) {
        let (previousTimer, generation) = state.withLock { state -> (UInt64?, Int?) in
            guard !state.closed else { return (nil, nil) }
            state.header = tokens.map { "Bearer " + $0.accessToken }
            if renewed {
                state.lastRenewed = tokens?.accessToken
                state.lastRenewedAt = engine.now
            }
            state.generation += 1
            defer { state.timer = nil }
            return (state.timer, state.generation)
        }
        if let previousTimer { scheduler?.cancelTimer(previousTimer) }
        if let tokens, let generation { scheduleRefresh(tokens, generation: generation) }
    }

    /// Proactive renewal (LibreChat #12802): ahead of expiry by the leeway plus this user's jitter (at most half the
    /// token's lifetime), only when a refresh token or the client-credentials grant can renew it.
    private func scheduleRefresh(_ tokens: TokenSet, generation: Int) {
        guard let scheduler, tokens.hasUsableRefreshToken || settings.grant == .clientCredentials else { return }
        let ahead = tokens.renewalLeeway(engine.refreshAhead(user: user, server: settings.server))
        let delaySeconds = max(min(tokens.expiresAt &- ahead &- engine.now, 30 * 24 * 3600), 1)
        let timer = scheduler.schedule(afterNanoseconds: UInt64(delaySeconds) &* 1_000_000_000) { [weak self] in
            guard let self else { return }
            _ = self.engine.runDetached { self.renewNow(generation: generation) }
        }
        let stale = state.withLock { state -> Bool in
            guard !state.closed, state.generation == generation, state.timer == nil else { return true }
            state.timer = timer
            return false
        }
        if stale { scheduler.cancelTimer(timer) }
    }

    /// A failure is left to the next request: its 401 goes the interactive way. (A lost answer was already asked
    /// again by `freshTokens`.)
    private func renewNow(generation: Int) {
        guard state.withLock({ !$0.closed && $0.generation == generation }) else { return }
        if let stored = try? engine.freshTokens(user: user, settings: settings) { adopt(stored.tokens, renewed: true) }
    }

    /// Whether `prepare()` must run before connecting: no tokens yet, and either the config declares OAuth or the
    /// grant needs no browser. Call after `reload()`.
    public func needsTokensFirst(declared: Bool) -> Bool {
        (declared || settings.grant == .clientCredentials) && currentAuthorization() == nil
    }

    /// Before connecting to a server whose config says OAuth: with no tokens at all, start the flow now instead of
    /// sending requests that some servers accept unauthenticated (oauth.md §6.11); client-credentials tokens are
    /// fetched. Blocks on the network.
    public func prepare() throws(MCPError) {
        guard currentAuthorization() == nil else { return }
        if settings.grant == .clientCredentials {
            adopt(try engine.requestClientCredentials(user: user, settings: settings).tokens, renewed: false)
            return
        }
        throw Self.required(try engine.begin(user: user, settings: settings))
    }

    public func challenged(_ challenge: AuthorizationChallenge, completion: @escaping @Sendable (AuthorizationDecision) -> Void) {
        // Closed: no renewal or sign-in for a connection that is going away.
        guard !state.withLock({ $0.closed }) else {
            completion(.fail(MCPError.authorizationRequired(status: challenge.status, wwwAuthenticate: challenge.wwwAuthenticate)))
            return
        }
        let started = engine.runDetached { [self] in completion(decide(challenge)) }
        if !started { completion(.fail(MCPError(.closed, "the OAuth engine is shut down or out of threads", source: .auth))) }
    }

    /// What a refused request should lead to. Blocking (renewal, discovery); runs on a detached thread.
    func decide(_ challenge: AuthorizationChallenge) -> AuthorizationDecision {
        let bearer = WWWAuthenticate.bearer(challenge.wwwAuthenticate)
        let sentToken = challenge.sentAuthorization.flatMap(Self.bearerToken)
        do throws(MCPError) {
            if challenge.status == 403 {
                guard bearer?.error == "insufficient_scope" else {
                    return .fail(MCPError.authorizationRequired(status: 403, wwwAuthenticate: challenge.wwwAuthenticate))
                }
                return .fail(Self.required(try engine.begin(user: user, settings: settings, challenge: bearer, stepUp: true), reason: "insufficient_scope"))
            }
            // 401. Another request may have renewed meanwhile: just retry with the current token.
            let (current, lastRenewed, renewedAt) = state.withLock { ($0.header, $0.lastRenewed, $0.lastRenewedAt) }
            if let current, current != challenge.sentAuthorization { return .retry }
            // A token that was just renewed and is refused again will not be saved by another renewal. One that
            // served for a while and then was refused (expired early, revoked) is renewed like any other: a sign-in
            // here would throw away a good rotated refresh token. The window bounds refreshes for a server that
            // refuses every token to one per window.
            let justRenewed = sentToken != nil && sentToken == lastRenewed && engine.now &- renewedAt < Self.renewalRefusalWindowSeconds
            if !justRenewed {
                do {
                    let renewed = try engine.freshTokens(user: user, settings: settings, rejectedAccessToken: sentToken)
                    if "Bearer " + renewed.tokens.accessToken != challenge.sentAuthorization {
                        adopt(renewed.tokens, renewed: true)
                        return .retry
                    }
                } catch where Self.isTransient(error) {
                    // The AS or the store is down or slow: the user's sign-in is not the problem, so none is started.
                    return .fail(error)
                } catch {}  // no usable grant: a new sign-in below
                if settings.grant == .clientCredentials, current == nil {
                    adopt(try engine.requestClientCredentials(user: user, settings: settings).tokens, renewed: true)
                    return .retry
                }
            }
            guard settings.grant == .authorizationCode else {
                return .fail(MCPError.authorizationRequired(status: 401, wwwAuthenticate: challenge.wwwAuthenticate))
            }
            return .fail(Self.required(try engine.begin(user: user, settings: settings, challenge: bearer)))
        } catch where error.details["reason"] == "redirect_uri_missing" {
            // Nowhere to send a browser back to: the host sees the server's refusal, as without OAuth.
            return .fail(MCPError.authorizationRequired(status: challenge.status, wwwAuthenticate: challenge.wwwAuthenticate))
        } catch {
            return .fail(error)
        }
    }

    static let renewalRefusalWindowSeconds: Int64 = 10

    /// A renewal that failed for a reason a new sign-in would not fix: the network, a timeout, a busy store lock, or the
    /// AS saying it is temporarily unable.
    static func isTransient(_ error: MCPError) -> Bool {
        if error.code == .transport || error.code == .timeout || error.code == .unavailable { return true }
        let reason = error.details["reason"]?.stringValue
        return error.code == .auth && (reason == "temporarily_unavailable" || reason == "server_error")
    }

    /// The error a call fails with while a login is pending: code `.auth`, with the flow for the host to show.
    static func required(_ flow: FlowInfo, reason: String = "oauth_required") -> MCPError {
        var details: JSONObject = ["reason": .string(reason), "server": .string(flow.server), "flowId": .string(flow.flowID),
            "authUrl": .string(flow.authURL), "expiresAt": .int(flow.expiresAt)]
        if let scopes = flow.scopes { details["scopes"] = .array(scopes.map { .string($0) }) }
        return MCPError(.auth, "server '\(flow.server)' requires authorization: open authUrl to sign in", source: .auth, details: details)
    }

    static func bearerToken(_ authorization: String) -> String? {
        guard authorization.count > 7, ASCII.equalsIgnoringCase(String(authorization.prefix(7)), "bearer ") else { return nil }
        return String(authorization.dropFirst(7))
    }
}
