public import MCPClientCore
import Synchronization

/// A transport whose other end is a closure-driven peer in the same process: the NIOEmbedded of this library.
/// `peer` receives each message the client sends and can answer with `deliver`.
public final class InMemoryTransport: MessageTransport, @unchecked Sendable {
    private let delegate = Locked<(any TransportDelegate)?>(nil)
    private let sentMessages = Locked<[JSONValue]>([])
    private let outgoingRequests = Locked<[OutgoingRequest]>([])
    private let closedFlag = Atomic<Bool>(false)
    public var peer: (@Sendable (JSONValue, InMemoryTransport) -> Void)?

    public init(peer: (@Sendable (JSONValue, InMemoryTransport) -> Void)? = nil) { self.peer = peer }

    public func start(delegate: any TransportDelegate) throws(MCPError) {
        self.delegate.withLock { $0 = delegate }
    }

    public func send(_ message: [UInt8]) throws(MCPError) {
        guard !closedFlag.load(ordering: .relaxed) else { throw MCPError(.closed, "in-memory transport closed") }
        let value: JSONValue
        do { value = try JSONParser.parse(message) } catch { throw MCPError.invalid("client sent invalid JSON: \(error)") }
        sentMessages.withLock { $0.append(value) }
        peer?(value, self)
    }

    /// Everything the client has sent so far, parsed.
    public var sent: [JSONValue] { sentMessages.withLock { $0 } }

    public func send(_ message: [UInt8], request: OutgoingRequest, batched: Bool) throws(MCPError) {
        outgoingRequests.withLock { $0.append(request) }  // before `send`: the peer may answer (and the client send more) inside it
        try send(message)
    }

    /// What the sender told the transport about each request it sent (`send(_:request:batched:)`), in order.
    public var sentRequests: [OutgoingRequest] { outgoingRequests.withLock { $0 } }

    /// Delivers a message from the "server" to the client.
    public func deliver(_ message: JSONValue) {
        let bytes = JSONWriter.serialize(message)
        let target = delegate.withLock { $0 }
        bytes.withUnsafeBytes { target?.transport(didReceive: $0) }
    }

    /// Delivers raw bytes (for malformed-input tests).
    public func deliverRaw(_ bytes: [UInt8]) {
        let target = delegate.withLock { $0 }
        bytes.withUnsafeBytes { target?.transport(didReceive: $0) }
    }

    /// Simulates the server going away.
    public func simulateClose(error: MCPError?) {
        closedFlag.store(true, ordering: .relaxed)
        let target = delegate.withLock { current -> (any TransportDelegate)? in
            defer { current = nil }
            return current
        }
        target?.transportDidClose(error: error)
    }

    public func close(completion: @escaping @Sendable () -> Void) {
        simulateClose(error: nil)
        completion()
    }
}
