// libFuzzer target for the config loader, every format: LibreChat librechat.yaml, Claude Desktop, Cursor, VS Code
// mcp.json, fastmcp, mcp-use, PandoraKit (plain and as a merge patch), Aeontel bodies (create and update) and this
// library's own export. scripts/fuzz config [seconds].
//
// Input: byte 0 picks the options: bits 0-3 the format (0 = detect from the text, 1-9 ConfigFormat.allCases in
// order), bit 4 strict, bit 5 a registry to patch (PandoraKit) or update (Aeontel, server "git"), bit 6 the user
// tier. The rest is the config text.
// Properties, besides "no crash, no hang, no sanitizer report":
//   - the result JSON reads back; every diagnostic has a code and a message, and a position inside the text;
//   - `error` is set exactly when there is an error diagnostic;
//   - without errors: every server is accepted by ServerConfig.parse, whose normalized form is the server object;
//     the export (JSON and YAML) loads back as the same servers and settings without errors, and exporting that
//     again gives the same text.
import MCPClientConfig
import MCPClientCore

private let registry: JSONObject = {
    let text = """
    mcpServers:
      git:
        command: uvx
        args: [mcp-server-git]
        env: {GIT_DIR: /tmp/repo}
      docs:
        type: streamable-http
        url: https://docs.example.com/mcp
        headers: {X-Team: core}
    """
    return ConfigLoader.load(text: text).servers
}()

private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let flags = data[0]
    let text = String(decoding: UnsafeBufferPointer(start: data + 1, count: size - 1), as: UTF8.self)
    var options = ConfigLoadOptions()
    let formatIndex = Int(flags & 0x0F)
    if formatIndex >= 1, formatIndex <= ConfigFormat.allCases.count { options.format = ConfigFormat.allCases[formatIndex - 1] }
    options.strict = flags & 0x10 != 0
    if flags & 0x20 != 0 {
        options.registry = registry
        if options.format == .aeontel { options.update = "git" }
    }
    if flags & 0x40 != 0 { options.tier = .user }
    options.file = "fuzz.conf"

    let result = ConfigLoader.load(text: text, options: options)
    let written = JSONWriter.serialize(result.json)
    check((try? JSONParser.parse(written)) == result.json, "the result JSON does not read back")
    let lineCount = text.utf8.count(where: { $0 == 0x0A }) + 1
    for diagnostic in result.diagnostics {
        check(!diagnostic.code.isEmpty && !diagnostic.message.isEmpty, "a diagnostic without a code or message: \(diagnostic)")
        if let line = diagnostic.line {
            check(line >= 1 && line <= lineCount && (diagnostic.column ?? 1) >= 1, "\(diagnostic) is outside the \(lineCount) lines")
        }
    }
    check(result.hasErrors == (result.error != nil), "hasErrors and error disagree")
    guard !result.hasErrors else { return 0 }

    for (name, server) in result.servers {
        // ServerConfig.parse reads servers after substitution (the manager prepares them first); a URL that starts
        // with a reference is not a URL until then, and parse refuses what is left of one on purpose.
        if let url = server["url"]?.stringValue, url.hasPrefix("${") || url.hasPrefix("{{") { continue }
        do {
            let config = try ServerConfig.parse(name: name, json: server)
            check(config.normalized == server.objectValue, "ServerConfig changes server '\(name)':\n\(server.jsonString)")
        } catch {
            fatalError("the loader accepted server '\(name)' but ServerConfig refuses it: \(error.message)\n\(server.jsonString)")
        }
    }
    guard case .object(let loaded) = result.json else { fatalError("the result is not an object") }
    for syntax in [ConfigExporter.Syntax.json, .yaml] {
        let exported: String
        do { exported = try ConfigExporter.export(registry: loaded, options: .init(syntax: syntax, includeSecrets: true)) } catch {
            fatalError("\(syntax) export failed: \(error.message)")
        }
        let reloaded = ConfigLoader.load(text: exported)
        check(!reloaded.hasErrors, "the \(syntax) export does not load: \(reloaded.diagnostics.map { "\($0.path): \($0.message)" })\n\(exported)")
        check(reloaded.servers == result.servers, "the \(syntax) export changes the servers:\n\(JSONValue.object(result.servers).jsonString)\n---\n\(exported)")
        check(reloaded.settings == result.settings, "the \(syntax) export changes the settings")
        guard case .object(let again) = reloaded.json else { fatalError("the reloaded result is not an object") }
        let second = try? ConfigExporter.export(registry: again, options: .init(syntax: syntax, includeSecrets: true))
        check(second == exported, "exporting the reloaded servers gives another text:\n\(exported)\n---\n\(second ?? "(failed)")")
    }
    return 0
}
