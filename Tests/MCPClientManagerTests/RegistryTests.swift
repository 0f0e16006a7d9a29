import MCPClientConfig
import MCPClientCore
import MCPClientManager
import MCPClientOAuth
import Testing

/// The MCPError `body` threw, or nil (any other error is recorded as an issue).
func failure<T>(_ body: () throws -> T) -> MCPError? {
    do {
        _ = try body()
        return nil
    } catch let error as MCPError {
        return error
    } catch {
        Issue.record("not an MCPError: \(error)")
        return nil
    }
}

@Suite struct RegistryListingTests {
    @Test func pagesOverSixtyServersWithAStableCursorAcrossAnUpdate() throws {
        let registry = makeRegistry()
        for index in 0..<60 { _ = try registry.create(name: "server-\(index)", config: remote("Server \(index)"), as: People.alice) }

        let first = try registry.list(RegistryQuery(), as: People.alice)
        #expect(first.entries.count == 25 && first.hasMore)
        // Newest change first: the last created is on top.
        #expect(first.entries.first?.name == "server-59")
        #expect(zip(first.entries, first.entries.dropFirst()).allSatisfy { $0.updatedAt > $1.updatedAt })

        // Updating a server already listed moves it to the top; the next pages neither repeat nor skip anything.
        let touched = try #require(first.entries.dropFirst(3).first)
        let change = try registry.update(touched.name, patch: ["description": "touched"], as: People.alice)
        #expect(change.action == .updated && change.new?.revision == 2)

        let second = try registry.list(RegistryQuery(after: first.after), as: People.alice)
        let third = try registry.list(RegistryQuery(after: second.after), as: People.alice)
        #expect(second.entries.count == 25 && second.hasMore)
        #expect(third.entries.count == 10 && !third.hasMore && third.after == nil)
        let names = (first.entries + second.entries + third.entries).map(\.name)
        #expect(Set(names).count == 60 && names.count == 60)

        // Starting over, the updated one leads.
        #expect(try registry.list(RegistryQuery(limit: 1), as: People.alice).entries.first?.name == touched.name)
    }

    @Test func entriesChangedInTheSameMillisecondPageByName() throws {
        var options = ServerRegistry.Options()
        options.clock = { 1_700_000_000_000 }
        let registry = ServerRegistry(options: options)
        for index in 0..<30 { _ = try registry.create(name: "same-\(index)", config: remote(), as: People.alice) }
        var names: [String] = []
        var after: String?
        repeat {
            let page = try registry.list(RegistryQuery(limit: 7, after: after), as: People.alice)
            names += page.entries.map(\.name)
            after = page.after
        } while after != nil
        #expect(names == names.sorted() && Set(names).count == 30 && names.count == 30)
    }

    @Test func limitsAreClampedAndTheJSONShapeMatches() throws {
        let registry = makeRegistry()
        for index in 0..<3 { _ = try registry.create(name: "s\(index)", config: remote(), as: People.alice) }
        #expect(try registry.list(RegistryQuery.parse(["limit": 0]), as: People.alice).entries.count == 1)
        #expect(try RegistryQuery.parse(["limit": 5000]).limit == 100)
        #expect(RegistryQuery().limit == 25)
        let page = try registry.list(RegistryQuery(limit: 2), as: People.alice).json(for: People.alice)
        #expect(page["data"]?.arrayValue?.count == 2)
        #expect(page["has_more"] == true)
        #expect(page["after"]?.stringValue != nil)
        #expect(failure { try RegistryQuery.parse(["limit": "ten"]) }?.details["path"] == "limit")
        #expect(failure { try RegistryQuery.parse(["sort": "name"]) }?.details["path"] == "sort")
    }

    @Test func aCursorThatDoesNotDecodeIsInvalid() throws {
        let registry = makeRegistry()
        _ = try registry.create(name: "only", config: remote(), as: People.alice)
        for cursor in ["!!!", "e30", Base64.encode(Array("[1]".utf8), urlSafe: true, padded: false)] {
            let error = failure { try registry.list(RegistryQuery(after: cursor), as: People.alice) }
            #expect(error?.code == .invalid, "\(cursor)")
            #expect(error?.details["path"] == "after")
        }
    }

    @Test func searchIsCaseInsensitiveOverNameTitleAndDescription() throws {
        let registry = makeRegistry()
        _ = try registry.create(name: "gh", config: remote("GitHub Tools"), as: People.alice)
        _ = try registry.create(name: "jira", config: remote("Jira", ["description": "The issue TRACKER"]), as: People.alice)
        _ = try registry.create(name: "slack-bot", config: remote("Chat"), as: People.alice)
        func search(_ text: String) throws -> [String] {
            try registry.list(RegistryQuery(search: text), as: People.alice).entries.map(\.name).sorted()
        }
        #expect(try search("github") == ["gh"])
        #expect(try search("tracker") == ["jira"])
        #expect(try search("SLACK") == ["slack-bot"])
        #expect(try search("t") == ["gh", "jira", "slack-bot"])
        #expect(try search("nothing-like-it").isEmpty)
    }
}

@Suite struct RegistryChangeTests {
    @Test func mergePatchNullRemovesAFieldAndRevalidates() throws {
        let registry = makeRegistry()
        let created = try registry.create(
            name: "api", config: remote("API", ["description": "old", "headers": ["X-A": "1", "X-Keep": "k"]]), as: People.alice)
        #expect(created.action == .created && created.new?.author == "alice" && created.new?.revision == 1)
        #expect(created.new.map { $0.createdAt == $0.updatedAt } == true)

        let change = try registry.update("api", patch: ["description": nil, "headers": ["X-A": nil, "X-B": "2"]], as: People.alice)
        let updated = try #require(change.new)
        #expect(updated.template["description"] == nil)
        #expect(updated.template["headers"] == ["X-Keep": "k", "X-B": "2"])
        #expect(updated.revision == 2)
        #expect(updated.updatedAt > created.new?.updatedAt ?? .max)
        #expect(updated.createdAt == created.new?.createdAt)
        #expect(change.connectionRelevant)

        // Title-only edits keep connections; a no-op patch writes nothing.
        #expect(try registry.update("api", patch: ["title": "Renamed"], as: People.alice).connectionRelevant == false)
        let same = try registry.update("api", patch: ["title": "Renamed"], as: People.alice)
        #expect(same.action == .unchanged && same.new?.revision == 3)

        // Disabling drops connections; an invalid result is refused and nothing changes.
        let disabled = try registry.update("api", patch: ["enabled": false], as: People.alice)
        #expect(disabled.new?.enabled == false && disabled.connectionRelevant)
        #expect(failure { try registry.update("api", patch: ["url": 5], as: People.alice) }?.code == .policy)
        #expect(failure { try registry.update("api", patch: ["headers": ["X-N": 5]], as: People.alice) }?.code == .config)
        #expect(try registry.get("api", as: People.alice).revision == 4)
    }

    @Test func userTierRulesApplyToCreatedServers() throws {
        let registry = makeRegistry()
        let stdio = failure { try registry.create(name: "shell", config: ["command": "sh"], as: People.alice) }
        #expect(stdio?.code == .policy)
        let created = try registry.create(name: "web", config: remote(nil, ["env": ["A": "b"]]), as: People.alice)
        #expect(created.new?.tier == .user)
        #expect(created.new?.template["env"] == nil)
        #expect(created.new?.template["source"]?["tier"] == "user")
        #expect(created.warnings.contains { $0.hasPrefix("env") })
        // An admin may create a trusted (admin-tier) server; a user's claim is ignored.
        let claimed = remote(nil, ["source": ["tier": "operator"]])
        #expect(try registry.create(name: "adm", config: claimed, as: People.admin).new?.tier == .admin)
        #expect(try registry.create(name: "usr", config: claimed, as: People.bob).new?.tier == .user)
    }

    @Test func namesDeriveFromTitlesAndAvoidRawAndNormalisedClashes() throws {
        let registry = makeRegistry()
        try registry.registerOperator(name: "Weather", config: ["command": "weather-server"])
        #expect(try registry.create(name: nil, config: remote("My Tools!"), as: People.alice).name == "my-tools")
        #expect(try registry.create(name: nil, config: remote("my tools"), as: People.alice).name == "my-tools-2")
        #expect(try registry.create(name: nil, config: remote("My  Tools"), as: People.alice).name == "my-tools-3")
        // "weather" clashes with the operator's "Weather" once normalised.
        #expect(try registry.create(name: nil, config: remote("weather"), as: People.alice).name == "weather-2")
        #expect(try registry.create(name: nil, config: remote(), as: People.alice).name == "mcp-server")
        #expect(try registry.create(name: nil, config: remote(), as: People.alice).name == "mcp-server-2")
        let long = String(repeating: "x", count: 80)
        let first = try registry.create(name: nil, config: remote(long), as: People.alice).name
        let second = try registry.create(name: nil, config: remote(long), as: People.alice).name
        #expect(first.utf8.count == 64 && second.utf8.count == 64 && second.hasSuffix("-2"))

        let raw = failure { try registry.create(name: "my-tools", config: remote(), as: People.bob) }
        #expect(raw?.code == .conflict && raw?.details["existing"] == "my-tools")
        let normalised = failure { try registry.create(name: "WEATHER", config: remote(), as: People.bob) }
        #expect(normalised?.code == .conflict && normalised?.details["existing"] == "Weather")
        #expect(failure { try registry.create(name: "bad name", config: remote(), as: People.bob) }?.code == .config)
    }

    @Test func aConfigPatchAppliesAllOrNothing() throws {
        let registry = makeRegistry()
        _ = try registry.create(name: "keep", config: remote("Keep"), as: People.alice)
        _ = try registry.create(name: "gone", config: remote("Gone"), as: People.alice)

        // One bad entry: nothing changes.
        let bad: JSONObject = ["mcpServers": ["new": .object(remote("New")), "gone": nil, "keep": ["url": "ftp://nope"]]]
        #expect(failure { try registry.applyConfigPatch(bad, as: People.alice) }?.details["server"] == "keep")
        #expect(try registry.entry(named: "gone") != nil && registry.entry(named: "new") == nil)

        // Someone else may not delete: nothing changes either.
        let foreign: JSONObject = ["mcpServers": ["new": .object(remote("New")), "gone": nil]]
        #expect(failure { try registry.applyConfigPatch(foreign, as: People.carol) }?.code == .permission)
        #expect(try registry.entry(named: "new") == nil)

        let good: JSONObject = ["mcpServers": ["new": .object(remote("New")), "gone": nil, "keep": ["enabled": false], "never": nil]]
        let changes = try registry.applyConfigPatch(good, as: People.alice)
        #expect(changes.map(\.action) == [.created, .deleted, .updated, .unchanged])
        #expect(try registry.entry(named: "gone") == nil)
        #expect(try registry.entry(named: "keep")?.enabled == false)
        #expect(try registry.entry(named: "new")?.author == "alice")
    }

    @Test func aPandoraKitPatchIsConvertedByTheConfigLoader() throws {
        let registry = makeRegistry()
        let body: JSONObject = ["mcpServers": ["remote-tools": ["url": "https://example.com/mcp", "name": "Remote Tools", "headers": ["Authorization": "Bearer sk-abc123"]]]]
        let created = try #require(registry.applyConfigPatch(body, format: .pandorakit, as: People.alice).first?.new)
        #expect(created.title == "Remote Tools")
        #expect(created.enabled && created.template["requireApproval"] == true)
        #expect(created.tier == .user)
        let disabled = try registry.applyConfigPatch(["mcpServers": ["remote-tools": ["enabled": false]]], format: .pandorakit, as: People.alice)
        #expect(disabled.first?.new?.enabled == false)
        #expect(disabled.first?.new?.title == "Remote Tools")
        let removed = try registry.applyConfigPatch(["mcpServers": ["remote-tools": nil]], format: .pandorakit, as: People.alice)
        #expect(removed.first?.action == .deleted)
    }

    @Test func anOperatorServersPrivateKeyIsNeverShown() throws {
        let registry = makeRegistry()
        let pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkq-operator-secret\n-----END PRIVATE KEY-----"
        try registry.registerOperator(name: "machine", config: [
            "url": "https://mcp.example.com/mcp",
            "oauth": ["client_id": "svc", "private_key": .string(pem), "grant_types_supported": ["client_credentials"],
                      "token_url": "https://as.example.com/token"],
        ])
        for user in [People.alice, People.bob] {
            let json = try registry.get("machine", as: user).json(for: user)
            #expect(!JSONWriter.string(json).containsLiteral("operator-secret"))
            #expect(json["redacted"]?.arrayValue?.contains("oauth.private_key") == true)
        }
    }

    @Test func redactionHidesSecretsAlwaysAndEndpointsFromNonEditors() throws {
        let registry = makeRegistry()
        let config = remote("Secretive", [
            "headers": ["Authorization": "Bearer header-secret"],
            "oauth": ["client_id": "cid", "client_secret": "oauth-secret", "authorization_url": "https://as.example.com/authorize",
                      "token_url": "https://as.example.com/token"],
            "apiKey": ["key": "api-secret", "source": "admin", "authorization_type": "bearer"],
        ])
        _ = try registry.create(name: "secretive", config: config, as: People.alice)
        try registry.share("secretive", with: .user("bob"), permissions: [.view, .use], as: People.alice)
        let entry = try registry.get("secretive", as: People.alice)

        let owner = entry.json(for: People.alice)
        #expect(owner["canEdit"] == true)
        #expect(owner["config"]?["url"] == "https://mcp.example.com/mcp")
        #expect(owner["config"]?["oauth"]?["token_url"] == "https://as.example.com/token")
        #expect(owner["config"]?["oauth"]?["client_id"] == "cid")
        #expect(owner["acl"]?.arrayValue?.count == 1)
        let redacted = owner["redacted"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(Set(redacted).isSuperset(of: ["headers.Authorization", "oauth.client_secret", "apiKey.key"]))

        let viewer = entry.json(for: People.bob)
        #expect(viewer["canEdit"] == false)
        #expect(viewer["config"]?["url"] == nil && viewer["config"]?["oauth"]?["authorization_url"] == nil)
        #expect(viewer["acl"] == nil)
        #expect(viewer["redacted"]?.arrayValue?.contains("url") == true)
        for json in [owner, viewer] {
            let text = JSONWriter.string(json)
            for secret in ["header-secret", "oauth-secret", "api-secret"] { #expect(!text.containsLiteral(secret), "\(secret) leaked") }
        }

        // Operator env values stay hidden too.
        try registry.registerOperator(name: "local", config: ["command": "tool", "env": ["TOKEN": "env-secret"]])
        let local = JSONWriter.string(try registry.get("local", as: People.admin).json(for: People.admin))
        #expect(!local.containsLiteral("env-secret") && local.containsLiteral("env.TOKEN"))
    }

    @Test func connectionRelevanceIgnoresDescriptiveFields() throws {
        let registry = makeRegistry()
        let old = try #require(registry.create(name: "c", config: remote("T"), as: People.alice).new)
        var new = old
        new.template["description"] = "d"
        new.template["iconPath"] = "/i.png"
        #expect(!ServerRegistry.connectionRelevantChange(old, new))
        new.template["timeout"] = 5000
        #expect(ServerRegistry.connectionRelevantChange(old, new))
        var enabled = old
        enabled.template["enabled"] = true
        #expect(!ServerRegistry.connectionRelevantChange(old, enabled))
        enabled.template["enabled"] = false
        #expect(ServerRegistry.connectionRelevantChange(old, enabled))
    }
}
