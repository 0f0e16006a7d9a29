import Glibc
import MCPClientCore

/// What a test scenario may leak, counted from /proc: descriptors of the kinds the library opens (pipes, sockets,
/// anonymous inodes: epoll, eventfd, pidfd), the library's own threads (it names them `mcpclient-…`) and child
/// processes (a zombie counts: nobody reaped it).
public struct ResourceSnapshot: Sendable {
    public let descriptors: [Int32: String]
    public let threads: [Int32: String]
    /// Child pid -> its /proc stat line ("pid (comm) state ppid pgrp …").
    public let children: [Int32: String]
    /// Pipes (`pipe:[inode]`) a child process holds too: a fixture's popen pipe, a live server's stdio.
    public let pipesSharedWithChildren: Set<String>

    public static func take() -> ResourceSnapshot {
        var descriptors: [Int32: String] = [:]
        for name in directoryEntries("/proc/self/fd") {
            guard let fd = Int32(name), let target = link("/proc/self/fd/" + name), isCountedKind(target) else { continue }
            descriptors[fd] = target
        }
        var threads: [Int32: String] = [:]
        for name in directoryEntries("/proc/self/task") {
            guard let tid = Int32(name), let comm = firstLine("/proc/self/task/\(name)/comm"), comm.hasPrefix("mcpclient-") else { continue }
            threads[tid] = comm
        }
        var children: [Int32: String] = [:]
        var shared: Set<String> = []
        let me = getpid()
        for name in directoryEntries("/proc") {
            guard let pid = Int32(name), let stat = firstLine("/proc/\(name)/stat"), statFields(stat).parent.flatMap({ Int32($0) }) == me else { continue }
            children[pid] = stat
            for fd in directoryEntries("/proc/\(name)/fd") {
                if let target = link("/proc/\(name)/fd/\(fd)"), target.hasPrefix("pipe:") { shared.insert(target) }
            }
        }
        return ResourceSnapshot(descriptors: descriptors, threads: threads, children: children, pipesSharedWithChildren: shared)
    }

    /// What is here now and was not in `earlier`, one line each. `strict` counts everything, which is exact only
    /// when nothing else runs in the process meanwhile; otherwise only what other tests cannot have made: a pipe
    /// no child holds (its process is gone, the descriptor was never closed) and a zombie child (never reaped).
    public func added(since earlier: ResourceSnapshot, strict: Bool) -> [String] {
        let descriptors = descriptors.filter { fd, target in
            earlier.descriptors[fd] != target && (strict || (target.hasPrefix("pipe:") && !pipesSharedWithChildren.contains(target)))
        }
        let threads = strict ? threads.filter { earlier.threads[$0.key] == nil } : [:]
        let children = children.filter { pid, stat in earlier.children[pid] == nil && (strict || Self.statFields(stat).state == "Z") }
        return descriptors.map { "descriptor \($0.key) -> \($0.value)" }.sorted()
            + threads.map { "thread \($0.key) \($0.value)" }.sorted()
            + children.map { "child process \($0.value)" }.sorted()
    }

    /// The parent pid and state of a /proc/<pid>/stat line ("pid (comm) S ppid …"; comm may hold spaces).
    private static func statFields(_ line: String) -> (parent: Substring?, state: Substring?) {
        guard let close = line.lastIndex(of: ")") else { return (nil, nil) }
        let fields = line[line.index(after: close)...].split(separator: " ")
        return (fields.count >= 2 ? fields[1] : nil, fields.first)
    }

    private static func isCountedKind(_ target: String) -> Bool {
        target.hasPrefix("pipe:") || target.hasPrefix("socket:") || target.hasPrefix("anon_inode:")
    }

    private static func directoryEntries(_ path: String) -> [String] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }

    private static func link(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func firstLine(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 512)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
        let line = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return line.hasSuffix("\n") ? String(line.dropLast()) : line
    }
}

public enum ResourceCheck {
    /// Checked scenarios never overlap each other (the counts are the whole process's).
    private static let gate = Locked(())

    /// `MCPCLIENT_LEAK_CHECK=strict`: count every descriptor, library thread and child, for runs where nothing else
    /// runs at the same time (`swift test --no-parallel`); by default only what parallel suites cannot have made.
    public static let strict: Bool = getenv("MCPCLIENT_LEAK_CHECK").map { String(cString: $0) == "strict" } ?? false

    /// Runs `scenario`, then waits up to `settleMs` (closes finish on the I/O thread, a thread takes a moment to
    /// exit) for the descriptors, library threads and child processes to come back to what there was before.
    /// Returns what is still left over, one line each: empty when the scenario cleaned up after itself.
    public static func leaks(settleMs: Int = 3_000, _ scenario: () throws -> Void) rethrows -> [String] {
        try gate.withLock { _ in
            let before = ResourceSnapshot.take()
            try scenario()
            let clock = SystemClock()
            let deadline = clock.nowNanoseconds() &+ UInt64(max(settleMs, 0)) &* 1_000_000
            while true {
                let left = ResourceSnapshot.take().added(since: before, strict: strict)
                if left.isEmpty || clock.nowNanoseconds() >= deadline { return left }
                usleep(20_000)
            }
        }
    }
}
