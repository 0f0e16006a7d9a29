import Glibc
import MCPClientConfig
import MCPClientCore
import MCPClientManager
import MCPClientOAuth

/// Users of the permission matrix: an admin, the author, a user the author shared with, a user of a shared role,
/// and a stranger.
enum People {
    static let admin = UserContext(id: "root", role: "admin")
    static let alice = UserContext(id: "alice", fields: ["email": "alice@example.com", "name": "Alice"])
    static let bob = UserContext(id: "bob")
    static let dave = UserContext(id: "dave", role: "editors")
    static let carol = UserContext(id: "carol")
}

/// Milliseconds that advance by one on every read, so each change gets its own `updatedAt`.
final class TickingClock: @unchecked Sendable {
    let now = Locked<Int64>(1_700_000_000_000)
    func tick() -> Int64 { now.withLock { $0 += 1; return $0 } }
}

func makeRegistry(store: (any CredentialStore)? = nil, clock: TickingClock = TickingClock(), environment: [String: String] = [:]) -> ServerRegistry {
    var context = ResolutionContext()
    context.environment = EnvironmentSource(variables: environment)
    var options = ServerRegistry.Options(store: store, substitution: context)
    options.clock = { clock.tick() }
    return ServerRegistry(options: options)
}

/// A user-creatable (remote) config.
func remote(_ title: String? = nil, _ extra: JSONObject = [:]) -> JSONObject {
    var config: JSONObject = ["url": "https://mcp.example.com/mcp"]
    if let title { config["title"] = .string(title) }
    for (key, value) in extra { config[key] = value }
    return config
}

func makeTemporaryDirectory() -> String {
    var template = Array("/tmp/mcpclient-registry-XXXXXX".utf8CString)
    return template.withUnsafeMutableBufferPointer { buffer in
        guard let base = buffer.baseAddress, let made = mkdtemp(base) else { return "/tmp/mcpclient-registry-fallback" }
        return String(cString: made)
    }
}

func removeDirectory(_ path: String) {
    guard let directory = opendir(path) else { return }
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name != "." && name != ".." { unlink(path + "/" + name) }
    }
    closedir(directory)
    rmdir(path)
}

/// Every file's bytes in `path` (flat), to prove secrets are not on disk in the clear.
func directoryBytes(_ path: String) -> [UInt8] {
    guard let directory = opendir(path) else { return [] }
    defer { closedir(directory) }
    var all: [UInt8] = []
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        guard name != "." && name != "..", let file = fopen(path + "/" + name, "rb") else { continue }
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            all += buffer[0..<count]
        }
        fclose(file)
    }
    return all
}

extension Array where Element == UInt8 {
    func containsBytes(_ text: String) -> Bool {
        let needle = Array(text.utf8)
        guard !needle.isEmpty, count >= needle.count else { return false }
        for start in 0...(count - needle.count) where self[start] == needle[0] && Array(self[start..<start + needle.count]) == needle { return true }
        return false
    }
}
