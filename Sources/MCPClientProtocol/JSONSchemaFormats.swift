/// The `format`s that elicitation forms use, checked when `JSONSchema.assertsFormat` is on. Deliberately plain
/// syntax checks: no DNS, no IDN tables.
enum SchemaFormats {
    /// nil for a format this validator does not know (those stay annotations).
    static func check(_ format: String, _ text: String) -> Bool? {
        switch format {
        case "email": isEmail(text)
        case "uri": isURI(text)
        case "date": isDate(Substring(text))
        case "date-time": isDateTime(text)
        default: nil
        }
    }

    /// RFC 5321 mailbox with a dot-atom local part (quoted local parts are not accepted).
    static func isEmail(_ text: String) -> Bool {
        guard let at = text.lastIndex(of: "@") else { return false }
        let local = text[..<at]
        let domain = text[text.index(after: at)...]
        let atext = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~")
        let localValid = !local.isEmpty && local.count <= 64
            && local.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { !$0.isEmpty && $0.allSatisfy(atext.contains) }
        return localValid && isHostname(domain)
    }

    static func isHostname(_ text: Substring) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 253 else { return false }
        return text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63 && label.first != "-" && label.last != "-"
                && label.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") }
        }
    }

    /// An absolute RFC 3986 URI: a scheme, then only URI characters, with well-formed percent escapes.
    static func isURI(_ text: String) -> Bool {
        guard let colon = text.firstIndex(of: ":") else { return false }
        let scheme = text[..<colon]
        guard let first = scheme.unicodeScalars.first, first.isASCII, first.properties.isAlphabetic,
              scheme.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "+-.".unicodeScalars.contains($0)) })
        else { return false }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~:/?#[]@!$&'()*+,;=".utf8)
        let bytes = Array(text.utf8)
        var index = scheme.utf8.count + 1
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%") {
                guard index + 2 < bytes.count, SchemaURI.hexValue(bytes[index + 1]) != nil, SchemaURI.hexValue(bytes[index + 2]) != nil else { return false }
                index += 3
            } else {
                guard allowed.contains(bytes[index]) else { return false }
                index += 1
            }
        }
        return true
    }

    /// RFC 3339 full-date: YYYY-MM-DD with a real day of that month.
    static func isDate(_ text: Substring) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }),
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]), (1...12).contains(month)
        else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return (1...days).contains(day)
    }

    /// RFC 3339 date-time: full-date "T" hh:mm:ss[.frac] then "Z" or ±hh:mm.
    static func isDateTime(_ text: String) -> Bool {
        guard let separator = text.firstIndex(where: { $0 == "T" || $0 == "t" }), isDate(text[..<separator]) else { return false }
        var time = text[text.index(after: separator)...]
        let offset: Substring
        if time.last == "Z" || time.last == "z" {
            offset = "00:00"
            time = time.dropLast()
        } else if let sign = time.lastIndex(where: { $0 == "+" || $0 == "-" }) {
            offset = time[time.index(after: sign)...]
            time = time[..<sign]
        } else {
            return false
        }
        guard isClock(offset, seconds: false, maxHour: 23) else { return false }
        if let dot = time.firstIndex(of: ".") {
            let fraction = time[time.index(after: dot)...]
            guard !fraction.isEmpty, fraction.allSatisfy(\.isASCIIDigit) else { return false }
            time = time[..<dot]
        }
        guard isClock(time, seconds: true, maxHour: 23) else { return false }
        // A leap second only exists at 23:59:60 UTC.
        let clock = time.split(separator: ":").compactMap { Int($0) }
        guard clock[2] == 60 else { return true }
        let zone = offset.split(separator: ":").compactMap { Int($0) }
        let sign = text[text.index(text.endIndex, offsetBy: -(offset.count + 1))] == "-" ? -1 : 1
        let utcMinutes = clock[0] * 60 + clock[1] - sign * (zone[0] * 60 + zone[1])
        return ((utcMinutes % 1440) + 1440) % 1440 == 1439
    }

    /// "hh:mm" or "hh:mm:ss" (a leap second 60 is accepted).
    static func isClock(_ text: Substring, seconds: Bool, maxHour: Int) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == (seconds ? 3 : 2), parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCIIDigit) }) else { return false }
        let numbers = parts.compactMap { Int($0) }
        return numbers[0] <= maxHour && numbers[1] <= 59 && (!seconds || numbers[2] <= 60)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
