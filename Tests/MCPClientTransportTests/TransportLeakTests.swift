import Glibc
import MCPClientCore
import MCPClientTesting
import MCPClientTransport
import Testing

/// Each transport, from a new I/O loop to its shutdown, must give back every descriptor, thread and child process.
@Suite(.serialized) struct TransportLeakTests {
    @Test func stdioTransportGivesEverythingBack() throws {
        let leaks = try ResourceCheck.leaks {
            let loop = try EventLoop()
            defer { loop.shutdown() }
            let recorder = Recorder()
            let transport = StdioTransport(launch: StdioLaunch(command: "cat"), loop: loop, logSink: recorder)
            try transport.start(delegate: recorder)
            try transport.send(Array(#"{"jsonrpc":"2.0","method":"x"}"#.utf8))
            #expect(recorder.firstLine.wait(timeoutNanoseconds: 5_000_000_000) != nil)
            #expect(closeAndWait(transport))
        }
        #expect(leaks.isEmpty, "left over: \(leaks)")
    }

    @Test func aServerThatIgnoresEOFIsStillReaped() throws {
        let leaks = try ResourceCheck.leaks {
            let loop = try EventLoop()
            defer { loop.shutdown() }
            let recorder = Recorder()
            let transport = StdioTransport(launch: shell("trap '' TERM; echo up; sleep 30", grace: 200_000_000), loop: loop, logSink: recorder)
            try transport.start(delegate: recorder)
            #expect(recorder.firstLine.wait(timeoutNanoseconds: 5_000_000_000) == "up")
            #expect(closeAndWait(transport))
        }
        #expect(leaks.isEmpty, "left over: \(leaks)")
    }

    @Test func httpEngineGivesEverythingBack() throws {
        let server = try LocalHTTPServer()
        let leaks = try ResourceCheck.leaks {
            let loop = try EventLoop()
            defer { loop.shutdown() }
            let engine = try HTTPEngine(loop: loop)
            defer { engine.close() }
            let get = Collected()
            _ = engine.start(HTTPRequest(method: "GET", url: server.url("/hello")), handler: get.handler)
            #expect(get.wait() == .some(nil))
            // A stream still open when the engine closes.
            let stalled = Collected()
            _ = engine.start(HTTPRequest(method: "GET", url: server.url("/stall")), handler: stalled.handler)
            let exchange = engine.callerThreadExchange()
            let post = Collected()
            engine.perform(HTTPRequest(method: "POST", url: server.url("/echo"), body: Array("ping".utf8)), handler: post.handler,
                exchange: exchange, deadline: { SystemClock().nowNanoseconds() + 10_000_000_000 })
            #expect(post.text == "ping")
        }
        #expect(leaks.isEmpty, "left over: \(leaks)")
    }
}
