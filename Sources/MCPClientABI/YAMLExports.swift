import MCPClientConfig
import MCPClientCore

// YAML as a utility: hosts that keep other settings in the same YAML file (librechat.yaml, for one) can read it
// with the library's parser and get JSON back.

/// Converts one YAML 1.2 document (core schema: null, bool, int, float; anchors, aliases, merge keys) to compact JSON.
/// On a syntax error the status is MCP_ERR_CONFIG and the error JSON's details hold line, column and excerpt (the
/// line with a caret under the column); several documents, duplicate keys, tabs used as indentation, unsupported
/// tags, .inf/.nan and alias bombs are errors too. Limits: 8 MiB of text, nesting 256 deep, 1,000,000 alias nodes.
/// Ownership: free *out_json and *out_error_json with mcp_string_free().
/// NULL: yaml and out_json are required (MCP_ERR_INVALID); out_error_json may be NULL.
/// Threads: any thread.
@c(mcp_yaml_to_json)
public func mcpYAMLToJSON(_ yaml: UnsafePointer<CChar>?, _ out_json: OutString?, _ out_error_json: OutString?) -> mcp_status {
    out_json?.pointee = nil
    return boundary(out_error_json) { () throws(MCPError) in
        try requireOut(out_json, "out_json")
        let document = try YAMLParser.parse(try string(yaml, "yaml"))
        try write(document.value, to: out_json)
    }
}
