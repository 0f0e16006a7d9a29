import MCPClientCore

/// What the loopback listener makes of one HTTP request head: the authorization callback (answered and handed to the
/// waiter), or something to answer and forget. Pure functions over bytes, so hostile input is testable without
/// sockets.
enum LoopbackRequest {
    enum Verdict: Equatable {
        /// The authorization response: `target` is the request target (path and query) as sent.
        case callback(target: String, response: LoopbackResponse)
        case reject(LoopbackResponse)
    }

    /// The end of the head (just past the blank line), accepting bare LF line ends as well.
    static func headEnd(_ bytes: [UInt8]) -> Int? {
        var index = 0
        while index < bytes.count {
            if bytes[index] == 0x0A {
                if index + 1 < bytes.count, bytes[index + 1] == 0x0A { return index + 2 }
                if index + 2 < bytes.count, bytes[index + 1] == 0x0D, bytes[index + 2] == 0x0A { return index + 3 }
            }
            index += 1
        }
        return nil
    }

    /// `expectedState`: when set, an authorization response whose `state` differs (another sign-in's, or a forged one
    /// from a local process that found the port) is answered 400 and waiting goes on.
    static func evaluate(head: [UInt8], path: String, port: UInt16, expectedState: String? = nil) -> Verdict {
        let lines = head.split(separator: 0x0A, omittingEmptySubsequences: false).map { line in
            line.last == 0x0D ? line.dropLast() : line
        }
        let requestLine = lines.first.map { Array($0) } ?? []
        let parts = requestLine.split(separator: 0x20, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[2].starts(with: Array("HTTP/1.".utf8)),
            let target = printableTarget(parts[1])
        else { return .reject(.page(400, "Bad Request", title: "Bad request", message: "The request could not be read.")) }
        guard Array(parts[0]) == Array("GET".utf8) else {
            return .reject(.page(405, "Method Not Allowed", title: "Method not allowed", message: "Only GET is served here.", headers: [("Allow", "GET")]))
        }
        // A page that rebinds its own host name to 127.0.0.1 cannot pass as the authorization redirect.
        var host: String?
        for line in lines.dropFirst() where !line.isEmpty {
            guard let field = ASCII.headerField(String(decoding: line, as: UTF8.self)) else { continue }
            if ASCII.equalsIgnoringCase(field.name, "host") {
                guard host == nil else { return .reject(.page(400, "Bad Request", title: "Bad request", message: "The request has two Host headers.")) }
                host = field.value
            }
        }
        // Browsers leave the default port out of Host.
        let names = port == 80 ? ["127.0.0.1", "localhost", "127.0.0.1:80", "localhost:80"] : ["127.0.0.1:\(port)", "localhost:\(port)"]
        if let host, !names.contains(where: { ASCII.equalsIgnoringCase(host, $0) }) {
            return .reject(.page(400, "Bad Request", title: "Bad request", message: "This listener only answers its own address."))
        }
        let pathEnd = target.utf8.firstIndex(of: UInt8(ascii: "?")) ?? target.utf8.endIndex
        guard String(target[..<pathEnd]) == path else {
            return .reject(.page(404, "Not Found", title: "Not found", message: "Nothing here."))
        }
        // The same reading the flow's completion will make of it.
        let callback = (try? AuthorizationCallback.parse(callbackURL: "http://127.0.0.1" + target)) ?? AuthorizationCallback()
        let code = callback.code, errorDescription = callback.errorDescription
        if let expectedState, code != nil || callback.error != nil,
           !AuthorizationCallback.constantTimeEqual(callback.state ?? "", expectedState) {
            // Nothing from it is shown: an error text from a response that is not ours is not the provider's word.
            return .reject(.page(400, "Bad Request", title: "Not this sign-in",
                message: "This response belongs to another sign-in; still waiting for the expected one."))
        }
        if let error = callback.error {
            var message = "The authorization server reported: " + AuthorizationCallback.printable(error, limit: 64) + "."
            if let errorDescription { message += " " + AuthorizationCallback.printable(errorDescription, limit: 300) }
            return .callback(target: target, response: .page(200, "OK", title: "Authorization failed",
                message: message + " You can close this window and return to the application."))
        }
        if code != nil {
            // Never echo the code: this page may be cached, screenshotted or read by an extension.
            return .callback(target: target, response: .page(200, "OK", title: "Authorization complete",
                message: "You can close this window and return to the application."))
        }
        return .reject(.page(400, "Bad Request", title: "Not an authorization response",
            message: "The request has neither a code nor an error; still waiting for the authorization server."))
    }

    /// The request target: origin form, visible ASCII only (a browser percent-encodes everything else).
    private static func printableTarget(_ bytes: ArraySlice<UInt8>) -> String? {
        guard bytes.first == UInt8(ascii: "/"), bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A complete HTTP/1.1 response with a small HTML page; the connection closes after it.
struct LoopbackResponse: Equatable {
    var status: Int
    var bytes: [UInt8]

    static func page(_ status: Int, _ reason: String, title: String, message: String, headers: [(String, String)] = []) -> LoopbackResponse {
        let body = "<!doctype html><html><head><meta charset=\"utf-8\"><title>" + escape(title) + "</title></head><body><h1>"
            + escape(title) + "</h1><p>" + escape(message) + "</p></body></html>\n"
        var head = "HTTP/1.1 \(status) \(reason)\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: \(body.utf8.count)\r\n"
        // Nothing on the page loads anything, and nothing about this URL (which holds the code) leaks onward.
        head += "Connection: close\r\nCache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nX-Content-Type-Options: nosniff\r\n"
        head += "Content-Security-Policy: default-src 'none'\r\n"
        for (name, value) in headers { head += name + ": " + value + "\r\n" }
        return LoopbackResponse(status: status, bytes: Array((head + "\r\n" + body).utf8))
    }

    static func escape(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&#39;"
            default: output.unicodeScalars.append(character)
            }
        }
        return output
    }
}
