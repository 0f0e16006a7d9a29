import MCPClientConfig
public import MCPClientCore

/// Who is calling: every registry operation carries one (management.md §13). The library enforces the server
/// ACLs with it and fills `{{LIBRECHAT_USER_*}}` placeholders from its fields.
public struct UserContext: Sendable, Equatable {
    /// `admin` bypasses every per-server check; any other role is a plain name that grants can target.
    public static let adminRole = "admin"

    public var id: String
    public var role: String
    /// Profile fields by the resolution context's user keys (`email`, `name`, `username`, … see
    /// `PlaceholderCatalogue`); `id` and `role` are added from the fields above.
    public var fields: JSONObject
    public var permissions: RolePermissions

    public var isAdmin: Bool { role == Self.adminRole }

    public init(id: String, role: String = "user", fields: JSONObject = [:], permissions: RolePermissions? = nil) {
        self.id = id
        self.role = role
        self.fields = fields
        self.permissions = permissions ?? (role == Self.adminRole ? .all : .standard)
    }

    /// What `ResolutionContext.user` needs: the profile fields plus `id` and `role`.
    public var placeholderFields: JSONObject {
        var object = fields
        object["id"] = .string(id)
        object["role"] = .string(role)
        return object
    }

    static let maxIDBytes = 256
    /// The user fields the placeholder catalogue reads (LibreChat's 18), besides `id` and `role`.
    static let profileFields: Set<String> = Set(PlaceholderCatalogueFields.user).subtracting(["id", "role"])

    /// `{"id": "u1", "role": "user", "email": …, "permissions": {"create": true, …}}`; every problem names its path.
    public static func parse(_ json: JSONValue) throws(MCPError) -> UserContext {
        guard case .object(let object) = json else { throw invalid("", "the user context must be an object, not \(json.typeName)") }
        try PayloadVersion.check(object)
        guard let idValue = object["id"] else { throw invalid("id", "the user context needs 'id'") }
        guard let id = idValue.stringValue, !id.isEmpty, id.utf8.count <= maxIDBytes else {
            throw invalid("id", "'id' must be a non-empty string of at most \(maxIDBytes) bytes")
        }
        var role = "user"
        if let value = object["role"] {
            guard let text = value.stringValue, !text.isEmpty, text.utf8.count <= maxIDBytes else {
                throw invalid("role", "'role' must be a non-empty string (admin, user or a custom role name)")
            }
            role = text
        }
        var fields = JSONObject()
        var permissions: RolePermissions?
        for (key, value) in object {
            switch key {
            case "version", "id", "role": continue
            case "permissions": permissions = try RolePermissions.parse(value, admin: role == adminRole)
            case _ where profileFields.contains(key):
                switch value {
                case .string(let text) where text.utf8.count <= 4096: fields[key] = value
                case .bool, .int, .double, .null: fields[key] = value
                default: throw invalid(key, "'\(key)' must be a string (at most 4096 bytes), number or boolean")
                }
            default:
                throw invalid(key, "unknown field '\(key)' in the user context (known: id, role, permissions, \(profileFields.sorted().joined(separator: ", ")))")
            }
        }
        return UserContext(id: id, role: role, fields: fields, permissions: permissions)
    }

    private static func invalid(_ path: String, _ message: String) -> MCPError {
        MCPError.invalid(message, details: ["path": .string(path)])
    }
}

/// The user field names placeholders read, from the catalogue (so a new field is accepted without a second list).
enum PlaceholderCatalogueFields {
    static let user: [String] = PlaceholderCatalogue.all.filter { $0.kind == .user }.map(\.field)
}

/// Role-level permissions (LibreChat's `interface.mcpServers`): what a user may do at all, before any server ACL.
public struct RolePermissions: Sendable, Equatable {
    /// Use (connect to, call) servers at all.
    public var use: Bool
    /// Create servers.
    public var create: Bool
    /// Share servers one holds SHARE on. LibreChat defaults this to false for users; here the per-server SHARE bit
    /// already gates sharing, so the default is true and a host that wants LibreChat's rule passes `share: false`.
    public var share: Bool
    /// Keep `obo` on user-created servers (LibreChat CONFIGURE_OBO).
    public var configureOBO: Bool

    public init(use: Bool, create: Bool, share: Bool, configureOBO: Bool) {
        self.use = use
        self.create = create
        self.share = share
        self.configureOBO = configureOBO
    }

    public static let standard = RolePermissions(use: true, create: true, share: true, configureOBO: false)
    public static let all = RolePermissions(use: true, create: true, share: true, configureOBO: true)

    /// `{"use", "create", "share", "configureObo"}`, each a boolean; absent ones keep the role's default.
    static func parse(_ json: JSONValue, admin: Bool) throws(MCPError) -> RolePermissions {
        guard case .object(let object) = json else {
            throw MCPError.invalid("'permissions' must be an object of booleans", details: ["path": "permissions"])
        }
        var result = admin ? RolePermissions.all : .standard
        for (key, value) in object {
            guard let flag = value.boolValue else {
                throw MCPError.invalid("'permissions.\(key)' must be a boolean", details: ["path": .string("permissions.\(key)")])
            }
            switch key {
            case "use": result.use = flag
            case "create": result.create = flag
            case "share": result.share = flag
            case "configureObo": result.configureOBO = flag
            default:
                throw MCPError.invalid("unknown permission '\(key)' (use, create, share, configureObo)", details: ["path": .string("permissions.\(key)")])
            }
        }
        return result
    }
}

/// What a user may do with one server: LibreChat's ACL bits plus USE.
public struct ServerPermissions: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let view = ServerPermissions(rawValue: 1)
    public static let edit = ServerPermissions(rawValue: 2)
    public static let delete = ServerPermissions(rawValue: 4)
    public static let share = ServerPermissions(rawValue: 8)
    public static let use = ServerPermissions(rawValue: 16)
    public static let owner: ServerPermissions = [.view, .edit, .delete, .share, .use]

    static let names: [(String, ServerPermissions)] = [("view", .view), ("edit", .edit), ("delete", .delete), ("share", .share), ("use", .use)]

    public var names: [String] { Self.names.filter { contains($0.1) }.map(\.0) }
    public var json: JSONValue { .array(names.map { .string($0) }) }

    /// A list of names (`["view","use"]`) or the bit mask as an integer.
    public static func parse(_ json: JSONValue, path: String) throws(MCPError) -> ServerPermissions {
        if let number = json.int64Value {
            guard number >= 0, number <= Int64(owner.rawValue) else {
                throw MCPError.invalid("'\(path)' must be a bit mask from 0 to \(owner.rawValue)", details: ["path": .string(path)])
            }
            return ServerPermissions(rawValue: Int(number))
        }
        guard case .array(let items) = json else {
            throw MCPError.invalid("'\(path)' must be a list of view, edit, delete, share, use", details: ["path": .string(path)])
        }
        var result: ServerPermissions = []
        for (index, item) in items.enumerated() {
            guard let name = item.stringValue, let bit = names.first(where: { $0.0 == name })?.1 else {
                throw MCPError.invalid("'\(path)[\(index)]' must be one of view, edit, delete, share, use", details: ["path": .string("\(path)[\(index)]")])
            }
            result.insert(bit)
        }
        return result
    }
}

/// Whom a grant is for.
public enum Principal: Sendable, Hashable {
    case user(String)
    case role(String)

    public var json: JSONObject {
        switch self {
        case .user(let id): ["user": .string(id)]
        case .role(let name): ["role": .string(name)]
        }
    }

    /// `{"user": id}` or `{"role": name}`.
    public static func parse(_ object: JSONObject, path: String) throws(MCPError) -> Principal {
        let user = object["user"]?.stringValue
        let role = object["role"]?.stringValue
        switch (user, role) {
        case (let id?, nil) where !id.isEmpty && id.utf8.count <= UserContext.maxIDBytes: return .user(id)
        case (nil, let name?) where !name.isEmpty && name.utf8.count <= UserContext.maxIDBytes: return .role(name)
        default:
            throw MCPError.invalid("'\(path)' needs exactly one of 'user' (a user id) or 'role' (a role name), a non-empty string",
                details: ["path": .string(path)])
        }
    }

    func matches(_ user: UserContext) -> Bool {
        switch self {
        case .user(let id): id == user.id
        case .role(let name): name == user.role
        }
    }
}

public struct AccessGrant: Sendable, Equatable {
    public var principal: Principal
    public var permissions: ServerPermissions

    public init(principal: Principal, permissions: ServerPermissions) {
        self.principal = principal
        self.permissions = permissions
    }

    public var json: JSONValue {
        var object = principal.json
        object["permissions"] = permissions.json
        return .object(object)
    }

    /// `{"user"|"role": …, "permissions": [...]}`.
    public static func parse(_ json: JSONValue, path: String) throws(MCPError) -> AccessGrant {
        guard case .object(let object) = json else { throw MCPError.invalid("'\(path)' must be an object", details: ["path": .string(path)]) }
        for key in object.keys where key != "user" && key != "role" && key != "permissions" {
            throw MCPError.invalid("unknown field '\(key)' in a grant", details: ["path": .string(path.isEmpty ? key : "\(path).\(key)")])
        }
        let principal = try Principal.parse(object, path: path)
        guard let bits = object["permissions"] else {
            throw MCPError.invalid("a grant needs 'permissions'", details: ["path": .string(path.isEmpty ? "permissions" : "\(path).permissions")])
        }
        return AccessGrant(principal: principal, permissions: try ServerPermissions.parse(bits, path: path.isEmpty ? "permissions" : "\(path).permissions"))
    }
}

/// The grants on one created server. The author is not listed: authors always hold every permission.
public struct AccessControlList: Sendable, Equatable {
    public static let maxGrants = 1000
    public var grants: [AccessGrant] = []

    public init(grants: [AccessGrant] = []) { self.grants = grants }

    /// The union of the grants that name the user or the user's role. Holding EDIT, DELETE or SHARE implies VIEW
    /// (nobody edits what they cannot see); USE alone does not (a server reached through an agent).
    func permissions(for user: UserContext) -> ServerPermissions {
        var result: ServerPermissions = []
        for grant in grants where grant.principal.matches(user) { result.formUnion(grant.permissions) }
        if !result.isDisjoint(with: [.edit, .delete, .share]) { result.insert(.view) }
        return result
    }

    /// Sets the principal's grant to exactly `permissions`; empty removes it.
    mutating func set(_ principal: Principal, _ permissions: ServerPermissions) {
        if let index = grants.firstIndex(where: { $0.principal == principal }) {
            if permissions.isEmpty { grants.remove(at: index) } else { grants[index].permissions = permissions }
        } else if !permissions.isEmpty {
            grants.append(AccessGrant(principal: principal, permissions: permissions))
        }
    }

    var json: JSONValue { .array(grants.map(\.json)) }

    static func parse(_ json: JSONValue?) throws(MCPError) -> AccessControlList {
        guard let json, !json.isNull else { return AccessControlList() }
        guard case .array(let items) = json, items.count <= maxGrants else {
            throw MCPError.invalid("'acl' must be a list of at most \(maxGrants) grants", details: ["path": "acl"])
        }
        var list = AccessControlList()
        for (index, item) in items.enumerated() { list.grants.append(try AccessGrant.parse(item, path: "acl[\(index)]")) }
        return list
    }
}

/// The rules (management.md §13): operator servers are viewable and usable by everyone and editable only by
/// admins; created servers belong to their author, who shares them; admins bypass every check.
public enum AccessPolicy {
    /// Everything `user` may do with `entry`, role permissions included.
    public static func permissions(of user: UserContext, on entry: RegistryEntry) -> ServerPermissions {
        var result: ServerPermissions
        if user.isAdmin {
            result = .owner
        } else if entry.origin == .config {
            result = [.view, .use]
        } else if entry.author == user.id {
            result = .owner
        } else {
            result = entry.acl.permissions(for: user)
        }
        if !user.permissions.use { result.remove(.use) }
        if !user.permissions.share { result.remove(.share) }
        // Operator servers have no ACL to share.
        if entry.origin == .config { result.remove(.share) }
        return result
    }

    /// Throws MCP_ERR_PERMISSION unless `user` holds every permission in `needed` on `entry`.
    public static func check(_ user: UserContext, _ entry: RegistryEntry, _ needed: ServerPermissions) throws(MCPError) {
        let held = permissions(of: user, on: entry)
        guard !held.isSuperset(of: needed) else { return }
        let missing = needed.subtracting(held)
        throw denied(user, missing.names.joined(separator: ", "), server: entry.name)
    }

    /// Throws MCP_ERR_PERMISSION when the user's role may not create servers.
    public static func checkCreate(_ user: UserContext) throws(MCPError) {
        guard user.permissions.create else { throw denied(user, "create", server: nil) }
    }

    static func denied(_ user: UserContext, _ what: String, server: String?) -> MCPError {
        var details: JSONObject = ["user": .string(user.id), "role": .string(user.role), "permission": .string(what)]
        if let server { details["server"] = .string(server) }
        let target = server.map { " on server '\($0)'" } ?? ""
        return MCPError(.permission, "user '\(user.id)' lacks the \(what) permission\(target)", details: details)
    }
}
