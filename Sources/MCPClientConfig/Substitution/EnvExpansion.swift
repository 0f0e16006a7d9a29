#if canImport(Glibc)
import Glibc
#endif

/// Environment variables that `${NAME}` never expands (nor `envForward` copies): a config author must not be able
/// to read the host's own secrets back out through a URL or header.
public struct EnvDenylist: Sendable, Equatable {
    /// LibreChat's list (`packages/api/src/utils/env.ts`); always on.
    public static let libreChatDefaults: Set<String> = [
        "JWT_SECRET", "JWT_REFRESH_SECRET", "CREDS_KEY", "CREDS_IV", "MEILI_MASTER_KEY", "MONGO_URI", "REDIS_URI", "REDIS_PASSWORD",
    ]
    /// The library's own settings and key material live under this prefix; always on.
    public static let reservedPrefixes = ["MCPCLIENT_"]

    /// Names the host adds (exact match).
    public var additions: Set<String>

    public init(additions: Set<String> = []) { self.additions = additions }

    public func denies(_ name: some StringProtocol) -> Bool {
        let name = String(name)
        return EnvDenylist.libreChatDefaults.contains(name) || additions.contains(name)
            || EnvDenylist.reservedPrefixes.contains(where: { name.hasPrefix($0) })
    }
}

/// What `${NAME}` finds in the host environment.
enum EnvLookup: Equatable {
    case value(String)
    /// Unset or empty: the literal `${NAME}` stays (LibreChat).
    case unset
    case denied
}

/// The host environment as the substitution stages see it.
public struct EnvironmentSource: Sendable {
    public var variables: [String: String]
    public var denylist: EnvDenylist

    public init(variables: [String: String], denylist: EnvDenylist = EnvDenylist()) {
        self.variables = variables
        self.denylist = denylist
    }

    func lookup(_ name: some StringProtocol) -> EnvLookup {
        if denylist.denies(name) { return .denied }
        guard let value = variables[String(name)], !value.isEmpty else { return .unset }
        return .value(value)
    }

    /// The calling process's environment.
    public static func process() -> [String: String] {
        var result: [String: String] = [:]
        var cursor = environ
        var count = 0
        // Bounded: a corrupted or absurd environment cannot make this loop forever or grow without limit.
        while let entry = cursor.pointee, count < 100_000 {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            cursor += 1
            count += 1
        }
        return result
    }
}

/// `${NAME}` / `${env:NAME}` expansion alone: the operator-template stage (parse time).
public enum EnvExpansion {
    /// Expands the environment references in `text`; everything else (placeholders, inputs) is left as written.
    /// Denylisted names are reported in `denied` (names only, never values).
    public static func expand(_ text: String, environment: EnvironmentSource, denied: inout Set<String>) -> String {
        let template = Template(text)
        guard template.hasReferences else { return text }
        var output = ""
        for piece in template.pieces {
            guard case .env(let name, let raw) = piece else {
                output += piece.raw
                continue
            }
            switch environment.lookup(name) {
            case .value(let value): output += value
            case .unset: output += raw
            case .denied:
                output += raw
                denied.insert(String(name))
            }
        }
        return output
    }
}
