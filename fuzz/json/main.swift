// libFuzzer target for the JSON readers: the core JSONParser (every protocol message goes through it) and the
// located config reader SourceDocument.parseJSON. scripts/fuzz json [seconds].
//
// Properties: both readers agree (the located one only adds duplicate-key refusals); serialising a parsed value
// and reading it again is stable; a parsed value written as YAML reads back equal.
import MCPClientConfig
import MCPClientCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let core: JSONValue
    do {
        core = try JSONParser.parse(bytes)
    } catch {
        if let text = String(validating: bytes, as: UTF8.self), (try? SourceDocument.parseJSON(text)) != nil {
            fatalError("parseJSON accepted what JSONParser refused: \(error)")
        }
        return 0
    }
    let written = JSONWriter.serialize(core)
    guard let reparsed = try? JSONParser.parse(written), JSONWriter.serialize(reparsed) == written else {
        fatalError("JSONWriter output does not read back: \(String(decoding: written, as: UTF8.self))")
    }
    // JSONParser validates UTF-8 only inside strings, so decode leniently for the located reader.
    let text = String(decoding: bytes, as: UTF8.self)
    do {
        let located = try SourceDocument.parseJSON(text)
        if located.value != core, String(validating: bytes, as: UTF8.self) != nil {
            fatalError("parseJSON and JSONParser disagree")
        }
        if located.locations[ConfigPath()] == nil { fatalError("the root has no location") }
    } catch {
        if error.details["key"] == nil, String(validating: bytes, as: UTF8.self) != nil {
            fatalError("parseJSON refused valid JSON: \(error)")
        }
        // JSONParser keeps duplicate keys; YAML (and config JSON) refuse them, so no round trip to check.
        return 0
    }
    let yaml = YAMLEmitter.emit(core)
    do {
        let back = try YAMLParser.parse(yaml).value
        if back != core { fatalError("YAML round trip changed the value:\n\(String(decoding: written, as: UTF8.self))\n---\n\(yaml)") }
    } catch {
        fatalError("emitted YAML does not parse: \(error.message)\n---\n\(yaml)")
    }
    return 0
}
