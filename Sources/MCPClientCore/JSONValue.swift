/// A JSON document as a value. Objects keep their key order so that what a server sent is what a host sees.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

/// An ordered JSON object. MCP objects are small, so lookup is a linear scan over contiguous storage.
public struct JSONObject: Sendable, Equatable, Sequence {
    public var entries: [(key: String, value: JSONValue)]

    public init() { entries = [] }
    public init(_ entries: [(key: String, value: JSONValue)]) { self.entries = entries }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }
    public var keys: [String] { entries.map(\.key) }

    public subscript(key: String) -> JSONValue? {
        get {
            // Through the buffer (iterating copies every entry), and keys of another length are passed over without a
            // string comparison (most keys a lookup meets are).
            let length = key.utf8.count
            return entries.withUnsafeBufferPointer { entries in
                for index in entries.indices where entries[index].key.utf8.count == length && entries[index].key == key {
                    return entries[index].value
                }
                return nil
            }
        }
        set {
            if let index = entries.firstIndex(where: { $0.key == key }) {
                if let newValue { entries[index].value = newValue } else { entries.remove(at: index) }
            } else if let newValue {
                entries.append((key, newValue))
            }
        }
    }

    public func makeIterator() -> IndexingIterator<[(key: String, value: JSONValue)]> { entries.makeIterator() }

    /// Key order does not matter; a repeated key's values (which `JSONParser` keeps) compare in their order.
    /// Linear: a lookup per key made comparing two large reordered objects quadratic, and an object with a
    /// repeated key unequal to itself (its second value was compared with the first).
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.entries.count == rhs.entries.count else { return false }
        if lhs.entries.elementsEqual(rhs.entries, by: { $0.key == $1.key && $0.value == $1.value }) { return true }
        var remaining: [String: ArraySlice<JSONValue>] = [:]
        for (key, value) in rhs.entries { remaining[key, default: []].append(value) }
        for (key, value) in lhs.entries {
            guard let next = remaining[key]?.first, next == value else { return false }
            remaining[key]?.removeFirst()
        }
        return true
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        entries = Self.labeled(elements)
    }

    /// The literal's array as entries without copying it: tuple labels do not change a tuple's layout, and `map`
    /// cost an allocation and a copy for every JSON literal the library builds.
    @inline(__always) static func labeled(_ elements: [(String, JSONValue)]) -> [(key: String, value: JSONValue)] {
        unsafeBitCast(elements, to: [(key: String, value: JSONValue)].self)
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(JSONObject.labeled(elements)))
    }
}

extension JSONValue {
    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    public var objectValue: JSONObject? { if case .object(let o) = self { return o } else { return nil } }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
    public var isNull: Bool { if case .null = self { return true } else { return false } }

    /// Integers, and doubles that hold an exact integer.
    public var int64Value: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 9.2e18: return Int64(d)
        default: return nil
        }
    }

    /// The value as it reads back once written: doubles that `JSONWriter` writes as integers become `.int`.
    public var asReadBack: JSONValue {
        switch self {
        case .double(let number) where JSONWriter.writesAsInteger(number): .int(Int64(number))
        case .array(let items): .array(items.map(\.asReadBack))
        case .object(let object): .object(object.asReadBack)
        default: self
        }
    }

    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    /// A short name for error messages ("object", "string", ...).
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .int, .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

/// The payload version this library reads and writes (`"version"` in every ABI JSON document).
public enum PayloadVersion {
    public static let current: Int64 = 1

    /// Inputs may carry `"version"`; when they do it must be one this library understands.
    public static func check(_ object: JSONObject) throws(MCPError) {
        guard let version = object["version"] else { return }
        guard version.int64Value == current else {
            throw MCPError(.unsupported, "payload version \(version.jsonString) is not supported (this library reads version \(current))",
                details: ["path": "version", "supported": .array([.int(current)])])
        }
    }
}

extension JSONObject {
    /// The object as it reads back once written (see `JSONValue.asReadBack`).
    public var asReadBack: JSONObject {
        var object = self
        for index in object.entries.indices { object.entries[index].value = object.entries[index].value.asReadBack }
        return object
    }
}
