import CMCPSystem
import Glibc
public import MCPClientCore

/// The redirect target for desktop and CLI hosts (RFC 8252 §7.3): a one-shot HTTP listener on 127.0.0.1 that waits
/// for the browser to bring back the authorization response, answers it with a small page and hands the full
/// callback URL to `AuthorizationCallback.parse`.
///
/// Bound to 127.0.0.1 only (never a wildcard address). Hostile local clients are bounded: 8 KiB of request head,
/// 5 s per connection, at most 8 connections at once (a browser's idle preconnect cannot hold up the real request).
/// Other paths get 404, requests without `code` or `error` get 400, and waiting goes on. The listener stops after
/// the first callback, on timeout, cancel or close; waiting again then fails.
public final class LoopbackListener: @unchecked Sendable, CustomStringConvertible {
    public struct Options: Sendable {
        /// 0 lets the system pick a free port.
        public var port: UInt16
        /// The callback path: starts with "/", visible ASCII, no "?" or "#".
        public var path: String
        public var maxHeadBytes = 8 * 1024
        public var connectionTimeoutMs = 5_000
        public var maxConnections = 8

        public init(port: UInt16 = 0, path: String = "/callback") {
            self.port = port
            self.path = path
        }
    }

    public let port: UInt16
    public let path: String
    /// `http://127.0.0.1:<port><path>`: register and send this as the `redirect_uri`.
    public var redirectURI: String { "http://127.0.0.1:\(port)\(path)" }
    public var description: String { "LoopbackListener(\(redirectURI))" }

    private enum End { case cancelled, closed, finished }

    private struct State {
        var listenFD: Int32
        var wakeFD: Int32
        var waiting = false
        var end: End?
        /// The `state` of the sign-in this listener is for; nil accepts any (the flow still checks it).
        var expectedState: String?
    }

    private let options: Options
    private let state: Locked<State>

    public init(options given: Options = Options()) throws(MCPError) {
        // Limits a caller could set to nonsense are clamped: a negative head size would become a huge read length.
        var options = given
        options.maxHeadBytes = min(max(options.maxHeadBytes, 512), 64 * 1024)
        options.connectionTimeoutMs = min(max(options.connectionTimeoutMs, 100), 60_000)
        options.maxConnections = min(max(options.maxConnections, 1), 64)
        let path = options.path
        guard path.hasPrefix("/"), path.utf8.count <= 256,
            path.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "?") && $0 != UInt8(ascii: "#") })
        else {
            throw MCPError(.config, "the callback path must start with \"/\" and be at most 256 visible ASCII characters without \"?\" or \"#\"",
                source: .config, details: ["reason": "listener_path_invalid"])
        }
        let listenFD = socket(AF_INET, csys_sock_stream_cloexec(), 0)
        guard listenFD >= 0 else { throw Self.systemError("socket", errno, port: options.port) }
        var reuse: Int32 = 1
        setsockopt(listenFD, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = options.port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listenFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listenFD, 16) == 0, csys_set_nonblocking(listenFD) == 0 else {
            let code = errno
            Glibc.close(listenFD)
            throw Self.systemError("listen", code, port: options.port)
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listenFD, $0, &length) }
        }
        let wakeFD = csys_eventfd()
        guard named == 0, wakeFD >= 0 else {
            let code = errno
            Glibc.close(listenFD)
            if wakeFD >= 0 { Glibc.close(wakeFD) }
            throw Self.systemError("listen", code, port: options.port)
        }
        self.port = UInt16(bigEndian: actual.sin_port)
        self.path = path
        self.options = options
        self.state = Locked(State(listenFD: listenFD, wakeFD: wakeFD))
    }

    deinit {
        state.withLock { state in
            if state.listenFD >= 0 { Glibc.close(state.listenFD) }
            if state.wakeFD >= 0 { Glibc.close(state.wakeFD) }
        }
    }

    /// Blocks until the authorization callback arrives and returns its full URL (query included), at most
    /// `timeoutMs` (negative: no limit). MCP_ERR_TIMEOUT, MCP_ERR_CANCELLED after `cancel()`, MCP_ERR_CLOSED once
    /// the listener has stopped. One waiter at a time.
    public func waitForCallback(timeoutMs: Int) throws(MCPError) -> String {
        let start: Result<(listen: Int32, wake: Int32), MCPError> = state.withLock { state in
            switch state.end {
            case .cancelled: return .failure(Self.cancelledError)
            case .closed, .finished: return .failure(MCPError(.closed, "the loopback listener has stopped", source: .auth, details: ["reason": "listener_closed"]))
            case nil: break
            }
            guard !state.waiting else {
                return .failure(MCPError(.invalid, "another thread is already waiting on this listener", source: .auth, details: ["reason": "listener_busy"]))
            }
            state.waiting = true
            return .success((state.listenFD, state.wakeFD))
        }
        let descriptors = try start.get()
        let outcome = serve(listenFD: descriptors.listen, wakeFD: descriptors.wake, timeoutMs: timeoutMs)
        state.withLock { state in
            state.waiting = false
            if state.end == nil {
                if case .failure(let error) = outcome, error.code == .cancelled { state.end = .cancelled } else { state.end = .finished }
            }
            Self.closeDescriptors(&state)
        }
        return try outcome.get()
    }

    /// Accepts only the authorization response of the sign-in whose request carried `state` (set once the
    /// authorization URL exists, before or while waiting): any other callback is answered 400 and waiting goes on,
    /// so a local process that finds the port cannot end the wait with a forged response. Nil accepts any.
    public func expectState(_ state: String?) { self.state.withLock { $0.expectedState = state } }

    /// `expectState` with the `state` parameter of an authorization URL (`FlowInfo.authURL`). False when the URL has
    /// none (nothing changes then).
    @discardableResult
    public func expectState(fromAuthorizationURL url: String) -> Bool {
        guard let query = url.split(separator: "?", maxSplits: 1).dropFirst().first,
              let value = FormEncoding.decode(String(query.prefix { $0 != "#" })).first(where: { $0.name == "state" })?.value, !value.isEmpty
        else { return false }
        expectState(value)
        return true
    }

    /// Wakes a waiter with MCP_ERR_CANCELLED (or makes the next wait fail so) and stops the listener. Any thread.
    public func cancel() { stop(.cancelled) }

    /// Stops the listener; idempotent, any thread. A waiter wakes with MCP_ERR_CANCELLED.
    public func close() { stop(.closed) }

    private func stop(_ end: End) {
        state.withLock { state in
            if state.end == nil { state.end = end }
            if state.waiting {
                // The waiter owns the descriptors until it returns; it closes them.
                var one: UInt64 = 1
                _ = Glibc.write(state.wakeFD, &one, 8)
            } else {
                Self.closeDescriptors(&state)
            }
        }
    }

    private static func closeDescriptors(_ state: inout State) {
        if state.listenFD >= 0 { Glibc.close(state.listenFD) }
        if state.wakeFD >= 0 { Glibc.close(state.wakeFD) }
        state.listenFD = -1
        state.wakeFD = -1
    }

    // MARK: Serving

    private struct Connection {
        var fd: Int32
        var head: [UInt8] = []
        var deadline: UInt64
    }

    private func serve(listenFD: Int32, wakeFD: Int32, timeoutMs: Int) -> Result<String, MCPError> {
        let clock = SystemClock()
        let overall: UInt64? = timeoutMs < 0 ? nil : clock.nowNanoseconds() &+ UInt64(timeoutMs) &* 1_000_000
        var connections: [Connection] = []
        defer { for connection in connections { Glibc.close(connection.fd) } }
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let now = clock.nowNanoseconds()
            if let overall, now >= overall {
                return .failure(MCPError(.timeout, "no authorization callback arrived within \(timeoutMs) ms", source: .auth,
                    details: ["reason": "callback_timeout", "timeout_ms": .int(Int64(timeoutMs))]))
            }
            // Slow or silent clients lose their connection; the listener keeps waiting for the real one.
            connections.removeAll { connection in
                guard connection.deadline <= now else { return false }
                Glibc.close(connection.fd)
                return true
            }
            var descriptors = [pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)]
            let accepting = connections.count < options.maxConnections
            descriptors.append(pollfd(fd: accepting ? listenFD : -1, events: Int16(POLLIN), revents: 0))
            descriptors += connections.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            let nextDeadline = ([overall].compactMap { $0 } + connections.map(\.deadline)).min()
            let waitMs = nextDeadline.map { Int32(clamping: ($0 - now + 999_999) / 1_000_000) } ?? -1
            let ready = poll(&descriptors, nfds_t(descriptors.count), waitMs)
            if ready < 0 {
                if errno == EINTR { continue }
                return .failure(Self.systemError("poll", errno, port: port))
            }
            if descriptors[0].revents != 0 || state.withLock({ $0.end != nil }) { return .failure(Self.cancelledError) }
            let polled = connections.count
            if accepting, descriptors[1].revents != 0 {
                // A connection's time runs from its accept: `now` is from before the poll, which may have waited far
                // longer than connectionTimeoutMs (a browser arriving after the user signed in), and a deadline already
                // past closed the connection unread.
                let acceptedAt = clock.nowNanoseconds()
                while connections.count < options.maxConnections {
                    let fd = accept(listenFD, nil, nil)
                    if fd < 0 {
                        // Out of descriptors or memory: the socket stays readable, so polling again would spin.
                        let failed = errno
                        if failed == EMFILE || failed == ENFILE || failed == ENOBUFS || failed == ENOMEM {
                            return .failure(Self.systemError("accept", failed, port: port))
                        }
                        break
                    }
                    // accept4 needs _GNU_SOURCE; in the brief gap before FD_CLOEXEC only a host fork could inherit this socket.
                    _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                    _ = csys_set_nonblocking(fd)
                    connections.append(Connection(fd: fd, deadline: acceptedAt &+ UInt64(max(options.connectionTimeoutMs, 1)) &* 1_000_000))
                }
            }
            var finished: [Int] = []
            for index in 0..<polled where descriptors[index + 2].revents != 0 {
                switch read(&connections[index], into: &chunk) {
                case .waiting: continue
                case .done: finished.append(index)
                case .callback(let target):
                    return .success("http://127.0.0.1:\(port)" + target)
                }
            }
            for index in finished.reversed() {
                Glibc.close(connections[index].fd)
                connections.remove(at: index)
            }
        }
    }

    private enum ReadOutcome { case waiting, done, callback(String) }

    /// Reads what arrived; once the head is complete (or too large) the request is answered.
    private func read(_ connection: inout Connection, into chunk: inout [UInt8]) -> ReadOutcome {
        let room = min(chunk.count, options.maxHeadBytes + 1 - connection.head.count)
        let count = chunk.withUnsafeMutableBytes { Glibc.read(connection.fd, $0.baseAddress, room) }
        if count < 0 { return errno == EAGAIN || errno == EINTR ? .waiting : .done }
        if count == 0 { return .done }
        connection.head += chunk.prefix(count)
        guard let end = LoopbackRequest.headEnd(connection.head) else {
            guard connection.head.count > options.maxHeadBytes else { return .waiting }
            respond(connection.fd, .page(431, "Request Header Fields Too Large", title: "Request too large",
                message: "The request head exceeds \(options.maxHeadBytes) bytes."))
            return .done
        }
        let expected = state.withLock { $0.expectedState }
        switch LoopbackRequest.evaluate(head: Array(connection.head.prefix(end)), path: path, port: port, expectedState: expected) {
        case .reject(let response):
            respond(connection.fd, response)
            return .done
        case .callback(let target, let response):
            respond(connection.fd, response)
            return .callback(target)
        }
    }

    /// Writes the whole response within a second (a client that does not read loses it), then closes the
    /// sending side so the browser sees the end of the page.
    private func respond(_ fd: Int32, _ response: LoopbackResponse) {
        let clock = SystemClock()
        let deadline = clock.nowNanoseconds() &+ 1_000_000_000
        var offset = 0
        while offset < response.bytes.count {
            let sent = response.bytes.withUnsafeBytes { bytes in
                send(fd, bytes.baseAddress.map { $0 + offset }, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent > 0 {
                offset += sent
                continue
            }
            let now = clock.nowNanoseconds()
            guard sent < 0, errno == EAGAIN || errno == EINTR, now < deadline else { break }
            var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            _ = poll(&descriptor, 1, Int32(clamping: (deadline - now) / 1_000_000 + 1))
        }
        shutdown(fd, Int32(SHUT_WR))
    }

    private static let cancelledError = MCPError(.cancelled, "waiting for the authorization callback was cancelled", source: .auth,
        details: ["reason": "listener_cancelled"])

    private static func systemError(_ operation: String, _ code: Int32, port: UInt16) -> MCPError {
        let text = strerror(code).map { String(cString: $0) } ?? "error \(code)"
        return MCPError(.transport, "loopback listener: \(operation) on 127.0.0.1:\(port) failed: \(text)", source: .auth,
            details: ["reason": "listener_failed", "errno": .int(Int64(code)), "port": .int(Int64(port))])
    }
}
