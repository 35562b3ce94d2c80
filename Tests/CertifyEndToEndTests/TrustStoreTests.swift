import Foundation
import Testing

/// The repository's trust store: root certificates only, and a README saying so.
@Suite struct TrustStoreTests {
    @Test func certsHoldsNoPrivateKey() throws {
        let certs = CLI.repositoryRoot.appendingPathComponent("Certs")
        let names = try FileManager.default.contentsOfDirectory(atPath: certs.path)
        #expect(names.contains("README.md"))
        for name in names where name != "README.md" {
            #expect(name.hasSuffix(".pem"), "Certs/\(name) is not a PEM certificate file")
            let text = try String(contentsOf: certs.appendingPathComponent(name), encoding: .utf8)
            #expect(!text.contains("PRIVATE KEY"), "Certs/\(name) holds a private key")
            #expect(text.contains("-----BEGIN CERTIFICATE-----"))
        }
    }
}
