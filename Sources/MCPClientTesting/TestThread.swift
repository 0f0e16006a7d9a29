public import Glibc

/// Real POSIX threads for tests that need a blocking call off the test's own thread (Swift concurrency would hide
/// the thread behaviour the library promises to C hosts).
public enum TestThread {
    /// Starts `body` on a new joinable thread; nil when the thread could not be created.
    public static func start(stackBytes: Int? = nil, _ body: @escaping @Sendable () -> Void) -> pthread_t? {
        final class Box: Sendable {
            let body: @Sendable () -> Void
            init(_ body: @escaping @Sendable () -> Void) { self.body = body }
        }
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        if let stackBytes { pthread_attr_setstacksize(&attributes, stackBytes) }
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var thread = pthread_t()
        let created = pthread_create(&thread, &attributes, { raw in
            guard let raw else { return nil }
            Unmanaged<Box>.fromOpaque(raw).takeRetainedValue().body()
            return nil
        }, box)
        guard created == 0 else {
            Unmanaged<Box>.fromOpaque(box).release()
            return nil
        }
        return thread
    }

    /// Runs `body` on a new thread nobody joins.
    public static func detach(_ body: @escaping @Sendable () -> Void) {
        if let thread = start(body) { pthread_detach(thread) }
    }
}
