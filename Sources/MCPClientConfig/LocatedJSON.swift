public import MCPClientCore

extension SourceDocument {
    /// Reads a JSON config text with the position of every node, refusing duplicate keys.
    ///
    /// The value comes from the core `JSONParser` (strict RFC 8259, left untouched because it parses every protocol
    /// message); a second, iterative pass over the now known-valid text records locations and finds duplicates.
    /// Errors are `MCPError.config` with `line`, `column` and `excerpt` details.
    public static func parseJSON(_ text: String, maxDepth: Int = JSONParser.defaultMaxDepth) throws(MCPError) -> SourceDocument {
        var text = text
        let result: Result<(JSONValue, [ConfigPath: SourceLocation]), MCPError> = text.withUTF8 { bytes in
            Result { () throws(MCPError) in
                let value: JSONValue
                do throws(JSONParseError) {
                    value = try JSONParser.parse(bytes, maxDepth: maxDepth)
                } catch {
                    throw JSONLocator(bytes: bytes).failure(error.message, at: error.offset)
                }
                var locator = JSONLocator(bytes: bytes)
                return (value, try locator.locate())
            }
        }
        let (value, locations) = try result.get()
        return SourceDocument.located(value, syntax: .json, locations: locations, text: text)
    }
}

/// The location pass over valid JSON: no recursion (a stack of open containers), no value building.
private struct JSONLocator {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0
    var path: [PathComponent] = []
    var locations: [ConfigPath: SourceLocation] = [:]
    // Locations are asked for in increasing order, so lines are counted once.
    private var countedUpTo = 0
    private var countedLine = 1
    private var countedLineStart = 0

    let columns: ColumnIndex

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        self.columns = ColumnIndex(bytes: bytes)
    }

    struct Container {
        var isObject: Bool
        var count = 0
        var keys: [String: SourceLocation] = [:]
    }

    mutating func location(at offset: Int) -> SourceLocation {
        let end = min(offset, bytes.count)
        if end < countedUpTo { countedUpTo = 0; countedLine = 1; countedLineStart = 0 }
        for index in countedUpTo..<end where bytes[index] == 0x0A {
            countedLine += 1
            countedLineStart = index + 1
        }
        countedUpTo = end
        return SourceLocation(line: countedLine, column: columns.column(of: end, lineStart: countedLineStart), offset: offset)
    }

    func failure(_ message: String, at offset: Int, details extra: JSONObject = [:]) -> MCPError {
        var fresh = JSONLocator(bytes: bytes)
        let where_ = fresh.location(at: offset)
        var lineStart = min(offset, bytes.count)
        while lineStart > 0, bytes[lineStart - 1] != 0x0A { lineStart -= 1 }
        var lineEnd = lineStart
        while lineEnd < bytes.count, bytes[lineEnd] != 0x0A { lineEnd += 1 }
        let lineText = String(decoding: UnsafeBufferPointer(rebasing: bytes[lineStart..<lineEnd]), as: UTF8.self)
        let excerpt = SourceDocument(value: .null, syntax: .json, text: lineText)
            .excerpt(at: SourceLocation(line: 1, column: where_.column, offset: 0)) ?? ""
        var details: JSONObject = [
            "line": .int(Int64(where_.line)), "column": .int(Int64(where_.column)), "excerpt": .string(excerpt),
        ]
        if !path.isEmpty { details["path"] = .string(ConfigPath(path).description) }
        for (key, value) in extra { details[key] = value }
        return MCPError.config("JSON line \(where_.line), column \(where_.column): \(message)", details: details)
    }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    /// Skips a string (the cursor is on its opening quote) and returns its text.
    mutating func readString() -> String {
        let start = position
        position += 1
        var escaped = false
        while position < bytes.count, bytes[position] != UInt8(ascii: "\"") {
            if bytes[position] == UInt8(ascii: "\\") { escaped = true; position += 1 }
            position += 1
        }
        position += 1
        let end = min(position, bytes.count)
        if !escaped { return String(decoding: UnsafeBufferPointer(rebasing: bytes[(start + 1)..<max(start + 1, end - 1)]), as: UTF8.self) }
        let decoded = try? JSONParser.parse(UnsafeBufferPointer(rebasing: bytes[start..<end]))
        return decoded?.stringValue ?? ""
    }

    mutating func record(at offset: Int) {
        guard path.count <= SourceDocument.maxLocatedDepth, locations.count < SourceDocument.maxLocations else { return }
        locations[ConfigPath(path)] = location(at: offset)
    }

    mutating func readKey(into container: inout Container) throws(MCPError) {
        skipWhitespace()
        let keyStart = position
        let key = readString()
        let here = location(at: keyStart)
        if let first = container.keys[key] {
            throw failure("duplicate key '\(key)' (first defined at line \(first.line), column \(first.column))", at: keyStart,
                details: ["key": .string(key), "firstLine": .int(Int64(first.line)), "firstColumn": .int(Int64(first.column))])
        }
        container.keys[key] = here
        path.append(.key(key))
        if path.count <= SourceDocument.maxLocatedDepth, locations.count < SourceDocument.maxLocations { locations[ConfigPath(path)] = here }
        skipWhitespace()
        position += 1  // ':'
    }

    mutating func locate() throws(MCPError) -> [ConfigPath: SourceLocation] {
        var stack: [Container] = []
        skipWhitespace()
        record(at: position)
        while true {
            // A value starts here.
            skipWhitespace()
            guard position < bytes.count else { break }
            var closedValue = true
            switch bytes[position] {
            case UInt8(ascii: "{"):
                position += 1
                skipWhitespace()
                if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
                    position += 1
                } else {
                    var container = Container(isObject: true)
                    try readKey(into: &container)
                    stack.append(container)
                    closedValue = false
                }
            case UInt8(ascii: "["):
                position += 1
                skipWhitespace()
                if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
                    position += 1
                } else {
                    stack.append(Container(isObject: false))
                    path.append(.index(0))
                    record(at: position)
                    closedValue = false
                }
            case UInt8(ascii: "\""):
                _ = readString()
            default:
                while position < bytes.count {
                    let b = bytes[position]
                    if b == UInt8(ascii: ",") || b == UInt8(ascii: "]") || b == UInt8(ascii: "}") || b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { break }
                    position += 1
                }
            }
            if !closedValue { continue }
            // After a value: separators and closing brackets until the next value starts.
            var nextValue = false
            while !nextValue, var top = stack.popLast() {
                skipWhitespace()
                guard position < bytes.count else { return locations }
                let b = bytes[position]
                position += 1
                path.removeLast()
                if b == UInt8(ascii: ",") {
                    if top.isObject {
                        try readKey(into: &top)
                    } else {
                        top.count += 1
                        path.append(.index(top.count))
                        skipWhitespace()
                        record(at: position)
                    }
                    stack.append(top)
                    nextValue = true
                }
            }
            if !nextValue { break }
        }
        return locations
    }
}
