import Foundation

/// A statement as signed: the statement with its signer, its exact bytes and the envelope's bytes.
package struct SignedReport: Sendable {
    package var statement: Statement
    /// The bytes the signature covers; report.json is these bytes.
    package var payload: Data
    /// The DSSE envelope file's bytes.
    package var envelope: Data
}
