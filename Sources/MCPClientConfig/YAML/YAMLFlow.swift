import MCPClientCore

extension YAMLCore {
    /// Blanks, line breaks and comments between flow tokens.
    @inline(never)
    mutating func skipFlowSpace() throws(MCPError) {
        while true {
            let before = pos
            skipBlanks()
            if current == UInt8(ascii: "#"), pos > before || pos == lineStart || isBlank(pos - 1) || isBreak(pos - 1) {
                skipToLineEnd()
            }
            if isBreak(pos) {
                consumeBreak()
                if atDocumentMarker() { throw error("a document marker inside a flow collection (missing ']' or '}'?)") }
                continue
            }
            return
        }
    }

    /// A node inside `[…]` or `{…}`. (Recursive: see the note in YAMLBlock.swift on keeping frames small.)
    mutating func parseFlowNode(depth: Int) throws(MCPError) -> YAMLNode {
        let start = mark
        let locationStart = locations.count
        let properties = try parseFlowProperties()
        var node: YAMLNode
        if current == UInt8(ascii: "[") || current == UInt8(ascii: "{") {
            node = current == UInt8(ascii: "[") ? try parseFlowSequence(depth: depth + 1) : try parseFlowMapping(depth: depth + 1)
        } else {
            node = try parseFlowScalar(properties: properties, at: start)
        }
        try finishNode(&node, properties: properties, locationsFrom: locationStart, at: start)
        return node
    }

    @inline(never)
    mutating func parseFlowProperties() throws(MCPError) -> YAMLProperties {
        let properties = try parseProperties(flow: true)
        if !properties.isEmpty { try skipFlowSpace() }
        return properties
    }

    @inline(never)
    mutating func parseFlowScalar(properties: YAMLProperties, at start: YAMLMark) throws(MCPError) -> YAMLNode {
        switch current {
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            let text = try scanQuoted()
            return YAMLNode(value: try scalarValue(text, style: .quoted, tag: properties.tag, tagText: properties.tagText, at: start),
                isScalar: true, mark: start, jsonLike: true)
        case UInt8(ascii: "*"):
            if !properties.isEmpty { throw error("an alias cannot have an anchor or tag", at: start) }
            return try parseAlias(flow: true)
        case UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"), UInt8(ascii: ":"):
            if properties.isEmpty { throw error("expected a value") }
            return YAMLNode(value: try scalarValue("", style: .plain, tag: properties.tag, tagText: properties.tagText, at: start),
                isScalar: true, mark: start)
        default:
            if atEOF { throw error("unterminated flow collection") }
            try checkPlainStart(flow: true)
            let text = try scanPlain(parentIndent: -1, flow: true, singleLine: false)
            return YAMLNode(value: try scalarValue(text, style: .plain, tag: properties.tag, tagText: properties.tagText, at: start),
                isScalar: true, mark: start)
        }
    }

    /// Whether the cursor is at the ':' of a flow `key: value` (after a JSON-like key, no space is needed).
    @inline(never)
    func atFlowValueIndicator(afterJSONLike jsonLike: Bool) -> Bool {
        guard current == UInt8(ascii: ":") else { return false }
        return jsonLike || isBlankOrEnd(pos + 1) || Self.isFlowIndicator(byte(pos + 1))
    }

    /// Skips to the next entry of a flow collection; true (after consuming it) at the closing bracket.
    @inline(never)
    mutating func atFlowEnd(_ close: UInt8, start: YAMLMark) throws(MCPError) -> Bool {
        try skipFlowSpace()
        if atEOF {
            throw error(close == UInt8(ascii: "]") ? "unterminated flow sequence (missing ']')" : "unterminated flow mapping (missing '}')", at: start)
        }
        if current == close { pos += 1; return true }
        return false
    }

    /// After an entry: ',' (false) or the closing bracket (true, consumed); anything else is an error.
    @inline(never)
    mutating func afterFlowEntry(_ close: UInt8, start: YAMLMark) throws(MCPError) -> Bool {
        try skipFlowSpace()
        if current == UInt8(ascii: ",") { pos += 1; return false }
        if current == close { pos += 1; return true }
        let sequence = close == UInt8(ascii: "]")
        if atEOF { throw error(sequence ? "unterminated flow sequence (missing ']')" : "unterminated flow mapping (missing '}')", at: start) }
        throw error(sequence ? "expected ',' or ']' in the flow sequence" : "expected ',' or '}' in the flow mapping")
    }

    @inline(never)
    mutating func startFlowCollection(depth: Int) throws(MCPError) -> YAMLMark {
        let start = mark
        try checkDepth(depth, at: start)
        pos += 1
        return start
    }

    mutating func parseFlowSequence(depth: Int) throws(MCPError) -> YAMLNode {
        let start = try startFlowCollection(depth: depth)
        var items: [JSONValue] = []
        while try !atFlowEnd(UInt8(ascii: "]"), start: start) {
            let itemMark = mark
            path.append(.index(items.count))
            var value: JSONValue
            if atExplicitKey || (current == UInt8(ascii: "?") && Self.isFlowIndicator(byte(pos + 1))) {
                pos += 1
                try skipFlowSpace()
                value = try parseFlowPair(keyMark: itemMark, key: nil, depth: depth)
            } else {
                let node = try parseFlowNode(depth: depth)
                try skipFlowSpace()
                value = atFlowValueIndicator(afterJSONLike: node.jsonLike) ? try parseFlowPair(keyMark: itemMark, key: node, depth: depth) : node.value
            }
            path.removeLast()
            record(.index(items.count), at: itemMark)
            items.append(value)
            if try afterFlowEntry(UInt8(ascii: "]"), start: start) { break }
        }
        return YAMLNode(value: .array(items), isScalar: false, mark: start, jsonLike: true)
    }

    /// A single-pair mapping inside a flow sequence (`[a: 1]`, `[? a : 1]`); the cursor is at ':' or at the key.
    private mutating func parseFlowPair(keyMark: YAMLMark, key: YAMLNode?, depth: Int) throws(MCPError) -> JSONValue {
        let keyText = try flowPairKey(keyMark: keyMark, key: key, depth: depth)
        var value: JSONValue = .null
        if try startFlowValue(close: UInt8(ascii: "]")) {
            path.append(.key(keyText))
            value = try parseFlowNode(depth: depth + 1).value
            path.removeLast()
        }
        record(.key(keyText), at: keyMark)
        return .object(JSONObject([(keyText, value)]))
    }

    @inline(never)
    private mutating func flowPairKey(keyMark: YAMLMark, key: YAMLNode?, depth: Int) throws(MCPError) -> String {
        try checkDepth(depth + 1, at: keyMark)
        var keyNode: YAMLNode
        if let key {
            keyNode = key
        } else if current == UInt8(ascii: ":") || current == UInt8(ascii: ",") || current == UInt8(ascii: "]") {
            keyNode = YAMLNode(value: .null, isScalar: true, mark: keyMark)
        } else {
            keyNode = try parseKey(flow: true)
            try skipFlowSpace()
        }
        keyNode.mark = keyMark
        return try scalarKeyText(keyNode)
    }

    /// At ':' of a flow entry: moves past it; true when a value (not ',' or the closing bracket) follows.
    @inline(never)
    mutating func startFlowValue(close: UInt8) throws(MCPError) -> Bool {
        guard current == UInt8(ascii: ":") else { return false }
        pos += 1
        try skipFlowSpace()
        return current != UInt8(ascii: ",") && current != close
    }

    mutating func parseFlowMapping(depth: Int) throws(MCPError) -> YAMLNode {
        let start = try startFlowCollection(depth: depth)
        var mapping = YAMLPendingMapping()
        while try !atFlowEnd(UInt8(ascii: "}"), start: start) {
            let key = try parseFlowMappingKey()
            let keyText = try scalarKeyText(key)
            let valueStart = locations.count
            var value: YAMLNode?
            if atFlowValueIndicator(afterJSONLike: key.jsonLike), try startFlowValue(close: UInt8(ascii: "}")) {
                path.append(.key(keyText))
                value = try parseFlowNode(depth: depth)
                path.removeLast()
            }
            try mapping.add(key: keyText, keyNode: key, value: value, valueLocations: valueStart, into: &self)
            if try afterFlowEntry(UInt8(ascii: "}"), start: start) { break }
        }
        return YAMLNode(value: .object(mapping.finish(into: &self)), isScalar: false, mark: start, jsonLike: true)
    }

    @inline(never)
    mutating func parseFlowMappingKey() throws(MCPError) -> YAMLNode {
        let entryMark = mark
        if atExplicitKey {
            pos += 1
            try skipFlowSpace()
        }
        var key: YAMLNode
        if current == UInt8(ascii: ":") && (isBlankOrEnd(pos + 1) || Self.isFlowIndicator(byte(pos + 1))) {
            key = YAMLNode(value: .null, isScalar: true, mark: entryMark)
        } else {
            key = try parseKey(flow: true)
        }
        key.mark = entryMark
        try skipFlowSpace()
        return key
    }
}
