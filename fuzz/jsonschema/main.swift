// libFuzzer target for the JSON Schema 2020-12 validator (tool outputSchema, elicitation requestedSchema):
// scripts/fuzz jsonschema [seconds].
//
// Input: byte 0 sets the options (bit 0 asserts formats, bit 1 tight limits); then the schema as JSON on the
// first line and the instance as JSON on the rest.
// Properties, besides "no crash, no hang, no sanitizer report":
//   - validation is deterministic: a second run, and a run with the schema written and parsed again, give the
//     same outcome;
//   - an invalid outcome has between one and maxViolations violations, each with a message, a keyword location
//     that is a JSON Pointer, and an instance path that resolves inside the instance;
//   - a schema the compiler refused is indeterminate for every instance.
import MCPClientCore
import MCPClientProtocol

private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}

/// The value a JSON Pointer names (RFC 6901), nil when it names nothing.
private func resolve(_ pointer: String, in value: JSONValue) -> JSONValue? {
    guard !pointer.isEmpty else { return value }
    guard pointer.hasPrefix("/") else { return nil }
    var current = value
    for raw in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
        let token = String(raw).replacingLiteral("~1", with: "/").replacingLiteral("~0", with: "~")
        switch current {
        case .object(let object):
            guard let next = object.entries.first(where: { $0.key == token })?.value else { return nil }
            current = next
        case .array(let items):
            guard let index = Int(token), index >= 0, index < items.count, String(index) == token else { return nil }
            current = items[index]
        default:
            return nil
        }
    }
    return current
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONSchema(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let bytes = UnsafeBufferPointer(start: data + 1, count: size - 1)
    let newline = bytes.firstIndex(of: 0x0A) ?? bytes.endIndex
    guard let schemaValue = try? JSONParser.parse(Array(bytes[..<newline])) else { return 0 }
    let instanceBytes = newline < bytes.endIndex ? Array(bytes[(newline + 1)...]) : []
    guard let instance = try? JSONParser.parse(instanceBytes) else { return 0 }
    let limits = data[0] & 2 != 0
        ? JSONSchemaLimits(maxDepth: 8, maxSteps: 2_000, maxViolations: 3, maxInstanceDepth: 16) : JSONSchemaLimits()
    let assertsFormat = data[0] & 1 != 0

    let schema = JSONSchema(schemaValue, limits: limits, assertsFormat: assertsFormat)
    let outcome = schema.validate(instance)
    check(schema.validate(instance) == outcome, "a second validation gave another outcome")
    if let reparsed = try? JSONParser.parse(JSONWriter.serialize(schemaValue)), reparsed == schemaValue {
        check(JSONSchema(reparsed, limits: limits, assertsFormat: assertsFormat).validate(instance) == outcome,
            "the same schema compiled again gave another outcome")
    }
    switch outcome {
    case .valid:
        check(schema.unsupportedReason == nil, "valid under a schema that could not be compiled")
    case .indeterminate(let reason):
        check(!reason.isEmpty, "indeterminate without a reason")
    case .invalid(let violations):
        check(schema.unsupportedReason == nil, "invalid under a schema that could not be compiled")
        check(!violations.isEmpty && violations.count <= limits.maxViolations, "\(violations.count) violations")
        for violation in violations {
            check(!violation.message.isEmpty, "a violation without a message")
            check(violation.keywordLocation.isEmpty || violation.keywordLocation.hasPrefix("/"),
                "keyword location \(violation.keywordLocation) is not a pointer")
            check(resolve(violation.instancePath, in: instance) != nil,
                "instance path \(violation.instancePath) names nothing in \(instance.jsonString)")
        }
    }
    return 0
}
