import MCPClientCore
@testable import MCPClientProtocol
import MCPClientTesting
import Testing

/// A server with `pages` pages of `perPage` tools. Replies are queued, not delivered inside `send`, so a listing
/// of a thousand pages does not nest a thousand sends on the test's stack; `pump` delivers them one at a time.
private final class PagedServer: @unchecked Sendable {
    let pages: Int
    let perPage: Int
    private let queue = Locked<[JSONValue]>([])
    private let requested = Locked<Int>(0)
    var pagesRequested: Int { requested.withLock { $0 } }

    init(pages: Int, perPage: Int = 1) {
        self.pages = pages
        self.perPage = perPage
    }

    func transport() -> InMemoryTransport {
        InMemoryTransport { [self] message, _ in
            guard let id = message["id"], let method = message["method"]?.stringValue else { return }
            let result: JSONValue
            switch method {
            case "initialize": result = ["protocolVersion": "2025-11-25", "capabilities": ["tools": [:]]]
            case "tools/list":
                let page = requested.withLock { count -> Int in
                    count += 1
                    return count
                }
                var object: JSONObject = ["tools": .array((0..<perPage).map { .object(["name": .string("t\(page)_\($0)")]) })]
                if page < pages { object["nextCursor"] = .string("c\(page)") }
                result = .object(object)
            default: result = ["error": ["code": -32601, "message": "no"]]
            }
            queue.withLock { $0.append(["jsonrpc": "2.0", "id": id, "result": result]) }
        }
    }

    /// Delivers queued replies until `done` or nothing is left (bounded).
    func pump(_ transport: InMemoryTransport, until done: () -> Bool) {
        for _ in 0..<1_000_000 {
            if done() { return }
            guard let next = queue.withLock({ queue -> JSONValue? in queue.isEmpty ? nil : queue.removeFirst() }) else { return }
            transport.deliver(next)
        }
    }
}

@Suite struct ListLimitTests {
    @Test func theDocumentedBoundsAreTheRealOnes() {
        #expect(ClientSession.maxPages == 1000)
        #expect(ClientSession.maxListItems == 100_000)
    }

    private func list(_ server: PagedServer) -> Result<[JSONValue], MCPError>? {
        let transport = server.transport()
        let session = ClientSession(rpc: RPCSession(transport: transport, scheduler: nil), options: ClientOptions())
        let connected = Box<Bool>()
        session.connect(knownEra: .legacy, timeoutNanoseconds: 30_000_000_000) { _ in connected.append(true) }
        server.pump(transport) { !connected.values.isEmpty }
        let box = Box<Result<[JSONValue], MCPError>>()
        session.list(.tools, timeoutNanoseconds: nil) { box.append($0) }
        server.pump(transport) { !box.values.isEmpty }
        return box.values.first
    }

    @Test func aListingOfExactlyAThousandPagesIsReadAndOneMoreIsRefused() throws {
        let thousand = PagedServer(pages: 1000)
        #expect(try list(thousand)?.get().count == 1000)
        #expect(thousand.pagesRequested == 1000)

        let endless = PagedServer(pages: .max)
        guard case .failure(let error) = list(endless) else { Issue.record("expected the page cap"); return }
        #expect(error.code == .protocolError && error.source == .peer)
        #expect(error.details["limit"] == 1000 && error.details["pages"] == 1000)
        #expect(endless.pagesRequested == 1000)  // the 1001st page is never asked for
    }

    @Test func aListingOfExactlyAHundredThousandItemsIsReadAndOneMoreIsRefused() throws {
        #expect(try list(PagedServer(pages: 100, perPage: 1000))?.get().count == 100_000)
        guard case .failure(let error) = list(PagedServer(pages: 2, perPage: 50_001)) else { Issue.record("expected the item cap"); return }
        #expect(error.code == .protocolError && error.details["items"] == 100_002)
    }
}
