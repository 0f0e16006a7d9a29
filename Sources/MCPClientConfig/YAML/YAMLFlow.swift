import MCPClientCore

extension YAMLCore {
    /// Blanks, line breaks and comments between flow tokens.
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

    /// A node inside `[…]` or `{…}`.
    mutating func parseFlowNode(depth: Int) throws(MCPError) -> YAMLNode {
        let start = mark
        let locationStart = locations.count
        let properties = try parseProperties(flow: true)
        if !properties.isEmpty { try skipFlowSpace() }
        let node: YAMLNode
        let b = current
        switch b {
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            var collection = b == UInt8(ascii: "[") ? try parseFlowSequence(depth: depth + 1) : try parseFlowMapping(depth: depth + 1)
            try checkCollectionTag(properties, isMapping: b == UInt8(ascii: "{"))
            collection.jsonLike = true
            node = collection
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            let text = try scanQuoted()
            node = YAMLNode(value: try scalarValue(text, style: .quoted, tag: properties.tag, tagText: properties.tagText, at: start),
                isScalar: true, mark: start, jsonLike: true)
        case UInt8(ascii: "*"):
            if !properties.isEmpty { throw error("an alias cannot have an anchor or tag", at: start) }
            node = try parseAlias(flow: true)
        case UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"), UInt8(ascii: ":"):
            if properties.isEmpty { throw error("expected a value") }
            node = YAMLNode(value: try scalarValue("", style: .plain, tag: properties.tag, tagText: properties.tagText, at: start),
                isScalar: true, mark: start)
        default:
            if atEOF { throw error("unterminated flow collection") }
            try checkPlainStart(flow: true)
            let text = try scanPlain(parentIndent: -1, flow: true, singleLine: false)
            node = YAMLNode(value: try scalarValue(text, style: .plain, tag: properties.tag, tagText: properties.tagText, at: start),
                isScalar: true, mark: start)
        }
        if let anchor = properties.anchor { try defineAnchor(anchor, node: node, locationsFrom: locationStart, at: start) }
        return node
    }

    /// Whether the cursor is at the ':' of a flow `key: value` (after a JSON-like key, no space is needed).
    func atFlowValueIndicator(afterJSONLike jsonLike: Bool) -> Bool {
        guard current == UInt8(ascii: ":") else { return false }
        return jsonLike || isBlankOrEnd(pos + 1) || Self.isFlowIndicator(byte(pos + 1))
    }

    mutating func parseFlowSequence(depth: Int) throws(MCPError) -> YAMLNode {
        let start = mark
        try checkDepth(depth, at: start)
        pos += 1
        var items: [JSONValue] = []
        while true {
            try skipFlowSpace()
            if atEOF { throw error("unterminated flow sequence (missing ']')", at: start) }
            if current == UInt8(ascii: "]") { pos += 1; break }
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
                if atFlowValueIndicator(afterJSONLike: node.jsonLike) {
                    value = try parseFlowPair(keyMark: itemMark, key: node, depth: depth)
                } else {
                    value = node.value
                }
            }
            path.removeLast()
            record(.index(items.count), at: itemMark)
            items.append(value)
            try skipFlowSpace()
            if current == UInt8(ascii: ",") { pos += 1; continue }
            if current == UInt8(ascii: "]") { pos += 1; break }
            if atEOF { throw error("unterminated flow sequence (missing ']')", at: start) }
            throw error("expected ',' or ']' in the flow sequence")
        }
        return YAMLNode(value: .array(items), isScalar: false, mark: start)
    }

    /// A single-pair mapping inside a flow sequence (`[a: 1]`, `[? a : 1]`); the cursor is at ':' or at the key.
    private mutating func parseFlowPair(keyMark: YAMLMark, key: YAMLNode?, depth: Int) throws(MCPError) -> JSONValue {
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
        let keyText = try scalarKeyText(keyNode)
        var value: JSONValue = .null
        if current == UInt8(ascii: ":") {
            pos += 1
            try skipFlowSpace()
            if current != UInt8(ascii: ",") && current != UInt8(ascii: "]") {
                path.append(.key(keyText))
                value = try parseFlowNode(depth: depth + 1).value
                path.removeLast()
            }
        }
        record(.key(keyText), at: keyMark)
        return .object(JSONObject([(keyText, value)]))
    }

    mutating func parseFlowMapping(depth: Int) throws(MCPError) -> YAMLNode {
        let start = mark
        try checkDepth(depth, at: start)
        pos += 1
        var mapping = YAMLPendingMapping()
        while true {
            try skipFlowSpace()
            if atEOF { throw error("unterminated flow mapping (missing '}')", at: start) }
            if current == UInt8(ascii: "}") { pos += 1; break }
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
            let keyText = try scalarKeyText(key)
            try skipFlowSpace()
            let valueStart = locations.count
            var value: YAMLNode?
            if atFlowValueIndicator(afterJSONLike: key.jsonLike) {
                pos += 1
                try skipFlowSpace()
                if current != UInt8(ascii: ",") && current != UInt8(ascii: "}") {
                    path.append(.key(keyText))
                    value = try parseFlowNode(depth: depth)
                    path.removeLast()
                }
            }
            try mapping.add(key: keyText, keyNode: key, value: value, valueLocations: valueStart, into: &self)
            try skipFlowSpace()
            if current == UInt8(ascii: ",") { pos += 1; continue }
            if current == UInt8(ascii: "}") { pos += 1; break }
            if atEOF { throw error("unterminated flow mapping (missing '}')", at: start) }
            throw error("expected ',' or '}' in the flow mapping")
        }
        return YAMLNode(value: .object(mapping.finish(into: &self)), isScalar: false, mark: start)
    }
}
