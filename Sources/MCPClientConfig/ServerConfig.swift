public import MCPClientCore

/// One server's normalized configuration: a stdio process or a remote URL, plus the shared timeouts.
public struct ServerConfig: Sendable, Equatable {
    public enum Transport: Sendable, Equatable {
        case stdio(Stdio)
        case remote(Remote)
    }

    public struct Remote: Sendable, Equatable {
        /// `streamable-http` (also `http`), `sse` or `websocket` (also `ws`).
        public var type: String
        public var url: String
        public var headers: [String: String] = [:]
        /// No byte on a long-lived stream for this long ends it (LibreChat `sseReadTimeout`, default 5 min).
        public var sseReadTimeoutMs = 300_000
        public var caFile: String?
        public var clientCertificate: String?
        public var clientKey: String?
        public var proxy: String?
        public var maxResponseBytes = ServerConfig.defaultMaxMessageBytes
        /// Operator-configured servers are trusted; user-created ones are not and get the SSRF guard.
        public var trusted = true
        /// The config named only a URL: streamable HTTP is tried first, HTTP+SSE if the server refuses POSTs.
        public var typeInferred = false

        public init(type: String, url: String) {
            self.type = type
            self.url = url
        }
    }

    public struct Stdio: Sendable, Equatable {
        public var command: String
        public var args: [String]
        public var env: [String: String]
        public var cwd: String?
        public var stderr: StderrMode
        public var maxMessageBytes: Int
        public var shutdownGraceMs: Int
    }

    public enum StderrMode: Sendable, Equatable {
        case log, inherit, discard
        case file(String)
    }

    public enum Era: String, Sendable { case auto, modern, legacy }

    public var name: String
    public var transport: Transport
    /// `tools/call` and request timeout (LibreChat `timeout`, default 60 s).
    public var timeoutMs: Int
    /// Connect + era detection (LibreChat `initTimeout`, default 30 s).
    public var initTimeoutMs: Int
    /// Progress restarts `timeout`, up to this total (TS SDK `maxTotalTimeout`); 0 = progress does not extend it.
    public var maxTotalTimeoutMs: Int
    public var era: Era

    // What the runtime and the host policy read besides the transport (docs/config.md, normalized server JSON).
    public var title: String?
    public var description: String?
    public var iconPath: String?
    /// Listed in the host's chat menu (LibreChat `chatMenu`, default true).
    public var chatMenu = true
    /// Connected eagerly at startup (LibreChat `startup`, default true). Unlike LibreChat, `false` does not turn OAuth off.
    public var startup = true
    public var serverInstructions = Instructions.none
    /// nil: decided by the `oauth` block or detected at first connect; an explicit `false` wins over an `oauth` block.
    public var requiresOAuth: Bool?
    public var oauth: OAuth?
    /// Sent only on OAuth requests (discovery, registration, token, refresh, revoke).
    public var oauthHeaders: [String: String] = [:]
    public var apiKey: APIKey?
    public var customUserVars: [String: UserVar] = [:]
    /// Entra on-behalf-of scopes.
    public var oboScopes: String?
    /// A disabled server stays registered but is not connected (PandoraKit `enabled`).
    public var enabled = true
    /// Tool calls need the user's approval (PandoraKit default true); nil = host policy.
    public var requireApproval: Bool?
    /// VS Code / Cursor dotenv path, read by the substitution layer.
    public var envFile: String?
    /// PandoraKit: host environment variables copied into the child's environment when set.
    public var envForward: [String] = []
    public var source = Origin()
    /// The whole normalized object this config was read from (interpolation text verbatim).
    public var normalized = JSONObject()

    public static let defaultTimeoutMs = 60_000
    public static let defaultInitTimeoutMs = 30_000
    /// Long tools that report progress may run this long (LibreChat #6626: they died at 60 s).
    public static let defaultMaxTotalTimeoutMs = 600_000
    public static let defaultMaxMessageBytes = 64 << 20
    public static let defaultShutdownGraceMs = 2_000

    /// Server names as LibreChat and the seed APIs accept them: letters, digits, `_`, `-`, `.`; 1–64 characters.
    public static func validateName(_ name: String) throws(MCPError) {
        if let problem = nameProblem(name) {
            throw MCPError.config("invalid server name '\(name)': \(problem)", details: ["name": .string(name)])
        }
    }

    /// Why `name` is not a usable server name, or nil.
    public static func nameProblem(_ name: String) -> String? {
        let allowed = name.utf8.allSatisfy(isNameByte)
        guard !name.isEmpty, name.utf8.count <= 64, allowed else { return "is not usable: use 1-64 letters, digits, '_', '-' or '.'" }
        return nil
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
    }

    /// A usable name from a display title, the way LibreChat names user servers: lower case, spaces to `-`,
    /// other characters dropped, `mcp-server` when nothing is left.
    public static func slug(_ title: String) -> String {
        var slug = ""
        for byte in title.lowercased().utf8 {
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "/") {
                if !slug.isEmpty, !slug.hasSuffix("-") { slug += "-" }
            } else if isNameByte(byte) {
                slug.unicodeScalars.append(Unicode.Scalar(byte))
            }
            if slug.utf8.count >= 64 { break }
        }
        while slug.hasSuffix("-") { slug.removeLast() }
        return slug.isEmpty ? "mcp-server" : slug
    }

    /// Parses one normalized server object (see docs/config.md; `{"command": …}` or `{"url": …}` at its simplest).
    /// Every problem is collected; the error names the first one in `details.path` and lists all of them in
    /// `details.diagnostics`. Unknown keys are errors here (they belong under `unknown`).
    public static func parse(name: String, json: JSONValue) throws(MCPError) -> ServerConfig {
        try validateName(name)
        guard case .object(let entry) = json else {
            throw problem("", "a server config must be an object, not \(json.typeName)")
        }
        try PayloadVersion.check(entry)
        var sink = DiagnosticSink(document: SourceDocument(value: json, syntax: .json), strict: true)
        var adapter = ServerAdapter(format: .normalized, sink: sink)
        guard let draft = adapter.read(name: name, value: json, at: ConfigPath()) else { throw problem("", "a server config must be an object") }
        sink = adapter.sink
        let object = ServerValidator.validate(draft, format: .normalized, sink: &sink)
        // No text, so no positions: report in the order of the keys.
        var position: [String: Int] = [:]
        for (index, key) in entry.keys.enumerated() where position[key] == nil { position[key] = index }
        func rank(_ diagnostic: Diagnostic) -> Int { position[String(diagnostic.path.prefix { $0 != "." && $0 != "[" })] ?? Int.max }
        let items = sink.items.enumerated().sorted { a, b in (rank(a.element), a.offset) < (rank(b.element), b.offset) }.map(\.element)
        if let first = items.first(where: { $0.severity == .error }) {
            throw MCPError.config(first.message, details: ["path": .string(first.path), "diagnostics": .array(items.map(\.json))])
        }
        let transport: Transport
        switch object["type"]?.stringValue {
        case "stdio": transport = .stdio(try parseStdio(object))
        case nil where object["command"] != nil:
            // PandoraKit entries carry no `type`.
            transport = .stdio(try parseStdio(object))
        case nil:
            let url = object["url"]?.stringValue ?? ""
            let scheme = ServerValidator.scheme(url)
            let websocket = scheme == "ws" || scheme == "wss"
            var remote = try parseRemote(object, type: websocket ? "websocket" : "streamable-http")
            // Only HTTP has something to detect (Streamable HTTP, else HTTP+SSE).
            remote.typeInferred = !websocket
            transport = .remote(remote)
        case .some(let remote):
            transport = .remote(try parseRemote(object, type: remote))
        }
        let era = Era(rawValue: object["era"]?.stringValue ?? "auto") ?? .auto
        let timeoutMs = try optionalInt(object, "timeout", min: 0).flatMap { $0 == 0 ? nil : $0 } ?? defaultTimeoutMs
        var maxTotal = try optionalInt(object, "maxTotalTimeout", min: 1) ?? defaultMaxTotalTimeoutMs
        if object["resetTimeoutOnProgress"]?.boolValue == false { maxTotal = 0 }
        var config = ServerConfig(
            name: name, transport: transport, timeoutMs: timeoutMs,
            initTimeoutMs: try optionalInt(object, "initTimeout", min: 0).flatMap { $0 == 0 ? nil : $0 } ?? defaultInitTimeoutMs,
            maxTotalTimeoutMs: maxTotal, era: era)
        config.readDescriptiveFields(object)
        // PandoraKit `env` names (`envForward`) are copied from the host by `ConfigResolver.resolve`, which applies the
        // tier and the denylist; parsing never reads the host environment.
        if case .remote(var remote) = config.transport, object["trusted"] == nil {
            // User-created servers are untrusted (SSRF guard on) unless the host says otherwise.
            remote.trusted = config.source.tier != .user
            config.transport = .remote(remote)
        }
        return config
    }

    private static func parseRemote(_ object: JSONObject, type: String) throws(MCPError) -> Remote {
        let url = try requiredString(object, "url")
        let lowered = url.lowercased()
        let schemes = type == "websocket" || type == "ws" ? ["ws://", "wss://"] : ["http://", "https://"]
        guard schemes.contains(where: lowered.hasPrefix) else {
            throw problem("url", "'url' must start with \(schemes.joined(separator: " or ")) for a \(type) server")
        }
        var remote = Remote(type: type, url: url)
        if let value = object["headers"] {
            guard case .object(let entries) = value else { throw problem("headers", "'headers' must be an object of strings") }
            for (key, header) in entries {
                guard let text = header.stringValue else { throw problem("headers.\(key)", "header values must be strings") }
                try rejectNUL(text, "headers.\(key)")
                guard !key.isEmpty, !key.contains(where: { $0 == ":" || $0 == "\r" || $0 == "\n" || $0 == " " }),
                      !text.contains(where: { $0 == "\r" || $0 == "\n" })
                else { throw problem("headers.\(key)", "invalid header name or value") }
                remote.headers[key] = text
            }
        }
        remote.sseReadTimeoutMs = try optionalInt(object, "sseReadTimeout", min: 1) ?? remote.sseReadTimeoutMs
        remote.maxResponseBytes = try optionalInt(object, "maxResponseBytes", min: 1024) ?? remote.maxResponseBytes
        remote.caFile = try optionalString(object, "caFile")
        remote.clientCertificate = try optionalString(object, "clientCert")
        remote.clientKey = try optionalString(object, "clientKey")
        remote.proxy = try optionalString(object, "proxy")
        if let trusted = object["trusted"] {
            guard let flag = trusted.boolValue else { throw problem("trusted", "'trusted' must be a boolean") }
            remote.trusted = flag
        }
        return remote
    }

    private static func parseStdio(_ object: JSONObject) throws(MCPError) -> Stdio {
        let command = try requiredString(object, "command")
        guard !command.isEmpty else { throw problem("command", "'command' must not be empty") }
        var args: [String] = []
        if let value = object["args"] {
            guard case .array(let items) = value else { throw problem("args", "'args' must be an array of strings") }
            for (index, item) in items.enumerated() {
                guard let text = item.stringValue else { throw problem("args[\(index)]", "'args[\(index)]' must be a string, not \(item.typeName)") }
                try rejectNUL(text, "args[\(index)]")
                args.append(text)
            }
        }
        var env: [String: String] = [:]
        if let value = object["env"] {
            guard case .object(let entries) = value else { throw problem("env", "'env' must be an object of strings") }
            for (key, item) in entries {
                guard !key.isEmpty, !key.contains("=") else { throw problem("env.\(key)", "invalid environment variable name '\(key)'") }
                switch item {
                case .string(let text): try rejectNUL(text, "env.\(key)"); env[key] = text
                case .int(let number): env[key] = String(number)
                case .bool(let flag): env[key] = flag ? "true" : "false"
                default: throw problem("env.\(key)", "'env.\(key)' must be a string, not \(item.typeName)")
                }
            }
        }
        let stderr: StderrMode
        switch object["stderr"] {
        case nil, .string("log"), .string("pipe"): stderr = .log
        case .string("inherit"): stderr = .inherit
        case .string("ignore"), .string("discard"): stderr = .discard
        case .object(let target):
            guard let path = target["file"]?.stringValue, !path.isEmpty else { throw problem("stderr.file", "'stderr' object needs a 'file' path") }
            stderr = .file(path)
        default: throw problem("stderr", "'stderr' must be log, inherit, ignore or {\"file\": path}")
        }
        let cwd = try optionalString(object, "cwd")
        if let cwd { try rejectNUL(cwd, "cwd") }
        try rejectNUL(command, "command")
        return Stdio(
            command: command, args: args, env: env, cwd: cwd, stderr: stderr,
            maxMessageBytes: try optionalInt(object, "maxMessageBytes", min: 1024) ?? defaultMaxMessageBytes,
            shutdownGraceMs: try optionalInt(object, "shutdownGraceMs", min: 0) ?? defaultShutdownGraceMs)
    }

    private static func problem(_ path: String, _ message: String) -> MCPError {
        MCPError.config(message, details: ["path": .string(path)])
    }

    private static func rejectNUL(_ text: String, _ path: String) throws(MCPError) {
        if text.utf8.contains(0) { throw problem(path, "'\(path)' contains a NUL character") }
    }

    private static func requiredString(_ object: JSONObject, _ key: String) throws(MCPError) -> String {
        guard let value = object[key] else { throw problem(key, "missing '\(key)'") }
        guard let text = value.stringValue else { throw problem(key, "'\(key)' must be a string, not \(value.typeName)") }
        return text
    }

    private static func optionalString(_ object: JSONObject, _ key: String) throws(MCPError) -> String? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let text = value.stringValue else { throw problem(key, "'\(key)' must be a string, not \(value.typeName)") }
        return text
    }

    private static func optionalInt(_ object: JSONObject, _ key: String, min: Int) throws(MCPError) -> Int? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let number = value.int64Value, number >= Int64(min), number <= Int64(Int32.max) else {
            throw problem(key, "'\(key)' must be an integer between \(min) and \(Int32.max)")
        }
        return Int(number)
    }
}
