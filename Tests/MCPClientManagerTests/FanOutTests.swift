import Glibc
import MCPClientCore
@testable import MCPClientManager
import Testing

@Suite struct FanOutTests {
    @Test func jobsThatFinishAtOnceDoNotRecurse() {
        let count = 20_000
        let got = Locked<[Int]?>(nil)
        let fanOut = FanOut<Int>(count: count, limit: 3) { results in got.withLock { $0 = results } }
        fanOut.start { index, done in done(index * 2) }
        let results = got.withLock { $0 }
        #expect(results?.count == count)
        #expect(results?.enumerated().allSatisfy { $0.element == $0.offset * 2 } == true)
    }

    @Test func atMostLimitJobsRunAtOnce() {
        let started = Locked<[(Int, @Sendable (Int) -> Void)]>([])
        let got = Locked<[Int]?>(nil)
        let fanOut = FanOut<Int>(count: 7, limit: 3) { results in got.withLock { $0 = results } }
        fanOut.start { index, done in started.withLock { $0.append((index, done)) } }
        #expect(started.withLock { $0.map(\.0) } == [0, 1, 2])
        // Finishing one job starts exactly one more, in order; results come back in job order whatever the finish order.
        for round in 0..<7 {
            let pending = started.withLock { $0 }
            guard let (index, done) = pending.last(where: { _ in true }) else { break }
            started.withLock { $0.removeAll { $0.0 == index } }
            done(100 + index)
            #expect(started.withLock { $0.count } <= 3, "round \(round)")
        }
        #expect(got.withLock { $0 } == (0..<7).map { 100 + $0 })
        // A late second delivery for a finished job changes nothing.
        let fresh = FanOut<Int>(count: 0, limit: 3) { results in #expect(results.isEmpty) }
        fresh.start { _, _ in Issue.record("no job should run") }
    }

    @Test func onceDeliversOnceAndRunsHooks() {
        let values = Locked<[Int]>([])
        let hooks = Locked(0)
        let once = Once<Int> { value in values.withLock { $0.append(value) } }
        once.onDeliver { hooks.withLock { $0 += 1 } }
        once.deliver(1)
        once.deliver(2)
        once.onDeliver { hooks.withLock { $0 += 1 } }  // after delivery: runs at once
        #expect(values.withLock { $0 } == [1])
        #expect(hooks.withLock { $0 } == 2)
    }
}
