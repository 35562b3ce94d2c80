/// Who signed a report and when, inside the signed statement so that it is covered by the signature.
package struct SignerRecord: Sendable, Codable, Equatable {
    /// The signing certificate's subject, e.g. `CN=Li Wei,O=certify certifiers`.
    package var subject: String
    /// Hex SHA-256 of the raw Ed25519 public key (the envelope's keyid).
    package var keyid: String
    /// The signing time, ISO 8601 UTC; the certificate chain must be valid at this instant.
    package var signedAt: String
    /// True when the report was signed with a locally generated development identity: untrusted.
    package var development: Bool

    package init(subject: String, keyid: String, signedAt: String, development: Bool) {
        self.subject = subject
        self.keyid = keyid
        self.signedAt = signedAt
        self.development = development
    }
}
