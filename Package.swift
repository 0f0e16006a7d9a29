// swift-tools-version: 6.2
import PackageDescription

// Every target: Swift 6 mode plus the upcoming features the style guide asks for.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "mcpclient",
    products: [
        .library(name: "mcpclient", type: .dynamic, targets: ["MCPClientABI"]),
    ],
    targets: [
        // libcurl behind typed shims (curl_easy_setopt is variadic; Swift cannot call it), loaded with dlopen on
        // first use so stdio-only hosts never map it; needs libcurl4-openssl-dev headers to build.
        .target(name: "CCurl"),
        // OpenSSL's libcrypto (random, hashes, signatures); TLS itself goes through libcurl's OpenSSL backend.
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // Linux calls Swift cannot reach directly (variadic syscall/fcntl, _np spawn actions).
        .target(name: "CMCPSystem"),

        .target(name: "MCPClientCore", dependencies: ["CMCPSystem"], swiftSettings: strict),
        .target(name: "MCPClientConfig", dependencies: ["MCPClientCore"], swiftSettings: strict),
        .target(name: "MCPClientProtocol", dependencies: ["MCPClientCore"], swiftSettings: strict),
        .target(name: "MCPClientTransport", dependencies: ["MCPClientCore", "CMCPSystem", "CCurl"], swiftSettings: strict),
        // OAuth fetches through the transport's HTTP engine (its SSRF policy and address checks); Transport never imports OAuth.
        .target(name: "MCPClientOAuth", dependencies: ["MCPClientCore", "COpenSSL", "MCPClientTransport", "CMCPSystem"], swiftSettings: strict),
        .target(
            name: "MCPClientManager",
            dependencies: ["MCPClientCore", "MCPClientConfig", "MCPClientProtocol", "MCPClientTransport", "MCPClientOAuth"],
            swiftSettings: strict),
        // The only module with @c exports.
        .target(
            name: "MCPClientABI", dependencies: ["MCPClientCore", "MCPClientConfig", "MCPClientProtocol", "MCPClientManager", "MCPClientOAuth"],
            swiftSettings: strict),
        // In-memory doubles for tests: transport pair, fake clock, scripted peer; the leak check (descriptors, threads, children).
        .target(name: "MCPClientTesting", dependencies: ["MCPClientCore", "MCPClientProtocol"], swiftSettings: strict),

        // Decides the JSON strategy: hand-written parser vs FoundationEssentials JSONDecoder.
        .executableTarget(name: "mcp-json-bench", dependencies: ["MCPClientCore"], path: "benchmarks/json-bench", swiftSettings: strict),

        .testTarget(name: "MCPClientCoreTests", dependencies: ["MCPClientCore", "MCPClientTesting"], swiftSettings: strict),
        .testTarget(name: "MCPClientConfigTests", dependencies: ["MCPClientConfig", "MCPClientTesting"], exclude: ["yaml-cases", "configs"], swiftSettings: strict),
        .testTarget(name: "MCPClientProtocolTests", dependencies: ["MCPClientProtocol", "MCPClientTesting"], swiftSettings: strict),
        .testTarget(name: "MCPClientTransportTests", dependencies: ["MCPClientTransport", "MCPClientProtocol", "MCPClientTesting"], swiftSettings: strict),
        .testTarget(name: "MCPClientOAuthTests", dependencies: ["MCPClientOAuth", "MCPClientTransport", "MCPClientTesting"], swiftSettings: strict),
        .testTarget(name: "MCPClientManagerTests", dependencies: ["MCPClientManager", "MCPClientProtocol", "MCPClientTransport", "MCPClientConfig", "MCPClientOAuth", "MCPClientTesting"], swiftSettings: strict),
        .testTarget(name: "MCPClientABITests", dependencies: ["MCPClientABI", "MCPClientCore", "MCPClientOAuth", "MCPClientTesting"], swiftSettings: strict),
    ]
)
