import MCPClientCore

extension YAMLCore {
    var atSequenceEntry: Bool { current == UInt8(ascii: "-") && isBlankOrEnd(pos + 1) }
    var atExplicitKey: Bool { current == UInt8(ascii: "?") && isBlankOrEnd(pos + 1) }
    var atCommentOrLineEnd: Bool { atLineEnd || current == UInt8(ascii: "#") }

    // The functions that recurse (one call cycle per nesting level) keep only small locals; everything else
    // (properties, scalars, keys, separators, error messages) lives in `@inline(never)` helpers that return before
    // the recursion, so 256 levels fit in a modest thread stack.

    /// A node in block context whose content starts at the cursor, on the current line. `compact` allows a block
    /// collection to start here (at a line start, or after `- `, `? `, or an explicit `: `); `outer` holds
    /// properties written on an earlier line.
    mutating func parseBlockNode(parentIndent: Int, depth: Int, compact: Bool, outer: YAMLProperties = YAMLProperties()) throws(MCPError) -> YAMLNode {
        let start = mark
        let locationStart = locations.count
        var node: YAMLNode
        switch try blockNodeShape(compact: compact, outer: outer) {
        case .sequence:
            node = try parseBlockSequence(column: pos - lineStart, depth: depth + 1)
        case .mapping:
            node = try parseBlockMapping(column: pos - lineStart, depth: depth + 1)
        case .propertiesAlone(let properties):
            // The node follows on the next lines (or is empty).
            if let inner = try parseIndentedValue(parentIndent: parentIndent, depth: depth, sameIndentSequence: true, outer: properties) {
                return inner
            }
            return try emptyNode(properties, at: start, locationsFrom: locationStart)
        case .inline(let properties):
            if current == UInt8(ascii: "[") || current == UInt8(ascii: "{") {
                node = current == UInt8(ascii: "[") ? try parseFlowSequence(depth: depth + 1) : try parseFlowMapping(depth: depth + 1)
            } else {
                node = try parseInlineScalar(parentIndent: parentIndent, properties: properties)
            }
            try finishNode(&node, properties: properties, locationsFrom: locationStart, at: start)
            return node
        }
        try finishNode(&node, properties: outer, locationsFrom: locationStart, at: start)
        return node
    }

    enum BlockNodeShape {
        case sequence, mapping
        case propertiesAlone(YAMLProperties)
        case inline(YAMLProperties)
    }

    @inline(never)
    mutating func blockNodeShape(compact: Bool, outer: YAMLProperties) throws(MCPError) -> BlockNodeShape {
        if compact, atSequenceEntry { return .sequence }
        if compact, atExplicitKey || lineHasImplicitKey() { return .mapping }
        let start = mark
        let properties = try parseProperties(flow: false)
        if properties.isEmpty { return .inline(outer) }
        if !outer.isEmpty { throw error("a node's anchor and tag must be written together", at: start) }
        return atCommentOrLineEnd ? .propertiesAlone(properties) : .inline(properties)
    }

    /// Applies a collection's tag check, marks flow collections JSON-like, and defines the node's anchor.
    @inline(never)
    mutating func finishNode(_ node: inout YAMLNode, properties: YAMLProperties, locationsFrom start: Int, at mark: YAMLMark) throws(MCPError) {
        if !node.isScalar {
            try checkCollectionTag(properties, isMapping: node.value.objectValue != nil)
        }
        if let anchor = properties.anchor { try defineAnchor(anchor, node: node, locationsFrom: start, at: mark) }
    }

    /// An empty node (nothing after `key:` or `-`): null, or what its tag makes of "".
    @inline(never)
    mutating func emptyNode(_ properties: YAMLProperties, at mark: YAMLMark, locationsFrom start: Int) throws(MCPError) -> YAMLNode {
        let value = try scalarValue("", style: .plain, tag: properties.tag, tagText: properties.tagText, at: mark)
        let node = YAMLNode(value: value, isScalar: value.objectValue == nil && value.arrayValue == nil, mark: mark)
        if let anchor = properties.anchor { try defineAnchor(anchor, node: node, locationsFrom: start, at: mark) }
        return node
    }

    /// Block scalars, quoted and plain scalars, and aliases (their anchor is defined by the caller).
    @inline(never)
    mutating func parseInlineScalar(parentIndent: Int, properties: YAMLProperties) throws(MCPError) -> YAMLNode {
        let start = mark
        switch current {
        case UInt8(ascii: "|"), UInt8(ascii: ">"):
            let text = try scanBlockScalar(parentIndent: parentIndent)
            return YAMLNode(value: try scalarValue(text, style: .block, tag: properties.tag, tagText: properties.tagText, at: start),
                isScalar: true, mark: start)
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            let text = try scanQuoted()
            return YAMLNode(value: try scalarValue(text, style: .quoted, tag: properties.tag, tagText: properties.tagText, at: start),
                isScalar: true, mark: start, jsonLike: true)
        case UInt8(ascii: "*"):
            if !properties.isEmpty { throw error("an alias cannot have an anchor or tag", at: start) }
            return try parseAlias(flow: false)
        default:
            try checkPlainStart(flow: false)
            let text = try scanPlain(parentIndent: parentIndent, flow: false, singleLine: false)
            return YAMLNode(value: try scalarValue(text, style: .plain, tag: properties.tag, tagText: properties.tagText, at: start),
                isScalar: true, mark: start)
        }
    }

    @inline(never)
    func checkPlainStart(flow: Bool) throws(MCPError) {
        let b = current
        switch b {
        case UInt8(ascii: "-"), UInt8(ascii: "?"), UInt8(ascii: ":"):
            if isBlankOrEnd(pos + 1) || (flow && Self.isFlowIndicator(byte(pos + 1))) {
                let what = b == UInt8(ascii: "-") ? "a sequence entry '- '" : b == UInt8(ascii: "?") ? "an explicit key '? '" : "a ':'"
                throw error("\(what) cannot start here (a block collection must begin on its own line)")
            }
        case UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"), UInt8(ascii: "%"), UInt8(ascii: "@"), UInt8(ascii: "`"),
            UInt8(ascii: "#"), UInt8(ascii: "&"), UInt8(ascii: "!"), UInt8(ascii: "|"), UInt8(ascii: ">"):
            throw error("unexpected character '\(Unicode.Scalar(b))' (quote the value if it is text)")
        default:
            break
        }
    }

    /// The node after an indicator whose line is otherwise empty: a block node indented more than `parentIndent`
    /// on the following lines (or, for mapping values, a sequence at the same indentation), else nothing.
    @inline(never)
    mutating func parseIndentedValue(
        parentIndent: Int, depth: Int, sameIndentSequence: Bool, outer: YAMLProperties = YAMLProperties()
    ) throws(MCPError) -> YAMLNode? {
        try skipToContent()
        let indent = currentIndent
        if indent > parentIndent || (sameIndentSequence && indent == parentIndent && atSequenceEntry) {
            return try parseBlockNode(parentIndent: parentIndent, depth: depth, compact: true, outer: outer)
        }
        return nil
    }

    /// The node after `- `, `? ` or `: `: on the same line or below. `compact`: a block collection may start on
    /// this line (after `- `, `? ` and an explicit `: `, not after an implicit key's `: `).
    @inline(never)
    mutating func parseEntryValue(indicatorColumn: Int, depth: Int, sameIndentSequence: Bool, compact: Bool = true) throws(MCPError) -> YAMLNode? {
        skipBlanks()
        if atCommentOrLineEnd {
            return try parseIndentedValue(parentIndent: indicatorColumn, depth: depth, sameIndentSequence: sameIndentSequence)
        }
        return try parseBlockNode(parentIndent: indicatorColumn, depth: depth, compact: compact)
    }

    mutating func parseBlockSequence(column: Int, depth: Int) throws(MCPError) -> YAMLNode {
        let start = mark
        try checkDepth(depth, at: start)
        var items: [JSONValue] = []
        while true {
            let dash = mark
            pos += 1
            path.append(.index(items.count))
            let item = try parseEntryValue(indicatorColumn: column, depth: depth, sameIndentSequence: false)
            path.removeLast()
            if try !endSequenceEntry(item, dash: dash, column: column, items: &items) { break }
        }
        return YAMLNode(value: .array(items), isScalar: false, mark: start)
    }

    /// Stores an entry and moves to the next line; true when another entry of this sequence follows.
    @inline(never)
    mutating func endSequenceEntry(_ item: YAMLNode?, dash: YAMLMark, column: Int, items: inout [JSONValue]) throws(MCPError) -> Bool {
        record(.index(items.count), at: item?.mark ?? dash)
        items.append(item?.value ?? .null)
        try finishNodeLine()
        let indent = currentIndent
        if indent == column, atSequenceEntry { return true }
        if indent > column { throw error("unexpected indentation (this sequence's entries start at column \(column + 1))") }
        return false
    }

    mutating func parseBlockMapping(column: Int, depth: Int) throws(MCPError) -> YAMLNode {
        let start = mark
        try checkDepth(depth, at: start)
        var mapping = YAMLPendingMapping()
        while true {
            let explicit = atExplicitKey
            let key: YAMLNode
            if explicit {
                let question = mark
                pos += 1
                guard let explicitKey = try parseEntryValue(indicatorColumn: column, depth: depth, sameIndentSequence: false) else {
                    throw error("an explicit key '?' needs a key", at: question)
                }
                key = explicitKey
            } else {
                key = try parseImplicitKey()
            }
            let keyText = try scalarKeyText(key)
            let valueStart = locations.count
            var value: YAMLNode?
            let hasValue = try startMappingValue(explicit: explicit, column: column)
            if hasValue {
                path.append(.key(keyText))
                value = try parseEntryValue(indicatorColumn: column, depth: depth, sameIndentSequence: true, compact: explicit)
                path.removeLast()
            }
            if try !endMappingEntry(&mapping, key: key, keyText: keyText, value: value, valueStart: valueStart, hasValue: hasValue, column: column) {
                break
            }
        }
        return YAMLNode(value: .object(mapping.finish(into: &self)), isScalar: false, mark: start)
    }

    @inline(never)
    mutating func parseImplicitKey() throws(MCPError) -> YAMLNode {
        if atSequenceEntry {
            throw error("a sequence entry '-' where the mapping expects 'key: value' (check the indentation)")
        }
        guard lineHasImplicitKey() else {
            throw error("expected 'key: value' here (no ':' found, or the indentation is off)")
        }
        return try parseKey(flow: false)
    }

    /// Moves past the ':' that starts a value; false for an explicit key without one.
    @inline(never)
    mutating func startMappingValue(explicit: Bool, column: Int) throws(MCPError) -> Bool {
        if explicit {
            try finishNodeLine()
            guard currentIndent == column, current == UInt8(ascii: ":"), isBlankOrEnd(pos + 1) else { return false }
            pos += 1
            return true
        }
        skipBlanks()
        guard current == UInt8(ascii: ":") else { throw error("expected ':' after the key") }
        pos += 1
        return true
    }

    /// Stores an entry and moves to the next line; true when another entry of this mapping follows.
    @inline(never)
    mutating func endMappingEntry(
        _ mapping: inout YAMLPendingMapping, key: YAMLNode, keyText: String, value: YAMLNode?, valueStart: Int, hasValue: Bool, column: Int
    ) throws(MCPError) -> Bool {
        try mapping.add(key: keyText, keyNode: key, value: value, valueLocations: valueStart, into: &self)
        if hasValue { try finishNodeLine() }
        let indent = currentIndent
        if indent == column { return true }
        if indent > column { throw error("unexpected indentation (this mapping's keys start at column \(column + 1))") }
        return false
    }

    /// Whether the current line holds an implicit key: a one-line scalar (after optional properties) then ':'.
    @inline(never)
    func lineHasImplicitKey() -> Bool {
        var index = pos
        while byte(index) == UInt8(ascii: "&") || byte(index) == UInt8(ascii: "!") {
            while !isBlankOrEnd(index) { index += 1 }
            while isBlank(index) { index += 1 }
        }
        let first = byte(index)
        if first == UInt8(ascii: "\"") || first == UInt8(ascii: "'") {
            index += 1
            while true {
                if index >= bytes.count || isBreak(index) { return false }
                let b = bytes[index]
                if b == first {
                    if first == UInt8(ascii: "'"), byte(index + 1) == first { index += 2; continue }
                    break
                }
                if first == UInt8(ascii: "\""), b == UInt8(ascii: "\\") { index += 2; continue }
                index += 1
            }
            index += 1
            while isBlank(index) { index += 1 }
            return byte(index) == UInt8(ascii: ":")
        }
        if first == UInt8(ascii: "[") || first == UInt8(ascii: "{") {
            // A flow collection followed by ':' on the same line (a complex key, refused later). Quoted scalars
            // inside are skipped: their brackets do not count.
            var level = 0
            var tokenStart = true
            while index < bytes.count, !isBreak(index) {
                let b = bytes[index]
                if tokenStart, b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
                    index += 1
                    while index < bytes.count, !isBreak(index) {
                        if bytes[index] == b {
                            if b == UInt8(ascii: "'"), byte(index + 1) == b { index += 2; continue }
                            break
                        }
                        if b == UInt8(ascii: "\""), bytes[index] == UInt8(ascii: "\\") { index += 1 }
                        index += 1
                    }
                    if index >= bytes.count || isBreak(index) { return false }
                    index += 1
                    tokenStart = false
                    continue
                }
                if b == UInt8(ascii: "[") || b == UInt8(ascii: "{") { level += 1 }
                if b == UInt8(ascii: "]") || b == UInt8(ascii: "}") {
                    level -= 1
                    if level == 0 {
                        index += 1
                        while isBlank(index) { index += 1 }
                        return byte(index) == UInt8(ascii: ":")
                    }
                }
                tokenStart = Self.isFlowIndicator(b) || b == 0x20 || b == 0x09 || b == UInt8(ascii: ":") || b == UInt8(ascii: "?")
                index += 1
            }
            return false
        }
        while index < bytes.count, !isBreak(index) {
            let b = bytes[index]
            if b == UInt8(ascii: ":"), isBlankOrEnd(index + 1) { return true }
            if b == 0x20 || b == 0x09, byte(index + 1) == UInt8(ascii: "#") { return false }
            index += 1
        }
        return false
    }

    /// A mapping key: a one-line scalar or an alias of a scalar, with optional properties.
    @inline(never)
    mutating func parseKey(flow: Bool) throws(MCPError) -> YAMLNode {
        let start = mark
        let locationStart = locations.count
        let properties = try parseProperties(flow: flow)
        let node: YAMLNode
        switch current {
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            let keyStart = mark
            let text = try scanQuoted()
            node = YAMLNode(value: try scalarValue(text, style: .quoted, tag: properties.tag, tagText: properties.tagText, at: keyStart),
                isScalar: true, mark: start, jsonLike: true)
        case UInt8(ascii: "*"):
            if !properties.isEmpty { throw error("an alias cannot have an anchor or tag", at: start) }
            node = try parseAlias(flow: flow)
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            throw error("a sequence or mapping cannot be a key (keys must be scalars)", at: start)
        default:
            let keyStart = mark
            if !(current == UInt8(ascii: ":") && isBlankOrEnd(pos + 1)) { try checkPlainStart(flow: flow) }
            let text = try scanPlain(parentIndent: -1, flow: flow, singleLine: true)
            node = YAMLNode(value: try scalarValue(text, style: .plain, tag: properties.tag, tagText: properties.tagText, at: keyStart),
                isScalar: true, mark: start)
        }
        if let anchor = properties.anchor { try defineAnchor(anchor, node: node, locationsFrom: locationStart, at: start) }
        return node
    }

    @inline(never)
    func scalarKeyText(_ key: YAMLNode) throws(MCPError) -> String {
        guard key.isScalar, let text = Self.keyText(key.value) else {
            throw error("a sequence or mapping cannot be a key (keys must be scalars)", at: key.mark)
        }
        return text
    }
}
