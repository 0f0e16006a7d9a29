/// Receives what a transport reads. Called on the transport's I/O thread, one message at a time.
public protocol TransportDelegate: AnyObject, Sendable {
    /// One complete JSON-RPC message (a stdio line without its newline). Borrowed for the call only.
    func transport(didReceive message: UnsafeRawBufferPointer)
    /// The transport is gone for good; `error` is nil after a requested close.
    func transportDidClose(error: MCPError?)
    /// One request failed below JSON-RPC (an HTTP exchange that broke or answered without a message).
    func transport(requestFailed id: Int64, error: MCPError)
}

extension TransportDelegate {
    public func transport(requestFailed id: Int64, error: MCPError) {}
}

/// A bidirectional message pipe to one MCP server: the seam between the protocol and stdio/HTTP/WebSocket/in-memory.
public protocol MessageTransport: AnyObject, Sendable {
    /// Begins reading; the delegate is held weakly by implementations that outlive their session.
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
}

extension MessageTransport {
    public func sendBatched(_ message: [UInt8]) throws(MCPError) { try send(message) }

    public func readWhileWaiting(untilNanoseconds deadline: UInt64, isDone: () -> Bool) -> Bool { false }
}
