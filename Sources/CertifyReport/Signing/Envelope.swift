import Foundation

/// A DSSE JSON envelope: the signed payload, its type and the signatures over PAE(type, payload).
///
/// certify writes exactly one signature, whose `extension` carries the signer's certificate chain
/// (leaf first, DER in base64, the root left out: the verifier brings its own).
package struct Envelope: Sendable, Codable, Equatable {
    /// The in-toto payload type.
    package static let inTotoPayloadType = "application/vnd.in-toto+json"

    /// Base64 (standard alphabet, padded) of the payload bytes.
    package var payload: String
    /// How to read the payload; certify writes and accepts only `inTotoPayloadType`.
    package var payloadType: String
    /// certify writes exactly one.
    package var signatures: [EnvelopeSignature]

    package init(payload: String, payloadType: String, signatures: [EnvelopeSignature]) {
        self.payload = payload
        self.payloadType = payloadType
        self.signatures = signatures
    }

    /// The envelope as written: sorted keys, two-space indentation, a final newline.
    package func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return try encoder.encode(self) + Data("\n".utf8)
    }
}

/// One DSSE signature: the unauthenticated key id hint, the signature and certify's chain extension.
package struct EnvelopeSignature: Sendable, Codable, Equatable {
    /// Hex SHA-256 of the signer's raw 32-byte Ed25519 public key.
    package var keyid: String
    /// Base64 of the 64-byte Ed25519 signature over PAE(payloadType, payload).
    package var sig: String
    /// Unauthenticated, like keyid: the chain is trusted only once it leads to a trusted root.
    package var `extension`: CertificateChainExtension?

    package init(keyid: String, sig: String, extension: CertificateChainExtension?) {
        self.keyid = keyid
        self.sig = sig
        self.extension = `extension`
    }
}

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
