import Crypto
import Foundation
import X509

/// An Ed25519 private key with its X.509 certificate chain (leaf first, root left out).
package struct SigningIdentity {
    /// The signing key; never leaves the process except through keygen's 0600 files.
    package var key: Curve25519.Signing.PrivateKey
    /// Leaf first, then any intermediates; the root stays with the verifier.
    package var chain: [Certificate]
    /// A locally generated identity no auditor trusts.
    package var development: Bool

    /// Pairs `key` with `chain`, checking that the key belongs to the leaf certificate.
    package init(key: Curve25519.Signing.PrivateKey, chain: [Certificate], development: Bool, keyName: String = "key")
        throws(SigningError)
    {
        guard let leaf = chain.first, let leafKey = Curve25519.Signing.PublicKey(leaf.publicKey),
            leafKey.rawRepresentation == key.publicKey.rawRepresentation
        else {
            throw .keyDoesNotMatchCertificate(key: keyName, certificate: chain.first?.subject.description ?? "none")
        }
        self.key = key
        self.chain = chain
        self.development = development
    }

    /// Loads a key file (mode 0600 or stricter) and a PEM certificate file (leaf first, then any intermediates).
    package static func load(keyPath: String, certificatePath: String, development: Bool = false) throws(SigningError)
        -> SigningIdentity
    {
        let key = try KeyFile.readKey(keyPath)
        let chain = try KeyFile.readCertificates(certificatePath)
        do {
            return try SigningIdentity(key: key, chain: chain, development: development, keyName: keyPath)
        } catch {
            throw .keyDoesNotMatchCertificate(key: keyPath, certificate: certificatePath)
        }
    }

    /// The envelope keyid: hex SHA-256 of the raw 32-byte public key.
    package static func keyid(_ key: Curve25519.Signing.PublicKey) -> String {
        SHA256.hash(data: key.rawRepresentation).map { String(format: "%02x", $0) }.joined()
    }

    /// This identity's envelope keyid.
    package var keyid: String { Self.keyid(key.publicKey) }

    /// The leaf certificate's subject, e.g. `CN=Li Wei,O=certify`.
    package var subject: String { chain[0].subject.description }

    /// Throws unless every certificate of the chain is valid at `date`.
    package func checkValid(at date: Date) throws(SigningError) {
        for certificate in chain where date < certificate.notValidBefore || date > certificate.notValidAfter {
            throw .certificateNotValid(
                subject: certificate.subject.description, at: ReportTime.string(date),
                notBefore: ReportTime.string(certificate.notValidBefore),
                notAfter: ReportTime.string(certificate.notValidAfter))
        }
    }

    /// Throws unless this identity may sign at `date`: every certificate of the chain valid then
    /// (`certificateNotValid`), and the chain meeting the `CertificatePolicy` that verify applies
    /// (`certificateRefused`, with verify's reason).
    package func checkUsable(at date: Date) throws(SigningError) {
        try checkValid(at: date)
        do {
            try CertificateChain(chain).checkPolicy(at: date)
        } catch {
            throw .certificateRefused(reason: error.message)
        }
    }

    /// The record a signed statement carries of this signer at `date`, and the instant it names:
    /// whole seconds, as the statement records them, so that the chain is judged at what is signed.
    package func record(at date: Date) -> (SignerRecord, Date) {
        let date = Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
        return (SignerRecord(subject: subject, keyid: keyid, signedAt: ReportTime.string(date), development: development), date)
    }

    /// A DSSE envelope of in-toto `payload` signed by this identity, with its chain; the envelope's bytes.
    package func envelope(for payload: Data) throws -> Data {
        let signature = try key.signature(for: PAE.encode(payloadType: Envelope.inTotoPayloadType, payload: payload))
        let envelope = Envelope(
            payload: payload.base64EncodedString(), payloadType: Envelope.inTotoPayloadType,
            signatures: [
                EnvelopeSignature(
                    keyid: keyid, sig: signature.base64EncodedString(),
                    extension: CertificateChainExtension(
                        certificates: try chain.map { try KeyFile.der($0).base64EncodedString() }))
            ])
        return try envelope.encoded()
    }
}
