public import MCPClientCore

public enum WebSocketOpcode: UInt8, Sendable {
    case continuation = 0x0, text = 0x1, binary = 0x2, close = 0x8, ping = 0x9, pong = 0xA

    public var isControl: Bool { rawValue >= 0x8 }
}

/// What the decoder yields: whole messages (fragments reassembled) and control frames.
public enum WebSocketMessage: Sendable, Equatable {
    case text(String)
    case binary([UInt8])
    /// Must be answered with a pong carrying the same payload.
    case ping([UInt8])
    case pong([UInt8])
    /// `code` is nil when the close frame had no body (1005 "no status received").
    case close(code: UInt16?, reason: String)
}

/// Client-side frame encoding (RFC 6455 §5.2). Client frames are always masked.
public enum WebSocketFrameEncoder {
    /// Encodes one frame with a fresh masking key from the kernel CSPRNG.
    public static func frame(_ opcode: WebSocketOpcode, payload: [UInt8], fin: Bool = true) throws(MCPError) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return try frame(opcode, payload: payload, fin: fin, using: &generator)
    }

    public static func frame(_ opcode: WebSocketOpcode, payload: [UInt8], fin: Bool = true,
                             using generator: inout some RandomNumberGenerator) throws(MCPError) -> [UInt8]
    {
        let key = (0..<4).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return try frame(opcode, payload: payload, fin: fin, maskKey: key)
    }

    /// Encodes with the given 4-byte masking key (tests use the RFC's fixed keys).
    public static func frame(_ opcode: WebSocketOpcode, payload: [UInt8], fin: Bool = true, maskKey: [UInt8])
        throws(MCPError) -> [UInt8]
    {
        guard maskKey.count == 4 else { throw MCPError.invalid("a masking key is 4 bytes") }
        if opcode.isControl {
            guard fin, payload.count <= 125 else {
                throw MCPError.invalid("control frames carry at most 125 bytes and are never fragmented",
                    details: ["reason": "control_frame_too_large"])
            }
        }
        var output: [UInt8] = [(fin ? 0x80 : 0) | opcode.rawValue]
        output.reserveCapacity(payload.count + 14)
        switch payload.count {
        case 0...125:
            output.append(0x80 | UInt8(payload.count))
        case 126...0xFFFF:
            output += [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        default:
            output.append(0x80 | 127)
            let length = UInt64(payload.count)
            for shift in stride(from: 56, through: 0, by: -8) { output.append(UInt8(truncatingIfNeeded: length >> UInt64(shift))) }
        }
        output += maskKey
        for (index, byte) in payload.enumerated() { output.append(byte ^ maskKey[index & 3]) }
        return output
    }

    /// A close frame; the reason is cut to fit the 125-byte limit without splitting a character.
    public static func close(code: UInt16?, reason: String = "") throws(MCPError) -> [UInt8] {
        guard let code else { return try frame(.close, payload: []) }
        var reasonBytes: [UInt8] = []
        for character in reason {
            let bytes = Array(String(character).utf8)
            guard reasonBytes.count + bytes.count <= 123 else { break }
            reasonBytes += bytes
        }
        return try frame(.close, payload: [UInt8(code >> 8), UInt8(code & 0xFF)] + reasonBytes)
    }
}

/// A streaming decoder for frames a server sends. Feed any chunking; messages come out whole.
/// Every error carries `details.reason` and `details.closeCode`, the code the client should close with
/// (1002 protocol error, 1007 invalid data, 1009 too big). After an error or a close frame the decoder stops:
/// the error is reported again, later bytes after a close are ignored.
public struct WebSocketDecoder: Sendable {
    public let maxFrameBytes: Int
    public let maxMessageBytes: Int
    public private(set) var receivedClose = false

    private var buffer: [UInt8] = []
    private var start = 0
    private var fragmentOpcode: WebSocketOpcode?
    private var fragments: [UInt8] = []

    public init(maxFrameBytes: Int, maxMessageBytes: Int) {
        self.maxFrameBytes = maxFrameBytes
        self.maxMessageBytes = maxMessageBytes
    }

    /// The messages one chunk completed, and the error that broke the stream after them (a transport closes with
    /// its code).
    public typealias Chunk = DecodedChunk<WebSocketMessage>

    /// The error that broke the stream, once one did.
    public private(set) var failure: MCPError?

    public mutating func read(_ bytes: [UInt8]) -> Chunk { bytes.withUnsafeBytes { read($0) } }

    /// Decodes one chunk. Never throws: what the chunk completed before an error comes back with that error.
    public mutating func read(_ bytes: UnsafeRawBufferPointer) -> Chunk {
        if let failure { return Chunk(items: [], failure: failure) }
        guard !receivedClose else { return Chunk(items: [], failure: nil) }
        buffer.append(contentsOf: bytes)
        var messages: [WebSocketMessage] = []
        do {
            while !receivedClose, let message = try nextFrame() {
                if let message { messages.append(message) }
            }
        } catch {
            failure = error
            buffer.removeAll()
            start = 0
            return Chunk(items: messages, failure: error)
        }
        // Drop consumed bytes once they dominate, so the buffer does not grow with the stream.
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        } else if start > 4096, start * 2 > buffer.count {
            buffer.removeFirst(start)
            start = 0
        }
        if receivedClose { buffer.removeAll() }
        return Chunk(items: messages, failure: nil)
    }

    /// Nil when more bytes are needed; `.some(nil)` for a frame that completed nothing (a middle fragment).
    private mutating func nextFrame() throws(MCPError) -> WebSocketMessage?? {
        let available = buffer.count - start
        guard available >= 2 else { return nil }
        let first = buffer[start], second = buffer[start + 1]
        guard first & 0x70 == 0 else { throw Self.failure("reserved_bits", "reserved bits set without an extension", 1002) }
        guard let opcode = WebSocketOpcode(rawValue: first & 0x0F) else {
            throw Self.failure("reserved_opcode", "reserved opcode \(first & 0x0F)", 1002)
        }
        guard second & 0x80 == 0 else { throw Self.failure("masked_server_frame", "a server frame was masked", 1002) }
        let fin = first & 0x80 != 0
        var headerLength = 2
        var length = UInt64(second & 0x7F)
        if length == 126 {
            guard available >= 4 else { return nil }
            length = UInt64(buffer[start + 2]) << 8 | UInt64(buffer[start + 3])
            headerLength = 4
        } else if length == 127 {
            guard available >= 10 else { return nil }
            length = (0..<8).reduce(0) { $0 << 8 | UInt64(buffer[start + 2 + $1]) }
            headerLength = 10
            guard length >> 63 == 0 else { throw Self.failure("invalid_length", "64-bit length with the top bit set", 1002) }
        }
        if opcode.isControl {
            guard fin else { throw Self.failure("fragmented_control", "a control frame was fragmented", 1002) }
            guard length <= 125 else { throw Self.failure("control_too_large", "a control frame exceeds 125 bytes", 1002) }
        }
        guard length <= UInt64(maxFrameBytes) else {
            throw Self.failure("frame_too_large", "a frame exceeds \(maxFrameBytes) bytes", 1009, limit: maxFrameBytes)
        }
        // Checked before the payload arrives, so an oversized message is refused without buffering it.
        try checkSequence(opcode, length: Int(length))
        guard available >= headerLength + Int(length) else { return nil }
        let payloadStart = start + headerLength
        let payload = Array(buffer[payloadStart..<(payloadStart + Int(length))])
        start = payloadStart + Int(length)
        return .some(try complete(opcode, fin: fin, payload: payload))
    }

    private func checkSequence(_ opcode: WebSocketOpcode, length: Int) throws(MCPError) {
        switch opcode {
        case .continuation:
            guard fragmentOpcode != nil else {
                throw Self.failure("unexpected_continuation", "a continuation frame without a message to continue", 1002)
            }
            guard fragments.count + length <= maxMessageBytes else {
                throw Self.failure("message_too_large", "a message exceeds \(maxMessageBytes) bytes", 1009, limit: maxMessageBytes)
            }
        case .text, .binary:
            guard fragmentOpcode == nil else {
                throw Self.failure("expected_continuation", "a new message began inside a fragmented one", 1002)
            }
            guard length <= maxMessageBytes else {
                throw Self.failure("message_too_large", "a message exceeds \(maxMessageBytes) bytes", 1009, limit: maxMessageBytes)
            }
        case .close, .ping, .pong:
            break
        }
    }

    private mutating func complete(_ opcode: WebSocketOpcode, fin: Bool, payload: [UInt8]) throws(MCPError) -> WebSocketMessage? {
        switch opcode {
        case .ping: return .ping(payload)
        case .pong: return .pong(payload)
        case .close:
            receivedClose = true
            return try Self.closeMessage(payload)
        case .text, .binary:
            guard !fin else { return try Self.message(opcode, payload) }
            fragmentOpcode = opcode
            fragments = payload
            return nil
        case .continuation:
            fragments += payload
            guard fin, let opcode = fragmentOpcode else { return nil }
            let whole = fragments
            fragmentOpcode = nil
            fragments = []
            return try Self.message(opcode, whole)
        }
    }

    private static func message(_ opcode: WebSocketOpcode, _ payload: [UInt8]) throws(MCPError) -> WebSocketMessage {
        guard opcode == .text else { return .binary(payload) }
        guard let text = String(validating: payload, as: UTF8.self) else {
            throw failure("invalid_utf8", "a text message is not valid UTF-8", 1007)
        }
        return .text(text)
    }

    private static func closeMessage(_ payload: [UInt8]) throws(MCPError) -> WebSocketMessage {
        if payload.isEmpty { return .close(code: nil, reason: "") }
        guard payload.count >= 2 else { throw failure("invalid_close_payload", "a close frame with a 1-byte body", 1002) }
        let code = UInt16(payload[0]) << 8 | UInt16(payload[1])
        guard isValidCloseCode(code) else { throw failure("invalid_close_code", "close code \(code) may not be sent", 1002) }
        guard let reason = String(validating: payload[2...], as: UTF8.self) else {
            throw failure("invalid_utf8", "a close reason is not valid UTF-8", 1007)
        }
        return .close(code: code, reason: reason)
    }

    /// Codes a peer may put on the wire (RFC 6455 §7.4 and the IANA registry); 1005, 1006 and 1015 are local-only.
    public static func isValidCloseCode(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1014, 3000...4999: true
        default: false
        }
    }

    private static func failure(_ reason: String, _ message: String, _ closeCode: Int64, limit: Int? = nil) -> MCPError {
        var details: JSONObject = ["reason": .string(reason), "closeCode": .int(closeCode)]
        if let limit { details["limit"] = .int(Int64(limit)) }
        return MCPError(.protocolError, "WebSocket: \(message)", details: details)
    }
}
