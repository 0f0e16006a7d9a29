import CMCPSystem
import Glibc
public import MCPClientCore
import Synchronization

/// An MCP server as a child process speaking newline-delimited JSON-RPC on stdin/stdout.
///
/// The child gets socket pairs rather than pipes so that writes can use MSG_NOSIGNAL: a dead server must
/// never raise SIGPIPE in the host. It runs in its own process group so shutdown reaches its whole tree.
public final class StdioTransport: MessageTransport, @unchecked Sendable {
    private enum Phase { case idle, running, closing, finished }

    private struct Control {
        var phase = Phase.idle
        var pid: pid_t = 0
        var closeCompletions: [@Sendable () -> Void] = []
        var delegateNotified = false
        var exitDescription: String?
    }

    private struct Writer {
        var fd: Int32 = -1
        var token: UInt64?
        var pending: [UInt8] = []
        var failure: MCPError?
        /// A flush of `pending` is queued on the I/O thread.
        var flushQueued = false
    }

    public let launch: StdioLaunch
    private let loop: EventLoop
    private let logSink: any LogSink
    private let serverName: String?
    private let control = Locked(Control())
    private let writer = Locked(Writer())
    /// Who may read stdout right now: the I/O thread or one blocked caller (leader/follower). The owner
    /// disarms the loop's one-shot watch while it reads and re-arms it when it lets go.
    private let readOwner = Atomic<Bool>(false)
    private static let stdoutEvents = EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLONESHOT.rawValue

    // Touched only by the read owner (see readOwner): delegate, stdoutFD, stdoutToken, partialLine, readFailed, stdoutBuffer.
    // Touched only by the I/O thread: the stderr, pid and handler state.
    private nonisolated(unsafe) var delegate: (any TransportDelegate)?
    private nonisolated(unsafe) var stdoutFD: Int32 = -1
    private nonisolated(unsafe) var stdoutToken: UInt64 = 0
    private nonisolated(unsafe) var stderrFD: Int32 = -1
    private nonisolated(unsafe) var stderrToken: UInt64 = 0
    private nonisolated(unsafe) var pidFD: Int32 = -1
    private nonisolated(unsafe) var pidToken: UInt64 = 0
    private nonisolated(unsafe) var partialLine: [UInt8] = []
    /// Set after a framing failure: nothing more is delivered (the rest of an oversized line is not a message).
    private nonisolated(unsafe) var readFailed = false
    private nonisolated(unsafe) var stderrPartial: [UInt8] = []
    /// The last stderr lines, for crash errors; written by the I/O thread, read by whoever reports the failure.
    private let stderrTail = Locked<[String]>([])
    /// Separate buffers: stdout is read by whichever thread owns reading, stderr always by the I/O thread.
    private let stdoutBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)
    private let stderrBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 << 10, alignment: 16)
    private nonisolated(unsafe) var handlers: [FDHandler] = []

    /// What may wait for a server that does not read its stdin before a send fails (docs/security.md).
    public static let defaultMaxPendingWriteBytes = 256 << 20
    /// `defaultMaxPendingWriteBytes` unless a test asks for less (256 MiB is too much to fill cheaply).
    let maxPendingWriteBytes: Int
    private static let stderrTailLines = 20
    fileprivate static let stderrChunksPerWakeup = 4

    public convenience init(launch: StdioLaunch, loop: EventLoop, logSink: any LogSink = DiscardingLogSink(), serverName: String? = nil) {
        self.init(launch: launch, loop: loop, logSink: logSink, serverName: serverName, maxPendingWriteBytes: Self.defaultMaxPendingWriteBytes)
    }

    init(launch: StdioLaunch, loop: EventLoop, logSink: any LogSink = DiscardingLogSink(), serverName: String? = nil, maxPendingWriteBytes: Int) {
        self.launch = launch
        self.maxPendingWriteBytes = maxPendingWriteBytes
        self.loop = loop
        self.logSink = logSink
        self.serverName = serverName
    }

    deinit {
        stdoutBuffer.deallocate()
        stderrBuffer.deallocate()
    }

    /// The server's process id once started (0 before).
    public var processID: Int32 { control.withLock { $0.pid } }

    // MARK: start

    public func start(delegate: any TransportDelegate) throws(MCPError) {
        let claimed = control.withLock { control -> Bool in
            guard control.phase == .idle else { return false }
            control.phase = .running
            return true
        }
        guard claimed else { throw MCPError.invalid("transport already started") }
        self.delegate = delegate
        do {
            let child = try spawn()
            control.withLock { $0.pid = child.pid }
            writer.withLock { $0.fd = child.stdin }
            stdoutFD = child.stdout
            stderrFD = child.stderr
            pidFD = child.pidFD
            let out = FDHandler(self, .stdout), err = FDHandler(self, .stderr), exit = FDHandler(self, .exit)
            handlers = [out, err, exit]
            // Tokens are in place before any registration: the I/O thread may handle an event at once.
            stdoutToken = loop.newToken()
            stderrToken = loop.newToken()
            pidToken = loop.newToken()
            try loop.register(fd: stdoutFD, token: stdoutToken, events: StdioTransport.stdoutEvents, handler: out)
            if stderrFD >= 0 { try loop.register(fd: stderrFD, token: stderrToken, events: EPOLLIN.rawValue, handler: err) }
            if pidFD >= 0 {
                try loop.register(fd: pidFD, token: pidToken, events: EPOLLIN.rawValue, handler: exit)
            } else {
                // No pidfd (kernel < 5.3, seccomp, valgrind): fall back to checking waitpid on a timer.
                watchExitByPolling()
            }
        } catch {
            control.withLock { $0.phase = .idle }
            self.delegate = nil
            throw error
        }
    }

    private struct Child { var pid: pid_t; var stdin: Int32; var stdout: Int32; var stderr: Int32; var pidFD: Int32 }

    private func spawn() throws(MCPError) -> Child {
        let executable = try launch.resolvedExecutable()
        var inPair: [Int32] = [-1, -1], outPair: [Int32] = [-1, -1], errPair: [Int32] = [-1, -1]
        let type = csys_sock_stream_cloexec()
        func closeAll() { for fd in inPair + outPair + errPair where fd >= 0 { Glibc.close(fd) } }
        guard socketpair(AF_UNIX, type, 0, &inPair) == 0, socketpair(AF_UNIX, type, 0, &outPair) == 0 else {
            let reason = String(cString: strerror(errno))
            closeAll()
            throw MCPError.transport("cannot create stdio channels: \(reason)")
        }
        if launch.stderr == .log, socketpair(AF_UNIX, type, 0, &errPair) != 0 {
            let reason = String(cString: strerror(errno))
            closeAll()
            throw MCPError.transport("cannot create stderr channel: \(reason)")
        }
        // Index 0 is ours, index 1 the child's. The child only reads stdin and only writes stdout/stderr.
        shutdown(inPair[0], Int32(SHUT_RD))
        shutdown(outPair[0], Int32(SHUT_WR))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPair[1], 0)
        posix_spawn_file_actions_adddup2(&actions, outPair[1], 1)
        switch launch.stderr {
        case .log: posix_spawn_file_actions_adddup2(&actions, errPair[1], 2)
        case .inherit: break
        case .discard: posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        case .file(let path): posix_spawn_file_actions_addopen(&actions, 2, path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        }
        if let cwd = launch.workingDirectory { csys_spawn_addchdir(&actions, cwd) }
        // Nothing else of the host's leaks into the server, even descriptors opened without O_CLOEXEC.
        csys_spawn_addclosefrom(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        csys_spawnattr_default_signals(&attributes)

        let argv = CStringArray([executable] + launch.arguments)
        let envp = CStringArray(launch.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv.pointers, envp.pointers)
        Glibc.close(inPair[1])
        Glibc.close(outPair[1])
        if errPair[1] >= 0 { Glibc.close(errPair[1]) }
        guard rc == 0 else {
            Glibc.close(inPair[0])
            Glibc.close(outPair[0])
            if errPair[0] >= 0 { Glibc.close(errPair[0]) }
            throw MCPError.transport(
                "cannot start \(launch.command): \(String(cString: strerror(rc)))",
                details: ["command": .string(launch.command), "errno": .int(Int64(rc))])
        }
        for fd in [inPair[0], outPair[0], errPair[0]] where fd >= 0 { _ = csys_set_nonblocking(fd) }
        return Child(pid: pid, stdin: inPair[0], stdout: outPair[0], stderr: errPair[0], pidFD: csys_pidfd_open(pid))
    }

    // MARK: send

    public func send(_ message: [UInt8]) throws(MCPError) {
        let result: MCPError? = writer.withLock { writer in
            if let failure = writer.failure { return failure }
            guard writer.fd >= 0 else { return MCPError(.closed, "the server's stdin is closed") }
            if !writer.pending.isEmpty {
                guard writer.pending.count + message.count < maxPendingWriteBytes else {
                    return backlogFull(queued: writer.pending.count)
                }
                writer.pending.append(contentsOf: message)
                writer.pending.append(0x0A)
                return nil
            }
            let written = writeLine(fd: writer.fd, message)
            if written == message.count + 1 { return nil }
            if written < 0 {
                let failure = MCPError.transport("cannot write to the server: \(String(cString: strerror(errno)))")
                writer.failure = failure
                return failure
            }
            if written < message.count { writer.pending.append(contentsOf: message[written...]) }
            writer.pending.append(0x0A)
            armWriter(&writer)
            return nil
        }
        if let result { throw result }
    }

    public func sendBatched(_ message: [UInt8]) throws(MCPError) {
        let (failure, queueFlush): (MCPError?, Bool) = writer.withLock { writer in
            if let failure = writer.failure { return (failure, false) }
            guard writer.fd >= 0 else { return (MCPError(.closed, "the server's stdin is closed"), false) }
            guard writer.pending.count + message.count < maxPendingWriteBytes else {
                return (backlogFull(queued: writer.pending.count), false)
            }
            writer.pending.append(contentsOf: message)
            writer.pending.append(0x0A)
            // Anything queued before this message already has a flush coming (queued, or EPOLLOUT armed).
            guard !writer.flushQueued, writer.pending.count == message.count + 1 else { return (nil, false) }
            writer.flushQueued = true
            return (nil, true)
        }
        if let failure { throw failure }
        if queueFlush { loop.execute { [self] in flushPending() } }
    }

    private func backlogFull(queued: Int) -> MCPError {
        MCPError.transport("the server is not reading its stdin (\(queued) bytes queued)",
            details: ["reason": "write_backlog_full", "limit": .int(Int64(maxPendingWriteBytes)), "queued": .int(Int64(queued))])
    }

    /// One sendmsg of message + "\n"; returns bytes written, 0 on EAGAIN, -1 on error.
    private func writeLine(fd: Int32, _ message: [UInt8]) -> Int {
        var newline: UInt8 = 0x0A
        return message.withUnsafeBytes { body in
            withUnsafeMutablePointer(to: &newline) { nl in
                var vectors = [
                    iovec(iov_base: UnsafeMutableRawPointer(mutating: body.baseAddress), iov_len: body.count),
                    iovec(iov_base: UnsafeMutableRawPointer(nl), iov_len: 1),
                ]
                return vectors.withUnsafeMutableBufferPointer { iov in
                    var header = msghdr()
                    header.msg_iov = iov.baseAddress
                    header.msg_iovlen = 2
                    while true {
                        let n = sendmsg(fd, &header, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT))
                        if n >= 0 { return n }
                        if errno == EINTR { continue }
                        return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1
                    }
                }
            }
        }
    }

    private func armWriter(_ writer: inout Writer) {
        let events = EPOLLOUT.rawValue | EPOLLONESHOT.rawValue
        if let token = writer.token {
            loop.modify(fd: writer.fd, token: token, events: events)
        } else {
            writer.token = try? loop.register(fd: writer.fd, events: events, handler: FDHandler(self, .stdin))
        }
    }

    fileprivate func flushPending() {
        writer.withLock { writer in
            writer.flushQueued = false
            guard writer.fd >= 0, !writer.pending.isEmpty else { return }
            let n = writer.pending.withUnsafeBytes { Glibc.send(writer.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT)) }
            if n > 0 { writer.pending.removeFirst(n) }
            if n < 0, errno != EAGAIN, errno != EINTR {
                writer.failure = MCPError.transport("cannot write to the server: \(String(cString: strerror(errno)))")
                writer.pending = []
                return
            }
            if !writer.pending.isEmpty { armWriter(&writer) }
        }
    }

    // MARK: reading (loop thread)

    private enum ReadOutcome { case drained, endOfStream, failed }

    /// Reads and dispatches what is available. Only the read owner calls this.
    private func drainStdout() -> ReadOutcome {
        while stdoutFD >= 0 {
            let n = Glibc.read(stdoutFD, stdoutBuffer.baseAddress, stdoutBuffer.count)
            if n > 0 {
                if !consume(UnsafeRawBufferPointer(rebasing: stdoutBuffer[0..<n])) { return .failed }
                if n < stdoutBuffer.count { return .drained }
                continue
            }
            if n < 0, errno == EINTR { continue }
            if n < 0, errno == EAGAIN || errno == EWOULDBLOCK { return .drained }
            return .endOfStream
        }
        return .endOfStream
    }

    private func tryTakeReading() -> Bool {
        readOwner.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
    }

    private func releaseReading() {
        let fd = stdoutFD
        readOwner.store(false, ordering: .releasing)
        if fd >= 0 { loop.modify(fd: fd, token: stdoutToken, events: StdioTransport.stdoutEvents) }
    }

    /// The I/O thread's turn: skipped while a blocked caller is reading (it re-arms the watch when done).
    fileprivate func readStdout() {
        guard tryTakeReading() else { return }
        if drainStdout() == .endOfStream { stdoutClosed() }
        releaseReading()
    }

    public func readWhileWaiting(untilNanoseconds deadline: UInt64, isDone: () -> Bool) -> Bool {
        guard tryTakeReading() else { return false }
        let clock = SystemClock()
        guard stdoutFD >= 0 else { releaseReading(); return false }
        loop.modify(fd: stdoutFD, token: stdoutToken, events: EPOLLONESHOT.rawValue)
        while !isDone() {
            let now = clock.nowNanoseconds()
            if now >= deadline { break }
            // Short slices so a shutdown never waits on a caller parked here.
            let sliceMs = Int32(min((deadline - now + 999_999) / 1_000_000, 100))
            var descriptor = pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, sliceMs)
            if ready < 0, errno != EINTR { break }
            if ready <= 0 {
                if control.withLock({ $0.phase != .running }) { break }
                continue
            }
            // End of stream and errors are the I/O thread's business: hand them over.
            if drainStdout() != .drained { break }
        }
        releaseReading()
        return true
    }

    /// Splits a chunk into lines and delivers each; false when the transport failed (oversized message).
    private func consume(_ chunk: UnsafeRawBufferPointer) -> Bool {
        if readFailed { return false }
        var start = 0
        let bytes = chunk.bindMemory(to: UInt8.self)
        guard let base = bytes.baseAddress else { return true }
        while start < bytes.count {
            // memchr and whole-buffer appends: a 100 MB line must cost copies, not a generic loop per byte.
            guard let found = memchr(base + start, 0x0A, bytes.count - start) else {
                partialLine.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
                if partialLine.count > launch.maxMessageBytes { return oversized() }
                return true
            }
            let newline = UnsafeRawPointer(found) - UnsafeRawPointer(base)
            if partialLine.isEmpty {
                if newline - start > launch.maxMessageBytes { return oversized() }
                deliver(UnsafeRawBufferPointer(rebasing: chunk[start..<newline]))
            } else {
                partialLine.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<newline]))
                if partialLine.count > launch.maxMessageBytes { return oversized() }
                partialLine.withUnsafeBytes { deliver($0) }
                partialLine.removeAll(keepingCapacity: partialLine.capacity <= 1 << 20)
            }
            start = newline + 1
        }
        return true
    }

    private func deliver(_ line: UnsafeRawBufferPointer) {
        var line = line
        if line.last == 0x0D { line = UnsafeRawBufferPointer(rebasing: line.dropLast()) }
        if line.isEmpty { return }
        delegate?.transport(didReceive: line)
    }

    private func oversized() -> Bool {
        partialLine = []
        readFailed = true
        failAndShutdown(MCPError.transport(
            "the server sent a message larger than \(launch.maxMessageBytes) bytes",
            details: ["reason": "message_too_large", "limit": .int(Int64(launch.maxMessageBytes))]))
        return false
    }

    /// Reads what stderr has. While the server runs, one wake-up reads at most `chunkLimit` buffers: stderr is
    /// level-triggered, so the rest waits for the next turn and a server flooding stderr cannot starve its replies.
    fileprivate func readStderr(chunkLimit: Int = .max) {
        var chunks = 0
        while stderrFD >= 0, chunks < chunkLimit {
            chunks += 1
            let n = Glibc.read(stderrFD, stderrBuffer.baseAddress, stderrBuffer.count)
            if n > 0 {
                let bytes = UnsafeRawBufferPointer(rebasing: stderrBuffer[0..<n]).bindMemory(to: UInt8.self)
                var start = 0
                while let newline = bytes[start...].firstIndex(of: 0x0A) {
                    stderrPartial.append(contentsOf: bytes[start..<newline])
                    emitStderrLine()
                    start = newline + 1
                }
                stderrPartial.append(contentsOf: bytes[start...])
                if stderrPartial.count > 64 << 10 { emitStderrLine() }  // a runaway line is logged in pieces
                if n < stderrBuffer.count { return }
                continue
            }
            if n < 0, errno == EINTR { continue }
            if n < 0, errno == EAGAIN || errno == EWOULDBLOCK { return }
            if !stderrPartial.isEmpty { emitStderrLine() }
            loop.unregister(fd: stderrFD, token: stderrToken)
            Glibc.close(stderrFD)
            stderrFD = -1
            return
        }
    }

    private func emitStderrLine() {
        if stderrPartial.last == 0x0D { stderrPartial.removeLast() }
        let line = String(decoding: stderrPartial, as: UTF8.self)
        stderrPartial.removeAll(keepingCapacity: true)
        stderrTail.withLock { tail in
            tail.append(line)
            if tail.count > StdioTransport.stderrTailLines { tail.removeFirst() }
        }
        logSink.log(.info, line, server: serverName, source: "stderr")
    }

    // MARK: exit and shutdown (loop thread unless noted)

    private func stdoutClosed() {
        if stdoutFD >= 0 {
            if !partialLine.isEmpty { partialLine.withUnsafeBytes { deliver($0) }; partialLine = [] }
            loop.unregister(fd: stdoutFD, token: stdoutToken)
            Glibc.close(stdoutFD)
            stdoutFD = -1
        }
        let closing = control.withLock { $0.phase != .running }
        guard !closing else { return }
        // Usually the process is exiting: let the exit watcher report its status. If it lives on, fail now-ish.
        loop.schedule(afterNanoseconds: 100_000_000) { [self] in
            let stillRunning = control.withLock { $0.phase == .running && $0.exitDescription == nil }
            if stillRunning { failAndShutdown(MCPError.transport("the server closed its stdout", details: exitDetails())) }
        }
    }

    private func watchExitByPolling() {
        loop.schedule(afterNanoseconds: 20_000_000) { [self] in
            guard control.withLock({ $0.exitDescription == nil }) else { return }
            if !processExited() { watchExitByPolling() }
        }
    }

    /// Reaps the server if it has exited; false while it is still running.
    @discardableResult
    fileprivate func processExited() -> Bool {
        let pid = control.withLock { $0.pid }
        var status: Int32 = 0
        let reaped = waitpid(pid, &status, WNOHANG)
        if reaped == 0 { return false }
        let description: String
        if reaped < 0 {
            description = "exited (status unknown)"
        } else if status & 0x7f == 0 {
            description = "exited with status \((status >> 8) & 0xff)"
        } else {
            description = "was killed by signal \(status & 0x7f)"
        }
        control.withLock { $0.exitDescription = description }
        if pidFD >= 0 {
            loop.unregister(fd: pidFD, token: pidToken)
            Glibc.close(pidFD)
            pidFD = -1
        }
        afterExit(pid: pid, description: description)
        return true
    }

    private func afterExit(pid: pid_t, description: String) {
        // Replies written just before exit are still in the socket: deliver them before failing anything.
        // A caller reading right now will deliver them; try again in a moment.
        guard tryTakeReading() else {
            loop.schedule(afterNanoseconds: 1_000_000) { [self] in afterExit(pid: pid, description: description) }
            return
        }
        if drainStdout() == .endOfStream { stdoutClosed() }
        releaseReading()
        if stderrFD >= 0 { readStderr() }
        let wasRunning = control.withLock { $0.phase == .running }
        if wasRunning {
            notifyDelegate(MCPError.transport("the server process \(description)", details: exitDetails()))
        }
        if ProcessGroup.hasLiveMembers(pid), kill(-pid, SIGTERM) == 0 {
            reapGroup(pid: pid, stage: .terminate, deadline: SystemClock().nowNanoseconds() + launch.shutdownGraceNanoseconds)
        } else {
            finish()
        }
    }

    private enum GroupStage { case terminate, kill }

    /// Members of the server's process group that outlive it get SIGTERM, then SIGKILL after the grace period.
    /// Orphans cannot be waited for, so this is the one bounded poll (it runs only when orphans exist).
    private func reapGroup(pid: pid_t, stage: GroupStage, deadline: UInt64) {
        guard ProcessGroup.hasLiveMembers(pid) else { finish(); return }
        let now = SystemClock().nowNanoseconds()
        if now >= deadline {
            if stage == .kill { finish(); return }  // only zombies of a live parent can remain; stop waiting
            kill(-pid, SIGKILL)
            loop.schedule(afterNanoseconds: 20_000_000) { [self] in reapGroup(pid: pid, stage: .kill, deadline: now + 1_000_000_000) }
            return
        }
        loop.schedule(afterNanoseconds: 20_000_000) { [self] in reapGroup(pid: pid, stage: stage, deadline: deadline) }
    }

    private func failAndShutdown(_ error: MCPError) {
        notifyDelegate(error)
        beginShutdown()
    }

    private func notifyDelegate(_ error: MCPError?) {
        let first = control.withLock { control -> Bool in
            defer { control.delegateNotified = true }
            return !control.delegateNotified
        }
        guard first, let delegate else { return }
        delegate.transportDidClose(error: error)
    }

    private func exitDetails() -> JSONObject {
        var details: JSONObject = ["command": .string(launch.command)]
        if let exit = control.withLock({ $0.exitDescription }) { details["exit"] = .string(exit) }
        let tail = stderrTail.withLock { $0 }
        if !tail.isEmpty { details["stderr_tail"] = .array(tail.map { .string($0) }) }
        return details
    }

    public func close(completion: @escaping @Sendable () -> Void) {
        let runNow = control.withLock { control -> Bool in
            switch control.phase {
            case .idle, .finished:
                control.phase = .finished
                return true
            case .running, .closing:
                control.closeCompletions.append(completion)
                return false
            }
        }
        if runNow { completion(); return }
        loop.execute { [self] in
            let wasRunning = control.withLock { control -> Bool in
                defer { if control.phase == .running { control.phase = .closing } }
                return control.phase == .running
            }
            if wasRunning { beginShutdown() }
        }
    }

    /// Close stdin, wait, SIGTERM the group, wait, SIGKILL the group. The exit watcher finishes the job.
    private func beginShutdown() {
        control.withLock { if $0.phase == .running { $0.phase = .closing } }
        writer.withLock { writer in
            guard writer.fd >= 0 else { return }
            if let token = writer.token { loop.unregister(fd: writer.fd, token: token) }
            Glibc.close(writer.fd)
            writer.fd = -1
            writer.pending = []
        }
        let (pid, exited) = control.withLock { ($0.pid, $0.exitDescription != nil) }
        guard pid > 0, !exited else { return }
        let grace = launch.shutdownGraceNanoseconds
        let running: @Sendable () -> Bool = { [self] in control.withLock { $0.exitDescription == nil } }
        loop.schedule(afterNanoseconds: grace) { [self] in
            guard running() else { return }
            kill(-pid, SIGTERM)
            loop.schedule(afterNanoseconds: grace) {
                guard running() else { return }
                kill(-pid, SIGKILL)
            }
        }
    }

    private func finish() {
        guard tryTakeReading() else {
            loop.schedule(afterNanoseconds: 1_000_000) { [self] in finish() }
            return
        }
        if stdoutFD >= 0 {
            loop.unregister(fd: stdoutFD, token: stdoutToken)
            Glibc.close(stdoutFD)
            stdoutFD = -1
        }
        readOwner.store(false, ordering: .releasing)
        if stderrFD >= 0 {
            readStderr()
            if stderrFD >= 0 {
                loop.unregister(fd: stderrFD, token: stderrToken)
                Glibc.close(stderrFD)
                stderrFD = -1
            }
        }
        writer.withLock { writer in
            if writer.fd >= 0 {
                if let token = writer.token { loop.unregister(fd: writer.fd, token: token) }
                Glibc.close(writer.fd)
                writer.fd = -1
            }
            if writer.failure == nil { writer.failure = MCPError(.closed, "the server connection is closed") }
        }
        notifyDelegate(nil)
        delegate = nil
        handlers = []
        let completions = control.withLock { control -> [@Sendable () -> Void] in
            control.phase = .finished
            defer { control.closeCompletions = [] }
            return control.closeCompletions
        }
        for completion in completions { completion() }
    }
}

/// Routes readiness of one descriptor back to its transport.
private final class FDHandler: IOHandler, @unchecked Sendable {
    enum Kind { case stdin, stdout, stderr, exit }
    let transport: StdioTransport
    let kind: Kind

    init(_ transport: StdioTransport, _ kind: Kind) {
        self.transport = transport
        self.kind = kind
    }

    func handleIO(events: UInt32) {
        switch kind {
        case .stdin: transport.flushPending()
        case .stdout: transport.readStdout()
        case .stderr: transport.readStderr(chunkLimit: StdioTransport.stderrChunksPerWakeup)
        case .exit: transport.processExited()
        }
    }
}

/// A NULL-terminated char*[] that lives as long as the value.
private final class CStringArray {
    let pointers: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    let count: Int

    init(_ strings: [String]) {
        count = strings.count
        pointers = .allocate(capacity: strings.count + 1)
        for (index, string) in strings.enumerated() { pointers[index] = strdup(string) }
        pointers[strings.count] = nil
    }

    deinit {
        for index in 0..<count { free(pointers[index]) }
        pointers.deallocate()
    }
}
