// libFuzzer target for what the OAuth engine reads from servers: WWW-Authenticate challenges, RFC 9728 protected
// resource metadata, RFC 8414 authorization server metadata, and the URLs in them. scripts/fuzz oauth [seconds].
//
// Input: byte 0 picks the reader (mod 4), byte 1 a variant (server URL, expected issuer, policy); the rest is the
// header values (one per line), the metadata document or the URL.
// Properties, besides "no crash, no hang, no sanitizer report":
//   - WWW-Authenticate: never more than the challenge and parameter caps; schemes and parameter names are tokens,
//     names lowercased; `bearer` is the first Bearer challenge; scopes are valid and distinct; the challenges
//     written back as a header parse to the same challenges;
//   - metadata: a document that passes has a resource matching the server (PRM), the expected issuer and only
//     endpoints the scheme policy allows, without fragments (AS); its raw JSON written and parsed again gives the
//     same metadata; a refusal names its reason;
//   - URLs: a parsed URL's `string` parses to the same URL, and its discovery candidates are allowed URLs.
import MCPClientCore
import MCPClientOAuth

private let serverURLs = ["https://mcp.example.com/mcp", "https://mcp.example.com", "http://localhost:8080/a/b/", "https://[::1]:8443/x?y=1"]
private let issuers: [String?] = [nil, "https://auth.example.com", "https://auth.example.com/tenant/1", "http://127.0.0.1:9000"]

private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}

private func isToken(_ text: String) -> Bool {
    !text.isEmpty && text.utf8.allSatisfy { byte in
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
        default: Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }
}

private func quoted(_ value: String) -> String {
    var out = "\""
    for scalar in value.unicodeScalars {
        if scalar == "\"" || scalar == "\\" { out += "\\" }
        out.unicodeScalars.append(scalar)
    }
    return out + "\""
}

private func header(_ challenges: [Challenge]) -> String {
    challenges.map { challenge in
        if let token68 = challenge.token68 { return challenge.scheme + " " + token68 }
        if challenge.parameters.isEmpty { return challenge.scheme }
        return challenge.scheme + " " + challenge.parameters.map { $0.name + "=" + quoted($0.value) }.joined(separator: ", ")
    }.joined(separator: ", ")
}

private func fuzzChallenges(_ text: String) {
    let values = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let challenges = WWWAuthenticate.parse(values)
    check(challenges.count <= WWWAuthenticate.maxChallenges, "\(challenges.count) challenges")
    for challenge in challenges {
        check(isToken(challenge.scheme), "scheme \(challenge.scheme) is not a token")
        check(challenge.parameters.count <= WWWAuthenticate.maxParametersPerChallenge, "\(challenge.parameters.count) parameters")
        check(challenge.token68 == nil || challenge.parameters.isEmpty, "a token68 and parameters")
        for parameter in challenge.parameters {
            check(isToken(parameter.name) && parameter.name == parameter.name.lowercased(), "parameter name \(parameter.name)")
        }
        let scopes = challenge.scopes
        check(Set(scopes).count == scopes.count && scopes.allSatisfy(Scopes.isValidToken), "scopes \(scopes)")
    }
    check(WWWAuthenticate.bearer(values) == challenges.first { $0.isBearer }, "bearer is not the first Bearer challenge")
    let written = header(challenges)
    guard written.utf8.count <= WWWAuthenticate.maxHeaderBytes else { return }
    let again = WWWAuthenticate.parse([written])
    check(again == challenges, "written challenges read back differently:\n\(challenges)\n---\n\(written)\n---\n\(again)")
}

private func fuzzProtectedResource(_ bytes: [UInt8], variant: UInt8) {
    let serverURL: OAuthURL
    do { serverURL = try OAuthURL(serverURLs[Int(variant) % serverURLs.count]) } catch { fatalError("fixed server URL refused") }
    let metadata: ProtectedResourceMetadata
    do { metadata = try ProtectedResourceMetadata.parse(bytes, serverURL: serverURL) } catch {
        check(error.details["reason"]?.stringValue != nil, "a refusal without a reason: \(error)")
        return
    }
    check(ResourceIndicator.matches(resource: metadata.resource, serverURL: serverURL), "resource \(metadata.resource) does not match")
    check(!metadata.authorizationServers.isEmpty && metadata.authorizationServers.count <= MetadataLimits.maxListEntries, "servers")
    check((metadata.scopesSupported?.count ?? 0) <= MetadataLimits.maxListEntries, "scopes")
    let again = Result { () throws(MCPError) in try ProtectedResourceMetadata.parse(JSONWriter.serialize(.object(metadata.raw)), serverURL: serverURL) }
    check((try? again.get()) == metadata, "the written metadata parses differently:\n\(metadata)\n---\n\(again)")
}

private func fuzzAuthorizationServer(_ bytes: [UInt8], variant: UInt8) {
    let expected = issuers[Int(variant) % issuers.count]
    let policy = URLSchemePolicy(allowLoopbackHTTP: variant & 0x10 == 0)
    let metadata: AuthorizationServerMetadata
    do { metadata = try AuthorizationServerMetadata.parse(bytes, expectedIssuer: expected, policy: policy) } catch {
        check(error.details["reason"]?.stringValue != nil, "a refusal without a reason: \(error)")
        return
    }
    if let expected { check(metadata.issuer == expected, "issuer \(metadata.issuer) is not \(expected)") }
    let endpoints = [metadata.authorizationEndpoint, metadata.tokenEndpoint, metadata.registrationEndpoint, metadata.revocationEndpoint]
    for case let endpoint? in endpoints {
        check(!endpoint.hasFragment, "endpoint \(endpoint) has a fragment")
        check((try? policy.check(endpoint, role: "endpoint")) != nil, "endpoint \(endpoint) breaks the policy")
    }
    if metadata.codeChallengeMethodsSupported?.contains("S256") == true {
        check((try? metadata.requirePKCES256()) == false, "S256 is listed but refused")
    }
    let again = Result { () throws(MCPError) in
        try AuthorizationServerMetadata.parse(JSONWriter.serialize(.object(metadata.raw)), expectedIssuer: expected, policy: policy)
    }
    check((try? again.get()) == metadata, "the written metadata parses differently:\n\(metadata)\n---\n\(again)")
}

private func fuzzURL(_ text: String) {
    guard let url = try? OAuthURL(text) else { return }
    // (An IPv6 zone is an interface name, which is case-sensitive.)
    let hostName = url.host.prefix { $0 != "%" }
    check(url.scheme == url.scheme.lowercased() && hostName == hostName.lowercased(), "scheme or host not lowercased: \(url)")
    guard let again = try? OAuthURL(url.string) else { fatalError("\(url.string) (from \(text)) does not parse") }
    var expected = url
    expected.hasFragment = false
    check(again == expected, "\(url.string) parses to \(again), not \(expected)")
    let candidates = Discovery.resourceMetadataCandidates(serverURL: url, hint: nil)
    check(!candidates.urls.isEmpty && candidates.urls.allSatisfy { $0.sameOrigin(url) && $0.query == nil }, "candidates \(candidates.urls)")
    if let issuerURLs = try? Discovery.authorizationServerMetadataCandidates(issuer: text) {
        check(issuerURLs.allSatisfy { $0.sameOrigin(url) && !$0.hasFragment }, "issuer candidates \(issuerURLs)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOAuth(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size >= 2 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 2, count: size - 2))
    switch data[0] & 3 {
    case 0: fuzzChallenges(String(decoding: bytes, as: UTF8.self))
    case 1: fuzzProtectedResource(bytes, variant: data[1])
    case 2: fuzzAuthorizationServer(bytes, variant: data[1])
    default: fuzzURL(String(decoding: bytes, as: UTF8.self))
    }
    return 0
}
