public import MCPClientCore

/// The RFC 6455 §4 opening handshake for the de-facto MCP WebSocket wire (subprotocol "mcp").
public enum WebSocketHandshake {
    public static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
    public static let subprotocol = "mcp"
    /// Headers the handshake owns; an extra header may not replace them.
    public static let reservedHeaders: Set<String> = [
        "host", "upgrade", "connection", "sec-websocket-key", "sec-websocket-version", "sec-websocket-protocol",
        "sec-websocket-extensions", "sec-websocket-accept", "content-length", "transfer-encoding",
    ]

    /// A fresh Sec-WebSocket-Key: 16 random bytes, base64. The system generator is the kernel CSPRNG.
    public static func makeKey() -> String {
        var generator = SystemRandomNumberGenerator()
        return makeKey(using: &generator)
    }

    public static func makeKey(using generator: inout some RandomNumberGenerator) -> String {
        Base64.encode((0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// base64(SHA-1(key + GUID)), what the server must echo in Sec-WebSocket-Accept.
    public static func acceptValue(forKey key: String) -> String {
        Base64.encode(SHA1.hash(Array((key + guid).utf8)))
    }

    /// The request head ("GET … HTTP/1.1" through the blank line) for a ws:// or wss:// URL.
    public static func request(url: ParsedURL, key: String, extraHeaders: [(name: String, value: String)] = [])
        throws(MCPError) -> [UInt8]
    {
        guard url.scheme == "ws" || url.scheme == "wss" else {
            throw MCPError.invalid("a WebSocket URL must be ws:// or wss://", details: ["reason": "websocket_scheme"])
        }
        var lines = [
            "GET \(url.pathAndQuery) HTTP/1.1", "Host: \(url.authority)", "Upgrade: websocket", "Connection: Upgrade",
            "Sec-WebSocket-Key: \(key)", "Sec-WebSocket-Version: 13", "Sec-WebSocket-Protocol: \(subprotocol)",
        ]
        for (name, value) in extraHeaders {
            // A CR or LF would let a configured value inject headers or a second request.
            guard !name.isEmpty, name.utf8.allSatisfy(isTokenByte),
                value.utf8.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) })
            else {
                throw MCPError.invalid("invalid header \(name)", details: ["reason": "invalid_header", "header": .string(name)])
            }
            guard !reservedHeaders.contains(name.lowercased()) else {
                throw MCPError.invalid("the WebSocket handshake sets \(name) itself",
                    details: ["reason": "reserved_header", "header": .string(name)])
            }
            lines.append("\(name): \(value)")
        }
        return Array((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8)
    }

    /// Nil when the server accepted the upgrade as RFC 6455 requires; header names are matched case-insensitively.
    public static func validateResponse(status: Int, headers: [(name: String, value: String)], key: String) -> MCPError? {
        func fail(_ reason: String, _ message: String) -> MCPError {
            MCPError.transport("WebSocket handshake failed: \(message)", details: ["reason": .string(reason), "status": .int(Int64(status))])
        }
        func values(_ name: String) -> [String] {
            headers.filter { $0.name.lowercased() == name }.map(\.value)
        }
        func tokens(_ name: String) -> [String] {
            values(name).flatMap { $0.split(separator: ",") }.map { $0.trimmingASCIIWhitespace().lowercased() }
        }
        guard status == 101 else { return fail("websocket_status", "expected status 101, got \(status)") }
        guard tokens("upgrade").contains("websocket") else { return fail("websocket_upgrade", "no Upgrade: websocket") }
        guard tokens("connection").contains("upgrade") else { return fail("websocket_connection", "no Connection: Upgrade") }
        let accept = values("sec-websocket-accept")
        guard accept.count == 1, accept.first?.trimmingASCIIWhitespace() == acceptValue(forKey: key) else {
            return fail("websocket_accept", "wrong Sec-WebSocket-Accept")
        }
        let protocols = tokens("sec-websocket-protocol")
        guard protocols.isEmpty || protocols == [subprotocol] else {
            return fail("websocket_protocol", "the server selected a subprotocol other than \(subprotocol)")
        }
        // No extension was offered, so none may be in use.
        guard tokens("sec-websocket-extensions").allSatisfy(\.isEmpty) else {
            return fail("websocket_extensions", "the server enabled an extension that was not offered")
        }
        return nil
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }
}

