internal import MCPClientCore

/// Why a schema cannot be used at all; becomes `SchemaOutcome.indeterminate` for every instance.
struct SchemaCompileFailure: Error {
    let reason: String
}

/// Turns a schema document into a `SchemaProgram`: one node per subschema, every `$id`, `$anchor` and JSON Pointer
/// location indexed, every reference resolved up front (or marked unresolvable — never fetched).
struct SchemaCompiler {
    static let dialect = "https://json-schema.org/draft/2020-12/schema"
    static let simpleTypes: Set<String> = ["null", "boolean", "object", "array", "number", "string", "integer"]

    /// A schema resource: an object with `$id` (or the document root).
    struct Resource {
        let uri: String
        let node: Int
        let raw: JSONValue
        let location: String
    }

    let limits: JSONSchemaLimits
    var program = SchemaProgram()
    var resources: [String: Resource] = [:]
    var anchors: [String: Int] = [:]
    /// "base#/pointer" for every compiled subschema, relative to each enclosing resource.
    var locations: [String: Int] = [:]
    var pendingReferences: [(index: Int, resource: Int)] = []
    /// What compiling has built so far, in units of about 64 bytes (nodes, location keys, regex programs): a schema
    /// from a server may be small on the wire and huge once compiled, so the whole document has one allowance.
    var spent = 0
    static let documentAllowance = 500_000

    mutating func charge(_ units: Int, at location: String) throws(SchemaCompileFailure) {
        spent += units
        guard spent <= Self.documentAllowance else {
            throw SchemaCompileFailure(reason: "the schema is too large to compile (at \(display(location)))")
        }
    }

    static func compile(_ schema: JSONValue, limits: JSONSchemaLimits) -> SchemaProgram {
        var compiler = SchemaCompiler(limits: limits)
        do {
            try compiler.compileDocument(schema)
        } catch {
            var failed = SchemaProgram()
            failed.failure = error.reason
            return failed
        }
        return compiler.program
    }

    mutating func compileDocument(_ schema: JSONValue) throws(SchemaCompileFailure) {
        program.root = try compile(schema, location: "", scopes: [], baseURI: SchemaURI.defaultBase, resource: nil, depth: 0)
        // Resolving a pointer may compile a location no keyword reached (a schema under an unknown keyword),
        // which may hold references of its own: loop until none are left.
        while let pending = pendingReferences.popLast() {
            try resolve(reference: pending.index)
        }
    }

    /// One enclosing schema resource while descending: its URI and where it starts in the document.
    struct Scope {
        let uri: String
        let location: String
    }

    mutating func compile(_ value: JSONValue, location: String, scopes: [Scope], baseURI: String, resource: Int?,
                          depth: Int) throws(SchemaCompileFailure) -> Int {
        guard depth <= limits.maxDepth else {
            throw SchemaCompileFailure(reason: "schema nesting exceeds the depth limit (\(limits.maxDepth)) at \(display(location))")
        }
        var scopes = scopes
        var baseURI = baseURI
        var resource = resource
        if case .object(let object) = value {
            if let dialect = object["$schema"] {
                guard let text = dialect.stringValue, text == Self.dialect || text == Self.dialect + "#" else {
                    throw SchemaCompileFailure(reason: "unsupported $schema \(dialect.jsonString) at \(display(location)): only JSON Schema 2020-12 is supported")
                }
            }
            if let id = object["$id"] {
                guard let text = id.stringValue else { throw invalid(location, "$id", "must be a string") }
                let (document, fragment) = SchemaURI.splitFragment(SchemaURI.resolve(text, against: baseURI))
                guard fragment?.isEmpty ?? false else { throw invalid(location, "$id", "must not have a non-empty fragment") }
                baseURI = document
            }
        }
        let isNewResource = resource == nil || scopes.last?.uri != baseURI
        if isNewResource {
            resource = program.dynamicAnchors.count
            program.dynamicAnchors.append([:])
            scopes.append(Scope(uri: baseURI, location: location))
        }
        try charge(8 + location.utf8.count * (scopes.count + 1) / 64, at: location)
        let node = SchemaNode(location: location, resource: resource!)
        let id = program.nodes.count
        program.nodes.append(node)
        if isNewResource, resources[baseURI] == nil {
            resources[baseURI] = Resource(uri: baseURI, node: id, raw: value, location: location)
        }
        for scope in scopes {
            let relative = String(location.utf8.dropFirst(scope.location.utf8.count)) ?? ""

            if locations["\(scope.uri)#\(relative)"] == nil { locations["\(scope.uri)#\(relative)"] = id }
        }

        switch value {
        case .bool(let constant):
            node.constant = constant
            return id
        case .object(let object):
            var context = NodeContext(node: id, location: location, scopes: scopes, baseURI: baseURI, resource: resource!, depth: depth)
            try compileKeywords(object, into: node, context: &context)
            return id
        default:
            throw SchemaCompileFailure(reason: "a schema must be an object or a boolean, found \(value.typeName) at \(display(location))")
        }
    }

    /// Where the keywords of one schema object live, for compiling its subschemas.
    struct NodeContext {
        let node: Int
        let location: String
        let scopes: [Scope]
        let baseURI: String
        let resource: Int
        let depth: Int
    }

    mutating func subschema(_ value: JSONValue, _ context: NodeContext, _ path: String...) throws(SchemaCompileFailure) -> Int {
        let location = context.location + path.map { "/" + JSONPointer.escape($0) }.joined()
        return try compile(value, location: location, scopes: context.scopes, baseURI: context.baseURI,
                           resource: context.resource, depth: context.depth + 1)
    }

    mutating func subschemaArray(_ value: JSONValue, _ context: NodeContext, _ keyword: String) throws(SchemaCompileFailure) -> [Int] {
        guard case .array(let array) = value, !array.isEmpty else {
            throw invalid(context.location, keyword, "must be a non-empty array of schemas")
        }
        var result: [Int] = []
        for (index, element) in array.enumerated() {
            result.append(try subschema(element, context, keyword, String(index)))
        }
        return result
    }

    mutating func subschemaMap(_ value: JSONValue, _ context: NodeContext, _ keyword: String) throws(SchemaCompileFailure) -> [(key: String, schema: Int)] {
        guard case .object(let object) = value else { throw invalid(context.location, keyword, "must be an object of schemas") }
        var result: [(key: String, schema: Int)] = []
        for (key, element) in object {
            result.append((key, try subschema(element, context, keyword, key)))
        }
        return result
    }

    mutating func reference(_ value: JSONValue, _ context: NodeContext, _ keyword: String) throws(SchemaCompileFailure) -> Int {
        guard let text = value.stringValue else { throw invalid(context.location, keyword, "must be a string") }
        let uri = SchemaURI.resolve(text, against: context.baseURI)
        var reference = SchemaReference(uri: uri)
        if keyword == "$dynamicRef", let fragment = SchemaURI.splitFragment(uri).fragment, !fragment.isEmpty, !fragment.hasPrefix("/") {
            reference.dynamicAnchor = fragment
        }
        let index = program.references.count
        program.references.append(reference)
        pendingReferences.append((index, context.resource))
        return index
    }

    /// Points a reference at its node. A URI outside the document is not an error here: it is reported as
    /// indeterminate only if validation actually reaches it.
    mutating func resolve(reference index: Int) throws(SchemaCompileFailure) {
        let uri = program.references[index].uri
        let (document, fragment) = SchemaURI.splitFragment(uri)
        guard let resource = resources[document] else {
            program.references[index].failure = "$ref \"\(uri)\" points outside the schema document; remote references are never fetched"
            return
        }
        guard let fragment else {
            program.references[index].failure = "$ref \"\(uri)\" has a malformed percent-encoded fragment"
            return
        }
        if fragment.isEmpty {
            program.references[index].target = resource.node
        } else if fragment.hasPrefix("/") {
            if let node = locations["\(document)#\(fragment)"] {
                program.references[index].target = node
            } else if let tokens = JSONPointer.tokens(fragment), let value = JSONPointer.resolve(tokens, in: resource.raw) {
                // A location no keyword compiled (e.g. under an unknown keyword): compile it now, in its resource.
                let location = resource.location + fragment
                let scope = Scope(uri: document, location: resource.location)
                program.references[index].target = try compile(value, location: location, scopes: [scope], baseURI: document,
                                                               resource: program.nodes[resource.node].resource, depth: 0)
            } else {
                program.references[index].failure = "$ref \"\(uri)\": no schema at that JSON Pointer"
            }
        } else if let node = anchors["\(document)#\(fragment)"] {
            program.references[index].target = node
        } else {
            program.references[index].failure = "$ref \"\(uri)\": no such anchor in the schema document"
        }
    }

    func invalid(_ location: String, _ keyword: String, _ message: String) -> SchemaCompileFailure {
        SchemaCompileFailure(reason: "invalid schema: \(keyword) \(message) at \(display(location + "/" + JSONPointer.escape(keyword)))")
    }

    func display(_ location: String) -> String { "#" + location }
}
