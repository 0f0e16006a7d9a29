/// oauth.md §2 steps 8 and 13: which scopes to request.
public enum ScopeSelection {
    /// The scopes for an authorization request, or nil to omit `scope`.
    ///
    /// 1. The challenge's `scope` (authoritative for the request that failed); otherwise all of the PRM's
    ///    `scopes_supported`; otherwise nothing.
    /// 2. A configured scope replaces the PRM step but is always unioned with the challenge scope.
    /// 3. `offline_access` is kept or added only when the AS's `scopes_supported` lists it, and only when some scope
    ///    is requested at all (a request that defines no scope stays without one).
    public static func select(
        challengeScope: String?, configuredScope: String? = nil, resourceScopesSupported: [String]?,
        authorizationServerScopesSupported: [String]?
    ) -> [String]? {
        let challenged = Scopes.parse(challengeScope)
        let configured = Scopes.parse(configuredScope)
        var scopes: [String]
        if !configured.isEmpty {
            scopes = Scopes.union(challenged, configured)
        } else if !challenged.isEmpty {
            scopes = challenged
        } else if let supported = resourceScopesSupported, !supported.isEmpty {
            scopes = Scopes.parse(Scopes.join(supported))
        } else {
            return nil
        }
        let offlineAllowed = authorizationServerScopesSupported?.contains(offlineAccess) ?? false
        scopes.removeAll { $0 == offlineAccess }
        if scopes.isEmpty { return nil }
        if offlineAllowed { scopes.append(offlineAccess) }
        return scopes
    }

    /// Step-up after a 403 `insufficient_scope`: the previously requested scopes plus the challenged ones.
    public static func stepUp(previous: [String], challengeScope: String?) -> [String] {
        Scopes.union(previous, Scopes.parse(challengeScope))
    }

    public static let offlineAccess = "offline_access"
}

/// Counts re-authorizations per resource and operation so step-up and repeated sign-ins stop after a few tries
/// (oauth.md §2 step 13; defaults from the swift-sdk's retry policy).
public struct AuthorizationAttempts: Sendable, Equatable {
    public var maxAuthorizationAttempts: Int
    public var maxScopeUpgradeAttempts: Int
    private var authorizations: [String: Int] = [:]
    private var upgrades: [String: Int] = [:]

    public init(maxAuthorizationAttempts: Int = 3, maxScopeUpgradeAttempts: Int = 2) {
        self.maxAuthorizationAttempts = maxAuthorizationAttempts
        self.maxScopeUpgradeAttempts = maxScopeUpgradeAttempts
    }

    /// Records one attempt and says whether it is still allowed.
    public mutating func allowAuthorization(resource: String, operation: String) -> Bool {
        Self.bump(&authorizations, resource + "\u{0}" + operation, limit: maxAuthorizationAttempts)
    }

    public mutating func allowScopeUpgrade(resource: String, operation: String) -> Bool {
        Self.bump(&upgrades, resource + "\u{0}" + operation, limit: maxScopeUpgradeAttempts)
    }

    public mutating func reset(resource: String, operation: String) {
        authorizations[resource + "\u{0}" + operation] = nil
        upgrades[resource + "\u{0}" + operation] = nil
    }

    private static func bump(_ counts: inout [String: Int], _ key: String, limit: Int) -> Bool {
        let used = counts[key] ?? 0
        guard used < limit else { return false }
        counts[key] = used &+ 1
        return true
    }
}
