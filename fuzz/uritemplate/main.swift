// libFuzzer target for RFC 6570 URI template parsing and expansion (MCP resource templates):
// scripts/fuzz uritemplate [seconds].
//
// Input: the template on the first line, the variables as a JSON object on the rest (a fixed set of lists, maps
// and strings when that is not an object).
// Properties, besides "no crash, no hang, no sanitizer report":
//   - a refused template says where (an offset inside it);
//   - an expansion is at most maxExpansionLength bytes of ASCII: unreserved and reserved characters and complete
//     "%XX" triplets only (truncation never splits one);
//   - `expandChecked` gives the same text or says the expansion is too long (and then `expand` hit the cap);
//   - only the variables the template names matter: expanding with just those gives the same text.
import MCPClientCore
import MCPClientProtocol

private let fallback: JSONObject = [
    "var": "value", "hello": "Hello World!", "path": "/foo/bar", "empty": "", "list": ["red", "green", "blue"],
    "keys": ["semi": ";", "dot": ".", "comma": ","], "x": 1024, "y": 768.5, "flag": true, "nested": [["a": [1, 2]]], "nothing": nil,
    "long": .string(String(repeating: "a%2Fb\u{E9}", count: 200)),
]

private let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=".utf8)

private func isHex(_ byte: UInt8) -> Bool {
    (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
}

private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}

private func checkExpansion(_ text: String, of template: String) {
    let bytes = Array(text.utf8)
    check(bytes.count <= URITemplate.maxExpansionLength, "an expansion of \(bytes.count) bytes")
    var index = 0
    while index < bytes.count {
        if bytes[index] == UInt8(ascii: "%") {
            check(index + 2 < bytes.count && isHex(bytes[index + 1]) && isHex(bytes[index + 2]),
                "a broken percent triplet at \(index) in the expansion of \(template)")
            index += 3
        } else {
            check(allowed.contains(bytes[index]), "byte \(bytes[index]) at \(index) in the expansion of \(template)")
            index += 1
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzURITemplate(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let newline = bytes.firstIndex(of: 0x0A) ?? bytes.endIndex
    let text = String(decoding: bytes[..<newline], as: UTF8.self)
    var variables = fallback
    if newline < bytes.endIndex, case .object(let given)? = try? JSONParser.parse(Array(bytes[(newline + 1)...])) { variables = given }

    let template: URITemplate
    do { template = try URITemplate(text) } catch {
        let offset = error.details["offset"]?.int64Value ?? -1
        check(offset >= 0 && offset <= Int64(text.unicodeScalars.count), "an error without a position inside the template: \(error)")
        return 0
    }
    let expanded = template.expand(variables)
    checkExpansion(expanded, of: text)
    do {
        let checked = try template.expandChecked(variables)
        check(checked == expanded, "expand and expandChecked disagree")
    } catch {
        check(expanded.utf8.count >= URITemplate.maxExpansionLength - 16, "expandChecked refused an expansion of \(expanded.utf8.count) bytes: \(error)")
    }
    var named = JSONObject()
    for name in template.variableNames { if let value = variables[name] { named[name] = value } }
    check(template.expand(named) == expanded, "variables the template does not name changed its expansion")
    return 0
}
