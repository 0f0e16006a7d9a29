import CCurl
import Glibc
public import MCPClientCore

/// A connection libcurl opened (TCP, TLS, proxy, address check) and handed over: bytes in and out, no HTTP.
/// Used on the I/O thread only.
public final class RawConnection: @unchecked Sendable {
    private let api: UnsafePointer<ccurl_api>
    private var easy: UnsafeMutableRawPointer?
    private weak var engine: HTTPEngine?

    init(api: UnsafePointer<ccurl_api>, easy: UnsafeMutableRawPointer, engine: HTTPEngine) {
        self.api = api
        self.easy = easy
        self.engine = engine
    }

    /// The socket to watch for readiness (-1 once closed).
    public var descriptor: Int32 {
        guard let easy else { return -1 }
        var fd: curl_socket_t = -1
        return ccurl_getinfo_socket(api, easy, &fd) == CURLE_OK ? fd : -1
    }

    public enum Outcome { case done(Int), wouldBlock, closed, failed(MCPError) }

    public func send(_ bytes: UnsafeRawBufferPointer) -> Outcome {
        guard let easy, let base = bytes.baseAddress else { return .closed }
        var sent = 0
        let code = api.pointee.easy_send?(easy, base, bytes.count, &sent) ?? CURLE_SEND_ERROR
        switch code {
        case CURLE_OK: return .done(sent)
        case CURLE_AGAIN: return .wouldBlock
        default: return .failed(error(code))
        }
    }

    public func receive(into buffer: UnsafeMutableRawBufferPointer) -> Outcome {
        guard let easy, let base = buffer.baseAddress else { return .closed }
        var received = 0
        let code = api.pointee.easy_recv?(easy, base, buffer.count, &received) ?? CURLE_RECV_ERROR
        switch code {
        case CURLE_OK: return received == 0 ? .closed : .done(received)
        case CURLE_AGAIN: return .wouldBlock
        default: return .failed(error(code))
        }
    }

    /// Closes the connection; on the I/O thread.
    public func close() {
        guard let handle = easy else { return }
        easy = nil
        engine?.release(connection: handle)
    }

    private func error(_ code: CURLcode) -> MCPError {
        let reason = api.pointee.easy_strerror?(code).map { String(cString: $0) } ?? "error \(code.rawValue)"
        return MCPError.transport("the connection failed: \(reason)", details: ["curl_code": .int(Int64(code.rawValue))])
    }
}
