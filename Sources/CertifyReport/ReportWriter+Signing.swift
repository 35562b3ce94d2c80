import CertifyTrust
import Foundation

extension ReportWriter {
    /// The DSSE envelope; its payload is report.json's bytes.
    package static let envelopeFile = "report.dsse.json"
    /// The renderings, for people and CI.
    package static let markdownFile = "report.md"
    package static let htmlFile = "report.html"
    package static let junitFile = "junit.xml"
    /// The signer's certificate chain from the envelope, PEM, leaf first, never the root: what an
    /// auditor's own tools (openssl verify, scripts/verify_envelope.py) check against their root.
    package static let chainFile = "signer-chain.pem"

    /// Signs `statement` as `identity` at `date` and writes the folder: cases.json (every case's
    /// record) and latency.bin (every case's samples), which the statement binds by SHA-256 instead
    /// of holding them, report.json (exactly the signed payload bytes), report.dsse.json,
    /// summary.txt, the envelope's certificate chain (signer-chain.pem), and the renderings of the
    /// statement read back from the envelope after its signature verified, with the cases and
    /// samples read back from the side files.
    ///
    /// Throws `SigningError.certificateNotValid`, writing nothing, if the chain is not valid at
    /// `date` (a certificate that expired during a long run): such a report would never verify.
    @discardableResult
    package static func write(
        _ statement: Statement, summary: String, signedBy identity: SigningIdentity, at date: Date, to directory: URL
    ) throws -> SignedReport {
        try identity.checkUsable(at: date)
        var statement = statement
        let samples = LatencySampleFile.encode(statement.predicate.cases)
        let samplesRecord = LatencySampleFile.record(samples)
        statement.predicate.latencySamples = samplesRecord
        let cases = try CaseRecordFile.encode(statement.predicate.cases)
        let casesRecord = CaseRecordFile.record(cases)
        statement.predicate.caseRecords = casesRecord
        let signed = try identity.sign(statement, at: date)
        var verified = try ReportVerifier.verifySignature(signed.envelope)
        precondition(verified.payload == signed.payload, "the envelope does not carry the bytes just signed")
        try CaseRecordFile.attach(cases, to: &verified.statement, record: casesRecord)
        try LatencySampleFile.attach(samples, to: &verified.statement, record: samplesRecord)
        let reread = try CaseRecordFile.encode(verified.statement.predicate.cases)
        precondition(reread == cases, "cases.json does not read back as written")
        precondition(
            verified.statement.predicate.cases.map(\.latency?.samples) == statement.predicate.cases.map(\.latency?.samples),
            "latency.bin does not read back as written")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try cases.write(to: directory.appendingPathComponent(CaseRecordFile.name), options: .atomic)
        try samples.write(to: directory.appendingPathComponent(LatencySampleFile.name), options: .atomic)
        try signed.payload.write(to: directory.appendingPathComponent(statementFile), options: .atomic)
        try signed.envelope.write(to: directory.appendingPathComponent(envelopeFile), options: .atomic)
        try Data(summary.utf8).write(to: directory.appendingPathComponent(summaryFile), options: .atomic)
        try Data(verified.chain.pem().utf8).write(to: directory.appendingPathComponent(chainFile), options: .atomic)
        try render(verified.statement, root: verified.chain.namedRoot, to: directory)
        return signed
    }

    /// Writes report.md, report.html and junit.xml for `statement` into `directory`; `root` is the
    /// root the signer's chain names, which report.md and report.html show.
    package static func render(_ statement: Statement, root: String?, to directory: URL) throws {
        try Data(MarkdownRenderer.render(statement, root: root).utf8).write(to: directory.appendingPathComponent(markdownFile), options: .atomic)
        try Data(HTMLRenderer.render(statement, root: root).utf8).write(to: directory.appendingPathComponent(htmlFile), options: .atomic)
        try Data(JUnitRenderer.render(statement).utf8).write(to: directory.appendingPathComponent(junitFile), options: .atomic)
    }
}

extension SigningIdentity {
    /// Records this signer in `statement`, encodes it once and signs exactly those bytes.
    ///
    /// Does not check validity: the verifier judges the chain at `date`, which is written into the statement.
    package func sign(_ statement: Statement, at date: Date) throws -> SignedReport {
        var statement = statement
        statement.predicate.signer = record(at: date).0
        let payload = try statement.encoded()
        return SignedReport(statement: statement, payload: payload, envelope: try envelope(for: payload))
    }
}
