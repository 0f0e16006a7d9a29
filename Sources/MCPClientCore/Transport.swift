/// Receives what a transport reads. Called on the transport's I/O thread, one message at a time.
public protocol TransportDelegate: AnyObject, Sendable {
    /// One complete JSON-RPC message (a stdio line without its newline). Borrowed for the call only.
    func transport(didReceive message: UnsafeRawBufferPointer)
    /// The transport is gone for good; `error` is nil after a requested close.
    func transportDidClose(error: MCPError?)
    /// One request failed below JSON-RPC (an HTTP exchange that broke or answered without a message).
    func transport(requestFailed id: Int64, error: MCPError)
    /// A message the transport already had to parse (an HTTP reply it routed by id): no second parse.
    func transport(didReceiveParsed message: JSONValue)
}

extension TransportDelegate {
    public func transport(requestFailed id: Int64, error: MCPError) {}

    public func transport(didReceiveParsed message: JSONValue) {
        JSONWriter.serialize(message).withUnsafeBytes { transport(didReceive: $0) }
    }
}

/// What the sender knows about a request it serialized, so a transport that routes on it (HTTP headers) need not
/// parse the bytes again.
public struct OutgoingRequest: Sendable {
    public var id: Int64
    public var method: String
    public var params: JSONObject?
    /// Its result only goes where nothing reads below its top level unless it asks for the whole of it first
    /// (`JSONPassThrough.deepened`): the blocking call that made this very request only writes it out, and the
    /// session will not look inside. A transport reading the reply on that call's thread may leave it shallow. Set
    /// per request, so no other request (one a host callback makes on the same thread meanwhile) can have it.
    public var resultMayStayShallow = false

    public init(id: Int64, method: String, params: JSONObject?, resultMayStayShallow: Bool = false) {
        self.id = id
        self.method = method
        self.params = params
        self.resultMayStayShallow = resultMayStayShallow
    }
}

/// A bidirectional message pipe to one MCP server: the seam between the protocol and stdio/HTTP/WebSocket/in-memory.
public protocol MessageTransport: AnyObject, Sendable {
    /// Begins reading. The delegate (the session, which holds the transport) is released once the transport reports
    /// its close, so the pair can be freed.
    func start(delegate: any TransportDelegate) throws(MCPError)
    /// Sends one serialized message (no trailing newline). Safe from any thread; never blocks on a slow peer.
    func send(_ message: [UInt8]) throws(MCPError)
    /// Queues a message for the I/O thread to write, so a burst of asynchronous requests goes out in one write.
    /// Order with `send` is preserved.
    func sendBatched(_ message: [UInt8]) throws(MCPError)
    /// Graceful shutdown; `completion` runs once the peer is gone (stdio: the process group is reaped).
    func close(completion: @escaping @Sendable () -> Void)
    /// Lets a host thread that blocks on a reply read and dispatch incoming messages itself until `isDone()`
    /// or the deadline, instead of being woken by the I/O thread: one context switch less per blocking call.
    /// Returns false at once when another thread is reading; the caller then just waits for its result.
    func readWhileWaiting(untilNanoseconds deadline: UInt64, isDone: () -> Bool) -> Bool
    /// Sends a serialized request together with its parts (`send`/`sendBatched` by default).
    func send(_ message: [UInt8], request: OutgoingRequest, batched: Bool) throws(MCPError)
    /// Runs `ready` once server messages that belong to no request can arrive: at once for most transports; a
    /// handshake-era HTTP session first needs its GET stream answered (a message sent before is lost).
    func whenServerMessagesFlow(_ ready: @escaping @Sendable () -> Void)
}

extension MessageTransport {
    public func sendBatched(_ message: [UInt8]) throws(MCPError) { try send(message) }

    public func send(_ message: [UInt8], request: OutgoingRequest, batched: Bool) throws(MCPError) {
        if batched { try sendBatched(message) } else { try send(message) }
    }

    public func readWhileWaiting(untilNanoseconds deadline: UInt64, isDone: () -> Bool) -> Bool { false }

    public func whenServerMessagesFlow(_ ready: @escaping @Sendable () -> Void) { ready() }
}
