import CCurl
import CMCPSystem
import Glibc
import Synchronization
public import MCPClientCore

/// One HTTP exchange to start.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]?
    public var connectTimeoutMs = 30_000
    /// The whole exchange; nil for streams that may last (their liveness is `idleTimeoutMs`).
    public var timeoutMs: Int?
    /// No byte for this long fails the exchange (LibreChat's `sseReadTimeout` for streams).
    public var idleTimeoutMs: Int?
    public var maxResponseBytes = 64 << 20
    public var tls = TLSOptions()
    /// Per-server proxy; without it libcurl honours HTTP(S)_PROXY and NO_PROXY.
    public var proxy: String?
    /// `host:port:address` DNS pins (CURLOPT_RESOLVE).
    public var resolve: [String] = []
    /// Only connect (TCP, TLS, proxy), then hand the connection over (WebSocket speaks its own protocol on it).
    var connectOnly = false
    /// A stream that holds its connection for long (an event stream): the engine's bound on idle connections
    /// counts it on top (else every stream would take the place of an idle connection kept for reuse).
    public var longLived = false
    /// Checked on every address libcurl is about to connect to (after DNS, so rebinding cannot slip past) and again
    /// before the request goes out on a connection, new or reused from the pool (a trusted server's connection to
    /// the same host and port may lead somewhere an untrusted one must not go). An error refuses the request.
    public var checkAddress: (@Sendable (IPAddress, Int) -> MCPError?)?
    /// Never through a proxy from the environment: a proxy resolves names itself, out of the address check's sight.
    public var direct = false
    /// The response headers the handler reads (lowercase names); nil hands it every one. The others are passed over
    /// before any text is made of them.
    public var responseHeaderNames: [StaticString]?

    public init(method: String, url: String, headers: [(name: String, value: String)] = [], body: [UInt8]? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

public struct TLSOptions: Sendable, Equatable {
    /// A CA bundle to trust instead of the system store.
    public var caFile: String?
    public var clientCertificate: String?
    public var clientKey: String?
    public init(caFile: String? = nil, clientCertificate: String? = nil, clientKey: String? = nil) {
        self.caFile = caFile
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
    }
}

/// What a response delivers, always on the I/O thread: the head once, body bytes as they arrive, then the end.
public struct HTTPResponseHandler: Sendable {
    public var head: @Sendable (_ status: Int, _ headers: [(name: String, value: String)]) -> Void
    public var body: @Sendable (UnsafeRawBufferPointer) -> Void
    public var end: @Sendable (MCPError?) -> Void
    public init(
        head: @escaping @Sendable (Int, [(name: String, value: String)]) -> Void, body: @escaping @Sendable (UnsafeRawBufferPointer) -> Void,
        end: @escaping @Sendable (MCPError?) -> Void
    ) {
        self.head = head
        self.body = body
        self.end = end
    }
}

/// A started exchange; `cancel` ends it (closing its connection or stream) from any thread.
public final class HTTPExchange: @unchecked Sendable {
    fileprivate weak var engine: HTTPEngine?
    fileprivate let id: UInt64
    /// Set by `cancel`; an exchange running on its caller's thread checks it while it waits.
    let abortRequested = Atomic<Bool>(false)
    /// A caller-thread exchange that ended because its deadline passed.
    fileprivate let timedOutFlag = Atomic<Bool>(false)
    public var timedOut: Bool { timedOutFlag.load(ordering: .relaxed) }
    /// Wakes a caller-thread exchange's wait at once (set only while it runs).
    fileprivate struct Wakeup: @unchecked Sendable {
        let api: UnsafePointer<ccurl_api>
        let multi: UnsafeMutableRawPointer
        func wake() { _ = api.pointee.multi_wakeup?(multi) }  // curl_multi_wakeup may be called from any thread
    }
    fileprivate struct Waiting: @unchecked Sendable {
        var wakeup: Wakeup?
        /// Why it was cancelled (`session_expired`, closed, …), reported by a caller-thread wait.
        var cancelError: MCPError?
    }
    /// A `Mutex` (stored inline) rather than `Locked`: one exchange per call, and the lock is all but never contended
    /// (a cancel racing the exchange's own start or end), so its spinning slow path does not matter.
    fileprivate let waiting = Mutex(Waiting())

    fileprivate init(engine: HTTPEngine, id: UInt64) {
        self.engine = engine
        self.id = id
    }

    public func cancel(_ error: MCPError = MCPError(.cancelled, "the request was cancelled")) {
        waiting.withLock { waiting in
            if waiting.cancelError == nil { waiting.cancelError = error }  // under the same lock, before the flag: `wait` reads it after
            abortRequested.store(true, ordering: .relaxed)
            waiting.wakeup?.wake()
        }
        guard let engine, id != 0 else { return }
        engine.loop.execute { [weak engine, id] in engine?.finish(id, error: error) }
    }
}

/// libcurl's multi interface driven by the library's own epoll loop: no thread per request or connection, one
/// connection cache (keep-alive, HTTP/2 multiplexing) for every server of a manager. All curl calls happen on the
/// loop thread; public entry points hop there.
public final class HTTPEngine: @unchecked Sendable {
    let loop: EventLoop
    /// Whether a proxy variable was set when the engine started. Without one a request that names no proxy goes
    /// direct, said on the handle, and libcurl skips the environment lookups it would make on every transfer.
    private let environmentProxies = ([
        "http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY",
    ] as [String]).contains { getenv($0) != nil }
    private let api: UnsafePointer<ccurl_api>
    private let multi: UnsafeMutableRawPointer

    // Loop-thread state.
    private nonisolated(unsafe) var transfers: [UInt64: Transfer] = [:]
    private nonisolated(unsafe) var byHandle: [UInt: UInt64] = [:]
    private nonisolated(unsafe) var sockets: [Int32: (token: UInt64, events: UInt32)] = [:]
    private nonisolated(unsafe) var timer: EventLoop.TimerID?
    /// Connections held for long by handles in `multi`: long-lived streams and connections handed over (WebSocket).
    private nonisolated(unsafe) var heldConnections = 0
    /// Set once by `close`; read from any thread (callers' exchanges, late loop callbacks).
    private let closedFlag = Atomic<Bool>(false)
    private var closed: Bool { closedFlag.load(ordering: .acquiring) }

    private let nextID = Locked<UInt64>(1)

    public init(loop: EventLoop) throws(MCPError) {
        self.loop = loop
        api = try Curl.api()
        guard let multi = api.pointee.multi_init?() else { throw MCPError(.generic, "curl_multi_init failed") }
        self.multi = multi
        let me = Unmanaged.passUnretained(self).toOpaque()
        _ = ccurlm_setopt_socket_function(api, multi, httpEngineSocketCallback)
        _ = ccurlm_setopt_pointer(api, multi, CURLMOPT_SOCKETDATA, me)
        _ = ccurlm_setopt_timer_function(api, multi, httpEngineTimerCallback)
        _ = ccurlm_setopt_pointer(api, multi, CURLMOPT_TIMERDATA, me)
        _ = ccurlm_setopt_long(api, multi, CURLMOPT_PIPELINING, Int(CURLPIPE_MULTIPLEX))
        _ = ccurlm_setopt_long(api, multi, CURLMOPT_MAXCONNECTS, Self.loopIdleConnections)
    }

    /// Idle keep-alive connections the I/O loop keeps (for submitted calls, notifications, stream POSTs) once its
    /// exchanges have ended. HTTP/1.1 needs a connection per concurrent request to an origin: a burst of submitted
    /// calls opens as many as it needs, and once it is over 8 stay for the next one. libcurl's default bound (4 per
    /// easy handle in the multi handle) grew with the largest burst and kept dozens, many already closed by the
    /// servers' keep-alive timeouts (their descriptors held until libcurl next looked).
    public static let loopIdleConnections = 8
    /// A caller-thread handle runs one exchange at a time, so it never uses two connections at once; the pool gives a
    /// request the handle that last talked to its origin (a host thread going from server to server finds each one's
    /// connection in its own handle), so one kept connection is the one it reuses. The caller threads' idle
    /// connections are then at most `idleHandleLimit` (libcurl's default kept 4 per handle, 32 in all).
    public static let callerHandleConnections = 1

    /// libcurl closes the oldest idle connection whenever a connection comes back with more than CURLMOPT_MAXCONNECTS
    /// in the cache, counting those in use (never closed for it). With the held connections on top of the idle
    /// allowance, at most `loopIdleConnections` connections are idle once exchanges end, however many ran at once.
    private func heldConnectionsChanged(by change: Int) {
        heldConnections = max(0, heldConnections + change)
        _ = ccurlm_setopt_long(api, multi, CURLMOPT_MAXCONNECTS, heldConnections + Self.loopIdleConnections)
    }

    /// Ends every exchange and releases libcurl. Blocks until the loop thread has done it.
    public func close() {
        let shutdown: @Sendable () -> Void = { [self] in
            closedFlag.store(true, ordering: .releasing)
            for id in Array(transfers.keys) { finish(id, error: MCPError(.closed, "the HTTP engine was closed")) }
            if let timer { _ = loop.cancelTimer(timer) }
            _ = api.pointee.multi_cleanup?(multi)
            for handle in idleHandles.withLock({ handles in defer { handles = [] }; return handles }) { cleanup(handle) }
        }
        // On the loop thread (a callback closing its manager) waiting for the loop would only time out.
        if loop.isOnLoopThread { shutdown(); return }
        let done = Waiter<Bool>()
        loop.execute {
            shutdown()
            done.resolve(true)
        }
        _ = done.wait(timeoutNanoseconds: 10_000_000_000)
    }

    /// Starts an exchange; the handler hears of it on the I/O thread.
    public func start(_ request: HTTPRequest, handler: HTTPResponseHandler) -> HTTPExchange {
        let id = nextID.withLock { value in
            defer { value += 1 }
            return value
        }
        let exchange = HTTPExchange(engine: self, id: id)
        loop.execute { [self] in begin(id, request, handler) }
        return exchange
    }

    /// An exchange handle for `perform`: its `cancel` aborts the exchange running on the caller's thread.
    public func callerThreadExchange() -> HTTPExchange { HTTPExchange(engine: self, id: 0) }

    /// Handles kept for exchanges run on callers' threads, each in its own multi handle (which keeps its keep-alive
    /// connection and lets another thread wake the wait). A class: the pool and the call move one reference, not
    /// copies of what it holds. Used by one thread at a time (taken from the pool under its lock).
    private final class CallerHandle: @unchecked Sendable {
        let easy: UnsafeMutableRawPointer
        let multi: UnsafeMutableRawPointer
        /// What its last transfer set; the same shape again needs no `curl_easy_reset`.
        var shape: TransferShape?
        /// The header list its last transfer used (still set on the handle), and the headers it was built from.
        var reused = Transfer.ReusedOptions(headers: [], headerList: nil)
        /// Its last exchange's URL: the origin of the one connection it keeps.
        var lastURL: String?
        /// The parsed URL set on it (`CURLOPT_CURLU`); see `keep(parsedURL:)`.
        private(set) var parsedURL: OpaquePointer?

        init(easy: UnsafeMutableRawPointer, multi: UnsafeMutableRawPointer) {
            self.easy = easy
            self.multi = multi
        }

        /// The parsed URL now set on the handle (nil: none is), freeing the one it replaces.
        func keep(parsedURL parsed: OpaquePointer?, _ api: UnsafePointer<ccurl_api>) {
            if let old = parsedURL, old != parsed { api.pointee.url_cleanup?(old) }
            parsedURL = parsed
        }
    }
    /// Least recently used first.
    private let idleHandles = Locked<[CallerHandle]>([])
    static let idleHandleLimit = 8

    private func makeCallerHandle() -> CallerHandle? {
        guard let easy = api.pointee.easy_init?() else { return nil }
        guard let multi = api.pointee.multi_init?() else { api.pointee.easy_cleanup?(easy); return nil }
        _ = ccurlm_setopt_long(api, multi, CURLMOPT_MAXCONNECTS, Self.callerHandleConnections)
        return CallerHandle(easy: easy, multi: multi)
    }

    private func cleanup(_ handle: CallerHandle) {
        _ = api.pointee.multi_cleanup?(handle.multi)
        api.pointee.easy_cleanup?(handle.easy)
        api.pointee.slist_free_all?(handle.reused.headerList)
        handle.keep(parsedURL: nil, api)
    }

    /// Runs an exchange on the calling thread (a host thread in a blocking call), returning when it has ended. The
    /// handler hears of it on this thread. The wait ends at `deadline()` (monotonic ns, read again after every
    /// wake-up: progress may move it), and at once when the exchange is cancelled from another thread.
    public func perform(_ request: consuming HTTPRequest, handler: HTTPResponseHandler, exchange: HTTPExchange, deadline: () -> UInt64) {
        guard !closed else { handler.end(MCPError(.closed, "the HTTP engine was closed")); return }
        let url = request.url
        guard let handle = takeIdleHandle(for: url) ?? makeCallerHandle() else {
            handler.end(MCPError(.generic, "curl_easy_init failed"))
            return
        }
        let (easy, multi) = (handle.easy, handle.multi)
        // A transfer of the same shape sets the same options, so only a different shape needs the reset (which makes
        // libcurl rebuild its per-handle state: a dozen allocations per call); the options every transfer of that
        // shape sets alike, and the header list when the headers are the same, are left as they are.
        let sameShape = handle.shape?.matches(request) == true
        if !sameShape {
            api.pointee.easy_reset?(easy)
            api.pointee.slist_free_all?(handle.reused.headerList)
            handle.reused = Transfer.ReusedOptions(headers: [], headerList: nil)
            handle.keep(parsedURL: nil, api)  // the reset unset it
        }
        let transfer = Transfer(id: 0, easy: easy, request: request, handler: handler, engine: self)  // the request moves in
        transfer.onCallerThread = true
        var outcome: MCPError?
        let failure = transfer.configure(api, reusing: sameShape ? handle.reused : nil, environmentProxies: environmentProxies)
        if let parsed = transfer.takeParsedURL() { handle.keep(parsedURL: parsed, api) }  // a new URL replaces the old
        if let built = transfer.takeHeaderList() {  // new headers: the old list is no longer set on the handle
            api.pointee.slist_free_all?(handle.reused.headerList)
            handle.reused = Transfer.ReusedOptions(headers: transfer.request.headers, headerList: built)
            handle.reused.largeBody = Transfer.isLarge(transfer.request.body)
        }
        if let failure {
            outcome = failure
            handle.shape = nil
        } else {
            if !sameShape { handle.shape = TransferShape(transfer.request) }
            handle.reused.record(transfer.request)
            outcome = wait(for: transfer, in: multi, exchange: exchange, deadline: deadline)
        }
        transfer.releaseCallerThread(api)
        handle.lastURL = url
        // Over the limit the least recently used handle goes (with its connection), not this one's fresher connection.
        let dropped = idleHandles.withLock { handles -> CallerHandle? in
            guard !closed else { return handle }  // after close nothing is kept
            handles.append(handle)
            return handles.count > Self.idleHandleLimit ? handles.removeFirst() : nil
        }
        if let dropped { cleanup(dropped) }
        handler.end(transfer.failure ?? outcome)
    }

    /// The pooled handle whose kept connection goes to `url`'s origin. Else a new one while the pool has room for
    /// another origin's connection, or the least recently used handle, whose connection would be the one to go.
    private func takeIdleHandle(for url: String) -> CallerHandle? {
        idleHandles.withLock { handles in
            // Nearly always the same URL as last time: string equality (a memcmp) settles it before the origin scan.
            if let index = handles.lastIndex(where: { $0.lastURL.map { $0 == url || Self.sameOrigin($0, url) } ?? false }) {
                return handles.remove(at: index)
            }
            return handles.count < Self.idleHandleLimit ? nil : handles.removeFirst()
        }
    }

    /// Whether two URLs have the same scheme and authority (the bytes before the path, query or fragment).
    static func sameOrigin(_ a: String, _ b: String) -> Bool {
        func originEnd(_ bytes: String.UTF8View) -> String.UTF8View.Index {
            var index = bytes.startIndex, slashes = 0
            while index != bytes.endIndex {
                let byte = bytes[index]
                if byte == UInt8(ascii: "/") { slashes += 1; if slashes == 3 { return index } }
                if byte == UInt8(ascii: "?") || byte == UInt8(ascii: "#") { return index }
                bytes.formIndex(after: &index)
            }
            return index
        }
        let (x, y) = (a.utf8, b.utf8)
        return x[..<originEnd(x)].elementsEqual(y[..<originEnd(y)])
    }

    private func wait(for transfer: Transfer, in multi: UnsafeMutableRawPointer, exchange: HTTPExchange, deadline: () -> UInt64) -> MCPError? {
        let api = self.api
        let clock = SystemClock()
        exchange.waiting.withLock { $0.wakeup = HTTPExchange.Wakeup(api: api, multi: multi) }
        // After this no other thread touches the multi handle: it may go back to the pool or be freed.
        defer { exchange.waiting.withLock { $0.wakeup = nil } }
        guard api.pointee.multi_add_handle?(multi, transfer.easy) == CURLM_OK else { return MCPError(.generic, "curl_multi_add_handle failed") }
        defer { _ = api.pointee.multi_remove_handle?(multi, transfer.easy) }
        var running: Int32 = 1
        while true {
            guard api.pointee.multi_perform?(multi, &running) == CURLM_OK else { return MCPError(.generic, "curl_multi_perform failed") }
            if running == 0 { break }
            if exchange.abortRequested.load(ordering: .relaxed) {
                return exchange.waiting.withLock { $0.cancelError } ?? MCPError(.cancelled, "the request was cancelled")
            }
            let now = clock.nowNanoseconds(), end = deadline()
            guard now < end else {
                exchange.timedOutFlag.store(true, ordering: .relaxed)
                return MCPError(.timeout, "the request's time ran out")
            }
            let waitMs = Int32(min(1_000, (end - now + 999_999) / 1_000_000))
            _ = api.pointee.multi_poll?(multi, nil, 0, waitMs, nil)
        }
        var queued: Int32 = 0
        while let message = api.pointee.multi_info_read?(multi, &queued) {
            var easy: UnsafeMutableRawPointer?
            var code = CURLE_OK
            if ccurl_msg_done(message, &easy, &code) != 0, easy == transfer.easy, code != CURLE_OK { return curlError(code, transfer) }
        }
        return nil
    }

    /// Connects to `request.url` (http or https, with its TLS, proxy and address check) and hands over the raw
    /// connection; the completion runs on the I/O thread.
    public func openConnection(_ request: HTTPRequest, completion: @escaping @Sendable (Result<RawConnection, MCPError>) -> Void) {
        var connecting = request
        connecting.connectOnly = true
        let request = connecting
        let handed = Locked<RawConnection?>(nil)
        let handler = HTTPResponseHandler(head: { _, _ in }, body: { _ in }, end: { error in
            if let connection = handed.withLock({ $0 }), error == nil { completion(.success(connection)) } else {
                completion(.failure(error ?? MCPError.transport("the connection could not be opened")))
            }
        })
        let id = nextID.withLock { value in
            defer { value += 1 }
            return value
        }
        loop.execute { [self] in
            begin(id, request, handler)
            transfers[id]?.handover = { [self] easy in handed.withLock { $0 = RawConnection(api: api, easy: easy, engine: self) } }
        }
    }

    // MARK: loop thread

    private func begin(_ id: UInt64, _ request: HTTPRequest, _ handler: HTTPResponseHandler) {
        guard !closed else { handler.end(MCPError(.closed, "the HTTP engine was closed")); return }
        guard let easy = api.pointee.easy_init?() else { handler.end(MCPError(.generic, "curl_easy_init failed")); return }
        let transfer = Transfer(id: id, easy: easy, request: request, handler: handler, engine: self)
        transfers[id] = transfer
        byHandle[UInt(bitPattern: easy)] = id
        if let error = transfer.configure(api, environmentProxies: environmentProxies) {
            finish(id, error: error)
            return
        }
        let code = api.pointee.multi_add_handle?(multi, easy) ?? CURLM_INTERNAL_ERROR
        if code != CURLM_OK {
            finish(id, error: MCPError.transport("cannot start the HTTP request: \(multiError(code))"))
            return
        }
        if request.longLived || request.connectOnly {
            transfer.holdsConnection = true
            heldConnectionsChanged(by: 1)
        }
        transfer.armIdleTimer(loop)
    }

    /// Ends an exchange once: removes it from curl and tells its handler.
    func finish(_ id: UInt64, error: MCPError?) {
        guard let transfer = transfers.removeValue(forKey: id) else { return }
        byHandle[UInt(bitPattern: transfer.easy)] = nil
        if error == nil, transfer.failure == nil, let handover = transfer.handover {
            // A connect-only handle stays in the multi handle: removing it would close the connection it holds.
            transfer.release(api, loop: loop, keepHandle: true)
            handover(transfer.easy)
        } else {
            _ = api.pointee.multi_remove_handle?(multi, transfer.easy)
            if transfer.holdsConnection { heldConnectionsChanged(by: -1) }
            transfer.release(api, loop: loop)
        }
        transfer.handler.end(transfer.failure ?? error)
    }

    fileprivate func socketAction(_ fd: Int32, _ flags: Int32) {
        guard !closed else { return }  // a late readiness event or timer after multi_cleanup
        var running: Int32 = 0
        _ = api.pointee.multi_socket_action?(multi, fd, flags, &running)
        collectFinished()
    }

    private func collectFinished() {
        var queued: Int32 = 0
        while let message = api.pointee.multi_info_read?(multi, &queued) {
            var easy: UnsafeMutableRawPointer?
            var result = CURLE_OK
            guard ccurl_msg_done(message, &easy, &result) != 0, let easy, let id = byHandle[UInt(bitPattern: easy)] else { continue }
            finish(id, error: result == CURLE_OK ? nil : curlError(result, transfers[id]))
        }
    }

    private func curlError(_ code: CURLcode, _ transfer: Transfer?) -> MCPError {
        let reason = api.pointee.easy_strerror?(code).map { String(cString: $0) } ?? "error \(code.rawValue)"
        let url = transfer.map { JSONValue.string(Self.redacted($0.request.url)) } ?? .null
        if code == CURLE_OPERATION_TIMEDOUT {
            return MCPError(.timeout, "HTTP request timed out: \(reason)", details: ["url": url])
        }
        return MCPError.transport("HTTP request failed: \(reason)", details: ["url": url, "curl_code": .int(Int64(code.rawValue))])
    }

    private func multiError(_ code: CURLMcode) -> String {
        api.pointee.multi_strerror?(code).map { String(cString: $0) } ?? "error \(code.rawValue)"
    }

    /// A URL for errors and logs: without user info or query, which may carry secrets.
    static func redacted(_ url: String) -> String {
        var bytes = Array(url.utf8)
        if let cut = bytes.firstIndex(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) { bytes.removeSubrange(cut...) }
        let separator = Array("://".utf8)
        if let start = bytes.indices.first(where: { bytes[$0...].starts(with: separator) }) {
            let authority = start + separator.count
            let end = bytes[authority...].firstIndex(of: UInt8(ascii: "/")) ?? bytes.endIndex
            if let at = bytes[authority..<end].lastIndex(of: UInt8(ascii: "@")) { bytes.removeSubrange(authority...at) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    // Called by curl (inside socketAction) with what it wants watched on `fd`.
    fileprivate func watch(_ fd: Int32, what: Int32) {
        if what == CURL_POLL_REMOVE {
            if let entry = sockets.removeValue(forKey: fd) { loop.unregister(fd: fd, token: entry.token) }
            return
        }
        var events: UInt32 = 0
        if what == CURL_POLL_IN || what == CURL_POLL_INOUT { events |= EPOLLIN.rawValue }
        if what == CURL_POLL_OUT || what == CURL_POLL_INOUT { events |= EPOLLOUT.rawValue }
        if let entry = sockets[fd] {
            if entry.events != events {
                loop.modify(fd: fd, token: entry.token, events: events)
                sockets[fd] = (entry.token, events)
            }
            return
        }
        let token = loop.newToken()
        do {
            try loop.register(fd: fd, token: token, events: events, handler: SocketWatch(engine: self, fd: fd))
            sockets[fd] = (token, events)
        } catch {
            // curl will notice the socket never becomes ready and time the transfer out.
        }
    }

    // Called by curl with when it next wants `socketAction(timeout)`.
    fileprivate func setTimer(_ milliseconds: Int) {
        if let timer { _ = loop.cancelTimer(timer) }
        timer = nil
        guard milliseconds >= 0 else { return }
        // Never act from inside curl's callback: a zero timeout runs on the next loop turn.
        timer = loop.schedule(afterNanoseconds: UInt64(milliseconds) * 1_000_000) { [weak self] in
            guard let self else { return }
            self.timer = nil
            self.socketAction(CURL_SOCKET_TIMEOUT, 0)
        }
    }

    /// Releases a handed-over connection (I/O thread).
    func release(connection easy: UnsafeMutableRawPointer) {
        if !closed {
            _ = api.pointee.multi_remove_handle?(multi, easy)
            heldConnectionsChanged(by: -1)
        }
        api.pointee.easy_cleanup?(easy)
    }
}

private final class SocketWatch: IOHandler, @unchecked Sendable {
    weak var engine: HTTPEngine?
    let fd: Int32
    init(engine: HTTPEngine, fd: Int32) {
        self.engine = engine
        self.fd = fd
    }

    func handleIO(events: UInt32) {
        var flags: Int32 = 0
        if events & EPOLLIN.rawValue != 0 { flags |= CURL_CSELECT_IN }
        if events & EPOLLOUT.rawValue != 0 { flags |= CURL_CSELECT_OUT }
        if events & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 { flags |= CURL_CSELECT_ERR }
        engine?.socketAction(fd, flags)
    }
}

private let httpEngineSocketCallback: @convention(c) (UnsafeMutableRawPointer?, curl_socket_t, Int32, UnsafeMutableRawPointer?, UnsafeMutableRawPointer?) -> Int32 = {
    _, fd, what, engine, _ in
    guard let engine else { return 0 }
    Unmanaged<HTTPEngine>.fromOpaque(engine).takeUnretainedValue().watch(fd, what: what)
    return 0
}

private let httpEngineTimerCallback: @convention(c) (UnsafeMutableRawPointer?, Int, UnsafeMutableRawPointer?) -> Int32 = { _, milliseconds, engine in
    guard let engine else { return 0 }
    Unmanaged<HTTPEngine>.fromOpaque(engine).takeUnretainedValue().setTimer(milliseconds)
    return 0
}
