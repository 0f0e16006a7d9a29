/// Runs delayed work: the I/O loop in production, a hand-driven fake in tests.
public protocol Scheduler: AnyObject, Sendable {
    @discardableResult
    func schedule(afterNanoseconds: UInt64, _ action: @escaping @Sendable () -> Void) -> UInt64
    @discardableResult
    func cancelTimer(_ id: UInt64) -> Bool
}
