public import MCPClientCore

/// The engine in front of one connection (a user and a server): the bearer on every request, a refresh ahead of
/// expiry on a timer, a refresh on 401 (then a new browser flow if that fails), and step-up on 403
/// `insufficient_scope` with a bounded number of upgrades. The transport never waits on the network inside
/// `currentAuthorization`; challenges are worked out on a detached thread.
public final class ServerAuthorizer: RequestAuthorizer, @unchecked Sendable {
    public let user: String
    public let settings: OAuthServerSettings
    private let engine: OAuthEngine
    private let scheduler: (any Scheduler)?
    private let state = Locked<State>(State())

    private struct State {
        var header: String?
        var expiresAt: Int64 = 0
        /// The token the last refresh produced: a 401 for it means refreshing does not help (oauth.md §6.4).
        var lastRefreshed: String?
        var timer: UInt64?
        var closed = false
    }

    public init(user: String, settings: OAuthServerSettings, engine: OAuthEngine, scheduler: (any Scheduler)? = nil) {
        self.user = user
        self.settings = settings
        self.engine = engine
        self.scheduler = scheduler
        reload()
    }

    /// Stops the refresh timer; the authorizer answers nil from now on.
    public func close() {
        let timer = state.withLock { state -> UInt64? in
            state.closed = true
            state.header = nil
            defer { state.timer = nil }
            return state.timer
        }
        if let timer { scheduler?.cancelTimer(timer) }
    }

    public func currentAuthorization() -> String? { state.withLock { $0.header } }

    /// Whether tokens are stored for this user and server (they may still need a refresh).
    public var hasTokens: Bool { ((try? engine.storedTokens(user: user, server: settings.server)) ?? nil) != nil }

    /// Takes the stored tokens as current (after a flow completed, possibly in another process).
    public func reload() {
        let stored = (try? engine.storedTokens(user: user, server: settings.server)) ?? nil
        adopt(stored?.tokens, refreshed: false)
    }

    private func adopt(_ tokens: TokenSet?, refreshed: Bool) {
        let previousTimer = state.withLock { state -> UInt64? in
            guard !state.closed else { return nil }
            state.header = tokens.map { "Bearer " + $0.accessToken }
            state.expiresAt = tokens?.expiresAt ?? 0
            if refreshed { state.lastRefreshed = tokens?.accessToken }
            defer { state.timer = nil }
            return state.timer
        }
        if let previousTimer { scheduler?.cancelTimer(previousTimer) }
        if let tokens { scheduleRefresh(tokens) }
    }

    /// Proactive refresh (LibreChat #12802): ahead of expiry by the leeway plus this user's jitter, only when a
    /// refresh token (or the client-credentials grant) can renew the access token.
    private func scheduleRefresh(_ tokens: TokenSet) {
        guard let scheduler, tokens.hasUsableRefreshToken || settings.grant == .clientCredentials else { return }
        let now = engine.now
        let due = tokens.expiresAt &- engine.refreshAhead(user: user, server: settings.server)
        let delaySeconds = max(min(due &- now, 30 * 24 * 3600), 1)
        let timer = scheduler.schedule(afterNanoseconds: UInt64(delaySeconds) &* 1_000_000_000) { [weak self] in
            guard let self else { return }
            DetachedThread.run { self.refreshNow() }
        }
        let stale = state.withLock { state -> Bool in
            guard !state.closed, state.timer == nil else { return true }
            state.timer = timer
            return false
        }
        if stale { scheduler.cancelTimer(timer) }
    }

    private func refreshNow() {
        guard !state.withLock({ $0.closed }) else { return }
        do {
            let stored = try engine.freshTokens(user: user, settings: settings)
            adopt(stored.tokens, refreshed: true)
        } catch {
            // The next request will meet a 401 and go the interactive way; nothing to do here.
            state.withLock { $0.timer = nil }
        }
    }

    /// Whether `prepare()` must run before connecting: no tokens yet, and either the config declares OAuth or the
    /// grant needs no browser.
    public func needsTokensFirst(declared: Bool) -> Bool { (declared || settings.grant == .clientCredentials) && !hasTokens }

    /// Before connecting to a server whose config says OAuth: with no tokens at all, start the flow now instead of
    /// sending requests that some servers accept unauthenticated (oauth.md §6.11). Blocks on the network.
    public func prepare() throws(MCPError) {
        if settings.grant == .clientCredentials, !hasTokens {
            adopt(try engine.requestClientCredentials(user: user, settings: settings).tokens, refreshed: false)
            return
        }
        guard !hasTokens else { return }
        throw Self.required(try engine.begin(user: user, settings: settings))
    }

    public func challenged(_ challenge: AuthorizationChallenge, completion: @escaping @Sendable (AuthorizationDecision) -> Void) {
        DetachedThread.run { [self] in completion(decide(challenge)) }
    }

    /// What a refused request should lead to. Blocking (refresh, discovery); runs on a detached thread.
    func decide(_ challenge: AuthorizationChallenge) -> AuthorizationDecision {
        let bearer = WWWAuthenticate.bearer(challenge.wwwAuthenticate)
        let sentToken = challenge.sentAuthorization.flatMap(Self.bearerToken)
        do throws(MCPError) {
            if challenge.status == 403 {
                guard bearer?.error == "insufficient_scope" else {
                    return .fail(MCPError.authorizationRequired(status: 403, wwwAuthenticate: challenge.wwwAuthenticate, url: challenge.url))
                }
                guard engine.allowScopeUpgrade(user: user, server: settings.server) else {
                    return .fail(MCPError(.auth, "the server keeps asking for more scope; giving up after \(engine.options.maxScopeUpgrades) upgrades",
                        source: .auth, details: ["reason": "scope_upgrade_limit", "server": .string(settings.server)]))
                }
                return .fail(Self.required(try engine.begin(user: user, settings: settings, challenge: bearer, stepUp: true), reason: "insufficient_scope"))
            }
            // 401. Another request may have refreshed meanwhile: just retry with the current token.
            let (current, lastRefreshed) = state.withLock { ($0.header, $0.lastRefreshed) }
            if let current, current != challenge.sentAuthorization { return .retry }
            // A token that was just refreshed and is refused again will not be saved by another refresh.
            if sentToken == nil || sentToken != lastRefreshed {
                if settings.grant == .clientCredentials {
                    adopt(try engine.requestClientCredentials(user: user, settings: settings).tokens, refreshed: true)
                    return .retry
                }
                if let refreshed = try? engine.freshTokens(user: user, settings: settings, rejectedAccessToken: sentToken),
                   "Bearer " + refreshed.tokens.accessToken != challenge.sentAuthorization {
                    adopt(refreshed.tokens, refreshed: true)
                    return .retry
                }
            }
            guard settings.grant == .authorizationCode else {
                return .fail(MCPError.authorizationRequired(status: 401, wwwAuthenticate: challenge.wwwAuthenticate, url: challenge.url))
            }
            return .fail(Self.required(try engine.begin(user: user, settings: settings, challenge: bearer)))
        } catch {
            return .fail(error)
        }
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
