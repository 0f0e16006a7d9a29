import COpenSSL
public import MCPClientCore

/// RFC 7636 PKCE with S256, the only method MCP allows. The rest of the OAuth engine is a later issue.
public struct PKCE: Sendable, Equatable, CustomStringConvertible {
    public let verifier: String
    public let challenge: String
    public let method = "S256"

    /// A fresh verifier: 32 random bytes from OpenSSL's CSPRNG, base64url (43 characters).
    public static func generate() throws(MCPError) -> PKCE {
        var random = [UInt8](repeating: 0, count: 32)
        guard RAND_bytes(&random, 32) == 1 else { throw MCPError(.generic, "the system random generator failed") }
        return PKCE(verifier: Base64URL.encode(random))
    }

    /// The verifier is a secret until the code is redeemed: never printed.
    public var description: String { "PKCE(method: \(method), challenge: \(challenge))" }

    public init(verifier: String) {
        self.verifier = verifier
        challenge = Base64URL.encode(SHA256.hash(Array(verifier.utf8)))
    }
}

public enum SHA256 {
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        _ = bytes.withUnsafeBufferPointer { input in
            COpenSSL.SHA256(input.baseAddress, input.count, &digest)
        }
        return digest
    }
}

public enum Base64URL {
    /// Unpadded base64url.
    public static func encode(_ bytes: [UInt8]) -> String { Base64.encode(bytes, urlSafe: true, padded: false) }
}
