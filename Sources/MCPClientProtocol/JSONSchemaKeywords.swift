internal import MCPClientCore

/// Keyword parsing: each 2020-12 keyword this validator knows is checked for shape once, here. Unknown keywords
/// are ignored, as the specification asks.
extension SchemaCompiler {
    mutating func compileKeywords(_ object: JSONObject, into node: SchemaNode, context: inout NodeContext) throws(SchemaCompileFailure) {
        let location = context.location
        for (keyword, value) in object {
            switch keyword {
            case "$anchor", "$dynamicAnchor":
                guard let name = value.stringValue, Self.isAnchorName(name) else { throw invalid(location, keyword, "must be a plain name") }
                let key = "\(context.baseURI)#\(name)"
                if anchors[key] == nil || keyword == "$anchor" { anchors[key] = context.node }
                if keyword == "$dynamicAnchor" { program.dynamicAnchors[context.resource][name] = context.node }
            case "$ref": node.ref = try reference(value, context, keyword)
            case "$dynamicRef": node.dynamicRef = try reference(value, context, keyword)
            case "$defs":
                _ = try subschemaMap(value, context, keyword)

            case "type":
                let names: [String]
                switch value {
                case .string(let name): names = [name]
                case .array(let array): names = array.compactMap(\.stringValue)
                    guard names.count == array.count else { throw invalid(location, keyword, "must be a string or an array of strings") }
                default: throw invalid(location, keyword, "must be a string or an array of strings")
                }
                guard names.allSatisfy(Self.simpleTypes.contains) else { throw invalid(location, keyword, "names an unknown type") }
                node.types = names
            case "enum":
                guard case .array(let values) = value else { throw invalid(location, keyword, "must be an array") }
                node.enumValues = values
            case "const": node.constValue = value
            case "multipleOf":
                guard let number = value.doubleValue, number > 0 else { throw invalid(location, keyword, "must be a number greater than 0") }
                node.multipleOf = value
            case "minimum": node.minimum = try number(value, location, keyword)
            case "maximum": node.maximum = try number(value, location, keyword)
            case "exclusiveMinimum": node.exclusiveMinimum = try number(value, location, keyword)
            case "exclusiveMaximum": node.exclusiveMaximum = try number(value, location, keyword)
            case "minLength": node.minLength = try count(value, location, keyword)
            case "maxLength": node.maxLength = try count(value, location, keyword)
            case "pattern":
                guard let source = value.stringValue else { throw invalid(location, keyword, "must be a string") }
                node.pattern = try pattern(source, location, keyword)
            case "format": node.format = value.stringValue

            case "allOf": node.allOf = try subschemaArray(value, context, keyword)
            case "anyOf": node.anyOf = try subschemaArray(value, context, keyword)
            case "oneOf": node.oneOf = try subschemaArray(value, context, keyword)
            case "not": node.not = try subschema(value, context, keyword)
            case "if": node.ifSchema = try subschema(value, context, keyword)
            case "then": node.thenSchema = try subschema(value, context, keyword)
            case "else": node.elseSchema = try subschema(value, context, keyword)
            case "dependentSchemas": node.dependentSchemas = try subschemaMap(value, context, keyword)

            case "properties":
                let properties = try subschemaMap(value, context, keyword)
                node.properties = properties
                node.propertySchemas = Dictionary(properties.map { ($0.key, $0.schema) }, uniquingKeysWith: { first, _ in first })
            case "patternProperties":
                var compiled: [(pattern: SchemaPattern, schema: Int)] = []
                for (source, schema) in try subschemaMap(value, context, keyword) {
                    compiled.append((try pattern(source, location, keyword), schema))
                }
                node.patternProperties = compiled
            case "additionalProperties": node.additionalProperties = try subschema(value, context, keyword)
            case "propertyNames": node.propertyNames = try subschema(value, context, keyword)
            case "required": node.required = try strings(value, location, keyword)
            case "dependentRequired":
                guard case .object(let map) = value else { throw invalid(location, keyword, "must be an object of string arrays") }
                var compiled: [(key: String, required: [String])] = []
                for (key, names) in map { compiled.append((key, try strings(names, location, keyword))) }
                node.dependentRequired = compiled
            case "minProperties": node.minProperties = try count(value, location, keyword)
            case "maxProperties": node.maxProperties = try count(value, location, keyword)
            case "unevaluatedProperties":
                node.unevaluatedProperties = try subschema(value, context, keyword)
                program.tracksAnnotations = true

            case "prefixItems": node.prefixItems = try subschemaArray(value, context, keyword)
            case "items": node.items = try subschema(value, context, keyword)
            case "contains": node.contains = try subschema(value, context, keyword)
            case "minContains": node.minContains = try count(value, location, keyword)
            case "maxContains": node.maxContains = try count(value, location, keyword)
            case "minItems": node.minItems = try count(value, location, keyword)
            case "maxItems": node.maxItems = try count(value, location, keyword)
            case "uniqueItems":
                guard let flag = value.boolValue else { throw invalid(location, keyword, "must be a boolean") }
                node.uniqueItems = flag
            case "unevaluatedItems":
                node.unevaluatedItems = try subschema(value, context, keyword)
                program.tracksAnnotations = true
            default: break
            }
        }
    }

    static func isAnchorName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.properties.isAlphabetic || first == "_" else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)) }
    }

    func number(_ value: JSONValue, _ location: String, _ keyword: String) throws(SchemaCompileFailure) -> JSONValue {
        guard value.doubleValue != nil else { throw invalid(location, keyword, "must be a number") }
        return value
    }

    func count(_ value: JSONValue, _ location: String, _ keyword: String) throws(SchemaCompileFailure) -> Int {
        guard let count = value.int64Value, count >= 0 else { throw invalid(location, keyword, "must be a non-negative integer") }
        return Int(clamping: count)
    }

    func strings(_ value: JSONValue, _ location: String, _ keyword: String) throws(SchemaCompileFailure) -> [String] {
        guard case .array(let array) = value else { throw invalid(location, keyword, "must be an array of strings") }
        let names = array.compactMap(\.stringValue)
        guard names.count == array.count else { throw invalid(location, keyword, "must be an array of strings") }
        return names
    }

    /// ECMA-262 subset, matched on code points with ASCII `\d` and `\w`, unanchored (see `SchemaRegex`).
    mutating func pattern(_ source: String, _ location: String, _ keyword: String) throws(SchemaCompileFailure) -> SchemaPattern {
        let regex: SchemaRegex
        do throws(SchemaRegexError) {
            regex = try SchemaRegex(source)
        } catch {
            throw SchemaCompileFailure(reason: "\(keyword) \(source.debugDescription) at \(display(location)) cannot be compiled: \(error.reason)")
        }
        try charge(1 + regex.size / 2, at: location)
        return SchemaPattern(regex: regex)
    }
}
