import Glibc
import MCPClientCore
@testable import MCPClientTransport
import MCPClientTesting
import Testing

/// How many keep-alive connections an engine keeps once its exchanges have ended: bounded by construction
/// (CURLMOPT_MAXCONNECTS on each multi handle), however large the bursts before were.
@Suite(.serialized) struct HTTPConnectionBoundTests {
    /// After a burst of 24 concurrent exchanges (24 connections) the I/O loop keeps at most `loopIdleConnections`,
    /// and reuses them. libcurl's default bound, 4 per easy handle in the multi handle, kept all 24.
    @Test func theLoopKeepsAFewIdleConnectionsAfterABurst() throws {
        let server = try LocalHTTPServer()
        let loop = try EventLoop()
        defer { loop.shutdown() }
        let engine = try HTTPEngine(loop: loop)
        defer { engine.close() }

        let burst = (0..<24).map { _ in Collected() }
        for exchange in burst { _ = engine.start(HTTPRequest(method: "GET", url: server.url("/hold")), handler: exchange.handler) }
        for exchange in burst { #expect(exchange.wait() == .some(nil)) }
        let burstPorts = Set(burst.map(\.text))
        #expect(burstPorts.count > HTTPEngine.loopIdleConnections)  // the burst needed more connections than are kept
        #expect(connectionsHeld(to: server.port) <= HTTPEngine.loopIdleConnections)

        let next = Collected()
        _ = engine.start(HTTPRequest(method: "GET", url: server.url("/hold")), handler: next.handler)
        #expect(next.wait() == .some(nil))
        #expect(burstPorts.contains(next.text))  // a kept connection, not a new one
    }

    /// Caller threads' handles keep one connection each, to the origin of their last exchange: bursts of blocking
    /// exchanges to two servers leave at most `idleHandleLimit` connections, and a thread going from server to server
    /// reuses each one's connection.
    @Test func callerThreadsKeepOneConnectionPerPooledHandle() throws {
        let first = try LocalHTTPServer(), second = try LocalHTTPServer()
        let loop = try EventLoop()
        defer { loop.shutdown() }
        let engine = try HTTPEngine(loop: loop)
        defer { engine.close() }

        for server in [first, second] {
            let ports = performConcurrently(12, engine: engine, url: server.url("/hold"))
            #expect(ports.count == 12 && ports.allSatisfy { !$0.isEmpty })
        }
        let kept = HTTPEngine.idleHandleLimit * HTTPEngine.callerHandleConnections
        #expect(connectionsHeld(to: first.port) + connectionsHeld(to: second.port) <= kept)

        // One thread alternating between the servers: after the first round every exchange reuses a connection.
        var seen: [Int: Set<String>] = [:]
        for round in 0..<3 {
            for server in [first, second] {
                let body = performOne(engine: engine, url: server.url("/hold"))
                if round > 0 { #expect(seen[server.port]?.contains(body) == true) }
                seen[server.port, default: []].insert(body)
            }
        }
        #expect(seen.values.allSatisfy { $0.count == 1 })
    }

    /// More origins than pooled handles (5 servers, each as 127.0.0.1 and as localhost): a handle taken over for
    /// another origin lets its old connection go. libcurl's default kept up to 4 per handle, and the pool's handles
    /// gathered connections to every origin they had served.
    @Test func aHandleTakenOverForAnotherOriginLetsItsConnectionGo() throws {
        let servers = try (0..<5).map { _ in try LocalHTTPServer() }
        let loop = try EventLoop()
        defer { loop.shutdown() }
        let engine = try HTTPEngine(loop: loop)
        defer { engine.close() }
        let urls = servers.flatMap { ["http://127.0.0.1:\($0.port)/", "http://localhost:\($0.port)/"] }
        for _ in 0..<3 { for url in urls { #expect(!performOne(engine: engine, url: url).isEmpty) } }
        let held = servers.reduce(0) { $0 + connectionsHeld(to: $1.port) }
        #expect(held <= HTTPEngine.idleHandleLimit * HTTPEngine.callerHandleConnections)
    }

    /// One blocking exchange on this thread; its body, or "" when it failed.
    private func performOne(engine: HTTPEngine, url: String) -> String {
        let exchange = Collected()
        engine.perform(HTTPRequest(method: "GET", url: url), handler: exchange.handler, exchange: engine.callerThreadExchange(),
            deadline: { SystemClock().nowNanoseconds() + 10_000_000_000 })
        return exchange.wait() == .some(nil) ? exchange.text : ""
    }

    /// Runs `count` blocking exchanges at once, each on its own thread; their bodies (the client port) in any order.
    private func performConcurrently(_ count: Int, engine: HTTPEngine, url: String) -> [String] {
        let bodies = Locked<[String]>([])
        let done = (0..<count).map { _ in Waiter<Bool>() }
        for index in 0..<count {
            TestThread.detach {
                let exchange = Collected()
                engine.perform(HTTPRequest(method: "GET", url: url), handler: exchange.handler, exchange: engine.callerThreadExchange(),
                    deadline: { SystemClock().nowNanoseconds() + 10_000_000_000 })
                let failed = exchange.wait() != .some(nil)
                bodies.withLock { $0.append(failed ? "" : exchange.text) }
                done[index].resolve(true)
            }
        }
        for waiter in done { _ = waiter.wait(timeoutNanoseconds: 20_000_000_000) }
        return bodies.withLock { $0 }
    }
}

/// Client-side TCP connections of this process to 127.0.0.1:`port` that are still open (established, or closed by
/// the server and not yet by us): what a connection cache holds. Closed ones (FIN_WAIT, TIME_WAIT) do not count,
/// nor sockets a child forked meanwhile by another test (popen) inherited and keeps open after we closed ours.
func connectionsHeld(to port: Int) -> Int {
    var ours: Set<Substring> = []
    if let directory = opendir("/proc/self/fd") {
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            var target = [CChar](repeating: 0, count: 128)
            let length = readlink("/proc/self/fd/" + name, &target, 127)
            guard length > 0 else { continue }
            let link = String(decoding: target.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if link.hasPrefix("socket:["), link.hasSuffix("]") { ours.insert(Substring(link.dropFirst(8).dropLast())) }
        }
    }
    guard let file = fopen("/proc/net/tcp", "r") else { return -1 }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 512)
    var count = 0
    while fgets(&line, 512, file) != nil {
        // "sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode": rem_address is HEX_IP:HEX_PORT,
        // st 01 established, 08 close-wait.
        let fields = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).split(separator: " ")
        guard fields.count > 9, let colon = fields[2].lastIndex(of: ":"), let remote = Int(fields[2][fields[2].index(after: colon)...], radix: 16)
        else { continue }
        if remote == port, fields[3] == "01" || fields[3] == "08", ours.contains(fields[9]) { count += 1 }
    }
    return count
}
