// libFuzzer target for the WebSocket frame codec (RFC 6455 §5): WebSocketDecoder on what a server sends and
// WebSocketFrameEncoder on what the client sends. scripts/fuzz websocket [seconds].
//
// Input: byte 0 sets the frame and message caps and the chunk size; the rest is the byte stream from the server.
// Properties, besides "no crash, no hang, no sanitizer report":
//   - chunk boundaries never change the result (whole, byte by byte, chunks of the chosen size): same messages,
//     same error reason and close code, same close state;
//   - every error carries a reason and a close code of 1002, 1007 or 1009; after an error, every later read reports it again;
//   - no message is over the message cap, no control payload over 125 bytes, a close code is one a peer may send;
//   - the messages written back as server frames (fragmented at the frame cap) decode to the same messages;
//   - a frame the encoder writes (masked, with a key from the input), unmasked, decodes to its payload.
import MCPClientCore
import MCPClientTransport

struct Outcome: Equatable {
    var messages: [WebSocketMessage] = []
    var error: String?
    var closed = false
}

func decode(_ stream: [UInt8], frame: Int, message: Int, chunk: Int) -> Outcome {
    var decoder = WebSocketDecoder(maxFrameBytes: frame, maxMessageBytes: message)
    var outcome = Outcome()
    var start = 0
    while start < stream.count {
        let end = min(start + chunk, stream.count)
        let chunk = decoder.read(Array(stream[start..<end]))
        outcome.messages += chunk.messages
        if let error = chunk.failure {
            guard let reason = error.details["reason"]?.stringValue, let code = error.details["closeCode"]?.int64Value,
                [1002, 1007, 1009].contains(code)
            else { fatalError("an error without a reason or a valid close code: \(error)") }
            outcome.error = "\(reason) \(code)"
            let again = decoder.read([0x81, 0x00])
            if !again.messages.isEmpty { fatalError("a failed decoder accepted more bytes") }
            if again.failure?.details["reason"] != error.details["reason"] { fatalError("a failed decoder changed its error: \(String(describing: again.failure))") }
            break
        }
        start = end
    }
    outcome.closed = decoder.receivedClose
    return outcome
}

/// Unmasked server frames for `messages`, text and binary split into frames of at most `frame` bytes.
func serverFrames(_ messages: [WebSocketMessage], frame: Int) -> [UInt8] {
    var out: [UInt8] = []
    func header(_ first: UInt8, _ count: Int) {
        out.append(first)
        switch count {
        case 0...125: out.append(UInt8(count))
        case 126...0xFFFF: out += [126, UInt8(count >> 8), UInt8(count & 0xFF)]
        default:
            out.append(127)
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: UInt64(count) >> UInt64(shift))) }
        }
    }
    func data(_ opcode: UInt8, _ payload: [UInt8]) {
        var offset = 0
        repeat {
            let end = min(offset + max(frame, 1), payload.count)
            header((end == payload.count ? 0x80 : 0) | (offset == 0 ? opcode : 0), end - offset)
            out += payload[offset..<end]
            offset = end
        } while offset < payload.count
    }
    for message in messages {
        switch message {
        case .text(let text): data(0x1, Array(text.utf8))
        case .binary(let bytes): data(0x2, bytes)
        case .ping(let bytes): header(0x89, bytes.count); out += bytes
        case .pong(let bytes): header(0x8A, bytes.count); out += bytes
        case .close(let code, let reason):
            guard let code else { header(0x88, 0); continue }
            let body = [UInt8(code >> 8), UInt8(code & 0xFF)] + Array(reason.utf8)
            header(0x88, body.count)
            out += body
        }
    }
    return out
}

func checkEncoder(_ payload: [UInt8], key: [UInt8], control: Bool) {
    let opcode: WebSocketOpcode = control ? .ping : .binary
    let payload = control ? Array(payload.prefix(125)) : payload
    let frame: [UInt8]
    do { frame = try WebSocketFrameEncoder.frame(opcode, payload: payload, maskKey: key) } catch {
        fatalError("the encoder refused a valid frame: \(error)")
    }
    guard frame.count >= 6, frame[1] & 0x80 != 0 else { fatalError("a client frame is not masked") }
    let lengthBytes = switch frame[1] & 0x7F { case 126: 2; case 127: 8; default: 0 }
    let maskStart = 2 + lengthBytes
    guard Array(frame[maskStart..<(maskStart + 4)]) == key, frame.count == maskStart + 4 + payload.count else {
        fatalError("the encoder wrote a frame of the wrong shape")
    }
    var unmasked = [frame[0], frame[1] & 0x7F] + frame[2..<maskStart]
    for (index, byte) in frame[(maskStart + 4)...].enumerated() { unmasked.append(byte ^ key[index & 3]) }
    let decoded = decode(unmasked, frame: 1 << 20, message: 1 << 20, chunk: unmasked.count)
    let expected: WebSocketMessage = control ? .ping(payload) : .binary(payload)
    if decoded.error != nil || decoded.messages != [expected] { fatalError("an encoded frame decodes to \(decoded)") }
}

/// Chunking must not change the result: the messages completed before an error come back with it, whatever the
/// chunks.
func sameResult(_ whole: Outcome, _ other: Outcome) -> Bool { whole == other }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWebSocket(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let frameCap = 16 << Int(bytes[0] & 7)
    let messageCap = frameCap * (1 + Int((bytes[0] >> 3) & 3))
    let chunk = Int(bytes[0] >> 5) + 2
    let stream = Array(bytes.dropFirst())

    let whole = decode(stream, frame: frameCap, message: messageCap, chunk: max(stream.count, 1))
    let single = decode(stream, frame: frameCap, message: messageCap, chunk: 1)
    let chunked = decode(stream, frame: frameCap, message: messageCap, chunk: chunk)
    if !sameResult(whole, single) || !sameResult(whole, chunked) {
        fatalError("chunking changed the result:\nwhole: \(whole)\nbyte by byte: \(single)\nchunks of \(chunk): \(chunked)")
    }
    for message in whole.messages {
        switch message {
        case .text(let text): if text.utf8.count > messageCap { fatalError("a text message over the cap") }
        case .binary(let payload): if payload.count > messageCap { fatalError("a binary message over the cap") }
        case .ping(let payload), .pong(let payload): if payload.count > 125 { fatalError("a control payload over 125 bytes") }
        case .close(let code, let reason):
            if let code, !WebSocketDecoder.isValidCloseCode(code) { fatalError("close code \(code) let through") }
            if reason.utf8.count > 123 { fatalError("a close reason over 123 bytes") }
        }
    }
    let rewritten = serverFrames(whole.messages, frame: frameCap)
    let again = decode(rewritten, frame: frameCap, message: messageCap, chunk: rewritten.count + 1)
    if again.error != nil || again.messages != whole.messages {
        fatalError("written frames do not read back:\n\(whole.messages)\n---\n\(again)")
    }
    if stream.count >= 4 { checkEncoder(Array(stream.dropFirst(4)), key: Array(stream.prefix(4)), control: bytes[0] & 1 != 0) }
    return 0
}
