import MCPClientCore

extension ServerConfig {
    /// How much a server's configuration is trusted (config-formats.md §5).
    public enum Tier: String, Sendable, CaseIterable {
        /// A file the operator wrote (LibreChat `yaml`).
        case `operator`
        /// An admin API or panel (LibreChat `config`).
        case admin
        /// Created by an end user (REST/DB): sandboxed.
        case user
        /// Shipped in a plugin package: nothing is interpolated.
        case plugin
    }

    /// Where a server's configuration came from.
    public struct Origin: Sendable, Equatable {
        public var format = "normalized"
        public var file: String?
        public var tier = Tier.operator
        public var originalName: String?
        public init() {}
    }

    public enum Instructions: Sendable, Equatable {
        case none
        /// Use the `instructions` the server sends at initialize.
        case fromServer
        case text(String)
    }

    /// Pre-configured OAuth (LibreChat `oauth` block); nil fields are discovered.
    public struct OAuth: Sendable, Equatable {
        public var authorizationURL: String?
        public var tokenURL: String?
        public var clientID: String?
        public var clientSecret: String?
        /// `private_key_jwt` (RFC 7523): the client's PEM private key, inline (usually `${VAR}`) or in a file.
        public var privateKey: String?
        public var privateKeyFile: String?
        /// The assertion's `kid` header, when the AS needs it to pick the key.
        public var privateKeyID: String?
        /// `RS256` or `ES256`; must fit the key (nil: the key's own).
        public var signingAlgorithm: String?
        public var scope: String?
        public var redirectURI: String?
        /// `default_post` (client_secret_post) or `basic_auth_header` (client_secret_basic).
        public var tokenExchangeMethod: String?
        public var grantTypes: [String]?
        public var tokenEndpointAuthMethods: [String]?
        public var responseTypes: [String]?
        public var codeChallengeMethods: [String]?
        public var skipCodeChallengeCheck = false
        public var audience: String?
        public var forwardAudienceOnRefresh = true
        public var revocationEndpoint: String?
        public var revocationAuthMethods: [String]?
        public init() {}
    }

    public struct APIKey: Sendable, Equatable {
        public var key: String?
        /// `admin` (the key is in the config) or `user` (each user supplies `MCP_API_KEY`).
        public var source: String
        /// `basic`, `bearer` or `custom` (then `customHeader`, default `X-Api-Key`).
        public var authorizationType: String
        public var customHeader: String?
        public init(key: String? = nil, source: String, authorizationType: String, customHeader: String? = nil) {
            self.key = key
            self.source = source
            self.authorizationType = authorizationType
            self.customHeader = customHeader
        }
    }

    public struct UserVar: Sendable, Equatable {
        public var title: String
        public var description: String
        public var sensitive: Bool
        public init(title: String, description: String, sensitive: Bool = true) {
            self.title = title
            self.description = description
            self.sensitive = sensitive
        }
    }

    /// Reads the fields besides the transport from an already validated normalized object.
    mutating func readDescriptiveFields(_ object: JSONObject) {
        normalized = object
        title = object["title"]?.stringValue
        description = object["description"]?.stringValue
        iconPath = object["iconPath"]?.stringValue
        chatMenu = object["chatMenu"]?.boolValue ?? true
        startup = object["startup"]?.boolValue ?? true
        switch object["serverInstructions"] {
        case .bool(true): serverInstructions = .fromServer
        case .string(let text): serverInstructions = .text(text)
        default: serverInstructions = .none
        }
        requiresOAuth = object["requiresOAuth"]?.boolValue
        if case .object(let block) = object["oauth"] ?? .null {
            var oauth = OAuth()
            oauth.authorizationURL = block["authorization_url"]?.stringValue
            oauth.tokenURL = block["token_url"]?.stringValue
            oauth.clientID = block["client_id"]?.stringValue
            oauth.clientSecret = block["client_secret"]?.stringValue
            oauth.privateKey = block["private_key"]?.stringValue
            oauth.privateKeyFile = block["private_key_file"]?.stringValue
            oauth.privateKeyID = block["private_key_id"]?.stringValue
            oauth.signingAlgorithm = block["signing_algorithm"]?.stringValue
            oauth.scope = block["scope"]?.stringValue
            oauth.redirectURI = block["redirect_uri"]?.stringValue
            oauth.tokenExchangeMethod = block["token_exchange_method"]?.stringValue
            oauth.grantTypes = Self.strings(block["grant_types_supported"])
            oauth.tokenEndpointAuthMethods = Self.strings(block["token_endpoint_auth_methods_supported"])
            oauth.responseTypes = Self.strings(block["response_types_supported"])
            oauth.codeChallengeMethods = Self.strings(block["code_challenge_methods_supported"])
            oauth.skipCodeChallengeCheck = block["skip_code_challenge_check"]?.boolValue ?? false
            oauth.audience = block["audience"]?.stringValue
            oauth.forwardAudienceOnRefresh = block["forward_audience_on_refresh"]?.boolValue ?? true
            oauth.revocationEndpoint = block["revocation_endpoint"]?.stringValue
            oauth.revocationAuthMethods = Self.strings(block["revocation_endpoint_auth_methods_supported"])
            self.oauth = oauth
        }
        oauthHeaders = Self.stringMap(object["oauth_headers"])
        if case .object(let key) = object["apiKey"] ?? .null {
            apiKey = APIKey(
                key: key["key"]?.stringValue, source: key["source"]?.stringValue ?? "admin",
                authorizationType: key["authorization_type"]?.stringValue ?? "bearer", customHeader: key["custom_header"]?.stringValue)
        }
        if case .object(let vars) = object["customUserVars"] ?? .null {
            for (name, spec) in vars {
                customUserVars[name] = UserVar(
                    title: spec["title"]?.stringValue ?? name, description: spec["description"]?.stringValue ?? "",
                    sensitive: spec["sensitive"]?.boolValue ?? true)
            }
        }
        oboScopes = object["obo"]?["scopes"]?.stringValue
        enabled = object["enabled"]?.boolValue ?? true
        requireApproval = object["requireApproval"]?.boolValue
        envFile = object["envFile"]?.stringValue
        envForward = Self.strings(object["envForward"]) ?? []
        if case .object(let origin) = object["source"] ?? .null {
            source.format = origin["format"]?.stringValue ?? "normalized"
            source.file = origin["file"]?.stringValue
            source.tier = origin["tier"]?.stringValue.flatMap(Tier.init(rawValue:)) ?? .operator
            source.originalName = origin["originalName"]?.stringValue
        }
    }

    private static func strings(_ value: JSONValue?) -> [String]? {
        guard case .array(let items) = value ?? .null else { return nil }
        return items.compactMap(\.stringValue)
    }

    private static func stringMap(_ value: JSONValue?) -> [String: String] {
        guard case .object(let entries) = value ?? .null else { return [:] }
        var map: [String: String] = [:]
        for (key, item) in entries { if let text = item.stringValue { map[key] = text } }
        return map
    }
}
