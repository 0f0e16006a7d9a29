// libFuzzer target for SSEParser (the WHATWG event-stream reader under the SSE and Streamable HTTP transports):
// scripts/fuzz sse [seconds].
//
// Input: byte 0 sets the event cap (64 bytes to 16 KiB) and the chunk size; the rest is the stream.
// Properties, besides "no crash, no hang, no sanitizer report":
//   - chunk boundaries never change the result: the stream fed whole, byte by byte and in chunks of the chosen
//     size yields the same events, the same error, the same last event id, retry and comment count;
//   - no event's data is over the cap, no event type or id holds a line break, an id never holds NUL;
//   - after an error every later read reports the same error and no events;
//   - the events written back as an event stream read back equal.
import MCPClientCore
import MCPClientTransport

struct Outcome: Equatable {
    var events: [SSEEvent] = []
    var error: String?
    var lastEventID = ""
    var reconnectionTime: Int?
    var comments = 0
    var droppedAtEnd = false
}

func run(_ stream: ArraySlice<UInt8>, maxEventBytes: Int, chunk: Int) -> Outcome {
    var parser = SSEParser(maxEventBytes: maxEventBytes)
    var outcome = Outcome()
    var start = stream.startIndex
    while start < stream.endIndex {
        let end = min(start + chunk, stream.endIndex)
        let chunk = parser.read(Array(stream[start..<end]))
        outcome.events += chunk.events
        if let failure = chunk.failure {
            outcome.error = failure.message
            let again = parser.read([0x0A, 0x0A])
            if !again.events.isEmpty { fatalError("a broken parser accepted more bytes") }
            if again.failure?.message != failure.message { fatalError("a broken parser reported another error: \(String(describing: again.failure))") }
            break
        }
        start = end
    }
    outcome.lastEventID = parser.lastEventID
    outcome.reconnectionTime = parser.reconnectionTime
    outcome.comments = parser.commentCount
    if outcome.error == nil { outcome.droppedAtEnd = parser.finish() }
    return outcome
}

/// The shortest stream that carries these events (field values that start with a space keep it after "field: ").
func write(_ events: [SSEEvent]) -> [UInt8] {
    var out: [UInt8] = []
    func field(_ name: String, _ value: String) {
        out += Array(name.utf8)
        out.append(UInt8(ascii: ":"))
        if value.utf8.first == UInt8(ascii: " ") { out.append(UInt8(ascii: " ")) }
        out += Array(value.utf8)
        out.append(0x0A)
    }
    var lastID = ""
    for event in events {
        if event.type != "message" { field("event", event.type) }
        if (event.id ?? "") != lastID {
            field("id", event.id ?? "")
            lastID = event.id ?? ""
        }
        if let retry = event.retry { field("retry", String(retry)) }
        for line in event.data.utf8.split(separator: 0x0A, omittingEmptySubsequences: false) {
            field("data", String(decoding: line, as: UTF8.self))
        }
        out.append(0x0A)
    }
    return out
}

/// Chunking must not change the result: the events completed before an error come back with it, whatever the chunks.
func sameResult(_ whole: Outcome, _ other: Outcome) -> Bool { whole == other }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSSE(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let maxEventBytes = 64 << Int(bytes[0] & 7)
    let chunk = Int(bytes[0] >> 3) + 2
    let stream = Array(bytes.dropFirst())[...]

    let whole = run(stream, maxEventBytes: maxEventBytes, chunk: max(stream.count, 1))
    let single = run(stream, maxEventBytes: maxEventBytes, chunk: 1)
    let chunked = run(stream, maxEventBytes: maxEventBytes, chunk: chunk)
    if !sameResult(whole, single) || !sameResult(whole, chunked) {
        fatalError("chunking changed the result:\nwhole: \(whole)\nbyte by byte: \(single)\nchunks of \(chunk): \(chunked)")
    }
    for event in whole.events {
        if event.data.utf8.count > maxEventBytes * 3 { fatalError("event data of \(event.data.utf8.count) bytes over the cap") }
        for text in [event.type, event.id ?? ""] where text.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D }) {
            fatalError("a line break inside an event type or id: \(event)")
        }
        if event.id?.utf8.contains(0) == true { fatalError("an id with NUL: \(event)") }
        if event.data.utf8.contains(0x0D) { fatalError("a CR inside event data: \(event)") }
    }
    // Invalid UTF-8 becomes U+FFFD (3 bytes for 1), so the rewritten stream gets a larger cap.
    let rewritten = write(whole.events)
    let again = run(rewritten[...], maxEventBytes: maxEventBytes * 3 + 16, chunk: rewritten.count + 1)
    if again.error != nil || again.events != whole.events {
        fatalError("written events do not read back:\n\(whole.events)\n---\n\(again)")
    }
    return 0
}
