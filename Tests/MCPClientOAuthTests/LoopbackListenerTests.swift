import Dispatch
import Glibc
import MCPClientCore
import Testing

@testable import MCPClientOAuth

/// A blocking TCP client for poking the listener the way a browser (or a hostile local process) would.
struct RawClient {
    let fd: Int32

    /// nil when the connection is refused.
    init?(port: UInt16, host: UInt32 = 0x7F00_0001) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = host.bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            Glibc.close(fd)
            return nil
        }
        self.fd = fd
    }

    func send(_ text: String) { send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress.map { $0 + offset }, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { return }
            offset += sent
        }
    }

    /// Everything until the peer closes, or what arrived by the deadline.
    func readToEnd(timeoutMs: Int32 = 5_000) -> String {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, timeoutMs) > 0 else { break }
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            bytes += chunk.prefix(count)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    func close() { Glibc.close(fd) }

    /// One request, the whole response.
    static func exchange(port: UInt16, _ request: String) -> String {
        guard let client = RawClient(port: port) else { return "refused" }
        defer { client.close() }
        client.send(request)
        return client.readToEnd()
    }

    static func get(port: UInt16, _ target: String, host: String? = nil) -> String {
        exchange(port: port, "GET \(target) HTTP/1.1\r\nHost: \(host ?? "127.0.0.1:\(port)")\r\nUser-Agent: test\r\n\r\n")
    }
}

func statusLine(_ response: String) -> String { String(response.components(separatedByLiteral: "\r\n").first ?? "") }

func monotonicMs() -> Int { Int(SystemClock().nowNanoseconds() / 1_000_000) }

/// Runs `body` on another thread; the returned function waits for it.
func inBackground(_ body: @escaping @Sendable () -> Void) -> () -> Void {
    let done = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
        body()
        done.signal()
    }
    return { done.wait() }
}

@Suite struct LoopbackListenerTests {
    @Test func deliversTheCallbackURLAndAnswersWithoutTheCode() throws {
        let listener = try LoopbackListener()
        #expect(listener.port > 0)
        #expect(listener.redirectURI == "http://127.0.0.1:\(listener.port)/callback")
        let port = listener.port
        let response = Locked("")
        let join = inBackground { response.withLock { $0 = RawClient.get(port: port, "/callback?code=SECRET-CODE-42&state=st%2Fate&iss=x") } }
        let url = try listener.waitForCallback(timeoutMs: 5_000)
        join()
        #expect(url == "http://127.0.0.1:\(port)/callback?code=SECRET-CODE-42&state=st%2Fate&iss=x")
        let callback = try AuthorizationCallback.parse(callbackURL: url)
        #expect(callback.code == "SECRET-CODE-42" && callback.state == "st/ate")
        let page = response.withLock { $0 }
        #expect(statusLine(page) == "HTTP/1.1 200 OK")
        #expect(page.containsLiteral("Authorization complete") && !page.containsLiteral("SECRET-CODE"))
        #expect(page.containsLiteral("Cache-Control: no-store") && page.containsLiteral("Referrer-Policy: no-referrer"))

        // One callback only: the socket is gone and later waits fail.
        #expect(RawClient(port: port) == nil)
        let again = #expect(throws: MCPError.self) { try listener.waitForCallback(timeoutMs: 10) }
        #expect(again?.code == .closed)
        listener.close()
        listener.close()
    }

    @Test func otherRequestsAreAnsweredAndWaitingGoesOn() throws {
        let listener = try LoopbackListener(options: .init(path: "/oauth/cb"))
        let port = listener.port
        #expect(listener.redirectURI.hasSuffix(":\(port)/oauth/cb"))
        let responses = Locked<[String]>([])
        let join = inBackground {
            for request in [
                "GET /favicon.ico HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\r\n",
                "GET /oauth/cb/extra?code=x HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\r\n",
                "GET /oauth/cb HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\r\n",
                "POST /oauth/cb?code=x HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Length: 0\r\n\r\n",
                "GET /oauth/cb?code=x HTTP/1.1\r\nHost: evil.example:\(port)\r\n\r\n",
                "GET /oauth/cb?code=x HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nHost: evil.example\r\n\r\n",
                "garbage\r\n\r\n",
                "GET oauth/cb?code=x HTTP/1.1\r\n\r\n",
            ] {
                let response = RawClient.exchange(port: port, request)
                responses.withLock { $0.append(statusLine(response)) }
            }
            let failure = RawClient.get(port: port, "/oauth/cb?error=access_denied&error_description=%3Cscript%3Ealert(%27x%27)%3C%2Fscript%3E&state=s",
                host: "LOCALHOST:\(port)")
            responses.withLock { $0.append(failure) }
        }
        let url = try listener.waitForCallback(timeoutMs: 10_000)
        join()
        #expect(url.hasSuffix("/oauth/cb?error=access_denied&error_description=%3Cscript%3Ealert(%27x%27)%3C%2Fscript%3E&state=s"))
        let all = responses.withLock { $0 }
        #expect(Array(all.dropLast()) == [
            "HTTP/1.1 404 Not Found", "HTTP/1.1 404 Not Found", "HTTP/1.1 400 Bad Request", "HTTP/1.1 405 Method Not Allowed",
            "HTTP/1.1 400 Bad Request", "HTTP/1.1 400 Bad Request", "HTTP/1.1 400 Bad Request", "HTTP/1.1 400 Bad Request",
        ])
        let page = all.last ?? ""
        #expect(statusLine(page) == "HTTP/1.1 200 OK")
        #expect(page.containsLiteral("Authorization failed") && page.containsLiteral("access_denied"))
        #expect(page.containsLiteral("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;") && !page.containsLiteral("<script>"))
    }

    @Test func timesOutAndThenStaysClosed() throws {
        let listener = try LoopbackListener()
        let start = monotonicMs()
        let error = #expect(throws: MCPError.self) { try listener.waitForCallback(timeoutMs: 200) }
        let elapsed = monotonicMs() - start
        #expect(error?.code == .timeout && error?.details["reason"] == "callback_timeout")
        #expect(elapsed >= 200 && elapsed < 3_000)
        #expect(RawClient(port: listener.port) == nil)
        #expect((#expect(throws: MCPError.self) { try listener.waitForCallback(timeoutMs: 1_000) })?.code == .closed)
    }

    @Test func cancelFromAnotherThreadWakesTheWaiter() throws {
        let listener = try LoopbackListener()
        let join = inBackground {
            usleep(150_000)
            listener.cancel()
        }
        let start = monotonicMs()
        let error = #expect(throws: MCPError.self) { try listener.waitForCallback(timeoutMs: -1) }
        join()
        #expect(error?.code == .cancelled)
        #expect(monotonicMs() - start < 3_000)
        #expect((#expect(throws: MCPError.self) { try listener.waitForCallback(timeoutMs: 1_000) })?.code == .cancelled)
        #expect(RawClient(port: listener.port) == nil)

        // Cancelled before anyone waits: the wait returns at once.
        let early = try LoopbackListener()
        early.cancel()
        #expect((#expect(throws: MCPError.self) { try early.waitForCallback(timeoutMs: 10_000) })?.code == .cancelled)

        // close() while waiting wakes the waiter too, and is idempotent.
        let closing = try LoopbackListener()
        let joinClose = inBackground {
            usleep(100_000)
            closing.close()
            closing.close()
        }
        #expect(throws: MCPError.self) { try closing.waitForCallback(timeoutMs: 10_000) }
        joinClose()
        #expect((#expect(throws: MCPError.self) { try closing.waitForCallback(timeoutMs: 10) })?.code == .closed)
    }

    @Test func oneWaiterAtATime() throws {
        let listener = try LoopbackListener()
        let started = DispatchSemaphore(value: 0)
        let join = inBackground {
            started.signal()
            _ = try? listener.waitForCallback(timeoutMs: 5_000)
        }
        started.wait()
        usleep(200_000)
        let busy = #expect(throws: MCPError.self) { try listener.waitForCallback(timeoutMs: 10) }
        #expect(busy?.details["reason"] == "listener_busy")
        listener.cancel()
        join()
    }

    /// A connection's time runs from its accept, not from when the listener began to wait: a browser arriving more
    /// than connectionTimeoutMs into the wait (any real sign-in, with the 5 s default) was closed unread. Found under
    /// ThreadSanitizer, where `oversizedHeadsAndSlowClientsAreBounded`'s first client came 300 ms late.
    @Test func aClientArrivingLateInTheWaitIsServed() throws {
        var options = LoopbackListener.Options()
        options.connectionTimeoutMs = 300
        let listener = try LoopbackListener(options: options)
        let port = listener.port
        let response = Locked("")
        let join = inBackground {
            usleep(1_000_000)  // the listener has been polling for longer than a connection's 300 ms by now
            let answer = RawClient.get(port: port, "/callback?code=late")
            response.withLock { $0 = answer }
        }
        let url = Result { () throws(MCPError) in try listener.waitForCallback(timeoutMs: 10_000) }
        join()
        #expect(try url.get().hasSuffix("/callback?code=late"))
        #expect(statusLine(response.withLock { $0 }) == "HTTP/1.1 200 OK")
    }

    @Test func oversizedHeadsAndSlowClientsAreBounded() throws {
        var options = LoopbackListener.Options()
        options.connectionTimeoutMs = 300
        let listener = try LoopbackListener(options: options)
        let port = listener.port
        let results = Locked<[String]>([])
        let join = inBackground {
            // 9 KiB of header without an end: refused once the head passes 8 KiB.
            let big = RawClient.exchange(port: port, "GET /callback?code=x HTTP/1.1\r\nX-Fill: " + String(repeating: "a", count: 9_000))
            results.withLock { $0.append(statusLine(big)) }

            // More silent connections than the listener serves at once, plus one dribbling a byte every 50 ms:
            // all are dropped after their 300 ms, and a real request behind them still gets through.
            let idle = (0..<10).compactMap { _ in RawClient(port: port) }
            let slow = RawClient(port: port)
            let start = monotonicMs()
            var dropped = false
            for byte in Array("GET /callback?code=slow HTTP/1.1\r\nHost: x\r\n".utf8) {
                slow?.send([byte])
                var descriptor = pollfd(fd: slow?.fd ?? -1, events: Int16(POLLIN), revents: 0)
                if poll(&descriptor, 1, 50) > 0 {
                    dropped = true
                    break
                }
            }
            results.withLock { $0.append(dropped ? "slow dropped after \(monotonicMs() - start) ms" : "slow not dropped") }
            let idleClosed = idle.filter { $0.readToEnd(timeoutMs: 2_000).isEmpty }.count
            results.withLock { $0.append("idle closed: \(idleClosed)") }
            idle.forEach { $0.close() }
            slow?.close()
            let real = RawClient.get(port: port, "/callback?code=real")
            results.withLock { $0.append(statusLine(real)) }
        }
        let url = try listener.waitForCallback(timeoutMs: 20_000)
        join()
        #expect(url.hasSuffix("/callback?code=real"))
        let all = results.withLock { $0 }
        #expect(all.first == "HTTP/1.1 431 Request Header Fields Too Large")
        #expect(all.count == 4)
        if all.count == 4 {
            #expect(all[1].hasPrefix("slow dropped after"))
            #expect(all[2] == "idle closed: 10")
            #expect(all[3] == "HTTP/1.1 200 OK")
        }
    }

    @Test func bindsOnlyTheLoopbackAddressAndTheGivenPort() throws {
        // Between the close and the new bind, another test's outgoing connection may take the freed port as its
        // source port (CI saw EADDRINUSE there once). A listener that kept its port fails every round; a port taken
        // by someone else, one round.
        var rebound = false
        for _ in 0..<3 where !rebound {
            let first = try LoopbackListener()
            let port = first.port
            // 127.0.0.2 is also loopback on Linux, but the socket is bound to 127.0.0.1 alone.
            #expect(RawClient(port: port, host: 0x7F00_0002) == nil)
            let taken = #expect(throws: MCPError.self) { try LoopbackListener(options: .init(port: port)) }
            #expect(taken?.code == .transport && taken?.details["errno"] == .int(Int64(EADDRINUSE)))
            first.close()
            let again: LoopbackListener
            do { again = try LoopbackListener(options: .init(port: port)) } catch {
                guard error.details["errno"] == .int(Int64(EADDRINUSE)) else { throw error }
                continue
            }
            #expect(again.port == port && again.redirectURI == "http://127.0.0.1:\(port)/callback")
            again.close()
            rebound = true
        }
        #expect(rebound, "a closed listener's port could not be bound again in three rounds")

        for path in ["callback", "/a b", "/cb?x=1", "/cb#f", "/ü", "/" + String(repeating: "a", count: 300)] {
            let error = #expect(throws: MCPError.self) { try LoopbackListener(options: .init(path: path)) }
            #expect(error?.details["reason"] == "listener_path_invalid")
        }
    }

    @Test func requestParsing() {
        #expect(LoopbackRequest.headEnd(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\nrest".utf8)) == 27)
        #expect(LoopbackRequest.headEnd(Array("GET / HTTP/1.1\nHost: x\n\n".utf8)) == 24)
        #expect(LoopbackRequest.headEnd(Array("GET / HTTP/1.1\r\nHost: x\r\n".utf8)) == nil)
        let verdict = LoopbackRequest.evaluate(head: Array("GET /cb?code=a&code=b HTTP/1.0\r\n\r\n".utf8), path: "/cb", port: 1)
        guard case .callback(let target, let response) = verdict else {
            Issue.record("not a callback: \(verdict)")
            return
        }
        #expect(target == "/cb?code=a&code=b" && response.status == 200)
        let onPort80 = Array("GET /cb?code=a HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        #expect(LoopbackRequest.evaluate(head: onPort80, path: "/cb", port: 80) != LoopbackRequest.evaluate(head: onPort80, path: "/cb", port: 8080))
        guard case .callback = LoopbackRequest.evaluate(head: onPort80, path: "/cb", port: 80) else {
            Issue.record("Host without a port refused on port 80")
            return
        }
        #expect(LoopbackResponse.escape("<a href=\"x\">&'</a>") == "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;")
    }
}

@Suite struct LoopbackExpectedStateTests {
    func verdict(_ target: String, expected: String?) -> LoopbackRequest.Verdict {
        LoopbackRequest.evaluate(head: Array("GET \(target) HTTP/1.1\r\nHost: 127.0.0.1:5000\r\n\r\n".utf8), path: "/cb", port: 5000,
            expectedState: expected)
    }

    @Test func onlyTheExpectedSignInEndsTheWait() {
        guard case .callback = verdict("/cb?code=c&state=s%2B1", expected: "s+1") else { Issue.record("the expected state was refused"); return }
        for target in ["/cb?code=c&state=other", "/cb?code=c", "/cb?error=access_denied&state=other", "/cb?code=c&state=s%2B1x"] {
            guard case .reject(let response) = verdict(target, expected: "s+1") else { Issue.record("\(target) was accepted"); continue }
            #expect(response.status == 400)
            #expect(!String(decoding: response.bytes, as: UTF8.self).containsLiteral("access_denied"))
        }
        guard case .callback = verdict("/cb?code=c&state=anything", expected: nil) else { Issue.record("no expectation refused"); return }
    }

    @Test func theStateComesFromTheAuthorizationURL() throws {
        let listener = try LoopbackListener()
        defer { listener.close() }
        #expect(listener.expectState(fromAuthorizationURL: "https://as/authorize?client_id=c&state=a%20b&x=1"))
        #expect(!listener.expectState(fromAuthorizationURL: "https://as/authorize?client_id=c"))
    }
}
