import Glibc

/// Substring search without the standard library's `_StringProcessing` (`firstRange(of:)`, `contains(_:)` with a
/// string, `replacing`, `split(separator:)` with a string): using any of those links that whole library (and its
/// Unicode tables) into the self-contained `.so`, about 1.5 MB.
extension StringProtocol {
    /// The first occurrence of `needle`, compared by Unicode scalars.
    public func range(ofLiteral needle: some StringProtocol) -> Range<Index>? {
        let pattern = Array(needle.unicodeScalars)
        guard let first = pattern.first else { return startIndex..<startIndex }
        var index = startIndex
        while index < endIndex {
            if unicodeScalars[index] == first {
                var candidate = index
                var matched = 0
                while matched < pattern.count, candidate < endIndex, unicodeScalars[candidate] == pattern[matched] {
                    candidate = unicodeScalars.index(after: candidate)
                    matched += 1
                }
                if matched == pattern.count { return index..<candidate }
            }
            index = unicodeScalars.index(after: index)
        }
        return nil
    }

    public func containsLiteral(_ needle: some StringProtocol) -> Bool { range(ofLiteral: needle) != nil }

    public func replacingLiteral(_ target: some StringProtocol, with replacement: String) -> String {
        var result = ""
        var rest = self[...]
        while let found = rest.range(ofLiteral: target), !found.isEmpty {
            result += rest[..<found.lowerBound] + replacement
            rest = rest[found.upperBound...]
        }
        return result + rest
    }

    /// Pieces between occurrences of `separator` (empty pieces kept).
    public func components(separatedByLiteral separator: some StringProtocol) -> [SubSequence] {
        var pieces: [SubSequence] = []
        var rest = self[...]
        while let found = rest.range(ofLiteral: separator), !found.isEmpty {
            pieces.append(self[rest.startIndex..<found.lowerBound])
            rest = rest[found.upperBound...]
        }
        pieces.append(self[rest.startIndex...])
        return pieces
    }
}

extension StringProtocol {
    /// Without spaces, tabs, CRs and LFs at either end (HTTP's optional whitespace and line ends). Works on the
    /// UTF-8 bytes: `Character`-level trimming showed up in profiles of every HTTP reply's headers.
    public func trimmingASCIIWhitespace() -> String {
        let text = Substring(self), bytes = text.utf8
        var start = bytes.startIndex, end = bytes.endIndex
        while start < end, ASCII.isWhitespace(bytes[start]) { start = bytes.index(after: start) }
        while end > start, ASCII.isWhitespace(bytes[bytes.index(before: end)]) { end = bytes.index(before: end) }
        return String(text[start..<end])
    }
}

public enum ASCII {
    @inline(__always) public static func isWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }

    /// Whether `text` equals `lowercase` (already lowercased) ignoring ASCII case, without allocating.
    public static func equalsIgnoringCase(_ text: String, _ lowercase: String) -> Bool {
        text.utf8.count == lowercase.utf8.count && hasPrefixIgnoringCase(text, lowercase)
    }

    /// Whether `text` starts with `lowercase` (already lowercased) ignoring ASCII case, without allocating.
    public static func hasPrefixIgnoringCase(_ text: String, _ lowercase: String) -> Bool {
        // Over contiguous bytes where possible: zipping the two UTF-8 views cost more than the comparison.
        let compared: Bool?? = text.utf8.withContiguousStorageIfAvailable { bytes in
            lowercase.utf8.withContiguousStorageIfAvailable { expected in
                guard bytes.count >= expected.count else { return false }
                for index in 0..<expected.count where lower(bytes[index]) != expected[index] { return false }
                return true
            }
        }
        if let compared = compared ?? nil { return compared }
        var bytes = text.utf8.makeIterator()
        for expected in lowercase.utf8 {
            guard let byte = bytes.next() else { return false }
            if lower(byte) != expected { return false }
        }
        return true
    }

    @inline(__always) static func lower(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }

    /// The last value of header `lowercaseName` (HTTP names are case-insensitive).
    public static func header(_ lowercaseName: String, in headers: [(name: String, value: String)]) -> String? {
        headers.last { equalsIgnoringCase($0.name, lowercaseName) }?.value
    }

    /// Where a header line's colon is: memchr, not the generic `firstIndex(of:)` (a byte loop), once per line of
    /// every response.
    private static func colonIndex(_ line: UnsafeRawBufferPointer) -> Int? {
        guard let base = line.baseAddress, let found = memchr(base, Int32(UInt8(ascii: ":")), line.count) else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }

    /// `Name: value` with the optional whitespace around both removed; nil for a line without a colon.
    public static func headerField(_ line: UnsafeRawBufferPointer) -> (name: String, value: String)? {
        guard let colon = colonIndex(line) else { return nil }
        return (trimmedText(line[..<colon]), trimmedText(line[(colon + 1)...]))
    }

    /// Whether `headerField(line)` would have one of `lowercaseNames` as its name (ignoring ASCII case), without
    /// making a String of it.
    public static func headerName(of line: UnsafeRawBufferPointer, isOneOf lowercaseNames: [StaticString]) -> Bool {
        guard let colon = colonIndex(line) else { return false }
        var start = 0, end = colon
        while start < end, isWhitespace(line[start]) { start += 1 }
        while end > start, isWhitespace(line[end - 1]) { end -= 1 }
        let count = end - start
        return lowercaseNames.withUnsafeBufferPointer { names in
            for name in names where name.utf8CodeUnitCount == count {
                let expected = name.utf8Start
                var index = 0
                while index < count, lower(line[start + index]) == expected[index] { index += 1 }
                if index == count { return true }
            }
            return false
        }
    }

    public static func headerField(_ line: some StringProtocol) -> (name: String, value: String)? {
        var text = String(line)
        return text.withUTF8 { headerField(UnsafeRawBufferPointer($0)) }
    }

    private static func trimmedText(_ bytes: Slice<UnsafeRawBufferPointer>) -> String {
        var start = bytes.startIndex, end = bytes.endIndex
        while start < end, isWhitespace(bytes[start]) { start += 1 }
        while end > start, isWhitespace(bytes[end - 1]) { end -= 1 }
        let text = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
        return commonHeaderText(text) ?? String(decoding: text, as: UTF8.self)
    }

    /// Header names and values nearly every MCP response carries, as literals (no String built from bytes; a
    /// value longer than 15 bytes would also be a heap allocation).
    private static func commonHeaderText(_ text: UnsafeRawBufferPointer) -> String? {
        func matches(_ literal: StaticString) -> Bool {
            guard literal.utf8CodeUnitCount == text.count else { return false }
            let expected = literal.utf8Start
            for index in 0..<text.count where text[index] != expected[index] { return false }
            return true
        }
        switch text.count {
        case 4: return matches("date") ? "date" : matches("Date") ? "Date" : nil
        case 6: return matches("server") ? "server" : matches("Server") ? "Server" : nil
        case 10: return matches("keep-alive") ? "keep-alive" : matches("connection") ? "connection" : nil
        case 12: return matches("content-type") ? "content-type" : matches("Content-Type") ? "Content-Type" : nil
        case 14: return matches("content-length") ? "content-length" : matches("Content-Length") ? "Content-Length" : matches("mcp-session-id") ? "mcp-session-id" : nil
        case 16: return matches("application/json") ? "application/json" : nil
        case 17: return matches("text/event-stream") ? "text/event-stream" : nil
        default: return nil
        }
    }
}
