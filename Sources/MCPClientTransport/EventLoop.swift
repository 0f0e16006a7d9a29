import CMCPSystem
import Glibc
public import MCPClientCore
import Synchronization

/// Something the loop calls when its file descriptor is ready. Always called on the loop thread.
public protocol IOHandler: AnyObject, Sendable {
    func handleIO(events: UInt32)
}

/// One epoll thread that multiplexes every connection of a manager, plus timers and cross-thread tasks.
/// Thousands of connections share this one thread; nothing here sleeps-polls.
public final class EventLoop: @unchecked Sendable {
    public typealias TimerID = UInt64

    private struct Timer {
        var deadline: UInt64
        var id: TimerID
        var action: @Sendable () -> Void
    }

    private struct State {
        var handlers: [UInt64: any IOHandler] = [:]
        var nextToken: UInt64 = 1
        var tasks: [@Sendable () -> Void] = []
        var timers: [Timer] = []  // sorted by deadline, earliest first
        var nextTimerID: TimerID = 1
        /// When the sleeping loop will wake by itself (UInt64.max = never; 0 = not sleeping).
        var plannedWake: UInt64 = 0
        var wakePending = false
        var stopped = false
    }

    private let epollFD: Int32
    private let wakeFD: Int32
    private let state = Locked(State())
    let clock = SystemClock()
    private var thread = pthread_t()
    private let loopThreadID = Atomic<UInt>(0)

    public init() throws(MCPError) {
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakeFD = csys_eventfd()
        guard epollFD >= 0, wakeFD >= 0 else {
            if epollFD >= 0 { Glibc.close(epollFD) }
            if wakeFD >= 0 { Glibc.close(wakeFD) }
            throw MCPError(.generic, "cannot create the I/O loop: \(String(cString: strerror(errno)))")
        }
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.u64 = 0  // token 0 = the wake descriptor
        epoll_ctl(epollFD, EPOLL_CTL_ADD, wakeFD, &event)

        let box = Unmanaged.passRetained(self).toOpaque()
        let rc = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            let loop = Unmanaged<EventLoop>.fromOpaque(raw).takeRetainedValue()
            // Host signals are delivered elsewhere; this thread only does I/O.
            var all = sigset_t()
            sigfillset(&all)
            pthread_sigmask(SIG_BLOCK, &all, nil)
            csys_set_thread_name("mcpclient-io")
            loop.run()
            return nil
        }, box)
        if rc != 0 {
            Unmanaged<EventLoop>.fromOpaque(box).release()
            Glibc.close(epollFD)
            Glibc.close(wakeFD)
            throw MCPError(.generic, "cannot start the I/O thread (error \(rc))")
        }
    }

    deinit {
        Glibc.close(epollFD)
        Glibc.close(wakeFD)
    }

    public var isOnLoopThread: Bool { loopThreadID.load(ordering: .relaxed) == UInt(bitPattern: Int(bitPattern: pthread_self())) }

    // MARK: descriptors

    /// A fresh registration token. Owners store it before registering, so an event that arrives at once
    /// (before `register` returns) already finds it in place.
    public func newToken() -> UInt64 {
        state.withLock { state in
            defer { state.nextToken += 1 }
            return state.nextToken
        }
    }

    /// Registers `fd` for `events` (EPOLLIN etc.) under `token` (from `newToken`).
    public func register(fd: Int32, token: UInt64, events: UInt32, handler: any IOHandler) throws(MCPError) {
        state.withLock { $0.handlers[token] = handler }
        var event = epoll_event()
        event.events = events
        event.data.u64 = token
        if epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event) != 0 {
            let reason = String(cString: strerror(errno))
            _ = state.withLock { $0.handlers.removeValue(forKey: token) }
            throw MCPError.transport("cannot watch descriptor: \(reason)")
        }
    }

    /// Registers `fd` and returns its new token.
    public func register(fd: Int32, events: UInt32, handler: any IOHandler) throws(MCPError) -> UInt64 {
        let token = newToken()
        try register(fd: fd, token: token, events: events, handler: handler)
        return token
    }

    public func modify(fd: Int32, token: UInt64, events: UInt32) {
        var event = epoll_event()
        event.events = events
        event.data.u64 = token
        epoll_ctl(epollFD, EPOLL_CTL_MOD, fd, &event)
    }

    /// Stops watching `fd`. Call before closing it; events already fetched for the token are dropped.
    public func unregister(fd: Int32, token: UInt64) {
        epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, nil)
        _ = state.withLock { $0.handlers.removeValue(forKey: token) }
    }

    // MARK: tasks and timers

    /// Runs `task` on the loop thread soon.
    public func execute(_ task: @escaping @Sendable () -> Void) {
        let needsWake = state.withLock { state -> Bool in
            state.tasks.append(task)
            if state.wakePending || state.plannedWake == 0 { return false }
            state.wakePending = true
            return true
        }
        if needsWake { wake() }
    }

    /// Runs `action` on the loop thread after `nanoseconds`, unless cancelled first.
    @discardableResult
    public func schedule(afterNanoseconds nanoseconds: UInt64, _ action: @escaping @Sendable () -> Void) -> TimerID {
        let deadline = clock.nowNanoseconds() &+ nanoseconds
        let (id, needsWake) = state.withLock { state -> (TimerID, Bool) in
            let id = state.nextTimerID
            state.nextTimerID += 1
            let index = state.timers.firstIndex { $0.deadline > deadline } ?? state.timers.endIndex
            state.timers.insert(Timer(deadline: deadline, id: id, action: action), at: index)
            // Only a sleeping loop whose planned wake is later needs a nudge.
            guard state.plannedWake != 0, deadline < state.plannedWake, !state.wakePending else { return (id, false) }
            state.wakePending = true
            return (id, true)
        }
        if needsWake { wake() }
        return id
    }

    /// Returns true when the timer was still pending (it will not run).
    @discardableResult
    public func cancelTimer(_ id: TimerID) -> Bool {
        state.withLock { state in
            guard let index = state.timers.firstIndex(where: { $0.id == id }) else { return false }
            state.timers.remove(at: index)
            return true
        }
    }

    /// Stops the thread after the tasks queued so far have run. Safe to call twice and from the loop itself.
    public func shutdown() {
        let first = state.withLock { state -> Bool in
            defer { state.stopped = true }
            return !state.stopped
        }
        guard first else { return }
        wake()
        if isOnLoopThread {
            pthread_detach(thread)
        } else {
            pthread_join(thread, nil)
        }
    }

    private func wake() {
        var one: UInt64 = 1
        _ = Glibc.write(wakeFD, &one, 8)
    }

    // MARK: the loop

    private func run() {
        loopThreadID.store(UInt(bitPattern: Int(bitPattern: pthread_self())), ordering: .relaxed)
        let capacity = 64
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: capacity)
        defer { events.deallocate() }
        while true {
            let (timeout, stop) = state.withLock { state -> (Int32, Bool) in
                if state.stopped && state.tasks.isEmpty { return (0, true) }
                if !state.tasks.isEmpty || state.wakePending { state.plannedWake = 0; return (0, false) }
                guard let first = state.timers.first else { state.plannedWake = .max; return (-1, false) }
                state.plannedWake = first.deadline
                let now = clock.nowNanoseconds()
                if first.deadline <= now { state.plannedWake = 0; return (0, false) }
                // Round up so a timer never fires early.
                return (Int32(min((first.deadline - now + 999_999) / 1_000_000, 60_000)), false)
            }
            if stop {
                // Timers and handlers capture their owners, which hold this loop: drop them to break the cycles.
                let leftovers = state.withLock { state -> ([Timer], [UInt64: any IOHandler]) in
                    defer { state.timers = []; state.handlers = [:] }
                    return (state.timers, state.handlers)
                }
                _ = leftovers
                break
            }
            let count = epoll_wait(epollFD, events, Int32(capacity), timeout)
            state.withLock { $0.plannedWake = 0 }
            if count > 0 {
                for index in 0..<Int(count) {
                    let token = events[index].data.u64
                    let mask = events[index].events
                    if token == 0 {
                        var value: UInt64 = 0
                        _ = Glibc.read(wakeFD, &value, 8)
                        continue
                    }
                    let handler = state.withLock { $0.handlers[token] }
                    handler?.handleIO(events: mask)
                }
            }
            runDueTimers()
            runTasks()
        }
    }

    private func runDueTimers() {
        let now = clock.nowNanoseconds()
        while true {
            let due = state.withLock { state -> Timer? in
                guard let first = state.timers.first, first.deadline <= now else { return nil }
                return state.timers.removeFirst()
            }
            guard let due else { return }
            due.action()
        }
    }

    private func runTasks() {
        let tasks = state.withLock { state -> [@Sendable () -> Void] in
            state.wakePending = false
            defer { state.tasks.removeAll(keepingCapacity: true) }
            return state.tasks
        }
        for task in tasks { task() }
    }
}
