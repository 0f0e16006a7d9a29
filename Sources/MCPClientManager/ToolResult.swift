public import MCPClientCore
import MCPClientOAuth
import MCPClientProtocol

/// Turns a `tools/call` result into what a host gives a model (management.md §11, "LR result JSON"): the text by
/// LibreChat's rules, the content verbatim, and images, audio, resources, links and MCP-UI resources as artifacts.
/// Pure: no I/O, no state.
public enum ToolResultFormatter {
    public struct Options: Sendable {
        /// Images, audio and resource blobs larger than this (decoded bytes) are left out with a note in the text.
        public var maxArtifactBytes = 10 << 20
        /// The tool's `outputSchema`, to check `structuredContent` against.
        public var outputSchema: JSONValue?

        public init(maxArtifactBytes: Int = 10 << 20, outputSchema: JSONValue? = nil) {
            self.maxArtifactBytes = maxArtifactBytes
            self.outputSchema = outputSchema
        }

        /// `{"maxArtifactBytes"?, "outputSchema"?}`; `extraKeys` are accepted and left to the caller.
        public static func parse(_ object: JSONObject, extraKeys: Set<String> = []) throws(MCPError) -> Options {
            let known: Set<String> = ["version", "maxArtifactBytes", "outputSchema"]
            if let unknown = object.keys.first(where: { !known.contains($0) && !extraKeys.contains($0) }) {
                throw MCPError.invalid("unknown option '\(unknown)'", details: ["path": .string(unknown)])
            }
            try PayloadVersion.check(object)
            var options = Options()
            if let value = object["maxArtifactBytes"] {
                guard let bytes = value.int64Value, bytes >= 0, bytes <= Int64(Int32.max) else {
                    throw MCPError.invalid("'maxArtifactBytes' must be an integer from 0 to \(Int32.max)", details: ["path": "maxArtifactBytes"])
                }
                options.maxArtifactBytes = Int(bytes)
            }
            if let schema = object["outputSchema"], !schema.isNull {
                guard schema.objectValue != nil || schema.boolValue != nil else {
                    throw MCPError.invalid("'outputSchema' must be a JSON Schema (an object or a boolean)", details: ["path": "outputSchema"])
                }
                options.outputSchema = schema
            }
            return options
        }
    }

    public static let noResponse = "(No response)"

    /// Accepts the MCP result itself or the manager's call payload (`{"version":1,"server","tool","result":{…}}`).
    public static func format(_ input: JSONValue, options: Options = Options()) throws(MCPError) -> JSONValue {
        guard case .object(var result) = input else { throw MCPError.invalid("a tool result must be a JSON object, not \(input.typeName)") }
        if result["content"] == nil, case .object(let inner) = result["result"] ?? .null { result = inner }
        let content: [JSONValue]
        switch result["content"] {
        case nil, .null?: content = []
        case .array(let items)?: content = items
        case let other?: throw MCPError.invalid("'content' must be an array, not \(other.typeName)", details: ["path": "content"])
        }
        var builder = Builder(maxBytes: options.maxArtifactBytes)
        for (index, item) in content.enumerated() { builder.add(item, index: index) }

        var object: JSONObject = ["version": 1, "isError": .bool(result["isError"]?.boolValue == true)]
        let structured = result["structuredContent"]
        let text: String
        if content.isEmpty {
            text = structured.map { $0.jsonString } ?? noResponse
        } else {
            text = builder.text.isEmpty && builder.isEmptyOfArtifacts ? noResponse : builder.text
        }
        object["text"] = .string(text)
        object["content"] = .array(content)
        if let structured {
            object["structuredContent"] = structured
            if let schema = options.outputSchema {
                switch JSONSchema(schema).validate(structured) {
                case .valid: object["structuredValid"] = true
                case .invalid(let violations):
                    object["structuredValid"] = false
                    object["structuredViolations"] = .array(violations.map {
                        ["instancePath": .string($0.instancePath), "keywordLocation": .string($0.keywordLocation), "message": .string($0.message)]
                    })
                case .indeterminate:
                    break  // the validator could not decide: no verdict rather than a wrong one
                }
            }
        }
        object["artifacts"] = [
            "images": .array(builder.images), "audio": .array(builder.audio), "resources": .array(builder.resources),
            "links": .array(builder.links), "ui": .array(builder.ui),
        ]
        return .object(object)
    }

    /// Decoded size of base64 text, as LibreChat estimates it (no decoding).
    static func decodedSize(ofBase64 text: String) -> Int {
        let count = text.utf8.count
        let padding = text.hasSuffix("==") ? 2 : text.hasSuffix("=") ? 1 : 0
        return max(0, count / 4 * 3 + (count % 4) * 3 / 4 - padding)
    }

    /// First 10 hex digits of SHA-256, LibreChat's MCP-UI resource id.
    static func uiResourceID(_ text: String) -> String {
        String(ToolNaming.hex(SHA256.hash(Array(text.utf8)).prefix(5)))
    }

    private struct Builder {
        let maxBytes: Int
        var pieces: [String] = []
        var images: [JSONValue] = []
        var audio: [JSONValue] = []
        var resources: [JSONValue] = []
        var links: [JSONValue] = []
        var ui: [JSONValue] = []

        init(maxBytes: Int) { self.maxBytes = maxBytes }

        var text: String { pieces.joined(separator: "\n\n") }
        var isEmptyOfArtifacts: Bool { images.isEmpty && audio.isEmpty && resources.isEmpty && links.isEmpty && ui.isEmpty }

        mutating func add(_ item: JSONValue, index: Int) {
            let type = item["type"]?.stringValue ?? ""
            if type == "text", let text = item["text"]?.stringValue {
                if !text.isEmpty { pieces.append(text) }
            } else if type == "image" || type == "audio" {
                media(item, kind: type, index: index)
            } else if type == "resource", case .object(let resource) = item["resource"] ?? .null, let uri = resource["uri"]?.stringValue {
                embedded(resource, uri: uri, index: index)
            } else if type == "resource_link", let uri = item["uri"]?.stringValue {
                pieces.append("Resource Link: " + uri)
                var link: JSONObject = ["index": .int(Int64(index)), "uri": .string(uri)]
                for key in ["name", "title", "description", "mimeType", "size"] { if let value = item[key] { link[key] = value } }
                links.append(.object(link))
            } else {
                // Unknown or malformed blocks reach the model as their JSON, as LibreChat does.
                pieces.append(item.jsonString)
            }
        }

        /// Images and audio: a data URL (or the http(s) URL some servers put in `data`), or a note when too big.
        private mutating func media(_ item: JSONValue, kind: String, index: Int) {
            let data = item["data"]?.stringValue ?? ""
            let mimeType = item["mimeType"]?.stringValue ?? (kind == "image" ? "image/png" : "audio/wav")
            var artifact: JSONObject = ["index": .int(Int64(index)), "mimeType": .string(mimeType)]
            if data.hasPrefix("https://") || data.hasPrefix("http://") {
                artifact["url"] = .string(data)
            } else {
                let bytes = decodedSize(ofBase64: data)
                if bytes > maxBytes {
                    pieces.append("[\(kind) omitted: \(bytes) bytes (\(mimeType)) is over the \(maxBytes)-byte limit]")
                    return
                }
                artifact["bytes"] = .int(Int64(bytes))
                artifact["url"] = .string("data:" + mimeType + ";base64," + data)
            }
            if kind == "image" { images.append(.object(artifact)) } else { audio.append(.object(artifact)) }
        }

        /// Embedded resources: text lines as LibreChat writes them; `ui://` ones become MCP-UI artifacts with a
        /// content-derived id and a `\ui{id}` marker the model can place.
        private mutating func embedded(_ resource: JSONObject, uri: String, index: Int) {
            var lines: [String] = []
            let text = resource["text"]?.stringValue
            let mimeType = resource["mimeType"]?.stringValue
            if uri.hasPrefix("ui://") {
                let id = uiResourceID(text.flatMap { $0.isEmpty ? nil : $0 } ?? uri)
                var artifact = resource
                artifact["resourceId"] = .string(id)
                artifact["index"] = .int(Int64(index))
                ui.append(.object(artifact))
                lines.append("UI Resource ID: " + id)
                lines.append("UI Resource Marker: \\ui{" + id + "}")
            } else {
                if let text, !text.isEmpty { lines.append("Resource Text: " + text) }
                var artifact: JSONObject = ["index": .int(Int64(index)), "uri": .string(uri)]
                if let mimeType { artifact["mimeType"] = .string(mimeType) }
                if let text {
                    artifact["text"] = .string(text)
                } else if let blob = resource["blob"]?.stringValue {
                    let bytes = decodedSize(ofBase64: blob)
                    if bytes > maxBytes {
                        lines.append("[resource blob omitted: \(bytes) bytes is over the \(maxBytes)-byte limit]")
                    } else {
                        artifact["blob"] = .string(blob)
                    }
                    artifact["bytes"] = .int(Int64(bytes))
                }
                resources.append(.object(artifact))
            }
            if !uri.isEmpty { lines.append("Resource URI: " + uri) }
            if let mimeType, !mimeType.isEmpty { lines.append("Resource MIME Type: " + mimeType) }
            pieces.append(lines.joined(separator: "\n"))
        }
    }
}
