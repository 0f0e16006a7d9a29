import MCPClientCore
@testable import MCPClientManager
import Testing

@Suite struct EventQueueTests {
    @Test func overflowDropsTheNewestDroppableEventsAndReportsThemLast() {
        let queue = EventQueue(capacity: 16)
        for index in 0..<20 { queue.push(["kind": "log", "n": .int(Int64(index))], droppable: true) }
        queue.push(["kind": "result"], droppable: false)
        var kinds: [String] = []
        while case .event(let event) = queue.pop(timeoutMs: 0) {
            kinds.append(event["kind"]?.stringValue ?? "?")
            if event["kind"] == "dropped" { #expect(event["count"] == 4) }
        }
        #expect(kinds == Array(repeating: "log", count: 16) + ["result", "dropped"])
    }

    @Test func closeDrainsBeforeReportingClosed() {
        let queue = EventQueue(capacity: 16)
        queue.push(["kind": "result"], droppable: false)
        queue.close()
        queue.push(["kind": "late"], droppable: false)
        #expect(queue.pop(timeoutMs: -1) == .event(["kind": "result"]))
        #expect(queue.pop(timeoutMs: -1) == .closed)
    }

    @Test func timedPopReturnsTimeout() {
        let queue = EventQueue(capacity: 16)
        let started = SystemClock().nowNanoseconds()
        #expect(queue.pop(timeoutMs: 30) == .timeout)
        #expect(SystemClock().nowNanoseconds() - started >= 30_000_000)
    }
}

/// A delivered event is let go of when it is popped: the queue used to keep the last (up to 1024) delivered events,
/// tool results and all, until its next compaction (a slow heap rise under a steady load of submitted calls).
@Suite struct EventQueueRetentionTests {
    @Test func poppedEventsAreNotKept() {
        let queue = EventQueue(capacity: 16)
        let payload = JSONValue.string(String(repeating: "x", count: 4096))
        for round in 0..<3 {
            for index in 0..<300 { queue.push(["kind": "result", "n": .int(Int64(index)), "result": payload], droppable: false) }
            #expect(queue.referencedEvents == 300)
            for _ in 0..<200 { _ = queue.pop(timeoutMs: 0) }
            #expect(queue.referencedEvents == 100, "round \(round)")
            while case .event = queue.pop(timeoutMs: 0) {}
            #expect(queue.referencedEvents == 0, "round \(round)")
        }
    }
}
