import CCurl
import CMCPSystem
import Glibc
import MCPClientCore

/// One exchange inside the engine: its curl handle, the options it was configured with, and what has arrived.
/// Touched only on the loop thread.
final class Transfer: @unchecked Sendable {
    let id: UInt64
    let easy: UnsafeMutableRawPointer
    let request: HTTPRequest
    let handler: HTTPResponseHandler
    private weak var engine: HTTPEngine?
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var resolveList: UnsafeMutablePointer<curl_slist>?
    /// The URL parsed once for a pooled handle (`CURLOPT_CURLU`), until the handle takes it (`takeParsedURL`).
    private var parsedURL: OpaquePointer?
    /// Touched by one thread at a time (the loop, or the caller running the exchange): no dynamic exclusivity check.
    @exclusivity(unchecked) private var headers: [(name: String, value: String)] = []
    private var headDelivered = false
    private var received = 0
    private var idleTimer: EventLoop.TimerID?
    /// When data last arrived (loop thread), for the idle check.
    private var lastActivity: UInt64 = 0
    /// A failure found by our own callbacks (size cap, refused address); wins over curl's generic code.
    var failure: MCPError?
    /// For connect-only exchanges: takes the connected handle instead of it being cleaned up.
    var handover: ((UnsafeMutableRawPointer) -> Void)?
    /// Set when the exchange runs on its caller's thread: polled by curl's progress callback; true aborts.
    /// Run by `HTTPEngine.perform` on a host thread: no loop timers (the caller's wait loop keeps the deadline).
    var onCallerThread = false
    /// A long-lived stream or connect-only handle in the engine's multi handle: counted in its connection bound
    /// until removed (a handed-over connection: until released).
    var holdsConnection = false

    init(id: UInt64, easy: UnsafeMutableRawPointer, request: HTTPRequest, handler: HTTPResponseHandler, engine: HTTPEngine) {
        self.id = id
        self.easy = easy
        self.request = request
        self.handler = handler
        self.engine = engine
    }

    /// Sets the handle's options for `request`. With `reusing`, the handle last ran a transfer of the same
    /// `TransferShape`, so the options every such transfer sets to the same value are still in place; the header
    /// list is then `reusing`'s own if it was built from the same headers (the caller keeps it alive).
    func configure(_ api: UnsafePointer<ccurl_api>, reusing: ReusedOptions? = nil, environmentProxies: Bool) -> MCPError? {
        let me = Unmanaged.passUnretained(self).toOpaque()
        var failed: CURLoption?
        func set(_ option: CURLoption, _ code: CURLcode) { if code != CURLE_OK, failed == nil { failed = option } }
        let fresh = reusing == nil
        // A pooled handle keeps what its last transfer set: a value it already has is not set again.
        if reusing?.url != request.url {
            // A pooled handle's URL is parsed here once and given to libcurl parsed: with CURLOPT_URL libcurl parses
            // it again on every transfer (about a tenth of a call's instructions). What does not parse goes as text.
            if onCallerThread, let parsed = Self.parsed(request.url, api) {
                parsedURL = parsed
                set(CURLOPT_CURLU, ccurl_setopt_curlu(api, easy, parsed))
            } else {
                if onCallerThread { set(CURLOPT_CURLU, ccurl_setopt_curlu(api, easy, nil)) }  // no earlier one in the way
                set(CURLOPT_URL, ccurl_setopt_string(api, easy, CURLOPT_URL, request.url))
            }
        }
        if fresh {
            set(CURLOPT_NOSIGNAL, ccurl_setopt_long(api, easy, CURLOPT_NOSIGNAL, 1))
            set(CURLOPT_FOLLOWLOCATION, ccurl_setopt_long(api, easy, CURLOPT_FOLLOWLOCATION, 0))  // redirects are ours to check
            set(CURLOPT_PROTOCOLS_STR, ccurl_setopt_string(api, easy, CURLOPT_PROTOCOLS_STR, "http,https"))
            // A connection handed over for WebSocket must speak HTTP/1.1 (its upgrade); everything else may use HTTP/2.
            let version = request.connectOnly ? CURL_HTTP_VERSION_1_1 : CURL_HTTP_VERSION_2TLS
            set(CURLOPT_HTTP_VERSION, ccurl_setopt_long(api, easy, CURLOPT_HTTP_VERSION, Int(version)))
        }
        if reusing?.connectTimeoutMs != request.connectTimeoutMs {
            set(CURLOPT_CONNECTTIMEOUT_MS, ccurl_setopt_long(api, easy, CURLOPT_CONNECTTIMEOUT_MS, request.connectTimeoutMs))
        }
        if request.connectOnly, fresh { set(CURLOPT_CONNECT_ONLY, ccurl_setopt_long(api, easy, CURLOPT_CONNECT_ONLY, 1)) }
        if let timeout = request.timeoutMs { set(CURLOPT_TIMEOUT_MS, ccurl_setopt_long(api, easy, CURLOPT_TIMEOUT_MS, timeout)) }
        if onCallerThread, let idle = request.idleTimeoutMs {
            // libcurl's low-speed limit stands in for the idle timer.
            if fresh { set(CURLOPT_LOW_SPEED_LIMIT, ccurl_setopt_long(api, easy, CURLOPT_LOW_SPEED_LIMIT, 1)) }
            if reusing?.idleTimeoutMs != idle {
                set(CURLOPT_LOW_SPEED_TIME, ccurl_setopt_long(api, easy, CURLOPT_LOW_SPEED_TIME, max(1, (idle + 999) / 1000)))
            }
        }
        if fresh {
            switch request.method {
            case "GET": break
            case "POST": set(CURLOPT_POST, ccurl_setopt_long(api, easy, CURLOPT_POST, 1))
            default: set(CURLOPT_CUSTOMREQUEST, ccurl_setopt_string(api, easy, CURLOPT_CUSTOMREQUEST, request.method))
            }
        }
        if let body = request.body {
            set(CURLOPT_POSTFIELDSIZE, ccurl_setopt_long(api, easy, CURLOPT_POSTFIELDSIZE, body.count))
            body.withUnsafeBytes { bytes in
                set(CURLOPT_COPYPOSTFIELDS, ccurl_setopt_pointer(api, easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress)))
            }
        }
        if let reused = reusing?.headerList, reusing?.largeBody == Self.isLarge(request.body),
           Self.sameHeaders(reusing?.headers ?? [], request.headers)
        {
            set(CURLOPT_HTTPHEADER, ccurl_setopt_slist(api, easy, CURLOPT_HTTPHEADER, reused))
        } else {
            headerList = Self.headerList(request.headers, largeBody: Self.isLarge(request.body), api)
            set(CURLOPT_HTTPHEADER, ccurl_setopt_slist(api, easy, CURLOPT_HTTPHEADER, headerList))
        }
        if fresh {
            set(CURLOPT_HEADERFUNCTION, ccurl_setopt_header_function(api, easy, transferHeaderCallback))
            set(CURLOPT_WRITEFUNCTION, ccurl_setopt_write_function(api, easy, transferWriteCallback))
        }
        set(CURLOPT_HEADERDATA, ccurl_setopt_pointer(api, easy, CURLOPT_HEADERDATA, me))
        set(CURLOPT_WRITEDATA, ccurl_setopt_pointer(api, easy, CURLOPT_WRITEDATA, me))
        if fresh {
            if let ca = request.tls.caFile { set(CURLOPT_CAINFO, ccurl_setopt_string(api, easy, CURLOPT_CAINFO, ca)) }
            if let certificate = request.tls.clientCertificate { set(CURLOPT_SSLCERT, ccurl_setopt_string(api, easy, CURLOPT_SSLCERT, certificate)) }
            if let key = request.tls.clientKey { set(CURLOPT_SSLKEY, ccurl_setopt_string(api, easy, CURLOPT_SSLKEY, key)) }
            if let proxy = request.proxy { set(CURLOPT_PROXY, ccurl_setopt_string(api, easy, CURLOPT_PROXY, proxy)) }
        }
        if !request.resolve.isEmpty {  // libcurl reads the list when the transfer starts: each transfer sets its own
            for pin in request.resolve { resolveList = api.pointee.slist_append?(resolveList, pin) }
            set(CURLOPT_RESOLVE, ccurl_setopt_slist(api, easy, CURLOPT_RESOLVE, resolveList))
        }
        if request.direct || (request.proxy == nil && !environmentProxies), fresh {
            set(CURLOPT_PROXY, ccurl_setopt_string(api, easy, CURLOPT_PROXY, ""))
            set(CURLOPT_NOPROXY, ccurl_setopt_string(api, easy, CURLOPT_NOPROXY, ""))  // nor reads NO_PROXY
        }
        if request.checkAddress != nil {
            if fresh { set(CURLOPT_OPENSOCKETFUNCTION, ccurl_setopt_opensocket_function(api, easy, transferOpenSocketCallback)) }
            set(CURLOPT_OPENSOCKETDATA, ccurl_setopt_pointer(api, easy, CURLOPT_OPENSOCKETDATA, me))
            if !request.connectOnly {  // a handed-over connection sends nothing through libcurl
                if fresh { set(CURLOPT_PREREQFUNCTION, ccurl_setopt_prereq_function(api, easy, transferPrereqCallback)) }
                set(CURLOPT_PREREQDATA, ccurl_setopt_pointer(api, easy, CURLOPT_PREREQDATA, me))
            }
        }
        guard let failed else { return nil }
        return MCPError(.unsupported, "this libcurl does not support option \(failed.rawValue)", details: ["option": .int(Int64(failed.rawValue))])
    }

    /// What a pooled handle keeps from its last transfer: the header list stays set (and alive) for the next
    /// transfer with the same headers.
    struct ReusedOptions {
        var headers: [(name: String, value: String)]
        var headerList: UnsafeMutablePointer<curl_slist>?
        /// Whether `headerList` was built for a large body (with its `Expect:` line).
        var largeBody = false
        /// The URL, connect timeout and idle limit the handle has (nil: not known to be set).
        var url: String?
        var connectTimeoutMs: Int?
        var idleTimeoutMs: Int?

        init(headers: [(name: String, value: String)], headerList: UnsafeMutablePointer<curl_slist>?) {
            self.headers = headers
            self.headerList = headerList
        }

        /// What a transfer of `request` on the caller's thread (the only kind that reuses a handle) left set on it.
        mutating func record(_ request: HTTPRequest) {
            url = request.url
            connectTimeoutMs = request.connectTimeoutMs
            idleTimeoutMs = request.idleTimeoutMs
        }
    }

    private static func parsed(_ url: String, _ api: UnsafePointer<ccurl_api>) -> OpaquePointer? {
        guard let handle = api.pointee.url_new?() else { return nil }
        if api.pointee.url_set?(handle, CURLUPART_URL, url, 0) == CURLUE_OK { return handle }
        api.pointee.url_cleanup?(handle)
        return nil
    }

    /// Hands the parsed URL this transfer set on its pooled handle to the handle's keeper, who frees it once the
    /// handle no longer uses it (nil when the handle kept an earlier one).
    func takeParsedURL() -> OpaquePointer? {
        defer { parsedURL = nil }
        return parsedURL
    }

    /// Hands the header list this transfer built to the caller (nil when it used a reused one).
    func takeHeaderList() -> UnsafeMutablePointer<curl_slist>? {
        defer { headerList = nil }
        return headerList
    }

    static func sameHeaders(_ lhs: [(name: String, value: String)], _ rhs: [(name: String, value: String)]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for index in lhs.indices where lhs[index].name != rhs[index].name || lhs[index].value != rhs[index].value { return false }
        return true
    }

    /// `Name: value` lines, plus an empty `Expect:` for a large body (libcurl adds "Expect: 100-continue" to POSTs
    /// over 1 MiB, 1 KiB before 7.81; MCP servers answer directly). A small body goes without it: libcurl compares
    /// every line of the list with each header it may add itself, so a line less is ~1k instructions less per
    /// request. Each line is built in one temporary buffer: no String concatenation.
    static func headerList(
        _ headers: [(name: String, value: String)], largeBody: Bool, _ api: UnsafePointer<ccurl_api>
    ) -> UnsafeMutablePointer<curl_slist>? {
        var list: UnsafeMutablePointer<curl_slist>?
        for (name, value) in headers {
            let length = name.utf8.count + 2 + value.utf8.count
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: length + 1) { line in
                guard let base = line.baseAddress else { return }
                var at = 0
                func append(_ bytes: String.UTF8View) {
                    for byte in bytes {
                        base[at] = byte
                        at += 1
                    }
                }
                append(name.utf8)
                append(": ".utf8)
                append(value.utf8)
                base[at] = 0
                list = base.withMemoryRebound(to: CChar.self, capacity: length + 1) { api.pointee.slist_append?(list, $0) }
            }
        }
        return largeBody ? api.pointee.slist_append?(list, "Expect:") : list
    }

    /// Whether a body may draw libcurl's "Expect: 100-continue" (its threshold was 1 KiB before 7.81).
    static func isLarge(_ body: [UInt8]?) -> Bool { (body?.count ?? 0) > 1024 }

    func release(_ api: UnsafePointer<ccurl_api>, loop: EventLoop, keepHandle: Bool = false) {
        if let idleTimer { _ = loop.cancelTimer(idleTimer) }
        idleTimer = nil
        if !keepHandle { api.pointee.easy_cleanup?(easy) }
        freeLists(api)
    }

    private func freeLists(_ api: UnsafePointer<ccurl_api>) {
        api.pointee.slist_free_all?(headerList)
        api.pointee.slist_free_all?(resolveList)
        if let parsedURL { api.pointee.url_cleanup?(parsedURL) }
        headerList = nil
        resolveList = nil
        parsedURL = nil
    }

    /// Releases what a caller-thread exchange holds, keeping the handle (and its connection) for reuse.
    func releaseCallerThread(_ api: UnsafePointer<ccurl_api>) {
        freeLists(api)
    }

    /// Starts the idle check. Data only records the time (a chunk must not cancel and re-schedule a timer); the
    /// check, when due, ends the exchange or waits for the rest of the quiet period.
    func armIdleTimer(_ loop: EventLoop) {
        guard let idle = request.idleTimeoutMs, !onCallerThread else { return }
        lastActivity = loop.clock.nowNanoseconds()
        checkIdle(loop, limit: UInt64(idle) * 1_000_000, after: UInt64(idle) * 1_000_000)
    }

    private func checkIdle(_ loop: EventLoop, limit: UInt64, after delay: UInt64) {
        let id = self.id
        idleTimer = loop.schedule(afterNanoseconds: delay) { [weak self, weak engine] in
            guard let self, let engine else { return }
            let quiet = loop.clock.nowNanoseconds() &- self.lastActivity
            guard quiet >= limit else { self.checkIdle(loop, limit: limit, after: limit - quiet); return }
            let idle = Int64(limit / 1_000_000)
            engine.finish(id, error: MCPError(.timeout, "no data from the server for \(idle) ms", details: ["read_timeout_ms": .int(idle)]))
        }
    }

    fileprivate func headerLine(_ line: UnsafeRawBufferPointer) {
        if line.count >= 5, line[0] == UInt8(ascii: "H"), line[1] == UInt8(ascii: "T"), line[2] == UInt8(ascii: "T"),
           line[3] == UInt8(ascii: "P"), line[4] == UInt8(ascii: "/")
        {  // a new response (after 100 Continue, say)
            headers.removeAll(keepingCapacity: true)
            headers.reserveCapacity(12)
            return
        }
        if line.allSatisfy(ASCII.isWhitespace) {
            guard let api = try? Curl.api() else { return }
            var status = 0
            _ = ccurl_getinfo_long(api, easy, CURLINFO_RESPONSE_CODE, &status)
            if status >= 200, !headDelivered {
                headDelivered = true
                handler.head(status, headers)
            }
            return
        }
        if let names = request.responseHeaderNames, !ASCII.headerName(of: line, isOneOf: names) { return }
        if let field = ASCII.headerField(line) { headers.append(field) }
    }

    /// False aborts the transfer (a cap was exceeded).
    fileprivate func bodyBytes(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let before = received
        received += bytes.count
        if received > request.maxResponseBytes {
            // What fits under the cap is still handed over: a stream's events completed before it are real.
            let fitting = request.maxResponseBytes - before
            if fitting > 0 { handler.body(UnsafeRawBufferPointer(rebasing: bytes.prefix(fitting))) }
            failure = MCPError.transport("the response exceeded \(request.maxResponseBytes) bytes",
                details: ["reason": "response_too_large", "limit": .int(Int64(request.maxResponseBytes))])
            return false
        }
        if idleTimer != nil, let engine { lastActivity = engine.loop.clock.nowNanoseconds() }
        handler.body(bytes)
        return true
    }

    fileprivate func openSocket(family: Int32, type: Int32, protocol proto: Int32, address: UnsafePointer<sockaddr>, length: socklen_t) -> Int32 {
        if let check = request.checkAddress {
            let target = IPAddress.fromSockaddr(UnsafeRawBufferPointer(start: address, count: Int(length)))
            if let refusal = target.map({ check($0.address, $0.port) }) ?? Self.unknownAddress {
                failure = refusal
                return -1  // CURL_SOCKET_BAD
            }
        }
        return socket(family, type | csys_sock_cloexec(), proto)
    }

    /// False refuses the request about to go out on the connection at `ip`:`port`.
    fileprivate func mayUseConnection(ip: String?, port: Int) -> Bool {
        guard let check = request.checkAddress else { return true }
        if let refusal = ip.flatMap(IPAddress.init).map({ check($0, port) }) ?? Self.unknownAddress {
            failure = refusal
            return false
        }
        return true
    }

    private static let unknownAddress: MCPError? = MCPError(.policy, "cannot tell where the connection goes", details: ["reason": "unknown_address"])
}

private let transferHeaderCallback: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
    buffer, size, count, transfer in
    let length = size * count
    guard let buffer, let transfer else { return length }
    // The transfer outlives its callbacks (its exchange holds it): no retain and release per header line.
    Unmanaged<Transfer>.fromOpaque(transfer)._withUnsafeGuaranteedRef { $0.headerLine(UnsafeRawBufferPointer(start: buffer, count: length)) }
    return length
}

private let transferWriteCallback: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
    buffer, size, count, transfer in
    let length = size * count
    guard let buffer, let transfer else { return length }
    let keep = Unmanaged<Transfer>.fromOpaque(transfer)._withUnsafeGuaranteedRef { $0.bodyBytes(UnsafeRawBufferPointer(start: buffer, count: length)) }
    return keep ? length : 0
}

private let transferPrereqCallback: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutablePointer<CChar>?, UnsafeMutablePointer<CChar>?, Int32, Int32) -> Int32 = {
    transfer, primaryIP, _, primaryPort, _ in
    guard let transfer else { return 1 }  // CURL_PREREQFUNC_ABORT
    let allowed = Unmanaged<Transfer>.fromOpaque(transfer).takeUnretainedValue().mayUseConnection(ip: primaryIP.map { String(cString: $0) }, port: Int(primaryPort))
    return allowed ? 0 : 1
}

private let transferOpenSocketCallback: @convention(c) (UnsafeMutableRawPointer?, curlsocktype, UnsafeMutablePointer<curl_sockaddr>?) -> curl_socket_t = {
    transfer, _, address in
    guard let transfer, let address else { return -1 }
    var length: UInt32 = 0
    guard let socketAddress = ccurl_sockaddr(address, &length) else { return -1 }
    return Unmanaged<Transfer>.fromOpaque(transfer).takeUnretainedValue().openSocket(
        family: ccurl_sockaddr_family(address), type: ccurl_sockaddr_socktype(address), protocol: ccurl_sockaddr_protocol(address),
        address: socketAddress, length: length)
}

/// The options `Transfer.configure` sets only for some requests. Two requests of one shape set the same options
/// (with their own values), so a pooled handle may go from one to the other without `curl_easy_reset`.
struct TransferShape: Equatable {
    let method: String
    let hasBody: Bool
    let timeout: Bool
    let idle: Bool
    let tls: TLSOptions
    let proxy: String?
    let resolve: [String]
    let direct: Bool
    let checksAddress: Bool
    let connectOnly: Bool

    /// Whether `request` has this shape (what `TransferShape(request) == self` says, without building one).
    func matches(_ request: HTTPRequest) -> Bool {
        method == request.method && hasBody == (request.body != nil) && timeout == (request.timeoutMs != nil)
            && idle == (request.idleTimeoutMs != nil) && tls == request.tls && proxy == request.proxy && resolve == request.resolve
            && direct == request.direct && checksAddress == (request.checkAddress != nil) && connectOnly == request.connectOnly
    }

    init(_ request: HTTPRequest) {
        method = request.method
        hasBody = request.body != nil
        timeout = request.timeoutMs != nil
        idle = request.idleTimeoutMs != nil
        tls = request.tls
        proxy = request.proxy
        resolve = request.resolve
        direct = request.direct
        checksAddress = request.checkAddress != nil
        connectOnly = request.connectOnly
    }
}
