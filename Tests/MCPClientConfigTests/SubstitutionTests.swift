import MCPClientConfig
import MCPClientCore
import Testing

/// A context with the usual cast: a user, an OpenID login valid until `now + 1h`, a request body and user values.
func fullContext(env: [String: String] = [:], denylist: Set<String> = []) -> ResolutionContext {
    var context = ResolutionContext()
    context.now = 1_000_000
    context.user = ["id": "u-42", "name": "Ada", "email": "ada@example.com", "emailVerified": true, "role": "USER"]
    context.openid = ["accessToken": "oidc-access", "idToken": "oidc-id", "expiresAt": 1_003_600, "userEmail": "ada@idp.example"]
    context.graph = ["accessToken": "graph-token"]
    context.body = ["conversationId": "conv-1", "parentMessageId": "parent-1", "messageId": "msg-1"]
    context.userVars = ["API_TOKEN": "user-token", "MCP_API_KEY": "user-api-key"]
    context.environment = EnvironmentSource(variables: env, denylist: EnvDenylist(additions: denylist))
    return context
}

func resolve(_ server: JSONObject, _ context: ResolutionContext = fullContext()) throws -> ConfigResolver.Resolved {
    try ConfigResolver.resolve(server: server, context: context)
}

@Suite struct SubstitutionTests {
    @Test func everyUserFieldResolvesByLibreChatNameAndAlias() throws {
        var context = fullContext()
        var user = JSONObject()
        var server = JSONObject()
        for (index, placeholder) in PlaceholderCatalogue.all.enumerated() where placeholder.kind == .user {
            user[placeholder.field] = .string("v\(index)")
            server["n\(index)"] = .string(placeholder.name)
        }
        context.user = user
        var args: [JSONValue] = []
        var expected: [JSONValue] = []
        for (index, placeholder) in PlaceholderCatalogue.all.enumerated() where placeholder.kind == .user {
            args.append(.string("{{\(placeholder.name)}}|{{\(placeholder.alias)}}"))
            expected.append(.string("v\(index)|v\(index)"))
        }
        #expect(args.count == 18)
        let resolved = try resolve(["command": "srv", "args": .array(args)], context)
        #expect(resolved.server["args"] == .array(expected))
    }

    @Test func userIdFallsBackToUnderscoreIdAndScalarsAreStringified() throws {
        var context = fullContext()
        context.user = ["_id": "mongo-1", "emailVerified": false, "termsAcceptedAt": 1700000000]
        let resolved = try resolve(["command": "srv", "args": ["{{LIBRECHAT_USER_ID}}", "{{user.emailVerified}}", "{{LIBRECHAT_USER_TERMSACCEPTEDAT}}"]], context)
        #expect(resolved.server["args"] == ["mongo-1", "false", "1700000000"])
    }

    @Test func openidGraphBodyUserVarsAndApiKeyResolve() throws {
        let server: JSONObject = [
            "url": "https://mcp.example/{{LIBRECHAT_BODY_CONVERSATIONID}}",
            "headers": [
                "A": "{{LIBRECHAT_OPENID_TOKEN}}", "B": "{{openid.idToken}}", "C": "{{LIBRECHAT_OPENID_USER_EMAIL}}",
                "D": "{{LIBRECHAT_GRAPH_ACCESS_TOKEN}}", "E": "{{body.messageId}}/{{LIBRECHAT_BODY_PARENTMESSAGEID}}", "F": "{{API_TOKEN}}",
                "G": "{{MCP_API_KEY}}",
            ],
            "customUserVars": ["API_TOKEN": ["title": "Token"]],
            "apiKey": ["source": "user", "authorization_type": "custom", "custom_header": "X-Key"],
        ]
        let resolved = try resolve(server)
        let headers = try #require(resolved.server["headers"]?.objectValue)
        #expect(resolved.server["url"] == "https://mcp.example/conv-1")
        #expect(headers["A"] == "oidc-access")
        #expect(headers["B"] == "oidc-id")
        #expect(headers["C"] == "ada@idp.example")
        #expect(headers["D"] == "graph-token")
        #expect(headers["E"] == "msg-1/parent-1")
        #expect(headers["F"] == "user-token")
        #expect(headers["G"] == "user-api-key")
        #expect(headers["X-Key"] == "user-api-key")
        #expect(resolved.deferred == false)
        #expect(resolved.missingUserVars.isEmpty)
    }

    @Test func expiredOrAbsentOpenIDLeavesEmptyValues() throws {
        var context = fullContext()
        context.openid?["expiresAt"] = 999_999
        var resolved = try resolve(["command": "s", "args": ["t={{LIBRECHAT_OPENID_ACCESS_TOKEN}}"]], context)
        #expect(resolved.server["args"] == ["t="])
        #expect(resolved.warnings.contains { $0.containsLiteral("OpenID") })
        // Milliseconds are read as such.
        context.openid?["expiresAt"] = 1_003_600_000
        resolved = try resolve(["command": "s", "args": ["t={{LIBRECHAT_OPENID_ACCESS_TOKEN}}"]], context)
        #expect(resolved.server["args"] == ["t=oidc-access"])
        context.openid = nil
        resolved = try resolve(["command": "s", "args": ["t={{openid.accessToken}}"]], context)
        #expect(resolved.server["args"] == ["t="])
    }

    @Test func envExpandsWhereItAppliesAndNeverInCommandCwdTitleIcon() throws {
        let server: JSONObject = [
            "command": "${BIN}", "cwd": "${HOME_DIR}", "title": "${T}", "iconPath": "${T}", "description": "{{LIBRECHAT_USER_ID}}",
            "args": ["--host=${HOST}", "{{LIBRECHAT_USER_ID}}"], "env": ["K": "${HOST}"],
        ]
        let resolved = try resolve(server, fullContext(env: ["BIN": "/bin/x", "HOME_DIR": "/h", "T": "t", "HOST": "h1"]))
        #expect(resolved.server["command"] == "${BIN}")
        #expect(resolved.server["cwd"] == "${HOME_DIR}")
        #expect(resolved.server["title"] == "${T}")
        #expect(resolved.server["iconPath"] == "${T}")
        #expect(resolved.server["description"] == "{{LIBRECHAT_USER_ID}}")
        #expect(resolved.server["args"] == ["--host=h1", "u-42"])
        #expect(resolved.server["env"] == ["K": "h1"])
    }

    @Test func remoteFieldsAndOAuthStringsResolve() throws {
        let server: JSONObject = [
            "url": "https://${HOST}/mcp?u={{LIBRECHAT_USER_ID}}",
            "headers": ["X-Env": "${HOST}"], "oauth_headers": ["X-User": "{{user.email}}"],
            "oauth": [
                "authorization_url": "https://${HOST}/authorize", "token_url": "https://${HOST}/token", "client_id": "${CLIENT}",
                "scope": "read {{LIBRECHAT_USER_ID}}", "grant_types_supported": ["${GRANT}"],
            ],
            "proxy": "http://${PROXY_HOST}:8080/{{LIBRECHAT_USER_ID}}",
        ]
        let resolved = try resolve(server, fullContext(env: ["HOST": "h.example", "CLIENT": "cid", "GRANT": "authorization_code", "PROXY_HOST": "p"]))
        #expect(resolved.server["url"] == "https://h.example/mcp?u=u-42")
        #expect(resolved.server["headers"] == ["X-Env": "h.example"])
        #expect(resolved.server["oauth_headers"] == ["X-User": "ada@example.com"])
        #expect(resolved.server["oauth"] == [
            "authorization_url": "https://h.example/authorize", "token_url": "https://h.example/token", "client_id": "cid",
            "scope": "read u-42", "grant_types_supported": ["authorization_code"],
        ])
        // proxy gets ${VAR} only; the placeholder is neither resolved nor stripped.
        #expect(resolved.server["proxy"] == "http://p:8080/{{LIBRECHAT_USER_ID}}")
    }

    @Test func dollarNameWithoutBracesAndUnsetOrEmptyVariablesStayLiteral() throws {
        let resolved = try resolve(["command": "s", "args": ["$HOST", "${UNSET}", "${EMPTY}", "${HOST}"]], fullContext(env: ["HOST": "h", "EMPTY": ""]))
        #expect(resolved.server["args"] == ["$HOST", "${UNSET}", "${EMPTY}", "h"])
    }

    @Test func denylistedAndReservedNamesAreNeverExpanded() throws {
        let env = ["JWT_SECRET": "jwt-secret-value", "REDIS_PASSWORD": "redis-pw", "MCPCLIENT_STORE_KEY": "own-key", "EXTRA": "extra-secret", "OK": "fine"]
        let server: JSONObject = ["command": "s", "args": ["${JWT_SECRET}", "${env:REDIS_PASSWORD}", "${MCPCLIENT_STORE_KEY}", "${EXTRA}", "${OK}"]]
        let resolved = try resolve(server, fullContext(env: env, denylist: ["EXTRA"]))
        #expect(resolved.server["args"] == ["${JWT_SECRET}", "${env:REDIS_PASSWORD}", "${MCPCLIENT_STORE_KEY}", "${EXTRA}", "fine"])
        #expect(resolved.warnings.contains { $0.containsLiteral("JWT_SECRET") })
        let text = JSONWriter.string(resolved.json)
        for secret in ["jwt-secret-value", "redis-pw", "own-key", "extra-secret"] { #expect(!text.containsLiteral(secret)) }
        #expect(EnvDenylist().denies("CREDS_KEY") && EnvDenylist().denies("MONGO_URI") && !EnvDenylist().denies("PATH"))
    }

    @Test func userValuesAreNeverRescanned() throws {
        var context = fullContext(env: ["JWT_SECRET_ALIAS": "x", "HOST": "h"])
        context.environment = EnvironmentSource(variables: ["HOST": "h", "SAFE": "safe-env"])
        context.userVars = ["API_TOKEN": "${SAFE}", "OTHER": "{{LIBRECHAT_USER_EMAIL}}"]
        context.user = ["id": "${HOST}", "name": "{{API_TOKEN}}", "email": "e@x"]
        context.inputs = ["pw": "{{LIBRECHAT_USER_ID}}${SAFE}"]
        let server: JSONObject = [
            "command": "s",
            "args": ["{{API_TOKEN}}", "{{OTHER}}", "{{LIBRECHAT_USER_ID}}", "{{user.name}}", "${input:pw}", "${HOST}{{API_TOKEN}}"],
            "customUserVars": ["API_TOKEN": [:], "OTHER": [:]],
        ]
        let resolved = try resolve(server, context)
        #expect(resolved.server["args"] == [
            "${SAFE}", "{{LIBRECHAT_USER_EMAIL}}", "${HOST}", "{{API_TOKEN}}", "{{LIBRECHAT_USER_ID}}${SAFE}", "h${SAFE}",
        ])
    }

    @Test func secondOrderInjectionOfADenylistedNameStaysLiteral() throws {
        var context = fullContext(env: ["JWT_SECRET": "jwt-secret-value"])
        context.userVars = ["API_TOKEN": "${JWT_SECRET}"]
        let server: JSONObject = ["url": "https://x.example/?k={{API_TOKEN}}", "customUserVars": ["API_TOKEN": [:]], "headers": ["A": "{{API_TOKEN}}"]]
        let resolved = try resolve(server, context)
        #expect(resolved.server["url"] == "https://x.example/?k=${JWT_SECRET}")
        #expect(resolved.server["headers"] == ["A": "${JWT_SECRET}"])
        #expect(!JSONWriter.string(resolved.json).containsLiteral("jwt-secret-value"))
    }

    @Test func nonLatin1HeaderValuesBecomeB64AndLineBreaksAreRemoved() throws {
        var context = fullContext()
        context.user = ["name": "Zoë", "username": "山田", "email": "evil@x\r\nX-Injected: 1"]
        let server: JSONObject = ["url": "https://x.example", "headers": [
            "X-Name": "{{LIBRECHAT_USER_NAME}}", "X-User": "u {{LIBRECHAT_USER_USERNAME}}", "X-Email": "{{user.email}}", "X-Static": "日本",
            "X-Mixed": "日本 {{user.username}}",
        ]]
        let resolved = try resolve(server, context)
        let headers = try #require(resolved.server["headers"]?.objectValue)
        #expect(headers["X-Name"] == "Zoë")  // within Latin-1
        #expect(headers["X-User"] == .string("u b64:" + Base64.encode(Array("山田".utf8))))
        #expect(headers["X-Email"] == "evil@xX-Injected: 1")
        #expect(headers["X-Static"] == .string("b64:" + Base64.encode(Array("日本".utf8))))
        // Template text beyond Latin-1: the whole value is encoded once, not the inserted part twice.
        #expect(headers["X-Mixed"] == .string("b64:" + Base64.encode(Array("日本 山田".utf8))))
        // Not in args: only headers are encoded.
        let args = try resolve(["command": "s", "args": ["{{user.username}}"]], context)
        #expect(args.server["args"] == ["山田"])
    }

    @Test func finalPassStripsKnownAndKeepsUnknownPlaceholders() throws {
        var context = fullContext()
        context.user = [:]
        let server: JSONObject = ["command": "s", "args": ["a{{LIBRECHAT_USER_EMAIL}}b", "{{UNKNOWN_THING}}", "{{user.nope}}", "{{ spaced }}", "k={{MCP_API_KEY}}"]]
        let resolved = try resolve(server, context)
        // MCP_API_KEY is known but this server has no user API key: stripped, and the user's saved value is not read.
        #expect(resolved.server["args"] == ["ab", "{{UNKNOWN_THING}}", "{{user.nope}}", "{{ spaced }}", "k="])
    }

    @Test func aURLStillHoldingPlaceholdersIsRejected() throws {
        for url in ["https://x.example/${UNSET}", "https://x.example/{{UNKNOWN}}", "https://${JWT_SECRET}.x"] {
            #expect(throws: MCPError.self) { try resolve(["url": .string(url)], fullContext(env: ["JWT_SECRET": "s"])) }
        }
        #expect(throws: MCPError.self) { try resolve(["url": "https://x", "oauth": ["token_url": "https://${NOPE}/t"]]) }
        let error = try #require(throws: MCPError.self) { try resolve(["url": "https://x.example/{{UNKNOWN}}"]) }
        #expect(error.code == .config)
        #expect(error.details["path"] == "url")
        // A known placeholder with no value becomes empty, which is fine.
        var context = fullContext()
        context.user = [:]
        #expect(try resolve(["url": "https://x.example/{{LIBRECHAT_USER_ID}}"], context).server["url"] == "https://x.example/")
    }

    @Test func missingBodyFieldsDeferTheConnection() throws {
        var context = fullContext()
        context.body = ["conversationId": "c"]
        let resolved = try resolve(["url": "https://x/{{LIBRECHAT_BODY_CONVERSATIONID}}", "headers": ["M": "{{body.messageId}}"]], context)
        #expect(resolved.deferred)
        #expect(resolved.deferredFields == ["messageId"])
        #expect(resolved.scope.scope == .request)
    }

    @Test func missingUserVarsAreListed() throws {
        var context = fullContext()
        context.userVars = ["A": "set", "B": "  "]
        let server: JSONObject = [
            "url": "https://x", "headers": ["X": "{{A}}{{B}}{{C}}"], "customUserVars": ["A": [:], "B": [:], "C": [:]],
            "apiKey": ["source": "user"],
        ]
        let resolved = try resolve(server, context)
        #expect(resolved.missingUserVars == ["B", "C", "MCP_API_KEY"])
        #expect(resolved.server["headers"]?["X"] == "set  ")
        #expect(resolved.server["headers"]?["Authorization"] == "Bearer ")
    }

    @Test func adminApiKeyFillsTheHeaderAndOverridesSameNamedOne() throws {
        let server: JSONObject = ["url": "https://x", "headers": ["authorization": "old"], "apiKey": ["source": "admin", "key": "${KEY}"]]
        let resolved = try resolve(server, fullContext(env: ["KEY": "admin-key"]))
        #expect(resolved.server["headers"] == ["Authorization": "Bearer admin-key"])
        let basic = try resolve(["url": "https://x", "apiKey": ["source": "admin", "key": "k", "authorization_type": "basic"]])
        #expect(basic.server["headers"] == ["Authorization": "Basic k"])
        let custom = try resolve(["url": "https://x", "apiKey": ["source": "admin", "key": "k", "authorization_type": "custom"]])
        #expect(custom.server["headers"] == ["X-Api-Key": "k"])
        let smuggled: JSONObject = ["url": "https://x", "apiKey": ["source": "user", "authorization_type": "custom", "custom_header": "X-A: 1\r\nX-B"]]
        let error = try #require(throws: MCPError.self) { try resolve(smuggled) }
        #expect(error.details["path"] == "apiKey.custom_header")
    }

    @Test func vsCodeAndCursorVariables() throws {
        var context = fullContext(env: ["TOKEN": "t1"])
        context.workspaceFolder = "/ws"
        context.userHome = "/home/ada"
        context.inputs = ["api-key": "input-secret"]
        let server: JSONObject = [
            "command": "${workspaceFolder}/bin", "cwd": "${workspaceFolder}",
            "args": ["${workspaceFolder}/a", "${userHome}/b", "${env:TOKEN}", "${input:api-key}"],
            "env": ["K": "${input:api-key}"],
        ]
        let resolved = try resolve(server, context)
        #expect(resolved.server["args"] == ["/ws/a", "/home/ada/b", "t1", "input-secret"])
        #expect(resolved.server["env"] == ["K": "input-secret"])
        #expect(resolved.server["command"] == "${workspaceFolder}/bin")
        #expect(resolved.server["cwd"] == "${workspaceFolder}")
    }

    @Test func missingHostValuesAreErrorsThatNameTheVariable() throws {
        let noWorkspace = try #require(throws: MCPError.self) { try resolve(["command": "s", "args": ["${workspaceFolder}"]]) }
        #expect(noWorkspace.message.containsLiteral("workspaceFolder"))
        let noInput = try #require(throws: MCPError.self) { try resolve(["command": "s", "args": ["${input:pw}", "${input:region}", "${input:pw}"]]) }
        #expect(noInput.details["input"] == "pw")
        #expect(noInput.details["inputs"] == ["pw", "region"])
        #expect(noInput.details["path"] == "args[0]")
    }

    @Test func prepareExpandsOnlyParseTimeFields() throws {
        let server: JSONObject = [
            "url": "https://${HOST}/{{LIBRECHAT_USER_ID}}", "proxy": "http://${HOST}", "headers": ["H": "${HOST}"], "args": ["${HOST}"],
            "env": ["E": "${HOST}", "S": "${JWT_SECRET}"],
            "oauth": ["authorization_url": "https://${HOST}/a", "token_url": "https://${HOST}/t", "redirect_uri": "https://${HOST}/cb",
                      "revocation_endpoint": "https://${HOST}/r", "client_id": "${HOST}"],
        ]
        let environment = EnvironmentSource(variables: ["HOST": "h", "JWT_SECRET": "s"])
        let prepared = try ConfigResolver.prepare(server: server, tier: .operator, environment: environment)
        #expect(prepared.server["url"] == "https://h/{{LIBRECHAT_USER_ID}}")
        #expect(prepared.server["proxy"] == "http://h")
        #expect(prepared.server["headers"] == ["H": "${HOST}"])
        #expect(prepared.server["args"] == ["${HOST}"])
        #expect(prepared.server["env"] == ["E": "h", "S": "${JWT_SECRET}"])
        #expect(prepared.server["oauth"] == ["authorization_url": "https://h/a", "token_url": "https://h/t", "redirect_uri": "https://h/cb",
                                             "revocation_endpoint": "https://h/r", "client_id": "${HOST}"])
        #expect(prepared.warnings == ["${JWT_SECRET} is denylisted and was not expanded"])
        let admin = try ConfigResolver.prepare(server: server, tier: .admin, environment: environment)
        #expect(admin.server == prepared.server)
    }

    @Test func prepareThenResolveMatchesResolveAlone() throws {
        let server: JSONObject = [
            "url": "https://${HOST}/{{LIBRECHAT_USER_ID}}?k={{API_TOKEN}}", "headers": ["H": "${HOST} {{user.email}}"],
            "env": ["E": "${HOST}"], "args": ["${HOST}"], "customUserVars": ["API_TOKEN": [:]],
        ]
        var context = fullContext(env: ["HOST": "h.example", "JWT_SECRET": "jwt-secret-value"])
        context.userVars = ["API_TOKEN": "${JWT_SECRET}"]
        let prepared = try ConfigResolver.prepare(server: server, tier: .operator, environment: context.environment)
        let staged = try resolve(prepared.server, context)
        let direct = try resolve(server, context)
        #expect(staged.server == direct.server)
        #expect(direct.server["url"] == "https://h.example/u-42?k=${JWT_SECRET}")
    }

    @Test func pluginTierIsVerbatim() throws {
        let server: JSONObject = [
            "command": "node", "args": ["${HOST}", "{{LIBRECHAT_USER_ID}}"], "envFile": "/nonexistent", "source": ["format": "librechat", "tier": "plugin"],
        ]
        let resolved = try resolve(server, fullContext(env: ["HOST": "h"]))
        #expect(resolved.server == server)
        let prepared = try ConfigResolver.prepare(server: server, tier: .plugin, environment: EnvironmentSource(variables: ["HOST": "h"]))
        #expect(prepared.server == server)
    }

    @Test func tierFromContextAndSourceTakesTheLessTrusted() throws {
        var context = fullContext()
        context.tier = .operator
        let userServer: JSONObject = ["url": "https://x/", "headers": ["A": "{{API}}"], "source": ["tier": "user"], "customUserVars": ["API": [:]]]
        let resolved = try resolve(userServer, context)
        // The user tier applies: customUserVars is stripped, so {{API}} is an unknown name and stays.
        #expect(resolved.server["customUserVars"] == nil)
        #expect(resolved.server["headers"] == ["A": "{{API}}"])
        #expect(resolved.scope.scope == .user)
        // In a URL the same leftover is an error.
        #expect(throws: MCPError.self) { try resolve(["url": "https://x/{{API}}", "source": ["tier": "user"], "customUserVars": ["API": [:]]], context) }
        context.tier = .plugin
        #expect(throws: MCPError.self) { try resolve(["url": "https://x", "source": ["tier": "user"]], context) }
    }

    @Test func secretsNeverAppearInErrorsOrWarnings() throws {
        let secrets = ["S3CR3T-uservar", "S3CR3T-oidc", "S3CR3T-graph", "S3CR3T-input", "S3CR3T-jwt", "S3CR3T-apikey"]
        var context = fullContext(env: ["JWT_SECRET": "S3CR3T-jwt"])
        context.userVars = ["V": "S3CR3T-uservar", "MCP_API_KEY": "S3CR3T-apikey"]
        context.openid = ["accessToken": "S3CR3T-oidc", "expiresAt": 1]  // expired: a warning is produced
        context.graph = ["accessToken": "S3CR3T-graph"]
        context.inputs = ["pw": "S3CR3T-input"]
        var texts: [String] = []
        let failing: [JSONObject] = [
            ["url": "https://x/{{V}}${JWT_SECRET}", "customUserVars": ["V": [:]]],
            ["url": "https://x/${input:pw}/{{LIBRECHAT_GRAPH_ACCESS_TOKEN}}/{{UNKNOWN}}"],
            ["command": "s", "args": ["${input:pw}", "${input:missing}"]],
            ["url": "https://x/{{LIBRECHAT_OPENID_TOKEN}}", "oauth": ["token_url": "https://{{V}}/${JWT_SECRET}"], "customUserVars": ["V": [:]]],
            ["url": "https://x", "envFile": "/nonexistent/{{V}}", "customUserVars": ["V": [:]]],
        ]
        for server in failing {
            do {
                _ = try resolve(server, context)
                Issue.record("expected an error for \(server)")
            } catch {
                texts.append(JSONWriter.string(MCPError(error).json))
            }
        }
        let succeeding: [JSONObject] = [
            ["url": "https://x/{{LIBRECHAT_OPENID_TOKEN}}", "headers": ["A": "${JWT_SECRET}{{V}}"], "customUserVars": ["V": [:]],
             "apiKey": ["source": "user"], "envForward": ["JWT_SECRET"]],
        ]
        for server in succeeding {
            let resolved = try resolve(server, context)
            texts.append(resolved.warnings.joined(separator: "\n"))
            texts.append(resolved.scope.reason)
        }
        #expect(texts.count == failing.count + 2)
        for text in texts {
            for secret in secrets { #expect(!text.containsLiteral(secret), "\(secret) leaked in \(text)") }
        }
    }

    @Test func envForwardAndEnvFileMergeUnderExplicitEnv() throws {
        let directory = try TemporaryDirectory()
        try directory.write("app.env", "export A=from-file\nB=\"file b\"\nC='${JWT_SECRET}'\n")
        var context = fullContext(env: ["FWD": "forwarded", "B": "host-b", "JWT_SECRET": "jwt-secret-value"])
        context.baseDirectory = directory.path
        context.workspaceFolder = directory.path
        let server: JSONObject = [
            "command": "s", "envFile": "app.env", "envForward": ["FWD", "UNSET", "JWT_SECRET"], "env": ["A": "explicit", "D": "${FWD}"],
        ]
        let resolved = try resolve(server, context)
        #expect(resolved.server["env"] == ["A": "explicit", "B": "file b", "C": "${JWT_SECRET}", "FWD": "forwarded", "D": "forwarded"])
        #expect(resolved.server["envFile"] == nil)
        #expect(resolved.server["envForward"] == nil)
        #expect(resolved.warnings.contains { $0.containsLiteral("JWT_SECRET") })
        let viaWorkspace = try resolve(["command": "s", "envFile": "${workspaceFolder}/app.env"], context)
        #expect(viaWorkspace.server["env"]?["A"] == "from-file")
        context.baseDirectory = nil
        let error = try #require(throws: MCPError.self) { try resolve(["command": "s", "envFile": "app.env"], context) }
        #expect(error.message.containsLiteral("baseDir"))
    }
}
