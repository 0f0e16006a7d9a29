internal import MCPClientCore

/// A location in the instance, built as a parent chain so descending costs one allocation and the JSON Pointer
/// string is only made for violations.
final class InstancePath {
    let parent: InstancePath?
    let token: String

    init(_ parent: InstancePath?, _ token: String) {
        self.parent = parent
        self.token = token
    }

    static func render(_ path: InstancePath?) -> String {
        var tokens: [String] = []
        var current = path
        while let node = current {
            tokens.append(JSONPointer.escape(node.token))
            current = node.parent
        }
        return tokens.reversed().map { "/" + $0 }.joined()
    }
}

/// The schema resources entered so far, innermost first: what `$dynamicRef` searches.
final class DynamicScope {
    let resource: Int
    let outer: DynamicScope?

    init(resource: Int, outer: DynamicScope?) {
        self.resource = resource
        self.outer = outer
    }
}

/// The properties and items a successful schema evaluated (its annotations), which `unevaluated*` consults.
struct Evaluated {
    var allProperties = false
    var properties: Set<String> = []
    var allItems = false
    var prefixItems = 0
    var itemIndices: Set<Int> = []

    mutating func merge(_ other: Evaluated) {
        allProperties = allProperties || other.allProperties
        if !allProperties { properties.formUnion(other.properties) }
        allItems = allItems || other.allItems
        prefixItems = max(prefixItems, other.prefixItems)
        if !allItems { itemIndices.formUnion(other.itemIndices) }
    }
}

/// One subschema applied to one instance location.
struct Visit {
    let node: SchemaNode
    let instance: JSONValue
    let path: InstancePath?
    /// Depth for the subschemas this visit applies.
    let depth: Int
    let scope: DynamicScope
    /// Whether failures are recorded; false inside anyOf/oneOf/not/if/contains, where only the verdict counts.
    let report: Bool

    func child(_ token: String) -> InstancePath { InstancePath(path, token) }
}

/// One validation run: counts steps, collects violations, stops (throws) at a limit.
final class SchemaEvaluator {
    let program: SchemaProgram
    let limits: JSONSchemaLimits
    let assertsFormat: Bool
    var steps = 0
    var violations: [SchemaViolation] = []

    init(program: SchemaProgram, limits: JSONSchemaLimits, assertsFormat: Bool) {
        self.program = program
        self.limits = limits
        self.assertsFormat = assertsFormat
    }

    func run(_ instance: JSONValue) -> SchemaOutcome {
        do {
            var evaluated = Evaluated()
            if try evaluate(program.root, instance, nil, depth: 0, scope: nil, report: true, into: &evaluated) { return .valid }
            if violations.isEmpty {
                violations.append(SchemaViolation(instancePath: "", keywordLocation: "", message: "the instance does not match the schema"))
            }
            return .invalid(violations)
        } catch {
            return .indeterminate(error.reason)
        }
    }

    /// Whether the instance is valid against node `id`; on success its annotations are merged into `evaluated`.
    func evaluate(_ id: Int, _ instance: JSONValue, _ path: InstancePath?, depth: Int, scope: DynamicScope?, report: Bool,
                  into evaluated: inout Evaluated) throws(SchemaStop) -> Bool {
        try step()
        guard depth < limits.maxDepth else {
            throw SchemaStop(reason: "evaluation exceeded the depth limit (\(limits.maxDepth) nested schemas, counting $ref hops)")
        }
        let node = program.nodes[id]
        if let constant = node.constant {
            if !constant && report { record(path, node.location, "no value is allowed here (false schema)") }
            return constant
        }
        let scope = scope?.resource == node.resource ? scope! : DynamicScope(resource: node.resource, outer: scope)
        let visit = Visit(node: node, instance: instance, path: path, depth: depth + 1, scope: scope, report: report)
        var local = Evaluated()
        var valid = true
        // Keyword families in order (unevaluated* must come last); without reporting, the first failure settles it.
        for family in 0..<6 {
            let familyValid: Bool
            switch family {
            case 0: familyValid = try references(visit, &local)
            case 1: familyValid = try assertions(visit)
            case 2: familyValid = try inPlaceApplicators(visit, &local)
            case 3: familyValid = try objectKeywords(visit, &local)
            case 4: familyValid = try arrayKeywords(visit, &local)
            default: familyValid = try unevaluatedKeywords(visit, &local)
            }
            if !familyValid {
                valid = false
                if !report || violations.count >= limits.maxViolations { return false }
            }
        }
        if valid && program.tracksAnnotations { evaluated.merge(local) }
        return valid
    }

    func step() throws(SchemaStop) { try charge(1) }

    /// Charges work that grows with the data (long strings, lookups in large objects) to the step budget.
    func charge(_ units: Int) throws(SchemaStop) {
        steps += units
        if steps > limits.maxSteps {
            throw SchemaStop(reason: "validation exceeded its step budget (\(limits.maxSteps) keyword evaluations)")
        }
    }

    /// Runs a pattern on the validation's remaining step budget, so a catastrophic pattern ends as indeterminate.
    func matches(_ pattern: SchemaPattern, _ text: String) throws(SchemaStop) -> Bool {
        var budget = max(0, limits.maxSteps - steps)
        let found = pattern.regex.firstMatch(in: text.unicodeScalars, budget: &budget)
        steps = limits.maxSteps - max(0, budget)
        guard let found else {
            throw SchemaStop(reason: "pattern \(pattern.source.debugDescription) exceeded the step budget (\(limits.maxSteps) steps)")
        }
        return found
    }

    func record(_ path: InstancePath?, _ location: String, _ message: String) {
        guard violations.count < limits.maxViolations else { return }
        violations.append(SchemaViolation(instancePath: InstancePath.render(path), keywordLocation: location, message: message))
    }

    func record(_ visit: Visit, _ keyword: String, _ message: String) {
        if visit.report { record(visit.path, visit.node.location + "/" + keyword, message) }
    }

    /// Applies a subschema to a member or element: its annotations describe the child, not this instance.
    func child(_ id: Int, _ value: JSONValue, _ visit: Visit, _ token: String, report: Bool? = nil) throws(SchemaStop) -> Bool {
        var scratch = Evaluated()
        return try evaluate(id, value, visit.child(token), depth: visit.depth, scope: visit.scope, report: report ?? visit.report, into: &scratch)
    }

    /// Applies a subschema to this same instance, keeping its annotations.
    func inPlace(_ id: Int, _ visit: Visit, report: Bool? = nil, into local: inout Evaluated) throws(SchemaStop) -> Bool {
        try evaluate(id, visit.instance, visit.path, depth: visit.depth, scope: visit.scope, report: report ?? visit.report, into: &local)
    }

    // MARK: $ref and $dynamicRef

    func references(_ visit: Visit, _ local: inout Evaluated) throws(SchemaStop) -> Bool {
        var valid = true
        if let index = visit.node.ref {
            let target = try target(of: program.references[index])
            valid = try inPlace(target, visit, into: &local)
        }
        if let index = visit.node.dynamicRef, valid || visit.report {
            let reference = program.references[index]
            var target = try target(of: reference)
            // Only a reference that lands on a matching $dynamicAnchor ("bookended") looks at the dynamic scope,
            // where the outermost resource defining that anchor wins.
            if let name = reference.dynamicAnchor, program.dynamicAnchors[program.nodes[target].resource][name] == target {
                var scope: DynamicScope? = visit.scope
                while let current = scope {
                    if let anchored = program.dynamicAnchors[current.resource][name] { target = anchored }
                    scope = current.outer
                }
            }
            valid = try inPlace(target, visit, into: &local) && valid
        }
        return valid
    }

    func target(of reference: SchemaReference) throws(SchemaStop) -> Int {
        guard let target = reference.target else { throw SchemaStop(reason: reference.failure ?? "unresolvable $ref \(reference.uri)") }
        return target
    }

    // MARK: allOf, anyOf, oneOf, not, if/then/else, dependentSchemas

    func inPlaceApplicators(_ visit: Visit, _ local: inout Evaluated) throws(SchemaStop) -> Bool {
        let node = visit.node
        var valid = true
        func failed() -> Bool {
            valid = false
            return !visit.report || violations.count >= limits.maxViolations
        }
        if let allOf = node.allOf {
            for schema in allOf where try !inPlace(schema, visit, into: &local) {
                if failed() { return false }
            }
        }
        if let anyOf = node.anyOf {
            var matched = false
            for schema in anyOf {
                if try inPlace(schema, visit, report: false, into: &local) {
                    matched = true
                    // Later branches only matter for their annotations.
                    if !program.tracksAnnotations { break }
                }
            }
            if !matched {
                record(visit, "anyOf", "does not match any of the \(anyOf.count) anyOf schemas")
                if failed() { return false }
            }
        }
        if let oneOf = node.oneOf {
            var matches: [Int] = []
            for (index, schema) in oneOf.enumerated() where try inPlace(schema, visit, report: false, into: &local) {
                matches.append(index)
                if matches.count > 1 { break }
            }
            if matches.count != 1 {
                let message = matches.isEmpty
                    ? "does not match any of the \(oneOf.count) oneOf schemas"
                    : "matches more than one oneOf schema (\(matches.map(String.init).joined(separator: " and ")))"
                record(visit, "oneOf", message)
                if failed() { return false }
            }
        }
        if let not = node.not {
            var scratch = Evaluated()
            if try inPlace(not, visit, report: false, into: &scratch) {
                record(visit, "not", "must not match the \"not\" schema")
                if failed() { return false }
            }
        }
        if let ifSchema = node.ifSchema {
            let conditionHolds = try inPlace(ifSchema, visit, report: false, into: &local)
            // The selected branch reports its own violations.
            if let branch = conditionHolds ? node.thenSchema : node.elseSchema, try !inPlace(branch, visit, into: &local) {
                if failed() { return false }
            }
        }
        if let dependentSchemas = node.dependentSchemas, case .object(let object) = visit.instance {
            for (key, schema) in dependentSchemas where object[key] != nil {
                if try !inPlace(schema, visit, into: &local) {
                    if failed() { return false }
                }
            }
        }
        return valid
    }
}
