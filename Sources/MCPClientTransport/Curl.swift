import CCurl
public import MCPClientCore

/// libcurl, loaded on first use. The HTTP engine (a later issue) drives its multi interface from the EventLoop.
public enum Curl {
    /// The loaded function table, or a clear error when libcurl is not installed.
    static func api() throws(MCPError) -> UnsafePointer<ccurl_api> {
        var reason: UnsafePointer<CChar>?
        guard let api = ccurl_load(&reason) else {
            throw MCPError(.unsupported, reason.map { String(cString: $0) } ?? "libcurl could not be loaded")
        }
        return api
    }

    /// libcurl's version string, e.g. "libcurl/7.88.1 OpenSSL/3.0.x ...".
    public static func versionDescription() throws(MCPError) -> String {
        guard let version = try api().pointee.version?() else { throw MCPError(.generic, "curl_version returned NULL") }
        return String(cString: version)
    }
}
