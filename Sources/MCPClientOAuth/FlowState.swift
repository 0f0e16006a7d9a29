public import MCPClientCore

/// What a pending authorization flow must persist so that any process sharing the store can complete it
/// (oauth.md §6.5–6.6; LibreChat #14724 lost the client id by keeping less). `description` hides the verifier
/// and the state.
public struct FlowState: Sendable, Equatable, CustomStringConvertible {
    public enum Status: String, Sendable {
        case pending, completed, failed
    }

    /// Deterministic per user and server, so concurrent triggers join one flow.
    public var flowID: String
    public var status: Status
    public var state: String
    public var codeVerifier: String
    /// The validated issuer recorded before the redirect (RFC 9207 check at the callback).
    public var issuer: String
    public var issParameterSupported: Bool
    public var authorizationURL: String
    public var redirectURI: String
    public var clientID: String
    public var tokenEndpoint: String
    public var resource: String
    public var scopes: [String]?
    public var createdAt: Int64
    /// Who and what the flow is for, so a callback that carries only `state` finds its way back.
    public var user = ""
    public var server = ""
    /// How the client authenticates at the token endpoint (decided before the redirect, used at the exchange).
    public var clientAuthMethod: ClientAuthMethod?
    /// Why the flow failed (a stable reason), kept for the record's lifetime so every replica sees it.
    public var failureReason: String?

    /// Defaults from oauth.md §6.6: the user has 10 minutes; the record lives 15.
    public static let handlingTimeoutSeconds: Int64 = 600
    public static let recordTTLSeconds: Int64 = 900

    public init(
        flowID: String, status: Status = .pending, state: String, codeVerifier: String, issuer: String, issParameterSupported: Bool,
        authorizationURL: String, redirectURI: String, clientID: String, tokenEndpoint: String, resource: String, scopes: [String]?,
        createdAt: Int64
    ) {
        self.flowID = flowID
        self.status = status
        self.state = state
        self.codeVerifier = codeVerifier
        self.issuer = issuer
        self.issParameterSupported = issParameterSupported
        self.authorizationURL = authorizationURL
        self.redirectURI = redirectURI
        self.clientID = clientID
        self.tokenEndpoint = tokenEndpoint
        self.resource = resource
        self.scopes = scopes
        self.createdAt = createdAt
    }

    public static func flowID(user: String, server: String) -> String {
        FormEncoding.percentEncode(user) + ":" + FormEncoding.percentEncode(server)
    }

    public var description: String { "FlowState(\(flowID), \(status.rawValue), issuer: \(issuer), createdAt: \(createdAt))" }

    /// A pending flow younger than the handling timeout is joined rather than restarted.
    public func isJoinable(now: Int64, timeoutSeconds: Int64 = handlingTimeoutSeconds) -> Bool {
        status == .pending && now >= createdAt && now &- createdAt < timeoutSeconds
    }

    public var json: JSONValue {
        var object: JSONObject = [
            "flow_id": .string(flowID), "status": .string(status.rawValue), "state": .string(state), "code_verifier": .string(codeVerifier),
            "issuer": .string(issuer), "iss_parameter_supported": .bool(issParameterSupported), "authorization_url": .string(authorizationURL),
            "redirect_uri": .string(redirectURI), "client_id": .string(clientID), "token_endpoint": .string(tokenEndpoint),
            "resource": .string(resource), "created_at": .int(createdAt),
        ]
        if let scopes { object["scope"] = .string(Scopes.join(scopes)) }
        object["user"] = .string(user)
        object["server"] = .string(server)
        if let clientAuthMethod { object["client_auth_method"] = .string(clientAuthMethod.rawValue) }
        if let failureReason { object["failure_reason"] = .string(failureReason) }
        return .object(object)
    }

    public init(json: JSONValue) throws(MCPError) {
        func string(_ key: String) throws(MCPError) -> String {
            guard let value = json[key]?.stringValue else {
                throw MCPError(.invalid, "stored flow record is incomplete (\(key))", source: .auth, details: ["reason": "record_invalid"])
            }
            return value
        }
        guard let status = json["status"]?.stringValue.flatMap(Status.init(rawValue:)), let createdAt = json["created_at"]?.int64Value else {
            throw MCPError(.invalid, "stored flow record is incomplete", source: .auth, details: ["reason": "record_invalid"])
        }
        self.init(
            flowID: try string("flow_id"), status: status, state: try string("state"), codeVerifier: try string("code_verifier"),
            issuer: try string("issuer"), issParameterSupported: json["iss_parameter_supported"]?.boolValue ?? false,
            authorizationURL: try string("authorization_url"), redirectURI: try string("redirect_uri"), clientID: try string("client_id"),
            tokenEndpoint: try string("token_endpoint"), resource: try string("resource"),
            scopes: json["scope"]?.stringValue.map { Scopes.parse($0) }, createdAt: createdAt)
        user = json["user"]?.stringValue ?? ""
        server = json["server"]?.stringValue ?? ""
        clientAuthMethod = json["client_auth_method"]?.stringValue.flatMap(ClientAuthMethod.init(rawValue:))
        failureReason = json["failure_reason"]?.stringValue
    }
}
