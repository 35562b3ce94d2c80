import CertifyBase
import CertifyBattery
import CertifyTrust
import Foundation
import Testing

@testable import CertifyReport

/// cases.json: the case records out of the signed statement, bound to it by SHA-256, read back by
/// every reader of a report; reports with inline cases still read.
struct CaseRecordFileTests {
    @Test func aWrittenReportSignsTheCasesByDigestAndReadsThemBack() throws {
        let pki = try TestPKI()
        let folder = LatencySampleFileTests.Folder()
        let statement = syntheticStatement()
        let signed = try ReportWriter.write(statement, summary: "", signedBy: pki.identity, at: Date(), to: folder.url)
        let side = try Data(contentsOf: folder.url.appendingPathComponent("cases.json"))
        #expect(signed.statement.predicate.caseRecords == CaseRecordFile.record(side))
        #expect(signed.statement.predicate.caseRecords?.file == "cases.json")
        // The signed bytes hold the verdicts and the digest, and an empty list where the cases were.
        let payload = String(decoding: signed.payload, as: UTF8.self)
        #expect(payload.contains("\"cases\":[]") && payload.contains("\"caseRecords\":{"))
        #expect(try Statement.decode(signed.payload).predicate.cases.isEmpty)
        // The side file is the canonical JSON of the cases, in their order.
        #expect(side == (try CaseRecordFile.encode(statement.predicate.cases)))
        let read = try ReportFiles.verified(folder.path("report.dsse.json"), trust: pki.trust)
        #expect(read.statement.predicate.cases.map(\.id) == statement.predicate.cases.map(\.id))
        #expect(try CaseRecordFile.encode(read.statement.predicate.cases) == side)
        #expect(try CaseRecordFile.encode(Statement.read(folder: folder.url).predicate.cases) == side)
    }

    @Test func anAlteredOrMissingCaseFileIsRefusedAsTampering() throws {
        let pki = try TestPKI()
        let folder = LatencySampleFileTests.Folder()
        let signed = try ReportWriter.write(syntheticStatement(), summary: "", signedBy: pki.identity, at: Date(), to: folder.url)
        let record = try #require(signed.statement.predicate.caseRecords)
        let envelope = folder.path("report.dsse.json")
        let file = folder.url.appendingPathComponent("cases.json")
        var side = try Data(contentsOf: file)
        side[side.count - 2] ^= 1
        try side.write(to: file)
        #expect(
            throws: Failure(
                .badSignature,
                "\(envelope): the case records '\(file.path)' (sha256 \(FileDigest.sha256([UInt8](side)))) are not the ones the signed "
                    + "statement records (sha256 \(record.sha256)): the file was altered or belongs to another report")
        ) { try ReportFiles.verified(envelope, trust: pki.trust) }
        try FileManager.default.removeItem(at: file)
        #expect(
            throws: Failure(
                .badSignature,
                "\(envelope): the case records '\(file.path)' are missing; the signed statement records them "
                    + "by sha256 \(record.sha256): keep cases.json with report.dsse.json")
        ) { try ReportFiles.verified(envelope, trust: pki.trust) }
    }

    /// A statement that names cases.json and holds cases inline as well is not one certify writes:
    /// which of the two would a reader believe?
    @Test func aStatementWithCasesInlineAndASideFileIsMalformed() throws {
        var statement = syntheticStatement()
        let data = try CaseRecordFile.encode(statement.predicate.cases)
        let record = CaseRecordFile.record(data)
        #expect(throws: VerificationError(.malformed, "the statement holds case records inline and names cases.json as well")) {
            try CaseRecordFile.attach(data, to: &statement, record: record)
        }
        statement.predicate.cases = []
        var other = record
        other.format = "certify-cases/2"
        #expect(throws: VerificationError(.malformed, "the case records are in format 'certify-cases/2'; this certify reads 'certify-cases/1'")) {
            try CaseRecordFile.attach(data, to: &statement, record: other)
        }
    }

    /// A report as certify wrote them before cases.json (and as `sign` still writes): cases inline in the
    /// signed statement. It verifies and reads with its cases.
    @Test func aReportWithInlineCasesStillVerifiesWithItsCases() throws {
        let pki = try TestPKI()
        let folder = LatencySampleFileTests.Folder()
        let statement = syntheticStatement()
        let signed = try pki.identity.sign(statement, at: Date())
        try FileManager.default.createDirectory(at: folder.url, withIntermediateDirectories: true)
        try signed.payload.write(to: folder.url.appendingPathComponent("report.json"))
        try signed.envelope.write(to: folder.url.appendingPathComponent("report.dsse.json"))
        let read = try ReportFiles.verified(folder.path("report.dsse.json"), trust: pki.trust)
        #expect(read.statement.predicate.caseRecords == nil)
        #expect(read.statement.predicate.cases.map(\.id) == statement.predicate.cases.map(\.id))
    }
}
