/// Serializes JSON values to compact UTF-8 (no whitespace, key order preserved, never a newline).
///
/// It writes into its own buffer through a pointer: `Array.append` checks uniqueness and capacity on every byte and
/// run, which made serializing a tool result cost more than parsing it. Not copyable, so the buffer has one owner.
public struct JSONWriter: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var count = 0
    private var capacity: Int
    /// An object to copy rather than serialize wherever it is written (see `JSONPassThrough`).
    private var passThrough: JSONPassThrough?
    private var passThroughIdentity: UnsafeRawPointer?
    /// Whether the pass-through object was met and written as its bytes.
    public private(set) var copiedPassThrough = false

    public init(capacity: Int = 512) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// Writes `passThrough`'s object, wherever it occurs unchanged, as its bytes.
    public mutating func copying(_ passThrough: JSONPassThrough?) {
        guard let passThrough, let identity = passThrough.identity else { return }
        self.passThrough = passThrough
        passThroughIdentity = identity
    }

    /// What has been written so far (a copy).
    public var bytes: [UInt8] { [UInt8](UnsafeBufferPointer(start: base, count: count)) }

    /// What has been written so far, without copying it.
    public func withUnsafeBytes<Result, Failure>(_ body: (UnsafeBufferPointer<UInt8>) throws(Failure) -> Result) throws(Failure) -> Result {
        try body(UnsafeBufferPointer(start: base, count: count))
    }

    public static func serialize(_ value: JSONValue) -> [UInt8] {
        var writer = JSONWriter()
        writer.write(value)
        return writer.bytes
    }

    public static func string(_ value: JSONValue) -> String {
        var writer = JSONWriter()
        writer.write(value)
        return writer.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }

    public mutating func write(_ value: JSONValue) {
        switch value {
        case .null: appendASCII("null")
        case .bool(let b): if b { appendASCII("true") } else { appendASCII("false") }
        case .int(let i): writeInteger(i)
        case .double(let d): writeDouble(d)
        case .string(let s): writeString(s)
        case .array(let elements):
            put(UInt8(ascii: "["))
            // Through the buffer: iterating the array itself copies (retains) every element.
            elements.withUnsafeBufferPointer { elements in
                for index in elements.indices {
                    if index > 0 { put(UInt8(ascii: ",")) }
                    write(elements[index])
                }
            }
            put(UInt8(ascii: "]"))
        case .object(let object):
            if let passThrough, !object.isEmpty, JSONPassThrough.identity(of: object) == passThroughIdentity {
                copiedPassThrough = true
                let appended = passThrough.appended.entries
                let copied = appended.isEmpty ? passThrough.bytes : passThrough.bytes.dropLast()  // its brace comes after them
                copied.withUnsafeBufferPointer { if let source = $0.baseAddress { put(source, $0.count) } }
                if appended.isEmpty { return }
                appended.withUnsafeBufferPointer { entries in
                    for index in entries.indices {
                        put(UInt8(ascii: ","))  // after the object's own members (never empty)
                        writeString(entries[index].key)
                        put(UInt8(ascii: ":"))
                        write(entries[index].value)
                    }
                }
                put(UInt8(ascii: "}"))
                return
            }
            put(UInt8(ascii: "{"))
            object.entries.withUnsafeBufferPointer { entries in
                for index in entries.indices {
                    if index > 0 { put(UInt8(ascii: ",")) }
                    writeString(entries[index].key)
                    put(UInt8(ascii: ":"))
                    write(entries[index].value)
                }
            }
            put(UInt8(ascii: "}"))
        }
    }

    /// Appends bytes that are already valid JSON (used to splice in a fragment without re-serializing it).
    public mutating func writeRaw(_ raw: some Collection<UInt8>) {
        let done: Void? = raw.withContiguousStorageIfAvailable { buffer in
            if let source = buffer.baseAddress { put(source, buffer.count) }
        }
        if done == nil { for byte in raw { put(byte) } }
    }

    public mutating func appendASCII(_ text: StaticString) {
        put(text.utf8Start, text.utf8CodeUnitCount)
    }

    public mutating func writeInteger(_ value: Int64) {
        var magnitude = value.magnitude
        var digits = 1
        var rest = magnitude / 10
        while rest > 0 { digits += 1; rest /= 10 }
        let length = value < 0 ? digits + 1 : digits
        reserve(length)
        if value < 0 { base[count] = UInt8(ascii: "-") }
        var index = count + length
        repeat {
            index -= 1
            base[index] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: magnitude % 10)
            magnitude /= 10
        } while magnitude > 0
        count += length
    }

    public mutating func writeDouble(_ value: Double) {
        // JSON has no NaN or infinity.
        guard value.isFinite else { appendASCII("null"); return }
        guard var text = Self.decimalSpelling(value) else { writeInteger(Int64(value)); return }
        text.withUTF8 { if let source = $0.baseAddress { put(source, $0.count) } }
    }

    /// How `writeDouble` spells a finite double: its shortest round-trip form, or nil for a whole number below 1e15
    /// (written as an integer). The parser compares it with a number's text to know whether it is written as it came.
    static func decimalSpelling(_ value: Double) -> String? {
        writesAsInteger(value) ? nil : value.description
    }

    /// Whether `writeDouble` writes `value` as an integer (so it reads back as `.int`): a whole number below 1e15.
    @inline(__always) public static func writesAsInteger(_ value: Double) -> Bool { value.rounded() == value && abs(value) < 1e15 }

    public mutating func writeString(_ string: String) {
        let done: Void? = string.utf8.withContiguousStorageIfAvailable { writeEscaped($0) }
        if done == nil {
            var string = string
            string.withUTF8 { writeEscaped($0) }
        }
    }

    /// A quoted JSON string; `utf8` is valid UTF-8 (a Swift string's bytes).
    private mutating func writeEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        let length = utf8.count
        reserve(length + 2)
        base[count] = UInt8(ascii: "\"")
        count += 1
        guard let source = utf8.baseAddress else { put(UInt8(ascii: "\"")); return }
        // Most strings need no escape: copied (eight bytes at a time while possible) up to the first byte that does.
        // Inline: for the short strings of MCP messages a memcpy call costs more than the copy.
        let destination = base + count
        var index = 0
        while length - index >= 8 {
            let word = UnsafeRawPointer(source + index).loadUnaligned(as: UInt64.self)
            if Self.mayNeedEscape(word) { break }
            UnsafeMutableRawPointer(destination + index).storeBytes(of: word, as: UInt64.self)
            index += 8
        }
        // The rest (under eight bytes): one word that ends at the string's end, overlapping what is already copied.
        if index < length, length >= 8, length - index < 8 {
            let word = UnsafeRawPointer(source + length - 8).loadUnaligned(as: UInt64.self)
            if !Self.mayNeedEscape(word) {
                UnsafeMutableRawPointer(destination + length - 8).storeBytes(of: word, as: UInt64.self)
                index = length
            }
        } else if length < 8, length >= 4 {
            let head = UnsafeRawPointer(source).loadUnaligned(as: UInt32.self)
            let tail = UnsafeRawPointer(source + length - 4).loadUnaligned(as: UInt32.self)
            if !Self.mayNeedEscape(UInt64(head) | UInt64(tail) << 32) {
                UnsafeMutableRawPointer(destination).storeBytes(of: head, as: UInt32.self)
                UnsafeMutableRawPointer(destination + length - 4).storeBytes(of: tail, as: UInt32.self)
                index = length
            }
        }
        while index < length {
            let byte = source[index]
            if Self.needsEscape(byte) { break }
            destination[index] = byte
            index += 1
        }
        count += index
        if index == length {
            base[count] = UInt8(ascii: "\"")  // room reserved above
            count += 1
            return
        }
        var runStart = index
        while index < length {
            let byte = source[index]
            guard Self.needsEscape(byte) else { index += 1; continue }
            put(source + runStart, index - runStart)
            index += 1
            runStart = index
            switch byte {
            case UInt8(ascii: "\""): appendASCII("\\\"")
            case UInt8(ascii: "\\"): appendASCII("\\\\")
            case 0x0A: appendASCII("\\n")
            case 0x0D: appendASCII("\\r")
            case 0x09: appendASCII("\\t")
            case 0x08: appendASCII("\\b")
            case 0x0C: appendASCII("\\f")
            default:
                appendASCII("\\u00")
                put(Self.hexDigit(byte >> 4))
                put(Self.hexDigit(byte & 0xF))
            }
        }
        put(source + runStart, length - runStart)
        put(UInt8(ascii: "\""))
    }

    @inline(__always) private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    /// Whether any of the eight bytes is a control character, `"` or `\` (false positives only cost a slower look).
    @inline(__always) private static func mayNeedEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        func hasZeroByte(_ x: UInt64) -> Bool { (x &- ones) & ~x & highs != 0 }
        let control = (word &- ones &* 0x20) & ~word & highs != 0
        return control || hasZeroByte(word ^ (ones &* 0x22)) || hasZeroByte(word ^ (ones &* 0x5C))
    }

    @inline(__always) private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    @inline(__always) private mutating func reserve(_ extra: Int) {
        if capacity - count < extra { grow(extra) }
    }

    @inline(never) private mutating func grow(_ extra: Int) {
        let needed = count + extra
        var newCapacity = capacity
        while newCapacity < needed { newCapacity *= 2 }
        let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        larger.initialize(from: base, count: count)
        base.deallocate()
        base = larger
        capacity = newCapacity
    }

    @inline(__always) private mutating func put(_ byte: UInt8) {
        reserve(1)
        base[count] = byte
        count += 1
    }

    @inline(__always) private mutating func put(_ source: UnsafePointer<UInt8>, _ length: Int) {
        guard length > 0 else { return }
        reserve(length)
        (base + count).initialize(from: source, count: length)
        count += length
    }
}

extension JSONValue {
    /// Compact JSON text.
    public var jsonString: String { JSONWriter.string(self) }
}
