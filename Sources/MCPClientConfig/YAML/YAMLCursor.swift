import MCPClientCore

/// A saved cursor position.
struct YAMLMark {
    var pos: Int
    var line: Int
    var lineStart: Int
}

/// One recorded node position. Positions recorded inside a merge key's value are dropped (`killedAt` = the merge
/// sequence number) when the merge resolves; an anchor defined earlier still sees them as they were.
struct YAMLLocationEntry {
    var path: [PathComponent]
    var location: SourceLocation
    var killedAt = Int.max
    var live: Bool { killedAt == Int.max }
}

/// A parsed node: its JSON value plus what a parent needs to know about it.
struct YAMLNode {
    var value: JSONValue
    var isScalar: Bool
    var mark: YAMLMark
    /// Quoted scalars and flow collections: a ':' right after them starts a value even without a space.
    var jsonLike = false
}

struct YAMLAnchor {
    var value: JSONValue
    var isScalar: Bool
    /// The anchored node's descendants: `locations[range]`, paths starting after `prefix` components, as they were
    /// when the anchor was defined (merge sequence `definedAt`).
    var range: Range<Int>
    var prefix: Int
    var definedAt: Int
    var nodeCount: Int { range.count + 1 }
}

/// The parser state: a byte cursor with line tracking, the path of the node being parsed, recorded locations and
/// anchors. Recursion happens only per collection level and is bounded by `limits.maxDepth`.
struct YAMLCore {
    let bytes: UnsafeBufferPointer<UInt8>
    let limits: YAMLParser.Limits
    var pos = 0
    var line = 1
    var lineStart = 0
    var path: [PathComponent] = []
    var locations: [YAMLLocationEntry] = []
    var anchors: [String: YAMLAnchor] = [:]
    var aliasNodes = 0
    var mergeSequence = 0
    var tagHandles: [String: String] = [:]
    let columns: ColumnIndex
    var stackGuard = StackGuard()

    init(bytes: UnsafeBufferPointer<UInt8>, limits: YAMLParser.Limits) {
        self.bytes = bytes
        self.limits = limits
        self.columns = ColumnIndex(bytes: bytes)
    }

    // MARK: bytes

    /// The byte at `index`, or 0 past the end (NUL bytes are rejected up front, so 0 means "end").
    @inline(__always) func byte(_ index: Int) -> UInt8 { index < bytes.count ? bytes[index] : 0 }
    @inline(__always) var current: UInt8 { byte(pos) }
    @inline(__always) var atEOF: Bool { pos >= bytes.count }
    @inline(__always) func isBreak(_ index: Int) -> Bool {
        let b = byte(index)
        return b == 0x0A || (b == 0x0D && byte(index + 1) == 0x0A)
    }
    @inline(__always) func isBlank(_ index: Int) -> Bool { let b = byte(index); return b == 0x20 || b == 0x09 }
    @inline(__always) func isBlankOrEnd(_ index: Int) -> Bool { index >= bytes.count || isBlank(index) || isBreak(index) }
    @inline(__always) var atLineEnd: Bool { atEOF || isBreak(pos) }
    @inline(__always) static func isFlowIndicator(_ b: UInt8) -> Bool {
        b == UInt8(ascii: ",") || b == UInt8(ascii: "[") || b == UInt8(ascii: "]") || b == UInt8(ascii: "{") || b == UInt8(ascii: "}")
    }

    mutating func consumeBreak() {
        if current == 0x0D { pos += 1 }
        pos += 1
        line += 1
        lineStart = pos
    }

    mutating func skipBlanks() { while isBlank(pos) { pos += 1 } }
    mutating func skipToLineEnd() { while !atLineEnd { pos += 1 } }

    var mark: YAMLMark { YAMLMark(pos: pos, line: line, lineStart: lineStart) }
    mutating func reset(to mark: YAMLMark) {
        pos = mark.pos
        line = mark.line
        lineStart = mark.lineStart
    }

    /// Whether only spaces precede the cursor on its line.
    var atLineContentStart: Bool {
        var index = lineStart
        while index < pos { if bytes[index] != 0x20 { return false }; index += 1 }
        return true
    }

    /// `---` or `...` at column 1 followed by whitespace or the end.
    func atDocumentMarker(_ marker: UInt8? = nil) -> Bool {
        guard pos == lineStart else { return false }
        let b = byte(pos)
        guard b == UInt8(ascii: "-") || b == UInt8(ascii: ".") else { return false }
        if let marker, b != marker { return false }
        return byte(pos + 1) == b && byte(pos + 2) == b && isBlankOrEnd(pos + 3)
    }

    /// The indentation of the line the cursor's content is on; -1 at the end of the input or a document marker,
    /// which closes every block collection.
    var currentIndent: Int {
        if atEOF || atDocumentMarker() { return -1 }
        return pos - lineStart
    }

    // MARK: positions and errors

    func location(_ mark: YAMLMark) -> SourceLocation {
        SourceLocation(line: mark.line, column: columns.column(of: mark.pos, lineStart: mark.lineStart), offset: mark.pos)
    }

    @inline(never)
    func error(_ message: String, at mark: YAMLMark, details extra: JSONObject = [:]) -> MCPError {
        let where_ = location(mark)
        var end = mark.lineStart
        while end < bytes.count, bytes[end] != 0x0A { end += 1 }
        let start = min(mark.lineStart, end)
        let lineText = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        let excerpt = SourceDocument(value: .null, syntax: .yaml, text: lineText)
            .excerpt(at: SourceLocation(line: 1, column: where_.column, offset: 0)) ?? ""
        var details: JSONObject = [
            "line": .int(Int64(where_.line)), "column": .int(Int64(where_.column)), "excerpt": .string(excerpt),
        ]
        if !path.isEmpty { details["path"] = .string(ConfigPath(path).description) }
        for (key, value) in extra { details[key] = value }
        return MCPError.config("YAML line \(where_.line), column \(where_.column): \(message)", details: details)
    }

    @inline(never)
    func error(_ message: String) -> MCPError { error(message, at: mark) }

    // MARK: whitespace, comments, lines

    /// Moves to the next content character, skipping blanks, comments and empty lines. In block context a tab
    /// in a content line's leading whitespace is an error (YAML forbids tabs as indentation).
    @inline(never)
    mutating func skipToContent() throws(MCPError) {
        while true {
            if pos == lineStart {
                while current == 0x20 { pos += 1 }
                if current == 0x09 {
                    let tab = mark
                    skipBlanks()
                    if !atLineEnd, current != UInt8(ascii: "#") {
                        throw error("a tab character is used for indentation; indent with spaces", at: tab)
                    }
                }
            } else {
                skipBlanks()
            }
            if current == UInt8(ascii: "#") { skipToLineEnd() }
            if atEOF { return }
            if isBreak(pos) { consumeBreak(); continue }
            return
        }
    }

    /// After a node: the rest of its line may hold only blanks and a comment. Then moves to the next content line.
    @inline(never)
    mutating func finishNodeLine() throws(MCPError) {
        // A block scalar ends at the start of the next line, whose indentation skipToContent checks for tabs.
        if pos == lineStart { return try skipToContent() }
        skipBlanks()
        if current == UInt8(ascii: "#") {
            if pos > lineStart, !isBlank(pos - 1) { throw error("a comment needs whitespace before '#'") }
            skipToLineEnd()
        } else if !atLineEnd, !atLineContentStart {
            if current == UInt8(ascii: ":") {
                throw error("unexpected ':' (a plain value cannot contain ': '; quote the value, or check the indentation)")
            }
            throw error("unexpected text after the value")
        }
        try skipToContent()
    }

    // MARK: locations, anchors, budget

    @inline(never)
    mutating func record(_ child: PathComponent, at mark: YAMLMark) {
        guard path.count < SourceDocument.maxLocatedDepth, locations.count < SourceDocument.maxLocations else { return }
        var childPath = path
        childPath.append(child)
        locations.append(YAMLLocationEntry(path: childPath, location: location(mark)))
    }

    @inline(never)
    mutating func charge(_ nodes: Int, at mark: YAMLMark) throws(MCPError) {
        aliasNodes &+= nodes
        if aliasNodes > limits.maxAliasNodes {
            throw error("aliases expand to more than \(limits.maxAliasNodes) nodes (an alias bomb?); the document is refused",
                at: mark, details: ["limit": .int(Int64(limits.maxAliasNodes))])
        }
    }

    mutating func checkDepth(_ depth: Int, at mark: YAMLMark) throws(MCPError) {
        if depth > limits.maxDepth {
            throw error("collections nest deeper than \(limits.maxDepth) levels", at: mark,
                details: ["limit": .int(Int64(limits.maxDepth))])
        }
        // A host thread may have a small stack: stop before it runs out, whatever the depth limit says.
        if !stackGuard.hasRoom() {
            throw error("collections nest too deeply for the calling thread's stack (\(depth) levels)", at: mark,
                details: ["limit": .int(Int64(depth - 1))])
        }
    }

    /// Remembers `node` under `name`; its descendants are the locations recorded since `start`.
    @inline(never)
    mutating func defineAnchor(_ name: String, node: YAMLNode, locationsFrom start: Int, at mark: YAMLMark) throws(MCPError) {
        anchors[name] = YAMLAnchor(value: node.value, isScalar: node.isScalar, range: start..<locations.count, prefix: path.count,
            definedAt: mergeSequence)
    }

    @inline(never)
    mutating func parseAlias(flow: Bool) throws(MCPError) -> YAMLNode {
        let start = mark
        pos += 1
        let name = scanAnchorName()
        guard !name.isEmpty else { throw error("an alias needs a name after '*'", at: start) }
        guard let anchor = anchors[name] else {
            throw error("unknown alias '*\(name)' (no anchor '&\(name)' defined before it)", at: start, details: ["alias": .string(name)])
        }
        try charge(anchor.nodeCount, at: start)
        for index in anchor.range where locations[index].killedAt >= anchor.definedAt {
            guard locations.count < SourceDocument.maxLocations else { break }
            let entry = locations[index]
            guard path.count + entry.path.count - min(anchor.prefix, entry.path.count) <= SourceDocument.maxLocatedDepth else { continue }
            locations.append(YAMLLocationEntry(path: path + entry.path[min(anchor.prefix, entry.path.count)...], location: entry.location))
        }
        return YAMLNode(value: anchor.value, isScalar: anchor.isScalar, mark: start)
    }

    /// Anchor and alias names run to whitespace or a flow indicator.
    mutating func scanAnchorName() -> String {
        let start = pos
        while !isBlankOrEnd(pos), !Self.isFlowIndicator(current) { pos += 1 }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self)
    }
}
