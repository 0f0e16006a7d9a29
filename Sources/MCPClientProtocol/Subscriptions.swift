public import MCPClientCore

/// What a host wants to hear from one server: list changes and updates of particular resources. The wire shape is
/// the `notifications` object of `subscriptions/listen` and of its acknowledgement.
public struct SubscriptionFilter: Sendable, Equatable {
    public var toolsListChanged = false
    public var promptsListChanged = false
    public var resourcesListChanged = false
    public var resourceURIs: Set<String> = []

    public init(toolsListChanged: Bool = false, promptsListChanged: Bool = false, resourcesListChanged: Bool = false, resourceURIs: Set<String> = []) {
        self.toolsListChanged = toolsListChanged
        self.promptsListChanged = promptsListChanged
        self.resourcesListChanged = resourcesListChanged
        self.resourceURIs = resourceURIs
    }

    public init(wire: JSONValue?) {
        toolsListChanged = wire?["toolsListChanged"]?.boolValue == true
        promptsListChanged = wire?["promptsListChanged"]?.boolValue == true
        resourcesListChanged = wire?["resourcesListChanged"]?.boolValue == true
        resourceURIs = Set(wire?["resourceSubscriptions"]?.arrayValue?.compactMap(\.stringValue) ?? [])
    }

    public var isEmpty: Bool { !toolsListChanged && !promptsListChanged && !resourcesListChanged && resourceURIs.isEmpty }

    /// Only what is asked for: false flags and an empty URI list are left out. URIs are sorted so a filter has one spelling.
    public var wire: JSONObject {
        var object: JSONObject = [:]
        if toolsListChanged { object["toolsListChanged"] = true }
        if promptsListChanged { object["promptsListChanged"] = true }
        if resourcesListChanged { object["resourcesListChanged"] = true }
        if !resourceURIs.isEmpty { object["resourceSubscriptions"] = .array(resourceURIs.sorted().map { .string($0) }) }
        return object
    }

    /// What `self` asks for that `other` does not grant.
    public func subtracting(_ other: SubscriptionFilter) -> SubscriptionFilter {
        SubscriptionFilter(
            toolsListChanged: toolsListChanged && !other.toolsListChanged, promptsListChanged: promptsListChanged && !other.promptsListChanged,
            resourcesListChanged: resourcesListChanged && !other.resourcesListChanged, resourceURIs: resourceURIs.subtracting(other.resourceURIs))
    }
}

/// Per-connection subscription bookkeeping.
struct SubscriptionState {
    /// Modern: the `subscriptions/listen` request whose stream is current; messages of any other id are stale.
    var listenID: Int64?
    /// Callers waiting for the current stream's acknowledgement.
    var waiters: [ClientSession.Completion<SubscriptionFilter>] = []
    var ackTimer: UInt64?
    /// Legacy: URIs the server accepted with `resources/subscribe`.
    var subscribedURIs: Set<String> = []
}

extension ClientSession {
    static let subscriptionIDKey = "io.modelcontextprotocol/subscriptionId"

    /// Replaces what this connection listens to and completes with what the server acknowledged.
    ///
    /// Modern: one `subscriptions/listen` stream carries the whole filter, so a change opens a new stream and ends the
    /// old one with `notifications/cancelled`. Legacy: list changes need no request (the capabilities say whether the
    /// server sends them) and resource URIs are `resources/subscribe`d and `unsubscribe`d one by one.
    public func subscribe(_ filter: SubscriptionFilter, timeoutNanoseconds: UInt64, completion: @escaping Completion<SubscriptionFilter>) {
        guard let server else { completion(.failure(MCPError(.closed, "not connected"))); return }
        if server.era == .legacy {
            subscribeLegacy(filter, capabilities: server.capabilities, timeoutNanoseconds: timeoutNanoseconds, completion: completion)
        } else {
            listen(filter, timeoutNanoseconds: timeoutNanoseconds, completion: completion)
        }
    }

    private func listen(_ filter: SubscriptionFilter, timeoutNanoseconds: UInt64, completion: @escaping Completion<SubscriptionFilter>) {
        let id = filter.isEmpty ? nil : rpc.allocateID()
        let (replaced, orphans) = subscriptionState.withLock { state -> (Int64?, [Completion<SubscriptionFilter>]) in
            defer { state.listenID = id }
            if id != nil {
                // Callers still waiting on the replaced stream wait for this one: it carries everything wanted now.
                state.waiters.append(completion)
                return (state.listenID, [])
            }
            defer { state.waiters = [] }
            return (state.listenID, state.waiters + [completion])
        }
        if let replaced { rpc.cancel(id: replaced, error: MCPError(.cancelled, "subscription replaced")) }
        for waiter in orphans { waiter(.success(SubscriptionFilter())) }
        guard let id else { return }
        var params: JSONObject = ["notifications": .object(filter.wire)]
        params["_meta"] = .object(modernMeta)
        rpc.request(id: id, method: "subscriptions/listen", params: params, longLived: true) { [weak self] result in
            self?.listenEnded(id: id, result: result)
        }
        if let scheduler = rpc.scheduler {
            let timer = scheduler.schedule(afterNanoseconds: timeoutNanoseconds) { [weak self] in
                guard let self, self.subscriptionState.withLock({ $0.listenID == id && !$0.waiters.isEmpty }) else { return }
                self.rpc.cancel(id: id, error: MCPError(.timeout, "subscriptions/listen was not acknowledged in time",
                    details: ["timeout_ms": .int(Int64(timeoutNanoseconds / 1_000_000))]))
            }
            subscriptionState.withLock { $0.ackTimer = timer }
        }
    }

    /// The listen request completed: replaced by us (ignored), refused, or the stream ended.
    private func listenEnded(id: Int64, result: Result<JSONValue, MCPError>) {
        let (current, waiters) = subscriptionState.withLock { state -> (Bool, [Completion<SubscriptionFilter>]) in
            guard state.listenID == id else { return (false, []) }
            state.listenID = nil
            defer { state.waiters = [] }
            return (true, state.waiters)
        }
        guard current else { return }
        if !waiters.isEmpty {
            let error: MCPError = switch result {
            case .failure(let error): error
            case .success: MCPError(.protocolError, "the subscription stream ended before it was acknowledged", source: .peer)
            }
            for waiter in waiters { waiter(.failure(error)) }
            return
        }
        hostCallbacks.withLock { $0.subscriptionEnd }?(result.failure)
    }

    /// True while a listen stream is open or resources are subscribed: an empty filter still has something to end.
    public var hasSubscriptions: Bool { subscriptionState.withLock { $0.listenID != nil || !$0.subscribedURIs.isEmpty } }

    /// Called once when an acknowledged stream ends without the client ending it (the error, or nil for a graceful end).
    public func setSubscriptionEndHandler(_ handler: (@Sendable (MCPError?) -> Void)?) {
        hostCallbacks.withLock { $0.subscriptionEnd = handler }
    }

    /// Handles subscription plumbing in an incoming notification: the acknowledgement completes `subscribe`, and
    /// messages of a stream that is no longer current are dropped. True when the notification was consumed.
    func consumeSubscriptionMessage(_ method: String, _ params: JSONValue?) -> Bool {
        guard let tag = params?["_meta"]?[Self.subscriptionIDKey] else { return false }
        let ack = method == "notifications/subscriptions/acknowledged"
        let (current, waiters, timer) = subscriptionState.withLock { state -> (Bool, [Completion<SubscriptionFilter>], UInt64?) in
            guard let id = state.listenID, tag == .int(id) || tag == .string(String(id)) else { return (false, [], nil) }
            guard ack else { return (true, [], nil) }
            defer { state.waiters = []; state.ackTimer = nil }
            return (true, state.waiters, state.ackTimer)
        }
        if let timer { rpc.schedulerCancel(timer) }
        let acknowledged = SubscriptionFilter(wire: params?["notifications"])
        for waiter in waiters { waiter(.success(acknowledged)) }
        return ack || !current
    }

    private func subscribeLegacy(
        _ filter: SubscriptionFilter, capabilities: JSONObject, timeoutNanoseconds: UInt64, completion: @escaping Completion<SubscriptionFilter>
    ) {
        func advertises(_ kind: String, _ flag: String) -> Bool { capabilities[kind]?[flag]?.boolValue == true }
        let canSubscribe = advertises("resources", "subscribe")
        let announced = SubscriptionFilter(
            toolsListChanged: advertises("tools", "listChanged"), promptsListChanged: advertises("prompts", "listChanged"),
            resourcesListChanged: advertises("resources", "listChanged"))
        let (added, removed) = subscriptionState.withLock { state -> (Set<String>, Set<String>) in
            let removed = state.subscribedURIs.subtracting(filter.resourceURIs)
            state.subscribedURIs.subtract(removed)
            return (canSubscribe ? filter.resourceURIs.subtracting(state.subscribedURIs) : [], removed)
        }
        for uri in removed {
            request(method: "resources/unsubscribe", params: ["uri": .string(uri)], timeoutNanoseconds: timeoutNanoseconds) { _ in }
        }
        let finish: @Sendable () -> Void = { [weak self] in
            let subscribed = self?.subscriptionState.withLock { $0.subscribedURIs } ?? []
            completion(.success(SubscriptionFilter(
                toolsListChanged: filter.toolsListChanged && announced.toolsListChanged,
                promptsListChanged: filter.promptsListChanged && announced.promptsListChanged,
                resourcesListChanged: filter.resourcesListChanged && announced.resourcesListChanged,
                resourceURIs: filter.resourceURIs.intersection(subscribed))))
        }
        guard !added.isEmpty else { finish(); return }
        let remaining = Locked(added.count)
        let firstError = Locked<MCPError?>(nil)
        for uri in added {
            request(method: "resources/subscribe", params: ["uri": .string(uri)], timeoutNanoseconds: timeoutNanoseconds) { [weak self] result in
                switch result {
                case .success: self?.subscriptionState.withLock { _ = $0.subscribedURIs.insert(uri) }
                case .failure(let error): firstError.withLock { if $0 == nil { $0 = error } }
                }
                guard remaining.withLock({ $0 -= 1; return $0 }) == 0 else { return }
                // A transport failure is the caller's error; a refusal just leaves the URI out of the acknowledgement.
                if let error = firstError.withLock({ $0 }), error.source != .peer { completion(.failure(error)) } else { finish() }
            }
        }
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
