/// Syslog levels as MCP uses them.
public enum LogLevel: String, Sendable, CaseIterable, Comparable {
    case debug, info, notice, warning, error, critical, alert, emergency

    public static func < (a: LogLevel, b: LogLevel) -> Bool {
        a.severity < b.severity
    }

    /// Position in syslog order (debug = 0 … emergency = 7).
    public var severity: Int {
        switch self {
        case .debug: 0
        case .info: 1
        case .notice: 2
        case .warning: 3
        case .error: 4
        case .critical: 5
        case .alert: 6
        case .emergency: 7
        }
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
