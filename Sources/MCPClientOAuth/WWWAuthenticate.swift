/// One authentication challenge from a `WWW-Authenticate` header (RFC 9110 §11.6.1).
public struct Challenge: Sendable, Equatable {
    public struct Parameter: Sendable, Equatable {
        /// Lowercased: parameter names are case-insensitive.
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// As written by the server; compare with `isScheme(_:)`.
    public var scheme: String
    public var token68: String?
    public var parameters: [Parameter]

    public init(scheme: String, token68: String? = nil, parameters: [Parameter] = []) {
        self.scheme = scheme
        self.token68 = token68
        self.parameters = parameters
    }

    public func isScheme(_ name: String) -> Bool { scheme.lowercased() == name.lowercased() }
    public var isBearer: Bool { isScheme("Bearer") }

    /// The first value of a parameter (names compared case-insensitively; a repeated name is a server bug and the
    /// first one wins).
    public func parameter(_ name: String) -> String? {
        let wanted = name.lowercased()
        return parameters.first { $0.name == wanted }?.value
    }

    // RFC 6750 §3 and RFC 9728 §5.1.
    public var resourceMetadata: String? { parameter("resource_metadata") }
    public var scope: String? { parameter("scope") }
    public var error: String? { parameter("error") }
    public var errorDescription: String? { parameter("error_description") }
    /// `scope` split into its space-separated tokens.
    public var scopes: [String] { Scopes.parse(scope) }
}

public enum WWWAuthenticate {
    /// Caps that keep a hostile header cheap: longer values are cut, extra challenges and parameters are ignored.
    public static let maxHeaderBytes = 16 * 1024
    public static let maxChallenges = 32
    public static let maxParametersPerChallenge = 64

    /// Every challenge in every `WWW-Authenticate` header value, in order. Malformed parts are skipped; the
    /// parser never fails, so a partly broken header still yields the challenges it can read.
    public static func parse(_ headerValues: [String]) -> [Challenge] {
        var challenges: [Challenge] = []
        for value in headerValues {
            guard challenges.count < maxChallenges else { break }
            var parser = ChallengeParser(bytes: Array(value.utf8.prefix(maxHeaderBytes)))
            parser.parse(into: &challenges)
        }
        return challenges
    }

    /// The first `Bearer` challenge, which is the one MCP's authorization flow reads.
    public static func bearer(_ headerValues: [String]) -> Challenge? {
        parse(headerValues).first { $0.isBearer }
    }
}

private struct ChallengeParser {
    let bytes: [UInt8]
    var index = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            true
        default: false
        }
    }

    static func isToken68Byte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"), UInt8(ascii: "+"), UInt8(ascii: "/"):
            true
        default: false
        }
    }

    var atEnd: Bool { index >= bytes.count }
    var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x09 { index += 1 }
    }

    mutating func skipWhitespaceAndCommas() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == UInt8(ascii: ",") { index += 1 }
    }

    /// Moves past the next comma (or to the end): recovery after a malformed element.
    mutating func skipPastComma() {
        while let byte = current {
            index += 1
            if byte == UInt8(ascii: ",") { return }
        }
    }

    mutating func readToken() -> String? {
        let start = index
        while let byte = current, Self.isTokenByte(byte) { index += 1 }
        return index > start ? String(decoding: bytes[start..<index], as: UTF8.self) : nil
    }

    /// After the opening quote. Nil when unterminated or holding a control character.
    mutating func readQuotedString() -> String? {
        var value: [UInt8] = []
        while let byte = current {
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: value, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let escaped = current, escaped == 0x09 || escaped >= 0x20, escaped != 0x7F else { return nil }
                value.append(escaped)
                index += 1
            case 0x09, 0x20...0x7E, 0x80...0xFF:
                value.append(byte)
            default:
                return nil
            }
        }
        return nil
    }

    /// Whether an auth-param (`token BWS "=" BWS value`) starts here, as opposed to a token68 or a new challenge.
    func paramStartsHere() -> Bool {
        var probe = index
        while probe < bytes.count, Self.isTokenByte(bytes[probe]) { probe += 1 }
        guard probe > index else { return false }
        while probe < bytes.count, bytes[probe] == 0x20 || bytes[probe] == 0x09 { probe += 1 }
        guard probe < bytes.count, bytes[probe] == UInt8(ascii: "=") else { return false }
        probe += 1
        while probe < bytes.count, bytes[probe] == 0x20 || bytes[probe] == 0x09 { probe += 1 }
        // "abc=" or "abc==" followed by the end or a comma is a token68, not a parameter.
        guard probe < bytes.count else { return false }
        return bytes[probe] == UInt8(ascii: "\"") || Self.isTokenByte(bytes[probe]) && bytes[probe] != UInt8(ascii: "=")
    }

    /// A token68 followed only by whitespace and then a comma or the end.
    mutating func readToken68() -> String? {
        let start = index
        var probe = index
        while probe < bytes.count, Self.isToken68Byte(bytes[probe]) { probe += 1 }
        guard probe > start else { return nil }
        while probe < bytes.count, bytes[probe] == UInt8(ascii: "=") { probe += 1 }
        var after = probe
        while after < bytes.count, bytes[after] == 0x20 || bytes[after] == 0x09 { after += 1 }
        guard after == bytes.count || bytes[after] == UInt8(ascii: ",") else { return nil }
        index = probe
        return String(decoding: bytes[start..<probe], as: UTF8.self)
    }

    mutating func parse(into challenges: inout [Challenge]) {
        while challenges.count < WWWAuthenticate.maxChallenges {
            skipWhitespaceAndCommas()
            if atEnd { return }
            guard let scheme = readToken() else {
                skipPastComma()
                continue
            }
            var challenge = Challenge(scheme: scheme)
            // A scheme must be followed by whitespace, a comma or the end.
            if let byte = current, byte != 0x20, byte != 0x09, byte != UInt8(ascii: ",") {
                skipPastComma()
                continue
            }
            skipWhitespace()
            if !atEnd, current != UInt8(ascii: ","), !paramStartsHere() {
                if let token68 = readToken68() {
                    challenge.token68 = token68
                } else {
                    // Not a token68 and not a parameter: the next element is another challenge.
                    challenges.append(challenge)
                    continue
                }
            } else {
                readParameters(into: &challenge)
            }
            challenges.append(challenge)
        }
    }

    /// Comma-separated auth-params until something that is not a parameter (the next challenge) or the end.
    mutating func readParameters(into challenge: inout Challenge) {
        while true {
            skipWhitespaceAndCommas()
            guard !atEnd, paramStartsHere() else { return }
            guard let name = readToken() else { return }
            skipWhitespace()
            index += 1  // "=", checked by paramStartsHere
            skipWhitespace()
            let value: String?
            if current == UInt8(ascii: "\"") {
                index += 1
                value = readQuotedString()
            } else {
                value = readToken()
            }
            guard let value else {
                skipPastComma()
                continue
            }
            if challenge.parameters.count < WWWAuthenticate.maxParametersPerChallenge {
                challenge.parameters.append(.init(name: name.lowercased(), value: value))
            }
            skipWhitespace()
            // Anything but a comma or the end after a value is garbage up to the next comma.
            if !atEnd, current != UInt8(ascii: ",") { skipPastComma() }
        }
    }
}

/// OAuth scope strings (RFC 6749 §3.3): space-separated scope tokens.
public enum Scopes {
    /// The tokens of a scope string, without duplicates or characters RFC 6749 does not allow in a scope token.
    public static func parse(_ scope: String?) -> [String] {
        guard let scope else { return [] }
        var result: [String] = []
        for piece in scope.split(separator: " ") where isValidToken(piece) {
            let token = String(piece)
            if !result.contains(token) { result.append(token) }
        }
        return result
    }

    /// scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
    public static func isValidToken(_ token: some StringProtocol) -> Bool {
        !token.isEmpty && token.utf8.allSatisfy { $0 == 0x21 || (0x23...0x5B).contains($0) || (0x5D...0x7E).contains($0) }
    }

    /// Order-preserving union without duplicates.
    public static func union(_ first: [String], _ second: [String]) -> [String] {
        var result: [String] = []
        for token in first + second where !result.contains(token) { result.append(token) }
        return result
    }

    public static func join(_ scopes: [String]) -> String { scopes.joined(separator: " ") }
}
