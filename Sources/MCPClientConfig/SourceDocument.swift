public import MCPClientCore

/// A 1-based position in a config text, for diagnostics.
public struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    /// Byte offset into the UTF-8 text.
    public var offset: Int

    public init(line: Int, column: Int, offset: Int) {
        self.line = line
        self.column = column
        self.offset = offset
    }

    public var description: String { "\(line):\(column)" }
}

/// A step into a parsed document: an object key or an array index.
public enum PathComponent: Hashable, Sendable {
    case key(String)
    case index(Int)
}

/// A key path such as `mcpServers.github.oauth.client_secret` or `mcpServers.git.args[0]`.
public struct ConfigPath: Hashable, Sendable, CustomStringConvertible {
    public var components: [PathComponent]

    public init(_ components: [PathComponent] = []) { self.components = components }

    public func appending(_ key: String) -> ConfigPath { ConfigPath(components + [.key(key)]) }
    public func appending(index: Int) -> ConfigPath { ConfigPath(components + [.index(index)]) }

    public var description: String {
        var text = ""
        for component in components {
            switch component {
            case .key(let key):
                if !text.isEmpty { text += "." }
                text += key
            case .index(let index):
                text += "[\(index)]"
            }
        }
        return text
    }
}

/// What a config text parsed into, plus where each value came from.
///
/// Both the YAML parser and the located JSON reader produce one; the format adapters and validation only read it,
/// so a diagnostic can name `line:column` and quote the line whichever syntax the user wrote.
public struct SourceDocument: Sendable {
    public enum Syntax: String, Sendable { case json, yaml }

    /// Diagnostics point at servers and their keys, a few levels down. Deeper nodes, and nodes beyond the first
    /// `maxLocations`, are not recorded (each entry holds its whole path: an 8 MiB file of deeply nested arrays would
    /// need gigabytes); `location(of:)` then answers with the nearest recorded ancestor.
    public static let maxLocatedDepth = 16
    public static let maxLocations = 200_000

    public var value: JSONValue
    public var syntax: Syntax
    /// Where each node starts: for an object member, the position of its key.
    public var locations: [ConfigPath: SourceLocation]
    /// The text's lines (without terminators), kept for excerpts.
    public var lines: [Substring]

    public init(value: JSONValue, syntax: Syntax, locations: [ConfigPath: SourceLocation] = [:], text: String = "") {
        self.value = value
        self.syntax = syntax
        self.locations = locations
        self.lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    /// The position of `path`, or of its nearest located ancestor when the node itself has none (a value that was
    /// defaulted, or a key that is missing: the diagnostic then points at the enclosing object).
    public func location(of path: ConfigPath) -> SourceLocation? {
        var components = path.components
        while true {
            if let found = locations[ConfigPath(components)] { return found }
            if components.isEmpty { return nil }
            components.removeLast()
        }
    }

    /// One line of the source with a caret under the column, e.g. `  args: 12\n        ^`.
    public func excerpt(at location: SourceLocation) -> String? {
        guard location.line >= 1, location.line <= lines.count else { return nil }
        let width = 160
        // Only the shown part is copied: a minified config is one line of megabytes, and each diagnostic has an excerpt.
        var line = String(lines[location.line - 1].prefix(width + 2))
        if line.hasSuffix("\r") { line.removeLast() }
        if line.count > width { line = String(line.prefix(width)) + "…" }
        let caret = String(repeating: " ", count: max(0, min(location.column - 1, width))) + "^"
        return line + "\n" + caret
    }
}
