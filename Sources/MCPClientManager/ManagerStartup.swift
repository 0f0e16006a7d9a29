import MCPClientConfig
public import MCPClientCore

extension Manager {
    /// Opens the shared connection of every server that gets one (app scope, enabled), at most `parallel` at a time
    /// (LibreChat's startup inspection, management.md §2.4, §3): `{"version":1,"servers":{name:{"status", "error"?,
    /// "reason"?}}}` in name order. Per-user, request-scoped, `startup: false` and disabled servers are `skipped` with
    /// the reason; one failing server never holds up or hides the others.
    public func connectAll(parallel: Int = 3, completion: @escaping @Sendable (JSONValue) -> Void) {
        let entries = allEntries.sorted { $0.config.name < $1.config.name }
        let eligible = entries.filter { $0.config.enabled && $0.scope.scope == .app }
        let connects = FanOut<JSONValue>(count: eligible.count, limit: parallel) { outcomes in
            var connected: [String: JSONValue] = [:]
            for (entry, outcome) in zip(eligible, outcomes) { connected[entry.config.name] = outcome }
            var servers = JSONObject()
            for entry in entries {
                let name = entry.config.name
                servers[name] = connected[name]
                    ?? ["status": "skipped", "reason": entry.config.enabled ? .string(entry.scope.reason) : "disabled"]
            }
            completion(["version": 1, "servers": .object(servers)])
        }
        connects.start { [weak self] index, done in
            guard let self else { done(["status": "error", "error": MCPError.closed.json]); return }
            self.connect(server: eligible[index].config.name) { result in
                switch result {
                case .success: done(["status": "connected"])
                case .failure(let error): done(["status": "error", "error": error.json])
                }
            }
        }
    }
}
