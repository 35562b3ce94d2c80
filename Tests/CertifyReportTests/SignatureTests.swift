import CertifyTrust
import Foundation
import Testing

@testable import CertifyReport

struct SignatureTests {
    @Test func aSignedReportVerifiesAndCarriesTheExactPayloadBytes() throws {
        let pki = try TestPKI()
        let signed = try pki.identity.sign(syntheticStatement(), at: Date())
        let verified = try ReportVerifier.verify(signed.envelope, trust: pki.trust)
        #expect(verified.payload == signed.payload)
        #expect(verified.payload == (try signed.statement.encoded()))
        #expect(verified.statement == signed.statement)
        #expect(verified.signer.subject == "CN=Test Certifier,O=certify certifiers")
        #expect(verified.signer.development == false)
        #expect(verified.root.subject == pki.root.subject.description)
        let envelope = try JSONDecoder().decode(Envelope.self, from: signed.envelope)
        #expect(envelope.payloadType == "application/vnd.in-toto+json")
        #expect(envelope.signatures.map(\.keyid) == [pki.identity.keyid])
    }

    @Test func flippingAnySingleByteOfTheEnvelopeFailsVerification() throws {
        let pki = try TestPKI()
        let envelope = try pki.identity.sign(syntheticStatement(), at: Date()).envelope
        var accepted: [String] = []
        // Every position with its lowest bit flipped; every 8th also with its case bit and top bit.
        for position in envelope.indices {
            for mask: UInt8 in position % 8 == 0 ? [0x01, 0x20, 0x80] : [0x01] {
                var tampered = envelope
                tampered[position] ^= mask
                if verificationError({ () throws(VerificationError) in _ = try ReportVerifier.verify(tampered, trust: pki.trust) }) == nil {
                    accepted.append("byte \(position) ^ \(mask)")
                }
            }
        }
        #expect(envelope.count > 2000)
        #expect(accepted == [])
    }

    @Test func theURLSafeAlphabetIsAccepted() throws {
        // DSSE: verifiers must accept standard and URL-safe base64.
        let pki = try TestPKI()
        let signed = try pki.identity.sign(syntheticStatement(), at: Date())
        var envelope = try JSONDecoder().decode(Envelope.self, from: signed.envelope)
        envelope.payload = envelope.payload.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        #expect(try ReportVerifier.verify(envelope.encoded(), trust: pki.trust).payload == signed.payload)
    }

    @Test(arguments: [
        ("{}", VerificationErrorKind.malformed, "the file is not a DSSE envelope (missing 'payload')"),
        ("not json", .malformed, "the file is not a DSSE envelope (invalid JSON)"),
        (#"{"payload":"","payloadType":"text/plain","signatures":[]}"#, .malformed,
         "the envelope's payloadType is 'text/plain', not 'application/vnd.in-toto+json'"),
        (#"{"payload":"","payloadType":"application/vnd.in-toto+json","signatures":[]}"#, .malformed,
         "the envelope has 0 signatures; certify writes exactly one"),
        (#"{"payload":"e30=","payloadType":"application/vnd.in-toto+json","signatures":[{"keyid":"","sig":"AAAA"}]}"#,
         .malformed, "the signature is not a base64 Ed25519 signature of 64 bytes"),
    ])
    func malformedEnvelopesAreNamed(text: String, kind: VerificationErrorKind, message: String) throws {
        let pki = try TestPKI()
        let error = verificationError { () throws(VerificationError) in _ = try ReportVerifier.verify(Data(text.utf8), trust: pki.trust) }
        #expect(error == VerificationError(kind, message))
    }

    @Test func aSignatureByAnotherKeyIsABadSignature() throws {
        let pki = try TestPKI()
        let other = try TestPKI()
        let signed = try pki.identity.sign(syntheticStatement(), at: Date())
        let forged = try other.identity.sign(syntheticStatement(), at: Date())
        var envelope = try JSONDecoder().decode(Envelope.self, from: signed.envelope)
        let forgedEnvelope = try JSONDecoder().decode(Envelope.self, from: forged.envelope)
        envelope.signatures[0].sig = forgedEnvelope.signatures[0].sig
        let error = verificationError { () throws(VerificationError) in _ = try ReportVerifier.verify(try! envelope.encoded(), trust: pki.trust) }
        #expect(
            error == VerificationError(
                .badSignature,
                "the signature does not verify with the key of 'CN=Test Certifier,O=certify certifiers': the report was altered or signed by another key"))
    }

    @Test func aReSerialisedPayloadDoesNotVerify() throws {
        // Equivalent JSON is not the signed bytes: nothing is re-serialised before verifying.
        let pki = try TestPKI()
        let signed = try pki.identity.sign(syntheticStatement(), at: Date())
        var envelope = try JSONDecoder().decode(Envelope.self, from: signed.envelope)
        let object = try JSONSerialization.jsonObject(with: signed.payload)
        envelope.payload = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).base64EncodedString()
        let error = verificationError { () throws(VerificationError) in _ = try ReportVerifier.verify(try! envelope.encoded(), trust: pki.trust) }
        #expect(error?.kind == .badSignature)
    }
}
