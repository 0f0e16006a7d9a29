import Glibc
import MCPClientCore
import MCPClientOAuth
import MCPClientTesting
import MCPClientTransport
import Testing

/// A `RequestAuthorizer` that hands out scripted `Authorization` values (the last one repeats) and answers every
/// challenge the same way, counting what it was asked.
final class ScriptedAuthorizer: RequestAuthorizer, @unchecked Sendable {
    enum Answer: Sendable {
        /// Switch to this value, then `.retry`.
        case retry(String?)
        case fail(MCPError)
    }

    private struct State {
        var values: [String?]
        var reads = 0
        var challenges: [AuthorizationChallenge] = []
    }
    private let state: Locked<State>
    private let answer: Answer
    /// Answer on another thread, after the call returned (as an engine refreshing a token would).
    private let asynchronously: Bool

    init(_ values: [String?], answer: Answer, asynchronously: Bool = false) {
        state = Locked(State(values: values.isEmpty ? [nil] : values))
        self.answer = answer
        self.asynchronously = asynchronously
    }

    func currentAuthorization() -> String? {
        state.withLock { state in
            state.reads += 1
            return state.values.count > 1 ? state.values.removeFirst() : state.values[0]
        }
    }

    func challenged(_ challenge: AuthorizationChallenge, completion: @escaping @Sendable (AuthorizationDecision) -> Void) {
        let answer = self.answer
        let decide: @Sendable () -> Void = { [self] in
            switch answer {
            case .retry(let value):
                state.withLock { $0.values = [value] }
                completion(.retry)
            case .fail(let error): completion(.fail(error))
            }
        }
        state.withLock { $0.challenges.append(challenge) }
        if asynchronously { TestThread.detach(decide) } else { decide() }
    }

    var reads: Int { state.withLock { $0.reads } }
    var challenges: [AuthorizationChallenge] { state.withLock { $0.challenges } }
}

/// Speaks raw JSON-RPC over one transport: each request's answer (or failure) is waited for by id.
final class WireClient: TransportDelegate, @unchecked Sendable {
    let transport: any MessageTransport
    private let waiters = Locked<[Int64: Waiter<Result<JSONValue, MCPError>>]>([:])
    private let closeError = Locked<MCPError??>(nil)

    init(_ transport: any MessageTransport) throws(MCPError) {
        self.transport = transport
        try transport.start(delegate: self)
    }

    static let envelope: JSONValue = [
        "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": [:],
    ]

    /// Sends a request and waits for its result; a JSON-RPC error, transport failure or timeout is the error.
    func call(_ id: Int64, _ method: String, _ params: JSONObject = [:], modern: Bool, seconds: UInt64 = 15, blocking: Bool = false)
        -> Result<JSONValue, MCPError>
    {
        let waiter = Waiter<Result<JSONValue, MCPError>>()
        waiters.withLock { $0[id] = waiter }
        var params = params
        if modern { params["_meta"] = Self.envelope }
        let message = JSONWriter.serialize(["jsonrpc": "2.0", "id": .int(id), "method": .string(method), "params": .object(params)])
        let deadline = SystemClock().nowNanoseconds() &+ seconds * 1_000_000_000
        let transport = self.transport
        let sent: Result<Void, MCPError> = if blocking {
            BlockingCall.run(BlockingCall(deadline: { deadline })) { Result { () throws(MCPError) in try transport.send(message) } }
        } else {
            Result { () throws(MCPError) in try transport.send(message) }
        }
        if case .failure(let error) = sent {
            // Closed before the request went out: the reason it closed is the answer.
            return .failure(closedWith.flatMap { $0 } ?? error)
        }
        return waiter.wait(timeoutNanoseconds: seconds * 1_000_000_000) ?? .failure(MCPError(.timeout, "no answer to \(method) in the test"))
    }

    func notify(_ method: String) throws(MCPError) {
        try transport.send(JSONWriter.serialize(["jsonrpc": "2.0", "method": .string(method)]))
    }

    /// The handshake: initialize, then notifications/initialized (which opens a session's GET stream).
    func initialize() -> Result<JSONValue, MCPError> {
        let result = call(1, "initialize", [
            "protocolVersion": "2025-11-25", "capabilities": [:], "clientInfo": ["name": "transport-auth-tests", "version": "1"],
        ], modern: false)
        if case .success = result {
            do { try notify("notifications/initialized") } catch { return .failure(error) }
        }
        return result
    }

    func close() {
        let done = Waiter<Bool>()
        transport.close { done.resolve(true) }
        _ = done.wait(timeoutNanoseconds: 10_000_000_000)
    }

    var closedWith: MCPError?? { closeError.withLock { $0 } }

    func transport(didReceive message: UnsafeRawBufferPointer) {
        guard let value = try? JSONParser.parse(Array(message)) else { return }
        transport(didReceiveParsed: value)
    }

    func transport(didReceiveParsed message: JSONValue) {
        guard message["method"] == nil, let id = message["id"]?.int64Value, let waiter = waiters.withLock({ $0[id] }) else { return }
        if let error = message["error"] {
            waiter.resolve(.failure(MCPError.peer(code: error["code"]?.int64Value ?? 0, message: error["message"]?.stringValue ?? "", data: nil)))
        } else {
            waiter.resolve(.success(message["result"] ?? .null))
        }
    }

    func transport(requestFailed id: Int64, error: MCPError) {
        waiters.withLock { $0[id] }?.resolve(.failure(error))
    }

    func transportDidClose(error: MCPError?) {
        closeError.withLock { $0 = .some(error) }
        for waiter in waiters.withLock({ Array($0.values) }) { waiter.resolve(.failure(error ?? MCPError(.closed, "closed"))) }
    }
}

/// `serve_http.py` with `--require-bearer` (a fixed token, no authorization server): for HTTP+SSE, WebSocket and
/// the 403 `insufficient_scope` answer.
final class BearerServeHTTP {
    static let token = "s3cret-fixture-token"
    static let limited = "limited-fixture-token"
    /// mcp 1.27 (HTTP+SSE, WebSocket): MCPCLIENT_TEST_LEGACY_PYTHON, else `.venv-legacy` next to the modern venv.
    static let legacyPython: String = {
        if let configured = getenv("MCPCLIENT_TEST_LEGACY_PYTHON") { return String(cString: configured) }
        return PythonJWT.python.replacingLiteral("/.venv-modern/", with: "/.venv-legacy/")
    }()
    static let script = PythonJWT.repositoryRoot + "/Tests/Fixtures/servers/serve_http.py"
    static func available(_ python: String) -> Bool { access(python, X_OK) == 0 && access(script, R_OK) == 0 }

    var url: String { process.announced }
    private let process: FixtureProcess

    init(python: String, era: String, mode: String) throws(MCPError) {
        process = try FixtureProcess([python, Self.script, "--era", era, "--mode", mode, "--require-bearer", Self.token, "--limited-bearer", Self.limited])
    }
}

@Suite(.serialized, .enabled(if: OAuthServerFixture.available, "needs the dev venv with mcp 2.x (MCPCLIENT_TEST_PYTHON)"))
struct TransportAuthorizationTests {
    /// The OAuth fixture serving the everything server at /mcp, and a real access token for it (DCR, PKCE, code).
    static func protectedServer() throws -> (server: OAuthServerFixture, box: EngineBox, token: String) {
        let server = try OAuthServerFixture(arguments: ["--mcp"])
        let box = try EngineBox()
        let flow = try NetworkFlowTests.authorize(box.client(), server, now: SystemWallClock().nowSeconds())
        return (server, box, "Bearer " + flow.tokens.accessToken)
    }

    static func streamable(_ url: String, _ box: EngineBox, authorizer: (any RequestAuthorizer)?, configure: (inout StreamableHTTPTransport.Options) -> Void = { _ in })
        throws(MCPError) -> WireClient
    {
        var options = StreamableHTTPTransport.Options(url: url)
        options.connectTimeoutMs = 10_000
        options.authorizer = authorizer
        configure(&options)
        return try WireClient(StreamableHTTPTransport(options: options, engine: box.engine))
    }

    static func toolNames(_ result: Result<JSONValue, MCPError>) -> Set<String> {
        guard case .success(let value) = result else { return [] }
        return Set(value["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? [])
    }

    /// An auth failure as the caller sees it, with the secret nowhere in its text.
    static func expectAuthorizationRequired(_ result: Result<JSONValue, MCPError>, status: Int = 401, secrets: [String]) {
        guard case .failure(let error) = result else { Issue.record("expected an authorization failure, got \(result)"); return }
        #expect(error.code == .auth)
        #expect(error.details["reason"]?.stringValue == "authorization_required")
        #expect(error.details["http_status"] == .int(Int64(status)))
        #expect(error.details["www_authenticate"]?.arrayValue?.first?.stringValue?.containsLiteral("resource_metadata=") == true)
        let printed = "\(error) \(JSONWriter.string(error.json))"
        for secret in secrets { #expect(!printed.containsLiteral(secret)) }
    }

    @Test func aValidTokenGoesWithEveryRequestInBothEras() throws {
        let (server, box, token) = try Self.protectedServer()
        // 2026-07-28: stateless POSTs.
        let modernAuthorizer = ScriptedAuthorizer([token], answer: .fail(MCPError(.auth, "unexpected challenge", source: .auth)))
        let modern = try Self.streamable(server.url("/mcp"), box, authorizer: modernAuthorizer)
        let discovered = modern.call(1, "server/discover", modern: true)
        #expect(discovered.map { $0["supportedVersions"]?.arrayValue?.contains("2026-07-28") } == .success(true))
        #expect(Self.toolNames(modern.call(2, "tools/list", modern: true)).contains("echo"))
        #expect(modernAuthorizer.challenges.isEmpty)
        #expect(modernAuthorizer.reads == 2)
        modern.close()

        // Handshake era: the initialize POST, the session's POSTs, its GET stream and the closing DELETE.
        let legacyAuthorizer = ScriptedAuthorizer([token], answer: .fail(MCPError(.auth, "unexpected challenge", source: .auth)))
        let legacy = try Self.streamable(server.url("/mcp"), box, authorizer: legacyAuthorizer)
        let initialized = legacy.initialize()
        #expect(initialized.map { $0["protocolVersion"]?.stringValue } == .success("2025-11-25"))
        #expect((legacy.transport as? StreamableHTTPTransport)?.sessionID != nil)
        #expect(Self.toolNames(legacy.call(2, "tools/list", modern: false)).contains("echo"))
        usleep(300_000)  // the GET stream opens on the I/O thread
        #expect(legacyAuthorizer.reads == 4)  // initialize, initialized, GET, tools/list
        #expect(legacyAuthorizer.challenges.isEmpty)  // a GET without the token would have been refused
        legacy.close()
        #expect(legacyAuthorizer.reads == 5)  // the DELETE
    }

    @Test(arguments: [false, true])
    func noTokenIsChallengedOnceAndTheRetryCarriesTheNewOne(asynchronously: Bool) throws {
        let (server, box, token) = try Self.protectedServer()
        let authorizer = ScriptedAuthorizer([nil], answer: .retry(token), asynchronously: asynchronously)
        let client = try Self.streamable(server.url("/mcp"), box, authorizer: authorizer)
        let discovered = client.call(1, "server/discover", modern: true)
        #expect(discovered.map { $0["supportedVersions"] != nil } == .success(true))
        let challenges = authorizer.challenges
        #expect(challenges.count == 1)
        #expect(challenges.first?.status == 401)
        #expect(challenges.first?.sentAuthorization == nil)
        #expect(challenges.first?.url == server.url("/mcp"))
        #expect(challenges.first?.wwwAuthenticate.count == 1)
        #expect(challenges.first?.wwwAuthenticate.first?.containsLiteral(
            "resource_metadata=\"\(server.url("/.well-known/oauth-protected-resource/mcp"))\"") == true)
        // The refreshed value is used from now on, without another refusal.
        #expect(Self.toolNames(client.call(2, "tools/list", modern: true)).contains("echo"))
        #expect(authorizer.challenges.count == 1)
        #expect(authorizer.reads == 3)
        client.close()
    }

    @Test func aBlockingCallIsAskedAndSentAgain() throws {
        let (server, box, token) = try Self.protectedServer()
        let authorizer = ScriptedAuthorizer(["Bearer at_expired"], answer: .retry(token))
        let client = try Self.streamable(server.url("/mcp"), box, authorizer: authorizer)
        #expect(Self.toolNames(client.call(7, "tools/list", modern: true, blocking: true)).contains("echo"))
        #expect(authorizer.challenges.map(\.sentAuthorization) == ["Bearer at_expired"])
        client.close()
    }

    @Test func aWrongTokenIsSentAgainExactlyOnceThenTheCallerGetsAnAuthError() throws {
        let (server, box, _) = try Self.protectedServer()
        let authorizer = ScriptedAuthorizer(["Bearer at_wrong_first"], answer: .retry("Bearer at_wrong_second"))
        // The era probe must not read a refusal as "try the legacy transport".
        let client = try Self.streamable(server.url("/mcp"), box, authorizer: authorizer) { $0.allowsSSEFallback = true }
        let result = client.call(1, "server/discover", modern: true)
        Self.expectAuthorizationRequired(result, secrets: ["at_wrong_first", "at_wrong_second"])
        if case .failure(let error) = result {
            #expect(error.details["www_authenticate"]?.arrayValue?.first?.stringValue?.containsLiteral("invalid_token") == true)
        }
        #expect(authorizer.challenges.count == 1)
        #expect(authorizer.challenges.first?.sentAuthorization == "Bearer at_wrong_first")
        #expect(authorizer.reads == 2)
        // The handshake era is refused the same way (no fallback to HTTP+SSE either).
        let legacy = try Self.streamable(server.url("/mcp"), box, authorizer: nil) { $0.allowsSSEFallback = true }
        Self.expectAuthorizationRequired(legacy.initialize(), secrets: [])
        client.close()
        legacy.close()
    }

    @Test func aFailDecisionReachesTheCallerUnchanged() throws {
        let (server, box, _) = try Self.protectedServer()
        let pending = MCPError(.auth, "sign in to continue", source: .auth,
            details: ["reason": "login_required", "authUrl": "http://127.0.0.1:9/authorize?x=1", "flowId": "flow-1"])
        let authorizer = ScriptedAuthorizer([nil], answer: .fail(pending), asynchronously: true)
        let client = try Self.streamable(server.url("/mcp"), box, authorizer: authorizer)
        #expect(client.initialize() == .failure(pending))
        #expect(authorizer.challenges.count == 1)
        client.close()
    }

    @Test func aConfiguredAuthorizationHeaderWinsOverTheAuthorizer() throws {
        let (server, box, token) = try Self.protectedServer()
        let authorizer = ScriptedAuthorizer([token], answer: .retry(token))
        let refused = try Self.streamable(server.url("/mcp"), box, authorizer: authorizer) {
            $0.headers = [("authorization", "Bearer at_static_wrong")]
        }
        Self.expectAuthorizationRequired(refused.call(1, "server/discover", modern: true), secrets: ["at_static_wrong"])
        #expect(authorizer.reads == 0 && authorizer.challenges.isEmpty)
        refused.close()
        let accepted = try Self.streamable(server.url("/mcp"), box, authorizer: nil) { $0.headers = [("Authorization", token)] }
        #expect(Self.toolNames(accepted.call(1, "tools/list", modern: true)).contains("echo"))
        accepted.close()
    }

    @Test func aRefusedEventStreamIsReopenedOnceThenLeftClosed() throws {
        let (server, box, token) = try Self.protectedServer()
        // initialize and initialized carry the token; the GET does not, and neither does its reopening.
        let stale = "Bearer at_stale"
        let authorizer = ScriptedAuthorizer([token, token, stale], answer: .retry(stale))
        let client = try Self.streamable(server.url("/mcp"), box, authorizer: authorizer)
        #expect(client.initialize().map { $0["protocolVersion"]?.stringValue } == .success("2025-11-25"))
        usleep(1_500_000)
        #expect(authorizer.challenges.count == 1)
        #expect(authorizer.challenges.first?.sentAuthorization == stale)
        #expect(authorizer.reads == 4)  // two POSTs, the GET, its one reopening: no loop
        client.close()
    }

    @Test func anInsufficientScope403AsksForAnotherToken() throws {
        let python = PythonJWT.python
        try #require(BearerServeHTTP.available(python))
        let server = try BearerServeHTTP(python: python, era: "modern", mode: "json")
        let box = try EngineBox()
        let authorizer = ScriptedAuthorizer(["Bearer " + BearerServeHTTP.limited], answer: .retry("Bearer " + BearerServeHTTP.token))
        let client = try Self.streamable(server.url, box, authorizer: authorizer)
        #expect(Self.toolNames(client.call(1, "tools/list", modern: true)).contains("echo"))
        #expect(authorizer.challenges.map(\.status) == [403])
        #expect(authorizer.challenges.first?.wwwAuthenticate.first?.containsLiteral("insufficient_scope") == true)
        client.close()
        // Without an authorizer the 403 is the caller's auth error.
        let plain = try Self.streamable(server.url, box, authorizer: nil) { $0.headers = [("Authorization", "Bearer " + BearerServeHTTP.limited)] }
        Self.expectAuthorizationRequired(plain.call(1, "tools/list", modern: true), status: 403, secrets: [BearerServeHTTP.limited])
        plain.close()
    }

    static func legacyTransport(_ make: (StreamableHTTPTransport.Options, HTTPEngine) -> any MessageTransport, url: String, box: EngineBox,
        authorizer: (any RequestAuthorizer)?) throws(MCPError) -> WireClient
    {
        var options = StreamableHTTPTransport.Options(url: url)
        options.connectTimeoutMs = 10_000
        options.authorizer = authorizer
        return try WireClient(make(options, box.engine))
    }

    @Test(.enabled(if: BearerServeHTTP.available(BearerServeHTTP.legacyPython), "needs .venv-legacy"))
    func theLegacySSETransportAsksForTheStreamAndForEachPost() throws {
        let server = try BearerServeHTTP(python: BearerServeHTTP.legacyPython, era: "legacy", mode: "sse")
        let box = try EngineBox()
        let good = "Bearer " + BearerServeHTTP.token
        let sse: (StreamableHTTPTransport.Options, HTTPEngine) -> any MessageTransport = { SSETransport(options: $0, engine: $1) }

        // The GET goes without a token: refused, asked once, reconnected; the POSTs then carry the new one.
        let streamAuthorizer = ScriptedAuthorizer([nil], answer: .retry(good), asynchronously: true)
        let client = try Self.legacyTransport(sse, url: server.url, box: box, authorizer: streamAuthorizer)
        #expect(client.initialize().map { $0["protocolVersion"]?.stringValue } == .success("2025-11-25"))
        #expect(Self.toolNames(client.call(2, "tools/list", modern: false)).contains("echo"))
        #expect(streamAuthorizer.challenges.map(\.url) == [server.url])
        client.close()

        // The stream is accepted, the initialize POST is not: that POST alone is sent again.
        let postAuthorizer = ScriptedAuthorizer([good, "Bearer at_old"], answer: .retry(good))
        let posting = try Self.legacyTransport(sse, url: server.url, box: box, authorizer: postAuthorizer)
        #expect(posting.initialize().map { $0["protocolVersion"]?.stringValue } == .success("2025-11-25"))
        #expect(postAuthorizer.challenges.map(\.sentAuthorization) == ["Bearer at_old"])
        #expect(postAuthorizer.challenges.first?.url.containsLiteral("/messages/") == true)
        posting.close()

        // No authorizer: the refused stream closes the transport with the auth error, and the waiting request fails.
        let refused = try Self.legacyTransport(sse, url: server.url, box: box, authorizer: nil)
        Self.expectAuthorizationRequired(refused.initialize(), secrets: [])
        #expect(refused.closedWith??.code == .auth)
        refused.close()
    }

    @Test(.enabled(if: BearerServeHTTP.available(BearerServeHTTP.legacyPython), "needs .venv-legacy"))
    func aWebSocketUpgradeRefusedFor401IsSentAgainOnce() throws {
        let server = try BearerServeHTTP(python: BearerServeHTTP.legacyPython, era: "legacy", mode: "websocket")
        let box = try EngineBox()
        let good = "Bearer " + BearerServeHTTP.token
        let ws: (StreamableHTTPTransport.Options, HTTPEngine) -> any MessageTransport = { WebSocketTransport(options: $0, engine: $1) }

        let authorizer = ScriptedAuthorizer([nil], answer: .retry(good), asynchronously: true)
        let client = try Self.legacyTransport(ws, url: server.url, box: box, authorizer: authorizer)
        #expect(client.initialize().map { $0["protocolVersion"]?.stringValue } == .success("2025-11-25"))
        #expect(Self.toolNames(client.call(2, "tools/list", modern: false)).contains("echo"))
        #expect(authorizer.challenges.count == 1)
        #expect(authorizer.challenges.first?.status == 401)
        client.close()

        // A wrong token twice: one retry, then the transport fails with the auth error.
        let wrong = ScriptedAuthorizer(["Bearer at_ws_wrong"], answer: .retry("Bearer at_ws_wrong_again"))
        let refused = try Self.legacyTransport(ws, url: server.url, box: box, authorizer: wrong)
        Self.expectAuthorizationRequired(refused.initialize(), secrets: ["at_ws_wrong"])
        #expect(wrong.challenges.count == 1)
        #expect(wrong.reads == 2)
        #expect(refused.closedWith??.code == .auth)
        refused.close()
    }
}
