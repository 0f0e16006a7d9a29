import Glibc
import MCPClientCore
import MCPClientProtocol
@testable import MCPClientTransport
import Testing

/// Records what a transport delivers and waits for it without sleeping.
final class Recorder: TransportDelegate, LogSink, @unchecked Sendable {
    private let lines = Locked<[String]>([])
    private let logs = Locked<[String]>([])
    let closed = Waiter<MCPError?>()
    let firstLine = Waiter<String>()

    func transport(didReceive message: UnsafeRawBufferPointer) {
        let line = String(decoding: message, as: UTF8.self)
        lines.withLock { $0.append(line) }
        firstLine.resolve(line)
    }
    func transportDidClose(error: MCPError?) { closed.resolve(error) }
    func log(_ level: LogLevel, _ message: String, server: String?, source: String) { logs.withLock { $0.append(message) } }

    var received: [String] { lines.withLock { $0 } }
    var logged: [String] { logs.withLock { $0 } }
}

func shell(_ script: String, env: [String: String] = [:], grace: UInt64 = 2_000_000_000, maxMessageBytes: Int = 1 << 20,
           stderr: StdioLaunch.StderrMode = .log) -> StdioLaunch {
    StdioLaunch(command: "/bin/sh", arguments: ["-c", script], environment: StdioLaunch.environment(configured: env),
        stderr: stderr, maxMessageBytes: maxMessageBytes, shutdownGraceNanoseconds: grace)
}

func closeAndWait(_ transport: StdioTransport) -> Bool {
    let done = Waiter<Bool>()
    transport.close { done.resolve(true) }
    return done.wait(timeoutNanoseconds: 15_000_000_000) == true
}

func groupIsGone(_ pid: Int32) -> Bool { !ProcessGroup.hasLiveMembers(pid) }

@Suite(.serialized) struct StdioTransportTests {
    let loop: EventLoop
    init() throws { loop = try EventLoop() }

    @Test func echoesLinesThroughACatProcess() throws {
        let recorder = Recorder()
        let transport = StdioTransport(launch: StdioLaunch(command: "cat"), loop: loop, logSink: recorder)
        try transport.start(delegate: recorder)
        try transport.send(Array(#"{"jsonrpc":"2.0","method":"x"}"#.utf8))
        #expect(recorder.firstLine.wait(timeoutNanoseconds: 5_000_000_000) == #"{"jsonrpc":"2.0","method":"x"}"#)
        let pid = transport.processID
        #expect(closeAndWait(transport))
        #expect(groupIsGone(pid))
        #expect(recorder.closed.wait(timeoutNanoseconds: 0) == .some(nil))
    }

    @Test func childGetsOnlyTheSafeEnvironmentPlusConfiguredVariables() throws {
        setenv("MCPCLIENT_TEST_SECRET", "do-not-leak", 1)
        let recorder = Recorder()
        let launch = shell(#"printf '%s|%s|%s\n' "$MCPCLIENT_TEST_SECRET" "$CONFIGURED" "$HOME""#, env: ["CONFIGURED": "yes"])
        let transport = StdioTransport(launch: launch, loop: loop, logSink: recorder)
        try transport.start(delegate: recorder)
        let line = recorder.firstLine.wait(timeoutNanoseconds: 5_000_000_000)
        #expect(line == "|yes|\(String(cString: getenv("HOME")))")
        #expect(closeAndWait(transport))
    }

    @Test func honoursWorkingDirectoryAndResolvesCommandsThroughTheChildPath() throws {
        let recorder = Recorder()
        var launch = StdioLaunch(command: "pwd", environment: ["PATH": "/bin:/usr/bin"], workingDirectory: "/tmp")
        launch.stderr = .log
        let transport = StdioTransport(launch: launch, loop: loop, logSink: recorder)
        try transport.start(delegate: recorder)
        #expect(recorder.firstLine.wait(timeoutNanoseconds: 5_000_000_000) == "/tmp")
        #expect(closeAndWait(transport))
    }

    @Test func missingCommandIsAConfigErrorNamingIt() {
        let transport = StdioTransport(launch: StdioLaunch(command: "definitely-not-a-command-xyz"), loop: loop)
        let error = #expect(throws: MCPError.self) { try transport.start(delegate: Recorder()) }
        #expect(error?.code == .config)
        #expect(error?.message.contains("definitely-not-a-command-xyz") == true)
    }

    @Test func oversizedMessageFailsClearly() throws {
        let recorder = Recorder()
        let launch = shell("head -c 2000 /dev/zero | tr '\\0' a; sleep 0.2; head -c 500 /dev/zero | tr '\\0' b; echo; echo '{}'; sleep 30",
            maxMessageBytes: 1024)
        let transport = StdioTransport(launch: launch, loop: loop, logSink: recorder)
        try transport.start(delegate: recorder)
        let error = recorder.closed.wait(timeoutNanoseconds: 10_000_000_000)
        #expect(error??.details["reason"] == "message_too_large")
        #expect(error??.details["limit"] == 1024)
        #expect(closeAndWait(transport))
        // The tail of the oversized line and the lines after it arrived before the server was stopped:
        // none of them may be taken for a message.
        #expect(recorder.received.isEmpty)
    }

    @Test func stderrIsForwardedLineByLine() throws {
        let recorder = Recorder()
        let transport = StdioTransport(launch: shell("echo one >&2; echo two >&2; echo done"), loop: loop, logSink: recorder)
        try transport.start(delegate: recorder)
        _ = recorder.closed.wait(timeoutNanoseconds: 10_000_000_000)
        #expect(closeAndWait(transport))
        #expect(recorder.logged == ["one", "two"])
        #expect(recorder.received == ["done"])
    }

    @Test func crashFailsInFlightRequestsAtOnceWithExitStatusAndStderr() throws {
        let rpcLoop = loop
        let transport = StdioTransport(launch: shell("read line; echo boom >&2; exit 3"), loop: rpcLoop)
        let rpc = RPCSession(transport: transport, scheduler: rpcLoop)
        try rpc.start()
        let outcome = Waiter<Result<JSONValue, MCPError>>()
        let started = SystemClock().nowNanoseconds()
        rpc.request(method: "tools/call", params: [:], timeoutNanoseconds: 60_000_000_000) { outcome.resolve($0) }
        let result = outcome.wait(timeoutNanoseconds: 10_000_000_000)
        let elapsed = SystemClock().nowNanoseconds() - started
        guard case .failure(let error)? = result else { Issue.record("expected a failure, got \(String(describing: result))"); return }
        #expect(error.code == .transport)
        #expect(error.message.contains("status 3"))
        #expect(error.details["stderr_tail"] == ["boom"])
        #expect(elapsed < 5_000_000_000)
        #expect(closeAndWait(transport))
    }

    @Test func shutdownEscalatesToSIGKILLForTheWholeGroup() throws {
        // Both the shell and its child ignore SIGTERM (ignored signals are inherited), so only SIGKILL ends them.
        let recorder = Recorder()
        let transport = StdioTransport(launch: shell("trap '' TERM; sleep 300 & wait", grace: 200_000_000), loop: loop, logSink: recorder)
        try transport.start(delegate: recorder)
        let pid = transport.processID
        #expect(kill(-pid, 0) == 0)
        let started = SystemClock().nowNanoseconds()
        #expect(closeAndWait(transport))
        let elapsed = SystemClock().nowNanoseconds() - started
        #expect(groupIsGone(pid))
        #expect(elapsed >= 400_000_000)  // stdin close + grace, SIGTERM + grace, then SIGKILL
    }

    @Test func orphansLeftByAnExitedServerAreReaped() throws {
        let recorder = Recorder()
        let transport = StdioTransport(launch: shell("sleep 300 & echo started; read line", grace: 200_000_000), loop: loop, logSink: recorder)
        try transport.start(delegate: recorder)
        #expect(recorder.firstLine.wait(timeoutNanoseconds: 5_000_000_000) == "started")
        let pid = transport.processID
        #expect(closeAndWait(transport))
        #expect(groupIsGone(pid))
    }

    @Test func writesToADeadServerFailWithoutSIGPIPE() throws {
        let recorder = Recorder()
        let transport = StdioTransport(launch: shell("exec 0<&-; echo closed; sleep 5"), loop: loop, logSink: recorder)
        try transport.start(delegate: recorder)
        #expect(recorder.firstLine.wait(timeoutNanoseconds: 10_000_000_000) == "closed")
        var failure: MCPError?
        for _ in 0..<200 {
            do { try transport.send(Array(repeating: UInt8(ascii: "x"), count: 4096)) } catch { failure = error; break }
        }
        #expect(failure?.code == .transport)
        #expect(closeAndWait(transport))
    }

    /// A server that never reads its stdin: sends queue up to the bound, then fail with its reason and limit
    /// (256 MiB by default; 1 MiB here, as filling 256 MiB is too slow for a unit test).
    @Test func unsentWritesToAServerThatDoesNotReadAreBounded() throws {
        #expect(StdioTransport.defaultMaxPendingWriteBytes == 256 << 20)
        #expect(StdioTransport(launch: StdioLaunch(command: "cat"), loop: loop).maxPendingWriteBytes == 256 << 20)
        let recorder = Recorder()
        let limit = 1 << 20
        let transport = StdioTransport(launch: shell("echo started; sleep 300", grace: 200_000_000), loop: loop, logSink: recorder,
            maxPendingWriteBytes: limit)
        try transport.start(delegate: recorder)
        #expect(recorder.firstLine.wait(timeoutNanoseconds: 10_000_000_000) == "started")
        let message = Array(repeating: UInt8(ascii: "x"), count: 64 * 1024)
        var accepted = 0
        var failure: MCPError?
        for _ in 0..<1_000 {  // 64 MB at most: far past any socket buffer plus the bound
            do { try transport.send(message); accepted += message.count + 1 } catch { failure = error; break }
        }
        #expect(failure?.code == .transport)
        #expect(failure?.details["reason"] == "write_backlog_full")
        #expect(failure?.details["limit"] == .int(Int64(limit)))
        let queued = failure?.details["queued"]?.int64Value ?? 0
        #expect(queued > Int64(limit - message.count - 1) && queued < Int64(limit))
        #expect(accepted >= limit - message.count)
        // Still bounded on the next try, and the batched path has the same bound.
        #expect(throws: MCPError.self) { try transport.send(message) }
        #expect(throws: MCPError.self) { try transport.sendBatched(message) }
        #expect(closeAndWait(transport))
    }

    @Test func manyConnectionsShareOneThread() throws {
        let transports = (0..<50).map { _ in StdioTransport(launch: StdioLaunch(command: "cat"), loop: loop) }
        let recorders = transports.map { _ in Recorder() }
        for (transport, recorder) in zip(transports, recorders) { try transport.start(delegate: recorder) }
        for (index, transport) in transports.enumerated() { try transport.send(Array("\(index)".utf8)) }
        for (index, recorder) in recorders.enumerated() {
            #expect(recorder.firstLine.wait(timeoutNanoseconds: 10_000_000_000) == "\(index)")
        }
        let threads = try String(decoding: readFile("/proc/self/status"), as: UTF8.self)
            .split(separator: "\n").first { $0.hasPrefix("Threads:") }
        #expect(threads != nil)
        for transport in transports { #expect(closeAndWait(transport)) }
    }
}

func readFile(_ path: String) throws -> [UInt8] {
    guard let file = fopen(path, "r") else { throw MCPError.invalid("cannot open \(path)") }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = fread(&buffer, 1, buffer.count, file)
        if n <= 0 { break }
        bytes.append(contentsOf: buffer[0..<n])
    }
    return bytes
}
