public import MCPClientCore
import Synchronization

/// JSON-RPC 2.0 over a `MessageTransport`: id allocation, response correlation, timeouts that cancel,
/// progress routing, notification dispatch and server→client requests.
public final class RPCSession: TransportDelegate, @unchecked Sendable {
    public typealias Completion = @Sendable (Result<JSONValue, MCPError>) -> Void
    public typealias ProgressHandler = @Sendable (JSONObject) -> Void
    /// A request the server sent us; answer exactly once through `reply`.
    public typealias RequestHandler = @Sendable (_ method: String, _ params: JSONValue?, _ reply: @escaping @Sendable (Result<JSONValue, MCPError>) -> Void) -> Void
    public typealias NotificationHandler = @Sendable (_ method: String, _ params: JSONValue?) -> Void
    public typealias CloseHandler = @Sendable (MCPError?) -> Void

    private struct Pending {
        var method: String
        var completion: Completion
        var progress: ProgressHandler?
        var timer: UInt64?
        var timeout: UInt64?
        /// With a total limit, progress restarts the timeout until this absolute time.
        var hardLimit: UInt64?
    }

    private struct State {
        var pending: IDTable<Int64, Pending> = [:]
        /// Long-lived requests (subscription streams): pending, but not calls in flight.
        var streams: Set<Int64> = []
        var closedError: MCPError?
        var started = false
    }

    public let transport: any MessageTransport
    public let scheduler: (any Scheduler)?
    private let logSink: any LogSink
    private let serverName: String?
    private let nextID = Atomic<Int64>(1)
    private let state = Locked(State())
    private let handlers = Locked<(request: RequestHandler?, notification: NotificationHandler?, close: CloseHandler?)>((nil, nil, nil))

    private let clock: any MonotonicClock

    public init(
        transport: any MessageTransport, scheduler: (any Scheduler)?, logSink: any LogSink = DiscardingLogSink(), serverName: String? = nil,
        clock: any MonotonicClock = SystemClock()
    ) {
        self.clock = clock
        self.transport = transport
        self.scheduler = scheduler
        self.logSink = logSink
        self.serverName = serverName
    }

    public func setHandlers(request: RequestHandler? = nil, notification: NotificationHandler? = nil, close: CloseHandler? = nil) {
        handlers.withLock { $0 = (request, notification, close) }
    }

    public func start() throws(MCPError) {
        try transport.start(delegate: self)
        state.withLock { $0.started = true }
    }

    /// Logs through the owner's sink (as the protocol source, tagged with the server).
    public func log(_ level: LogLevel, _ message: String) {
        logSink.log(level, message, server: serverName, source: "protocol")
    }

    /// Requests sent and not yet answered, not counting long-lived streams.
    public var inFlightCount: Int { state.withLock { $0.pending.count - $0.streams.count } }

    // MARK: outgoing

    /// Allocates the id a request will use, so callers can correlate before sending (e.g. progress tokens).
    public func allocateID() -> Int64 { nextID.wrappingAdd(1, ordering: .relaxed).oldValue }

    /// Sends a request. `completion` runs exactly once, on the I/O thread or on the caller's thread for local failures.
    /// With `timeoutNanoseconds`, the scheduler cancels the request (sending notifications/cancelled) when it expires.
    /// With `maxTotalNanoseconds` too, each progress notification restarts the timeout, up to that total.
    /// A `longLived` request (a subscription stream) is not counted in `inFlightCount`.
    public func request(
        id: Int64? = nil, method: String, params: JSONObject?, timeoutNanoseconds: UInt64? = nil, maxTotalNanoseconds: UInt64? = nil,
        progress: ProgressHandler? = nil, batched: Bool = false, longLived: Bool = false, copying passThrough: JSONPassThrough? = nil,
        resultMayStayShallow: Bool = false, completion: @escaping Completion
    ) {
        let id = id ?? allocateID()
        var message = JSONWriter(capacity: 512)
        message.copying(passThrough)
        message.appendASCII("{\"jsonrpc\":\"2.0\",\"id\":")
        message.writeInteger(id)
        message.appendASCII(",\"method\":")
        message.writeString(method)
        if let params {
            message.appendASCII(",\"params\":")
            message.write(.object(params))
        }
        message.appendASCII("}")

        let closed = state.withLock { state -> MCPError? in
            if let error = state.closedError { return error }
            state.pending[id] = Pending(
                method: method, completion: completion, progress: progress, timer: nil, timeout: timeoutNanoseconds,
                hardLimit: maxTotalNanoseconds.map { clock.nowNanoseconds() &+ $0 })
            if longLived { state.streams.insert(id) }
            return nil
        }
        if let closed { completion(.failure(closed)); return }
        if let timeoutNanoseconds { armTimer(id: id, method: method, after: timeoutNanoseconds) }
        do {
            let request = OutgoingRequest(id: id, method: method, params: params, resultMayStayShallow: resultMayStayShallow)
            try transport.send(message.bytes, request: request, batched: batched)
        } catch {
            fail(id: id, error: error)
        }
    }

    /// Completes `id` locally with `error` and tells the server (notifications/cancelled). False if already done.
    @discardableResult
    public func cancel(id: Int64, error: MCPError, notifyServer: Bool = true) -> Bool {
        guard let pending = take(id) else { return false }
        if notifyServer {
            var params: JSONObject = ["requestId": .int(id)]
            params["reason"] = .string(error.message)
            notify(method: "notifications/cancelled", params: params)
        }
        pending.completion(.failure(error))
        return true
    }

    public func notify(method: String, params: JSONObject?) {
        var message: JSONObject = ["jsonrpc": "2.0", "method": .string(method)]
        if let params { message["params"] = .object(params) }
        try? transport.send(JSONWriter.serialize(.object(message)))
    }

    /// Closes the transport; pending requests fail with `closed`. `completion` runs when the peer is gone.
    public func close(completion: @escaping @Sendable () -> Void) {
        failAll(MCPError(.closed, "the connection was closed"))
        transport.close(completion: completion)
    }

    func schedulerCancel(_ timer: UInt64) { scheduler?.cancelTimer(timer) }

    private func armTimer(id: Int64, method: String, after delay: UInt64) {
        guard let scheduler else { return }
        let timer = scheduler.schedule(afterNanoseconds: delay) { [weak self] in
            self?.cancel(id: id, error: MCPError(.timeout, "\(method) timed out (no reply or progress for \(delay / 1_000_000) ms)",
                details: ["method": .string(method), "timeout_ms": .int(Int64(delay / 1_000_000))]))
        }
        let replaced = state.withLock { state -> UInt64? in
            guard state.pending[id] != nil else { return timer }  // answered meanwhile: drop the new timer
            defer { state.pending[id]?.timer = timer }
            return state.pending[id]?.timer
        }
        if let replaced { scheduler.cancelTimer(replaced) }
    }

    /// Progress restarts the timeout of a request that has a total limit (never past that limit).
    private func restartTimeout(id: Int64) {
        let plan = state.withLock { state -> (String, UInt64)? in
            guard let pending = state.pending[id], let timeout = pending.timeout, let limit = pending.hardLimit else { return nil }
            let now = clock.nowNanoseconds()
            return (pending.method, limit > now ? min(timeout, limit - now) : 0)
        }
        guard let (method, delay) = plan, delay > 0 else { return }
        armTimer(id: id, method: method, after: delay)
    }

    private func take(_ id: Int64) -> Pending? {
        let pending = state.withLock { state -> Pending? in
            if !state.streams.isEmpty { state.streams.remove(id) }  // most sessions have none: no hashing
            return state.pending.removeValue(forKey: id)
        }
        if let timer = pending?.timer { scheduler?.cancelTimer(timer) }
        return pending
    }

    private func fail(id: Int64, error: MCPError) {
        take(id)?.completion(.failure(error))
    }

    private func failAll(_ error: MCPError) {
        let pending = state.withLock { state -> [Pending] in
            if state.closedError == nil { state.closedError = error }
            defer { state.pending = [:]; state.streams = [] }
            return Array(state.pending.values)
        }
        for entry in pending {
            if let timer = entry.timer { scheduler?.cancelTimer(timer) }
            entry.completion(.failure(error))
        }
    }

    // MARK: incoming (I/O thread)

    public func transport(didReceive message: UnsafeRawBufferPointer) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(message)
        } catch {
            logSink.log(.warning, "ignoring a message that is not JSON: \(error)", server: serverName, source: "protocol")
            return
        }
        transport(didReceiveParsed: value)
    }

    public func transport(didReceiveParsed value: JSONValue) {
        if case .array(let batch) = value {
            // 2025-03-26 peers may batch; we never do.
            for element in batch { dispatch(element) }
        } else {
            dispatch(value)
        }
    }

    public func transport(requestFailed id: Int64, error: MCPError) {
        fail(id: id, error: error)
    }

    public func transportDidClose(error: MCPError?) {
        // Owners update their state first, so a caller woken by the failure below already sees it.
        handlers.withLock { $0.close }?(error)
        failAll(error ?? MCPError(.closed, "the connection was closed"))
    }

    private func dispatch(_ value: JSONValue) {
        guard case .object(let message) = value else {
            logSink.log(.warning, "ignoring a JSON-RPC message that is not an object", server: serverName, source: "protocol")
            return
        }
        let method = message["method"]?.stringValue
        let id = message["id"]
        if method == nil, let id {
            guard let number = Self.numericID(id), let pending = take(number) else { return }  // late or unknown: ignore
            if let error = message["error"] {
                pending.completion(.failure(MCPError.peer(
                    code: error["code"]?.int64Value ?? -32603, message: error["message"]?.stringValue ?? "unknown error",
                    data: error["data"])))
            } else {
                pending.completion(.success(message["result"] ?? .null))
            }
            return
        }
        guard let method else { return }
        if let id { handleServerRequest(id: id, method: method, params: message["params"]); return }
        if method == "notifications/progress" {
            let params = message["params"]?.objectValue ?? [:]
            if let token = params["progressToken"].flatMap(Self.numericID),
               let handler = state.withLock({ $0.pending[token]?.progress })
            {
                restartTimeout(id: token)
                handler(params)
            }
            return
        }
        handlers.withLock { $0.notification }?(method, message["params"])
    }

    private func handleServerRequest(id: JSONValue, method: String, params: JSONValue?) {
        let reply: @Sendable (Result<JSONValue, MCPError>) -> Void = { [weak self] result in
            var response: JSONObject = ["jsonrpc": "2.0", "id": id]
            switch result {
            case .success(let value): response["result"] = value
            case .failure(let error):
                let code = error.rpcCode ?? -32603
                response["error"] = ["code": .int(code), "message": .string(error.message)]
            }
            try? self?.transport.send(JSONWriter.serialize(.object(response)))
        }
        if method == "ping" { reply(.success([:])); return }
        if let handler = handlers.withLock({ $0.request }) {
            handler(method, params, reply)
        } else {
            reply(.failure(MCPError.peer(code: -32601, message: "method not found: \(method)", data: nil)))
        }
    }

    private static func numericID(_ value: JSONValue) -> Int64? {
        switch value {
        case .int(let i): return i
        case .string(let s): return Int64(s)
        default: return value.int64Value
        }
    }
}
