public import MCPClientCore

/// What one chunk of a stream completed (SSE events, WebSocket messages), and the error that broke the stream after
/// them (nil while it is readable). Items before the error are real: a transport delivers them, then reports the
/// error.
public struct DecodedChunk<Item: Sendable>: Sendable {
    public var items: [Item]
    public var failure: MCPError?

    public init(items: [Item], failure: MCPError?) {
        self.items = items
        self.failure = failure
    }
}

extension DecodedChunk where Item == SSEEvent {
    public var events: [SSEEvent] { items }
}

extension DecodedChunk where Item == WebSocketMessage {
    public var messages: [WebSocketMessage] { items }
}
