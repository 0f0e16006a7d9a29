import MCPClientCore
import MCPClientOAuth

extension CredentialKey.Kind {
    /// The users who keep something for a created server (saved variables, tokens), so its delete can clean up.
    static let serverUsers = CredentialKey.Kind(rawValue: "serverusers")
}

/// A store cannot list its keys, so each created server keeps the ids of the users who saved variables or signed in
/// to it: a delete then removes their variables and revokes their tokens, in every process sharing the store.
struct ServerUsers: Sendable {
    let store: any CredentialStore
    let lock: any RegistryLocking
    let namespace: String

    /// Half of what a sealed record may hold (`SealedRecord.maxValueBytes`, 1 MiB); past it the oldest ids are dropped
    /// (their records still never apply to a new server of the same name: they are bound to the deleted one's instance).
    static let maxListBytes = 512 * 1024

    private func key(_ server: String) -> CredentialKey { CredentialKey(user: namespace, server: server, kind: .serverUsers) }

    func users(of entry: RegistryEntry) -> [String] {
        guard let json = (try? store.getJSON(key(entry.name))) ?? nil, json["instance"]?.stringValue == entry.instance else { return [] }
        return json["users"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    func remember(_ user: String, for entry: RegistryEntry) throws(MCPError) {
        try lock.withLock("mcpclient.serverusers." + namespace + "." + entry.name) { () throws(MCPError) in
            var users = self.users(of: entry)
            guard !users.contains(user) else { return }
            users.append(user)
            // Each id costs its bytes plus quotes and a comma once serialized.
            var bytes = users.reduce(0) { $0 + $1.utf8.count + 3 }
            var dropped = 0
            while bytes > Self.maxListBytes, dropped < users.count - 1 {
                bytes -= users[dropped].utf8.count + 3
                dropped += 1
            }
            users.removeFirst(dropped)
            try store.putJSON(key(entry.name), ["version": 1, "instance": .string(entry.instance), "users": .array(users.map { .string($0) })],
                ttlSeconds: nil)
        }
    }

    func forget(_ entry: RegistryEntry) { try? store.delete(key(entry.name)) }
}
