import Glibc
public import MCPClientCore

/// Everything needed to start one stdio server. Built from the normalized server config.
public struct StdioLaunch: Sendable, Equatable {
    public enum StderrMode: Sendable, Equatable {
        /// Captured line by line and forwarded to the log sink (the default; never silently dropped).
        case log
        /// The child writes to the host's own stderr.
        case inherit
        /// Explicitly discarded (/dev/null) because the configuration asked for it.
        case discard
        /// Appended to a file.
        case file(String)
    }

    public var command: String
    public var arguments: [String]
    /// The complete child environment (see `environment(configured:host:)`).
    public var environment: [String: String]
    public var workingDirectory: String?
    public var stderr: StderrMode
    /// The longest line (one JSON-RPC message) accepted from the server.
    public var maxMessageBytes: Int
    /// Wait after closing stdin, and again after SIGTERM, before escalating.
    public var shutdownGraceNanoseconds: UInt64

    public static let defaultMaxMessageBytes = 64 << 20
    public static let defaultShutdownGraceNanoseconds: UInt64 = 2_000_000_000

    /// Variables a server inherits from the host; everything else must be configured explicitly.
    public static let inheritedVariables = ["HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER"]

    public init(
        command: String, arguments: [String] = [], environment: [String: String]? = nil, workingDirectory: String? = nil,
        stderr: StderrMode = .log, maxMessageBytes: Int = defaultMaxMessageBytes,
        shutdownGraceNanoseconds: UInt64 = defaultShutdownGraceNanoseconds
    ) {
        self.command = command
        self.arguments = arguments
        self.environment = environment ?? StdioLaunch.environment(configured: [:])
        self.workingDirectory = workingDirectory
        self.stderr = stderr
        self.maxMessageBytes = maxMessageBytes
        self.shutdownGraceNanoseconds = shutdownGraceNanoseconds
    }

    /// The safe default set taken from the host, overlaid with the configured variables.
    public static func environment(configured: [String: String], host: [String: String] = hostEnvironment()) -> [String: String] {
        var result: [String: String] = [:]
        for name in inheritedVariables {
            // Exported shell functions ("() {...}") are a known injection vector; skip them.
            if let value = host[name], !value.hasPrefix("()") { result[name] = value }
        }
        for (name, value) in configured { result[name] = value }
        return result
    }

    public static func hostEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        var cursor = environ
        while let entry = cursor.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            cursor += 1
        }
        return result
    }

    /// Resolves a bare command through the child's PATH (not the host's), like a shell would, without a shell.
    public func resolvedExecutable() throws(MCPError) -> String {
        if command.contains("/") {
            guard access(command, X_OK) == 0 else {
                throw MCPError.config("command is not executable: \(command)", details: ["command": .string(command)])
            }
            return command
        }
        let searchPath = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in searchPath.split(separator: ":", omittingEmptySubsequences: true) {
            var base = String(directory)
            if !base.hasPrefix("/"), let cwd = workingDirectory { base = cwd + "/" + base }
            let candidate = base + "/" + command
            var info = stat()
            if stat(candidate, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, access(candidate, X_OK) == 0 {
                return candidate
            }
        }
        throw MCPError.config(
            "command not found: \(command)", details: ["command": .string(command), "path": .string(searchPath)])
    }
}
