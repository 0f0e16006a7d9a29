public import MCPClientCore
import MCPClientConfig
import Synchronization

extension Manager {
    /// Opens the shared connection of every server that gets one (app scope, enabled), at most `parallel` at a time
    /// (LibreChat's startup inspection, management.md §2.4, §3): `{"version":1,"servers":{name:{"status", "error"?,
    /// "reason"?}}}`. Per-user, request-scoped, `startup: false` and disabled servers are `skipped` with the reason;
    /// one failing server never holds up or hides the others.
    public func connectAll(parallel: Int = 3, completion: @escaping @Sendable (JSONValue) -> Void) {
        let entries = allEntries.sorted { $0.config.name < $1.config.name }
        var report: JSONObject = [:]
        var eligible: [ServerEntry] = []
        for entry in entries {
            let name = entry.config.name
            if !entry.config.enabled {
                report[name] = ["status": "skipped", "reason": "disabled"]
            } else if entry.scope.scope != .app {
                report[name] = ["status": "skipped", "reason": .string(entry.scope.reason)]
            } else {
                eligible.append(entry)
            }
        }
        let results = Locked<JSONObject>(report)
        let queue = Locked<[ServerEntry]>(Array(eligible.reversed()))
        let remaining = Atomic<Int>(eligible.count)
        let finish: @Sendable () -> Void = {
            let servers = results.withLock { results in
                JSONObject(entries.compactMap { entry in results[entry.config.name].map { (key: entry.config.name, value: $0) } })
            }
            completion(["version": 1, "servers": .object(servers)])
        }
        guard !eligible.isEmpty else { finish(); return }
        // A bounded number of workers, each taking the next server when its connect ends.
        @Sendable func next() {
            guard let entry = queue.withLock({ $0.popLast() }) else { return }
            let name = entry.config.name
            connect(server: name) { result in
                let outcome: JSONValue = switch result {
                case .success: ["status": "connected"]
                case .failure(let error): ["status": "error", "error": error.json]
                }
                results.withLock { $0[name] = outcome }
                if remaining.subtract(1, ordering: .relaxed).newValue == 0 { finish() } else { next() }
            }
        }
        for _ in 0..<min(max(parallel, 1), eligible.count) { next() }
    }
}
