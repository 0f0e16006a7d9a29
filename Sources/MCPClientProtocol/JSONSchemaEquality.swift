internal import MCPClientCore

/// Why a validation stopped without a verdict (a limit, an unfollowable reference).
struct SchemaStop: Error {
    let reason: String
}

/// JSON Schema's equality, which is not `JSONValue.==`: 1 == 1.0, and object key order is irrelevant. Recursion is
/// bounded so a deeply nested instance ends the validation instead of the stack.
enum SchemaEquality {
    static func equal(_ a: JSONValue, _ b: JSONValue, depth: Int, limit: Int) throws(SchemaStop) -> Bool {
        guard depth <= limit else { throw tooDeep(limit) }
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        // Code points, not Swift's canonical equivalence: "é" precomposed and "e\u{301}" are different JSON strings.
        case (.string(let x), .string(let y)): return x.unicodeScalars.elementsEqual(y.unicodeScalars)
        case (.int, _), (.double, _): return compare(a, b) == 0
        case (.array(let x), .array(let y)):
            guard x.count == y.count else { return false }
            for index in x.indices where try !equal(x[index], y[index], depth: depth + 1, limit: limit) { return false }
            return true
        case (.object(let x), .object(let y)):
            guard x.count == y.count else { return false }
            for (key, value) in x {
                guard let other = y[key], try equal(value, other, depth: depth + 1, limit: limit) else { return false }
            }
            return true
        default: return false
        }
    }

    /// Consistent with `equal`: numbers hash by value, objects independently of key order.
    static func hash(_ value: JSONValue, into hasher: inout Hasher, depth: Int, limit: Int) throws(SchemaStop) {
        guard depth <= limit else { throw tooDeep(limit) }
        switch value {
        case .null: hasher.combine(0)
        case .bool(let flag): hasher.combine(1); hasher.combine(flag)
        case .string(let text): hasher.combine(2); hasher.combine(text)
        case .int, .double:
            hasher.combine(3)
            if let integer = value.int64Value { hasher.combine(integer) } else { hasher.combine(value.doubleValue ?? 0) }
        case .array(let array):
            hasher.combine(4); hasher.combine(array.count)
            for element in array { try hash(element, into: &hasher, depth: depth + 1, limit: limit) }
        case .object(let object):
            hasher.combine(5); hasher.combine(object.count)
            var sum = 0
            for (key, member) in object {
                var entry = Hasher()
                entry.combine(key)
                try hash(member, into: &entry, depth: depth + 1, limit: limit)
                sum &+= entry.finalize()
            }
            hasher.combine(sum)
        }
    }

    /// -1, 0 or 1 for two numbers; nil if either is not a number. Exact for integers beyond 2^53.
    static func compare(_ a: JSONValue, _ b: JSONValue) -> Int? {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x < y ? -1 : (x == y ? 0 : 1)
        case (.double(let x), .double(let y)): return x < y ? -1 : (x == y ? 0 : 1)
        case (.int(let x), .double(let y)): return compare(x, y)
        case (.double(let x), .int(let y)): return -compare(y, x)
        default: return nil
        }
    }

    private static func compare(_ integer: Int64, _ double: Double) -> Int {
        if double >= 9.3e18 { return -1 }
        if double <= -9.3e18 { return 1 }
        let converted = Double(integer)
        if converted != double { return converted < double ? -1 : 1 }
        // Equal as doubles; settle exactly when the double is integral (it is then within Int64 range).
        guard double.rounded() == double, let exact = Int64(exactly: double) else { return 0 }
        return integer < exact ? -1 : (integer == exact ? 0 : 1)
    }

    static func tooDeep(_ limit: Int) -> SchemaStop {
        SchemaStop(reason: "the instance is nested deeper than the comparison limit (\(limit))")
    }
}
