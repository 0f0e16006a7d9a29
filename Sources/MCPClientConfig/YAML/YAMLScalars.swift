import MCPClientCore

extension YAMLCore {
    // MARK: plain

    /// A plain scalar. Block context: continuation lines must be indented more than `parentIndent`; flow context
    /// stops at flow indicators. Line breaks fold to a space (n empty lines to n newlines), as the spec says.
    @inline(never)
    mutating func scanPlain(parentIndent: Int, flow: Bool, singleLine: Bool) throws(MCPError) -> String {
        var folded: [UInt8] = []
        var multiLine = false
        var firstChunk: Range<Int> = pos..<pos
        var pendingBreaks = 0
        var isFirst = true
        while true {
            let chunkStart = pos
            var contentEnd = pos
            while pos < bytes.count {
                let b = bytes[pos]
                if b == 0x0A || b == 0x0D { break }
                if b == UInt8(ascii: ":") {
                    if isBlankOrEnd(pos + 1) || (flow && Self.isFlowIndicator(byte(pos + 1))) { break }
                } else if b == UInt8(ascii: "#") {
                    if pos > chunkStart, isBlank(pos - 1) { break }
                } else if flow, Self.isFlowIndicator(b) {
                    break
                }
                if b != 0x20, b != 0x09 { contentEnd = pos + 1 }
                pos += 1
            }
            if isFirst {
                firstChunk = chunkStart..<contentEnd
                isFirst = false
            } else {
                if !multiLine {
                    folded.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[firstChunk]))
                    multiLine = true
                }
                if pendingBreaks == 0 {
                    folded.append(0x20)
                } else {
                    folded.append(contentsOf: repeatElement(0x0A, count: pendingBreaks))
                }
                folded.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[chunkStart..<contentEnd]))
            }
            if singleLine || !isBreak(pos) { break }
            // Look ahead: does the scalar continue on a later line?
            let endOfLine = mark
            consumeBreak()
            var breaks = 0
            var continues = false
            while true {
                var spaces = 0
                while byte(pos + spaces) == 0x20 { spaces += 1 }
                var index = pos + spaces
                while isBlank(index) { index += 1 }
                if isBreak(index) {
                    breaks += 1
                    pos = index
                    consumeBreak()
                    continue
                }
                if index >= bytes.count || atDocumentMarker() { break }
                if !flow, spaces <= parentIndent { break }
                let b = byte(index)
                if b == UInt8(ascii: "#") { break }
                if b == UInt8(ascii: ":"), isBlankOrEnd(index + 1) || (flow && Self.isFlowIndicator(byte(index + 1))) { break }
                if flow, Self.isFlowIndicator(b) { break }
                pos = index
                continues = true
                break
            }
            if !continues {
                reset(to: endOfLine)
                break
            }
            pendingBreaks = breaks
        }
        if multiLine { return String(decoding: folded, as: UTF8.self) }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[firstChunk]), as: UTF8.self)
    }

    // MARK: quoted

    /// A single- or double-quoted scalar; line breaks fold like plain scalars, `\` escapes in double quotes only.
    @inline(never)
    mutating func scanQuoted() throws(MCPError) -> String {
        let start = mark
        let double = current == UInt8(ascii: "\"")
        let quote = current
        pos += 1
        let contentStart = pos
        // Fast path: no escapes and no line breaks.
        while pos < bytes.count {
            let b = bytes[pos]
            if b == quote {
                if !double, byte(pos + 1) == quote { break }
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[contentStart..<pos]), as: UTF8.self)
                pos += 1
                return text
            }
            if b == 0x0A || b == 0x0D || (double && b == UInt8(ascii: "\\")) { break }
            pos += 1
        }
        var out = Array(UnsafeBufferPointer(rebasing: bytes[contentStart..<pos]))
        var trimFrom = -1
        while true {
            guard !atEOF else {
                throw error("unterminated \(double ? "double" : "single")-quoted string", at: start)
            }
            let b = current
            if b == quote {
                if !double, byte(pos + 1) == quote {
                    out.append(quote)
                    pos += 2
                    trimFrom = -1
                    continue
                }
                pos += 1
                return String(decoding: out, as: UTF8.self)
            }
            if double, b == UInt8(ascii: "\\") {
                if isBreak(pos + 1) {
                    // An escaped line break joins the lines without a space.
                    pos += 1
                    consumeBreak()
                    try skipQuotedContinuationPrefix(start: start)
                    trimFrom = -1
                    continue
                }
                try appendEscape(to: &out)
                trimFrom = -1
                continue
            }
            if b == 0x20 || b == 0x09 {
                if trimFrom < 0 { trimFrom = out.count }
                out.append(b)
                pos += 1
                continue
            }
            if isBreak(pos) {
                if trimFrom >= 0 { out.removeSubrange(trimFrom...) }
                trimFrom = -1
                consumeBreak()
                var breaks = 0
                while true {
                    try skipQuotedContinuationPrefix(start: start)
                    if isBreak(pos) { breaks += 1; consumeBreak(); continue }
                    break
                }
                if breaks == 0 { out.append(0x20) } else { out.append(contentsOf: repeatElement(0x0A, count: breaks)) }
                continue
            }
            out.append(b)
            pos += 1
            trimFrom = -1
        }
    }

    private mutating func skipQuotedContinuationPrefix(start: YAMLMark) throws(MCPError) {
        if atDocumentMarker() { throw error("a document marker inside a quoted string (unterminated quote?)", at: start) }
        skipBlanks()
    }

    private mutating func appendEscape(to out: inout [UInt8]) throws(MCPError) {
        let start = mark
        pos += 1
        let e = current
        pos += 1
        switch e {
        case UInt8(ascii: "0"): out.append(0)
        case UInt8(ascii: "a"): out.append(0x07)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "t"), 0x09: out.append(0x09)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "v"): out.append(0x0B)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "e"): out.append(0x1B)
        case 0x20: out.append(0x20)
        case UInt8(ascii: "\""): out.append(0x22)
        case UInt8(ascii: "/"): out.append(0x2F)
        case UInt8(ascii: "\\"): out.append(0x5C)
        case UInt8(ascii: "N"): appendScalar(0x85, to: &out)
        case UInt8(ascii: "_"): appendScalar(0xA0, to: &out)
        case UInt8(ascii: "L"): appendScalar(0x2028, to: &out)
        case UInt8(ascii: "P"): appendScalar(0x2029, to: &out)
        case UInt8(ascii: "x"), UInt8(ascii: "u"), UInt8(ascii: "U"):
            let width = e == UInt8(ascii: "x") ? 2 : e == UInt8(ascii: "u") ? 4 : 8
            var code: UInt32 = 0
            for _ in 0..<width {
                let h = current
                let digit: UInt32
                switch h {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(h - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(h - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(h - UInt8(ascii: "A") + 10)
                default: throw error("'\\\(Unicode.Scalar(e))' needs \(width) hex digits", at: start)
                }
                code = code << 4 | digit
                pos += 1
            }
            guard code <= 0x10FFFF, Unicode.Scalar(code) != nil else {
                throw error("the escape encodes U+\(String(code, radix: 16, uppercase: true)), which is not a Unicode scalar", at: start)
            }
            appendScalar(code, to: &out)
        default:
            let shown = atEOF && e == 0 ? "end of input" : "'\\\(String(decoding: [e], as: UTF8.self))'"
            throw error("invalid escape \(shown) in a double-quoted string", at: start)
        }
    }

    private func appendScalar(_ code: UInt32, to out: inout [UInt8]) {
        guard let scalar = Unicode.Scalar(code) else { return }
        out.append(contentsOf: String(Character(scalar)).utf8)
    }

    // MARK: block scalars

    /// `|` (literal) or `>` (folded) with optional chomping (`-`, `+`) and indentation (1-9) indicators.
    @inline(never)
    mutating func scanBlockScalar(parentIndent: Int) throws(MCPError) -> String {
        let folded = current == UInt8(ascii: ">")
        pos += 1
        var chomping = 0  // -1 strip, 0 clip, +1 keep
        var chompingSeen = false
        var explicitIndent = 0
        for _ in 0..<2 {
            let b = current
            if (b == UInt8(ascii: "-") || b == UInt8(ascii: "+")), !chompingSeen {
                chomping = b == UInt8(ascii: "-") ? -1 : 1
                chompingSeen = true
                pos += 1
            } else if b >= UInt8(ascii: "1"), b <= UInt8(ascii: "9"), explicitIndent == 0 {
                explicitIndent = Int(b - UInt8(ascii: "0"))
                pos += 1
            } else if b == UInt8(ascii: "0"), explicitIndent == 0 {
                throw error("a block scalar's indentation indicator must be 1-9")
            }
        }
        let beforeBlanks = pos
        skipBlanks()
        if current == UInt8(ascii: "#") {
            if pos == beforeBlanks { throw error("a comment needs whitespace before '#'") }
            skipToLineEnd()
        }
        guard atLineEnd else { throw error("unexpected text after the block scalar header", at: mark) }
        if atEOF { return "" }
        consumeBreak()

        let base = max(parentIndent, 0)
        var indent: Int
        if explicitIndent > 0 {
            indent = base + explicitIndent
        } else {
            // The first non-empty line sets the indentation.
            indent = parentIndent + 1
            var index = pos
            while index < bytes.count {
                var spaces = 0
                while byte(index + spaces) == 0x20 { spaces += 1 }
                if isBreak(index + spaces) {
                    index += spaces
                    index += byte(index) == 0x0D ? 2 : 1
                    continue
                }
                if index + spaces < bytes.count { indent = max(spaces, parentIndent + 1) }
                break
            }
        }

        var out: [UInt8] = []
        var sawContent = false
        var previousMoreIndented = false
        var breaks = 0
        var lastBreak = false
        while !atEOF {
            if atDocumentMarker() { break }
            var spaces = 0
            while spaces < indent, byte(pos + spaces) == 0x20 { spaces += 1 }
            if spaces < indent {
                var index = pos + spaces
                while isBlank(index) { index += 1 }
                if isBreak(index) || index >= bytes.count {
                    breaks += 1
                    pos = index
                    if atEOF { break }
                    consumeBreak()
                    continue
                }
                break
            }
            pos += spaces
            if atLineEnd {
                breaks += 1
                if atEOF { break }
                consumeBreak()
                continue
            }
            let moreIndented = isBlank(pos)
            if sawContent {
                if folded, !previousMoreIndented, !moreIndented {
                    if breaks == 0 { out.append(0x20) } else { out.append(contentsOf: repeatElement(0x0A, count: breaks)) }
                } else {
                    out.append(contentsOf: repeatElement(0x0A, count: breaks + 1))
                }
            } else {
                out.append(contentsOf: repeatElement(0x0A, count: breaks))
            }
            breaks = 0
            let lineContent = pos
            skipToLineEnd()
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[lineContent..<pos]))
            sawContent = true
            previousMoreIndented = moreIndented
            lastBreak = !atEOF
            if atEOF { break }
            consumeBreak()
        }
        if chomping == 1 {
            if sawContent, lastBreak { out.append(0x0A) }
            out.append(contentsOf: repeatElement(0x0A, count: breaks))
        } else if chomping == 0, sawContent, lastBreak {
            out.append(0x0A)
        }
        return String(decoding: out, as: UTF8.self)
    }
}
