import Crypto
import Foundation
import Testing

@testable import CertifyTrust

struct KeyFileTests {
    private func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("certify-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func keygenWritesKeysOwnerOnlyAndTheyLoadBack() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let root = try CertificateAuthority.writeRoot(
            name: "r", notBefore: Date(timeIntervalSinceNow: -60), notAfter: Date(timeIntervalSinceNow: 3600), to: dir.appendingPathComponent("ca"))
        let certifier = try CertificateAuthority.writeCertifier(
            name: "c", caDirectory: dir.appendingPathComponent("ca"), notBefore: Date(timeIntervalSinceNow: -60),
            notAfter: Date(timeIntervalSinceNow: 3600), to: dir.appendingPathComponent("me"))
        func mode(_ path: String) throws -> Int {
            (try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent(path).path)[.posixPermissions] as! NSNumber).intValue
        }
        #expect(try mode("ca/root.key") == 0o600)
        #expect(try mode("me/certifier.key") == 0o600)
        #expect(try mode("me/certifier.pem") == 0o644)
        let identity = try SigningIdentity.load(
            keyPath: dir.appendingPathComponent("me/certifier.key").path, certificatePath: dir.appendingPathComponent("me/certifier.pem").path)
        #expect(identity.chain == [certifier])
        #expect(try KeyFile.readCertificates(dir.appendingPathComponent("ca/root.pem").path) == [root])
        #expect(throws: SigningError.exists(path: dir.appendingPathComponent("ca/root.key").path)) {
            try CertificateAuthority.writeRoot(
                name: "r", notBefore: Date(), notAfter: Date(timeIntervalSinceNow: 60), to: dir.appendingPathComponent("ca"))
        }
    }

    @Test(arguments: [0o644, 0o640, 0o604, 0o660])
    func aKeyOthersCanReadIsRefused(mode: Int) throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("k.key").path
        try KeyFile.create(path, KeyFile.pem(Curve25519.Signing.PrivateKey()), mode: UInt16(mode))
        #expect(throws: SigningError.keyReadableByOthers(path: path, mode: UInt16(mode))) { try KeyFile.readKey(path) }
        #expect(
            SigningError.keyReadableByOthers(path: "/k", mode: 0o644).description
                == "signing key '/k' can be read by group or others (mode 644); run 'chmod 600 /k'")
    }

    @Test func theKeyIsStandardPKCS8() throws {
        // RFC 8410 section 10.3's example private key.
        let pem = """
            -----BEGIN PRIVATE KEY-----
            MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC
            -----END PRIVATE KEY-----

            """
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("rfc8410.key").path
        try KeyFile.create(path, pem, mode: 0o600)
        let key = try KeyFile.readKey(path)
        #expect(KeyFile.pem(key) == pem)
    }

    @Test func aNonKeyIsMalformed() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("x.key").path
        try KeyFile.create(path, "hello\n", mode: 0o600)
        #expect(throws: SigningError.malformedKey(path: path)) { try KeyFile.readKey(path) }
    }
}
