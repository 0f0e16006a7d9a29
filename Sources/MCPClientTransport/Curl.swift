import CCurl

/// libcurl, set up once per process. The HTTP engine (a later issue) drives its multi interface from the EventLoop.
public enum Curl {
    private static let initialized: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    /// libcurl's version string, e.g. "libcurl/7.88.1 OpenSSL/3.0.x ...".
    public static var versionDescription: String {
        _ = initialized
        return String(cString: curl_version())
    }
}
