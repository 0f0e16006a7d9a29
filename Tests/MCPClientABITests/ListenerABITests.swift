import Dispatch
import Glibc
import MCPClientCore
import Testing

@testable import MCPClientABI

private let CANCELLED: Int32 = -7, TRANSPORT: Int32 = -5

/// Sends one GET to 127.0.0.1:port and returns the status line of the answer.
private func httpGet(port: UInt16, _ target: String) -> String {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return "no socket" }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { return "refused" }
    let request = Array("GET \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\r\n".utf8)
    _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    var response: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 2048)
    while true {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, 5_000) > 0 else { break }
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { break }
        response += chunk.prefix(count)
    }
    return String(decoding: response.prefix { $0 != 0x0D }, as: UTF8.self)
}

@Suite struct ListenerABITests {
    func redirectURI(_ listener: OpaquePointer?) -> String? {
        var uri: UnsafeMutablePointer<CChar>?
        guard code(mcpOAuthListenerRedirectURI(listener, &uri, nil)) == OK else { return nil }
        return takeString(uri)
    }

    @Test func waitReturnsTheCallbackURL() throws {
        var listener: OpaquePointer?
        var error: UnsafeMutablePointer<CChar>?
        #expect(code(mcpOAuthListenerNew(&listener, #"{"path":"/cb"}"#, &error)) == OK)
        defer { mcpOAuthListenerFree(listener) }
        let uri = try #require(redirectURI(listener))
        #expect(uri.hasPrefix("http://127.0.0.1:") && uri.hasSuffix("/cb"))
        let port = try #require(UInt16(uri.dropFirst("http://127.0.0.1:".count).prefix { $0 != "/" }))
        let statuses = Locked<[String]>([])
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            statuses.withLock { $0.append(httpGet(port: port, "/other")) }
            statuses.withLock { $0.append(httpGet(port: port, "/cb?code=abc&state=xyz")) }
            done.signal()
        }
        var url: UnsafeMutablePointer<CChar>?
        #expect(code(mcpOAuthListenerWait(listener, 10_000, &url, &error)) == OK)
        done.wait()
        #expect(takeString(url) == uri + "?code=abc&state=xyz")
        #expect(statuses.withLock { $0 } == ["HTTP/1.1 404 Not Found", "HTTP/1.1 200 OK"])
        #expect(code(mcpOAuthListenerWait(listener, 10, &url, &error)) == CLOSED)
        _ = takeString(error)
    }

    @Test func timeoutCancelAndFree() throws {
        var listener: OpaquePointer?
        var error: UnsafeMutablePointer<CChar>?
        var url: UnsafeMutablePointer<CChar>?
        #expect(code(mcpOAuthListenerNew(&listener, nil, &error)) == OK)
        #expect(code(mcpOAuthListenerWait(listener, 50, &url, &error)) == TIMEOUT)
        #expect(try errorJSON(error)["details"]?["reason"] == "callback_timeout")
        mcpOAuthListenerFree(listener)

        #expect(code(mcpOAuthListenerNew(&listener, nil, &error)) == OK)
        let handle = UInt(bitPattern: listener)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            usleep(100_000)
            _ = mcpOAuthListenerCancel(OpaquePointer(bitPattern: handle))
            done.signal()
        }
        #expect(code(mcpOAuthListenerWait(listener, -1, &url, &error)) == CANCELLED)
        _ = takeString(error)
        done.wait()
        mcpOAuthListenerFree(listener)
        #expect(code(mcpOAuthListenerCancel(listener)) == CLOSED)
        #expect(code(mcpOAuthListenerWait(listener, 10, &url, &error)) == CLOSED)
        _ = takeString(error)

        // Freeing from another thread wakes the waiter.
        #expect(code(mcpOAuthListenerNew(&listener, nil, &error)) == OK)
        let freed = UInt(bitPattern: listener)
        DispatchQueue.global().async {
            usleep(100_000)
            mcpOAuthListenerFree(OpaquePointer(bitPattern: freed))
            done.signal()
        }
        #expect(code(mcpOAuthListenerWait(listener, 10_000, &url, &error)) == CANCELLED)
        _ = takeString(error)
        done.wait()
    }

    @Test func badArguments() throws {
        var listener: OpaquePointer?
        var error: UnsafeMutablePointer<CChar>?
        var url: UnsafeMutablePointer<CChar>?
        #expect(code(mcpOAuthListenerNew(nil, nil, &error)) == INVALID)
        _ = takeString(error)
        for options in [#"{"port":70000}"#, #"{"port":"80"}"#, #"{"path":5}"#, #"{"host":"0.0.0.0"}"#] {
            #expect(code(mcpOAuthListenerNew(&listener, options, &error)) == INVALID, "\(options)")
            _ = takeString(error)
        }
        #expect(code(mcpOAuthListenerNew(&listener, #"{"path":"cb"}"#, &error)) == CONFIG)
        _ = takeString(error)
        #expect(code(mcpOAuthListenerWait(nil, 0, &url, &error)) == INVALID)
        _ = takeString(error)
        #expect(code(mcpOAuthListenerCancel(nil)) == INVALID)
        #expect(code(mcpOAuthListenerRedirectURI(nil, &url, nil)) == INVALID)

        // A port in use.
        #expect(code(mcpOAuthListenerNew(&listener, nil, &error)) == OK)
        defer { mcpOAuthListenerFree(listener) }
        let uri = try #require(redirectURI(listener))
        let port = uri.dropFirst("http://127.0.0.1:".count).prefix { $0 != "/" }
        var second: OpaquePointer?
        #expect(code(mcpOAuthListenerNew(&second, #"{"port":\#(port)}"#, &error)) == TRANSPORT)
        #expect(try errorJSON(error)["details"]?["errno"] == .int(Int64(EADDRINUSE)))
        #expect(code(mcpOAuthListenerWait(listener, 10, nil, &error)) == INVALID)
        _ = takeString(error)
        mcpOAuthListenerFree(nil)
    }
}
