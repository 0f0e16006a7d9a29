/// `application/x-www-form-urlencoded` (WHATWG URL §5.2 serializer) and query decoding.
public enum FormEncoding {
    /// Unreserved characters stay, a space becomes "+", every other byte of the UTF-8 is %XX.
    public static func encode(_ text: String) -> String { encode(text, spaceAsPlus: true) }

    /// RFC 3986 percent-encoding of everything but unreserved characters (a space becomes %20): for query strings a
    /// browser will read.
    public static func percentEncode(_ text: String) -> String { encode(text, spaceAsPlus: false) }

    static func encode(_ text: String, spaceAsPlus: Bool) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                output.append(byte)
            case 0x20 where spaceAsPlus:
                output.append(UInt8(ascii: "+"))
            default:
                output.append(UInt8(ascii: "%"))
                output.append(hex[Int(byte >> 4)])
                output.append(hex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// `name=value&…` with each part encoded.
    public static func body(_ fields: [(String, String)]) -> String {
        fields.map { encode($0.0) + "=" + encode($0.1) }.joined(separator: "&")
    }

    /// Decodes a query or form body ("+" as space, %XX as bytes; invalid escapes are kept literally). At most
    /// `maxFields` fields are read.
    public static func decode(_ query: String, maxFields: Int = 64) -> [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = []
        for pair in query.split(separator: "&") {
            guard fields.count < maxFields else { break }
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = unescape(parts[0])
            let value = parts.count > 1 ? unescape(parts[1]) : ""
            fields.append((name, value))
        }
        return fields
    }

    static func unescape(_ text: Substring) -> String {
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                output.append(0x20)
            } else if byte == UInt8(ascii: "%"), index + 2 < bytes.count, let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) {
                output.append(high << 4 | low)
                index += 2
            } else {
                output.append(byte)
            }
            index += 1
        }
        return String(decoding: output, as: UTF8.self)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }
}
