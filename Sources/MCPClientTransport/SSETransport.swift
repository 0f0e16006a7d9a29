public import MCPClientCore

/// The 2024-11-05 HTTP+SSE transport: one long GET stream carries every server message; its first `endpoint`
/// event names the URL the client POSTs its messages to.
public final class SSETransport: MessageTransport, @unchecked Sendable {
    private struct State {
        var endpoint: String?
        /// Messages sent before the endpoint was known go out once it is.
        var queued: [[UInt8]] = []
        var stream: HTTPExchange?
        var closed = false
        /// The GET was refused and reopened after the authorizer's `.retry`; a second refusal closes the transport.
        var streamAuthRetried = false
    }

    private let options: StreamableHTTPTransport.Options
    private let engine: HTTPEngine
    private let state = Locked(State())
    private let delegate = Locked<(any TransportDelegate)?>(nil)

    public init(options: StreamableHTTPTransport.Options, engine: HTTPEngine) {
        self.options = options
        self.engine = engine
    }

    public func start(delegate: any TransportDelegate) throws(MCPError) {
        self.delegate.withLock { $0 = delegate }
        if let refusal = options.policy.check(url: options.url) { throw refusal }
        openStream()
    }

    private func openStream() {
        var headers = options.headers + [("Accept", "text/event-stream")]
        let authorization = options.authorization(for: options.url)
        if let authorization { headers.append(("Authorization", authorization)) }
        var request = options.apply(to: HTTPRequest(method: "GET", url: options.url, headers: headers), url: options.url)
        request.idleTimeoutMs = options.readTimeoutMs
        request.maxResponseBytes = .max  // the stream lives as long as the connection; events are capped
        request.longLived = true
        let reader = StreamReader(transport: self, maxEventBytes: options.maxResponseBytes, sentAuthorization: authorization)
        let stream = engine.start(request, handler: reader.handler)
        let closed = state.withLock { state -> Bool in
            if !state.closed { state.stream = stream }
            return state.closed
        }
        if closed { stream.cancel(MCPError(.closed, "the connection was closed")) }
    }

    public func send(_ message: [UInt8]) throws(MCPError) {
        let (closed, endpoint) = state.withLock { state -> (Bool, String?) in
            if !state.closed, state.endpoint == nil { state.queued.append(message) }
            return (state.closed, state.endpoint)
        }
        guard !closed else { throw MCPError(.closed, "the SSE transport is closed") }
        if let endpoint { post(message, to: endpoint) }
    }

    public func close(completion: @escaping @Sendable () -> Void) {
        let stream = state.withLock { state -> HTTPExchange? in
            state.closed = true
            defer { state.stream = nil }
            return state.stream
        }
        stream?.cancel(MCPError(.closed, "the connection was closed"))
        delegate.take()?.transportDidClose(error: nil)
        completion()
    }

    private func post(_ message: [UInt8], to endpoint: String, authRetried: Bool = false) {
        let parsed = try? JSONParser.parse(message)
        let id = parsed?["method"] != nil ? parsed?["id"]?.int64Value : nil  // a reply to a server request awaits nothing
        var headers = options.headers + [("Content-Type", "application/json")]
        // The endpoint has the stream's origin (checked when announced), so the token may go there.
        let authorization = options.authorization(for: endpoint)
        if let authorization { headers.append(("Authorization", authorization)) }
        var request = HTTPRequest(method: "POST", url: endpoint, headers: headers, body: message)
        request = options.apply(to: request, url: endpoint)
        request.timeoutMs = options.connectTimeoutMs + 30_000
        let response = Locked((status: 0, challenges: [String]()))
        _ = engine.start(request, handler: HTTPResponseHandler(
            head: { code, headers in
                let challenges = code == 401 || code == 403 ? RequestAuthorization.challenges(in: headers) : []
                response.withLock { $0 = (code, challenges) }
            },
            body: { _ in },
            end: { [weak self] error in
                // Replies come on the stream; the POST itself only has to be accepted.
                let (code, challenges) = response.withLock { $0 }
                guard let self, error != nil || !(200..<300).contains(code) else { return }
                if error == nil, RequestAuthorization.isRefusal(status: code, wwwAuthenticate: challenges) {
                    self.postRefused(message, to: endpoint, id: id, status: code, wwwAuthenticate: challenges, sent: authorization,
                        authRetried: authRetried)
                    return
                }
                guard let id else { return }
                let failure = error ?? MCPError(.protocolError, "the server refused the message with HTTP \(code)", source: .peer,
                    details: ["http_status": .int(Int64(code))])
                self.delegate.withLock { $0 }?.transport(requestFailed: id, error: failure)
            }))
    }

    /// A POST refused for authorization: sent once more when the authorizer has another `Authorization`, else the
    /// request fails with its error (code `.auth`).
    private func postRefused(
        _ message: [UInt8], to endpoint: String, id: Int64?, status: Int, wwwAuthenticate: [String], sent: String?, authRetried: Bool
    ) {
        guard !state.withLock({ $0.closed }) else { return }
        RequestAuthorization.ask(options.activeAuthorizer, status: status, wwwAuthenticate: wwwAuthenticate, sent: sent, url: endpoint,
            alreadyRetried: authRetried) { [weak self] failure in
            guard let self, !self.state.withLock({ $0.closed }) else { return }
            if let failure {
                if let id { self.delegate.withLock { $0 }?.transport(requestFailed: id, error: failure) }
                return
            }
            self.post(message, to: endpoint, authRetried: true)
        }
    }

    /// The GET was refused for authorization: reopened once after the authorizer's `.retry`, else the transport
    /// closes with the error (code `.auth`).
    fileprivate func streamRefused(status: Int, wwwAuthenticate: [String], sent: String?) {
        // A transport closed meanwhile asks nothing: the authorizer could start a sign-in nobody waits for.
        guard let retried = state.withLock({ state -> Bool? in
            state.stream = nil
            return state.closed ? nil : state.streamAuthRetried
        }) else { return }
        RequestAuthorization.ask(options.activeAuthorizer, status: status, wwwAuthenticate: wwwAuthenticate, sent: sent, url: options.url,
            alreadyRetried: retried) { [weak self] failure in
            guard let self else { return }
            if let failure { self.streamEnded(failure); return }
            self.state.withLock { $0.streamAuthRetried = true }
            self.openStream()
        }
    }

    // MARK: stream (I/O thread)

    /// The stream was accepted: a later refusal (a token revoked hours later) may ask the authorizer again.
    fileprivate func streamAccepted() { state.withLock { $0.streamAuthRetried = false } }

    fileprivate func endpointAnnounced(_ data: String) -> MCPError? {
        let target = StreamableHTTPTransport.resolve(data.trimmingASCIIWhitespace(), against: options.url)
        // The endpoint must stay with the server that announced it: no hop to another origin or address.
        guard let from = try? ParsedURL(options.url), let to = try? ParsedURL(target), sameOrigin(from, to) else {
            return MCPError(.policy, "the server announced an endpoint on another origin", details: ["reason": "endpoint_origin"])
        }
        let queued = state.withLock { state -> [[UInt8]] in
            state.endpoint = target
            defer { state.queued = [] }
            return state.queued
        }
        for message in queued { post(message, to: target) }
        return nil
    }

    fileprivate func endStream(_ error: MCPError) { state.withLock { $0.stream }?.cancel(error) }

    fileprivate func deliver(_ message: UnsafeRawBufferPointer) {
        delegate.withLock { $0 }?.transport(didReceive: message)
    }

    fileprivate func streamEnded(_ error: MCPError?) {
        let wasOpen = state.withLock { state -> Bool in
            defer { state.closed = true }
            return !state.closed
        }
        guard wasOpen else { return }
        delegate.take()?.transportDidClose(error: error ?? MCPError.transport("the server closed the SSE stream"))
    }
}

private final class StreamReader: @unchecked Sendable {
    private weak var transport: SSETransport?
    private var parser: SSEParser
    private var status = 0
    private var failure: MCPError?
    private let sentAuthorization: String?
    private var wwwAuthenticate: [String] = []

    init(transport: SSETransport, maxEventBytes: Int, sentAuthorization: String?) {
        self.transport = transport
        parser = SSEParser(maxEventBytes: maxEventBytes)
        self.sentAuthorization = sentAuthorization
    }

    var handler: HTTPResponseHandler {
        HTTPResponseHandler(head: { [self] status, headers in
            self.status = status
            if status == 401 || status == 403 { wwwAuthenticate = RequestAuthorization.challenges(in: headers) }
            if (200..<300).contains(status) { transport?.streamAccepted() }
        }, body: { [self] bytes in chunk(bytes) }, end: { [self] error in
            if error == nil, RequestAuthorization.isRefusal(status: status, wwwAuthenticate: wwwAuthenticate) {
                transport?.streamRefused(status: status, wwwAuthenticate: wwwAuthenticate, sent: sentAuthorization)
                return
            }
            // With no answer at all (status 0) the engine's own error (a policy refusal, a timeout) is the news.
            let refused = status == 0 || (200..<300).contains(status) ? nil : MCPError.transport("the SSE endpoint answered HTTP \(status)",
                details: ["http_status": .int(Int64(status))])
            transport?.streamEnded(failure ?? refused ?? error)
        })
    }

    private func chunk(_ bytes: UnsafeRawBufferPointer) {
        guard (200..<300).contains(status), failure == nil else { return }
        let chunk = parser.read(bytes)
        // Events completed before a broken line are delivered first: only what follows the error is lost.
        for event in chunk.events {
            switch event.type {
            case "endpoint":
                if let refusal = transport?.endpointAnnounced(event.data) { fail(refusal); return }
            case "message" where !event.data.isEmpty: Array(event.data.utf8).withUnsafeBytes { transport?.deliver($0) }
            default: break
            }
        }
        if let failure = chunk.failure { fail(failure) }
    }

    /// The stream cannot be trusted or read any more: end it, which closes the transport.
    private func fail(_ error: MCPError) {
        failure = error
        transport?.endStream(error)
    }
}
