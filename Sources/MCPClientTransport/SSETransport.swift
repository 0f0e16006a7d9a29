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
        var request = HTTPRequest(method: "GET", url: options.url, headers: options.headers + [("Accept", "text/event-stream")])
        request = options.apply(to: request, url: options.url)
        request.idleTimeoutMs = options.readTimeoutMs
        request.maxResponseBytes = .max  // the stream lives as long as the connection; events are capped
        let reader = StreamReader(transport: self, maxEventBytes: options.maxResponseBytes)
        let stream = engine.start(request, handler: reader.handler)
        state.withLock { $0.stream = stream }
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
        delegate.withLock { $0 }?.transportDidClose(error: nil)
        completion()
    }

    private func post(_ message: [UInt8], to endpoint: String) {
        let parsed = try? JSONParser.parse(message)
        let id = parsed?["method"] != nil ? parsed?["id"]?.int64Value : nil  // a reply to a server request awaits nothing
        var request = HTTPRequest(method: "POST", url: endpoint, headers: options.headers + [("Content-Type", "application/json")], body: message)
        request = options.apply(to: request, url: endpoint)
        request.timeoutMs = options.connectTimeoutMs + 30_000
        let status = Locked(0)
        _ = engine.start(request, handler: HTTPResponseHandler(
            head: { code, _ in status.withLock { $0 = code } }, body: { _ in },
            end: { [weak self] error in
                // Replies come on the stream; the POST itself only has to be accepted.
                let code = status.withLock { $0 }
                guard let id, error != nil || !(200..<300).contains(code) else { return }
                let failure = error ?? MCPError(.protocolError, "the server refused the message with HTTP \(code)", source: .peer,
                    details: ["http_status": .int(Int64(code))])
                self?.delegate.withLock { $0 }?.transport(requestFailed: id, error: failure)
            }))
    }

    // MARK: stream (I/O thread)

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
        delegate.withLock { $0 }?.transportDidClose(error: error ?? MCPError.transport("the server closed the SSE stream"))
    }
}

private final class StreamReader: @unchecked Sendable {
    private weak var transport: SSETransport?
    private var parser: SSEParser
    private var status = 0
    private var failure: MCPError?

    init(transport: SSETransport, maxEventBytes: Int) {
        self.transport = transport
        parser = SSEParser(maxEventBytes: maxEventBytes)
    }

    var handler: HTTPResponseHandler {
        HTTPResponseHandler(head: { [self] status, _ in self.status = status }, body: { [self] bytes in chunk(bytes) }, end: { [self] error in
            // With no answer at all (status 0) the engine's own error (a policy refusal, a timeout) is the news.
            let refused = status == 0 || (200..<300).contains(status) ? nil : MCPError.transport("the SSE endpoint answered HTTP \(status)",
                details: ["http_status": .int(Int64(status))])
            transport?.streamEnded(failure ?? refused ?? error)
        })
    }

    private func chunk(_ bytes: UnsafeRawBufferPointer) {
        guard (200..<300).contains(status), failure == nil else { return }
        do {
            for event in try parser.feed(bytes) {
                switch event.type {
                case "endpoint":
                    if let refusal = transport?.endpointAnnounced(event.data) { fail(refusal); return }
                case "message" where !event.data.isEmpty: Array(event.data.utf8).withUnsafeBytes { transport?.deliver($0) }
                default: break
                }
            }
        } catch {
            fail(error)
        }
    }

    /// The stream cannot be trusted or read any more: end it, which closes the transport.
    private func fail(_ error: MCPError) {
        failure = error
        transport?.endStream(error)
    }
}
