import Glibc
import MCPClientCore
import MCPClientTesting
import MCPClientTransport
import Testing

/// A throwaway HTTP server (Python's standard library) on 127.0.0.1: slow, large and echoing endpoints.
final class LocalHTTPServer {
    let port: Int
    private let process: FixtureProcess

    static let script = #"""
    import http.server, json, os, sys, time, threading
    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        def log_message(self, *a): pass
        def reply(self, status, body, ctype="application/json"):
            self.send_response(status); self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
        def do_GET(self):
            if self.path == "/slow":
                time.sleep(5); self.reply(200, b"late")
            elif self.path == "/hold":  # answers after 300 ms with the client's port: which connection carried it
                time.sleep(0.3); self.reply(200, str(self.client_address[1]).encode(), "text/plain")
            elif self.path == "/big":
                self.reply(200, b"x" * 200000, "text/plain")
            elif self.path == "/stall":
                self.send_response(200); self.send_header("Content-Type", "text/event-stream"); self.end_headers()
                self.wfile.write(b": hello\n\n"); self.wfile.flush(); time.sleep(5)
            else:
                self.reply(200, json.dumps({"path": self.path, "agent": self.headers.get("X-Test")}).encode())
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.reply(201, body)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    server.daemon_threads = True
    print("READY", server.server_address[1], flush=True)
    threading.Timer(60, lambda: os._exit(0)).start()
    server.serve_forever()
    """#

    init() throws {
        process = try FixtureProcess(["python3", "-c", Self.script])
        guard let port = Int(process.announced) else { throw MCPError(.generic, "unexpected line from the test server") }
        self.port = port
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }
}

/// Collects one exchange's head, body and end, and waits for the end.
final class Collected: @unchecked Sendable {
    private let state = Locked<(status: Int, headers: [(name: String, value: String)], body: [UInt8])>((0, [], []))
    private let ended = Waiter<MCPError?>()

    var handler: HTTPResponseHandler {
        HTTPResponseHandler(
            head: { status, headers in self.state.withLock { $0.status = status; $0.headers = headers } },
            body: { bytes in self.state.withLock { $0.body.append(contentsOf: bytes) } },
            end: { error in self.ended.resolve(error) })
    }

    func wait(seconds: UInt64 = 10) -> MCPError?? { ended.wait(timeoutNanoseconds: seconds * 1_000_000_000) }
    var status: Int { state.withLock { $0.status } }
    var text: String { state.withLock { String(decoding: $0.body, as: UTF8.self) } }
    var headers: [(name: String, value: String)] { state.withLock { $0.headers } }
}

@Suite(.serialized) struct HTTPEngineTests {
    @Test func getAndPostOverOneEngine() throws {
        let server = try LocalHTTPServer()
        let loop = try EventLoop()
        defer { loop.shutdown() }
        let engine = try HTTPEngine(loop: loop)
        defer { engine.close() }

        let get = Collected()
        _ = engine.start(HTTPRequest(method: "GET", url: server.url("/hello"), headers: [("X-Test", "yes")]), handler: get.handler)
        #expect(get.wait() == .some(nil))
        #expect(get.status == 200)
        #expect(get.text == #"{"path": "/hello", "agent": "yes"}"#)
        #expect(get.headers.contains { $0.name.lowercased() == "content-type" && $0.value == "application/json" })

        let post = Collected()
        _ = engine.start(HTTPRequest(method: "POST", url: server.url("/echo"), body: Array("ping".utf8)), handler: post.handler)
        #expect(post.wait() == .some(nil))
        #expect(post.status == 201 && post.text == "ping")
    }

    @Test func manyConcurrentExchangesShareTheLoop() throws {
        let server = try LocalHTTPServer()
        let loop = try EventLoop()
        defer { loop.shutdown() }
        let engine = try HTTPEngine(loop: loop)
        defer { engine.close() }
        let all = (0..<32).map { _ in Collected() }
        for (index, collected) in all.enumerated() {
            _ = engine.start(HTTPRequest(method: "POST", url: server.url("/n"), body: Array("\(index)".utf8)), handler: collected.handler)
        }
        for (index, collected) in all.enumerated() {
            #expect(collected.wait() == .some(nil))
            #expect(collected.text == "\(index)")
        }
    }

    /// A blocking call's exchange runs on the host's thread; cancelling it from another thread, or its deadline
    /// passing, ends the wait at once (it used to wait for curl's next progress callback, up to a second).
    @Test func aCallerThreadExchangeEndsAtOnceOnCancelOrDeadline() throws {
        let server = try LocalHTTPServer()
        let loop = try EventLoop()
        defer { loop.shutdown() }
        let engine = try HTTPEngine(loop: loop)
        defer { engine.close() }
        let clock = SystemClock()

        let exchange = engine.callerThreadExchange()
        let cancelled = Collected()
        let far = clock.nowNanoseconds() + 10_000_000_000
        TestThread.detach { usleep(100_000); exchange.cancel() }
        var started = clock.nowNanoseconds()
        engine.perform(HTTPRequest(method: "GET", url: server.url("/slow")), handler: cancelled.handler, exchange: exchange, deadline: { far })
        #expect(cancelled.wait(seconds: 1)??.code == .cancelled)
        #expect(clock.nowNanoseconds() - started < 800_000_000)

        // A cancel with a reason (a session the server ended, say) reaches the handler with that reason.
        let expired = engine.callerThreadExchange()
        let ended = Collected()
        TestThread.detach { usleep(100_000); expired.cancel(MCPError.transport("session gone", details: ["reason": "session_expired"])) }
        engine.perform(HTTPRequest(method: "GET", url: server.url("/slow")), handler: ended.handler, exchange: expired, deadline: { far })
        #expect(ended.wait(seconds: 1)??.details["reason"] == "session_expired")

        let late = engine.callerThreadExchange()
        let timedOut = Collected()
        started = clock.nowNanoseconds()
        let soon = started + 300_000_000
        engine.perform(HTTPRequest(method: "GET", url: server.url("/slow")), handler: timedOut.handler, exchange: late, deadline: { soon })
        #expect(timedOut.wait(seconds: 1)??.code == .timeout)
        #expect(late.timedOut)
        #expect(clock.nowNanoseconds() - started < 800_000_000)
    }

    /// A host callback (on the I/O thread) that closes its manager closes the engine there: no waiting on itself.
    @Test func closingFromTheLoopThreadDoesNotWaitForItself() throws {
        let loop = try EventLoop()
        defer { loop.shutdown() }
        let engine = try HTTPEngine(loop: loop)
        let closed = Waiter<Bool>()
        loop.execute {
            engine.close()
            closed.resolve(true)
        }
        #expect(closed.wait(timeoutNanoseconds: 3_000_000_000) == true)
    }

    @Test func cancelIdleTimeoutSizeCapAndRefusedAddressEndExchangesClearly() throws {
        let server = try LocalHTTPServer()
        let loop = try EventLoop()
        defer { loop.shutdown() }
        let engine = try HTTPEngine(loop: loop)
        defer { engine.close() }

        let cancelled = Collected()
        let exchange = engine.start(HTTPRequest(method: "GET", url: server.url("/slow")), handler: cancelled.handler)
        exchange.cancel()
        #expect(cancelled.wait(seconds: 2)??.code == .cancelled)

        var stalled = HTTPRequest(method: "GET", url: server.url("/stall"))
        stalled.idleTimeoutMs = 300
        let idle = Collected()
        _ = engine.start(stalled, handler: idle.handler)
        #expect(idle.wait(seconds: 3)??.code == .timeout)
        #expect(idle.status == 200)

        var big = HTTPRequest(method: "GET", url: server.url("/big"))
        big.maxResponseBytes = 100_000
        let capped = Collected()
        _ = engine.start(big, handler: capped.handler)
        let capError = capped.wait() ?? nil
        #expect(capError?.details["reason"] == "response_too_large")

        var guarded = HTTPRequest(method: "GET", url: server.url("/hello"))
        guarded.checkAddress = { _, _ in MCPError(.policy, "blocked by the test") }
        let refused = Collected()
        _ = engine.start(guarded, handler: refused.handler)
        #expect(refused.wait()??.message == "blocked by the test")

        let unreachable = Collected()
        _ = engine.start(HTTPRequest(method: "GET", url: "http://127.0.0.1:1/"), handler: unreachable.handler)
        #expect(unreachable.wait()??.code == .transport)
    }
}
