import Glibc

/// Process-group queries. A group of only zombies counts as gone: orphans are reaped by init, and some
/// inits (containers, micro-VMs) never reap, which must not stall a shutdown.
public enum ProcessGroup {
    public static func hasLiveMembers(_ pgid: Int32) -> Bool {
        guard kill(-pgid, 0) == 0 else { return false }
        guard let directory = opendir("/proc") else { return true }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let first = name.utf8.first, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") else { continue }
            guard let stat = status(of: name), stat.group == pgid else { continue }
            if stat.state != "Z" && stat.state != "X" { return true }
        }
        return false
    }

    /// State letter, parent and process group from /proc/<pid>/stat ("pid (comm) S ppid pgrp …").
    public static func status(of pid: String) -> (state: Character, parent: Int32, group: Int32)? {
        guard let file = fopen("/proc/\(pid)/stat", "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 512)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
        let line = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let close = line.lastIndex(of: ")") else { return nil }
        let fields = line[line.index(after: close)...].split(separator: " ")
        guard fields.count >= 3, let state = fields[0].first, let parent = Int32(fields[1]), let group = Int32(fields[2]) else { return nil }
        return (state, parent, group)
    }
}
