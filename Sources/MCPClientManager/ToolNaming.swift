public import MCPClientCore
import MCPClientOAuth

/// How tools from many servers are named for a model (management.md §9.3-9.4). Pure functions; the map back to
/// (server, tool) is kept explicitly by `ToolNameTable`, never recovered by parsing a name.
public struct ToolNamingOptions: Sendable, Equatable {
    public enum Style: String, Sendable, CaseIterable {
        /// LibreChat: `<tool><delimiter><server>`, delimiter `_mcp_`.
        case toolMCPServer = "tool_mcp_server"
        /// PandoraKit / fastmcp: `<server><delimiter><tool>`, delimiter `_`.
        case serverTool = "server_tool"

        public var defaultDelimiter: String { self == .toolMCPServer ? "_mcp_" : "_" }
    }

    /// Characters a model-facing name may hold; every other character becomes `_`.
    public enum Charset: String, Sendable, CaseIterable {
        /// `[a-zA-Z0-9_-]`: the OpenAI function-name rule, the strictest common one.
        case openai
        /// `[a-zA-Z0-9_.-]`: the MCP tool-name set (and LibreChat's server names).
        case mcp

        func allows(_ scalar: Unicode.Scalar) -> Bool {
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "_", "-": true
            case ".": self == .mcp
            default: false
            }
        }
    }

    public var style = Style.toolMCPServer
    public var delimiter = Style.toolMCPServer.defaultDelimiter
    public var charset = Charset.openai
    /// Longer names are shortened with a hash suffix; 0 = no limit (OpenAI allows 64).
    public var maxLength = 64

    public static let hashSuffixLength = 9  // "_" + 8 hex digits
    public static let maxDelimiterLength = 16

    public init() {}

    public init(style: Style, delimiter: String? = nil, charset: Charset = .openai, maxLength: Int = 64) {
        self.style = style
        self.delimiter = delimiter ?? style.defaultDelimiter
        self.charset = charset
        self.maxLength = maxLength
    }

    /// The naming keys of an options object (`style`, `delimiter`, `charset`, `maxLength`); other keys are the
    /// caller's to check. Missing keys keep `base`'s values (a delimiter only when the style did not change).
    public static func parse(_ object: JSONObject, base: ToolNamingOptions = ToolNamingOptions()) throws(MCPError) -> ToolNamingOptions {
        var options = base
        if let value = object["style"] {
            guard let style = value.stringValue.flatMap(Style.init(rawValue:)) else {
                throw MCPError.invalid("'style' must be one of \(Style.allCases.map(\.rawValue))", details: ["path": "style"])
            }
            if style != base.style { options.delimiter = style.defaultDelimiter }
            options.style = style
        }
        if let value = object["charset"] {
            guard let charset = value.stringValue.flatMap(Charset.init(rawValue:)) else {
                throw MCPError.invalid("'charset' must be one of \(Charset.allCases.map(\.rawValue))", details: ["path": "charset"])
            }
            options.charset = charset
        }
        if let value = object["delimiter"] {
            guard let delimiter = value.stringValue else { throw MCPError.invalid("'delimiter' must be a string", details: ["path": "delimiter"]) }
            options.delimiter = delimiter
        }
        if let value = object["maxLength"] {
            guard let length = value.int64Value, length >= 0, length <= 100_000 else {
                throw MCPError.invalid("'maxLength' must be an integer from 0 to 100000", details: ["path": "maxLength"])
            }
            options.maxLength = Int(length)
        }
        try options.validate()
        return options
    }

    /// A delimiter outside the charset would be rewritten, and a limit too short for one character per part plus
    /// the delimiter and the hash suffix could not keep names apart.
    public func validate() throws(MCPError) {
        guard !delimiter.isEmpty, delimiter.unicodeScalars.count <= Self.maxDelimiterLength, delimiter.unicodeScalars.allSatisfy(charset.allows) else {
            throw MCPError.invalid(
                "'delimiter' must be 1-\(Self.maxDelimiterLength) characters of the \(charset.rawValue) charset", details: ["path": "delimiter"])
        }
        let minimum = delimiter.utf8.count + Self.hashSuffixLength + 2
        guard maxLength == 0 || maxLength >= minimum else {
            throw MCPError.invalid("'maxLength' must be 0 (no limit) or at least \(minimum) with this delimiter", details: ["path": "maxLength"])
        }
    }

    public var json: JSONObject {
        ["style": .string(style.rawValue), "delimiter": .string(delimiter), "charset": .string(charset.rawValue), "maxLength": .int(Int64(maxLength))]
    }
}

public enum ToolNaming {
    /// LibreChat's `normalizeServerName`: keep `[a-zA-Z0-9_.-]`, every other UTF-16 unit becomes `_`, leading and
    /// trailing `_` are trimmed, and an empty result becomes `server_<31-hash of the UTF-16 units>`.
    public static func normalizeServerName(_ name: String) -> String {
        var units: [UInt8] = []
        units.reserveCapacity(name.utf16.count)
        for unit in name.utf16 {
            let keep = (unit >= 0x30 && unit <= 0x39) || (unit >= 0x41 && unit <= 0x5A) || (unit >= 0x61 && unit <= 0x7A)
                || unit == 0x5F || unit == 0x2E || unit == 0x2D
            units.append(keep ? UInt8(truncatingIfNeeded: unit) : UInt8(ascii: "_"))
        }
        let trimmed = units.drop { $0 == UInt8(ascii: "_") }.reversed().drop { $0 == UInt8(ascii: "_") }.reversed()
        if !trimmed.isEmpty { return String(decoding: Array(trimmed), as: UTF8.self) }
        // JavaScript's `hash = (hash << 5) - hash + code; hash |= 0`, then Math.abs (of an int32, so it fits in Int64).
        var hash: Int32 = 0
        for unit in name.utf16 { hash = (hash &<< 5) &- hash &+ Int32(unit) }
        return "server_" + String(abs(Int64(hash)))
    }

    /// Every character the charset does not allow becomes `_` (one per Unicode scalar).
    public static func sanitize(_ text: String, charset: ToolNamingOptions.Charset) -> String {
        var result = ""
        result.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars { result.unicodeScalars.append(charset.allows(scalar) ? scalar : "_") }
        return result
    }

    /// 8 hex digits of SHA-256 over the exact (server, tool) pair: names that sanitize alike still hash apart.
    public static func pairHash(server: String, tool: String) -> String {
        let digest = SHA256.hash(Array(server.utf8) + [0] + Array(tool.utf8))
        return hex(digest.prefix(4))
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The model-facing name of one tool: both parts sanitized, joined in the style's order, and shortened to
    /// `maxLength` when needed (`shortened`).
    public static func modelName(server: String, tool: String, options: ToolNamingOptions) -> (name: String, shortened: Bool) {
        let serverPart = sanitize(normalizeServerName(server), charset: options.charset)
        let toolPart = sanitize(tool, charset: options.charset)
        let full = join(server: serverPart, tool: toolPart, options: options)
        guard options.maxLength > 0, full.utf8.count > options.maxLength else { return (full, false) }
        return (shortened(server: server, tool: tool, serverPart: serverPart, toolPart: toolPart, options: options), true)
    }

    /// The name given when the plain one is taken: always carries the pair's hash, so it differs from every plain name
    /// that is not itself hashed the same way.
    public static func disambiguatedName(server: String, tool: String, options: ToolNamingOptions) -> String {
        let serverPart = sanitize(normalizeServerName(server), charset: options.charset)
        let toolPart = sanitize(tool, charset: options.charset)
        let full = join(server: serverPart, tool: toolPart, options: options)
        if options.maxLength == 0 || full.utf8.count + ToolNamingOptions.hashSuffixLength <= options.maxLength {
            return full + "_" + pairHash(server: server, tool: tool)
        }
        return shortened(server: server, tool: tool, serverPart: serverPart, toolPart: toolPart, options: options)
    }

    private static func join(server: String, tool: String, options: ToolNamingOptions) -> String {
        switch options.style {
        case .toolMCPServer: tool + options.delimiter + server
        case .serverTool: server + options.delimiter + tool
        }
    }

    /// Both parts cut (the longer one first, each keeping at least half the room when it needs it) so the name reads
    /// as tool and server still, then `_<hash>`. Parts are ASCII after sanitizing, so bytes are characters.
    private static func shortened(server: String, tool: String, serverPart: String, toolPart: String, options: ToolNamingOptions) -> String {
        let room = max(2, options.maxLength - ToolNamingOptions.hashSuffixLength - options.delimiter.utf8.count)
        let serverLength = serverPart.utf8.count
        let toolLength = toolPart.utf8.count
        var keepServer = min(serverLength, max(room / 2, room - toolLength))
        let keepTool = min(toolLength, max(1, room - keepServer))
        keepServer = min(serverLength, max(1, room - keepTool))
        let name = join(server: String(serverPart.utf8.prefix(keepServer)) ?? "", tool: String(toolPart.utf8.prefix(keepTool)) ?? "", options: options)
        return name + "_" + pairHash(server: server, tool: tool)
    }
}

/// One model-facing name and what it stands for.
public struct ToolNameEntry: Sendable, Equatable {
    public var modelName: String
    public var server: String
    public var tool: String
    /// The name was cut to `maxLength` (it carries the pair's hash).
    public var shortened: Bool
    /// The plain name was taken by another tool; this one carries the pair's hash instead.
    public var renamed: Bool
}

/// The explicit model-name → (server, tool) map for one listing, with every collision reported.
/// Tools are claimed in the order given (callers pass servers sorted by name, tools in listing order): the first
/// tool to claim a name keeps it; a later one is renamed with its pair hash, or dropped if even that is taken.
/// The same tool listed twice by one server is dropped.
public struct ToolNameTable: Sendable {
    public struct Collision: Sendable, Equatable {
        public var modelName: String
        public var winner: (server: String, tool: String)
        public var renamed: [ToolNameEntry] = []
        public var dropped: [(server: String, tool: String, reason: String)] = []

        public static func == (a: Collision, b: Collision) -> Bool {
            a.modelName == b.modelName && a.winner == b.winner && a.renamed == b.renamed
                && a.dropped.map { [$0.server, $0.tool, $0.reason] } == b.dropped.map { [$0.server, $0.tool, $0.reason] }
        }

        public var json: JSONValue {
            var object: JSONObject = [
                "modelName": .string(modelName), "winner": ["server": .string(winner.server), "tool": .string(winner.tool)],
                "renamed": .array(renamed.map { ["server": .string($0.server), "tool": .string($0.tool), "modelName": .string($0.modelName)] }),
            ]
            if !dropped.isEmpty {
                object["dropped"] = .array(dropped.map { ["server": .string($0.server), "tool": .string($0.tool), "reason": .string($0.reason)] })
            }
            return .object(object)
        }
    }

    public let options: ToolNamingOptions
    public private(set) var entries: [ToolNameEntry] = []
    public private(set) var collisions: [Collision] = []
    private var byModelName: [String: Int] = [:]
    private var byPair: [PairKey: Int] = [:]

    private struct PairKey: Hashable {
        var server: String
        var tool: String
    }

    public init(options: ToolNamingOptions) { self.options = options }

    public init(pairs: [(server: String, tool: String)], options: ToolNamingOptions) {
        self.options = options
        for pair in pairs { add(server: pair.server, tool: pair.tool) }
    }

    /// Claims a name for one tool; returns its entry, or nil when the tool was dropped (see the type's comment).
    @discardableResult
    public mutating func add(server: String, tool: String) -> ToolNameEntry? {
        let (plain, shortened) = ToolNaming.modelName(server: server, tool: tool, options: options)
        if let existing = byPair[PairKey(server: server, tool: tool)] {
            record(plain, winner: entries[existing]) { $0.dropped.append((server, tool, "duplicate_tool")) }
            return nil
        }
        guard let holder = byModelName[plain] else {
            return claim(ToolNameEntry(modelName: plain, server: server, tool: tool, shortened: shortened, renamed: false))
        }
        let alternative = ToolNaming.disambiguatedName(server: server, tool: tool, options: options)
        if byModelName[alternative] == nil {
            let entry = ToolNameEntry(modelName: alternative, server: server, tool: tool, shortened: shortened, renamed: true)
            record(plain, winner: entries[holder]) { $0.renamed.append(entry) }
            return claim(entry)
        }
        record(plain, winner: entries[holder]) { $0.dropped.append((server, tool, "name_taken")) }
        return nil
    }

    private mutating func claim(_ entry: ToolNameEntry) -> ToolNameEntry {
        byModelName[entry.modelName] = entries.count
        byPair[PairKey(server: entry.server, tool: entry.tool)] = entries.count
        entries.append(entry)
        return entry
    }

    private mutating func record(_ name: String, winner: ToolNameEntry, _ change: (inout Collision) -> Void) {
        if let index = collisions.firstIndex(where: { $0.modelName == name }) {
            change(&collisions[index])
        } else {
            var collision = Collision(modelName: name, winner: (winner.server, winner.tool))
            change(&collision)
            collisions.append(collision)
        }
    }

    /// The tool a model-facing name stands for: a map lookup, never a parse.
    public func resolve(_ modelName: String) -> (server: String, tool: String)? {
        byModelName[modelName].map { (entries[$0].server, entries[$0].tool) }
    }
}
