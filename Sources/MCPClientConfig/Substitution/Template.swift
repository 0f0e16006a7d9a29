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
        while index < text.endIndex {
            if let (piece, end) = Template.reference(in: text, at: index) {
                if literalStart < index { pieces.append(.literal(text[literalStart..<index])) }
                pieces.append(piece)
                index = end
                literalStart = end
            } else {
                index = text.index(after: index)
            }
        }
        if literalStart < text.endIndex { pieces.append(.literal(text[literalStart...])) }
        self.pieces = pieces
    }

    var hasReferences: Bool { pieces.contains { if case .literal = $0 { false } else { true } } }

    /// A reference starting at `index`, and the index after it.
    private static func reference(in text: String, at index: String.Index) -> (Piece, String.Index)? {
        let rest = text[index...]
        if rest.hasPrefix("${") {
            let bodyStart = text.index(index, offsetBy: 2)
            guard let close = closing(in: text, from: bodyStart, terminator: "}") else { return nil }
            let body = text[bodyStart..<close]
            let end = text.index(after: close)
            let raw = text[index..<end]
            if body == "userHome" || body == "workspaceFolder" { return (.hostPath(name: body, raw: raw), end) }
            if isEnvName(body) { return (.env(name: body, raw: raw), end) }
            if body.hasPrefix("env:"), isEnvName(body.dropFirst(4)) { return (.env(name: body.dropFirst(4), raw: raw), end) }
            if body.hasPrefix("input:"), isPlaceholderName(body.dropFirst(6)) { return (.input(id: body.dropFirst(6), raw: raw), end) }
            return nil
        }
        if rest.hasPrefix("{{") {
            let bodyStart = text.index(index, offsetBy: 2)
            guard let close = closing(in: text, from: bodyStart, terminator: "}"),
                  text[close...].hasPrefix("}}")
            else { return nil }
            let body = text[bodyStart..<close]
            guard isPlaceholderName(body) else { return nil }
            let end = text.index(close, offsetBy: 2)
            return (.placeholder(name: body, raw: text[index..<end]), end)
        }
        return nil
    }

    /// The terminator within `maxNameLength` characters, so a stray `${` costs a bounded look-ahead.
    private static func closing(in text: String, from start: String.Index, terminator: Character) -> String.Index? {
        var index = start
        var steps = 0
        while index < text.endIndex, steps <= maxNameLength + 8 {
            if text[index] == terminator { return index }
            index = text.index(after: index)
            steps += 1
        }
        return nil
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
