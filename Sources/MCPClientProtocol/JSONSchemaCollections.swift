internal import MCPClientCore

/// Object and array keywords, and the unevaluated* keywords that run after every other keyword of a schema.
extension SchemaEvaluator {
    func objectKeywords(_ visit: Visit, _ local: inout Evaluated) throws(SchemaStop) -> Bool {
        guard case .object(let object) = visit.instance else { return true }
        let node = visit.node
        let tracks = program.tracksAnnotations
        var valid = true
        func failed() -> Bool {
            valid = false
            return !visit.report || violations.count >= limits.maxViolations
        }
        if node.properties != nil || node.patternProperties != nil || node.additionalProperties != nil {
            for (key, value) in object {
                try step()
                var matched = false
                if let schema = node.propertySchemas[key] {
                    matched = true
                    if try !child(schema, value, visit, key), failed() { return false }
                }
                for (pattern, schema) in node.patternProperties ?? [] where try matches(pattern, key) {
                    try step()
                    matched = true
                    if try !child(schema, value, visit, key), failed() { return false }
                }
                if !matched, let additional = node.additionalProperties {
                    matched = true
                    if try !memberOrElement(additional, value, visit, key, "additionalProperties", "property \"\(key)\" is not allowed"), failed() {
                        return false
                    }
                }
                if tracks && matched { local.properties.insert(key) }
            }
        }
        if let names = node.propertyNames {
            for (key, _) in object where try !child(names, .string(key), visit, key, report: false) {
                record(visit, "propertyNames", "property name \"\(key)\" does not match the propertyNames schema")
                if failed() { return false }
            }
        }
        // Each lookup scans the object's members.
        let lookup = 1 + object.count / 32
        if let required = node.required {
            try charge(required.count * lookup)
            for name in required where object[name] == nil {
                record(visit, "required", "missing required property \"\(name)\"")
                if failed() { return false }
            }
        }
        for (key, names) in node.dependentRequired ?? [] where object[key] != nil {
            try charge((1 + names.count) * lookup)
            for name in names where object[name] == nil {
                record(visit, "dependentRequired", "property \"\(name)\" is required when \"\(key)\" is present")
                if failed() { return false }
            }
        }
        if let minimum = node.minProperties, object.count < minimum {
            record(visit, "minProperties", "must have at least \(minimum) properties")
            if failed() { return false }
        }
        if let maximum = node.maxProperties, object.count > maximum {
            record(visit, "maxProperties", "must have at most \(maximum) properties")
            if failed() { return false }
        }
        return valid
    }

    func arrayKeywords(_ visit: Visit, _ local: inout Evaluated) throws(SchemaStop) -> Bool {
        guard case .array(let array) = visit.instance else { return true }
        let node = visit.node
        let tracks = program.tracksAnnotations
        var valid = true
        func failed() -> Bool {
            valid = false
            return !visit.report || violations.count >= limits.maxViolations
        }
        let prefixCount = node.prefixItems?.count ?? 0
        if let prefixItems = node.prefixItems {
            let evaluated = min(array.count, prefixItems.count)
            for index in 0..<evaluated where try !child(prefixItems[index], array[index], visit, String(index)) {
                if failed() { return false }
            }
            if tracks { local.prefixItems = max(local.prefixItems, evaluated) }
        }
        if let items = node.items, array.count > prefixCount {
            for index in prefixCount..<array.count {
                try step()
                let allowed = "at most \(prefixCount) item\(prefixCount == 1 ? " is" : "s are") allowed"
                if try !memberOrElement(items, array[index], visit, String(index), "items", allowed), failed() { return false }
            }
            if tracks { local.allItems = true }
        }
        if let contains = node.contains {
            let minimum = node.minContains ?? 1
            var matches = 0
            for index in array.indices {
                try step()
                if try child(contains, array[index], visit, String(index), report: false) {
                    matches += 1
                    if tracks { local.itemIndices.insert(index) }
                    else if node.maxContains == nil && matches >= minimum { break }
                }
            }
            if matches < minimum {
                let keyword = node.minContains == nil ? "contains" : "minContains"
                record(visit, keyword, "must contain at least \(minimum) item\(minimum == 1 ? "" : "s") matching the contains schema (found \(matches))")
                if failed() { return false }
            }
            if let maximum = node.maxContains, matches > maximum {
                record(visit, "maxContains", "must contain at most \(maximum) items matching the contains schema (found \(matches))")
                if failed() { return false }
            }
        }
        if let minimum = node.minItems, array.count < minimum {
            record(visit, "minItems", "must have at least \(minimum) items")
            if failed() { return false }
        }
        if let maximum = node.maxItems, array.count > maximum {
            record(visit, "maxItems", "must have at most \(maximum) items")
            if failed() { return false }
        }
        if node.uniqueItems, let duplicate = try firstDuplicate(in: array) {
            record(visit, "uniqueItems", "items \(duplicate.0) and \(duplicate.1) are equal")
            if failed() { return false }
        }
        return valid
    }

    /// Hash buckets, then exact comparison within a bucket: linear for the usual array, bounded by steps otherwise.
    func firstDuplicate(in array: [JSONValue]) throws(SchemaStop) -> (Int, Int)? {
        guard array.count > 1 else { return nil }
        var buckets: [Int: [Int]] = [:]
        for (index, element) in array.enumerated() {
            try step()
            var hasher = Hasher()
            try SchemaEquality.hash(element, into: &hasher, depth: 0, limit: limits.maxInstanceDepth)
            let key = hasher.finalize()
            for earlier in buckets[key] ?? [] {
                try step()
                if try equal(array[earlier], element) { return (earlier, index) }
            }
            buckets[key, default: []].append(index)
        }
        return nil
    }

    func unevaluatedKeywords(_ visit: Visit, _ local: inout Evaluated) throws(SchemaStop) -> Bool {
        let node = visit.node
        var valid = true
        func failed() -> Bool {
            valid = false
            return !visit.report || violations.count >= limits.maxViolations
        }
        if let schema = node.unevaluatedProperties, case .object(let object) = visit.instance, !local.allProperties {
            for (key, value) in object where !local.properties.contains(key) {
                try step()
                let message = "property \"\(key)\" is not allowed (not evaluated by any other keyword)"
                if try !memberOrElement(schema, value, visit, key, "unevaluatedProperties", message), failed() { return false }
            }
            local.allProperties = true
        }
        if let schema = node.unevaluatedItems, case .array(let array) = visit.instance, !local.allItems {
            for index in local.prefixItems..<max(local.prefixItems, array.count) where !local.itemIndices.contains(index) {
                try step()
                let message = "item \(index) is not allowed (not evaluated by any other keyword)"
                if try !memberOrElement(schema, array[index], visit, String(index), "unevaluatedItems", message), failed() { return false }
            }
            local.allItems = true
        }
        return valid
    }

    /// A member/element subschema; a plain `false` gets a message that names the keyword rejecting it.
    func memberOrElement(_ schema: Int, _ value: JSONValue, _ visit: Visit, _ token: String, _ keyword: String,
                         _ rejection: String) throws(SchemaStop) -> Bool {
        if program.nodes[schema].constant == false {
            if visit.report { record(visit.child(token), visit.node.location + "/" + keyword, rejection) }
            return false
        }
        return try child(schema, value, visit, token)
    }
}
