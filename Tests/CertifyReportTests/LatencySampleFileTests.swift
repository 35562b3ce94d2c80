import CertifyBase
import CertifyBattery
import CertifyTrust
import Foundation
import Testing

@testable import CertifyReport

/// latency.bin: the samples out of the signed statement, bound to it by SHA-256, read back by every
/// reader of a report; reports with inline samples (battery 1.0.0 to 1.3.0) still read.
struct LatencySampleFileTests {
    /// A scratch report folder, removed afterwards.
    final class Folder {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("certify-latency-\(UUID().uuidString)")
        deinit { try? FileManager.default.removeItem(at: url) }
        func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    }

    /// `timed` with the given samples, in a one-case statement.
    private func oneCase(_ samples: [UInt64]) -> [CaseResult] {
        var result = CaseResult(testCase: Battery.cases(.quick)[0], outcome: .passed, tolerance: "t")
        result.latency = LatencyFigures(
            clock: .hostMonotonic, warmup: 0, samples: samples, firstCallNanoseconds: 0, budgetP50Microseconds: nil,
            budgetP99Microseconds: nil)
        return [result]
    }

    /// The layout the README specifies, worked by hand: "CLAT", version 1, one case, its id's
    /// length and bytes, 3 samples, then zigzag deltas 300 → 600 (2 bytes), −1 → 1, +2^63… wraps.
    @Test func theFileIsTheDocumentedLayout() throws {
        let samples: [UInt64] = [300, 299, UInt64.max]
        let id = Battery.cases(.quick)[0].id
        let bytes = [UInt8](LatencySampleFile.encode(oneCase(samples)))
        // 300 → zigzag 600 = 0b100_1011000 → D8 04; 299 − 300 = −1 → 1; max − 299 wraps to −300 → 599 → D7 04.
        let expected: [UInt8] = Array("CLAT".utf8) + [1, 1, UInt8(id.utf8.count)] + Array(id.utf8) + [3, 0xD8, 0x04, 0x01, 0xD7, 0x04]
        #expect(bytes == expected)
        #expect(try LatencySampleFile.decode(Data(bytes)) == [id: samples])
    }

    static let clat: [UInt8] = Array("CLAT".utf8)
    static let broken: [([UInt8], String)] = [
        (Array("CLAX".utf8) + [1, 0], "it does not start with 'CLAT'"),
        (clat + [2, 0], "it is format version 2; this certify reads version 1"),
        (clat + [1, 1, 5, 0x61], "it ends inside a case id"),
        (clat + [1, 1, 1, 0x61, 9, 1], "case 'a' claims 9 samples in 1 bytes"),
        (clat + [1, 0, 0], "1 bytes follow the last case"),
        (clat + [1, 0x80], "it ends inside a varint"),
    ]

    @Test(arguments: broken)
    func aBrokenFileSaysWhere(bytes: [UInt8], message: String) {
        #expect(throws: LatencySampleFile.Problem(message)) { try LatencySampleFile.decode(Data(bytes)) }
    }

    @Test func aWrittenReportKeepsItsSamplesInTheSideFileAndReadsThemBack() throws {
        let pki = try TestPKI()
        let folder = Folder()
        let statement = syntheticStatement()
        let signed = try ReportWriter.write(statement, summary: "", signedBy: pki.identity, at: Date(), to: folder.url)
        let side = try Data(contentsOf: folder.url.appendingPathComponent("latency.bin"))
        #expect(signed.statement.predicate.latencySamples == LatencySampleFile.record(side))
        #expect(!String(decoding: signed.payload, as: UTF8.self).contains("\"samples\""))
        let read = try ReportFiles.verified(folder.path("report.dsse.json"), trust: pki.trust)
        #expect(read.statement.predicate.cases.map(\.latency?.samples) == statement.predicate.cases.map(\.latency?.samples))
        #expect(try Statement.read(folder: folder.url).predicate.cases.map(\.latency?.samples) == statement.predicate.cases.map(\.latency?.samples))
    }

    @Test func anAlteredOrMissingSideFileIsRefusedAsTampering() throws {
        let pki = try TestPKI()
        let folder = Folder()
        let signed = try ReportWriter.write(syntheticStatement(), summary: "", signedBy: pki.identity, at: Date(), to: folder.url)
        let record = try #require(signed.statement.predicate.latencySamples)
        let envelope = folder.path("report.dsse.json")
        var side = try Data(contentsOf: folder.url.appendingPathComponent("latency.bin"))
        side[side.count - 1] ^= 1
        try side.write(to: folder.url.appendingPathComponent("latency.bin"))
        let altered = FileDigest.sha256([UInt8](side))
        #expect(
            throws: Failure(
                .badSignature,
                "\(envelope): the latency samples '\(folder.path("latency.bin"))' (sha256 \(altered)) are not the ones the signed "
                    + "statement records (sha256 \(record.sha256)): the file was altered or belongs to another report")
        ) { try ReportFiles.verified(envelope, trust: pki.trust) }
        try FileManager.default.removeItem(at: folder.url.appendingPathComponent("latency.bin"))
        #expect(
            throws: Failure(
                .badSignature,
                "\(envelope): the latency samples '\(folder.path("latency.bin"))' are missing; the signed statement records them "
                    + "by sha256 \(record.sha256): keep latency.bin with report.dsse.json")
        ) { try ReportFiles.verified(envelope, trust: pki.trust) }
    }

    /// A report as certify wrote them before latency.bin (battery 1.0.0 to 1.3.0): samples inline in
    /// the signed statement, no side file. It verifies and reads with its samples.
    @Test func aReportWithInlineSamplesStillVerifiesWithItsSamples() throws {
        let pki = try TestPKI()
        let folder = Folder()
        var statement = syntheticStatement()
        statement.predicate.run.batteryVersion = "1.0.0"
        let envelope = try writeInline(statement, signedBy: pki.identity, to: folder)
        #expect(String(decoding: try Data(contentsOf: folder.url.appendingPathComponent("report.json")), as: UTF8.self).contains("\"samples\""))
        let read = try ReportFiles.verified(envelope, trust: pki.trust)
        #expect(read.statement.predicate.latencySamples == nil)
        #expect(read.statement.predicate.cases.map(\.latency?.samples) == statement.predicate.cases.map(\.latency?.samples))
    }

    /// Gating a new report against one with inline samples compares the samples of both: one case
    /// 5× slower beyond the battery's drift is found by the rank test over them.
    @Test func theGateComparesSamplesFromTheSideFileWithInlineOnes() throws {
        let pki = try TestPKI()
        let (old, new) = (Folder(), Folder())
        let id = Battery.cases(.quick)[3].id
        var baseline = syntheticStatement()
        baseline.predicate = battery()
        baseline.predicate.run.batteryVersion = "1.0.0"
        let baselineEnvelope = try writeInline(baseline, signedBy: pki.identity, to: old)
        var candidate = syntheticStatement()
        candidate.predicate = battery([id: 5], scale: 1.3)
        try ReportWriter.write(candidate, summary: "", signedBy: pki.identity, at: Date(), to: new.url)
        let root = old.path("root.pem")
        try Data(KeyFile.pem(type: "CERTIFICATE", der: try KeyFile.der(pki.root)).utf8).write(to: URL(fileURLWithPath: root))
        var request = GateRequest(baseline: baselineEnvelope, candidate: new.path("report.dsse.json"), policy: GatePolicy())
        request.trust = root
        let verdict = try GateRun.perform(request, rerun: nil, identity: { () throws(Failure) in pki.identity }, note: { _ in })
        #expect(verdict.findings.filter { $0.kind == .latencyRegression }.map(\.subject) == [id])
    }

    /// Signs `statement` as certify did before latency.bin: the samples inside the payload.
    private func writeInline(_ statement: Statement, signedBy identity: SigningIdentity, to folder: Folder) throws -> String {
        let signed = try identity.sign(statement, at: Date())
        try FileManager.default.createDirectory(at: folder.url, withIntermediateDirectories: true)
        try signed.payload.write(to: folder.url.appendingPathComponent("report.json"))
        try signed.envelope.write(to: folder.url.appendingPathComponent("report.dsse.json"))
        return folder.path("report.dsse.json")
    }
}
