public import MCPClientCore

/// Bounds on what one validation may cost. Schemas come from servers, so none of this is trusted.
public struct JSONSchemaLimits: Sendable, Equatable {
    /// Nested schema evaluations, counting each `$ref` hop (and schema nesting when compiling).
    public var maxDepth: Int
    /// Keyword evaluations and per-element iterations for one `validate` call: the time bound.
    public var maxSteps: Int
    /// Violations collected before `validate` stops looking for more.
    public var maxViolations: Int
    /// Instance nesting that `const`, `enum` and `uniqueItems` compare through.
    public var maxInstanceDepth: Int

    public init(maxDepth: Int = 64, maxSteps: Int = 200_000, maxViolations: Int = 16, maxInstanceDepth: Int = 256) {
        self.maxDepth = maxDepth
        self.maxSteps = maxSteps
        self.maxViolations = maxViolations
        self.maxInstanceDepth = maxInstanceDepth
    }
}

/// One failed assertion: where in the instance, which keyword (a JSON Pointer into the schema document), and why.
public struct SchemaViolation: Sendable, Equatable, CustomStringConvertible {
    public var instancePath: String
    public var keywordLocation: String
    public var message: String

    public init(instancePath: String, keywordLocation: String, message: String) {
        self.instancePath = instancePath
        self.keywordLocation = keywordLocation
        self.message = message
    }

    public var description: String { "\(instancePath.isEmpty ? "/" : instancePath): \(message) (\(keywordLocation))" }
}

public enum SchemaOutcome: Sendable, Equatable {
    case valid
    case invalid([SchemaViolation])
    /// The schema could not be applied: unsupported dialect, a reference outside the document, an uncompilable
    /// pattern, or a limit reached. Callers decide whether that blocks the result; it never means "invalid".
    case indeterminate(String)
}

/// A JSON Schema 2020-12 validator for the schemas MCP servers send (`outputSchema`, `requestedSchema`).
/// Compiled once; `validate` is safe to call from any thread. References are only ever resolved inside the
/// document itself.
public struct JSONSchema: Sendable {
    let program: SchemaProgram
    public let limits: JSONSchemaLimits
    /// When true, `format` asserts the formats elicitation forms use (email, uri, date, date-time); otherwise it
    /// is an annotation, as 2020-12 specifies by default.
    public let assertsFormat: Bool

    public init(_ schema: JSONValue, limits: JSONSchemaLimits = .init(), assertsFormat: Bool = false) {
        self.limits = limits
        self.assertsFormat = assertsFormat
        program = SchemaCompiler.compile(schema, limits: limits)
    }

    /// Why every validation will be indeterminate (set when the schema itself could not be compiled).
    public var unsupportedReason: String? { program.failure }

    public func validate(_ instance: JSONValue) -> SchemaOutcome {
        if let failure = program.failure { return .indeterminate(failure) }
        let evaluator = SchemaEvaluator(program: program, limits: limits, assertsFormat: assertsFormat)
        return evaluator.run(instance)
    }
}
