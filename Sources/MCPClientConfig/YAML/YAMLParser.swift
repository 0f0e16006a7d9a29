public import MCPClientCore

/// Reads YAML 1.2 the way config files use it (block and flow collections, every scalar style, anchors, aliases and
/// merge keys, the core schema) into a `SourceDocument`. No package dependencies, no Foundation.
///
/// Deliberate choices (docs/config-yaml.md): one document per file; `.inf`/`.nan` are errors (JSON cannot hold
/// them); decimal integers beyond Int64 become doubles (as in the JSON reader), hex/octal ones are errors; only core
/// schema tags (`!!str`, `!!int`, `!!float`, `!!bool`, `!!null`, `!!map`, `!!seq`) and the non-specific `!` are
/// accepted, any other tag is an error; keys become strings (a scalar key's canonical text), collection keys are
/// errors; duplicate keys and tabs used as indentation are errors.
public enum YAMLParser {
    public struct Limits: Sendable, Equatable {
        /// The largest input accepted, in UTF-8 bytes.
        public var maxInputBytes: Int
        /// How deeply collections may nest; the parser recurses at most this deep.
        public var maxDepth: Int
        /// Nodes that aliases (and anchor bookkeeping) may produce in total: stops "billion laughs" documents.
        public var maxAliasNodes: Int

        public init(maxInputBytes: Int = 8 << 20, maxDepth: Int = 256, maxAliasNodes: Int = 1_000_000) {
            self.maxInputBytes = maxInputBytes
            self.maxDepth = maxDepth
            self.maxAliasNodes = maxAliasNodes
        }

        public static let `default` = Limits()
    }

    /// Parses one YAML document. Errors are `MCPError.config` with `line`, `column` and `excerpt` details.
    public static func parse(_ text: String, limits: Limits = .default) throws(MCPError) -> SourceDocument {
        var text = text
        let size = text.utf8.count
        guard size <= limits.maxInputBytes else {
            throw MCPError.config("the YAML text is \(size) bytes; the limit is \(limits.maxInputBytes)",
                details: ["bytes": .int(Int64(size)), "limit": .int(Int64(limits.maxInputBytes))])
        }
        let result: Result<(JSONValue, [ConfigPath: SourceLocation]), MCPError> = text.withUTF8 { buffer in
            Result { () throws(MCPError) in
                var parser = YAMLCore(bytes: buffer, limits: limits)
                return try parser.parseStream()
            }
        }
        let (value, locations) = try result.get()
        return SourceDocument.located(value, syntax: .yaml, locations: locations, text: text)
    }
}

extension SourceDocument {
    /// The document with `lines` split on UTF-8 bytes: the `text:` initializer splits by Characters, which cost
    /// more than parsing a whole config.
    static func located(_ value: JSONValue, syntax: Syntax, locations: [ConfigPath: SourceLocation], text: String) -> SourceDocument {
        var document = SourceDocument(value: value, syntax: syntax, locations: locations)
        var text = text
        var breaks: [Int] = []
        text.withUTF8 { bytes in
            for index in 0..<bytes.count where bytes[index] == 0x0A { breaks.append(index) }
        }
        // Native strings index UTF-8 offsets in O(1); a line break is always a character boundary.
        let utf8 = text.utf8
        var lines: [Substring] = []
        lines.reserveCapacity(breaks.count + 1)
        var start = utf8.startIndex
        for offset in breaks {
            let end = utf8.index(utf8.startIndex, offsetBy: offset)
            lines.append(text[start..<end])
            start = utf8.index(after: end)
        }
        lines.append(text[start..<utf8.endIndex])
        document.lines = lines
        return document
    }
}
