import CMCPSystem
import Glibc

/// Runs rare blocking work (an OAuth refresh, a discovery) on its own short-lived thread, so neither the I/O loop
/// nor a host's callback thread waits on the network.
public enum DetachedThread {
    private final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }

    /// Starts `body` on a new detached thread with host signals blocked. Returns false (and never runs `body`) when
    /// no thread can be made: running it inline could block the caller's thread, which may be the I/O loop.
    @discardableResult
    public static func run(_ body: @escaping @Sendable () -> Void) -> Bool {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        var thread = pthread_t()
        let rc = pthread_create(&thread, &attributes, { raw in
            guard let raw else { return nil }
            let box = Unmanaged<Box>.fromOpaque(raw).takeRetainedValue()
            var all = sigset_t()
            sigfillset(&all)
            pthread_sigmask(SIG_BLOCK, &all, nil)
            csys_set_thread_name("mcpclient-auth")
            box.body()
            return nil
        }, box)
        if rc != 0 { Unmanaged<Box>.fromOpaque(box).release() }
        return rc == 0
    }
}
