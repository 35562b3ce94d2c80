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
