import MCPClientCore
import MCPClientTransport
import MCPClientTesting
import Testing

extension WebSocketDecoder {
    /// `read`, for tests that expect no error: the chunk's messages, or its error (then the messages are not needed).
    fileprivate mutating func messages(_ bytes: [UInt8]) throws(MCPError) -> [WebSocketMessage] {
        let chunk = read(bytes)
        if let failure = chunk.failure { throw failure }
        return chunk.messages
    }
}

/// An unmasked server frame.
private func serverFrame(_ opcode: UInt8, _ payload: [UInt8], fin: Bool = true, rsv: UInt8 = 0) -> [UInt8] {
    var frame: [UInt8] = [(fin ? 0x80 : 0) | rsv | opcode]
    switch payload.count {
    case 0...125: frame.append(UInt8(payload.count))
    case 126...0xFFFF: frame += [126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
    default: frame += [127] + (0..<8).map { UInt8(truncatingIfNeeded: UInt64(payload.count) >> UInt64(56 - 8 * $0)) }
    }
    return frame + payload
}

private func decode(_ bytes: [UInt8], maxFrame: Int = 1 << 20, maxMessage: Int = 1 << 20, byteByByte: Bool = false)
    throws(MCPError) -> [WebSocketMessage]
{
    var decoder = WebSocketDecoder(maxFrameBytes: maxFrame, maxMessageBytes: maxMessage)
    guard byteByByte else { return try decoder.messages(bytes) }
    var messages: [WebSocketMessage] = []
    for byte in bytes { messages += try decoder.messages([byte]) }
    return messages
}

private func rejection(_ bytes: [UInt8], maxFrame: Int = 1 << 20, maxMessage: Int = 1 << 20) -> (reason: String?, closeCode: Int64?) {
    do {
        _ = try decode(bytes, maxFrame: maxFrame, maxMessage: maxMessage)
        return (nil, nil)
    } catch {
        return (error.details["reason"]?.stringValue, error.details["closeCode"]?.int64Value)
    }
}

private let hello = Array("Hello".utf8)

@Suite struct WebSocketHandshakeTests {
    @Test func acceptKeyMatchesTheRFCExample() {
        #expect(WebSocketHandshake.acceptValue(forKey: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    @Test func acceptKeyHashesInputsOfEveryBlockCount() {
        // Expected values from Python's hashlib; 36 and 39 bytes (key plus GUID) fit one block, 136 bytes need three.
        #expect(WebSocketHandshake.acceptValue(forKey: "") == "Kfh9QIsMVZcl6xEPYxPHzW8SZ8w=")
        #expect(WebSocketHandshake.acceptValue(forKey: "abc") == "zwKd5BnoWxQ6GxTxxSmBSHGHX9M=")
        #expect(WebSocketHandshake.acceptValue(forKey: String(repeating: "x", count: 100)) == "DJTE+uYDnPxiT+W6VvIG/iPUxv8=")
    }

    @Test func keysAre16RandomBytesInBase64() {
        let key = WebSocketHandshake.makeKey()
        #expect(key.utf8.count == 24 && key.hasSuffix("=="))
        #expect(key != WebSocketHandshake.makeKey())
    }

    @Test func requestCarriesTheUpgradeHeadersAndExtras() throws {
        let url = try ParsedURL("wss://Example.com:8443/mcp?x=1")
        let head = String(decoding: try WebSocketHandshake.request(url: url, key: "k==", extraHeaders: [("Authorization", "Bearer t")]),
            as: UTF8.self)
        #expect(head == """
            GET /mcp?x=1 HTTP/1.1\r
            Host: example.com:8443\r
            Upgrade: websocket\r
            Connection: Upgrade\r
            Sec-WebSocket-Key: k==\r
            Sec-WebSocket-Version: 13\r
            Sec-WebSocket-Protocol: mcp\r
            Authorization: Bearer t\r
            \r

            """)
    }

    @Test func requestRefusesInjectedOrReservedHeadersAndHTTPURLs() throws {
        let url = try ParsedURL("ws://example.com/")
        #expect(throws: MCPError.self) { try WebSocketHandshake.request(url: url, key: "k", extraHeaders: [("X", "a\r\nEvil: 1")]) }
        #expect(throws: MCPError.self) { try WebSocketHandshake.request(url: url, key: "k", extraHeaders: [("Bad Name", "v")]) }
        #expect(throws: MCPError.self) { try WebSocketHandshake.request(url: url, key: "k", extraHeaders: [("sec-websocket-protocol", "x")]) }
        #expect(throws: MCPError.self) { try WebSocketHandshake.request(url: try ParsedURL("http://example.com/"), key: "k") }
    }

    @Test func validatesTheServerResponse() {
        let key = "dGhlIHNhbXBsZSBub25jZQ=="
        let good: [(name: String, value: String)] = [
            ("upgrade", "WebSocket"), ("Connection", "keep-alive, Upgrade"), ("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
            ("Sec-WebSocket-Protocol", "mcp"),
        ]
        #expect(WebSocketHandshake.validateResponse(status: 101, headers: good, key: key) == nil)
        #expect(WebSocketHandshake.validateResponse(status: 101, headers: Array(good.dropLast()), key: key) == nil)
        func reason(_ status: Int, _ headers: [(name: String, value: String)]) -> String? {
            WebSocketHandshake.validateResponse(status: status, headers: headers, key: key)?.details["reason"]?.stringValue
        }
        #expect(reason(200, good) == "websocket_status")
        #expect(reason(101, [good[1], good[2]]) == "websocket_upgrade")
        #expect(reason(101, [good[0], ("Connection", "close"), good[2]]) == "websocket_connection")
        #expect(reason(101, [good[0], good[1], ("Sec-WebSocket-Accept", "wrong=")]) == "websocket_accept")
        #expect(reason(101, [good[0], good[1]]) == "websocket_accept")
        #expect(reason(101, [good[0], good[1], good[2], ("Sec-WebSocket-Protocol", "chat")]) == "websocket_protocol")
        #expect(reason(101, good + [("Sec-WebSocket-Extensions", "permessage-deflate")]) == "websocket_extensions")
    }
}

@Suite struct WebSocketCodecTests {
    @Test func decodesTheRFCUnmaskedHelloExample() throws {
        #expect(try decode([0x81, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F]) == [.text("Hello")])
    }

    @Test func encodesTheRFCMaskedHelloExample() throws {
        let frame = try WebSocketFrameEncoder.frame(.text, payload: hello, maskKey: [0x37, 0xFA, 0x21, 0x3D])
        #expect(frame == [0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58])
    }

    @Test func reassemblesTheRFCFragmentedExample() throws {
        let bytes: [UInt8] = [0x01, 0x03, 0x48, 0x65, 0x6C, 0x80, 0x02, 0x6C, 0x6F]
        #expect(try decode(bytes) == [.text("Hello")])
        #expect(try decode(bytes, byteByByte: true) == [.text("Hello")])
    }

    @Test func decodesTheRFCPingAndPongExamples() throws {
        #expect(try decode([0x89, 0x05] + hello) == [.ping(hello)])
        #expect(try decode([0x8A, 0x05] + hello) == [.pong(hello)])
        let pong = try WebSocketFrameEncoder.frame(.pong, payload: hello, maskKey: [0x37, 0xFA, 0x21, 0x3D])
        #expect(pong == [0x8A, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58])
    }

    @Test func usesSixteenAndSixtyFourBitLengths() throws {
        let medium = [UInt8](repeating: 0x61, count: 256)
        #expect(try decode([0x82, 0x7E, 0x01, 0x00] + medium) == [.binary(medium)])
        let large = [UInt8](repeating: 0x62, count: 65536)
        #expect(try decode([0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0] + large) == [.binary(large)])
        let key: [UInt8] = [1, 2, 3, 4]
        let encodedMedium = try WebSocketFrameEncoder.frame(.binary, payload: medium, maskKey: key)
        #expect(Array(encodedMedium.prefix(4)) == [0x82, 0xFE, 0x01, 0x00])
        #expect(encodedMedium.count == 4 + 4 + 256)
        let encodedLarge = try WebSocketFrameEncoder.frame(.binary, payload: large, maskKey: key)
        #expect(Array(encodedLarge.prefix(10)) == [0x82, 0xFF, 0, 0, 0, 0, 0, 1, 0, 0])
        #expect(try decode(serverFrame(0x1, Array(repeating: 0x7A, count: 125))).count == 1)
        #expect(try WebSocketFrameEncoder.frame(.text, payload: Array(repeating: 0, count: 125), maskKey: key)[1] == 0x80 | 125)
    }

    @Test func encoderAlwaysMasksWithAFreshKeyAndRoundTrips() throws {
        var generator = SeededGenerator(seed: 7)
        let first = try WebSocketFrameEncoder.frame(.text, payload: hello, using: &generator)
        let second = try WebSocketFrameEncoder.frame(.text, payload: hello, using: &generator)
        #expect(first[1] & 0x80 != 0)
        #expect(first[2..<6] != second[2..<6])
        let key = Array(first[2..<6])
        #expect(first[6...].enumerated().map { $0.element ^ key[$0.offset & 3] } == hello)
        let continuation = try WebSocketFrameEncoder.frame(.continuation, payload: [], fin: false, maskKey: key)
        #expect(continuation[0] == 0x00)
        #expect(throws: MCPError.self) { try WebSocketFrameEncoder.frame(.ping, payload: Array(repeating: 0, count: 126)) }
        #expect(throws: MCPError.self) { try WebSocketFrameEncoder.frame(.ping, payload: [], fin: false) }
    }

    @Test func closeFramesCarryCodeAndReason() throws {
        let frame = try WebSocketFrameEncoder.close(code: 1000, reason: "bye")
        let key = Array(frame[2..<6])
        #expect(frame[0] == 0x88 && frame[1] == 0x80 | 5)
        #expect(frame[6...].enumerated().map { $0.element ^ key[$0.offset & 3] } == [0x03, 0xE8] + Array("bye".utf8))
        let long = try WebSocketFrameEncoder.close(code: 1001, reason: String(repeating: "é", count: 100))
        #expect(long[1] & 0x7F == 124)  // 2 + 61 two-byte characters, never a split one
        #expect(try WebSocketFrameEncoder.close(code: nil)[1] == 0x80)
        #expect(try decode(serverFrame(0x8, [0x03, 0xE8] + Array("done".utf8))) == [.close(code: 1000, reason: "done")])
        #expect(try decode(serverFrame(0x8, [])) == [.close(code: nil, reason: "")])
    }

    @Test func controlFramesMayInterleaveAFragmentedMessage() throws {
        let bytes = serverFrame(0x1, Array("Hel".utf8), fin: false) + serverFrame(0x9, [1]) + serverFrame(0x0, Array("l".utf8), fin: false)
            + serverFrame(0xA, []) + serverFrame(0x0, Array("o".utf8))
        let expected: [WebSocketMessage] = [.ping([1]), .pong([]), .text("Hello")]
        #expect(try decode(bytes) == expected)
        #expect(try decode(bytes, byteByByte: true) == expected)
    }

    @Test func byteByByteFeedingMatchesWholeFeeding() throws {
        let text = "{\"jsonrpc\":\"2.0\",\"id\":1} ✓"
        let bytes = serverFrame(0x1, Array(text.utf8)) + serverFrame(0x2, Array(repeating: 9, count: 300))
            + serverFrame(0x2, Array(repeating: 8, count: 70000)) + serverFrame(0x8, [0x0F, 0xA0])
        let expected: [WebSocketMessage] = [
            .text(text), .binary(Array(repeating: 9, count: 300)), .binary(Array(repeating: 8, count: 70000)),
            .close(code: 4000, reason: ""),
        ]
        #expect(try decode(bytes) == expected)
        #expect(try decode(bytes, byteByByte: true) == expected)
    }

    @Test func textSplitInsideACharacterAcrossFragmentsIsValid() throws {
        let check = Array("✓".utf8)
        let bytes = serverFrame(0x1, [check[0]], fin: false) + serverFrame(0x0, Array(check[1...]))
        #expect(try decode(bytes) == [.text("✓")])
    }

    @Test func nothingIsDecodedAfterClose() throws {
        var decoder = WebSocketDecoder(maxFrameBytes: 1024, maxMessageBytes: 1024)
        let messages = try decoder.messages(serverFrame(0x8, [0x03, 0xE8]) + serverFrame(0x1, hello))
        #expect(messages == [.close(code: 1000, reason: "")])
        #expect(decoder.receivedClose)
        let later = try decoder.messages(serverFrame(0x1, hello))
        #expect(later.isEmpty)
    }

    @Test(arguments: [
        (serverFrame(0x1, hello, rsv: 0x40), "reserved_bits", Int64(1002)),
        (serverFrame(0x1, hello, rsv: 0x10), "reserved_bits", 1002),
        (serverFrame(0x3, hello), "reserved_opcode", 1002),
        (serverFrame(0xB, []), "reserved_opcode", 1002),
        ([0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58], "masked_server_frame", 1002),
        (serverFrame(0x9, Array(repeating: 0, count: 126)), "control_too_large", 1002),
        (serverFrame(0x9, hello, fin: false), "fragmented_control", 1002),
        (serverFrame(0x8, [0x03]), "invalid_close_payload", 1002),
        (serverFrame(0x0, hello), "unexpected_continuation", 1002),
        (serverFrame(0x1, hello, fin: false) + serverFrame(0x1, hello), "expected_continuation", 1002),
        ([0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0], "invalid_length", 1002),
        (serverFrame(0x1, [0xC3, 0x28]), "invalid_utf8", 1007),
        (serverFrame(0x1, [0xED, 0xA0, 0x80]), "invalid_utf8", 1007),  // an encoded surrogate
        (serverFrame(0x1, [0xC0, 0xAF]), "invalid_utf8", 1007),  // overlong "/"
        (serverFrame(0x8, [0x03, 0xE8, 0xFF]), "invalid_utf8", 1007),
    ])
    func rejectsProtocolViolations(bytes: [UInt8], reason: String, closeCode: Int64) {
        let result = rejection(bytes)
        #expect(result.reason == reason)
        #expect(result.closeCode == closeCode)
    }

    @Test(arguments: [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535] as [UInt16])
    func rejectsCloseCodesThatMayNotBeSent(code: UInt16) {
        #expect(rejection(serverFrame(0x8, [UInt8(code >> 8), UInt8(code & 0xFF)])).reason == "invalid_close_code")
    }

    @Test(arguments: [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999] as [UInt16])
    func acceptsCloseCodesPeersMaySend(code: UInt16) throws {
        #expect(try decode(serverFrame(0x8, [UInt8(code >> 8), UInt8(code & 0xFF)])) == [.close(code: code, reason: "")])
    }

    @Test func enforcesFrameAndMessageSizeBeforeBuffering() {
        // Only the header is fed: the limit is known from the length field.
        let frameLimit = rejection([0x82, 0x7F, 0, 0, 0, 0, 0x10, 0, 0, 0], maxFrame: 1024)
        #expect(frameLimit.reason == "frame_too_large" && frameLimit.closeCode == 1009)
        let fragmented = serverFrame(0x2, Array(repeating: 1, count: 600), fin: false) + serverFrame(0x0, Array(repeating: 1, count: 600))
        let messageLimit = rejection(fragmented, maxFrame: 1024, maxMessage: 1000)
        #expect(messageLimit.reason == "message_too_large" && messageLimit.closeCode == 1009)
        #expect(rejection(serverFrame(0x1, Array(repeating: 0x61, count: 1001)), maxMessage: 1000).reason == "message_too_large")
        #expect(rejection(fragmented, maxFrame: 1024, maxMessage: 1200).reason == nil)
    }

    /// One read that completes messages and then hits a bad frame returns both: the messages are not lost.
    @Test func messagesCompletedBeforeAnErrorInTheSameChunkAreKept() throws {
        var decoder = WebSocketDecoder(maxFrameBytes: 1024, maxMessageBytes: 1024)
        let chunk = serverFrame(0x1, hello) + serverFrame(0x9, [7]) + serverFrame(0x1, [0xC3, 0x28]) + serverFrame(0x1, hello)
        let read = decoder.read(chunk)
        #expect(read.messages == [.text("Hello"), .ping([7])])
        #expect(read.failure?.details["reason"] == "invalid_utf8")
        #expect(read.failure?.details["closeCode"] == 1007)
        #expect(decoder.read(serverFrame(0x1, hello)).messages.isEmpty)
        // A reserved opcode after a message: the message, then the error, again on the next read.
        var reserved = WebSocketDecoder(maxFrameBytes: 1024, maxMessageBytes: 1024)
        let cut = reserved.read(serverFrame(0x1, hello) + serverFrame(0x3, []))
        #expect(cut.messages == [.text("Hello")] && cut.failure?.details["reason"] == "reserved_opcode")
        #expect(reserved.read([]).failure?.details["reason"] == "reserved_opcode")
    }

    @Test func aBrokenStreamStaysBroken() {
        var decoder = WebSocketDecoder(maxFrameBytes: 1024, maxMessageBytes: 1024)
        #expect(throws: MCPError.self) { _ = try decoder.messages(serverFrame(0x3, [])) }
        #expect(throws: MCPError.self) { _ = try decoder.messages(serverFrame(0x1, hello)) }
    }
}
