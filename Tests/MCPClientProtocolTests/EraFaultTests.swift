import MCPClientCore
import MCPClientProtocol
import MCPClientTesting
import Synchronization
import Testing

/// Era detection against servers that misbehave in time (docs/reliability.md).
@Suite struct EraFaultTests {
    /// A 2026 server too slow for the probe: it reads the queued `server/discover` late, takes the 2026 era and
    /// refuses the fallback `initialize` with -32022 naming 2026-07-28. The client asks again instead of failing.
    @Test func aProbeAnsweredTooLateIsAskedAgainWhenInitializeIsRefused() throws {
        let scheduler = ManualScheduler()
        let probes = Atomic<Int>(0)
        let transport = scriptedTransport { method, _ in
            switch method {
            case "server/discover":
                // The first one is answered too late, i.e. never within the test (JSONValue takes a nil literal too,
                // so the silence is spelled out as Optional.none).
                if probes.add(1, ordering: .relaxed).oldValue == 0 { return Optional<JSONValue>.none }
                return discoverResult
            case "initialize":
                return ["error": ["code": -32022, "message": "connection is serving the 2026-07-28 protocol",
                                  "data": ["supported": ["2026-07-28"], "requested": "2025-11-25"]]]
            default: return nil
            }
        }
        let (_, result) = connect(transport, scheduler: scheduler)
        let description = try #require(try result?.get())
        #expect(description.era == .modern)
        #expect(transport.sent.map { $0["method"] } == ["server/discover", "initialize", "server/discover"])
    }

    /// A -32022 from initialize that names only versions we do not speak stays the error it is.
    @Test func aRefusedInitializeNamingNoVersionWeSpeakFails() {
        let scheduler = ManualScheduler()
        let transport = scriptedTransport { method, _ in
            method == "initialize"
                ? ["error": ["code": -32022, "message": "no", "data": ["supported": ["2099-01-01"], "requested": "2025-11-25"]]] : nil
        }
        let (_, result) = connect(transport, scheduler: scheduler)
        guard case .failure(let error) = result else { Issue.record("expected a failure, got \(String(describing: result))"); return }
        #expect(error.rpcCode == -32022)
        #expect(transport.sent.map { $0["method"] } == ["server/discover", "initialize"])
    }
}
