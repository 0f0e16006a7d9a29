import Glibc
import MCPClientCore
import MCPClientTransport
import Testing

/// A session stand-in: like RPCSession it holds its transport, so a transport that kept its delegate after closing
/// would keep both alive for good (the scale benchmark found about 3 KB lost per closed HTTP connection).
private final class Owner: TransportDelegate, @unchecked Sendable {
    var transport: (any MessageTransport)?
    let closed = Waiter<MCPError?>()
    func transport(didReceive message: UnsafeRawBufferPointer) {}
    func transportDidClose(error: MCPError?) { closed.resolve(error) }
}

/// The loop thread may still be finishing a cancelled exchange that holds the transport: wait up to 5 s.
private func eventually(_ condition: () -> Bool) -> Bool {
    for _ in 0..<500 {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}

@Suite(.serialized) struct TransportReleaseTests {
    @Test func streamableHTTPLetsGoOfItsSessionOnClose() throws {
        let loop = try EventLoop()
        defer { loop.shutdown() }
        let engine = try HTTPEngine(loop: loop)
        defer { engine.close() }
        weak var weakOwner: Owner?
        weak var weakTransport: StreamableHTTPTransport?
        do {
            let owner = Owner()
            let transport = StreamableHTTPTransport(options: .init(url: "http://127.0.0.1:9/mcp"), engine: engine)
            owner.transport = transport
            try transport.start(delegate: owner)
            (weakOwner, weakTransport) = (owner, transport)
            let done = Waiter<Bool>()
            transport.close { done.resolve(true) }
            #expect(done.wait(timeoutNanoseconds: 5_000_000_000) == true)
            #expect(owner.closed.isResolved)
        }
        #expect(eventually { weakOwner == nil && weakTransport == nil })
    }

    @Test func sseLetsGoOfItsSessionOnClose() throws {
        let server = try LocalHTTPServer()
        let loop = try EventLoop()
        defer { loop.shutdown() }
        let engine = try HTTPEngine(loop: loop)
        defer { engine.close() }
        weak var weakOwner: Owner?
        weak var weakTransport: SSETransport?
        do {
            let owner = Owner()
            // /stall answers with an event stream that stays open: the close has a live exchange to end.
            let transport = SSETransport(options: .init(url: server.url("/stall")), engine: engine)
            owner.transport = transport
            try transport.start(delegate: owner)
            (weakOwner, weakTransport) = (owner, transport)
            let done = Waiter<Bool>()
            transport.close { done.resolve(true) }
            #expect(done.wait(timeoutNanoseconds: 5_000_000_000) == true)
            #expect(owner.closed.isResolved)
        }
        #expect(eventually { weakOwner == nil && weakTransport == nil })
    }

    @Test func sseLetsGoOfItsSessionWhenTheServerIsGone() throws {
        let loop = try EventLoop()
        defer { loop.shutdown() }
        let engine = try HTTPEngine(loop: loop)
        defer { engine.close() }
        weak var weakOwner: Owner?
        do {
            let owner = Owner()
            let transport = SSETransport(options: .init(url: "http://127.0.0.1:9/sse"), engine: engine)  // nothing listens
            owner.transport = transport
            try transport.start(delegate: owner)
            weakOwner = owner
            let closedWith = owner.closed.wait(timeoutNanoseconds: 10_000_000_000)
            #expect(closedWith.flatMap { $0 } != nil)  // closed, with the connection's error
        }
        #expect(eventually { weakOwner == nil })
    }
}
