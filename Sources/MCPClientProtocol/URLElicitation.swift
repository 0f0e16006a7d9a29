import MCPClientCore

/// URL-mode elicitations the handshake era demands through a -32042 error: the host consents to each URL, the
/// server announces `notifications/elicitation/complete` when the user finished there, and the request is retried.
struct ElicitationState {
    /// Ids completed recently, so a completion that beats the host's consent is not lost. Bounded.
    var completed: [String] = []
    var waiters: [Int: (pending: Set<String>, done: @Sendable (Bool) -> Void)] = [:]
    var nextWaiter = 0
    static let rememberedCompletions = 256
}

extension ClientSession {
    /// Called for a -32042 answer: asks the host about every elicitation in `error.data.elicitations` and retries
    /// once each was accepted and completed. Declines, cancels and silence end the request with `error`.
    func handleURLElicitationRequired(_ error: MCPError, handle: RequestHandle, waitNanoseconds: UInt64, retry: @escaping @Sendable () -> Void) {
        let elicitations = error.details["rpc"]?["data"]?["elicitations"]?.arrayValue ?? []
        guard !elicitations.isEmpty else { handle.finish(.failure(error)); return }
        var requests: JSONObject = [:]
        for (index, elicitation) in elicitations.enumerated() {
            var params = elicitation.objectValue ?? [:]
            if params["mode"] == nil { params["mode"] = "url" }
            requests[elicitation["elicitationId"]?.stringValue ?? String(index)] = ["method": "elicitation/create", "params": .object(params)]
        }
        let ids = Set(requests.keys)
        askInput(requests, handle: handle) { [weak self] responses in
            guard let self, responses.allSatisfy({ $0.value["action"]?.stringValue == "accept" }) else {
                handle.finish(.failure(error))
                return
            }
            self.awaitElicitationsCompleted(ids, waitNanoseconds: waitNanoseconds) { completed in
                if completed {
                    retry()
                } else {
                    handle.finish(.failure(MCPError(.timeout, "the server never announced that the URL elicitation was completed",
                        details: ["elicitationIds": .array(ids.sorted().map { .string($0) }), "rpc": error.details["rpc"] ?? .null])))
                }
            }
        }
    }

    private func awaitElicitationsCompleted(_ ids: Set<String>, waitNanoseconds: UInt64, done: @escaping @Sendable (Bool) -> Void) {
        let waiter = elicitationState.withLock { state -> Int? in
            let pending = ids.subtracting(state.completed)
            guard !pending.isEmpty else { return nil }
            defer { state.nextWaiter += 1 }
            state.waiters[state.nextWaiter] = (pending, done)
            return state.nextWaiter
        }
        guard let waiter else { done(true); return }
        _ = rpc.scheduler?.schedule(afterNanoseconds: waitNanoseconds) { [weak self] in
            if let expired = self?.elicitationState.withLock({ $0.waiters.removeValue(forKey: waiter) }) { expired.done(false) }
        }
    }

    /// `notifications/elicitation/complete` arrived.
    func elicitationCompleted(_ id: String) {
        let finished = elicitationState.withLock { state -> [@Sendable (Bool) -> Void] in
            state.completed.append(id)
            if state.completed.count > ElicitationState.rememberedCompletions { state.completed.removeFirst() }
            var finished: [@Sendable (Bool) -> Void] = []
            for (key, var waiter) in state.waiters {
                waiter.pending.remove(id)
                if waiter.pending.isEmpty { state.waiters[key] = nil; finished.append(waiter.done) } else { state.waiters[key] = waiter }
            }
            return finished
        }
        for done in finished { done(true) }
    }
}
