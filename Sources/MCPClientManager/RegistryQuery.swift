public import MCPClientCore
import MCPClientOAuth

/// A page request for `ServerRegistry.list` (LibreChat's designed pagination, management.md §12).
public struct RegistryQuery: Sendable, Equatable {
    public static let defaultLimit = 25
    public static let maxLimit = 100
    static let maxSearchBytes = 1024

    /// Clamped to 1…100.
    public var limit: Int
    /// The `after` of the previous page.
    public var after: String?
    /// Case-insensitive substring of the name, title or description.
    public var search: String?

    public init(limit: Int = RegistryQuery.defaultLimit, after: String? = nil, search: String? = nil) {
        self.limit = min(max(limit, 1), Self.maxLimit)
        self.after = after
        self.search = search
    }

    /// `{"limit": 25, "after": "…", "search": "…"}`; every field optional, null = absent.
    public static func parse(_ json: JSONValue?) throws(MCPError) -> RegistryQuery {
        guard let json, !json.isNull else { return RegistryQuery() }
        guard case .object(let object) = json else { throw MCPError.invalid("the query must be an object, not \(json.typeName)") }
        try PayloadVersion.check(object)
        var query = RegistryQuery()
        for (key, value) in object where !value.isNull {
            switch key {
            case "version": break
            case "limit":
                guard let number = value.int64Value else { throw MCPError.invalid("'limit' must be an integer", details: ["path": "limit"]) }
                query.limit = Int(min(max(number, 1), Int64(maxLimit)))
            case "after":
                guard let text = value.stringValue else { throw MCPError.invalid("'after' must be a string (a page's 'after')", details: ["path": "after"]) }
                query.after = text
            case "search":
                guard let text = value.stringValue, text.utf8.count <= maxSearchBytes else {
                    throw MCPError.invalid("'search' must be a string of at most \(maxSearchBytes) bytes", details: ["path": "search"])
                }
                query.search = text
            default: throw MCPError.invalid("unknown query field '\(key)' (limit, after, search)", details: ["path": .string(key)])
            }
        }
        return query
    }
}

/// One page: `{"data": [...], "has_more": bool, "after": cursor | null}`.
public struct RegistryPage: Sendable {
    public var entries: [RegistryEntry]
    public var hasMore: Bool
    /// Pass as the next query's `after`; nil on the last page.
    public var after: String?

    public func json(for user: UserContext) -> JSONValue {
        ["data": .array(entries.map { $0.json(for: user) }), "has_more": .bool(hasMore), "after": after.map { .string($0) } ?? .null]
    }
}

/// The opaque `after`: base64url of `{"updatedAt": ms, "name": …}`, the last entry of a page. Order is updatedAt
/// descending, then name ascending, so a page boundary stays put when entries already listed are updated.
struct RegistryCursor: Equatable {
    var updatedAt: Int64
    var name: String

    var encoded: String {
        Base64.encode(JSONWriter.serialize(["updatedAt": .int(updatedAt), "name": .string(name)]), urlSafe: true, padded: false)
    }

    /// Unlike LibreChat (which ignores a bad cursor and silently restarts at page one, repeating data), a cursor
    /// that does not decode is MCP_ERR_INVALID with `details.path` "after".
    static func decode(_ text: String) throws(MCPError) -> RegistryCursor {
        func bad(_ reason: String) -> MCPError {
            MCPError.invalid("'after' is not a cursor this registry issued (\(reason))", details: ["path": "after", "reason": .string(reason)])
        }
        guard text.utf8.count <= 512 else { throw bad("too long") }
        guard let bytes = Base64Decoding.decode(text, urlSafe: true) else { throw bad("not base64url") }
        guard let json = try? JSONParser.parse(bytes, maxDepth: 2), case .object(let object) = json else { throw bad("not a JSON object") }
        guard let updatedAt = object["updatedAt"]?.int64Value, let name = object["name"]?.stringValue, object.count == 2 else {
            throw bad("needs updatedAt and name")
        }
        return RegistryCursor(updatedAt: updatedAt, name: name)
    }

    /// True when `entry` sorts before or at the cursor (so it was on an earlier page).
    func precedesOrEquals(_ entry: RegistryEntry) -> Bool {
        entry.updatedAt > updatedAt || (entry.updatedAt == updatedAt && entry.name <= name)
    }

    static func order(_ a: RegistryEntry, _ b: RegistryEntry) -> Bool {
        a.updatedAt != b.updatedAt ? a.updatedAt > b.updatedAt : a.name < b.name
    }
}

extension RegistryEntry {
    /// Case-insensitive substring match over the name, title and description.
    func matches(search: String) -> Bool {
        let needle = search.lowercased()
        guard !needle.isEmpty else { return true }
        return [name, title ?? "", description ?? ""].contains { $0.lowercased().containsLiteral(needle) }
    }
}

/// RFC 7386 JSON merge patch: objects merge member by member, `null` deletes, anything else replaces.
enum MergePatch {
    static let maxDepth = 32

    static func apply(_ target: JSONObject, _ patch: JSONObject, depth: Int = 0) throws(MCPError) -> JSONObject {
        guard depth < maxDepth else { throw MCPError.invalid("the patch is nested more than \(maxDepth) levels deep") }
        var merged = target
        for (key, value) in patch {
            switch value {
            case .null: merged[key] = nil
            case .object(let inner): merged[key] = .object(try apply(merged[key]?.objectValue ?? JSONObject(), inner, depth: depth + 1))
            default: merged[key] = value
            }
        }
        return merged
    }
}
