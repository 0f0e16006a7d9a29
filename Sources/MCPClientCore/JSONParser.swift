/// Where and why a JSON document could not be read.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var offset: Int
    public var line: Int
    public var column: Int
    public var description: String { "\(message) at line \(line), column \(column)" }
}

/// A strict RFC 8259 parser over UTF-8 bytes: no comments, no trailing commas, no NaN, bounded nesting.
public struct JSONParser {
    public static let defaultMaxDepth = 256

    public static func parse(_ text: String, maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8), maxDepth: maxDepth)
    }

    public static func parse(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSONValue {
        let result: Result<JSONValue, JSONParseError> = bytes.withUnsafeBufferPointer { buffer in
            Result { () throws(JSONParseError) in try parse(buffer, maxDepth: maxDepth) }
        }
        return try result.get()
    }

    public static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSONValue {
        try parse(bytes.assumingMemoryBound(to: UInt8.self), maxDepth: maxDepth)
    }

    /// Parses a JSON-RPC response and, when its `result` is an object already written exactly as `JSONWriter` would
    /// write it (compact; only the escapes the writer uses, such as `\n` and `\"`; numbers in the writer's spelling,
    /// such as `21.5` but not `21.50` or `-0`), keeps that object's bytes for writing it out again unchanged.
    ///
    /// With `shallowResult`, the members of `result` that are objects or arrays are checked exactly as reading them
    /// would check them, but not built: each is `null` in the tree, and the pass-through is marked shallow (see
    /// `JSONPassThrough.isShallow`). For a caller that only passes the result on, that skips most of the tree. At the
    /// first thing in it the writer would write differently the scan stops and the result is read in full from its
    /// start (it could not go out as it came).
    public static func parseResponse(
        _ bytes: [UInt8], maxDepth: Int = defaultMaxDepth, shallowResult: Bool = false
    ) throws(JSONParseError) -> (JSONValue, JSONPassThrough?) {
        let parsed: Result<(JSONValue, Range<Int>?, Bool), JSONParseError> = bytes.withUnsafeBufferPointer { buffer in
            Result { () throws(JSONParseError) in
                var reader = Reader(bytes: buffer, maxDepth: maxDepth)
                reader.tracksResult = true
                reader.shallowResult = shallowResult
                let value = try reader.readDocument()
                return (value, reader.resultRange, reader.skippedInResult)
            }
        }
        let (value, range, skipped) = try parsed.get()
        // Cannot happen (a shallow scan that completes met nothing the bytes would not stand for), but a tree with
        // placeholders and no bytes for them must never get out.
        if skipped, range == nil { return try parseResponse(bytes, maxDepth: maxDepth) }
        guard let range, let result = value["result"], case .object(let object) = result, !object.isEmpty else { return (value, nil) }
        return (value, JSONPassThrough(value: result, bytes: bytes[range], shallow: skipped))
    }

    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSONValue {
        var reader = Reader(bytes: bytes, maxDepth: maxDepth)
        return try reader.readDocument()
    }
}

private struct Reader {
    let bytes: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    var position = 0
    /// With `tracksResult`: counts what `JSONWriter` would write differently (whitespace, escapes it spells otherwise,
    /// numbers not in its spelling, -0), and where the top-level `result` member's value is when none of that is inside it.
    var tracksResult = false
    var irregular = 0
    var resultRange: Range<Int>?
    var sawResult = false
    /// With `tracksResult`: the `result` object's object and array members are checked, not built (see `parseResponse`).
    var shallowResult = false
    var skippedInResult = false
    /// `irregular` as the shallow scan of `result` began: any change stops the scan (`strayed`).
    var shallowBaseline = 0

    init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    mutating func readDocument() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        let value = try readValue(depth: 0)
        skipWhitespace()
        if position != bytes.count { throw error("unexpected data after the JSON value") }
        return value
    }

    func error(_ message: String) -> JSONParseError {
        var line = 1, column = 1
        for index in 0..<min(position, bytes.count) {
            if bytes[index] == UInt8(ascii: "\n") { line += 1; column = 1 } else { column += 1 }
        }
        return JSONParseError(message: message, offset: position, line: line, column: column)
    }

    @inline(__always) mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09:
                position += 1
                irregular &+= 1
            default: return
            }
        }
    }

    mutating func readValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard position < bytes.count else { throw error("unexpected end of input") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try readObject(depth: depth + 1)
        case UInt8(ascii: "["): return try readArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try readString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try readNumber()
        default: throw error("unexpected character '\(Unicode.Scalar(bytes[position]))'")
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        guard position + count <= bytes.count else { throw error("invalid literal") }
        let base = literal.utf8Start
        for offset in 0..<count where bytes[position + offset] != base[offset] { throw error("invalid literal") }
        position += count
    }

    mutating func readObject(depth: Int) throws(JSONParseError) -> JSONValue {
        if depth > maxDepth { throw error("nesting deeper than \(maxDepth) levels") }
        position += 1
        var entries: [(key: String, value: JSONValue)] = []
        skipWhitespace()
        // Room for a typical object up front: growing it 1 → 2 → 4 → 8 took most of a reply's allocations.
        if position < bytes.count, bytes[position] != UInt8(ascii: "}") { entries.reserveCapacity(8) }
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
            return .object(JSONObject(entries))
        }
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let key = try readString()
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw error("expected ':'") }
            position += 1
            skipWhitespace()
            let start = position, regular = irregular
            let value: JSONValue
            if tracksResult, depth == 1, !sawResult, key == "result" {  // the first one: what a lookup finds
                sawResult = true
                if shallowResult, position < bytes.count, bytes[position] == UInt8(ascii: "{"),
                   let shallow = try readShallowResult(depth: depth + 1) {
                    value = shallow
                } else {
                    // Not shallow, or the scan stopped: read whole from the start (only the part scanned is read twice).
                    position = start
                    irregular = regular
                    skippedInResult = false
                    value = try readValue(depth: depth)
                }
                if irregular == regular { resultRange = start..<position }
            } else {
                value = try readValue(depth: depth)
            }
            entries.append((key, value))
            skipWhitespace()
            guard position < bytes.count else { throw error("unterminated object") }
            switch bytes[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"): position += 1; return .object(JSONObject(entries))
            default: throw error("expected ',' or '}'")
            }
        }
    }

    /// The `result` object with its object and array members checked, not built (`null` in the tree), as long as
    /// everything in it is as `JSONWriter` would write it. Nil at the first thing that is not: the caller reads the
    /// result again from its start, so the scan stops there rather than finishing for nothing.
    mutating func readShallowResult(depth: Int) throws(JSONParseError) -> JSONValue? {
        if depth > maxDepth { throw error("nesting deeper than \(maxDepth) levels") }
        shallowBaseline = irregular
        position += 1
        var entries: [(key: String, value: JSONValue)] = []
        entries.reserveCapacity(8)
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
            return .object(JSONObject(entries))
        }
        while true {
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { return nil }  // whitespace or an error
            let key = try readString()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":"), !strayed else { return nil }
            position += 1
            skipWhitespace()
            guard position < bytes.count, !strayed else { return nil }
            let value: JSONValue
            if bytes[position] == UInt8(ascii: "{") || bytes[position] == UInt8(ascii: "[") {
                try skipValue(depth: depth)
                skippedInResult = true
                value = .null
            } else {
                value = try readValue(depth: depth)
            }
            guard !strayed, position < bytes.count else { return nil }
            entries.append((key, value))
            switch bytes[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"): position += 1; return .object(JSONObject(entries))
            default: return nil  // whitespace or an error: the whole read says which
            }
        }
    }

    @inline(__always) var strayed: Bool { irregular != shallowBaseline }

    /// Checks one value as `readValue` would (the same errors, the same `irregular` count) without building it.
    /// Inside the shallow scan it returns early, mid-value, once the value `strayed` (the caller stops too).
    mutating func skipValue(depth: Int) throws(JSONParseError) {
        guard position < bytes.count else { throw error("unexpected end of input") }
        switch bytes[position] {
        case UInt8(ascii: "{"): try skipObject(depth: depth + 1)
        case UInt8(ascii: "["): try skipArray(depth: depth + 1)
        case UInt8(ascii: "\""): try skipString()
        default: _ = try readValue(depth: depth)  // literals and numbers: nothing to allocate
        }
    }

    mutating func skipObject(depth: Int) throws(JSONParseError) {
        if depth > maxDepth { throw error("nesting deeper than \(maxDepth) levels") }
        position += 1
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
            return
        }
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw error("expected a string key") }
            try skipString()
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw error("expected ':'") }
            position += 1
            skipWhitespace()
            if strayed { return }
            try skipValue(depth: depth)
            if strayed { return }
            skipWhitespace()
            guard position < bytes.count else { throw error("unterminated object") }
            switch bytes[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"): position += 1; return
            default: throw error("expected ',' or '}'")
            }
        }
    }

    mutating func skipArray(depth: Int) throws(JSONParseError) {
        if depth > maxDepth { throw error("nesting deeper than \(maxDepth) levels") }
        position += 1
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            return
        }
        while true {
            skipWhitespace()
            if strayed { return }
            try skipValue(depth: depth)
            if strayed { return }
            skipWhitespace()
            guard position < bytes.count else { throw error("unterminated array") }
            switch bytes[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; return
            default: throw error("expected ',' or ']'")
            }
        }
    }

    /// Moves past string bytes that need no attention, eight at a time while none is a quote, backslash, control
    /// character or non-ASCII byte. The window may run past the closing quote (it stays inside the document): the
    /// first flagged byte is exact, so a short key is passed in one step.
    @inline(__always) mutating func skipPlainBytes() {
        guard let base = bytes.baseAddress else { return }
        while bytes.count - position >= 8 {
            let flagged = Self.specialBytes(UnsafeRawPointer(base + position).loadUnaligned(as: UInt64.self))
            if flagged != 0 {
                position += flagged.trailingZeroBitCount >> 3
                return
            }
            position += 8
        }
    }

    /// `readString` without the String: the same errors, the same `irregular` count.
    mutating func skipString() throws(JSONParseError) {
        position += 1
        let start = position
        skipPlainBytes()
        var ascii = true
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<position])
                position += 1
                guard ascii || UTF8Validation.isValid(slice) else { throw error("invalid UTF-8 in string") }
                return
            }
            if byte == UInt8(ascii: "\\") {
                try skipEscape()
                continue
            }
            if byte < 0x20 { throw error("unescaped control character in string") }
            if byte >= 0x80 { ascii = false }
            position += 1
        }
        throw error("unterminated string")
    }

    mutating func readArray(depth: Int) throws(JSONParseError) -> JSONValue {
        if depth > maxDepth { throw error("nesting deeper than \(maxDepth) levels") }
        position += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try readValue(depth: depth))
            skipWhitespace()
            guard position < bytes.count else { throw error("unterminated array") }
            switch bytes[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; return .array(elements)
            default: throw error("expected ',' or ']'")
            }
        }
    }

    mutating func readString() throws(JSONParseError) -> String {
        position += 1
        let start = position
        // Fast path: no escapes, so the bytes are the string (after UTF-8 validation, needed only for non-ASCII).
        skipPlainBytes()
        var ascii = true
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[start..<position])
                position += 1
                if ascii, let known = Self.knownString(slice) { return known }
                guard ascii || UTF8Validation.isValid(slice) else { throw error("invalid UTF-8 in string") }
                return String(decoding: slice, as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw error("unescaped control character in string") }
            if byte >= 0x80 { ascii = false }
            position += 1
        }
        var scratch = Array(UnsafeBufferPointer(rebasing: bytes[start..<position]))
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                let valid = scratch.withUnsafeBufferPointer { UTF8Validation.isValid($0) }
                guard valid else { throw error("invalid UTF-8 in string") }
                return String(decoding: scratch, as: UTF8.self)
            case UInt8(ascii: "\\"):
                position += 1
                guard position < bytes.count else { throw error("unterminated escape") }
                let escaped = bytes[position]
                position += 1
                switch escaped {
                case UInt8(ascii: "\""): scratch.append(0x22)
                case UInt8(ascii: "\\"): scratch.append(0x5C)
                case UInt8(ascii: "/"): scratch.append(0x2F); irregular &+= 1  // the writer leaves '/' as it is
                case UInt8(ascii: "b"): scratch.append(0x08)
                case UInt8(ascii: "f"): scratch.append(0x0C)
                case UInt8(ascii: "n"): scratch.append(0x0A)
                case UInt8(ascii: "r"): scratch.append(0x0D)
                case UInt8(ascii: "t"): scratch.append(0x09)
                case UInt8(ascii: "u"):
                    let escape = position - 2
                    let scalar = try readUnicodeEscape()
                    guard let encoded = UTF8.encode(scalar) else { throw error("invalid \\u escape") }
                    scratch.append(contentsOf: encoded)
                    if !writerSpellsUnicodeEscape(at: escape) { irregular &+= 1 }
                default: throw error("invalid escape '\\\(Unicode.Scalar(escaped))'")
                }
            default:
                if byte < 0x20 { throw error("unescaped control character in string") }
                scratch.append(byte)
                position += 1
            }
        }
        throw error("unterminated string")
    }

    mutating func readHex4() throws(JSONParseError) -> UInt32 {
        guard position + 4 <= bytes.count else { throw error("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw error("invalid hex digit in \\u escape")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    /// One escape after its backslash (at `position`), checked as `readString` checks it, nothing built.
    mutating func skipEscape() throws(JSONParseError) {
        position += 1
        guard position < bytes.count else { throw error("unterminated escape") }
        let escaped = bytes[position]
        position += 1
        switch escaped {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"),
             UInt8(ascii: "r"), UInt8(ascii: "t"):
            return
        case UInt8(ascii: "/"): irregular &+= 1
        case UInt8(ascii: "u"):
            let escape = position - 2
            _ = try readUnicodeEscape()
            if !writerSpellsUnicodeEscape(at: escape) { irregular &+= 1 }
        default: throw error("invalid escape '\\\(Unicode.Scalar(escaped))'")
        }
    }

    /// Whether `JSONWriter` writes the `\uXXXX` escape at `index` the same way: it uses one only for a control
    /// character without a short form (`\n`, `\t`, ...), in lowercase hex (`\u001b`). Anything else (`\u0041`,
    /// `\u00e9`, `\u001B`, `\u000a`, surrogate pairs) it writes otherwise.
    func writerSpellsUnicodeEscape(at index: Int) -> Bool {
        guard index + 6 <= bytes.count, bytes[index + 2] == UInt8(ascii: "0"), bytes[index + 3] == UInt8(ascii: "0") else { return false }
        let high = bytes[index + 4], low = bytes[index + 5]
        guard high == UInt8(ascii: "0") || high == UInt8(ascii: "1") else { return false }
        guard isDigit(low) || (low >= UInt8(ascii: "a") && low <= UInt8(ascii: "f")) else { return false }
        guard high == UInt8(ascii: "0") else { return true }
        switch low {
        case UInt8(ascii: "8"), UInt8(ascii: "9"), UInt8(ascii: "a"), UInt8(ascii: "c"), UInt8(ascii: "d"): return false  // \b \t \n \f \r
        default: return true
        }
    }

    /// The scalar of a `\u` escape (its hex digits at `position`), a surrogate pair joined.
    mutating func readUnicodeEscape() throws(JSONParseError) -> Unicode.Scalar {
        var code = try readHex4()
        if (0xD800...0xDBFF).contains(code) {
            // A high surrogate must be followed by an escaped low surrogate.
            guard position + 6 <= bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                throw error("unpaired surrogate in \\u escape")
            }
            position += 2
            let low = try readHex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw error("unpaired surrogate in \\u escape") }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(code) {
            throw error("unpaired surrogate in \\u escape")
        }
        guard let scalar = Unicode.Scalar(code) else { throw error("invalid \\u escape") }
        return scalar
    }

    mutating func readNumber() throws(JSONParseError) -> JSONValue {
        let start = position
        var negative = false
        if bytes[position] == UInt8(ascii: "-") { negative = true; position += 1 }
        guard position < bytes.count, isDigit(bytes[position]) else { throw error("invalid number") }
        if bytes[position] == UInt8(ascii: "0"), position + 1 < bytes.count, isDigit(bytes[position + 1]) {
            throw error("leading zeros are not allowed")
        }
        var magnitude: UInt64 = 0
        var overflow = false
        while position < bytes.count, isDigit(bytes[position]) {
            let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(bytes[position] - UInt8(ascii: "0")))
            overflow = overflow || o1 || o2
            magnitude = sum
            position += 1
        }
        var isInteger = true
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard position < bytes.count, isDigit(bytes[position]) else { throw error("invalid number") }
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard position < bytes.count, isDigit(bytes[position]) else { throw error("invalid number") }
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        if isInteger, !overflow {
            if negative, magnitude == 0 { irregular &+= 1 }  // -0 is written 0
            if negative, magnitude <= UInt64(Int64.max) + 1 { return .int(magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)) }
            if !negative, magnitude <= UInt64(Int64.max) { return .int(Int64(magnitude)) }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        guard let double = Double(text), double.isFinite else { throw error("number out of range") }
        // A double is written in its shortest round-trip form: as it came only if it came so (21.5, not 21.50 or 1e2).
        if !tracksResult || JSONWriter.decimalSpelling(double) != text { irregular &+= 1 }
        return .double(double)
    }

    /// The keys and values every JSON-RPC and MCP message repeats, as literals: making a String from bytes costs more
    /// than recognizing them, and a literal needs no allocation or reference counting.
    static func knownString(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        func matches(_ literal: StaticString) -> Bool {
            guard literal.utf8CodeUnitCount == bytes.count else { return false }
            let expected = literal.utf8Start
            for index in 0..<bytes.count where bytes[index] != expected[index] { return false }
            return true
        }
        switch bytes.count {
        case 2: return matches("id") ? "id" : nil
        case 3: return matches("2.0") ? "2.0" : nil
        case 4:
            if matches("text") { return "text" }
            if matches("type") { return "type" }
            if matches("name") { return "name" }
            if matches("code") { return "code" }
            if matches("data") { return "data" }
            return nil
        case 5:
            if matches("error") { return "error" }
            if matches("_meta") { return "_meta" }
            return nil
        case 6:
            if matches("result") { return "result" }
            if matches("method") { return "method" }
            if matches("params") { return "params" }
            return nil
        case 7:
            if matches("jsonrpc") { return "jsonrpc" }
            if matches("content") { return "content" }
            if matches("isError") { return "isError" }
            if matches("message") { return "message" }
            if matches("version") { return "version" }
            return nil
        case 8: return matches("complete") ? "complete" : nil
        case 10: return matches("resultType") ? "resultType" : nil
        case 17: return matches("structuredContent") ? "structuredContent" : nil
        case 34: return matches("io.modelcontextprotocol/serverInfo") ? "io.modelcontextprotocol/serverInfo" : nil
        default: return nil
        }
    }

    /// The high bit of each of the eight bytes (little-endian) that may be a quote, backslash, control character or
    /// non-ASCII byte. Bytes above a flagged one may be flagged wrongly (a borrow), never the lowest: that one is exact.
    @inline(__always) static func specialBytes(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        func zeroBytes(_ x: UInt64) -> UInt64 { (x &- ones) & ~x & highs }
        let control = (word &- ones &* 0x20) & ~word & highs
        return (word & highs) | control | zeroBytes(word ^ (ones &* 0x22)) | zeroBytes(word ^ (ones &* 0x5C))
    }

    @inline(__always) func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}

/// UTF-8 well-formedness (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF). Hand-written because
/// `String(validating:as:)` is a generic, unspecialized path that cost ~9% of a tool call's CPU.
public enum UTF8Validation {
    public static func isValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        let count = bytes.count
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 { index += 1; continue }
            let length: Int
            var lower: UInt8 = 0x80, upper: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; upper = 0x9F
            case 0xF0: length = 4; lower = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; upper = 0x8F
            default: return false
            }
            guard index + length <= count else { return false }
            let second = bytes[index + 1]
            guard second >= lower, second <= upper else { return false }
            for offset in 2..<max(length, 2) where bytes[index + offset] & 0xC0 != 0x80 { return false }
            index += length
        }
        return true
    }
}
