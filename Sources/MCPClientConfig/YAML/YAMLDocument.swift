import MCPClientCore

extension YAMLCore {
    /// The whole stream: directives, one document, optional markers; a second document is an error.
    mutating func parseStream() throws(MCPError) -> (JSONValue, [ConfigPath: SourceLocation]) {
        try checkCharacters()
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            pos = 3
            lineStart = 3
        }
        var sawDirective = false
        var sawYAMLDirective = false
        while true {
            try skipToContent()
            guard pos == lineStart, current == UInt8(ascii: "%") else { break }
            try parseDirective(sawYAMLDirective: &sawYAMLDirective)
            sawDirective = true
        }
        let documentStart = mark
        var root: YAMLNode?
        if atDocumentMarker(UInt8(ascii: "-")) {
            pos += 3
            skipBlanks()
            if atCommentOrLineEnd {
                root = try parseIndentedValue(parentIndent: -1, depth: 0, sameIndentSequence: true)
            } else {
                root = try parseBlockNode(parentIndent: -1, depth: 0, compact: false)
            }
        } else {
            if sawDirective { throw error("directives must be followed by a '---' line") }
            if !atEOF, !atDocumentMarker() { root = try parseBlockNode(parentIndent: -1, depth: 0, compact: true) }
        }
        if root != nil { try finishNodeLine() }
        if !atEOF, !atDocumentMarker() { throw error("unexpected content after the document's top-level value") }
        let value = root?.value ?? .null
        locations.append(YAMLLocationEntry(path: [], location: location(root?.mark ?? documentStart)))

        try skipToContent()
        if atDocumentMarker(UInt8(ascii: ".")) {
            pos += 3
            try finishNodeLine()
        }
        if !atEOF {
            let count = documentCount()
            throw error("the file has \(count) YAML documents; only one document per file is supported",
                at: mark, details: ["documents": .int(Int64(count))])
        }

        var result: [ConfigPath: SourceLocation] = [:]
        result.reserveCapacity(locations.count)
        for entry in locations where entry.live { result[ConfigPath(entry.path)] = entry.location }
        return (value, result)
    }

    /// NUL and other C0 controls (except tab and line breaks), DEL, and a lone carriage return are refused.
    private func checkCharacters() throws(MCPError) {
        var line = 1
        var lineStart = 0
        for index in 0..<bytes.count {
            let b = bytes[index]
            if b == 0x0A { line += 1; lineStart = index + 1; continue }
            if b >= 0x20, b != 0x7F { continue }
            if b == 0x09 { continue }
            if b == 0x0D, index + 1 < bytes.count, bytes[index + 1] == 0x0A { continue }
            let what = b == 0x0D ? "a carriage return without a line feed" : "the control character U+\(String(b, radix: 16, uppercase: true))"
            throw error("\(what) is not allowed in YAML text (escape it in a double-quoted string)",
                at: YAMLMark(pos: index, line: line, lineStart: lineStart))
        }
    }

    private mutating func parseDirective(sawYAMLDirective: inout Bool) throws(MCPError) {
        let start = mark
        pos += 1
        let nameStart = pos
        while !isBlankOrEnd(pos) { pos += 1 }
        let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[nameStart..<pos]), as: UTF8.self)
        var arguments: [String] = []
        while true {
            skipBlanks()
            if atLineEnd || current == UInt8(ascii: "#") { break }
            let argumentStart = pos
            while !isBlankOrEnd(pos) { pos += 1 }
            arguments.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[argumentStart..<pos]), as: UTF8.self))
        }
        skipToLineEnd()
        switch name {
        case "YAML":
            if sawYAMLDirective { throw error("a second %YAML directive", at: start) }
            sawYAMLDirective = true
            guard arguments.count == 1, arguments[0].hasPrefix("1.") else {
                throw error("unsupported YAML version (this parser reads YAML 1.x as 1.2)", at: start)
            }
        case "TAG":
            guard arguments.count == 2, arguments[0].hasPrefix("!"), arguments[0].hasSuffix("!") else {
                throw error("a %TAG directive needs a handle (!, !!, !name!) and a prefix", at: start)
            }
            if tagHandles[arguments[0]] != nil { throw error("the tag handle \(arguments[0]) is declared twice", at: start) }
            tagHandles[arguments[0]] = arguments[1]
        default:
            break  // reserved directives are ignored, as the spec asks
        }
    }

    /// How many documents the stream holds, counted from the cursor (where the second one starts) by markers and
    /// bare content, for the error message.
    private func documentCount() -> Int {
        var count = 1
        var inDocument = false
        var index = pos
        var atStart = true
        while index < bytes.count {
            if atStart {
                let b = bytes[index]
                let marker = (b == UInt8(ascii: "-") || b == UInt8(ascii: ".")) && byte(index + 1) == b && byte(index + 2) == b
                    && isBlankOrEnd(index + 3)
                if marker, b == UInt8(ascii: "-") {
                    count += 1
                    inDocument = true
                } else if marker {
                    inDocument = false
                } else if !inDocument {
                    var probe = index
                    while isBlank(probe) { probe += 1 }
                    let first = byte(probe)
                    if probe < bytes.count, !isBreak(probe), first != UInt8(ascii: "#"), first != UInt8(ascii: "%") {
                        count += 1
                        inDocument = true
                    }
                }
            }
            atStart = bytes[index] == 0x0A
            index += 1
        }
        return count
    }
}
