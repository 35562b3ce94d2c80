import Crypto
import Foundation
import SwiftASN1
import X509

/// A DSSE envelope whose form and Ed25519 signature have been checked: the payload the signature
/// covers, the key that made it and the certificate chain that came with it.
package struct OpenedEnvelope: Sendable {
    /// The exact bytes the signature covers.
    package var payload: Data
    /// The envelope's keyid, checked to be the leaf certificate's key.
    package var keyid: String
    /// Leaf first, then any intermediates, as the envelope carries them.
    package var chain: CertificateChain
}

/// Checks a DSSE envelope from its bytes outwards: form, keyid, then the signature over
/// PAE(payloadType, payload). What the payload says is the caller's to judge.
package enum EnvelopeVerifier {
    package static func open(_ envelopeBytes: Data) throws(VerificationError) -> OpenedEnvelope {
        let envelope: Envelope
        do {
            envelope = try JSONDecoder().decode(Envelope.self, from: envelopeBytes)
        } catch {
            throw VerificationError(.malformed, "the file is not a DSSE envelope (\(VerificationError.describe(error)))")
        }
        guard envelope.payloadType == Envelope.inTotoPayloadType else {
            throw VerificationError(
                .malformed, "the envelope's payloadType is '\(envelope.payloadType)', not '\(Envelope.inTotoPayloadType)'")
        }
        guard envelope.signatures.count == 1, let signature = envelope.signatures.first else {
            throw VerificationError(.malformed, "the envelope has \(envelope.signatures.count) signatures; certify writes exactly one")
        }
        guard let payload = canonicalBase64(envelope.payload) else {
            throw VerificationError(.malformed, "the envelope's payload is not canonical base64")
        }
        guard let sig = canonicalBase64(signature.sig), sig.count == 64 else {
            throw VerificationError(.malformed, "the signature is not a base64 Ed25519 signature of 64 bytes")
        }
        guard let chainExtension = signature.extension, chainExtension.kind == CertificateChainExtension.kind else {
            throw VerificationError(
                .malformed, "the signature carries no certificate chain (extension kind '\(CertificateChainExtension.kind)')")
        }
        var certificates: [Certificate] = []
        for (index, text) in chainExtension.ext.certificates.enumerated() {
            guard let der = canonicalBase64(text), let certificate = try? Certificate(derEncoded: Array(der)) else {
                throw VerificationError(.malformed, "certificate \(index + 1) of the chain is not base64 DER X.509")
            }
            certificates.append(certificate)
        }
        guard let leaf = certificates.first else { throw VerificationError(.malformed, "the certificate chain is empty") }
        guard let publicKey = Curve25519.Signing.PublicKey(leaf.publicKey) else {
            throw VerificationError(.malformed, "the signer's certificate '\(leaf.subject)' does not hold an Ed25519 key")
        }
        let keyid = SigningIdentity.keyid(publicKey)
        guard signature.keyid == keyid else {
            throw VerificationError(
                .badSignature, "the envelope's keyid \(signature.keyid) is not the signer's key \(keyid)")
        }
        guard publicKey.isValidSignature(sig, for: PAE.encode(payloadType: envelope.payloadType, payload: payload)) else {
            throw VerificationError(
                .badSignature, "the signature does not verify with the key of '\(leaf.subject)': the report was altered or signed by another key")
        }
        return OpenedEnvelope(payload: payload, keyid: keyid, chain: CertificateChain(certificates))
    }

    /// Decodes canonical base64: the standard or the URL-safe alphabet (DSSE accepts both), never
    /// mixed, padding optional for URL-safe, no whitespace and no spare bits set.
    private static func canonicalBase64(_ text: String) -> Data? {
        var standard = text
        if text.contains(where: { $0 == "-" || $0 == "_" }) {
            guard !text.contains(where: { $0 == "+" || $0 == "/" }) else { return nil }
            standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            if !standard.hasSuffix("=") && standard.utf8.count % 4 != 0 {
                standard += String(repeating: "=", count: 4 - standard.utf8.count % 4)
            }
        }
        guard let data = Data(base64Encoded: standard), data.base64EncodedString() == standard else { return nil }
        return data
    }
}
