internal import MCPClientCore

/// A compiled `pattern` (or `patternProperties` key); its source is kept for messages.
struct SchemaPattern: Sendable {
    let regex: SchemaRegex

    var source: String { regex.source }
}

/// One subschema with its keywords pre-parsed. Subschemas are indices into `SchemaProgram.nodes`, so recursive
/// schemas are plain cycles of integers.
final class SchemaNode: @unchecked Sendable {
    // Mutated only while the compiler builds it; read-only once the program is published.
    let location: String
    let resource: Int
    var constant: Bool?

    var ref: Int?
    var dynamicRef: Int?

    var types: [String]?
    var enumValues: [JSONValue]?
    var constValue: JSONValue?
    var multipleOf: JSONValue?
    var minimum: JSONValue?
    var maximum: JSONValue?
    var exclusiveMinimum: JSONValue?
    var exclusiveMaximum: JSONValue?
    var minLength: Int?
    var maxLength: Int?
    var pattern: SchemaPattern?
    var format: String?

    var allOf: [Int]?
    var anyOf: [Int]?
    var oneOf: [Int]?
    var not: Int?
    var ifSchema: Int?
    var thenSchema: Int?
    var elseSchema: Int?
    var dependentSchemas: [(key: String, schema: Int)]?

    var properties: [(key: String, schema: Int)]?
    /// `properties` as a lookup, so large instances cost one hash per member.
    var propertySchemas: [String: Int] = [:]
    var patternProperties: [(pattern: SchemaPattern, schema: Int)]?
    var additionalProperties: Int?
    var propertyNames: Int?
    var required: [String]?
    var dependentRequired: [(key: String, required: [String])]?
    var minProperties: Int?
    var maxProperties: Int?
    var unevaluatedProperties: Int?

    var prefixItems: [Int]?
    var items: Int?
    var contains: Int?
    var minContains: Int?
    var maxContains: Int?
    var minItems: Int?
    var maxItems: Int?
    var uniqueItems = false
    var unevaluatedItems: Int?

    init(location: String, resource: Int) {
        self.location = location
        self.resource = resource
    }
}

/// A `$ref` or `$dynamicRef` after compilation: the node it lands on, or why it cannot be followed.
struct SchemaReference: Sendable {
    let uri: String
    var target: Int?
    var failure: String?
    /// For `$dynamicRef "#name"`: the anchor name that the dynamic scope may override.
    var dynamicAnchor: String?
}

/// The immutable result of compiling a schema document.
struct SchemaProgram: Sendable {
    var nodes: [SchemaNode] = []
    var references: [SchemaReference] = []
    /// `$dynamicAnchor`s per schema resource (index = `SchemaNode.resource`).
    var dynamicAnchors: [[String: Int]] = []
    var root = 0
    /// Whether any `unevaluated*` keyword exists; only then are evaluated properties/items tracked.
    var tracksAnnotations = false
    var failure: String?
}
