import CertifyBattery
import CertifyTrust
import Foundation

/// The report's case records, kept out of the signed statement in a side file (cases.json in the
/// report folder) that the statement binds by its SHA-256.
///
/// Every case's figures were nearly all of a quick-suite statement's bytes: 420 KB, 560 KB once
/// base64 in the envelope. The envelope now carries the verdicts (level, tiers, run, chip, backend,
/// host, signer) and the digests of the two side files; the records are the same JSON as before,
/// a top-level array in the statement's case order, in the statement's canonical encoding (sorted
/// keys, no whitespace, non-finite numbers as strings, the latency samples in latency.bin).
package enum CaseRecordFile: SideFile {
    /// The side file's name in a report folder.
    package static let name = "cases.json"
    /// `SideFileRecord.format` for this layout.
    package static let format = "certify-cases/1"
    package static let content = "the case records"
    package static var recordKey: WritableKeyPath<CertificationPredicate, SideFileRecord?> { \.caseRecords }

    /// The file's bytes for `cases`.
    package static func encode(_ cases: [CaseResult]) throws -> Data {
        try Statement.canonicalEncoder(samplesElsewhere: true).encode(cases)
    }

    /// Puts the case records in `data`, already known to be the file `record` names, into `statement`.
    package static func attach(_ data: Data, to statement: inout Statement, record: SideFileRecord) throws(VerificationError) {
        try checkFormat(of: record)
        guard statement.predicate.cases.isEmpty else {
            throw VerificationError(.malformed, "the statement holds case records inline and names \(record.file) as well")
        }
        do {
            statement.predicate.cases = try Statement.decoder.decode([CaseResult].self, from: data)
        } catch {
            throw VerificationError(.malformed, "\(record.file) is not a list of case records: \(error)")
        }
    }
}
