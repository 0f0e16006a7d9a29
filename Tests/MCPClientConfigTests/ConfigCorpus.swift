import Glibc
import MCPClientConfig
import MCPClientCore

/// Reads the config corpus next to this file (`configs/valid/<format>/*`, `configs/broken/*`).
enum ConfigCorpus {
    static let root: String = {
        let file = #filePath
        guard let slash = file.lastIndex(of: "/") else { return "configs" }
        return String(file[..<slash]) + "/configs"
    }()

    static func read(_ path: String) -> String? {
        guard let handle = fopen(path, "rb") else { return nil }
        defer { fclose(handle) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&buffer, 1, buffer.count, handle)
            if count <= 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func list(_ directory: String) -> [String] {
        guard let handle = opendir(directory) else { return [] }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if !name.hasPrefix(".") { names.append(name) }
        }
        return names.sorted()
    }

    /// Config texts (not expectations or option files) under `relative`, as paths relative to the corpus root.
    static func inputs(_ relative: String) -> [String] {
        list(root + "/" + relative).filter { name in
            !name.hasSuffix(".expected.json") && !name.hasSuffix(".expected-diagnostics.json") && !name.hasSuffix(".options.json")
        }.map { relative + "/" + $0 }
    }

    static var validFiles: [String] { list(root + "/valid").flatMap { inputs("valid/" + $0) } }
    static var brokenFiles: [String] { inputs("broken") }

    static func stem(_ path: String) -> String {
        guard let dot = path.lastIndex(of: ".") else { return path }
        return String(path[..<dot])
    }

    static func options(for path: String) throws -> ConfigLoadOptions {
        guard let text = read(root + "/" + stem(path) + ".options.json") else { return ConfigLoadOptions() }
        return try ConfigLoadOptions.parse(try JSONParser.parse(text))
    }

    static func json(_ path: String) throws -> JSONValue? {
        guard let text = read(root + "/" + path) else { return nil }
        return try JSONParser.parse(text)
    }

    /// The stable part of a diagnostic (messages may be reworded without touching the corpus).
    static func trimmed(_ diagnostic: Diagnostic) -> JSONValue {
        var object: JSONObject = ["severity": .string(diagnostic.severity.rawValue), "code": .string(diagnostic.code), "path": .string(diagnostic.path)]
        if let line = diagnostic.line { object["line"] = .int(Int64(line)) }
        if let column = diagnostic.column { object["column"] = .int(Int64(column)) }
        if let suggestion = diagnostic.suggestion { object["suggestion"] = .string(suggestion) }
        return .object(object)
    }
}
