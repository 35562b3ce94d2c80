/// DSSE's signature extension (`kind` + `ext`) holding the signer's X.509 chain.
package struct CertificateChainExtension: Sendable, Codable, Equatable {
    /// The only kind certify writes and accepts.
    package static let kind = "https://certify.invalid/dsse-extension/x509-chain/v1"

    /// Always `CertificateChainExtension.kind`.
    package var kind: String
    /// The extension's fields.
    package var ext: Chain

    /// The certificates, leaf first, each base64 of its DER.
    package struct Chain: Sendable, Codable, Equatable {
        package var certificates: [String]
    }

    package init(certificates: [String]) {
        self.kind = Self.kind
        self.ext = Chain(certificates: certificates)
    }
}
