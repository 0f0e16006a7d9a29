import COpenSSL
import Glibc
public import MCPClientCore

/// JWS algorithms for `private_key_jwt` client assertions.
public enum JWSAlgorithm: String, Sendable {
    case rs256 = "RS256"
    case es256 = "ES256"
}

/// A private key held by OpenSSL. Never printed; only its algorithm and key id are.
public final class SigningKey: @unchecked Sendable, CustomStringConvertible {
    let key: OpaquePointer
    public let algorithm: JWSAlgorithm
    public let keyID: String?

    public static let maxPEMBytes = 64 * 1024

    public var description: String { "SigningKey(\(algorithm.rawValue)\(keyID.map { ", kid: \($0)" } ?? ""))" }

    /// A PEM private key (PKCS#8 or traditional): RSA (2048 bits or more) gives RS256, EC P-256 gives ES256.
    public convenience init(pem: String, keyID: String? = nil) throws(MCPError) {
        let bytes = Array(pem.utf8)
        guard bytes.count <= Self.maxPEMBytes else { throw Self.failure("the private key PEM is too large", reason: "key_too_large") }
        let loaded: OpaquePointer? = bytes.withUnsafeBufferPointer { buffer in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else { return nil }
            defer { BIO_free(bio) }
            // No passphrase callback would make OpenSSL prompt on the terminal for an encrypted key, stalling the host.
            return PEM_read_bio_PrivateKey(bio, nil, { _, _, _, _ in -1 }, nil)
        }
        ERR_clear_error()
        // The error never echoes the PEM.
        guard let loaded else { throw Self.failure("the private key is not a readable PEM private key", reason: "key_unreadable") }
        try self.init(taking: loaded, keyID: keyID)
    }

    /// A PEM private key read from a file (symlinks followed: mounted secrets are often links), at most
    /// `maxPEMBytes`. Errors name the file, never its content.
    public convenience init(pemFile path: String, keyID: String? = nil) throws(MCPError) {
        guard !path.isEmpty, !path.utf8.contains(0) else { throw Self.failure("the private key file path is empty or invalid", reason: "key_file_unreadable") }
        // Non-blocking so a FIFO at the path cannot hang the open; then only a regular file is read.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else {
            let text = strerror(errno).map { String(cString: $0) } ?? "error \(errno)"
            throw Self.failure("the private key file \(path) cannot be opened: \(text)", reason: "key_file_unreadable")
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw Self.failure("the private key file \(path) is not a regular file", reason: "key_file_unreadable")
        }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Self.failure("the private key file \(path) cannot be read", reason: "key_file_unreadable")
            }
            if count == 0 { break }
            bytes.append(contentsOf: buffer.prefix(count))
            guard bytes.count <= Self.maxPEMBytes else { throw Self.failure("the private key file \(path) is too large", reason: "key_too_large") }
        }
        // Wiped: the copies below are the only ones left.
        defer {
            for index in bytes.indices { bytes[index] = 0 }
            for index in buffer.indices { buffer[index] = 0 }
        }
        try self.init(pem: String(decoding: bytes, as: UTF8.self), keyID: keyID)
    }

    init(taking key: OpaquePointer, keyID: String?) throws(MCPError) {
        switch EVP_PKEY_get_base_id(key) {
        case EVP_PKEY_RSA:
            guard EVP_PKEY_get_bits(key) >= 2048 else {
                EVP_PKEY_free(key)
                throw Self.failure("RSA signing keys must have at least 2048 bits", reason: "key_too_weak")
            }
            algorithm = .rs256
        case EVP_PKEY_EC:
            var name = [CChar](repeating: 0, count: 64)
            var length = 0
            guard EVP_PKEY_get_group_name(key, &name, name.count, &length) == 1,
                String(decoding: name.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self) == "prime256v1"
            else {
                EVP_PKEY_free(key)
                throw Self.failure("EC signing keys must use the P-256 curve (ES256)", reason: "key_unsupported")
            }
            algorithm = .es256
        default:
            EVP_PKEY_free(key)
            throw Self.failure("signing keys must be RSA or EC P-256", reason: "key_unsupported")
        }
        self.key = key
        self.keyID = keyID
    }

    deinit { EVP_PKEY_free(key) }

    /// A fresh key (RSA 2048 for RS256, P-256 for ES256).
    public static func generate(_ algorithm: JWSAlgorithm, keyID: String? = nil) throws(MCPError) -> SigningKey {
        let type = algorithm == .rs256 ? EVP_PKEY_RSA : EVP_PKEY_EC
        guard let context = EVP_PKEY_CTX_new_id(type, nil) else { throw failure("key generation failed", reason: "crypto_failure") }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_keygen_init(context) == 1 else { throw failure("key generation failed", reason: "crypto_failure") }
        let configured =
            algorithm == .rs256
            ? EVP_PKEY_CTX_set_rsa_keygen_bits(context, 2048) : EVP_PKEY_CTX_set_ec_paramgen_curve_nid(context, NID_X9_62_prime256v1)
        var key: OpaquePointer?
        guard configured == 1, EVP_PKEY_keygen(context, &key) == 1, let key else {
            throw failure("key generation failed", reason: "crypto_failure")
        }
        return try SigningKey(taking: key, keyID: keyID)
    }

    /// The public half as a PEM SubjectPublicKeyInfo (for a JWKS or a CIMD document, and for verifying in tests).
    public func publicKeyPEM() throws(MCPError) -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { throw Self.failure("cannot export the public key", reason: "crypto_failure") }
        defer { BIO_free(bio) }
        guard PEM_write_bio_PUBKEY(bio, key) == 1 else { throw Self.failure("cannot export the public key", reason: "crypto_failure") }
        var pointer: UnsafeMutablePointer<CChar>?
        let length = BIO_ctrl(bio, BIO_CTRL_INFO, 0, &pointer)
        guard let pointer, length > 0 else { throw Self.failure("cannot export the public key", reason: "crypto_failure") }
        return UnsafeRawBufferPointer(start: pointer, count: length).withMemoryRebound(to: UInt8.self) { String(decoding: $0, as: UTF8.self) }
    }

    /// The public half as a JWK (RFC 7517/7518 §6: RSA `n`/`e`, EC P-256 `x`/`y`), with `alg`, `use: sig` and the key
    /// id: what an AS is given to verify `private_key_jwt` assertions (a JWKS entry or a registration's `jwks`).
    public func publicJWK() throws(MCPError) -> JSONObject {
        func parameter(_ name: String, width: Int32? = nil) throws(MCPError) -> String {
            var number: OpaquePointer?
            guard EVP_PKEY_get_bn_param(key, name, &number) == 1, let number else {
                ERR_clear_error()
                throw Self.failure("cannot export the public key", reason: "crypto_failure")
            }
            defer { BN_free(number) }
            let length = width ?? (BN_num_bits(number) + 7) / 8
            var bytes = [UInt8](repeating: 0, count: Int(max(length, 1)))
            guard BN_bn2binpad(number, &bytes, Int32(bytes.count)) == Int32(bytes.count) else {
                throw Self.failure("cannot export the public key", reason: "crypto_failure")
            }
            return Base64URL.encode(bytes)
        }
        var jwk: JSONObject
        switch algorithm {
        case .rs256: jwk = ["kty": "RSA", "n": .string(try parameter("n")), "e": .string(try parameter("e"))]
        case .es256: jwk = ["kty": "EC", "crv": "P-256", "x": .string(try parameter("qx", width: 32)), "y": .string(try parameter("qy", width: 32))]
        }
        jwk["alg"] = .string(algorithm.rawValue)
        jwk["use"] = "sig"
        if let keyID { jwk["kid"] = .string(keyID) }
        return jwk
    }

    /// A JWS signature over `input`: RSASSA-PKCS1-v1_5 with SHA-256, or ECDSA P-256 with SHA-256 in the JWS form
    /// (RFC 7518 §3.4: r and s as 32-byte big-endian integers, concatenated; not DER).
    public func sign(_ input: [UInt8]) throws(MCPError) -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else { throw Self.failure("signing failed", reason: "crypto_failure") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit(context, nil, EVP_sha256(), nil, key) == 1 else { throw Self.failure("signing failed", reason: "crypto_failure") }
        var length = 0
        let signature: [UInt8]? = input.withUnsafeBufferPointer { data in
            guard EVP_DigestSign(context, nil, &length, data.baseAddress, data.count) == 1, length > 0 else { return nil }
            var output = [UInt8](repeating: 0, count: length)
            guard EVP_DigestSign(context, &output, &length, data.baseAddress, data.count) == 1 else { return nil }
            return Array(output.prefix(length))
        }
        guard let signature else {
            ERR_clear_error()
            throw Self.failure("signing failed", reason: "crypto_failure")
        }
        return algorithm == .es256 ? try Self.rawECDSASignature(der: signature) : signature
    }

    static func rawECDSASignature(der: [UInt8]) throws(MCPError) -> [UInt8] {
        let parsed: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_ECDSA_SIG(nil, &cursor, buffer.count)
        }
        guard let parsed else { throw failure("signing failed", reason: "crypto_failure") }
        defer { ECDSA_SIG_free(parsed) }
        var raw = [UInt8](repeating: 0, count: 64)
        let ok = raw.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return false }
            return BN_bn2binpad(ECDSA_SIG_get0_r(parsed), base, 32) == 32 && BN_bn2binpad(ECDSA_SIG_get0_s(parsed), base + 32, 32) == 32
        }
        guard ok else { throw failure("signing failed", reason: "crypto_failure") }
        return raw
    }

    static func failure(_ message: String, reason: String) -> MCPError {
        MCPError(.invalid, message, source: .auth, details: ["reason": .string(reason)])
    }
}

/// RFC 7523 client assertions (`private_key_jwt`, and the client-credentials extension's JWT option).
public enum ClientAssertion {
    public static let type = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    public static let lifetimeSeconds: Int64 = 300

    /// A signed JWT with `iss` = `sub` = the client id, `aud` = the token endpoint, a random `jti`, `iat` and an `exp`
    /// five minutes later.
    public static func make(clientID: String, audience: String, key: SigningKey, now: Int64, jti: String? = nil) throws(MCPError) -> String {
        let jtiValue: String
        if let jti { jtiValue = jti } else { jtiValue = Base64URL.encode(try RandomBytes.generate(16)) }
        var header: JSONObject = ["alg": .string(key.algorithm.rawValue), "typ": "JWT"]
        if let keyID = key.keyID { header["kid"] = .string(keyID) }
        let claims: JSONObject = [
            "iss": .string(clientID), "sub": .string(clientID), "aud": .string(audience),
            "jti": .string(jtiValue),
            "iat": .int(now), "exp": .int(now &+ lifetimeSeconds),
        ]
        let signingInput = Base64URL.encode(JSONWriter.serialize(.object(header))) + "." + Base64URL.encode(JSONWriter.serialize(.object(claims)))
        let signature = try key.sign(Array(signingInput.utf8))
        return signingInput + "." + Base64URL.encode(signature)
    }
}
