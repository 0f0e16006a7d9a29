import Glibc
import MCPClientCore

/// A scratch directory for file-reading tests, removed on deinit.
final class TemporaryDirectory {
    let path: String
    private var files: [String] = []

    init() throws {
        var template = Array("/tmp/mcp-subst-XXXXXX".utf8CString)
        guard let created = template.withUnsafeMutableBufferPointer({ buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }) else {
            throw MCPError(.generic, "mkdtemp failed")
        }
        path = String(cString: created)
    }

    func write(_ name: String, _ text: String) throws { try write(name, Array(text.utf8)) }

    func write(_ name: String, _ bytes: [UInt8]) throws {
        let file = path + "/" + name
        guard let handle = fopen(file, "wb") else { throw MCPError(.generic, "cannot create \(file)") }
        defer { fclose(handle) }
        guard bytes.withUnsafeBytes({ fwrite($0.baseAddress, 1, $0.count, handle) }) == bytes.count else { throw MCPError(.generic, "short write") }
        files.append(file)
    }

    deinit {
        for file in files { unlink(file) }
        rmdir(path)
    }
}
