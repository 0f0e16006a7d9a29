import MCPClientCore

/// A mapping being built: entries in order, duplicate detection, and merge keys (`<<`) resolved at the end.
struct YAMLPendingMapping {
    var entries: [(key: String, value: JSONValue)] = []
    var seen: [String: SourceLocation] = [:]
    var merges: [(insertAt: Int, sources: [JSONObject], isSequence: Bool, locations: Range<Int>)] = []

    @inline(never)
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
    @inline(never)
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
