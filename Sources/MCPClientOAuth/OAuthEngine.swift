public import MCPClientCore
public import MCPClientTransport
import Glibc
import Synchronization

/// What the engine tells the host (through the manager's event queue). Never carries a secret.
public enum OAuthEvent: Sendable {
    case required(FlowInfo)
    case completed(user: String, server: String, flowID: String)
    case failed(user: String, server: String, flowID: String?, error: MCPError)
    /// The store refused a user's tokens: they are kept in memory for this process (the connection keeps working)
    /// and offered to the store again on each use. `error` is the store's (operation and record kind, no value).
    case tokensUnsaved(user: String, server: String, error: MCPError)
    /// Tokens kept in memory after a refusal reached the store.
    case tokensSaved(user: String, server: String)
}

public struct OAuthEngineOptions: Sendable {
    /// Tokens, registrations and flows: one store, so a callback may land on another process than the one that
    /// began the flow.
    public var store: any CredentialStore = MemoryCredentialStore()
    public var clock: any WallClock = SystemWallClock()
    /// The host's callback URL, for servers whose config names none.
    public var redirectURI: String?
    /// The host's client ID metadata document URL (used when an AS advertises CIMD support).
    public var clientIDMetadataDocumentURL: String?
    public var clientName = "mcpclient"
    /// Tokens are refreshed this long before they expire, minus a per-user random jitter of up to `refreshJitterSeconds`
    /// (so tokens issued together are not all refreshed at the same second).
    public var refreshLeewaySeconds: Int64 = 60
    public var refreshJitterSeconds: Int64 = 30
    public var handlingTimeoutSeconds: Int64 = FlowState.handlingTimeoutSeconds
    public var flowTTLSeconds: Int64 = FlowState.recordTTLSeconds
    public var maxScopeUpgrades = 2

    public init() {}
}

/// A pending (or joined) authorization flow, as the host sees it: open `authURL` in a browser.
public struct FlowInfo: Sendable {
    public var user: String
    public var server: String
    public var flowID: String
    public var authURL: String
    public var expiresAt: Int64
    public var scopes: [String]?
    /// True when an existing pending flow was returned instead of starting another.
    public var joined: Bool

    public var json: JSONValue {
        var object: JSONObject = [
            "user": .string(user), "server": .string(server), "flowId": .string(flowID), "authUrl": .string(authURL),
            "expiresAt": .int(expiresAt), "joined": .bool(joined),
        ]
        if let scopes { object["scopes"] = .array(scopes.map { .string($0) }) }
        return .object(object)
    }
}

/// What stored tokens were issued for: refreshing needs it, and a change of any part means the tokens no longer
/// apply (oauth.md §6.10).
public struct TokenBinding: Sendable, Equatable {
    public var issuer: String
    public var tokenEndpoint: String
    public var clientID: String
    public var authMethod: ClientAuthMethod
    public var resource: String
    public var scopes: [String]?
    public var revocationEndpoint: String?
    public var revocationAuthMethods: [String]?

    var json: JSONValue {
        var object: JSONObject = [
            "issuer": .string(issuer), "token_endpoint": .string(tokenEndpoint), "client_id": .string(clientID),
            "auth_method": .string(authMethod.rawValue), "resource": .string(resource),
        ]
        if let scopes { object["scope"] = .string(Scopes.join(scopes)) }
        if let revocationEndpoint { object["revocation_endpoint"] = .string(revocationEndpoint) }
        if let revocationAuthMethods { object["revocation_auth_methods"] = .array(revocationAuthMethods.map { .string($0) }) }
        return .object(object)
    }

    init(issuer: String, tokenEndpoint: String, clientID: String, authMethod: ClientAuthMethod, resource: String, scopes: [String]?,
         revocationEndpoint: String?, revocationAuthMethods: [String]?) {
        self.issuer = issuer
        self.tokenEndpoint = tokenEndpoint
        self.clientID = clientID
        self.authMethod = authMethod
        self.resource = resource
        self.scopes = scopes
        self.revocationEndpoint = revocationEndpoint
        self.revocationAuthMethods = revocationAuthMethods
    }

    init(json: JSONValue) throws(MCPError) {
        guard let issuer = json["issuer"]?.stringValue, let tokenEndpoint = json["token_endpoint"]?.stringValue,
              let clientID = json["client_id"]?.stringValue, let resource = json["resource"]?.stringValue,
              let method = json["auth_method"]?.stringValue.flatMap(ClientAuthMethod.init(rawValue:))
        else { throw MCPError(.invalid, "stored token binding is incomplete", source: .auth, details: ["reason": "record_invalid"]) }
        self.init(issuer: issuer, tokenEndpoint: tokenEndpoint, clientID: clientID, authMethod: method, resource: resource,
            scopes: json["scope"]?.stringValue.map { Scopes.parse($0) }, revocationEndpoint: json["revocation_endpoint"]?.stringValue,
            revocationAuthMethods: json["revocation_auth_methods"]?.arrayValue?.compactMap(\.stringValue))
    }
}

/// Tokens as stored: the token set plus what they are bound to.
public struct StoredTokens: Sendable {
    public var tokens: TokenSet
    public var binding: TokenBinding

    var json: JSONValue {
        guard case .object(var object) = tokens.json else { return tokens.json }
        object["binding"] = binding.json
        return .object(object)
    }

    init(tokens: TokenSet, binding: TokenBinding) {
        self.tokens = tokens
        self.binding = binding
    }

    init(json: JSONValue) throws(MCPError) {
        tokens = try TokenSet(json: json)
        binding = try TokenBinding(json: json["binding"] ?? .null)
    }
}

/// The OAuth client for every server and user of one manager: flows (begin, complete, cancel, status), token
/// refresh (single flight per user and server), client credentials, logout with revocation. Every method blocks
/// on the network and is thread-safe; call it from a host thread or a `DetachedThread`, never the I/O loop.
public final class OAuthEngine: Sendable {
    public let options: OAuthEngineOptions
    let http: HTTPEngine
    let refreshes = RefreshCoordinator()
    /// Serializes `begin` per user and server, so concurrent triggers join one flow instead of racing two.
    /// Step-ups per user and server within the flow timeout: kept here, not per connection, because each sign-in
    /// reconnects with a new authorizer (the count must survive that).
    private let scopeUpgrades = Locked<[String: (count: Int, since: Int64)]>([:])
    private let handler = Locked<EventHandler>(EventHandler(emit: nil))

    private struct EventHandler { var emit: (@Sendable (OAuthEvent) -> Void)? }

    /// Background work (renewals, challenges, sign-ins before connecting) still running, and whether the engine was
    /// shut down: a host may free its store's functions after freeing the manager, so nothing may run past that.
    private let activity = Locked<(running: Int, closed: Bool)>((0, false))

    public init(engine: HTTPEngine, options: OAuthEngineOptions = OAuthEngineOptions()) {
        http = engine
        self.options = options
        unsavedTokens = UnsavedTokens(base: options.store, clock: options.clock)
        unsavedTokens.setReporter { [weak self] key, report in
            switch report {
            case .unsaved(let error):
                self?.emit(.tokensUnsaved(user: key.user, server: key.server, error: error))
                self?.saveUnsavedInBackground()
            // Superseded: newer tokens another process or manager saved are in the store; the spell is over either way.
            case .saved, .superseded:
                self?.emit(.tokensSaved(user: key.user, server: key.server))
            }
        }
    }

    /// Whether the background saver runs (one for all kept records).
    private let backgroundSaver = Locked<Bool>(false)

    /// Offers kept token records to the store again without waiting for a request to read them (a connected server
    /// reads its tokens only to renew them), each when its retry is due by `UnsavedTokens`' backoff on the engine's
    /// clock (1 s doubling to 30 s). Runs while records are kept and the engine is open; it is counted, so
    /// `shutdown` waits for it and the host's store functions are never called after that.
    private func saveUnsavedInBackground() {
        guard backgroundSaver.withLock({ running in
            defer { running = true }
            return !running
        }) else { return }
        let started = runDetached { [self] in
            while !isShutDown {
                usleep(Self.saverPollMicroseconds)
                if isShutDown { break }
                unsavedTokens.retryDue()
                // Decided under the flag's lock: a record kept after this look starts a new saver.
                if backgroundSaver.withLock({ running -> Bool in
                    guard unsavedTokens.isEmpty else { return false }
                    running = false
                    return true
                }) { return }
            }
            backgroundSaver.withLock { $0 = false }
        }
        if !started { backgroundSaver.withLock { $0 = false } }
    }

    /// How often the saver looks for due retries: the backoff itself runs on `options.clock`, so a test's manual
    /// clock decides when a retry happens.
    static let saverPollMicroseconds: UInt32 = 100_000

    private var isShutDown: Bool { activity.withLock { $0.closed } }

    /// The store as the engine uses it: token records the store refuses are kept in memory (`UnsavedTokens`).
    let unsavedTokens: UnsavedTokens

    /// Counts one scope upgrade for a user and server; false once `maxScopeUpgrades` were made within the flow
    /// timeout (then the server keeps asking for more than any sign-in gives).
    func allowScopeUpgrade(user: String, server: String) -> Bool {
        let key = Self.tokensKey(user, server).canonical
        let now = self.now
        return scopeUpgrades.withLock { counts in
            if counts.count > 1_024 { counts = counts.filter { now &- $0.value.since < options.handlingTimeoutSeconds } }
            var entry = counts[key] ?? (0, now)
            if now &- entry.since >= options.handlingTimeoutSeconds { entry = (0, now) }
            guard entry.count < options.maxScopeUpgrades else { return false }
            entry.count += 1
            counts[key] = entry
            return true
        }
    }

    public func setEventHandler(_ emit: (@Sendable (OAuthEvent) -> Void)?) { handler.withLock { $0 = EventHandler(emit: emit) } }

    func emit(_ event: OAuthEvent) { handler.withLock { $0 }.emit?(event) }

    /// Runs `body` on a detached thread the engine counts. False when the engine is shut down or no thread could be
    /// made; `body` then never runs.
    public func runDetached(_ body: @escaping @Sendable () -> Void) -> Bool {
        guard activity.withLock({ state -> Bool in
            guard !state.closed else { return false }
            state.running += 1
            return true
        }) else { return false }
        let started = DetachedThread.run { [self] in
            body()
            activity.withLock { $0.running -= 1 }
        }
        if !started { activity.withLock { $0.running -= 1 } }
        return started
    }

    /// Refuses new background work and waits (bounded) for what runs: the HTTP engine is closed first by the
    /// caller, so network calls in flight end at once. Returns whether everything finished.
    @discardableResult
    public func shutdown(waitingUpToMilliseconds limit: Int = 5_000) -> Bool {
        activity.withLock { $0.closed = true }
        for _ in 0..<max(limit / 10, 1) {
            if activity.withLock({ $0.running }) == 0 { return true }
            usleep(10_000)
        }
        return activity.withLock { $0.running } == 0
    }

    var store: any CredentialStore { unsavedTokens }
    var now: Int64 { options.clock.nowSeconds() }

    func client(_ settings: OAuthServerSettings) -> OAuthHTTPClient { OAuthHTTPClient(engine: http, options: settings.http) }

    static func tokensKey(_ user: String, _ server: String) -> CredentialKey { CredentialKey(user: user, server: server, kind: .tokens) }
    static func flowKey(_ user: String, _ server: String) -> CredentialKey { CredentialKey(user: user, server: server, kind: .flow) }
    /// Registrations belong to the client, not to a user: keyed by server and issuer.
    static func registrationKey(_ server: String, issuer: String, clientID: String? = nil) -> CredentialKey {
        CredentialKey(user: "", server: server + " " + issuer + (clientID.map { " " + $0 } ?? ""), kind: .registration)
    }
    static func stateIndexKey(_ state: String) -> CredentialKey {
        CredentialKey(user: "", server: Base64URL.encode(SHA256.hash(Array(state.utf8))), kind: .flowIndex)
    }

    // MARK: tokens

    /// The stored tokens of a user for a server, or nil.
    public func storedTokens(user: String, server: String) throws(MCPError) -> StoredTokens? {
        guard let json = try store.getJSON(Self.tokensKey(user, server)) else { return nil }
        do { return try StoredTokens(json: json) } catch {
            try? store.delete(Self.tokensKey(user, server))  // unreadable: sign in again rather than fail forever
            return nil
        }
    }

    /// The stored tokens if they still belong to this server's configuration (oauth.md §6.10): the resource they were
    /// issued for matches the server URL, and a configured client id or token URL is the one they were issued by.
    /// Tokens that no longer apply are deleted: the next request signs in again.
    public func storedTokens(user: String, settings: OAuthServerSettings) throws(MCPError) -> StoredTokens? {
        guard let stored = try storedTokens(user: user, server: settings.server) else { return nil }
        let binding = stored.binding
        let resourceMatches = (try? OAuthURL(settings.url)).map { ResourceIndicator.matches(resource: binding.resource, serverURL: $0) } ?? false
        guard resourceMatches, settings.clientID.map({ $0 == binding.clientID }) ?? true,
              settings.tokenURL.map({ $0 == binding.tokenEndpoint }) ?? true
        else {
            try? store.delete(Self.tokensKey(user, settings.server))
            return nil
        }
        return stored
    }

    /// When to refresh ahead of expiry: the leeway plus a jitter that is stable per user and server.
    public func refreshAhead(user: String, server: String) -> Int64 {
        guard options.refreshJitterSeconds > 0 else { return options.refreshLeewaySeconds }
        let digest = SHA256.hash(Array((user + "\u{0}" + server).utf8))
        let spread = (Int64(digest[0]) << 8 | Int64(digest[1])) % (options.refreshJitterSeconds + 1)
        return options.refreshLeewaySeconds &+ spread
    }

    /// Fresh tokens through `TokenRefresher`: the stored ones while they are valid, else one renewal per user and
    /// server at a time (joiners get its result), the refresh token re-read inside the flight so a rotated one is
    /// never sent twice. `rejectedAccessToken` (refused with 401) forces a renewal unless the store already holds a
    /// different token. `invalid_client` also deletes the registration.
    public func freshTokens(user: String, settings: OAuthServerSettings, rejectedAccessToken: String? = nil) throws(MCPError) -> StoredTokens {
        let key = Self.tokensKey(user, settings.server)
        _ = try storedTokens(user: user, settings: settings)  // drops tokens the configuration no longer fits
        let refresher = TokenRefresher(store: store, coordinator: refreshes, clock: options.clock,
            leewaySeconds: refreshAhead(user: user, server: settings.server))
        let outcome = refresher.freshTokens(for: key, rejectedAccessToken: rejectedAccessToken,
            requiresRefreshToken: settings.grant == .authorizationCode) { tokens, record in
            Result { () throws(MCPError) -> TokenSet in
                let stored = StoredTokens(tokens: tokens, binding: try TokenBinding(json: record["binding"] ?? .null))
                do throws(MCPError) {
                    return try renew(stored, settings: settings)
                } catch where Self.mayHaveLostTheAnswer(error) {
                    // The AS may have rotated the refresh token and its answer is lost. Asked again soon, once, with
                    // the same token (still under the lease), while an AS's reuse interval may still honour it; a
                    // strict AS refuses it (invalid_grant), which ends in one sign-in.
                    pause(milliseconds: Self.lostAnswerRetryMilliseconds)
                    return try renew(stored, settings: settings)
                }
            }
        }
        _ = try outcome.get()
        guard let stored = try storedTokens(user: user, server: settings.server) else {
            throw MCPError(.auth, "the renewed tokens were removed meanwhile", source: .auth, details: ["reason": "no_tokens"])
        }
        return stored
    }

    static let lostAnswerRetryMilliseconds = 2_000

    /// A token request that may have reached the AS without its answer reaching us: a timeout or a broken connection.
    /// Not a connection that was never made (unknown host, refused): that request was never sent.
    static func mayHaveLostTheAnswer(_ error: MCPError) -> Bool {
        if error.code == .timeout { return true }
        guard error.code == .transport else { return false }
        let curlCode = error.details["curl_code"]?.int64Value
        return curlCode != 5 && curlCode != 6 && curlCode != 7
    }

    /// Sleeps, waking early when the engine shuts down (its HTTP engine is closed first, so what follows fails at once).
    private func pause(milliseconds: Int) {
        for _ in 0..<max(milliseconds / 100, 1) where !isShutDown { usleep(100_000) }
    }

    /// New tokens for stored ones: the `refresh_token` grant (retried without scope when the AS rejects it), or the
    /// client-credentials grant again.
    private func renew(_ stored: StoredTokens, settings: OAuthServerSettings) throws(MCPError) -> TokenSet {
        if settings.grant == .clientCredentials { return try clientCredentialsTokens(settings).tokens }
        let now = self.now
        let binding = stored.binding
        let refreshToken = stored.tokens.refreshToken ?? ""
        let credentials = try clientCredentials(for: binding, settings: settings)
        let endpoint = try settings.http.schemePolicy.check(binding.tokenEndpoint, role: "token_endpoint")
        let audience = settings.forwardAudienceOnRefresh ? settings.audience : nil
        func attempt(_ scopes: [String]?) throws(MCPError) -> TokenSet {
            let request = try TokenRequest.refresh(
                tokenEndpoint: endpoint, refreshToken: refreshToken, scopes: scopes, resource: binding.resource, audience: audience,
                client: credentials, now: now, policy: settings.http.schemePolicy)
            return try client(settings).requestTokens(request, now: now, previousRefreshToken: refreshToken)
        }
        do throws(MCPError) {
            do throws(MCPError) {
                return try attempt(binding.scopes)
            } catch where binding.scopes != nil && TokenResponse.shouldRetryWithoutScope(error) {
                return try attempt(nil)
            }
        } catch {
            if TokenResponse.requiresReregistration(error) { forgetRegistration(settings.server, issuer: binding.issuer, clientID: binding.clientID) }
            throw error
        }
    }

    /// After `invalid_client`: the client is gone at the AS, so neither copy of its registration may be reused.
    func forgetRegistration(_ server: String, issuer: String, clientID: String) {
        try? store.delete(Self.registrationKey(server, issuer: issuer, clientID: clientID))
        if let json = try? store.getJSON(Self.registrationKey(server, issuer: issuer)), json["client_id"]?.stringValue == clientID {
            try? store.delete(Self.registrationKey(server, issuer: issuer))
        }
    }

    func save(_ stored: StoredTokens, key: CredentialKey, now: Int64) throws(MCPError) {
        try store.putJSON(key, stored.json, ttlSeconds: stored.tokens.recordTTL(now: now))
    }

    /// The credentials tokens were issued to: the configured client when it is the same one, else the stored
    /// registration, else a public client (CIMD).
    func clientCredentials(for binding: TokenBinding, settings: OAuthServerSettings) throws(MCPError) -> ClientCredentials {
        if let configured = settings.clientID, configured == binding.clientID {
            return ClientCredentials(clientID: configured, clientSecret: settings.clientSecret, signingKey: settings.signingKey, method: binding.authMethod)
        }
        // By client id: a newer registration (a step-up) must not orphan tokens issued to the previous one.
        if let json = try store.getJSON(Self.registrationKey(settings.server, issuer: binding.issuer, clientID: binding.clientID)),
           let registration = try? ClientRegistration(json: json), registration.clientID == binding.clientID {
            return registration.credentials
        }
        if binding.authMethod == .publicClient { return ClientCredentials(clientID: binding.clientID, method: .publicClient) }
        throw MCPError(.auth, "the client these tokens were issued to is no longer registered; authorization is required", source: .auth,
            details: ["reason": "registration_missing"])
    }

    // MARK: client credentials (SEP-1046)

    /// Tokens by the client-credentials grant, stored like any others. No browser, no refresh token.
    public func requestClientCredentials(user: String, settings: OAuthServerSettings) throws(MCPError) -> StoredTokens {
        let stored = try clientCredentialsTokens(settings)
        try save(stored, key: Self.tokensKey(user, settings.server), now: now)
        return stored
    }

    private func clientCredentialsTokens(_ settings: OAuthServerSettings) throws(MCPError) -> StoredTokens {
        guard let clientID = settings.clientID else {
            throw MCPError(.config, "the client_credentials grant needs a configured client_id", source: .config,
                details: ["reason": "client_id_missing", "server": .string(settings.server)])
        }
        let (metadata, resource, _) = try discover(settings, challenge: nil)
        try checkSecretDestination(settings, metadata: metadata)
        let method = ClientAuthMethod.choose(override: settings.authMethod, supported: metadata.tokenEndpointAuthMethodsSupported,
            hasSecret: settings.clientSecret != nil, hasSigningKey: settings.signingKey != nil)
        let credentials = ClientCredentials(clientID: clientID, clientSecret: settings.clientSecret, signingKey: settings.signingKey, method: method)
        let scopes = Scopes.parse(settings.scope)
        let now = self.now
        let request = try TokenRequest.clientCredentials(
            tokenEndpoint: metadata.tokenEndpoint, scopes: scopes.isEmpty ? nil : scopes, resource: resource, client: credentials, now: now,
            policy: settings.http.schemePolicy)
        let tokens = try client(settings).requestTokens(request, now: now)
        return StoredTokens(tokens: tokens, binding: binding(metadata, clientID: clientID, method: method, resource: resource,
            scopes: scopes.isEmpty ? nil : scopes))
    }

    func binding(_ metadata: AuthorizationServerMetadata, clientID: String, method: ClientAuthMethod, resource: String, scopes: [String]?) -> TokenBinding {
        TokenBinding(issuer: metadata.issuer, tokenEndpoint: metadata.tokenEndpoint.string, clientID: clientID, authMethod: method,
            resource: resource, scopes: scopes, revocationEndpoint: metadata.revocationEndpoint?.string,
            revocationAuthMethods: metadata.revocationEndpointAuthMethodsSupported)
    }

    // MARK: discovery and registration

    /// The AS metadata and the resource to bind tokens to: the pinned endpoints when configured, else discovery from
    /// the server (its PRM's scopes too, for scope selection).
    func discover(_ settings: OAuthServerSettings, challenge: Challenge?) throws(MCPError)
        -> (metadata: AuthorizationServerMetadata, resource: String, resourceScopes: [String]?)
    {
        let serverURL = try settings.http.schemePolicy.check(settings.url, role: "mcp_server")
        if let pinned = try settings.pinnedMetadata() { return (pinned, ResourceIndicator.canonical(serverURL), nil) }
        let found = try client(settings).discover(serverURL: settings.url, challenge: challenge)
        if let tokenURL = settings.tokenURL, tokenURL != found.authorizationServer.tokenEndpoint.string {
            throw MCPError(.policy, "the discovered token endpoint is not the configured token_url", source: .auth,
                details: ["reason": "token_endpoint_mismatch", "configured": .string(tokenURL),
                          "discovered": .string(found.authorizationServer.tokenEndpoint.string)])
        }
        return (found.authorizationServer, found.resource, found.resourceMetadata?.scopesSupported)
    }

    /// oauth.md §6.9: a client secret goes only to a pinned token endpoint, or to a discovered one for servers the
    /// operator trusts (never to a 2025-03-26 fallback).
    func checkSecretDestination(_ settings: OAuthServerSettings, metadata: AuthorizationServerMetadata) throws(MCPError) {
        guard settings.clientSecret != nil || settings.signingKey != nil, !settings.maySendSecret(to: metadata) else { return }
        let legacy = metadata.source == .legacyMetadata || metadata.source == .legacyDefaults
        throw MCPError(.policy, legacy
            ? "a client secret is never sent to the 2025-03-26 fallback endpoints (nothing binds their issuer): configure token_url"
            : "a client secret is sent only to a configured token_url for servers that are not operator-trusted",
            source: .auth, details: ["reason": "secret_endpoint_unpinned", "server": .string(settings.server),
                                     "metadataSource": .string(metadata.source.rawValue)])
    }

    /// How the client identifies itself to this AS (oauth.md §2 step 7): configured, CIMD, a reusable stored
    /// registration, or a new dynamic registration.
    /// A step-up registers anew: an AS may authorize only the scopes a client was registered with (the python-sdk's
    /// does), and the stored registration was made for the narrower first sign-in.
    func registration(_ settings: OAuthServerSettings, metadata: AuthorizationServerMetadata, resource: String, redirectURI: String,
                      scopes: [String]?, stepUp: Bool = false) throws(MCPError) -> ClientCredentials {
        if let clientID = settings.clientID {
            try checkSecretDestination(settings, metadata: metadata)
            let method = ClientAuthMethod.choose(override: settings.authMethod, supported: metadata.tokenEndpointAuthMethodsSupported,
                hasSecret: settings.clientSecret != nil, hasSigningKey: settings.signingKey != nil)
            return ClientCredentials(clientID: clientID, clientSecret: settings.clientSecret, signingKey: settings.signingKey, method: method)
        }
        switch try RegistrationStrategy.choose(hasPreRegisteredClient: false, clientIDMetadataDocumentURL: options.clientIDMetadataDocumentURL, metadata: metadata) {
        case .preRegistered, .needsClientInformation:
            throw MCPError(.config, "no client_id is configured and the authorization server offers neither client ID metadata documents nor registration",
                source: .config, details: ["reason": "client_information_required", "server": .string(settings.server), "issuer": .string(metadata.issuer)])
        case .clientIDMetadataDocument(let clientID):
            return ClientCredentials(clientID: clientID, method: .publicClient)
        case .dynamic:
            let key = Self.registrationKey(settings.server, issuer: metadata.issuer)
            let now = self.now
            if !stepUp, let json = try store.getJSON(key), let stored = try? ClientRegistration(json: json),
               stored.isReusable(issuer: metadata.issuer, redirectURI: redirectURI, tokenEndpoint: metadata.tokenEndpoint.string, resource: resource, now: now) {
                return stored.credentials
            }
            let request = ClientRegistrationRequest(metadata: metadata, clientName: options.clientName, redirectURIs: [redirectURI],
                forcedAuthMethod: settings.authMethod, scopes: scopes)
            let registered = try client(settings).register(request, metadata: metadata, resource: resource, now: now)
            // The latest one for reuse, and one per client id for the tokens issued to it.
            try store.putJSON(key, registered.json, ttlSeconds: 365 * 24 * 3600)
            try store.putJSON(Self.registrationKey(settings.server, issuer: metadata.issuer, clientID: registered.clientID), registered.json,
                ttlSeconds: 365 * 24 * 3600)
            return registered.credentials
        }
    }
}

extension OAuthEngine {
    /// RFC 7009 (oauth.md §6.13): the access token, then the refresh token, each with its hint, at the revocation
    /// endpoint recorded with the tokens (or configured) only. Failures are reported, never fatal: the local
    /// records go either way. Returns `{"status":"revoked"|"unsupported"|"failed", "errors"?}`.
    func revokeTokens(_ stored: StoredTokens, settings: OAuthServerSettings) -> JSONValue {
        let binding = stored.binding
        guard let endpointText = settings.revocationEndpoint ?? binding.revocationEndpoint else { return ["status": "unsupported"] }
        var errors: [JSONValue] = []
        do throws(MCPError) {
            let endpoint = try settings.http.schemePolicy.check(endpointText, role: "revocation_endpoint")
            var credentials = try clientCredentials(for: binding, settings: settings)
            credentials.method = ClientAuthMethod.forRevocation(
                registered: credentials.method, supported: settings.revocationAuthMethods ?? binding.revocationAuthMethods,
                hasSecret: credentials.clientSecret?.isEmpty == false, hasSigningKey: credentials.signingKey != nil)
            var tokens: [(String, RevocationRequest.TokenTypeHint)] = [(stored.tokens.accessToken, .accessToken)]
            if let refresh = stored.tokens.refreshToken, !refresh.isEmpty { tokens.append((refresh, .refreshToken)) }
            for (token, hint) in tokens {
                do throws(MCPError) {
                    let request = try RevocationRequest.build(revocationEndpoint: endpoint, token: token, hint: hint, client: credentials,
                        assertionAudience: binding.tokenEndpoint, now: now, policy: settings.http.schemePolicy)
                    try client(settings).revoke(request)
                } catch {
                    errors.append(error.json)
                }
            }
        } catch {
            errors.append(error.json)
        }
        return errors.isEmpty ? ["status": "revoked"] : ["status": "failed", "errors": .array(errors)]
    }
}
