import Glibc
import Testing

@testable import MCPClientCore

/// `Waiter` keeps its value in raw memory beside its futex word: the value must be stored aligned, handed out as
/// stored, and released exactly when the waiter is (and only if it was delivered).
@Suite struct WaiterTests {
    final class Token: Sendable {}

    @Test func theDeliveredValueIsReleasedWithTheWaiterAndALateOneIsNotKept() {
        weak var delivered: Token?
        weak var late: Token?
        do {
            let waiter = Waiter<Token>()
            let first = Token(), second = Token()
            (delivered, late) = (first, second)
            #expect(waiter.resolve(first) && !waiter.resolve(second))
            #expect(waiter.wait(timeoutNanoseconds: 0) === first)
        }
        #expect(delivered == nil && late == nil)
        _ = Waiter<Token>()  // never resolved: nothing to release
    }

    @Test func anOverAlignedValueIsStoredAligned() throws {
        let waiter = Waiter<SIMD8<Double>>()
        let value = SIMD8<Double>(1, 2, 3, 4, 5, 6, 7, 8)
        waiter.resolve(value)
        #expect(Int(bitPattern: waiter.slot) % MemoryLayout<SIMD8<Double>>.alignment == 0)
        #expect(waiter.wait(timeoutNanoseconds: nil) == value)
        let small = Waiter<UInt8>()
        small.resolve(7)
        #expect(small.wait(timeoutNanoseconds: nil) == 7)
    }

    @Test func aWaitEndsWhenAnotherThreadResolves() throws {
        let waiter = Waiter<Result<JSONValue, MCPError>>()
        let box = Unmanaged.passRetained(waiter).toOpaque()
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            usleep(20_000)
            let waiter = Unmanaged<Waiter<Result<JSONValue, MCPError>>>.fromOpaque(raw).takeRetainedValue()
            waiter.resolve(.success(["answer": 42]))
            return nil
        }, box)
        try #require(created == 0)
        #expect(waiter.wait(timeoutNanoseconds: 10_000_000_000).flatMap { try? $0.get() } == ["answer": 42])
        pthread_join(thread, nil)
    }
}
