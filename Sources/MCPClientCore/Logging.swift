/// Syslog levels as MCP uses them.
public enum LogLevel: String, Sendable, CaseIterable, Comparable {
    case debug, info, notice, warning, error, critical, alert, emergency

    public static func < (a: LogLevel, b: LogLevel) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// Where library diagnostics go. The manager forwards them to the host's event queue; secrets never reach it.
public protocol LogSink: Sendable {
    func log(_ level: LogLevel, _ message: String, server: String?, source: String)
}

/// Drops everything; the default for components used standalone.
public struct DiscardingLogSink: LogSink {
    public init() {}
    public func log(_ level: LogLevel, _ message: String, server: String?, source: String) {}
}
