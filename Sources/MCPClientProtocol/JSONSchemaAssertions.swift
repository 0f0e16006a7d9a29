internal import MCPClientCore

/// Assertions on the instance itself: type, enum, const, numbers, strings, format.
extension SchemaEvaluator {
    func assertions(_ visit: Visit) throws(SchemaStop) -> Bool {
        let node = visit.node
        let instance = visit.instance
        var valid = true
        func fail(_ keyword: String, _ message: String) {
            valid = false
            record(visit, keyword, message)
        }
        if let types = node.types, !types.contains(where: { Self.matches(type: $0, instance) }) {
            fail("type", "expected \(types.joined(separator: " or ")), found \(Self.typeName(instance))")
        }
        if let constValue = node.constValue, try !equal(instance, constValue) {
            fail("const", "must equal \(brief(constValue))")
        }
        if let enumValues = node.enumValues {
            var found = false
            for candidate in enumValues {
                try step()
                if try equal(instance, candidate) { found = true; break }
            }
            if !found { fail("enum", "must be one of \(brief(.array(enumValues)))") }
        }
        if !valid && !visit.report { return false }
        switch instance {
        case .int, .double: numberAssertions(visit, fail)
        case .string(let text): try stringAssertions(visit, text, fail)
        default: break
        }
        return valid
    }

    func equal(_ a: JSONValue, _ b: JSONValue) throws(SchemaStop) -> Bool {
        try SchemaEquality.equal(a, b, depth: 0, limit: limits.maxInstanceDepth)
    }

    static func matches(type: String, _ value: JSONValue) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object): true
        case ("number", .int), ("number", .double), ("integer", .int): true
        // 1.0 is an integer: the type is about the value, not its spelling.
        case ("integer", .double(let number)): number.isFinite && number.rounded() == number
        default: false
        }
    }

    static func typeName(_ value: JSONValue) -> String {
        if case .double(let number) = value, matches(type: "integer", value) { return "integer \(number)" }
        if case .int = value { return "integer" }
        return value.typeName
    }

    func numberAssertions(_ visit: Visit, _ fail: (String, String) -> Void) {
        let node = visit.node
        let instance = visit.instance
        func compare(_ bound: JSONValue) -> Int { SchemaEquality.compare(instance, bound) ?? 0 }
        if let minimum = node.minimum, compare(minimum) < 0 { fail("minimum", "must be ≥ \(brief(minimum))") }
        if let maximum = node.maximum, compare(maximum) > 0 { fail("maximum", "must be ≤ \(brief(maximum))") }
        if let bound = node.exclusiveMinimum, compare(bound) <= 0 { fail("exclusiveMinimum", "must be > \(brief(bound))") }
        if let bound = node.exclusiveMaximum, compare(bound) >= 0 { fail("exclusiveMaximum", "must be < \(brief(bound))") }
        if let divisor = node.multipleOf, !Self.isMultiple(instance, of: divisor) {
            fail("multipleOf", "must be a multiple of \(brief(divisor))")
        }
    }

    static func isMultiple(_ value: JSONValue, of divisor: JSONValue) -> Bool {
        if case .int(let integer) = value, case .int(let step) = divisor { return integer % step == 0 }
        guard let number = value.doubleValue, let step = divisor.doubleValue else { return false }
        let quotient = number / step
        // The quotient overflows for huge values; the exact remainder still answers.
        guard quotient.isFinite else { return number.isFinite && number.truncatingRemainder(dividingBy: step) == 0 }
        // A few ulps of slack: 0.0075 / 0.0001 is 74.99999999999999 in binary floating point.
        return abs(quotient - quotient.rounded()) <= 4 * quotient.ulp
    }

    func stringAssertions(_ visit: Visit, _ text: String, _ fail: (String, String) -> Void) throws(SchemaStop) {
        let node = visit.node
        // Counting, matching and format checks walk the whole string: a long one costs more than one step.
        if node.minLength != nil || node.maxLength != nil || node.pattern != nil || assertsFormat {
            try charge(text.utf8.count / 64)
        }
        if node.minLength != nil || node.maxLength != nil {
            // Lengths count code points, as JSON Schema defines them (not UTF-16 units, not graphemes).
            let length = text.unicodeScalars.count
            if let minimum = node.minLength, length < minimum { fail("minLength", "must be at least \(minimum) characters long") }
            if let maximum = node.maxLength, length > maximum { fail("maxLength", "must be at most \(maximum) characters long") }
        }
        if let pattern = node.pattern, try !matches(pattern, text) {
            fail("pattern", "must match the pattern \(pattern.source.debugDescription)")
        }
        if assertsFormat, let format = node.format, let valid = SchemaFormats.check(format, text), !valid {
            fail("format", "is not a valid \(format)")
        }
    }

    /// A value for a message, cut short so a huge enum does not become a huge error.
    func brief(_ value: JSONValue) -> String {
        let text = value.jsonString
        return text.count <= 80 ? text : String(text.prefix(77)) + "…"
    }
}
