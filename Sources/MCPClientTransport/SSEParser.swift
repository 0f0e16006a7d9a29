public import MCPClientCore

/// One dispatched server-sent event.
public struct SSEEvent: Sendable, Equatable {
    /// The `event` field, "message" when the block had none.
    public var type: String
    public var data: String
    /// The stream's last event id once this event was dispatched (nil when empty), as a reconnect would send it.
    public var id: String?
    /// A valid `retry` value seen in this event's block, if any.
    public var retry: Int?

    public init(type: String = "message", data: String, id: String? = nil, retry: Int? = nil) {
        self.type = type
        self.data = data
        self.id = id
        self.retry = retry
    }
}

/// The WHATWG "interpret an event stream" algorithm as an incremental, I/O-free parser.
///
/// Give it bytes in chunks of any size; each `read` returns the events completed by that chunk. Chunk boundaries
/// never change the result, including a CR at the end of one chunk and its LF at the start of the next.
/// After an error the stream is broken: every later `read` reports the same error.
/// `finish()` ends the stream; as the standard requires, an event without its closing blank line is discarded.
public struct SSEParser: Sendable {
    public let maxEventBytes: Int
    /// Without an explicit line cap, a line longer than `maxEventBytes` plus "data: " cannot carry a valid event,
    /// so that is the bound; memory stays limited even when the server never sends a line end.
    public let maxLineBytes: Int

    /// The last event id buffer (empty when none or reset by an empty `id`).
    public private(set) var lastEventID = ""
    /// The most recent valid `retry` value, in milliseconds.
    public private(set) var reconnectionTime: Int?
    /// Comment lines seen (servers send ":" keep-alives); a transport compares it to reset idle timers.
    public private(set) var commentCount = 0

    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false
    private var eventType = ""
    private var blockRetry: Int?
    private var blockHasFields = false
    private var afterCR = false
    private var bomBytes: [UInt8] = []
    private var bomChecked = false

    private static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
    private static let lf: UInt8 = 0x0A
    private static let cr: UInt8 = 0x0D

    public init(maxEventBytes: Int, maxLineBytes: Int? = nil) {
        self.maxEventBytes = maxEventBytes
        self.maxLineBytes = maxLineBytes ?? maxEventBytes + 6
    }

    /// The events one chunk completed, and the error that broke the stream after them.
    public typealias Chunk = DecodedChunk<SSEEvent>

    /// The error that broke the stream, once one did.
    public private(set) var failure: MCPError?

    /// Parses one chunk. Never throws: what the chunk completed before an error comes back with that error.
    public mutating func read(_ bytes: UnsafeRawBufferPointer) -> Chunk {
        if let failure { return Chunk(items: [], failure: failure) }
        var events: [SSEEvent] = []
        do {
            for byte in bytes { try consume(byte, into: &events) }
        } catch {
            failure = error
        }
        return Chunk(items: events, failure: failure)
    }

    public mutating func read(_ bytes: [UInt8]) -> Chunk { bytes.withUnsafeBytes { read($0) } }

    /// Ends the stream. Returns true when an unfinished event (fields without the closing blank line) was dropped,
    /// which a transport may report as a truncated response.
    @discardableResult
    public mutating func finish() -> Bool {
        let dropped = blockHasFields || !line.isEmpty || (!bomChecked && !bomBytes.isEmpty)
        line.removeAll()
        resetBlock()
        bomBytes.removeAll()
        bomChecked = true
        afterCR = false
        return dropped
    }

    private mutating func consume(_ byte: UInt8, into events: inout [SSEEvent]) throws(MCPError) {
        if !bomChecked {
            // The BOM is skipped once, at the very start; a partial match is ordinary content.
            bomBytes.append(byte)
            if bomBytes == Self.bom {
                bomChecked = true
                bomBytes.removeAll()
            } else if !Self.bom.starts(with: bomBytes) {
                bomChecked = true
                let pending = bomBytes
                bomBytes.removeAll()
                for pendingByte in pending { try consume(pendingByte, into: &events) }
            }
            return
        }
        if afterCR {
            afterCR = false
            if byte == Self.lf { return }
        }
        switch byte {
        case Self.cr:
            afterCR = true
            try endLine(into: &events)
        case Self.lf:
            try endLine(into: &events)
        default:
            guard line.count < maxLineBytes else {
                throw MCPError.transport("an SSE line exceeds \(maxLineBytes) bytes",
                    details: ["reason": "sse_line_too_large", "limit": .int(Int64(maxLineBytes))])
            }
            line.append(byte)
        }
    }

    private mutating func endLine(into events: inout [SSEEvent]) throws(MCPError) {
        defer { line.removeAll(keepingCapacity: true) }
        guard let first = line.first else {
            if let event = dispatch() { events.append(event) }
            return
        }
        if first == UInt8(ascii: ":") {
            commentCount += 1
            return
        }
        let name: ArraySlice<UInt8>
        var value: ArraySlice<UInt8>
        if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
            name = line[..<colon]
            value = line[(colon + 1)...]
            if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
        } else {
            name = line[...]
            value = []
        }
        try process(field: name, value: value)
    }

    private mutating func process(field name: ArraySlice<UInt8>, value: ArraySlice<UInt8>) throws(MCPError) {
        blockHasFields = true
        switch String(decoding: name, as: UTF8.self) {
        case "data":
            let separator = hasData ? 1 : 0
            guard data.count + separator + value.count <= maxEventBytes else {
                throw MCPError.transport("an SSE event exceeds \(maxEventBytes) bytes",
                    details: ["reason": "sse_event_too_large", "limit": .int(Int64(maxEventBytes))])
            }
            // Joined with LF; keeping no trailing LF is the same as the standard's "remove the last LF".
            if hasData { data.append(Self.lf) }
            data.append(contentsOf: value)
            hasData = true
        case "event":
            eventType = String(decoding: value, as: UTF8.self)
        case "id":
            if !value.contains(0) { lastEventID = String(decoding: value, as: UTF8.self) }
        case "retry":
            if let milliseconds = Self.decimal(value) {
                reconnectionTime = milliseconds
                blockRetry = milliseconds
            }
        default:
            break
        }
    }

    /// All ASCII digits and no overflow, else nil (the field is ignored).
    private static func decimal(_ digits: ArraySlice<UInt8>) -> Int? {
        guard !digits.isEmpty else { return nil }
        var result = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            let (times10, overflow1) = result.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(digit - UInt8(ascii: "0")))
            if overflow1 || overflow2 { return nil }
            result = sum
        }
        return result
    }

    private mutating func dispatch() -> SSEEvent? {
        defer { resetBlock() }
        // The id already updated `lastEventID`; an event with no data is dropped without undoing that.
        guard hasData else { return nil }
        return SSEEvent(type: eventType.isEmpty ? "message" : eventType, data: String(decoding: data, as: UTF8.self),
            id: lastEventID.isEmpty ? nil : lastEventID, retry: blockRetry)
    }

    private mutating func resetBlock() {
        data.removeAll(keepingCapacity: true)
        hasData = false
        eventType = ""
        blockRetry = nil
        blockHasFields = false
    }
}
