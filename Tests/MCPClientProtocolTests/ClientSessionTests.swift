import MCPClientCore
import MCPClientProtocol
import MCPClientTesting
import Testing

/// A scripted server: answers by method name.
func scriptedTransport(_ answer: @escaping @Sendable (String, JSONValue) -> JSONValue?) -> InMemoryTransport {
    InMemoryTransport { message, transport in
        guard let method = message["method"]?.stringValue, let id = message["id"] else { return }
        guard let reply = answer(method, message) else { return }  // nil = silence
        var response: JSONObject = ["jsonrpc": "2.0", "id": id]
        if let error = reply["error"] { response["error"] = error } else { response["result"] = reply }
        transport.deliver(.object(response))
    }
}

let discoverResult: JSONValue = [
    "supportedVersions": ["2026-07-28"], "capabilities": ["tools": [:]], "resultType": "complete",
    "_meta": ["io.modelcontextprotocol/serverInfo": ["name": "s", "version": "1"]],
]

func connect(_ transport: InMemoryTransport, scheduler: ManualScheduler? = nil, knownEra: ProtocolEra? = nil,
             options: ClientOptions = ClientOptions()) -> (ClientSession, Result<ServerDescription, MCPError>?) {
    let session = ClientSession(rpc: RPCSession(transport: transport, scheduler: scheduler), options: options)
    let box = Box<Result<ServerDescription, MCPError>>()
    session.connect(knownEra: knownEra, timeoutNanoseconds: 30_000_000_000) { box.append($0) }
    if let scheduler, box.values.isEmpty { scheduler.advance(byNanoseconds: 10_000_000_000) }
    return (session, box.values.first)
}

@Suite struct EraDetectionTests {
    @Test func modernServerAnswersDiscoverAndNeverSeesInitialize() throws {
        let transport = scriptedTransport { method, _ in method == "server/discover" ? discoverResult : nil }
        let (_, result) = connect(transport)
        let description = try #require(try result?.get())
        #expect(description.era == .modern)
        #expect(description.protocolVersion == "2026-07-28")
        #expect(description.serverInfo?["name"] == "s")
        #expect(!transport.sent.contains { $0["method"] == "initialize" })
        let meta = transport.sent.first?["params"]?["_meta"]
        #expect(meta?["io.modelcontextprotocol/protocolVersion"] == "2026-07-28")
        #expect(meta?["io.modelcontextprotocol/clientCapabilities"] == [:])
    }

    @Test(arguments: [-32601, -32602, -32600])
    func legacyServerRejectingDiscoverGetsTheHandshake(code: Int) throws {
        let transport = scriptedTransport { method, message in
            switch method {
            case "server/discover": return ["error": ["code": .int(Int64(code)), "message": "unknown"]]
            case "initialize": return ["protocolVersion": message["params"]?["protocolVersion"] ?? nil, "capabilities": [:], "serverInfo": ["name": "old", "version": "1"]]
            default: return nil
            }
        }
        let (_, result) = connect(transport)
        let description = try #require(try result?.get())
        #expect(description.era == .legacy)
        #expect(description.protocolVersion == "2025-11-25")
        #expect(transport.sent.map { $0["method"] } == ["server/discover", "initialize", "notifications/initialized"])
    }

    @Test func silenceForTheProbeTimeoutMeansLegacy() throws {
        let scheduler = ManualScheduler()
        let transport = scriptedTransport { method, _ in
            method == "initialize" ? ["protocolVersion": "2025-06-18", "capabilities": [:], "serverInfo": ["name": "quiet", "version": "1"]] : nil
        }
        let (_, result) = connect(transport, scheduler: scheduler)
        #expect(try result?.get().era == .legacy)
        // No notifications/cancelled may precede initialize.
        #expect(transport.sent.map { $0["method"] } == ["server/discover", "initialize", "notifications/initialized"])
    }

    @Test func unsupportedVersionErrorProvesModernAndStopsFallback() {
        let transport = scriptedTransport { method, _ in
            method == "server/discover" ? ["error": ["code": -32022, "message": "unsupported", "data": ["supported": ["2027-01-01"], "requested": "2026-07-28"]]] : nil
        }
        let (_, result) = connect(transport)
        guard case .failure(let error) = result else { Issue.record("expected failure"); return }
        #expect(error.code == .unsupported)
        #expect(!transport.sent.contains { $0["method"] == "initialize" })
    }

    @Test func unsupportedVersionListingALegacyVersionGetsTheHandshake() throws {
        let transport = scriptedTransport { method, message in
            switch method {
            case "server/discover":
                return ["error": ["code": -32022, "message": "unsupported", "data": ["supported": ["2025-06-18", "2027-01-01"], "requested": "2026-07-28"]]]
            case "initialize": return ["protocolVersion": message["params"]?["protocolVersion"] ?? .null, "capabilities": [:]]
            default: return nil
            }
        }
        let (_, result) = connect(transport)
        let description = try #require(try result?.get())
        #expect(description.era == .legacy && description.protocolVersion == "2025-06-18")
        #expect(transport.sent.first { $0["method"] == "initialize" }?["params"]?["protocolVersion"] == "2025-06-18")
    }

    @Test func legacyServerChoosingAnUnknownVersionIsRejected() {
        let transport = scriptedTransport { method, _ in
            method == "initialize" ? ["protocolVersion": "1999-01-01", "capabilities": [:]] : ["error": ["code": -32601, "message": "x"]]
        }
        let (_, result) = connect(transport)
        guard case .failure(let error) = result else { Issue.record("expected failure"); return }
        #expect(error.code == .unsupported)
        #expect(!transport.sent.contains { $0["method"] == "notifications/initialized" })
    }

    @Test func cachedLegacyEraSkipsTheProbe() throws {
        let transport = scriptedTransport { method, _ in
            method == "initialize" ? ["protocolVersion": "2025-03-26", "capabilities": [:]] : nil
        }
        let (_, result) = connect(transport, knownEra: .legacy)
        #expect(try result?.get().era == .legacy)
        #expect(transport.sent.first?["method"] == "initialize")
    }
}

@Suite struct ClientRequestTests {
    @Test func modernRequestsCarryMetaAndProgressToken() throws {
        let transport = scriptedTransport { method, _ in
            method == "server/discover" ? discoverResult : ["content": [["type": "text", "text": "hi"]]]
        }
        let (session, _) = connect(transport)
        let box = Box<Result<JSONValue, MCPError>>()
        session.callTool(name: "echo", arguments: ["text": "hi"], timeoutNanoseconds: nil, progress: { _ in }) { box.append($0) }
        let sent = try #require(transport.sent.last)
        #expect(sent["params"]?["name"] == "echo")
        #expect(sent["params"]?["_meta"]?["progressToken"] == sent["id"])
        #expect(sent["params"]?["_meta"]?["io.modelcontextprotocol/clientInfo"]?["name"] == "mcpclient")
        #expect(try box.values.first?.get()["content"]?.arrayValue?.count == 1)
    }

    @Test func listFollowsCursorsIncludingTheEmptyOne() throws {
        let transport = scriptedTransport { method, message in
            switch (method, message["params"]?["cursor"]?.stringValue) {
            case ("initialize", _): return ["protocolVersion": "2025-11-25", "capabilities": [:]]
            case ("tools/list", nil): return ["tools": [["name": "a"]], "nextCursor": ""]
            case ("tools/list", ""): return ["tools": [["name": "b"]], "nextCursor": "p3"]
            case ("tools/list", "p3"): return ["tools": [["name": "c"]]]
            default: return ["error": ["code": -32601, "message": "no"]]
            }
        }
        let (session, _) = connect(transport)
        let box = Box<Result<[JSONValue], MCPError>>()
        session.listTools(timeoutNanoseconds: nil) { box.append($0) }
        #expect(try box.values.first?.get().map { $0["name"] } == ["a", "b", "c"])
    }

    @Test func listStopsAtItsItemAndTimeBudget() {
        let clock = ManualScheduler()
        let page = Box<Int>()
        let transport = scriptedTransport { method, _ in
            switch method {
            case "initialize": return ["protocolVersion": "2025-11-25", "capabilities": [:]]
            case "tools/list":
                page.append(1)
                clock.advance(byNanoseconds: 400_000_000)  // each page takes 0.4 s
                let tools = JSONValue.array(Array(repeating: ["name": "t"], count: 40_000))
                return ["tools": tools, "nextCursor": .string("p\(page.values.count)")]
            default: return ["error": ["code": -32601, "message": "no"]]
            }
        }
        let session = ClientSession(rpc: RPCSession(transport: transport, scheduler: nil), options: ClientOptions(), clock: clock)
        session.connect(knownEra: nil, timeoutNanoseconds: 30_000_000_000) { _ in }
        let byItems = Box<Result<[JSONValue], MCPError>>()
        session.list(.tools, timeoutNanoseconds: nil) { byItems.append($0) }
        guard case .failure(let tooMany) = byItems.values.first else { Issue.record("expected the item cap"); return }
        #expect(tooMany.code == .protocolError && tooMany.details["items"] == 120_000)

        let byTime = Box<Result<[JSONValue], MCPError>>()
        session.list(.tools, timeoutNanoseconds: nil, maxTotalNanoseconds: 700_000_000) { byTime.append($0) }
        guard case .failure(let late) = byTime.values.first else { Issue.record("expected the time budget"); return }
        #expect(late.code == .timeout && late.details["items"] == 80_000)
    }

    @Test func repeatingCursorIsAnError() {
        let transport = scriptedTransport { method, _ in
            method == "initialize" ? ["protocolVersion": "2025-11-25", "capabilities": [:]]
                : method == "tools/list" ? ["tools": [], "nextCursor": "same"] : ["error": ["code": -32601, "message": "no"]]
        }
        let (session, _) = connect(transport)
        let box = Box<Result<[JSONValue], MCPError>>()
        session.listTools(timeoutNanoseconds: nil) { box.append($0) }
        guard case .failure(let error) = box.values.first else { Issue.record("expected failure"); return }
        #expect(error.code == .protocolError)
    }

    @Test(arguments: [("bogus", MCPError.Code.protocolError)])
    func resultTypeIsChecked(type: String, expected: MCPError.Code) {
        let transport = scriptedTransport { method, _ in
            method == "server/discover" ? discoverResult : ["resultType": .string(type), "inputRequests": [:]]
        }
        let (session, _) = connect(transport)
        let box = Box<Result<JSONValue, MCPError>>()
        session.callTool(name: "t", arguments: [:], timeoutNanoseconds: nil, progress: nil) { box.append($0) }
        guard case .failure(let error) = box.values.first else { Issue.record("expected failure"); return }
        #expect(error.code == expected)
    }
}

@Suite struct ConnectBudgetTests {
    @Test func aSilentServerGetsOneBudgetForProbeAndHandshake() {
        let scheduler = ManualScheduler()
        let transport = scriptedTransport { _, _ in nil }  // answers nothing at all
        let session = ClientSession(rpc: RPCSession(transport: transport, scheduler: scheduler), options: ClientOptions(), clock: scheduler)
        let box = Box<Result<ServerDescription, MCPError>>()
        session.connect(knownEra: nil, timeoutNanoseconds: 15_000_000_000) { box.append($0) }
        scheduler.advance(byNanoseconds: 10_000_000_000)  // probe gives up: initialize gets the remaining 5 s
        #expect(transport.sent.last?["method"] == "initialize")
        scheduler.advance(byNanoseconds: 4_900_000_000)
        #expect(box.values.isEmpty)
        scheduler.advance(byNanoseconds: 100_000_000)
        guard case .failure(let error) = box.values.first else { Issue.record("expected a timeout"); return }
        #expect(error.code == .timeout)
    }
}

@Suite struct IconTests {
    @Test func onlyHTTPSAndDataIconsReachTheHost() throws {
        let icons: JSONValue = [
            ["src": "https://example.com/a.png"], ["src": "data:image/png;base64,AAAA"], ["src": "javascript:alert(1)"],
            ["src": "file:///etc/passwd"], ["src": "http://example.com/b.png"], ["src": "HTTPS://EXAMPLE.COM/C.PNG"], ["mimeType": "image/png"],
        ]
        let transport = scriptedTransport { method, _ in
            method == "server/discover" ? discoverResult : ["tools": [["name": "t", "icons": icons, "title": "T"]]]
        }
        let (session, _) = connect(transport)
        let box = Box<Result<[JSONValue], MCPError>>()
        session.listTools(timeoutNanoseconds: nil) { box.append($0) }
        let tool = try #require(try box.values.first?.get().first)
        #expect(tool["icons"]?.arrayValue?.compactMap { $0["src"]?.stringValue } == [
            "https://example.com/a.png", "data:image/png;base64,AAAA", "HTTPS://EXAMPLE.COM/C.PNG",
        ])
        #expect(tool["title"] == "T")
    }
}
