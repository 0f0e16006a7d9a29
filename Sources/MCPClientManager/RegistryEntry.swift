public import MCPClientConfig
public import MCPClientCore

/// One server in the registry: its config template as written plus who made it, when, and who may do what.
public struct RegistryEntry: Sendable, Equatable {
    public enum Origin: String, Sendable {
        /// From the operator's config file: loaded at every start, never persisted by the registry.
        case config
        /// Created at run time through the registry; persisted in the store.
        case runtime
    }

    public var name: String
    /// The normalized server object as written (references unexpanded), `source.tier` stamped with `tier`.
    public var template: JSONObject
    public var tier: TrustTier
    public var origin: Origin
    /// The user id that created it (runtime servers).
    public var author: String?
    /// Milliseconds since the epoch.
    public var createdAt: Int64
    public var updatedAt: Int64
    /// 1 at creation, +1 on every change (config or ACL).
    public var revision: Int64
    /// Identifies this incarnation of the name: per-user values saved for a deleted server never reach a new server
    /// created later under the same name.
    public var instance: String
    public var acl: AccessControlList

    public var title: String? { template["title"]?.stringValue }
    public var description: String? { template["description"]?.stringValue }
    public var enabled: Bool { template["enabled"]?.boolValue ?? !(template["disabled"]?.boolValue ?? false) }

    public init(
        name: String, template: JSONObject, tier: TrustTier, origin: Origin, author: String?, createdAt: Int64, updatedAt: Int64,
        revision: Int64, instance: String, acl: AccessControlList = AccessControlList()
    ) {
        self.name = name
        self.template = template
        self.tier = tier
        self.origin = origin
        self.author = author
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.revision = revision
        self.instance = instance
        self.acl = acl
    }

    /// The entry as `user` may see it (docs/registry.md): secrets never, endpoints only for editors, the ACL only
    /// for those who may share.
    public func json(for user: UserContext) -> JSONValue {
        let held = AccessPolicy.permissions(of: user, on: self)
        let canEdit = held.contains(.edit)
        let (config, redacted) = Redaction.redact(template, canEdit: canEdit)
        var object: JSONObject = ["name": .string(name)]
        if let title { object["title"] = .string(title) }
        if let description { object["description"] = .string(description) }
        object["tier"] = .string(tier.rawValue)
        object["origin"] = .string(origin.rawValue)
        if let author { object["author"] = .string(author) }
        object["createdAt"] = .int(createdAt)
        object["updatedAt"] = .int(updatedAt)
        object["revision"] = .int(revision)
        object["enabled"] = .bool(enabled)
        object["canEdit"] = .bool(canEdit)
        object["permissions"] = held.json
        object["config"] = .object(config)
        if !redacted.isEmpty { object["redacted"] = .array(redacted.map { .string($0) }) }
        if held.contains(.share) { object["acl"] = acl.json }
        return .object(object)
    }

    // MARK: the stored record

    var record: JSONValue {
        var object: JSONObject = [
            "version": 1, "name": .string(name), "template": .object(template), "tier": .string(tier.rawValue),
            "createdAt": .int(createdAt), "updatedAt": .int(updatedAt), "revision": .int(revision), "instance": .string(instance),
        ]
        if let author { object["author"] = .string(author) }
        object["acl"] = acl.json
        return .object(object)
    }

    static func fromRecord(_ json: JSONValue, name: String) throws(MCPError) -> RegistryEntry {
        func broken(_ what: String) -> MCPError {
            MCPError(.invalid, "the stored record of server '\(name)' is damaged (\(what))", details: ["server": .string(name), "reason": "record_invalid"])
        }
        guard case .object(let object) = json, object["name"]?.stringValue == name else { throw broken("name") }
        guard case .object(let template) = object["template"] ?? .null else { throw broken("template") }
        guard let tier = object["tier"]?.stringValue.flatMap(TrustTier.init(rawValue:)) else { throw broken("tier") }
        guard let createdAt = object["createdAt"]?.int64Value, let updatedAt = object["updatedAt"]?.int64Value,
              let revision = object["revision"]?.int64Value, let instance = object["instance"]?.stringValue
        else { throw broken("timestamps") }
        let acl: AccessControlList
        do { acl = try AccessControlList.parse(object["acl"]) } catch { throw broken("acl") }
        return RegistryEntry(
            name: name, template: template, tier: tier, origin: .runtime, author: object["author"]?.stringValue, createdAt: createdAt,
            updatedAt: updatedAt, revision: revision, instance: instance, acl: acl)
    }
}

/// What a server's JSON may show (management.md §12): the exporter's secrets (`client_secret`, `private_key`,
/// `apiKey.key`), header and env values never;
/// `url`, `proxy` and the OAuth endpoints only to those who may edit. `unknown` (keys no format defines, maybe a
/// misspelt secret) is treated like headers: names only.
enum Redaction {
    /// The redacted object and the paths left out, so a client can tell "hidden" from "not set".
    static func redact(_ template: JSONObject, canEdit: Bool) -> (JSONObject, [String]) {
        var server = template
        var redacted: [String] = []
        for field in ["headers", "oauth_headers", "env", "unknown"] {
            guard let object = server[field]?.objectValue else { continue }
            redacted += object.keys.map { "\(field).\($0)" }
            server[field] = nil
        }
        var hidden = ConfigExporter.secretPaths
        if !canEdit { hidden += ConfigExporter.oauthEndpointKeys.map { ("oauth", $0) } }
        for (object, field) in hidden {
            guard var inner = server[object]?.objectValue, inner[field] != nil else { continue }
            inner[field] = nil
            server[object] = .object(inner)
            redacted.append("\(object).\(field)")
        }
        if !canEdit {
            for field in ["url", "proxy"] where server[field] != nil {
                server[field] = nil
                redacted.append(field)
            }
        }
        return (server, redacted)
    }
}
