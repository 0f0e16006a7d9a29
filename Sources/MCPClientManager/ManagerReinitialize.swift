public import MCPClientCore

extension Manager {
    /// Drops the caller's connection to a server, clears its circuit breaker and connects again, answering in the
    /// shape of LibreChat's `POST /api/mcp/:serverName/reinitialize` (docs/abi/json.md): a pending sign-in is
    /// `oauthRequired` with its `oauthUrl`, not a failure of the call.
    public func reinitialize(server name: String, as caller: CallContext = .host, completion: @escaping @Sendable (JSONValue) -> Void) {
        let header: JSONObject = ["version": 1, "serverName": .string(name)]
        let route: Route
        do { route = try self.route(name, caller) } catch {
            var answer = header
            answer["success"] = false
            answer["message"] = .string(error.message)
            answer["oauthRequired"] = false
            answer["failureReason"] = error.code == .notFound ? "not_found" : "initialization_failed"
            answer["error"] = error.json
            completion(.object(answer))
            return
        }
        let reopen: @Sendable () -> Void = { [weak self] in
            guard let self else { return }
            self.session(for: route) { [weak self] result in
                var answer = header
                switch result {
                case .success(let connected):
                    self?.release(connected)
                    answer["success"] = true
                    answer["message"] = "MCP server reinitialized successfully"
                    answer["oauthRequired"] = false
                case .failure(let error):
                    answer["success"] = false
                    answer.merge(Self.reinitializeFailure(error))
                }
                completion(.object(answer))
            }
        }
        guard !route.key.isRequest, let slot = route.entry.existingSlot(route.key) else { reopen(); return }
        slot.state.withLock { $0.breaker.reset() }
        disconnect(route.entry, slot, reason: "reinitialize", completion: reopen)
    }

    /// LibreChat's failure reasons: oauth_required, missing_custom_user_vars, unreachable, initialization_failed.
    static func reinitializeFailure(_ error: MCPError) -> JSONValue {
        var fields: JSONObject = ["oauthRequired": false, "message": .string(error.message), "error": error.json]
        switch (error.code, error.details["reason"]?.stringValue) {
        case (.auth, _) where error.details["authUrl"] != nil:
            fields["message"] = "OAuth authentication required"
            fields["oauthRequired"] = true
            fields["oauthUrl"] = error.details["authUrl"]
            if let flow = error.details["flowId"] { fields["flowId"] = flow }
            if let expiry = error.details["expiresAt"] { fields["oauthExpiresAt"] = expiry }
            fields["failureReason"] = "oauth_required"
        case (.config, "missing_custom_user_vars"):
            fields["failureReason"] = "missing_custom_user_vars"
            fields["missingUserVars"] = error.details["missingUserVars"] ?? .array([])
        case (.transport, _), (.timeout, _), (.policy, _), (.unavailable, _):
            fields["failureReason"] = "unreachable"
        default:
            fields["failureReason"] = "initialization_failed"
        }
        return .object(fields)
    }
}
