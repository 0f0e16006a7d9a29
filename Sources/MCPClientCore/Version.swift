/// The single version source: scripts/gen-header reads these lines into the header's macros.
public enum MCPClientVersion {
    public static let major = 0
    public static let minor = 1
    public static let patch = 0
    public static let abi = 1

    public static var string: String { "\(major).\(minor).\(patch)" }
    public static var number: Int32 { Int32(major * 10000 + minor * 100 + patch) }
}
