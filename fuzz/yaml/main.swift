// libFuzzer target for YAMLParser (and YAMLEmitter): scripts/fuzz yaml [seconds].
//
// Properties checked on every input, besides "no crash, no hang, no sanitizer report":
//   - an error carries line, column and excerpt (or is the input-size refusal);
//   - every recorded location lies inside the text;
//   - a parsed value written back with YAMLEmitter reads back equal.
import MCPClientConfig
import MCPClientCore

private let limits = YAMLParser.Limits(maxInputBytes: 1 << 20, maxDepth: 64, maxAliasNodes: 100_000)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzYAML(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let document: SourceDocument
    do {
        document = try YAMLParser.parse(text, limits: limits)
    } catch {
        guard error.code == .config, error.details["line"]?.int64Value != nil, error.details["column"]?.int64Value != nil,
            error.details["excerpt"]?.stringValue != nil
        else { fatalError("error without a position: \(error)") }
        return 0
    }
    let byteCount = text.utf8.count
    for (path, location) in document.locations {
        if location.offset < 0 || location.offset > byteCount || location.line < 1 || location.column < 1 {
            fatalError("location \(location) of \(path) is outside the text")
        }
    }
    let emitted = YAMLEmitter.emit(document.value)
    do {
        let again = try YAMLParser.parse(emitted)
        if again.value != document.value {
            fatalError("emit/parse round trip changed the value:\n\(JSONWriter.string(document.value))\n---\n\(emitted)")
        }
    } catch {
        fatalError("emitted YAML does not parse: \(error.message)\n---\n\(emitted)")
    }
    return 0
}
