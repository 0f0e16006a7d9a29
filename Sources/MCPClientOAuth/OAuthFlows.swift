public import MCPClientCore

/// The interactive flow (oauth.md §2 steps 1–12, §6.5–6.7): begin → the host opens `authURL` → complete with the
/// callback → tokens stored. Flow records live in the store, so any process sharing it can complete a flow.
extension OAuthEngine {
    /// Begins a flow for `user` on a server, or joins the pending one (younger than the handling timeout). A step-up
    /// (403 `insufficient_scope`) asks for the union of the previous and challenged scopes: it joins a pending flow
    /// that already asks for all of them (parallel refusals share one sign-in), else it starts a new one, at most
    /// `maxScopeUpgrades` times within the flow timeout (then `scope_upgrade_limit`). Emits `oauth_required` (or
    /// `oauth_failed`) after the flow is recorded.
    public func begin(user: String, settings: OAuthServerSettings, challenge: Challenge? = nil, stepUp: Bool = false) throws(MCPError) -> FlowInfo {
        guard settings.grant == .authorizationCode else {
            throw MCPError(.unsupported, "server '\(settings.server)' uses the client_credentials grant; there is no browser flow",
                source: .auth, details: ["reason": "no_interactive_flow", "server": .string(settings.server)])
        }
        let flowKey = Self.flowKey(user, settings.server)
        let outcome = try flowLock(flowKey) { () -> (result: Result<FlowInfo, MCPError>, started: Bool) in
            let now = self.now
            let existing = ((try? store.getJSON(flowKey)) ?? nil).flatMap { try? FlowState(json: $0) }
            let pending = existing.flatMap { $0.isJoinable(now: now, timeoutSeconds: options.handlingTimeoutSeconds) ? $0 : nil }
            var wanted: [String]?
            if stepUp {
                let union = ScopeSelection.stepUp(previous: pending?.scopes ?? storedScopes(user: user, settings: settings),
                    challengeScope: challenge?.scope)
                if let pending, Set(pending.scopes ?? []).isSuperset(of: union) { return (.success(info(pending, joined: true)), false) }
                guard allowScopeUpgrade(user: user, server: settings.server) else {
                    return (.failure(MCPError(.auth, "the server keeps asking for more scope; giving up after \(options.maxScopeUpgrades) upgrades",
                        source: .auth, details: ["reason": "scope_upgrade_limit", "server": .string(settings.server)])), false)
                }
                wanted = union
            } else if let pending {
                return (.success(info(pending, joined: true)), false)
            }
            do throws(MCPError) {
                let flow = try startFlow(user: user, settings: settings, challenge: challenge, stepUpScopes: wanted, now: now)
                return (.success(info(flow, joined: false)), true)
            } catch {
                return (.failure(error), true)
            }
        }
        switch outcome.result {
        case .success(let flow):
            if outcome.started { emit(.required(flow)) }
            return flow
        case .failure(let error):
            if outcome.started { emit(.failed(user: user, server: settings.server, flowID: nil, error: error)) }
            throw error
        }
    }

    /// One flow at a time per user and server, across every process sharing the store: a callback that reaches two
    /// replicas redeems its code once, and two begins cannot replace each other's flow.
    func flowLock<T>(_ flowKey: CredentialKey, _ body: () throws(MCPError) -> T) throws(MCPError) -> T {
        try StoreNamedLock(store: store).withLock(flowKey.canonical + "#lock", body)
    }

    private func storedScopes(user: String, settings: OAuthServerSettings) -> [String] {
        ((try? storedTokens(user: user, settings: settings)) ?? nil).flatMap { $0.tokens.scopes ?? $0.binding.scopes } ?? []
    }

    func info(_ flow: FlowState, joined: Bool) -> FlowInfo {
        FlowInfo(user: flow.user, server: flow.server, flowID: flow.flowID, authURL: flow.authorizationURL,
            expiresAt: flow.createdAt &+ options.handlingTimeoutSeconds, scopes: flow.scopes, joined: joined)
    }

    private func startFlow(user: String, settings: OAuthServerSettings, challenge: Challenge?, stepUpScopes: [String]?, now: Int64) throws(MCPError) -> FlowState {
        guard let redirectURI = settings.redirectURI ?? options.redirectURI else {
            throw MCPError(.config, "no redirect URI: set the server's oauth.redirect_uri or the manager's oauth.redirectUri", source: .config,
                details: ["reason": "redirect_uri_missing", "server": .string(settings.server)])
        }
        let (metadata, resource, resourceScopes) = try discover(settings, challenge: challenge)
        try metadata.requirePKCES256(override: settings.skipCodeChallengeCheck)
        let scopes: [String]? = if let stepUpScopes {
            stepUpScopes
        } else {
            ScopeSelection.select(challengeScope: challenge?.scope, configuredScope: settings.scope, resourceScopesSupported: resourceScopes,
                authorizationServerScopesSupported: metadata.scopesSupported)
        }
        let credentials = try registration(settings, metadata: metadata, resource: resource, redirectURI: redirectURI, scopes: scopes,
            stepUp: stepUpScopes != nil)
        let request = try AuthorizationRequest.build(
            endpoint: try metadata.requireAuthorizationEndpoint(), clientID: credentials.clientID, redirectURI: redirectURI, scopes: scopes,
            resource: resource, audience: settings.audience, policy: settings.http.schemePolicy)
        var flow = FlowState(
            flowID: FlowState.flowID(user: user, server: settings.server), state: request.state, codeVerifier: request.pkce.verifier,
            issuer: metadata.issuer, issParameterSupported: metadata.authorizationResponseIssParameterSupported, authorizationURL: request.url,
            redirectURI: redirectURI, clientID: credentials.clientID, tokenEndpoint: metadata.tokenEndpoint.string, resource: resource,
            scopes: scopes, createdAt: now)
        flow.user = user
        flow.server = settings.server
        flow.clientAuthMethod = credentials.method
        // The previous flow's state must stop working with it (LibreChat #14534 kept stale mappings around).
        if let old = ((try? store.getJSON(Self.flowKey(user, settings.server))) ?? nil).flatMap({ try? FlowState(json: $0) }) {
            try? store.delete(Self.stateIndexKey(old.state))
        }
        try store.putJSON(Self.flowKey(user, settings.server), flow.json, ttlSeconds: options.flowTTLSeconds)
        try store.putJSON(Self.stateIndexKey(flow.state), ["user": .string(user), "server": .string(settings.server),
            "revocation_endpoint": metadata.revocationEndpoint.map { .string($0.string) } ?? .null,
            "revocation_auth_methods": metadata.revocationEndpointAuthMethodsSupported.map { .array($0.map { .string($0) }) } ?? .null],
            ttlSeconds: options.flowTTLSeconds)
        return flow
    }

    /// Completes a flow from the callback URL the browser was sent to. `settings` maps a server name to its current
    /// settings (the flow may have begun in another process). Idempotent for a flow already completed. Emits
    /// `oauth_completed` or `oauth_failed`.
    public func complete(callbackURL: String, settings: (String) -> OAuthServerSettings?) throws(MCPError) -> FlowInfo {
        try complete(AuthorizationCallback.parse(callbackURL: callbackURL), settings: settings)
    }

    public func complete(_ callback: AuthorizationCallback, settings lookup: (String) -> OAuthServerSettings?) throws(MCPError) -> FlowInfo {
        guard let state = callback.state, !state.isEmpty else {
            throw MCPError(.auth, "the callback has no state", source: .auth, details: ["reason": "missing_state"])
        }
        guard let index = try store.getJSON(Self.stateIndexKey(state)), let user = index["user"]?.stringValue,
              let server = index["server"]?.stringValue
        else {
            throw MCPError(.auth, "no pending authorization flow has this state (expired, cancelled or unknown)", source: .auth,
                details: ["reason": "invalid_state"])
        }
        let flowKey = Self.flowKey(user, server)
        var event: OAuthEvent?
        defer { if let event { emit(event) } }  // after the lock: a handler may act on it at once
        return try flowLock(flowKey) { () throws(MCPError) -> FlowInfo in
            guard let json = try store.getJSON(flowKey), var flow = try? FlowState(json: json), flow.state == state else {
                throw MCPError(.auth, "the authorization flow for this state is gone (expired or replaced)", source: .auth,
                    details: ["reason": "invalid_state", "server": .string(server)])
            }
            switch flow.status {
            case .completed: return info(flow, joined: true)
            case .failed:
                throw MCPError(.auth, "this authorization flow already failed; begin a new one", source: .auth,
                    details: ["reason": "invalid_state", "server": .string(server), "flowId": .string(flow.flowID)])
            case .pending: break
            }
            let now = self.now
            do throws(MCPError) {
                guard now &- flow.createdAt < options.handlingTimeoutSeconds else {
                    throw MCPError(.auth, "the authorization flow expired; begin a new one", source: .auth,
                        details: ["reason": "flow_expired", "server": .string(server)])
                }
                // An empty issuer: pinned endpoints without a configured issuer, nothing to compare `iss` with.
                let code = try callback.validatedCode(expectedState: flow.state, recordedIssuer: flow.issuer.isEmpty ? (callback.iss ?? "") : flow.issuer,
                    issParameterSupported: flow.issParameterSupported)
                guard let settings = lookup(server) else {
                    throw MCPError.notFound("server '\(server)' is not configured here", details: ["server": .string(server), "reason": "unknown_server"])
                }
                // The server may have been reconfigured since the flow began (oauth.md §6.7 step 7).
                guard ResourceIndicator.matches(resource: flow.resource, serverURL: try OAuthURL(settings.url)) else {
                    throw MCPError(.policy, "the server's URL no longer matches the resource this sign-in was for", source: .auth,
                        details: ["reason": "resource_mismatch", "server": .string(server)])
                }
                let method = flow.clientAuthMethod ?? .publicClient
                var binding = TokenBinding(issuer: flow.issuer, tokenEndpoint: flow.tokenEndpoint, clientID: flow.clientID, authMethod: method,
                    resource: flow.resource, scopes: flow.scopes, revocationEndpoint: index["revocation_endpoint"]?.stringValue,
                    revocationAuthMethods: index["revocation_auth_methods"]?.arrayValue?.compactMap(\.stringValue))
                let credentials = try clientCredentials(for: binding, settings: settings)
                binding.authMethod = credentials.method
                let request = try TokenRequest.authorizationCode(
                    tokenEndpoint: try settings.http.schemePolicy.check(flow.tokenEndpoint, role: "token_endpoint"), code: code,
                    redirectURI: flow.redirectURI, codeVerifier: flow.codeVerifier, resource: flow.resource, client: credentials, now: now,
                    policy: settings.http.schemePolicy)
                let tokens: TokenSet
                do throws(MCPError) {
                    tokens = try client(settings).requestTokens(request, now: now)
                } catch {
                    if TokenResponse.requiresReregistration(error) { forgetRegistration(server, issuer: flow.issuer, clientID: flow.clientID) }
                    throw error
                }
                // Tokens are stored before the flow is marked complete, so a waiter that sees "completed" finds them.
                try save(StoredTokens(tokens: tokens, binding: binding), key: Self.tokensKey(user, server), now: now)
                flow.status = .completed
                try? store.putJSON(flowKey, flow.json, ttlSeconds: max(options.flowTTLSeconds &- (now &- flow.createdAt), 1))
            } catch {
                // A forged or stale callback (a wrong state) must not fail the real flow.
                let reason = error.details["reason"]?.stringValue
                if reason != "invalid_state" {
                    flow.status = .failed
                    flow.failureReason = reason ?? "token_error"
                    try? store.putJSON(flowKey, flow.json, ttlSeconds: max(options.flowTTLSeconds &- (now &- flow.createdAt), 1))
                    event = .failed(user: user, server: server, flowID: flow.flowID, error: error)
                }
                throw error
            }
            event = .completed(user: user, server: server, flowID: flow.flowID)
            return info(flow, joined: false)
        }
    }

    /// Cancels the user's pending flow for a server; its state stops working. Returns whether there was one.
    @discardableResult
    public func cancel(user: String, server: String) throws(MCPError) -> Bool {
        let flowKey = Self.flowKey(user, server)
        var event: OAuthEvent?
        defer { if let event { emit(event) } }
        return try flowLock(flowKey) { () throws(MCPError) -> Bool in
            guard let json = try store.getJSON(flowKey), let flow = try? FlowState(json: json) else { return false }
            try store.delete(Self.stateIndexKey(flow.state))
            try store.delete(flowKey)
            guard flow.status == .pending else { return false }
            event = .failed(user: user, server: server, flowID: flow.flowID,
                error: MCPError(.cancelled, "the authorization flow was cancelled", source: .auth, details: ["reason": "flow_cancelled", "server": .string(server)]))
            return true
        }
    }

    /// The user's authorization state for a server: `authorized` (tokens usable or refreshable), `pending` (a flow
    /// waits for the browser), `failed`, or `unauthorized`. Never includes a token.
    public func status(user: String, server: String) -> JSONValue {
        let now = self.now
        var object: JSONObject = ["user": .string(user), "server": .string(server)]
        var state = "unauthorized"
        if let stored = (try? storedTokens(user: user, server: server)) ?? nil {
            let usable = !stored.tokens.accessTokenExpires(within: 0, now: now) || stored.tokens.hasUsableRefreshToken
            if usable { state = "authorized" }
            object["expiresAt"] = .int(stored.tokens.expiresAt)
            object["hasRefreshToken"] = .bool(stored.tokens.hasUsableRefreshToken)
            if let scopes = stored.tokens.scopes ?? stored.binding.scopes { object["scopes"] = .array(scopes.map { .string($0) }) }
            object["issuer"] = .string(stored.binding.issuer)
            // Usable, but only in this process until the store takes them (retried on each use).
            if let refusal = unsavedTokens.unsavedError(Self.tokensKey(user, server)) {
                object["tokensSaved"] = false
                object["saveError"] = refusal.json
            }
        }
        if let json = (try? store.getJSON(Self.flowKey(user, server))) ?? nil, let flow = try? FlowState(json: json) {
            let expired = now &- flow.createdAt >= options.handlingTimeoutSeconds
            var flowObject: JSONObject = ["flowId": .string(flow.flowID), "status": .string(flow.status == .pending && expired ? "expired" : flow.status.rawValue),
                "createdAt": .int(flow.createdAt), "expiresAt": .int(flow.createdAt &+ options.handlingTimeoutSeconds)]
            if flow.status == .pending, !expired {
                flowObject["authUrl"] = .string(flow.authorizationURL)
                if state != "authorized" { state = "pending" }
            }
            if let reason = flow.failureReason {
                flowObject["reason"] = .string(reason)
                if state == "unauthorized" { state = "failed" }
            }
            object["flow"] = .object(flowObject)
        }
        object["state"] = .string(state)
        return .object(object)
    }

    /// Signs the user out of a server: revokes the tokens at the AS when it has a revocation endpoint (errors are
    /// reported, not fatal), then deletes tokens and any flow. Returns what happened.
    @discardableResult
    public func logout(user: String, settings: OAuthServerSettings, revoke: Bool = true) -> JSONValue {
        var report: JSONObject = ["user": .string(user), "server": .string(settings.server)]
        let stored = (try? storedTokens(user: user, server: settings.server)) ?? nil
        report["hadTokens"] = .bool(stored != nil)
        if revoke, let stored {
            report["revocation"] = revokeTokens(stored, settings: settings)
        }
        try? store.delete(Self.tokensKey(user, settings.server))
        _ = try? cancel(user: user, server: settings.server)
        return .object(report)
    }
}
