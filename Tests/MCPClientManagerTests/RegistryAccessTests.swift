import Dispatch
import MCPClientConfig
import MCPClientCore
@testable import MCPClientManager
import MCPClientOAuth
import Testing

@Suite struct RegistryPermissionTests {
    enum Operation: String, CaseIterable { case view, use, edit, delete, share }

    /// Tries one operation for real; true when it was allowed, false on MCP_ERR_PERMISSION, anything else fails.
    static func attempt(_ operation: Operation, _ name: String, _ user: UserContext, _ registry: ServerRegistry) -> Bool {
        let error = failure { () throws in
            switch operation {
            case .view: _ = try registry.get(name, as: user)
            case .use: _ = try registry.authValueFlags(name, as: user)
            case .edit: _ = try registry.update(name, patch: ["description": .string("by \(user.id)")], as: user)
            case .delete: _ = try registry.delete(name, as: user)
            case .share: _ = try registry.share(name, with: .user("zed"), permissions: [.view], as: user)
            }
        }
        guard let error else { return true }
        // Operator servers have no ACL: sharing them is unsupported for everyone.
        if operation == .share, error.code == .unsupported { return false }
        #expect(error.code == .permission, "\(operation) by \(user.id): \(error)")
        #expect(error.details["server"] == .string(name))
        return false
    }

    /// A fresh registry per cell, so a delete does not hide the next cell.
    static func fixture() throws -> ServerRegistry {
        let registry = makeRegistry()
        try registry.registerOperator(name: "op", config: ["command": "tool"])
        _ = try registry.create(name: "mine", config: remote("Mine"), as: People.alice)
        try registry.share("mine", with: .user("bob"), permissions: [.view, .use], as: People.alice)
        try registry.share("mine", with: .role("editors"), permissions: [.edit], as: People.alice)
        return registry
    }

    static let expected: [String: [String: Set<Operation>]] = [
        "op": [
            "root": [.view, .use, .edit, .delete], "alice": [.view, .use], "bob": [.view, .use], "dave": [.view, .use], "carol": [.view, .use],
        ],
        "mine": [
            "root": Set(Operation.allCases), "alice": Set(Operation.allCases), "bob": [.view, .use], "dave": [.view, .edit], "carol": [],
        ],
    ]

    @Test(arguments: ["op", "mine"], Operation.allCases)
    func matrix(server: String, operation: Operation) throws {
        for user in [People.admin, People.alice, People.bob, People.dave, People.carol] {
            let registry = try Self.fixture()
            let allowed = Self.attempt(operation, server, user, registry)
            let want = Self.expected[server]?[user.id]?.contains(operation) ?? false
            #expect(allowed == want, "\(user.id) \(operation) \(server)")
            // The entry JSON tells the same story.
            if operation == .edit, let entry = try registry.entry(named: server) {
                let permissions = AccessPolicy.permissions(of: user, on: entry)
                #expect(entry.json(for: user)["canEdit"] == .bool(permissions.contains(.edit)))
            }
        }
    }

    @Test func listingShowsOnlyWhatTheUserMayView() throws {
        let registry = try Self.fixture()
        _ = try registry.create(name: "private", config: remote(), as: People.carol)
        func names(_ user: UserContext) throws -> [String] { try registry.list(RegistryQuery(), as: user).entries.map(\.name).sorted() }
        #expect(try names(People.admin) == ["mine", "op", "private"])
        #expect(try names(People.alice) == ["mine", "op"])
        #expect(try names(People.bob) == ["mine", "op"])
        #expect(try names(People.carol) == ["op", "private"])
        // A hidden server is a permission error, an absent one not found.
        #expect(failure { try registry.get("private", as: People.bob) }?.code == .permission)
        #expect(failure { try registry.get("nope", as: People.bob) }?.code == .notFound)
    }

    @Test func sharingNeedsShareAndCannotGrantMoreThanHeld() throws {
        let registry = try Self.fixture()
        try registry.share("mine", with: .user("bob"), permissions: [.view, .use, .share], as: People.alice)
        // Bob may pass on what he holds, not EDIT.
        try registry.share("mine", with: .user("carol"), permissions: [.view], as: People.bob)
        #expect(failure { try registry.share("mine", with: .user("carol"), permissions: [.edit], as: People.bob) }?.code == .permission)
        #expect(try registry.get("mine", as: People.carol).name == "mine")
        try registry.unshare("mine", from: .user("carol"), as: People.alice)
        #expect(failure { try registry.get("mine", as: People.carol) }?.code == .permission)
        // A role without the share permission cannot share even with the bit.
        let restricted = UserContext(id: "bob", permissions: RolePermissions(use: true, create: true, share: false, configureOBO: false))
        #expect(failure { try registry.share("mine", with: .user("x"), permissions: [.view], as: restricted) }?.code == .permission)
        // Nor create without the create permission.
        let noCreate = UserContext(id: "eve", permissions: RolePermissions(use: true, create: false, share: true, configureOBO: false))
        #expect(failure { try registry.create(name: "x", config: remote(), as: noCreate) }?.code == .permission)
    }

    @Test func userContextsParseWithPreciseErrors() throws {
        let user = try UserContext.parse(["id": "u1", "role": "editors", "email": "u@example.com", "emailVerified": true,
                                          "permissions": ["share": false]])
        #expect(user.id == "u1" && user.role == "editors" && !user.isAdmin)
        #expect(user.permissions == RolePermissions(use: true, create: true, share: false, configureOBO: false))
        #expect(user.placeholderFields["email"] == "u@example.com" && user.placeholderFields["role"] == "editors")
        #expect(try UserContext.parse(["id": "a", "role": "admin"]).permissions == .all)
        #expect(failure { try UserContext.parse(["role": "user"]) }?.details["path"] == "id")
        #expect(failure { try UserContext.parse(["id": ""]) }?.details["path"] == "id")
        #expect(failure { try UserContext.parse(["id": "u", "emial": "x"]) }?.details["path"] == "emial")
        #expect(failure { try UserContext.parse(["id": "u", "email": ["x"]]) }?.details["path"] == "email")
        #expect(failure { try UserContext.parse(["id": "u", "permissions": ["fly": true]]) }?.details["path"] == "permissions.fly")
        #expect(failure { try UserContext.parse("u1") }?.code == .invalid)
        #expect(try ServerPermissions.parse(["view", "use"], path: "p") == [.view, .use])
        #expect(try ServerPermissions.parse(17, path: "p") == [.view, .use])
        #expect(failure { try ServerPermissions.parse(["fly"], path: "p") }?.details["path"] == "p[0]")
        #expect(try AccessGrant.parse(["role": "editors", "permissions": ["edit"]], path: "") == AccessGrant(principal: .role("editors"), permissions: [.edit]))
        #expect(failure { try AccessGrant.parse(["user": "a", "role": "b", "permissions": []], path: "g") }?.code == .invalid)
    }
}

@Suite struct RegistryPersistenceTests {
    static func fileStore(_ directory: String, _ key: [UInt8]) throws -> EncryptedFileCredentialStore {
        try EncryptedFileCredentialStore(directory: directory, keyring: CredentialKeyring(key: key))
    }

    @Test func createdServersAndUserValuesSurviveARestart() throws {
        let directory = makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        let key = try RandomBytes.generate(32)
        do {
            let registry = makeRegistry(store: try Self.fileStore(directory, key))
            _ = try registry.create(name: "keeper", config: remote("Keeper", ["headers": ["Authorization": "Bearer disk-secret"],
                                                                              "apiKey": ["source": "user", "authorization_type": "bearer"]]), as: People.alice)
            try registry.share("keeper", with: .user("bob"), permissions: [.view, .use], as: People.alice)
            try registry.setUserVariables("keeper", values: ["MCP_API_KEY": "bob-key-value"], as: People.bob)
        }
        let bytes = directoryBytes(directory)
        #expect(!bytes.isEmpty)
        #expect(!bytes.containsBytes("disk-secret") && !bytes.containsBytes("bob-key-value") && !bytes.containsBytes("Keeper"))

        let reopened = makeRegistry(store: try Self.fileStore(directory, key))
        let entry = try reopened.get("keeper", as: People.bob)
        #expect(entry.author == "alice" && entry.title == "Keeper" && entry.revision == 2)
        #expect(entry.acl.grants == [AccessGrant(principal: .user("bob"), permissions: [.view, .use])])
        #expect(entry.template["headers"]?["Authorization"] == "Bearer disk-secret")
        #expect(try reopened.authValueFlags("keeper", as: People.bob) == ["MCP_API_KEY": true])
        #expect(try reopened.authValueFlags("keeper", as: People.alice) == ["MCP_API_KEY": false])
        #expect(try reopened.list(RegistryQuery(), as: People.bob).entries.map(\.name) == ["keeper"])
    }

    @Test func twoRegistriesOverOneStoreSeeEachOthersChanges() throws {
        let directory = makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        let key = try RandomBytes.generate(32)
        let clock = TickingClock()
        let first = makeRegistry(store: try Self.fileStore(directory, key), clock: clock)
        let second = makeRegistry(store: try Self.fileStore(directory, key), clock: clock)

        _ = try first.create(name: "shared", config: remote("Shared"), as: People.alice)
        #expect(try second.list(RegistryQuery(), as: People.alice).entries.map(\.name) == ["shared"])
        _ = try second.update("shared", patch: ["title": "Changed"], as: People.alice)
        #expect(try first.list(RegistryQuery(), as: People.alice).entries.first?.title == "Changed")
        #expect(try first.get("shared", as: People.alice).revision == 2)

        // Names stay unique across both: the second one sees the first's server when deriving.
        #expect(try second.create(name: nil, config: remote("Shared"), as: People.bob).name == "shared-2")
        #expect(failure { try first.create(name: "shared-2", config: remote(), as: People.bob) }?.code == .conflict)

        _ = try first.delete("shared", as: People.alice)
        #expect(try second.list(RegistryQuery(), as: People.admin).entries.map(\.name) == ["shared-2"])
        #expect(failure { try second.get("shared", as: People.alice) }?.code == .notFound)
    }

    @Test func concurrentCreatesInOneProcessLoseNothing() throws {
        let store = MemoryCredentialStore()
        let registries = (0..<4).map { _ in makeRegistry(store: store) }
        DispatchQueue.concurrentPerform(iterations: 40) { index in
            _ = try? registries[index % 4].create(name: "c\(index)", config: remote(), as: People.alice)
        }
        #expect(try registries[0].list(RegistryQuery(limit: 100), as: People.alice).entries.count == 40)
    }
}

@Suite struct UserVariableTests {
    static let patServer: JSONObject = [
        "url": "https://api.githubcopilot.com/mcp/",
        "headers": ["Authorization": "Bearer {{PAT_TOKEN}}", "X-User": "{{LIBRECHAT_USER_EMAIL}}"],
        "customUserVars": ["PAT_TOKEN": ["title": "GitHub PAT", "description": "A token"], "ORG": ["title": "Org", "description": "Org name"]],
    ]

    @Test func flagsFollowSaveAndRevokeAndNeverShowValues() throws {
        let registry = makeRegistry()
        try registry.registerOperator(name: "github", config: Self.patServer)
        #expect(try registry.authValueFlags("github", as: People.alice) == ["PAT_TOKEN": false, "ORG": false])
        let flags = try registry.setUserVariables("github", values: ["PAT_TOKEN": "ghp_secret"], as: People.alice)
        #expect(flags == ["PAT_TOKEN": true, "ORG": false])
        #expect(!JSONWriter.string(.object(flags)).containsLiteral("ghp_secret"))
        // Per user: Bob has nothing.
        #expect(try registry.authValueFlags("github", as: People.bob) == ["PAT_TOKEN": false, "ORG": false])
        // Blank counts as unset; undeclared names are refused.
        #expect(try registry.setUserVariables("github", values: ["ORG": "   "], as: People.alice) == ["PAT_TOKEN": true, "ORG": false])
        #expect(failure { try registry.setUserVariables("github", values: ["OTHER": "x"], as: People.alice) }?.details["path"] == "OTHER")
        #expect(try registry.revokeUserVariables("github", names: ["PAT_TOKEN"], as: People.alice) == ["PAT_TOKEN": false, "ORG": false])
    }

    @Test func theResolutionContextCarriesTheUsersFieldsAndValues() throws {
        let registry = makeRegistry()
        try registry.registerOperator(name: "github", config: Self.patServer)
        try registry.setUserVariables("github", values: ["PAT_TOKEN": "ghp_alice", "ORG": "acme"], as: People.alice)
        let entry = try #require(try registry.entry(named: "github"))
        // What the manager resolves a user's connection with: the user's fields and saved values.
        func resolution(_ user: UserContext) throws -> ResolutionContext {
            var context = ResolutionContext()
            context.user = user.placeholderFields
            context.userVars = try registry.userVariables.read(user: user.id, entry: entry)
            return context
        }
        let context = try resolution(People.alice)
        let resolved = try ConfigResolver.resolve(server: entry.template, context: context)
        #expect(resolved.server["headers"]?["Authorization"] == "Bearer ghp_alice")
        #expect(resolved.server["headers"]?["X-User"] == "alice@example.com")
        #expect(resolved.missingUserVars.isEmpty)
        let bobs = try resolution(People.bob)
        #expect(try ConfigResolver.resolve(server: entry.template, context: bobs).missingUserVars == ["PAT_TOKEN", "ORG"])
    }

    @Test func valuesDoNotCarryOverToANewServerOfTheSameName() throws {
        let registry = makeRegistry()
        let config = remote("Keyed", ["apiKey": ["source": "user", "authorization_type": "bearer"]])
        _ = try registry.create(name: "keyed", config: config, as: People.alice)
        try registry.setUserVariables("keyed", values: ["MCP_API_KEY": "k"], as: People.alice)
        #expect(try registry.authValueFlags("keyed", as: People.alice) == ["MCP_API_KEY": true])
        _ = try registry.delete("keyed", as: People.alice)
        _ = try registry.create(name: "keyed", config: config, as: People.alice)
        #expect(try registry.authValueFlags("keyed", as: People.alice) == ["MCP_API_KEY": false])
        // USE is required.
        #expect(failure { try registry.authValueFlags("keyed", as: People.carol) }?.code == .permission)
    }
}
