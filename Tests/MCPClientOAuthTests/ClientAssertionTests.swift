import COpenSSL
import Glibc
import MCPClientCore
import MCPClientOAuth
import Testing

/// Verifies JWS signatures with OpenSSL directly, independently of the signing code.
enum JWSVerifier {
    static func verify(jwt: String, publicKeyPEM: String, algorithm: JWSAlgorithm) -> Bool {
        let parts = jwt.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, var signature = Base64Decoding.decode(String(parts[2]), urlSafe: true) else { return false }
        let input = Array((parts[0] + "." + parts[1]).utf8)
        if algorithm == .es256 {
            guard signature.count == 64, let der = derFromRaw(signature) else { return false }
            signature = der
        }
        let pem = Array(publicKeyPEM.utf8)
        let key: OpaquePointer? = pem.withUnsafeBufferPointer { buffer in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_PUBKEY(bio, nil, nil, nil)
        }
        guard let key, let context = EVP_MD_CTX_new() else { return false }
        defer {
            EVP_PKEY_free(key)
            EVP_MD_CTX_free(context)
        }
        guard EVP_DigestVerifyInit(context, nil, EVP_sha256(), nil, key) == 1 else { return false }
        return EVP_DigestVerify(context, signature, signature.count, input, input.count) == 1
    }

    static func derFromRaw(_ raw: [UInt8]) -> [UInt8]? {
        guard let sig = ECDSA_SIG_new() else { return nil }
        defer { ECDSA_SIG_free(sig) }
        let r = BN_bin2bn(raw, 32, nil), s = Array(raw[32...]).withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, 32, nil) }
        guard ECDSA_SIG_set0(sig, r, s) == 1 else { return nil }
        let length = i2d_ECDSA_SIG(sig, nil)
        guard length > 0 else { return nil }
        var der = [UInt8](repeating: 0, count: Int(length))
        _ = der.withUnsafeMutableBufferPointer { buffer in
            var cursor = buffer.baseAddress
            return i2d_ECDSA_SIG(sig, &cursor)
        }
        return der
    }
}

@Suite struct ClientAssertionTests {
    let now: Int64 = 1_700_000_000

    @Test(arguments: [JWSAlgorithm.rs256, .es256])
    func signsVerifiableAssertions(_ algorithm: JWSAlgorithm) throws {
        let key = try SigningKey.generate(algorithm, keyID: "k1")
        let jwt = try ClientAssertion.make(clientID: "client-1", audience: "https://auth.example.com/token", key: key, now: now)
        let parts = jwt.split(separator: ".").map(String.init)
        #expect(parts.count == 3)
        let header = try JSONParser.parse(try #require(Base64Decoding.decode(parts[0], urlSafe: true)))
        #expect(header["alg"]?.stringValue == algorithm.rawValue)
        #expect(header["kid"]?.stringValue == "k1")
        let claims = try #require(JWTClaims.payload(jwt))
        #expect(claims["iss"] == "client-1" && claims["sub"] == "client-1")
        #expect(claims["aud"] == "https://auth.example.com/token")
        #expect(claims["exp"]?.int64Value == now + 300 && claims["iat"]?.int64Value == now)
        #expect((claims["jti"]?.stringValue?.count ?? 0) >= 16)
        if algorithm == .es256 { #expect(Base64Decoding.decode(parts[2], urlSafe: true)?.count == 64) }

        let publicKey = try key.publicKeyPEM()
        #expect(JWSVerifier.verify(jwt: jwt, publicKeyPEM: publicKey, algorithm: algorithm))
        // Tampered claims fail verification.
        let forged = parts[0] + "." + Base64URL.encode(Array(#"{"iss":"other"}"#.utf8)) + "." + parts[2]
        #expect(!JWSVerifier.verify(jwt: forged, publicKeyPEM: publicKey, algorithm: algorithm))
        // Another key's signature fails.
        let other = try SigningKey.generate(algorithm)
        #expect(!JWSVerifier.verify(jwt: jwt, publicKeyPEM: try other.publicKeyPEM(), algorithm: algorithm))
        #expect(!String(describing: key).containsLiteral("PRIVATE"))
    }

    @Test func jtiIsFreshEachTime() throws {
        let key = try SigningKey.generate(.es256)
        let a = try ClientAssertion.make(clientID: "c", audience: "https://a/token", key: key, now: now)
        let b = try ClientAssertion.make(clientID: "c", audience: "https://a/token", key: key, now: now)
        #expect(JWTClaims.payload(a)?["jti"] != JWTClaims.payload(b)?["jti"])
    }

    @Test func privateKeyJWTTokenRequest() throws {
        let key = try SigningKey.generate(.rs256)
        let endpoint = try OAuthURL("https://auth.example.com/token")
        let request = try TokenRequest.clientCredentials(tokenEndpoint: endpoint, scopes: nil, resource: "https://m",
            client: ClientCredentials(clientID: "svc", signingKey: key, method: .privateKeyJWT), now: now)
        #expect(request.field("client_assertion_type") == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
        let assertion = try #require(request.field("client_assertion"))
        #expect(JWSVerifier.verify(jwt: assertion, publicKeyPEM: try key.publicKeyPEM(), algorithm: .rs256))
        #expect(JWTClaims.payload(assertion)?["aud"] == "https://auth.example.com/token")
        #expect(request.header("authorization") == nil)
    }

    @Test func loadsPEMKeysAndRefusesOthers() throws {
        let pem = Self.p256PrivateKeyPEM
        let key = try SigningKey(pem: pem)
        #expect(key.algorithm == .es256)
        let error = #expect(throws: MCPError.self) { try SigningKey(pem: "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n") }
        #expect(error?.json.jsonString.containsLiteral("not a key") == false)
        #expect(throws: MCPError.self) { try SigningKey(pem: String(repeating: "A", count: SigningKey.maxPEMBytes + 1)) }
    }

    /// A passphrase-protected key fails at once: OpenSSL's default would prompt on the terminal and stall the host.
    @Test func anEncryptedKeyIsRefusedWithoutPrompting() {
        let error = #expect(throws: MCPError.self) { try SigningKey(pem: Self.encryptedP256PEM) }
        #expect(error?.details["reason"] == "key_unreadable")
    }

    /// `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes-256-cbc -pass pass:secret`.
    static let encryptedP256PEM = """
        -----BEGIN ENCRYPTED PRIVATE KEY-----
        MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAhyBPD/f2RX0wICCAAw
        DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEN8eb3Nbe8s11z4mL3MN+64EgZA/
        xfh2/VziJTsRBkbhv0rqmDRnX5Ac9dN2YnQNnOjiK4yvhohXnPkpHkHg/jS17OMN
        O0ks909wqeP5Ja6yov6Wdz/oVt06IlP34k4wms82WO9tOKZFEfaMwR1xn1d4yhEh
        p0DVOzmVwSvN9mfI248Dz0+Loyr8uBZPRiTRWIU7GRKP1JX5GRQNjllJt60wfW8=
        -----END ENCRYPTED PRIVATE KEY-----

        """

    /// A throwaway P-256 key (generated with `openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256`).
    static let p256PrivateKeyPEM = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgdeDXo+KY37i8cD5r
        CmAOJTZ7wSj/AruD1Ufx3vMSduqhRANCAAR7jjUTnpJPbCnJhUQsRU0qZYr7g76R
        SmEVCrJ7TX0UND2PfaSPFP9Ur7FITbi1ulYPK319EruVqoYIpvkYbaFm
        -----END PRIVATE KEY-----

        """
}

@Suite struct SigningKeyFileTests {
    @Test func aFIFOAtTheKeyPathIsRefusedInsteadOfBlocking() throws {
        let path = "/tmp/mcpclient-key-fifo-\(getpid())"
        unlink(path)
        #expect(mkfifo(path, 0o600) == 0)
        defer { unlink(path) }
        let error = #expect(throws: MCPError.self) { try SigningKey(pemFile: path) }
        #expect(error?.details["reason"] == "key_file_unreadable")
        #expect(error?.message.containsLiteral("not a regular file") == true)
    }
}
