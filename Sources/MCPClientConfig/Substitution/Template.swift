/// One config string split into literal text and variable references, scanned once, left to right. Values are
/// spliced between the pieces and never scanned again: that single pass is what keeps a user value such as
/// `${JWT_SECRET}` or `{{LIBRECHAT_USER_EMAIL}}` literal (no second-order expansion).
struct Template {
    enum Piece: Equatable {
        case literal(Substring)
        /// `${NAME}` or `${env:NAME}`; `raw` is the text as written, kept when the variable does not resolve.
        case env(name: Substring, raw: Substring)
        /// `${userHome}` or `${workspaceFolder}` (host-supplied paths, VS Code / Cursor).
        case hostPath(name: Substring, raw: Substring)
        /// `${input:id}` (VS Code inputs, host-supplied).
        case input(id: Substring, raw: Substring)
        /// `{{NAME}}`.
        case placeholder(name: Substring, raw: Substring)

        var raw: Substring {
            switch self {
            case .literal(let text): text
            case .env(_, let raw), .hostPath(_, let raw), .input(_, let raw), .placeholder(_, let raw): raw
            }
        }
    }

    static let maxNameLength = 128

    let pieces: [Piece]

    init(_ text: String) {
        var pieces: [Piece] = []
        var literalStart = text.startIndex
        var index = text.startIndex
        var braces = BraceFinder(text: text)
        let utf8 = text.utf8
        // Byte by byte: references start with the ASCII `${` or `{{`, so only those bytes need a closer look.
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "$") || byte == UInt8(ascii: "{"), let (piece, end) = Template.reference(in: text, at: index, &braces) {
                if literalStart < index { pieces.append(.literal(text[literalStart..<index])) }
                pieces.append(piece)
                index = end
                literalStart = end
            } else {
                index = utf8.index(after: index)
            }
        }
        if literalStart < text.endIndex { pieces.append(.literal(text[literalStart...])) }
        self.pieces = pieces
    }

    var hasReferences: Bool { pieces.contains { if case .literal = $0 { false } else { true } } }

    /// A reference starting at `index`, and the index after it.
    private static func reference(in text: String, at index: String.Index, _ braces: inout BraceFinder) -> (Piece, String.Index)? {
        let utf8 = text.utf8
        let second = utf8.index(after: index)
        guard second < utf8.endIndex, utf8[second] == UInt8(ascii: "{") else { return nil }
        let bodyStart = utf8.index(after: second)
        if utf8[index] == UInt8(ascii: "$") {
            guard let close = braces.closing(from: bodyStart) else { return nil }
            let body = text[bodyStart..<close]
            let end = utf8.index(after: close)
            let raw = text[index..<end]
            if body == "userHome" || body == "workspaceFolder" { return (.hostPath(name: body, raw: raw), end) }
            if isEnvName(body) { return (.env(name: body, raw: raw), end) }
            if body.hasPrefix("env:"), isEnvName(body.dropFirst(4)) { return (.env(name: body.dropFirst(4), raw: raw), end) }
            if body.hasPrefix("input:"), isPlaceholderName(body.dropFirst(6)) { return (.input(id: body.dropFirst(6), raw: raw), end) }
            return nil
        }
        if utf8[index] == UInt8(ascii: "{") {
            guard let close = braces.closing(from: bodyStart),
                  text[close...].hasPrefix("}}")
            else { return nil }
            let body = text[bodyStart..<close]
            guard isPlaceholderName(body) else { return nil }
            let end = utf8.index(close, offsetBy: 2)
            return (.placeholder(name: body, raw: text[index..<end]), end)
        }
        return nil
    }

    /// Finds the `}` that closes a reference. The next `}` is found once and reused by every `${` / `{{` before
    /// it, and the body length is a UTF-8 offset difference, so a text full of stray openers is scanned in linear
    /// time (it was up to `maxNameLength` steps per character).
    struct BraceFinder {
        let text: String
        /// The last `}` found; every search starts after the previous one's result, so each byte is read once.
        private var next: String.Index?
        /// No `}` from here to the end.
        private var noneFrom: String.Index?

        init(text: String) { self.text = text }

        /// The first `}` at or after `start` when the body before it could be a name (`env:`/`input:` + a name).
        mutating func closing(from start: String.Index) -> String.Index? {
            if let none = noneFrom, none <= start { return nil }
            if next.map({ $0 < start }) ?? true {
                let utf8 = text.utf8
                var index = start
                while index < utf8.endIndex, utf8[index] != UInt8(ascii: "}") { index = utf8.index(after: index) }
                if index < utf8.endIndex { next = index } else { noneFrom = start; return nil }
            }
            guard let close = next, text.utf8.distance(from: start, to: close) <= Template.maxNameLength + 8 else { return nil }
            return close
        }
    }

    /// `[A-Za-z_][A-Za-z0-9_]*`, LibreChat's `${NAME}` grammar.
    static func isEnvName(_ name: some StringProtocol) -> Bool {
        guard let first = name.utf8.first, name.utf8.count <= maxNameLength else { return false }
        let isLetter = { (byte: UInt8) in (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F }
        return isLetter(first) && name.utf8.allSatisfy { isLetter($0) || ($0 >= 0x30 && $0 <= 0x39) }
    }

    /// Letters, digits, `_`, `.` and `-`: LibreChat names, aliases (`user.id`) and customUserVars keys.
    static func isPlaceholderName(_ name: some StringProtocol) -> Bool {
        !name.isEmpty && name.utf8.count <= maxNameLength && name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x5F || byte == 0x2E || byte == 0x2D
        }
    }
}
