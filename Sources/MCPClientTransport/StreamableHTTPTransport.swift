public import MCPClientCore

/// Streamable HTTP (both eras): one POST per client message, answered with JSON or an SSE stream. A 2026-07-28
/// request carries `MCP-Protocol-Version`, `Mcp-Method` and `Mcp-Name` mirrored from the message; a handshake-era
/// session is identified by the `Mcp-Session-Id` the server gave the `initialize` response.
public final class StreamableHTTPTransport: MessageTransport, @unchecked Sendable {
    public struct Options: Sendable {
        public var url: String
        public var headers: [(name: String, value: String)] = []
        public var connectTimeoutMs = 30_000
        /// Silence on a response stream for this long ends that request.
        public var readTimeoutMs = 300_000
        public var maxResponseBytes = 64 << 20
        public var tls = TLSOptions()
        public var proxy: String?
        public var resolve: [String] = []
        /// Where the server may be reached; checked before each request, on every redirect hop and on the address
        /// every connection actually uses.
        public var policy = NetworkPolicy(trusted: true)
        /// Fall back to the 2024-11-05 HTTP+SSE transport when the first POST is refused (405, or 400/404 without a
        /// JSON-RPC answer), as the spec's backwards-compatibility procedure says.
        public var allowsSSEFallback = false
        /// Supplies the `Authorization` header of every request to `url`'s origin and decides what a 401 (or a 403
        /// asking for more scope) leads to. A configured `Authorization` header wins: then it is never consulted.
        public var authorizer: (any RequestAuthorizer)?
        public init(url: String) { self.url = url }
    }

    /// Redirects followed per request (307 and 308 only: they keep the method and body).
    public static let maxRedirects = 5
    /// Headers that never follow a redirect to another origin (besides the configured ones).
    static let originBoundHeaders: Set<String> = ["authorization", "cookie", "mcp-session-id"]

    private struct State {
        var sessionID: String?
        var protocolVersion: String?
        var exchanges: IDTable<Int64, HTTPExchange> = [:]
        var closed = false
        /// Handshake era: the GET stream for server messages that belong to no request.
        var eventStream: HTTPExchange?
        var eventStreamFailures = 0
        /// Some POST got a 2xx: this is a streamable HTTP endpoint, never fall back.
        var confirmed = false
        /// After a fallback every message goes through the HTTP+SSE transport.
        var fallback: SSETransport?
        /// Requests refused for authorization while the authorizer decides; a cancelled one is not sent again.
        var awaitingAuthorization: Set<Int64> = []
        /// The GET stream was refused and reopened after the authorizer's `.retry`; a second refusal ends it.
        var eventStreamAuthRetried = false
        /// The first GET stream was answered (or ended): server messages can arrive. Until then, who waits for that.
        var eventStreamSettled = false
        var eventStreamWaiters: [@Sendable () -> Void] = []
    }

    private let options: Options
    private let engine: HTTPEngine
    public typealias HeaderProvider = @Sendable (_ method: String, _ params: JSONValue?) -> [(name: String, value: String)]
    private struct HeaderProviderSlot { var provider: HeaderProvider? }  // not a bare closure: see `Locked`
    private let headerProvider = Locked(HeaderProviderSlot())

    /// Supplies headers derived from a message (the session's `Mcp-Param-*` mirrors).
    public func setHeaderProvider(_ provider: HeaderProvider?) {
        headerProvider.withLock { $0.provider = provider }
    }
    private let state = Locked(State())
    private let delegate = Locked<(any TransportDelegate)?>(nil)

    /// A POST to the configured URL before its headers and body: the same for every request, so built once.
    private let configuredPost: HTTPRequest

    public init(options: Options, engine: HTTPEngine) {
        self.options = options
        self.engine = engine
        var post = options.apply(to: HTTPRequest(method: "POST", url: options.url), url: options.url, policy: options.policy)
        post.idleTimeoutMs = options.readTimeoutMs
        post.maxResponseBytes = options.maxResponseBytes
        post.responseHeaderNames = ReplyReader.headerNames
        configuredPost = post
    }

    public func start(delegate: any TransportDelegate) throws(MCPError) {
        // The configured URL is checked once here; redirect targets are checked per hop.
        if let refusal = options.policy.check(url: options.url) { throw refusal }
        self.delegate.withLock { $0 = delegate }
    }

    public var sessionID: String? { state.withLock { $0.sessionID } }

    public func send(_ message: [UInt8]) throws(MCPError) {
        let parsed = (try? JSONParser.parse(message))?.objectValue ?? [:]
        let method = parsed["method"]?.stringValue
        // Only our requests have an answer to wait for; a reply to a server request carries the server's id.
        try send(message, method: method, id: method != nil ? parsed["id"]?.int64Value : nil, params: parsed["params"])
    }

    public func send(_ message: [UInt8], request: OutgoingRequest, batched: Bool) throws(MCPError) {
        try send(message, method: request.method, id: request.id, params: request.params.map { .object($0) },
            resultMayStayShallow: request.resultMayStayShallow)
    }

    private func send(_ message: [UInt8], method: String?, id: Int64?, params: JSONValue?, resultMayStayShallow: Bool = false) throws(MCPError) {
        let (closed, session, version, fallback) = state.withLock { ($0.closed, $0.sessionID, $0.protocolVersion, $0.fallback) }
        if let fallback { try fallback.send(message); return }
        guard !closed else { throw MCPError(.closed, "the HTTP transport is closed") }
        // A cancelled request's exchange ends here in every era; stateless servers learn of it by the stream
        // closing, session servers also get the notification.
        if method == "notifications/cancelled", let target = params?["requestId"]?.int64Value {
            state.withLock { state in
                state.awaitingAuthorization.remove(target)
                return state.exchanges.removeValue(forKey: target)
            }?.cancel()
            if session == nil { return }
        }
        var headers = options.headers
        headers.reserveCapacity(options.headers.count + 8)
        headers.append(("Content-Type", "application/json"))
        headers.append(("Accept", "application/json, text/event-stream"))
        if let modern = params?["_meta"]?["io.modelcontextprotocol/protocolVersion"]?.stringValue {
            headers.append(("MCP-Protocol-Version", modern))
            if let method { headers.append(("Mcp-Method", method)) }
            if let name = params?["name"]?.stringValue ?? params?["uri"]?.stringValue, Self.isNamed(method) {
                headers.append(("Mcp-Name", HeaderValue.encode(name)))
            }
            if let method, let provider = headerProvider.withLock({ $0.provider }) { headers += provider(method, params) }
        } else if let version {
            headers.append(("MCP-Protocol-Version", version))
        }
        if let session { headers.append(("Mcp-Session-Id", session)) }
        post(message, id: id, isInitialize: method == "initialize", url: options.url, headers: headers, hop: 0,
            longLived: Self.isLongLived(method), resultMayStayShallow: resultMayStayShallow)
        // Once a handshake-era session is initialized, its server→client messages (progress, list changes,
        // requests not tied to a POST) arrive on a GET stream.
        if method == "notifications/initialized", session != nil { openEventStream(lastEventID: nil) }
    }

    fileprivate func post(
        _ message: [UInt8], id: Int64?, isInitialize: Bool, url: String, headers: [(name: String, value: String)], hop: Int,
        wireID: Int64? = nil, reissued: Bool = false, retriedAfterBusy: Bool = false, longLived: Bool = false, authRetried: Bool = false,
        resultMayStayShallow: Bool = false
    ) {
        func policy() -> NetworkPolicy { hop == 0 ? options.policy : options.policy.redirectPolicy }  // redirects never inherit allowedAddresses
        let refusal = state.withLock { $0.closed } ? MCPError(.closed, "the HTTP transport is closed")
            : hop > 0 || url != options.url ? policy().check(url: url) : nil
        if let refusal {
            if let id { delegate.withLock { $0 }?.transport(requestFailed: id, error: refusal) }
            return
        }
        // Read at send time (a refreshed token goes out with the next request), never kept in `headers`: a redirect
        // or retry reads it again for wherever it then goes.
        let authorization = options.authorization(for: url)
        let sent = authorization.map { headers + [("Authorization", $0)] } ?? headers
        var request: HTTPRequest
        if hop == 0, url == options.url {
            request = configuredPost
        } else {
            request = options.apply(to: HTTPRequest(method: "POST", url: url), url: url, policy: policy())
            request.idleTimeoutMs = options.readTimeoutMs
            request.maxResponseBytes = options.maxResponseBytes
            request.responseHeaderNames = ReplyReader.headerNames
        }
        request.headers = sent
        request.body = message
        request.longLived = longLived
        let reply = ReplyReader(
            transport: self,
            post: .init(message: message, id: id, isInitialize: isInitialize, url: url, headers: headers, hop: hop, wireID: wireID ?? id,
                reissued: reissued, retriedAfterBusy: retriedAfterBusy, longLived: longLived, sentAuthorization: authorization,
                authRetried: authRetried),
            readsShallow: resultMayStayShallow, maxEventBytes: options.maxResponseBytes)
        // A lone blocking call does its exchange on its own thread (no hop to the I/O thread and back); long-lived
        // streams and everything else go through the engine's loop.
        if let call = BlockingCall.current, let id, !longLived {
            let exchange = engine.callerThreadExchange()
            reply.exchange = exchange
            reply.callerThread = true
            reply.blockingCall = call
            let open = state.withLock { state -> Bool in
                if !state.closed { state.exchanges[id] = exchange }
                return !state.closed
            }
            guard open else { reply.handler.end(MCPError(.closed, "the HTTP transport is closed")); return }
            engine.perform(request, handler: reply.handler, exchange: exchange, deadline: { call.deadline() })
            // The wait ended at the deadline: a session server would go on working for nobody unless told.
            if exchange.timedOut, state.withLock({ $0.sessionID }) != nil {
                let params: JSONObject = ["requestId": .int(id), "reason": "the request's time ran out"]
                try? send(JSONWriter.serialize(["jsonrpc": "2.0", "method": "notifications/cancelled", "params": .object(params)]))
            }
            return
        }
        let exchange = engine.start(request, handler: reply.handler)
        reply.exchange = exchange
        // A close that won the race (an authorization retry may start from any thread) cancels what it missed.
        if let id, !state.withLock({ state -> Bool in
            if !state.closed { state.exchanges[id] = exchange }
            return !state.closed
        }) {
            exchange.cancel(.closed)
        }
    }

    /// Requests whose answer is a stream that stays open: never run on a caller's thread.
    static func isLongLived(_ method: String?) -> Bool {
        guard let length = method?.utf8.count, length == 20 || length == 12 else { return false }  // most methods: no compare
        return method == "subscriptions/listen" || method == "tasks/result"
    }

    /// The connect-time check of an untrusted server's resolved address (nil for trusted servers).
    static func addressCheck(_ policy: NetworkPolicy, url: String) -> (@Sendable (IPAddress, Int) -> MCPError?)? {
        guard !policy.trusted, let host = try? ParsedURL(url).host else { return nil }
        return { address, port in policy.check(resolved: address, host: host, port: port) }
    }

    /// A 307/308 answer: the same POST goes to `location`, at most `maxRedirects` times. A hop to another origin
    /// leaves the credentials and session behind.
    fileprivate func redirect(_ post: ReplyReader.Post, to location: String) {
        guard post.hop < Self.maxRedirects else {
            if let id = post.id {
                delegate.withLock { $0 }?.transport(requestFailed: id, error: MCPError.transport(
                    "more than \(Self.maxRedirects) redirects", details: ["reason": "too_many_redirects"]))
            }
            return
        }
        let target = Self.resolve(location, against: post.url)
        var headers = post.headers
        if let from = try? ParsedURL(post.url), let to = try? ParsedURL(target), !sameOrigin(from, to) {
            let configured = Set(options.headers.map { $0.name.lowercased() })
            headers.removeAll { Self.originBoundHeaders.contains($0.name.lowercased()) || configured.contains($0.name.lowercased()) }
        }
        self.post(post.message, id: post.id, isInitialize: post.isInitialize, url: target, headers: headers, hop: post.hop + 1,
            wireID: post.wireID, reissued: post.reissued, longLived: post.longLived, authRetried: post.authRetried)
    }

    fileprivate func confirmStreamable() { state.withLock { $0.confirmed = true } }

    /// Whether a refused first contact should switch to HTTP+SSE (and does so, re-sending `post` there).
    fileprivate func fellBackToSSE(_ post: ReplyReader.Post) -> Bool {
        guard options.allowsSSEFallback, let delegate = delegate.withLock({ $0 }) else { return false }
        let sse = SSETransport(options: options, engine: engine)
        let switched = state.withLock { state -> Bool in
            guard !state.confirmed, !state.closed, state.fallback == nil, state.sessionID == nil else { return false }
            state.fallback = sse
            return true
        }
        guard switched else { return false }
        do {
            try sse.start(delegate: delegate)
            try sse.send(post.message)
        } catch {
            if let id = post.id { delegate.transport(requestFailed: id, error: error) }
        }
        return true
    }

    /// The longest `Retry-After` honoured by waiting; a longer one is the caller's error to see.
    static let maxRetryAfterSeconds = 10

    fileprivate func retry(_ post: ReplyReader.Post, afterSeconds seconds: Int) {
        var busy = post
        busy.retriedAfterBusy = true
        let again = busy
        _ = engine.loop.schedule(afterNanoseconds: UInt64(seconds) * 1_000_000_000) { [weak self] in
            self?.post(again)
        }
    }

    private func post(_ post: ReplyReader.Post) {
        self.post(post.message, id: post.id, isInitialize: post.isInitialize, url: post.url, headers: post.headers, hop: post.hop,
            wireID: post.wireID, reissued: post.reissued, retriedAfterBusy: post.retriedAfterBusy, longLived: post.longLived,
            authRetried: post.authRetried)
    }

    /// A POST refused for authorization (401, or 403 for more scope): the authorizer may supply another
    /// `Authorization`, and the same request goes out once more; otherwise the request fails with code `.auth`.
    fileprivate func authorizationRefused(_ post: ReplyReader.Post, status: Int, wwwAuthenticate: [String]) {
        // The refused exchange is done; until the authorizer answers, the request waits here.
        let open = state.withLock { state -> Bool in
            guard let id = post.id else { return !state.closed }
            state.exchanges.removeValue(forKey: id)
            if !state.closed { state.awaitingAuthorization.insert(id) }
            return !state.closed
        }
        guard open else { return }
        // A hop to another origin carried no token of ours: there is nothing to retry with.
        let authorizer = RequestAuthorization.sameOrigin(post.url, options.url) ? options.activeAuthorizer : nil
        RequestAuthorization.ask(authorizer, status: status, wwwAuthenticate: wwwAuthenticate, sent: post.sentAuthorization, url: post.url,
            alreadyRetried: post.authRetried) { [weak self] failure in
            guard let self else { return }
            let wanted = self.state.withLock { state -> Bool in
                guard let id = post.id else { return !state.closed }
                return state.awaitingAuthorization.remove(id) != nil && !state.closed
            }
            guard wanted else { return }  // cancelled or closed meanwhile
            if let failure {
                if let id = post.id { self.delegate.withLock { $0 }?.transport(requestFailed: id, error: failure) }
                return
            }
            var retry = post
            retry.authRetried = true
            let again = retry
            // From the I/O thread: the completion's thread may be anyone's (even one in its own blocking call, whose
            // deadline is not this request's).
            self.engine.loop.execute { [weak self] in self?.post(again) }
        }
    }

    /// Ids for re-issued requests, far above anything the session allocates.
    private let nextWireID = Locked<Int64>(1 << 52)

    /// A stateless request whose stream broke is lost on the server: it is sent again, once, with a new id, and
    /// the answer is handed to the session under the id it knows.
    fileprivate func reissue(_ post: ReplyReader.Post) {
        guard var message = (try? JSONParser.parse(post.message))?.objectValue else { return }
        let wireID = nextWireID.withLock { value in
            defer { value += 1 }
            return value
        }
        message["id"] = .int(wireID)
        self.post(JSONWriter.serialize(.object(message)), id: post.id, isInitialize: post.isInitialize, url: post.url, headers: post.headers,
            hop: post.hop, wireID: wireID, reissued: true, longLived: post.longLived, authRetried: post.authRetried)
    }

    /// A Location header made absolute.
    static func resolve(_ location: String, against base: String) -> String {
        if location.containsLiteral("://") { return location }
        guard let url = try? ParsedURL(base) else { return location }
        if location.hasPrefix("//") { return url.scheme + ":" + location }
        if location.hasPrefix("/") { return url.scheme + "://" + url.authority + location }
        let path = url.pathAndQuery.prefix { $0 != "?" }
        let directory = path.lastIndex(of: "/").map { String(path[...$0]) } ?? "/"
        return url.scheme + "://" + url.authority + directory + location
    }

    /// How often the GET stream is re-opened in a row without receiving anything before giving up.
    static let maxEventStreamFailures = 10

    /// The session's GET stream, or with `resuming` the GET that continues one request's broken stream.
    private func openEventStream(lastEventID: String?, resuming: (id: Int64, attempt: Int)? = nil, authRetried: Bool = false) {
        let (session, version, closed, wanted) = state.withLock {
            ($0.sessionID, $0.protocolVersion, $0.closed, resuming.map { [exchanges = $0.exchanges] in exchanges[$0.id] != nil } ?? true)
        }
        guard let session, !closed, wanted else { return }  // a request cancelled while we waited is not resumed
        var headers = options.headers
        headers.append(("Accept", "text/event-stream"))
        headers.append(("Mcp-Session-Id", session))
        if let version { headers.append(("MCP-Protocol-Version", version)) }
        if let lastEventID, !lastEventID.isEmpty { headers.append(("Last-Event-ID", lastEventID)) }
        let authorization = options.authorization(for: options.url)
        if let authorization { headers.append(("Authorization", authorization)) }
        var request = options.apply(to: HTTPRequest(method: "GET", url: options.url, headers: headers), url: options.url)
        request.idleTimeoutMs = options.readTimeoutMs
        request.maxResponseBytes = .max  // a stream may run for days; each event is capped instead
        request.longLived = true
        let reader = EventStreamReader(transport: self, maxEventBytes: options.maxResponseBytes, lastEventID: lastEventID, resuming: resuming,
            sentAuthorization: authorization, authRetried: authRetried)
        let exchange = engine.start(request, handler: reader.handler)
        let current = state.withLock { state -> Bool in
            guard let resuming else { state.eventStream = exchange; return true }
            guard state.exchanges[resuming.id] != nil else { return false }
            state.exchanges[resuming.id] = exchange  // cancelling the request now ends this GET
            return true
        }
        if !current { exchange.cancel(MCPError(.cancelled, "the request was cancelled")) }
    }

    fileprivate func endEventStream(_ error: MCPError) { state.withLock { $0.eventStream }?.cancel(error) }

    /// A handshake-era server sends what belongs to no request (list changes, say) only on a GET stream that is
    /// open: `ready` waits until the session's first one was answered, refused or ended.
    public func whenServerMessagesFlow(_ ready: @escaping @Sendable () -> Void) {
        let waits = state.withLock { state -> Bool in
            guard !state.eventStreamSettled, !state.closed, state.fallback == nil, state.eventStream != nil else { return false }
            state.eventStreamWaiters.append(ready)
            return true
        }
        if !waits { ready() }
    }

    fileprivate func eventStreamSettled() {
        let waiters = state.withLock { state -> [@Sendable () -> Void] in
            state.eventStreamSettled = true
            defer { state.eventStreamWaiters = [] }
            return state.eventStreamWaiters
        }
        for ready in waiters { ready() }
    }

    /// A GET (the session's stream, or one resuming a request's) was refused for authorization: the authorizer is
    /// asked once and the GET reopened on `.retry`. Otherwise the session's stream stays closed (POSTs still work
    /// or fail on their own), and a resumed request fails with the error.
    fileprivate func eventStreamRefused(
        status: Int, wwwAuthenticate: [String], sent: String?, lastEventID: String, resuming: (id: Int64, attempt: Int)?, authRetried: Bool
    ) {
        // A transport closed meanwhile asks nothing: the authorizer could start a sign-in nobody waits for.
        guard let retried = state.withLock({ state -> Bool? in
            if resuming == nil { state.eventStream = nil }
            return state.closed ? nil : authRetried || (resuming == nil && state.eventStreamAuthRetried)
        }) else { return }
        RequestAuthorization.ask(options.activeAuthorizer, status: status, wwwAuthenticate: wwwAuthenticate, sent: sent, url: options.url,
            alreadyRetried: retried) { [weak self] failure in
            guard let self else { return }
            if let failure {
                if let resuming { self.replyEnded(resuming.id, failure: failure) }
                return
            }
            if resuming == nil { self.state.withLock { $0.eventStreamAuthRetried = true } }
            // Back on the I/O thread: the authorizer may answer on any thread, even inside `challenged`.
            self.engine.loop.execute { [weak self] in
                self?.openEventStream(lastEventID: lastEventID.isEmpty ? nil : lastEventID, resuming: resuming, authRetried: true)
            }
        }
    }

    /// How often one request's stream is resumed in a row without anything arriving.
    static let maxReplyResumes = 5

    /// Comes back for a request's answer on a GET with Last-Event-ID, after the server's `retry`.
    fileprivate func resumeReply(_ id: Int64, lastEventID: String, retryMs: Int?, attempt: Int) {
        guard attempt < Self.maxReplyResumes else {
            replyEnded(id, failure: MCPError.transport("the server's stream for this request kept ending without an answer",
                details: ["reason": "stream_resume_failed", "attempts": .int(Int64(attempt))]))
            return
        }
        let delay = UInt64((retryMs ?? 1_000).clamped(to: 100...60_000))
        _ = engine.loop.schedule(afterNanoseconds: delay * 1_000_000) { [weak self] in
            self?.openEventStream(lastEventID: lastEventID, resuming: (id, attempt))
        }
    }

    /// The GET stream ended. It is resumed (with Last-Event-ID, after the server's `retry`) unless the server does
    /// not offer one (405), already has one for this session (409), dropped the session (404), or keeps failing.
    fileprivate func eventStreamEnded(status: Int, receivedEvents: Bool, lastEventID: String, retryMs: Int?) {
        let resume = state.withLock { state -> Bool in
            state.eventStream = nil
            if (200..<300).contains(status) { state.eventStreamAuthRetried = false }  // accepted: a later refusal may ask again
            guard !state.closed, ![404, 405, 409].contains(status), status < 400 || status >= 500 else { return false }
            state.eventStreamFailures = receivedEvents ? 0 : state.eventStreamFailures + 1
            return state.eventStreamFailures < Self.maxEventStreamFailures
        }
        guard resume else { return }
        // A server's `retry` is honoured within reason: never a busy loop, never an overflow.
        let delay = UInt64((retryMs ?? 1_000).clamped(to: 100...60_000))
        _ = engine.loop.schedule(afterNanoseconds: delay * 1_000_000) { [weak self] in
            self?.openEventStream(lastEventID: lastEventID)
        }
    }

    /// Methods whose `Mcp-Name` header mirrors `params.name` (or `params.uri`). Compared, not hashed: this runs per request.
    static func isNamed(_ method: String?) -> Bool { method == "tools/call" || method == "prompts/get" || method == "resources/read" }

    public func close(completion: @escaping @Sendable () -> Void) {
        if let fallback = state.withLock({ $0.fallback }) {
            _ = delegate.take()  // the fallback has the session now and tells it of the close
            fallback.close(completion: completion)
            return
        }
        let (exchanges, session) = state.withLock { state -> ([HTTPExchange], String?) in
            state.closed = true
            defer { state.exchanges = [:]; state.eventStream = nil }
            return (Array(state.exchanges.values) + [state.eventStream].compactMap { $0 }, state.sessionID)
        }
        for exchange in exchanges { exchange.cancel(MCPError(.closed, "the connection was closed")) }
        eventStreamSettled()  // nothing more will arrive
        let finish: @Sendable () -> Void = { [weak self] in
            self?.delegate.take()?.transportDidClose(error: nil)
            completion()
        }
        guard let session else { finish(); return }
        // A handshake-era session is ended explicitly; a server that does not allow it answers 405, which is fine.
        var headers = options.headers + [("Mcp-Session-Id", session)]
        if let authorization = options.authorization(for: options.url) { headers.append(("Authorization", authorization)) }
        var request = options.apply(to: HTTPRequest(method: "DELETE", url: options.url, headers: headers), url: options.url)
        request.timeoutMs = 5_000
        _ = engine.start(request, handler: HTTPResponseHandler(head: { _, _ in }, body: { _ in }, end: { _ in finish() }))
    }

    // MARK: replies (I/O thread)

    fileprivate func deliver(_ message: UnsafeRawBufferPointer) {
        delegate.withLock { $0 }?.transport(didReceive: message)
    }

    fileprivate func deliver(parsed message: JSONValue) {
        delegate.withLock { $0 }?.transport(didReceiveParsed: message)
    }

    fileprivate func replyEnded(_ id: Int64?, failure: MCPError?) {
        guard let id else { return }
        state.withLock { _ = $0.exchanges.removeValue(forKey: id) }
        if let failure { delegate.withLock { $0 }?.transport(requestFailed: id, error: failure) }
    }

    /// A handshake-era server answered 404 for our session: it is gone. The transport closes with `session_expired`
    /// (failing every request in flight with it), so the owner re-initializes and may send them again.
    fileprivate func sessionExpired() {
        let session = state.withLock { state -> String? in
            guard !state.closed, let session = state.sessionID else { return nil }
            state.closed = true
            return session
        }
        guard let session else { return }
        let error = MCPError.transport("the server ended HTTP session \(session.prefix(8))…", details: ["reason": "session_expired", "http_status": 404])
        let others = state.withLock { state -> [HTTPExchange] in
            defer { state.exchanges = [:]; state.eventStream = nil }
            return Array(state.exchanges.values) + [state.eventStream].compactMap { $0 }
        }
        for exchange in others { exchange.cancel(error) }
        delegate.take()?.transportDidClose(error: error)
    }

    fileprivate func learnedSession(id: String?, protocolVersion: String?) {
        state.withLock { state in
            if let id { state.sessionID = id }
            if let protocolVersion { state.protocolVersion = protocolVersion }
        }
    }
}

extension StreamableHTTPTransport.Options {
    /// What every exchange of a remote server shares: timeouts, TLS, proxy, and the address check for `url`'s host.
    func apply(to request: HTTPRequest, url: String, policy hopPolicy: NetworkPolicy? = nil) -> HTTPRequest {
        var request = request
        request.connectTimeoutMs = connectTimeoutMs
        request.tls = tls
        request.proxy = proxy
        request.resolve = resolve
        let effective = hopPolicy ?? policy
        request.checkAddress = StreamableHTTPTransport.addressCheck(effective, url: url)
        // An untrusted server reached through an environment proxy would have its name resolved by the proxy, where
        // no address check can see it; only an allow-listed domain may go that way (the proxy's own address is
        // still checked, so a private proxy needs an allowedAddresses entry).
        request.direct = !effective.trusted && effective.allowedDomains.isEmpty && proxy == nil
        return request
    }
}

/// Reads a handshake-era GET stream: every `message` event is a server message. With `resuming`, the stream
/// continues one request's broken POST stream and ends when its answer has come.
private final class EventStreamReader: @unchecked Sendable {
    private weak var transport: StreamableHTTPTransport?
    private var parser: SSEParser
    private var status = 0
    private var receivedEvents = false
    private var lastEventID: String
    private let resuming: (id: Int64, attempt: Int)?
    private var answered = false
    private let sentAuthorization: String?
    private let authRetried: Bool
    private var wwwAuthenticate: [String] = []

    init(
        transport: StreamableHTTPTransport, maxEventBytes: Int, lastEventID: String?, resuming: (id: Int64, attempt: Int)?,
        sentAuthorization: String?, authRetried: Bool
    ) {
        self.transport = transport
        parser = SSEParser(maxEventBytes: maxEventBytes)
        self.lastEventID = lastEventID ?? ""
        self.resuming = resuming
        self.sentAuthorization = sentAuthorization
        self.authRetried = authRetried
    }

    var handler: HTTPResponseHandler {
        HTTPResponseHandler(
            head: { [self] status, headers in
                self.status = status
                if status == 401 || status == 403 { wwwAuthenticate = RequestAuthorization.challenges(in: headers) }
                if resuming == nil { transport?.eventStreamSettled() }  // the server has registered the stream
            },
            body: { [self] bytes in chunk(bytes) }, end: { [self] error in end(error) })
    }

    private func chunk(_ bytes: UnsafeRawBufferPointer) {
        guard (200..<300).contains(status) else { return }
        let chunk = parser.read(bytes)
        for event in chunk.events {
            receivedEvents = true
            if let id = event.id { lastEventID = id }
            guard event.type == "message", !event.data.isEmpty else { continue }
            let bytes = Array(event.data.utf8)
            guard let resuming, let value = try? JSONParser.parse(bytes) else { bytes.withUnsafeBytes { transport?.deliver($0) }; continue }
            if value["id"]?.int64Value == resuming.id, value["method"] == nil { answered = true }
            transport?.deliver(parsed: value)
        }
        // Unreadable: end it (it is resumed like any other that ended), after what came before the error.
        if let failure = chunk.failure { transport?.endEventStream(failure) }
    }

    private func end(_ error: MCPError?) {
        if resuming == nil { transport?.eventStreamSettled() }  // ended before an answer: no one waits for it any more
        if error == nil, RequestAuthorization.isRefusal(status: status, wwwAuthenticate: wwwAuthenticate) {
            transport?.eventStreamRefused(status: status, wwwAuthenticate: wwwAuthenticate, sent: sentAuthorization, lastEventID: lastEventID,
                resuming: resuming, authRetried: authRetried)
            return
        }
        guard let resuming else {
            transport?.eventStreamEnded(status: status, receivedEvents: receivedEvents, lastEventID: lastEventID, retryMs: parser.reconnectionTime)
            return
        }
        if answered || error.map({ $0.code != .transport }) == true {
            transport?.replyEnded(resuming.id, failure: nil)  // answered, or cancelled / timed out (already reported)
        } else if (200..<300).contains(status), !lastEventID.isEmpty {
            transport?.resumeReply(resuming.id, lastEventID: lastEventID, retryMs: parser.reconnectionTime,
                attempt: receivedEvents ? 0 : resuming.attempt + 1)
        } else {
            transport?.replyEnded(resuming.id, failure: error ?? MCPError.transport("resuming the request's stream failed (HTTP \(status))",
                details: ["reason": "stream_resume_failed", "http_status": .int(Int64(status))]))
        }
    }
}

/// Reads one POST's answer: a JSON body, an SSE stream of messages, or an HTTP status without a message.
private final class ReplyReader: @unchecked Sendable {
    /// What is needed to send the same POST again (after a redirect).
    struct Post {
        let message: [UInt8]
        /// The id the session knows the request by.
        let id: Int64?
        let isInitialize: Bool
        let url: String
        let headers: [(name: String, value: String)]
        let hop: Int
        /// The id on the wire: a re-issued request carries a new one (the session never sees it).
        var wireID: Int64?
        var reissued = false
        var retriedAfterBusy = false
        var longLived = false
        /// The `Authorization` this attempt carried (nil: none), for the authorizer to compare.
        var sentAuthorization: String?
        /// Already sent again after an authorization refusal: a second refusal is final.
        var authRetried = false
    }

    private weak var transport: StreamableHTTPTransport?
    /// The exchange reading this reply, so a broken stream can end it at once.
    var exchange: HTTPExchange?
    /// Read on the host thread of a blocking call (not the I/O thread).
    var callerThread = false
    /// That blocking call, which takes the reply's pass-through (`BlockingCall.passThrough`).
    var blockingCall: BlockingCall?
    /// The request's result may be read shallow (`OutgoingRequest.resultMayStayShallow`, the request's own
    /// permission), when read on its blocking call's thread (`parsedBody`). The first attempt's only: a redirect,
    /// retry or re-issue reads whole.
    private let readsShallow: Bool
    private let post: Post
    private var requestID: Int64? { post.id }
    private var isInitialize: Bool { post.isInitialize }
    private var location: String?
    private var retryAfterSeconds: Int?
    private var status = 0
    private var streaming = false
    /// Touched by one thread at a time (the I/O loop, or the caller running the exchange): no dynamic exclusivity check.
    @exclusivity(unchecked) private var body: [UInt8] = []
    /// Made when a stream starts (most answers are a JSON body).
    private var parser: SSEParser?
    private let maxEventBytes: Int
    private var answered = false
    private var failure: MCPError?
    private var lastEventID = ""
    private var wwwAuthenticate: [String] = []

    init(transport: StreamableHTTPTransport, post: Post, readsShallow: Bool, maxEventBytes: Int) {
        self.transport = transport
        self.post = post
        self.readsShallow = readsShallow
        self.maxEventBytes = maxEventBytes
    }

    var handler: HTTPResponseHandler {
        HTTPResponseHandler(
            head: { [self] status, headers in head(status, headers) }, body: { [self] bytes in chunk(bytes) }, end: { [self] error in end(error) })
    }

    /// Every header `head` reads: the others are not made into text at all.
    static let headerNames: [StaticString] = ["location", "www-authenticate", "retry-after", "content-type", "mcp-session-id"]

    private func head(_ status: Int, _ headers: [(name: String, value: String)]) {
        self.status = status
        if status == 307 || status == 308 { location = ASCII.header("location", in: headers) }
        if status == 401 || status == 403 { wwwAuthenticate = RequestAuthorization.challenges(in: headers) }
        if status == 429 || status == 503 {
            retryAfterSeconds = ASCII.header("retry-after", in: headers).flatMap { Int($0) }.flatMap { $0 >= 0 ? $0 : nil }
        }
        streaming = ASCII.header("content-type", in: headers).map { ASCII.hasPrefixIgnoringCase($0, "text/event-stream") } ?? false
        if isInitialize, (200..<300).contains(status) {
            transport?.learnedSession(id: ASCII.header("mcp-session-id", in: headers), protocolVersion: nil)
        }
    }

    private func chunk(_ bytes: UnsafeRawBufferPointer) {
        guard streaming else { body.append(contentsOf: bytes); return }
        guard failure == nil else { return }
        if parser == nil { parser = SSEParser(maxEventBytes: maxEventBytes) }
        guard let chunk = parser?.read(bytes) else { return }  // in place: a copy would duplicate a large event per chunk
        // What the chunk completed before an error is delivered first (it may be the answer itself).
        for event in chunk.events {
            if let id = event.id { lastEventID = id }
            if event.type == "message", !event.data.isEmpty { deliver(Array(event.data.utf8)) }
        }
        if let error = chunk.failure {
            failure = error
            exchange?.cancel(error)  // a stream we can no longer read is ended, not left running
        }
    }

    /// Hands one message to the session; `parsed` is the message already parsed, when the caller had to anyway.
    private func deliver(_ message: [UInt8], parsed: JSONValue? = nil) {
        let value = parsed ?? (try? JSONParser.parse(message))
        if isInitialize, let version = value?["result"]?["protocolVersion"]?.stringValue {
            transport?.learnedSession(id: nil, protocolVersion: version)
        }
        if let value, isAnswer(value), let wireID = post.wireID {
            answered = true
            if let id = post.id, wireID != id, case .object(var reply) = value {
                reply["id"] = .int(id)  // a re-issued request: answer under the id the session knows
                transport?.deliver(parsed: .object(reply))
                return
            }
        }
        if let value { transport?.deliver(parsed: value) } else { message.withUnsafeBytes { transport?.deliver($0) } }
    }

    /// A peer error (era detection may fall back on it) naming the status, `Retry-After` in ms and the body's JSON-RPC
    /// error; `reason: rate_limited` for a 429 keeps the manager from reconnecting in the background.
    private func busyError() -> MCPError {
        var details: JSONObject = ["http_status": .int(Int64(status)), "reason": status == 429 ? "rate_limited" : "unavailable"]
        var message = "the server answered HTTP \(status)"
        if let wait = retryAfterSeconds {
            let seconds = min(wait, 366 * 86_400)  // a year; anything longer is the same answer
            details["retry_after_ms"] = .int(Int64(seconds) * 1000)
            message += " (retry after \(seconds) s)"
        }
        if let rpc = (try? JSONParser.parse(body))?["error"], rpc.objectValue != nil { details["rpc"] = rpc }
        return MCPError(.protocolError, message, source: .peer, details: details)
    }

    /// Whether `value` is the answer to this POST's request as sent (its wire id), not a request or another's answer.
    private func isAnswer(_ value: JSONValue) -> Bool {
        post.wireID != nil && value["id"]?.int64Value == post.wireID && value["method"] == nil
    }

    /// The body as JSON. On the thread of a blocking call, the answer to this POST's request, when its result can go
    /// out as it came, is left with the call for the C boundary to copy rather than serialize again.
    private func parsedBody() -> JSONValue? {
        guard callerThread, let call = blockingCall, body.count <= Self.maxPassThroughBytes else { return try? JSONParser.parse(body) }
        // A result that the blocking caller only writes out: its inner members are checked, not built.
        guard let (value, passThrough) = try? JSONParser.parseResponse(body, shallowResult: readsShallow) else { return nil }
        // Another request's answer (a misbehaving server) goes wherever its id leads: whole, and not as this call's.
        guard post.id != nil, post.wireID == post.id, isAnswer(value) else {
            return passThrough?.isShallow == true ? try? JSONParser.parse(body) : value
        }
        // Another request made on this thread meanwhile (a host callback's) never takes the place of the call's own
        // shallow result: written out without it, that result would have nulls for its members.
        if readsShallow || call.passThrough?.isShallow != true { call.passThrough = passThrough }
        return value
    }

    static let maxPassThroughBytes = 1 << 20

    private func end(_ error: MCPError?) {
        if error == nil, let location {
            transport?.redirect(post, to: location)
            return
        }
        // A request whose stream broke (or was closed by the server, SEP-1699) before its answer, not by a
        // cancellation or timeout: a session server that numbered its events replays them on a GET with
        // Last-Event-ID; a 2026-07-28 request is re-issued once.
        if streaming, !answered, let id = requestID, failure == nil, error.map({ $0.code == .transport }) ?? true {
            let stateless = !post.headers.contains { $0.name == "Mcp-Session-Id" }
            if !stateless, !lastEventID.isEmpty {
                transport?.resumeReply(id, lastEventID: lastEventID, retryMs: parser?.reconnectionTime, attempt: 0)
                return
            }
            if stateless, !post.reissued {
                transport?.reissue(post)
                return
            }
        }
        if let error {
            transport?.replyEnded(requestID, failure: failure ?? error)
            return
        }
        // Busy (429/503 with a short Retry-After): the server did not take the request, so it is sent again once.
        if let wait = retryAfterSeconds, wait <= StreamableHTTPTransport.maxRetryAfterSeconds, !post.retriedAfterBusy {
            transport?.retry(post, afterSeconds: wait)
            return
        }
        // Busy for longer (or again): the caller gets the status and the wait the server asked for, whatever the body.
        if status == 429 || (status == 503 && retryAfterSeconds != nil) {
            transport?.replyEnded(requestID, failure: requestID == nil ? nil : busyError())
            return
        }
        if status == 404, post.headers.contains(where: { $0.name == "Mcp-Session-Id" }) {
            transport?.sessionExpired()
            return
        }
        // Before anything reads the body as an answer or an era signal: a refusal for authorization is neither.
        if RequestAuthorization.isRefusal(status: status, wwwAuthenticate: wwwAuthenticate) {
            transport?.authorizationRefused(post, status: status, wwwAuthenticate: wwwAuthenticate)
            return
        }
        if (200..<300).contains(status) { transport?.confirmStreamable() }
        // An endpoint that refuses POSTs outright (405), or answers 400/404 without JSON-RPC, may be HTTP+SSE.
        if status == 405 || ((status == 400 || status == 404) && (try? JSONParser.parse(body))?["jsonrpc"] == nil),
           transport?.fellBackToSSE(post) == true
        {
            return
        }
        if !streaming, !body.isEmpty, let value = parsedBody(), value.objectValue != nil || value.arrayValue != nil {
            deliver(body, parsed: value)
        }
        guard requestID != nil, !answered else { transport?.replyEnded(requestID, failure: nil); return }
        // The server answered without the message we wait for: an HTTP error, or a stream that ended early.
        let excerpt = String(decoding: body.prefix(512), as: UTF8.self)
        let reason: MCPError = if let failure {
            failure
        } else if (200..<300).contains(status) {
            MCPError.transport("the response ended without an answer to the request", details: ["http_status": .int(Int64(status))])
        } else {
            // The server was reached and refused: a peer answer, which lets era detection fall back.
            MCPError(.protocolError, "the server answered HTTP \(status)", source: .peer,
                details: ["http_status": .int(Int64(status)), "body": .string(excerpt)])
        }
        transport?.replyEnded(requestID, failure: reason)
    }
}
