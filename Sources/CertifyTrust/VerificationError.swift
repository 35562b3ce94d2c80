import CertifyBase

/// Why a signed report does not verify; each kind has its own exit code in `certify verify`.
package typealias VerificationError = KindedError<VerificationErrorKind>

package enum VerificationErrorKind: Sendable, Equatable {
    /// Not a DSSE envelope certify can read: bad JSON, base64, payload type, chain extension or statement.
    case malformed
    /// The signature does not verify over PAE(payloadType, payload) with the leaf certificate's key.
    case badSignature
    /// The certificate chain does not lead to a trusted root, or was not valid at signing time.
    case untrustedSigner
    /// A file given to check does not match the report's subject.
    case subjectMismatch
}

extension VerificationError {
    /// A decoding error in a few words: which key is missing or has the wrong type.
    package static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            "missing '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "wrong type at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        case DecodingError.dataCorrupted(let context):
            context.codingPath.isEmpty
                ? "invalid JSON" : "bad value at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        default:
            "\(error)"
        }
    }
}
