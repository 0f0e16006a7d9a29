import Glibc
import MCPClientCore
import MCPClientTransport
import Testing

/// stdio faults at the transport (docs/reliability.md; the whole-stack tests are bindings/python/tests/test_faults_stdio.py).
@Suite(.serialized) struct StdioFaultTests {
    let loop: EventLoop
    init() throws { loop = try EventLoop() }

    /// 100 MB without a newline against the default 64 MiB limit: refused at the limit, quickly. Line splitting went
    /// through generic per-byte code and took over 20 s in a debug build, so the caller's timeout fired first.
    @Test func aHundredMegabyteLineIsRefusedAtTheLimitQuickly() throws {
        let recorder = Recorder()
        let launch = shell("head -c 104857600 /dev/zero | tr '\\0' a; echo; sleep 30", maxMessageBytes: StdioLaunch.defaultMaxMessageBytes)
        let transport = StdioTransport(launch: launch, loop: loop, logSink: recorder)
        let started = SystemClock().nowNanoseconds()
        try transport.start(delegate: recorder)
        let error = recorder.closed.wait(timeoutNanoseconds: 20_000_000_000)
        #expect(error??.details["reason"] == "message_too_large")
        #expect(error??.details["limit"] == .int(Int64(StdioLaunch.defaultMaxMessageBytes)))
        #expect(SystemClock().nowNanoseconds() - started < 15_000_000_000)
        let pid = transport.processID
        #expect(closeAndWait(transport))
        #expect(groupIsGone(pid))
        #expect(recorder.received.isEmpty)
    }

    /// Garbage around a real message: every complete line is delivered as it is (parsing is the session's job), and a
    /// partial line is never delivered until its newline arrives.
    @Test func linesAreSplitExactlyAcrossArbitraryChunks() throws {
        let recorder = Recorder()
        let script = "printf 'a\\r\\nbb\\n\\n'; sleep 0.1; printf 'c'; sleep 0.1; printf 'cc\\nd'; sleep 0.1; printf '\\n'; sleep 5"
        let transport = StdioTransport(launch: shell(script), loop: loop, logSink: recorder)
        try transport.start(delegate: recorder)
        for _ in 0..<100 where recorder.received.count < 4 { usleep(20_000) }
        #expect(recorder.received == ["a", "bb", "ccc", "d"])
        #expect(closeAndWait(transport))
    }
}
