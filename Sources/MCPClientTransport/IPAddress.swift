import MCPClientCore
import Glibc

/// An IPv4 or IPv6 address in network byte order. Text parsing is strict on purpose: the SSRF guard must see the
/// same address the resolver would, so shorthand IPv4 forms ("127.1", "0x7f.1", "017.0.0.1", "2130706433") that
/// inet_aton and URL parsers expand differently are refused instead of guessed.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// 4 bytes for IPv4, 16 for IPv6.
    public let bytes: [UInt8]
    /// The IPv6 zone ("eth0" in "fe80::1%eth0"); never part of the classification.
    public let zone: String?

    public var isIPv4: Bool { bytes.count == 4 }

    public init?(bytes: [UInt8], zone: String? = nil) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
        self.zone = bytes.count == 16 ? zone : nil
    }

    /// A strict dotted quad or RFC 4291 IPv6 text (with an optional "%zone"); no brackets.
    public init?(_ text: some StringProtocol) {
        let string = String(text)
        if string.contains(":") {
            guard let parsed = Self.parseIPv6(string) else { return nil }
            self = parsed
        } else {
            guard let quad = Self.parseIPv4(Substring(string)) else { return nil }
            self.init(bytes: quad)
        }
    }

    /// The address and port from a `sockaddr_in` or `sockaddr_in6` (libcurl's open-socket callback hands these over).
    public static func fromSockaddr(_ raw: UnsafeRawBufferPointer) -> (address: IPAddress, port: Int)? {
        guard raw.count >= MemoryLayout<sa_family_t>.size else { return nil }
        let family = Int32(raw.loadUnaligned(as: sa_family_t.self))
        let bytes = Array(raw)
        switch family {
        case AF_INET:
            guard raw.count >= MemoryLayout<sockaddr_in>.size else { return nil }
            guard let address = IPAddress(bytes: Array(bytes[4..<8])) else { return nil }
            return (address, Int(bytes[2]) << 8 | Int(bytes[3]))
        case AF_INET6:
            guard raw.count >= MemoryLayout<sockaddr_in6>.size else { return nil }
            let scope = raw.loadUnaligned(fromByteOffset: 24, as: UInt32.self)
            guard let address = IPAddress(bytes: Array(bytes[8..<24]), zone: scope == 0 ? nil : String(scope)) else {
                return nil
            }
            return (address, Int(bytes[2]) << 8 | Int(bytes[3]))
        default:
            return nil
        }
    }

    /// Dotted quad, or RFC 5952 compressed IPv6 (plus "%zone").
    public var description: String {
        if isIPv4 { return bytes.map(String.init).joined(separator: ".") }
        let groups = (0..<8).map { Int(bytes[2 * $0]) << 8 | Int(bytes[2 * $0 + 1]) }
        // The longest run of two or more zero groups (the first on a tie) becomes "::".
        var bestStart = -1, bestLength = 0, index = 0
        while index < 8 {
            guard groups[index] == 0 else { index += 1; continue }
            let start = index
            while index < 8, groups[index] == 0 { index += 1 }
            if index - start > bestLength, index - start >= 2 { bestStart = start; bestLength = index - start }
        }
        let hex = groups.map { String($0, radix: 16) }
        let text: String
        if bestStart < 0 {
            text = hex.joined(separator: ":")
        } else {
            let head = hex[..<bestStart].joined(separator: ":")
            let tail = hex[(bestStart + bestLength)...].joined(separator: ":")
            text = head + "::" + tail
        }
        return zone.map { "\(text)%\($0)" } ?? text
    }

    static func parseIPv4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var result: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.utf8.count), part.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            // A leading zero means octal to inet_aton; refuse rather than pick a reading.
            if part.utf8.count > 1, part.utf8.first == 0x30 { return nil }
            guard let value = UInt8(part) else { return nil }
            result.append(value)
        }
        return result
    }

    private static func parseIPv6(_ text: String) -> IPAddress? {
        var body = Substring(text)
        var zone: String?
        if let percent = body.firstIndex(of: "%") {
            let name = body[body.index(after: percent)...]
            guard !name.isEmpty, name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
            zone = String(name)
            body = body[..<percent]
        }
        var tailIPv4: [UInt8] = []
        if body.contains(".") {
            guard let lastColon = body.lastIndex(of: ":"),
                let quad = parseIPv4(body[body.index(after: lastColon)...])
            else { return nil }
            tailIPv4 = quad
            // Keep the colon so "::1.2.3.4" still reads as "::" plus the quad.
            body = body[...lastColon]
            if body.hasSuffix(":"), !body.hasSuffix("::") { body = body.dropLast() }
        }
        var headText = body
        var tailText: Substring = ""
        let compressed = body.range(ofLiteral: "::")
        if let compressed {
            headText = body[..<compressed.lowerBound]
            tailText = body[compressed.upperBound...]
            guard tailText.range(ofLiteral: "::") == nil else { return nil }
        }
        guard let head = groups(headText), let tail = groups(tailText) else { return nil }
        let available = 8 - tailIPv4.count / 2
        let words: [UInt16]
        if compressed != nil {
            guard head.count + tail.count < available else { return nil }
            words = head + Array(repeating: 0, count: available - head.count - tail.count) + tail
        } else {
            guard head.count == available else { return nil }
            words = head
        }
        var bytes: [UInt8] = []
        for word in words { bytes += [UInt8(word >> 8), UInt8(word & 0xFF)] }
        return IPAddress(bytes: bytes + tailIPv4, zone: zone)
    }

    /// Colon-separated 1–4 digit hex groups; "" is no groups.
    private static func groups(_ text: some StringProtocol) -> [UInt16]? {
        if text.isEmpty { return [] }
        var result: [UInt16] = []
        for group in text.split(separator: ":", omittingEmptySubsequences: false) {
            guard (1...4).contains(group.utf8.count), let value = UInt16(group, radix: 16),
                group.utf8.allSatisfy({ isHexDigit($0) })
            else { return nil }
            result.append(value)
        }
        return result
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
    }
}
