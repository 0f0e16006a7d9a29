// Types holding secrets print through `description` only: without a custom mirror, `dump`, `String(reflecting:)`
// fallbacks and debuggers would list every stored property, tokens and keys included.

extension PKCE: CustomReflectable {
    public var customMirror: Mirror { Mirror(self, children: ["summary": description]) }
}

extension AuthorizationRequest: CustomReflectable {
    public var customMirror: Mirror { Mirror(self, children: ["summary": description]) }
}

extension AuthorizationCallback: CustomReflectable {
    public var customMirror: Mirror { Mirror(self, children: ["summary": description]) }
}

extension ClientCredentials: CustomReflectable {
    public var customMirror: Mirror { Mirror(self, children: ["summary": description]) }
}

extension TokenRequest: CustomReflectable {
    public var customMirror: Mirror { Mirror(self, children: ["summary": description]) }
}

extension RevocationRequest: CustomReflectable {
    public var customMirror: Mirror { Mirror(self, children: ["summary": description]) }
}

extension TokenSet: CustomReflectable {
    public var customMirror: Mirror { Mirror(self, children: ["summary": description]) }
}

extension ClientRegistration: CustomReflectable {
    public var customMirror: Mirror { Mirror(self, children: ["summary": description]) }
}

extension FlowState: CustomReflectable {
    public var customMirror: Mirror { Mirror(self, children: ["summary": description]) }
}

extension CredentialKeyring: CustomReflectable {
    public var customMirror: Mirror { Mirror(self, children: ["summary": description]) }
}

/// A server's OAuth settings carry the client secret and `oauth_headers` values: printed, they show neither.
extension OAuthServerSettings: CustomStringConvertible, CustomReflectable {
    public var description: String {
        "OAuthServerSettings(server: \(server), url: \(url), grant: \(grant), clientID: \(clientID ?? "none"), "
            + "clientSecret: \(clientSecret == nil ? "none" : "<redacted>"), signingKey: \(signingKey == nil ? "none" : "<redacted>"), "
            + "oauthHeaders: \(http.headers.map(\.name)))"
    }
    public var customMirror: Mirror { Mirror(self, children: ["summary": description]) }
}
