import MCPClientCore

extension YAMLCore {
    var atSequenceEntry: Bool { current == UInt8(ascii: "-") && isBlankOrEnd(pos + 1) }
    var atExplicitKey: Bool { current == UInt8(ascii: "?") && isBlankOrEnd(pos + 1) }
    var atCommentOrLineEnd: Bool { atLineEnd || current == UInt8(ascii: "#") }

    /// A node in block context whose content starts at the cursor, on the current line. `compact` allows a block
    /// collection to start here (at a line start, or after `- `, `? `, or an explicit `: `); `outer` holds
    /// properties written on an earlier line.
    mutating func parseBlockNode(parentIndent: Int, depth: Int, compact: Bool, outer: YAMLProperties = YAMLProperties()) throws(MCPError) -> YAMLNode {
        let start = mark
        let locationStart = locations.count
        var node: YAMLNode
        if compact, atSequenceEntry {
            node = try parseBlockSequence(column: pos - lineStart, depth: depth + 1)
        } else if compact, atExplicitKey || lineHasImplicitKey() {
            node = try parseBlockMapping(column: pos - lineStart, depth: depth + 1)
        } else {
            let properties = try parseProperties(flow: false)
            if !properties.isEmpty, !outer.isEmpty {
                throw error("a node's anchor and tag must be written together", at: start)
            }
            if !properties.isEmpty, atCommentOrLineEnd {
                // Properties alone on the line: the node follows on the next lines (or is empty).
                let inner = try parseIndentedValue(parentIndent: parentIndent, depth: depth, sameIndentSequence: true, outer: properties)
                if let inner { return inner }
                return try emptyNode(properties, at: start, locationsFrom: locationStart)
            }
            let props = properties.isEmpty ? outer : properties
            node = try parseInlineNode(parentIndent: parentIndent, depth: depth, properties: props)
            if let anchor = props.anchor { try defineAnchor(anchor, node: node, locationsFrom: locationStart, at: start) }
            return node
        }
        if !outer.isEmpty {
            try checkCollectionTag(outer, isMapping: node.value.objectValue != nil)
            if let anchor = outer.anchor { try defineAnchor(anchor, node: node, locationsFrom: locationStart, at: start) }
        }
        return node
    }

    /// An empty node (nothing after `key:` or `-`): null, or what its tag makes of "".
    mutating func emptyNode(_ properties: YAMLProperties, at mark: YAMLMark, locationsFrom start: Int) throws(MCPError) -> YAMLNode {
        let value = try scalarValue("", style: .plain, tag: properties.tag, tagText: properties.tagText, at: mark)
        let node = YAMLNode(value: value, isScalar: value.objectValue == nil && value.arrayValue == nil, mark: mark)
        if let anchor = properties.anchor { try defineAnchor(anchor, node: node, locationsFrom: start, at: mark) }
        return node
    }

    /// Scalars, flow collections and aliases: everything that starts and (apart from multi-line scalars) ends on
    /// this line.
    mutating func parseInlineNode(parentIndent: Int, depth: Int, properties: YAMLProperties) throws(MCPError) -> YAMLNode {
        let start = mark
        let b = current
        switch b {
        case UInt8(ascii: "|"), UInt8(ascii: ">"):
            let text = try scanBlockScalar(parentIndent: parentIndent)
            return YAMLNode(value: try scalarValue(text, style: .block, tag: properties.tag, tagText: properties.tagText, at: start),
                isScalar: true, mark: start)
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            let text = try scanQuoted()
            return YAMLNode(value: try scalarValue(text, style: .quoted, tag: properties.tag, tagText: properties.tagText, at: start),
                isScalar: true, mark: start, jsonLike: true)
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            var node = b == UInt8(ascii: "[") ? try parseFlowSequence(depth: depth + 1) : try parseFlowMapping(depth: depth + 1)
            try checkCollectionTag(properties, isMapping: b == UInt8(ascii: "{"))
            node.jsonLike = true
            return node
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
    mutating func parseIndentedValue(
        parentIndent: Int, depth: Int, sameIndentSequence: Bool, outer: YAMLProperties = YAMLProperties()
    ) throws(MCPError) -> YAMLNode? {
        try skipToContent()
        let indent = currentIndent
        if indent > parentIndent {
            return try parseBlockNode(parentIndent: parentIndent, depth: depth, compact: true, outer: outer)
        }
        if sameIndentSequence, indent == parentIndent, atSequenceEntry {
            return try parseBlockNode(parentIndent: parentIndent, depth: depth, compact: true, outer: outer)
        }
        return nil
    }

    /// The node after `- `, `? ` or an explicit `: `: on the same line (compact collections allowed) or below.
    mutating func parseEntryValue(indicatorColumn: Int, depth: Int, sameIndentSequence: Bool) throws(MCPError) -> YAMLNode? {
        skipBlanks()
        if atCommentOrLineEnd {
            return try parseIndentedValue(parentIndent: indicatorColumn, depth: depth, sameIndentSequence: sameIndentSequence)
        }
        return try parseBlockNode(parentIndent: indicatorColumn, depth: depth, compact: true)
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
            record(.index(items.count), at: item?.mark ?? dash)
            items.append(item?.value ?? .null)
            try finishNodeLine()
            let indent = currentIndent
            if indent == column, atSequenceEntry { continue }
            if indent > column { throw error("unexpected indentation (this sequence's entries start at column \(column + 1))") }
            break
        }
        return YAMLNode(value: .array(items), isScalar: false, mark: start)
    }

    mutating func parseBlockMapping(column: Int, depth: Int) throws(MCPError) -> YAMLNode {
        let start = mark
        try checkDepth(depth, at: start)
        var mapping = YAMLPendingMapping()
        while true {
            let entryMark = mark
            let key: YAMLNode
            let keyText: String
            var value: YAMLNode?
            if atExplicitKey {
                pos += 1
                guard let explicit = try parseEntryValue(indicatorColumn: column, depth: depth, sameIndentSequence: false) else {
                    throw error("an explicit key '?' needs a key", at: entryMark)
                }
                key = explicit
                keyText = try scalarKeyText(key)
                try finishNodeLine()
                if currentIndent == column, current == UInt8(ascii: ":"), isBlankOrEnd(pos + 1) {
                    pos += 1
                    let valueStart = locations.count
                    path.append(.key(keyText))
                    value = try parseEntryValue(indicatorColumn: column, depth: depth, sameIndentSequence: true)
                    path.removeLast()
                    try mapping.add(key: keyText, keyNode: key, value: value, valueLocations: valueStart, into: &self)
                    try finishNodeLine()
                } else {
                    try mapping.add(key: keyText, keyNode: key, value: nil, valueLocations: locations.count, into: &self)
                }
            } else {
                if atSequenceEntry {
                    throw error("a sequence entry '-' where the mapping expects 'key: value' (check the indentation)")
                }
                guard lineHasImplicitKey() else {
                    throw error("expected 'key: value' here (no ':' found, or the indentation is off)")
                }
                key = try parseKey(flow: false)
                keyText = try scalarKeyText(key)
                skipBlanks()
                guard current == UInt8(ascii: ":") else { throw error("expected ':' after the key") }
                pos += 1
                skipBlanks()
                let valueStart = locations.count
                path.append(.key(keyText))
                if atCommentOrLineEnd {
                    value = try parseIndentedValue(parentIndent: column, depth: depth, sameIndentSequence: true)
                } else {
                    value = try parseBlockNode(parentIndent: column, depth: depth, compact: false)
                }
                path.removeLast()
                try mapping.add(key: keyText, keyNode: key, value: value, valueLocations: valueStart, into: &self)
                try finishNodeLine()
            }
            let indent = currentIndent
            if indent == column { continue }
            if indent > column { throw error("unexpected indentation (this mapping's keys start at column \(column + 1))") }
            break
        }
        return YAMLNode(value: .object(mapping.finish(into: &self)), isScalar: false, mark: start)
    }

    /// Whether the current line holds an implicit key: a one-line scalar (after optional properties) then ':'.
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
            var level = 0
            while index < bytes.count, !isBreak(index) {
                let b = bytes[index]
                if b == UInt8(ascii: "[") || b == UInt8(ascii: "{") { level += 1 }
                if b == UInt8(ascii: "]") || b == UInt8(ascii: "}") {
                    level -= 1
                    if level == 0 {
                        index += 1
                        while isBlank(index) { index += 1 }
                        return byte(index) == UInt8(ascii: ":")
                    }
                }
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

    func scalarKeyText(_ key: YAMLNode) throws(MCPError) -> String {
        guard key.isScalar, let text = Self.keyText(key.value) else {
            throw error("a sequence or mapping cannot be a key (keys must be scalars)", at: key.mark)
        }
        return text
    }
}

/// A mapping being built: entries in order, duplicate detection, and merge keys (`<<`) resolved at the end.
struct YAMLPendingMapping {
    var entries: [(key: String, value: JSONValue)] = []
    var seen: [String: SourceLocation] = [:]
    var merges: [(insertAt: Int, sources: [JSONObject], isSequence: Bool, locations: Range<Int>)] = []

    mutating func add(key: String, keyNode: YAMLNode, value: YAMLNode?, valueLocations: Int, into core: inout YAMLCore) throws(MCPError) {
        if key == "<<", keyNode.value == .string("<<"), !keyNode.jsonLike {
            try addMerge(value, valueLocations: valueLocations, keyMark: keyNode.mark, into: &core)
            return
        }
        let location = core.location(keyNode.mark)
        if let first = seen[key] {
            throw core.error("duplicate key '\(key)' (first defined at line \(first.line), column \(first.column))", at: keyNode.mark,
                details: ["key": .string(key), "firstLine": .int(Int64(first.line)), "firstColumn": .int(Int64(first.column))])
        }
        seen[key] = location
        core.record(.key(key), at: keyNode.mark)
        entries.append((key, value?.value ?? .null))
    }

    private mutating func addMerge(_ value: YAMLNode?, valueLocations: Int, keyMark: YAMLMark, into core: inout YAMLCore) throws(MCPError) {
        let range = valueLocations..<core.locations.count
        switch value?.value {
        case .object(let object)?:
            merges.append((entries.count, [object], false, range))
        case .array(let items)?:
            var sources: [JSONObject] = []
            for item in items {
                guard case .object(let object) = item else {
                    throw core.error("a merge key '<<' needs a mapping or a sequence of mappings", at: value?.mark ?? keyMark)
                }
                sources.append(object)
            }
            merges.append((entries.count, sources, true, range))
        default:
            throw core.error("a merge key '<<' needs a mapping or a sequence of mappings", at: value?.mark ?? keyMark)
        }
    }

    /// The object, with merged keys inserted where their `<<` was (explicit keys win, then earlier sources). The
    /// merged values' recorded locations are moved from `…<<…` paths to their final paths.
    mutating func finish(into core: inout YAMLCore) -> JSONObject {
        if merges.isEmpty { return JSONObject(entries) }
        var result: [(key: String, value: JSONValue)] = []
        var taken: [String: (merge: Int, source: Int)] = [:]
        var next = 0
        for (mergeIndex, merge) in merges.enumerated() {
            while next < merge.insertAt { result.append(entries[next]); next += 1 }
            for (sourceIndex, source) in merge.sources.enumerated() {
                for entry in source.entries where seen[entry.key] == nil && taken[entry.key] == nil {
                    taken[entry.key] = (mergeIndex, sourceIndex)
                    result.append(entry)
                }
            }
        }
        while next < entries.count { result.append(entries[next]); next += 1 }

        // Moved, not rewritten in place: an anchor inside a merge value still sees the original paths.
        let prefix = core.path.count
        let sequence = core.mergeSequence
        core.mergeSequence += 1
        for (mergeIndex, merge) in merges.enumerated() {
            for index in merge.locations where core.locations[index].live {
                let entry = core.locations[index]
                core.locations[index].killedAt = sequence
                var rest = entry.path.dropFirst(prefix + 1)
                var sourceIndex = 0
                if merge.isSequence {
                    guard case .index(let item)? = rest.first else { continue }
                    sourceIndex = item
                    rest = rest.dropFirst()
                }
                guard case .key(let key)? = rest.first, let owner = taken[key], owner.merge == mergeIndex, owner.source == sourceIndex else {
                    continue
                }
                core.locations.append(YAMLLocationEntry(path: core.path + rest, location: entry.location))
            }
        }
        return JSONObject(result)
    }
}
