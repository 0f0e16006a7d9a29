import MCPClientConfig
public import MCPClientCore
public import MCPClientOAuth
import MCPClientTransport

/// The manager's OAuth options (`options_json.oauth`).
public struct ManagerOAuthOptions: Sendable {
    /// Whose tokens the manager's shared connections use, and the default user of the flow calls.
    public var user = "default"
    public var redirectURI: String?
    public var clientIDMetadataDocumentURL: String?
    public var clientName = "mcpclient"
    /// `memory` (default), or an encrypted directory: `{"type":"file","directory":…,"keyEnv"|"key":…,"keyId":…}`.
    public var store: JSONObject = ["type": "memory"]
    public var refreshLeewaySeconds: Int64 = 60
    public var refreshJitterSeconds: Int64 = 30
    public var flowTimeoutSeconds: Int64 = FlowState.handlingTimeoutSeconds
    public var flowTTLSeconds: Int64 = FlowState.recordTTLSeconds
    public var maxScopeUpgrades = 2

    public init() {}

    static func parse(_ value: JSONValue) throws(MCPError) -> ManagerOAuthOptions {
        guard case .object(let object) = value else { throw MCPError.invalid("'oauth' must be an object", details: ["path": "oauth"]) }
        var options = ManagerOAuthOptions()
        let known: Set<String> = ["user", "redirectUri", "clientIdMetadataDocumentUrl", "clientName", "store", "refreshLeewaySeconds",
                                  "refreshJitterSeconds", "flowTimeoutSeconds", "flowTtlSeconds", "maxScopeUpgrades"]
        if let unknown = object.keys.first(where: { !known.contains($0) }) {
            throw MCPError.invalid("unknown option 'oauth.\(unknown)'", details: ["path": .string("oauth." + unknown)])
        }
        func string(_ key: String) throws(MCPError) -> String? {
            guard let value = object[key] else { return nil }
            guard let text = value.stringValue, !text.isEmpty else {
                throw MCPError.invalid("'oauth.\(key)' must be a non-empty string", details: ["path": .string("oauth." + key)])
            }
            return text
        }
        func seconds(_ key: String, _ range: ClosedRange<Int64>) throws(MCPError) -> Int64? {
            guard let value = object[key] else { return nil }
            guard let number = value.int64Value, range.contains(number) else {
                throw MCPError.invalid("'oauth.\(key)' must be an integer from \(range.lowerBound) to \(range.upperBound)",
                    details: ["path": .string("oauth." + key)])
            }
            return number
        }
        if let user = try string("user") { options.user = user }
        options.redirectURI = try string("redirectUri")
        options.clientIDMetadataDocumentURL = try string("clientIdMetadataDocumentUrl")
        if let name = try string("clientName") { options.clientName = name }
        if let store = object["store"] {
            guard case .object(let store) = store, let type = store["type"]?.stringValue, type == "memory" || type == "file" else {
                throw MCPError.invalid("'oauth.store' must be {\"type\":\"memory\"} or {\"type\":\"file\",…}", details: ["path": "oauth.store"])
            }
            options.store = store
        }
        if let value = try seconds("refreshLeewaySeconds", 0...86_400) { options.refreshLeewaySeconds = value }
        if let value = try seconds("refreshJitterSeconds", 0...3_600) { options.refreshJitterSeconds = value }
        if let value = try seconds("flowTimeoutSeconds", 10...86_400) { options.flowTimeoutSeconds = value }
        if let value = try seconds("flowTtlSeconds", 10...172_800) { options.flowTTLSeconds = value }
        // oauth.md §6.6: the record outlives the wait for the user by at least a minute.
        options.flowTTLSeconds = max(options.flowTTLSeconds, options.flowTimeoutSeconds &+ 60)
        if let value = try seconds("maxScopeUpgrades", 0...10) { options.maxScopeUpgrades = Int(value) }
        return options
    }

    /// The configured store; a file store's key options are those of `mcp_credential_store_new_file` (`key`,
    /// `keyEnv` defaulting to `MCPCLIENT_STORE_KEY`, `keyId`, `previousKeys`), never echoed in an error.
    func makeStore() throws(MCPError) -> any CredentialStore {
        guard store["type"]?.stringValue == "file" else { return MemoryCredentialStore() }
        guard let directory = store["directory"]?.stringValue, !directory.isEmpty else {
            throw MCPError.invalid("'oauth.store.directory' is required for a file store", details: ["path": "oauth.store.directory"])
        }
        return try EncryptedFileCredentialStore(directory: directory, keyring: try CredentialKeyring(options: store))
    }
}

extension OAuthServerSettings {
    /// A server's OAuth settings from its resolved configuration; nil for stdio servers, servers with OAuth switched
    /// off (`requiresOAuth: false`) and servers whose headers already carry an `Authorization` value.
    init?(config: ServerConfig, redirectURI: String?) {
        guard case .remote(let remote) = config.transport, config.requiresOAuth != false,
              !remote.headers.keys.contains(where: { ASCII.equalsIgnoringCase($0, "authorization") })
        else { return nil }
        self.init(server: config.name, url: remote.url)
        redirectURI.map { self.redirectURI = $0 }
        if let oauth = config.oauth {
            clientID = oauth.clientID
            clientSecret = oauth.clientSecret
            authorizationURL = oauth.authorizationURL
            tokenURL = oauth.tokenURL
            scope = oauth.scope
            if let redirect = oauth.redirectURI { self.redirectURI = redirect }
            // An explicit exchange method, or the one method the operator listed.
            let listed = oauth.tokenEndpointAuthMethods.flatMap { $0.count == 1 ? ClientAuthMethod(rawValue: $0[0]) : nil }
            authMethod = oauth.tokenExchangeMethod.flatMap(ClientAuthMethod.fromTokenExchangeMethod) ?? listed
            codeChallengeMethods = oauth.codeChallengeMethods
            skipCodeChallengeCheck = oauth.skipCodeChallengeCheck
            // Audience is an operator's tool; a user-created server may not steer tokens to another API (oauth.md §6.15).
            audience = remote.trusted ? oauth.audience : nil
            forwardAudienceOnRefresh = oauth.forwardAudienceOnRefresh
            revocationEndpoint = oauth.revocationEndpoint
            revocationAuthMethods = oauth.revocationAuthMethods
            if oauth.grantTypes == ["client_credentials"] { grant = .clientCredentials }
        }
        http.headers = config.oauthHeaders.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
        http.tls = TLSOptions(caFile: remote.caFile, clientCertificate: remote.clientCertificate, clientKey: remote.clientKey)
        http.proxy = remote.proxy
    }

    /// The `private_key_jwt` key the config names (`oauth.private_key` inline, usually `${VAR}`, or
    /// `oauth.private_key_file`), checked against `oauth.signing_algorithm`. MCP_ERR_CONFIG with `details.path` and
    /// `details.reason` (`key_unreadable`, `key_file_unreadable`, `key_too_weak`, `key_unsupported`, `key_too_large`,
    /// `signing_algorithm_mismatch`); never the key.
    static func signingKey(_ oauth: ServerConfig.OAuth?) throws(MCPError) -> SigningKey? {
        guard let oauth, oauth.privateKey != nil || oauth.privateKeyFile != nil else { return nil }
        let path = oauth.privateKey != nil ? "oauth.private_key" : "oauth.private_key_file"
        let key: SigningKey
        do {
            if let pem = oauth.privateKey {
                key = try SigningKey(pem: pem, keyID: oauth.privateKeyID)
            } else {
                key = try SigningKey(pemFile: oauth.privateKeyFile ?? "", keyID: oauth.privateKeyID)
            }
        } catch {
            throw MCPError.config("'\(path)': \(error.message)", details: ["path": .string(path), "reason": error.details["reason"] ?? "key_unreadable"])
        }
        if let algorithm = oauth.signingAlgorithm, algorithm != key.algorithm.rawValue {
            throw MCPError.config("'oauth.signing_algorithm' is \(algorithm), but the key in '\(path)' signs \(key.algorithm.rawValue)",
                details: ["path": "oauth.signing_algorithm", "reason": "signing_algorithm_mismatch"])
        }
        return key
    }

    /// Whether the config asks for OAuth before the first request (an `oauth` block or `requiresOAuth: true`).
    static func isDeclared(_ config: ServerConfig) -> Bool { config.requiresOAuth == true || config.oauth != nil }
}

extension Manager {
    /// Begins (or joins) a sign-in for `user` (default: the manager's OAuth user) on a server.
    public func oauthBegin(server name: String, user: String?) throws(MCPError) -> FlowInfo {
        let settings = try oauthSettings(name)
        return try oauthEngine().begin(user: user ?? options.oauth.user, settings: settings)
    }

    /// Completes a flow from the browser's callback URL; the server's connection is then (re)opened in the background
    /// when it is the manager's own user.
    public func oauthComplete(callbackURL: String) throws(MCPError) -> FlowInfo {
        let engine = try oauthEngine()
        return try engine.complete(callbackURL: callbackURL) { [self] name in try? oauthSettings(name) }
    }

    public func oauthComplete(code: String, state: String, iss: String?) throws(MCPError) -> FlowInfo {
        let engine = try oauthEngine()
        return try engine.complete(AuthorizationCallback(code: code, state: state, iss: iss)) { [self] name in try? oauthSettings(name) }
    }

    @discardableResult
    public func oauthCancel(server name: String, user: String?) throws(MCPError) -> Bool {
        try oauthEngine().cancel(user: user ?? options.oauth.user, server: name)
    }

    public func oauthStatus(server name: String, user: String?) throws(MCPError) -> JSONValue {
        guard entry(name) != nil else { throw unknownServer(name) }
        let settings = try? oauthSettings(name)
        guard case .object(var status) = try oauthEngine().status(user: user ?? options.oauth.user, server: name) else { return .null }
        status["requiresOAuth"] = .bool(settings != nil)
        return .object(status)
    }

    /// Signs the user out of a server (revocation where the AS supports it) and drops the manager's connection when
    /// it was that user's.
    public func oauthLogout(server name: String, user: String?) throws(MCPError) -> JSONValue {
        let settings = try oauthSettings(name)
        let who = user ?? options.oauth.user
        let report = try oauthEngine().logout(user: who, settings: settings)
        if let entry = entry(name) { disconnect(entry, slots(of: entry, signedInAs: who), reason: "logout") {} }
        return report
    }

    /// The settings OAuth uses for a registered server (its config resolved as for a connection).
    func oauthSettings(_ name: String, user: String? = nil) throws(MCPError) -> OAuthServerSettings {
        let route = try self.route(name, CallContext(user: user))
        return try oauthSettings(try connectionConfig(route))
    }

    func oauthSettings(_ config: ServerConfig) throws(MCPError) -> OAuthServerSettings {
        let name = config.name
        guard var settings = OAuthServerSettings(config: config, redirectURI: options.oauth.redirectURI) else {
            throw MCPError(.unsupported, "server '\(name)' does not use OAuth (stdio, requiresOAuth: false, or a static Authorization header)",
                details: ["server": .string(name), "reason": "oauth_not_applicable"])
        }
        settings.signingKey = try OAuthServerSettings.signingKey(config.oauth)
        if case .remote(let remote) = config.transport {
            let network = networkSettingsSnapshot
            settings.http.policy = NetworkPolicy(trusted: remote.trusted, allowedDomains: network.domains, allowedAddresses: network.addresses)
            settings.http.resolve = options.resolve
        }
        return settings
    }

    /// The engine, made on first use with the configured (or host-provided) store.
    func oauthEngine() throws(MCPError) -> OAuthEngine {
        if let engine = oauthSlot.withLock({ $0.engine }) { return engine }
        let http = try httpEngine()
        // Made and installed under one lock, so a store set meanwhile is never silently ignored (first use only).
        let made = try oauthSlot.withLock { slot -> Result<(OAuthEngine, Bool), MCPError> in
            if let engine = slot.engine { return .success((engine, false)) }
            do {
                let store = try slot.store ?? options.oauth.makeStore()
                slot.store = store
                let engine = OAuthEngine(engine: http, options: engineOptions(store: store))
                slot.engine = engine
                return .success((engine, true))
            } catch {
                return .failure(MCPError(error))
            }
        }.get()
        if made.1 { made.0.setEventHandler { [weak self] event in self?.oauthEvent(event) } }
        return made.0
    }

    private func engineOptions(store: any CredentialStore) -> OAuthEngineOptions {
        var engineOptions = OAuthEngineOptions()
        engineOptions.store = store
        engineOptions.redirectURI = options.oauth.redirectURI
        engineOptions.clientIDMetadataDocumentURL = options.oauth.clientIDMetadataDocumentURL
        engineOptions.clientName = options.oauth.clientName
        engineOptions.refreshLeewaySeconds = options.oauth.refreshLeewaySeconds
        engineOptions.refreshJitterSeconds = options.oauth.refreshJitterSeconds
        engineOptions.handlingTimeoutSeconds = options.oauth.flowTimeoutSeconds
        engineOptions.flowTTLSeconds = options.oauth.flowTTLSeconds
        engineOptions.maxScopeUpgrades = options.oauth.maxScopeUpgrades
        return engineOptions
    }

    /// A host-provided store (multi-process hosts). Only before the first OAuth use: tokens already in another store
    /// would silently disappear otherwise.
    public func setCredentialStore(_ store: any CredentialStore) throws(MCPError) {
        let accepted = oauthSlot.withLock { slot -> Bool in
            guard slot.engine == nil, !slot.storeInUse else { return false }
            slot.store = store
            return true
        }
        guard accepted else {
            throw MCPError(.conflict, "the credential store must be set before the first OAuth use", details: ["reason": "store_in_use"])
        }
    }

    /// An authorizer for a new connection of `user` (nil: the manager's OAuth user), or nil when the server does not
    /// use OAuth. Settings that fail otherwise (a key that does not load) fail the connect with their own error.
    func makeAuthorizer(_ config: ServerConfig, user: String?) throws(MCPError) -> ServerAuthorizer? {
        guard case .remote = config.transport else { return nil }
        let settings: OAuthServerSettings
        do { settings = try oauthSettings(config) } catch where error.details["reason"] == "oauth_not_applicable" {
            return nil
        }
        return ServerAuthorizer(user: user ?? options.oauth.user, settings: settings, engine: try oauthEngine(), scheduler: loop)
    }

    /// The connections of a server that sign in as `user`: theirs, and the shared one when it is the manager's user.
    func slots(of entry: ServerEntry, signedInAs user: String) -> [ConnectionSlot] {
        entry.allSlots.filter { slot in slot.key.user == user || (slot.key == .shared && user == options.oauth.user) }
    }

    private func oauthEvent(_ event: OAuthEvent) {
        var object: JSONObject = ["version": 1]
        var reconnect: (server: String, user: String)?
        switch event {
        case .required(let flow):
            object["kind"] = "oauth_required"
            object.merge(flow.json)
        case .completed(let user, let server, let flowID):
            object["kind"] = "oauth_completed"
            object["user"] = .string(user)
            object["server"] = .string(server)
            object["flowId"] = .string(flowID)
            reconnect = (server, user)
            rememberUser(user, server: server)
        case .failed(let user, let server, let flowID, let error):
            object["kind"] = "oauth_failed"
            object["user"] = .string(user)
            object["server"] = .string(server)
            if let flowID { object["flowId"] = .string(flowID) }
            object["error"] = error.json
        case .tokensUnsaved(let user, let server, let error):
            object["kind"] = "oauth_tokens_unsaved"
            object["user"] = .string(user)
            object["server"] = .string(server)
            object["error"] = error.json
        case .tokensSaved(let user, let server):
            object["kind"] = "oauth_tokens_saved"
            object["user"] = .string(user)
            object["server"] = .string(server)
        }
        events.push(.object(object), droppable: false)
        // "Tokens stored, connection proceeds": the manager's own connection picks the new tokens up.
        // Only connections that exist: a user who never used the server gets no connection opened for them.
        guard let reconnect, let entry = entry(reconnect.server) else { return }
        for slot in slots(of: entry, signedInAs: reconnect.user) {
            let (authorizer, status) = slot.state.withLock { ($0.authorizer, $0.status) }
            authorizer?.reload()
            if status != .connected {
                let route = Route(entry: entry, key: slot.key, caller: CallContext(user: slot.key.user))
                session(for: route) { [weak self] result in
                    if case .success(let connected) = result { self?.release(connected) }
                }
            }
        }
    }
}

extension JSONObject {
    mutating func merge(_ value: JSONValue) {
        guard case .object(let other) = value else { return }
        for (key, member) in other { self[key] = member }
    }
}
