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
