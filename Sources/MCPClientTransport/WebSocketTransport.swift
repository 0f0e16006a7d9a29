import CMCPSystem
import Glibc
public import MCPClientCore
import Synchronization

/// MCP over WebSocket (RFC 6455, subprotocol `mcp`): one JSON-RPC message per text frame. libcurl opens the
/// connection (TCP, TLS for wss:, proxy, the address check) and hands it over; the upgrade and the frames are ours.
public final class WebSocketTransport: MessageTransport, @unchecked Sendable {
    public static let maxFrameBytes = 16 << 20
    /// A quiet connection is pinged this often, so a peer that vanished without a FIN is noticed.
    public static let pingIntervalMs = 30_000
    /// How long `close` waits for the server's close frame before dropping the connection.
    public static let closingHandshakeMs = 1_000

    private let options: StreamableHTTPTransport.Options
    private let engine: HTTPEngine
    private let delegate = Locked<(any TransportDelegate)?>(nil)
    /// This connection's Sec-WebSocket-Key (a fresh one for an upgrade sent again after an authorization refusal).
    private nonisolated(unsafe) var key = WebSocketHandshake.makeKey()

    // I/O-thread state.
    private nonisolated(unsafe) var connection: RawConnection?
    private nonisolated(unsafe) var token: UInt64 = 0
    private nonisolated(unsafe) var watching: UInt32 = 0
    private nonisolated(unsafe) var outbox: [UInt8] = []
    /// Frames sent before the upgrade completed.
    private nonisolated(unsafe) var pending: [[UInt8]] = []
    private nonisolated(unsafe) var upgraded = false
    private nonisolated(unsafe) var responseHead: [UInt8] = []
    private nonisolated(unsafe) var decoder: WebSocketDecoder
    private nonisolated(unsafe) var finished = false
    /// Our close frame is out; the server's is awaited (bounded by `closingHandshakeMs`).
    private nonisolated(unsafe) var closing: (@Sendable () -> Void)?
    /// The upgrade deadline until upgraded, then the keep-alive tick.
    private nonisolated(unsafe) var timer: EventLoop.TimerID?
    private nonisolated(unsafe) var lastReceivedNs: UInt64 = 0
    /// The `Authorization` the upgrade carried, and whether it is already the attempt after a refusal.
    private nonisolated(unsafe) var sentAuthorization: String?
    private nonisolated(unsafe) var authRetried = false
    /// `finished`, readable from any thread (send).
    private let closedFlag = Atomic<Bool>(false)
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)

    public init(options: StreamableHTTPTransport.Options, engine: HTTPEngine) {
        self.options = options
        self.engine = engine
        decoder = WebSocketDecoder(maxFrameBytes: min(Self.maxFrameBytes, options.maxResponseBytes), maxMessageBytes: options.maxResponseBytes)
    }

    deinit { buffer.deallocate() }

    public func start(delegate: any TransportDelegate) throws(MCPError) {
        self.delegate.withLock { $0 = delegate }
        if let refusal = options.policy.check(url: options.url) { throw refusal }
        let upgrade = try upgradeRequest()
        engine.loop.execute { [weak self] in
            guard let self, !self.finished else { return }
            self.sentAuthorization = upgrade.authorization
            self.armUpgradeTimer()
        }
        open(upgrade.url, head: upgrade.head)
    }

    /// The upgrade request with the current key and `Authorization` (read now, so a retry carries the new one).
    private func upgradeRequest() throws(MCPError) -> (url: ParsedURL, head: [UInt8], authorization: String?) {
        let url = try ParsedURL(options.url)
        let authorization = options.authorization(for: options.url)
        let head = try WebSocketHandshake.request(url: url, key: key, extraHeaders: options.headers + (authorization.map { [("Authorization", $0)] } ?? []))
        return (url, head, authorization)
    }

    /// libcurl bounds the TCP/TLS connect; the upgrade answer gets the rest of the same budget.
    private func armUpgradeTimer() {
        restartTimer(after: options.connectTimeoutMs) { [weak self] in
            guard let self, !self.upgraded else { return }
            self.finish(MCPError(.timeout, "the WebSocket upgrade got no answer within \(self.options.connectTimeoutMs) ms",
                details: ["reason": "websocket_upgrade_timeout"]))
        }
    }

    private func open(_ url: ParsedURL, head: [UInt8]) {
        // libcurl opens http(s) connections; the scheme only decides TLS.
        let connectURL = (url.scheme == "wss" ? "https://" : "http://") + url.authority + url.pathAndQuery
        var request = options.apply(to: HTTPRequest(method: "GET", url: connectURL), url: connectURL)
        request.timeoutMs = options.connectTimeoutMs
        engine.openConnection(request) { [weak self] result in
            guard let self else {
                if case .success(let connection) = result { connection.close() }  // nobody left to use it
                return
            }
            switch result {
            case .failure(let error): self.finish(error)
            case .success(let connection): self.connected(connection, head: head)
            }
        }
    }

    /// The upgrade was refused for authorization (I/O thread): the connection is dropped, the authorizer asked once,
    /// and on `.retry` a new connection carries the new `Authorization`; otherwise the transport fails with the error.
    private func upgradeRefused(status: Int, wwwAuthenticate: [String]) {
        if let connection {
            engine.loop.unregister(fd: connection.descriptor, token: token)
            connection.close()
        }
        connection = nil
        watching = 0
        outbox = []
        responseHead = []
        // The authorizer may take a while (a refresh, discovery): its answer, not the upgrade timer, decides.
        if let timer { _ = engine.loop.cancelTimer(timer) }
        timer = nil
        RequestAuthorization.ask(options.activeAuthorizer, status: status, wwwAuthenticate: wwwAuthenticate, sent: sentAuthorization,
            url: options.url, alreadyRetried: authRetried) { [weak self] failure in
            // The authorizer may answer on any thread, even inside `challenged`: back to the I/O thread.
            self?.engine.loop.execute { [weak self] in
                guard let self, !self.finished else { return }
                if let failure { self.finish(failure); return }
                self.authRetried = true
                self.key = WebSocketHandshake.makeKey()
                do throws(MCPError) {
                    let upgrade = try self.upgradeRequest()
                    self.sentAuthorization = upgrade.authorization
                    self.armUpgradeTimer()
                    self.open(upgrade.url, head: upgrade.head)
                } catch {
                    self.finish(error)
                }
            }
        }
    }

    public func send(_ message: [UInt8]) throws(MCPError) {
        guard !closedFlag.load(ordering: .acquiring) else { throw MCPError(.closed, "the WebSocket connection is closed") }
        let frame = try WebSocketFrameEncoder.frame(.text, payload: message)
        engine.loop.execute { [weak self] in
            guard let self, !self.finished else { return }
            if self.upgraded { self.write(frame) } else { self.pending.append(frame) }
        }
    }

    /// The closing handshake: our close frame, then the server's (or `closingHandshakeMs`), then the TCP close.
    public func close(completion: @escaping @Sendable () -> Void) {
        engine.loop.execute { [weak self] in
            guard let self else { completion(); return }
            guard self.upgraded, !self.finished, self.closing == nil, let frame = try? WebSocketFrameEncoder.close(code: 1000) else {
                self.finish(nil)
                completion()
                return
            }
            self.closing = completion
            self.closedFlag.store(true, ordering: .releasing)  // no new messages after close
            self.write(frame)
            self.restartTimer(after: Self.closingHandshakeMs) { [weak self] in self?.finish(nil) }
        }
    }

    // MARK: I/O thread

    private func connected(_ connection: RawConnection, head: [UInt8]) {
        guard !finished else { connection.close(); return }
        self.connection = connection
        token = engine.loop.newToken()
        do {
            try engine.loop.register(fd: connection.descriptor, token: token, events: EPOLLIN.rawValue, handler: Readiness(self))
            watching = EPOLLIN.rawValue
        } catch {
            finish(error)
            return
        }
        write(head)
        readAvailable()
    }

    fileprivate func ready(_ events: UInt32) {
        if events & EPOLLOUT.rawValue != 0 { flush() }
        if events & (EPOLLIN.rawValue | EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 { readAvailable() }
    }

    private func write(_ bytes: [UInt8]) {
        outbox.append(contentsOf: bytes)
        flush()
    }

    private func flush() {
        guard let connection else { return }
        while !outbox.isEmpty {
            let outcome = outbox.withUnsafeBytes { connection.send($0) }
            switch outcome {
            case .done(let count): outbox.removeFirst(count)
            case .wouldBlock: watch(EPOLLIN.rawValue | EPOLLOUT.rawValue); return
            case .closed: finish(MCPError.transport("the WebSocket connection closed")); return
            case .failed(let error): finish(error); return
            }
        }
        watch(EPOLLIN.rawValue)
    }

    private func watch(_ events: UInt32) {
        guard events != watching, let connection else { return }
        engine.loop.modify(fd: connection.descriptor, token: token, events: events)
        watching = events
    }

    private func restartTimer(after milliseconds: Int, _ action: @escaping @Sendable () -> Void) {
        if let timer { _ = engine.loop.cancelTimer(timer) }
        timer = engine.loop.schedule(afterNanoseconds: UInt64(milliseconds) * 1_000_000, action)
    }

    /// A quiet connection is pinged (every `pingIntervalMs`, or half the read timeout if that is shorter); nothing
    /// at all, not even a pong, for the read timeout (`sseReadTimeout`) ends it: the peer is gone.
    private func keepAlive() {
        guard !finished, closing == nil else { return }
        let readTimeout = options.readTimeoutMs, interval = max(50, min(Self.pingIntervalMs, readTimeout / 2))
        let quietMs = Int((engine.loop.clock.nowNanoseconds() &- lastReceivedNs) / 1_000_000)
        if quietMs >= readTimeout {
            finish(MCPError(.timeout, "the WebSocket peer sent nothing for \(quietMs) ms, not even a pong",
                details: ["reason": "websocket_idle", "read_timeout_ms": .int(Int64(readTimeout))]))
            return
        }
        if quietMs >= interval, let ping = try? WebSocketFrameEncoder.frame(.ping, payload: []) { write(ping) }
        restartTimer(after: max(10, min(interval, readTimeout - quietMs))) { [weak self] in self?.keepAlive() }
    }

    private func readAvailable() {
        while let connection, !finished {
            switch connection.receive(into: buffer) {
            case .done(let count):
                lastReceivedNs = engine.loop.clock.nowNanoseconds()
                consume(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            case .wouldBlock: return
            case .closed: finish(MCPError.transport("the server closed the WebSocket connection")); return
            case .failed(let error): finish(error); return
            }
        }
    }

    private func consume(_ bytes: UnsafeRawBufferPointer) {
        if !upgraded {
            responseHead.append(contentsOf: bytes)
            guard let end = Self.headEnd(responseHead) else {
                if responseHead.count > 64 << 10 { finish(MCPError.transport("the WebSocket handshake response is too large")) }
                return
            }
            let (status, headers) = Self.parseHead(responseHead[..<end])
            let challenges = status == 401 || status == 403 ? RequestAuthorization.challenges(in: headers) : []
            if RequestAuthorization.isRefusal(status: status, wwwAuthenticate: challenges) {
                upgradeRefused(status: status, wwwAuthenticate: challenges)
                return
            }
            if let refusal = WebSocketHandshake.validateResponse(status: status, headers: headers, key: key) {
                finish(refusal)
                return
            }
            upgraded = true
            keepAlive()
            let rest = Array(responseHead[(end + 4)...])
            responseHead = []
            for frame in pending { write(frame) }
            pending = []
            rest.withUnsafeBytes { handleFrames($0) }
            return
        }
        handleFrames(bytes)
    }

    private func handleFrames(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        let chunk = decoder.read(bytes)
        defer {
            // A broken frame ends the connection, after the messages that came before it were delivered.
            if let error = chunk.failure, !finished {
                let code = error.details["closeCode"]?.int64Value.map { UInt16(clamping: $0) } ?? 1002
                if let frame = try? WebSocketFrameEncoder.close(code: code) { write(frame) }
                finish(error)
            }
        }
        for message in chunk.messages {
            switch message {
            case .text(let text): Array(text.utf8).withUnsafeBytes { delegate.withLock { $0 }?.transport(didReceive: $0) }
            case .binary: continue  // MCP sends text frames only
            case .ping(let payload): if let pong = try? WebSocketFrameEncoder.frame(.pong, payload: payload) { write(pong) }
            case .pong: continue
            case .close(let code, let reason):
                if closing != nil { finish(nil); return }  // the answer to our close: the handshake is complete
                if let frame = try? WebSocketFrameEncoder.close(code: code ?? 1000) { write(frame) }
                finish(MCPError.transport("the server closed the WebSocket (\(code.map(String.init) ?? "no code")) \(reason)",
                    details: ["close_code": code.map { .int(Int64($0)) } ?? .null]))
                return
            }
        }
    }

    private func finish(_ error: MCPError?) {
        guard !finished else { return }
        finished = true
        closedFlag.store(true, ordering: .releasing)
        if let timer { _ = engine.loop.cancelTimer(timer) }
        timer = nil
        if let connection {
            engine.loop.unregister(fd: connection.descriptor, token: token)
            connection.close()
        }
        connection = nil
        // A close we started ends as requested, whatever the peer did meanwhile.
        let requested = closing
        closing = nil
        delegate.take()?.transportDidClose(error: requested != nil ? nil : error)
        requested?()
    }

    static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4) where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index
        }
        return nil
    }

    static func parseHead(_ bytes: ArraySlice<UInt8>) -> (Int, [(name: String, value: String)]) {
        let lines = String(decoding: bytes, as: UTF8.self).components(separatedByLiteral: "\r\n")
        let status = lines.first.flatMap { line in line.split(separator: " ").dropFirst().first.flatMap { Int($0) } } ?? 0
        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() {
            if let field = ASCII.headerField(line) { headers.append(field) }
        }
        return (status, headers)
    }
}

private final class Readiness: IOHandler, @unchecked Sendable {
    weak var transport: WebSocketTransport?
    init(_ transport: WebSocketTransport) { self.transport = transport }
    func handleIO(events: UInt32) { transport?.ready(events) }
}
