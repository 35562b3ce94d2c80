import CertifyBattery
import CertifyReport
import Foundation
import Testing

/// A real quick-suite run's report folder: the cases in cases.json and the samples in latency.bin,
/// the envelope small, and both side files checked by `certify verify`, `certify explain`,
/// `certify gate` and the Python verifier.
@Suite struct LatencySideFileCLITests {
    /// What the signed quick-suite envelope is held under: issue 15's 300 KB. Moving the samples out
    /// and dropping the JSON whitespace took it from 3.4 MB to about 560 KB, every case's figures;
    /// moving those to cases.json leaves the verdicts and two digests, about 5 KB (see
    /// docs/report-folder.md).
    static let quickEnvelopeLimit = 300 * 1024

    @Test func aQuickSuiteEnvelopeHoldsNoSamplesAndStaysSmall() throws {
        let run = try #require(SignedRun.shared)
        #expect(run.run.status == 0, "\(run.run.stderr)")
        let envelope = try Data(contentsOf: URL(fileURLWithPath: run.envelope))
        #expect(envelope.count < Self.quickEnvelopeLimit, "report.dsse.json is \(envelope.count) bytes")
        let payload = try Data(contentsOf: URL(fileURLWithPath: run.folder.path("report/report.json")))
        #expect(!String(decoding: payload, as: UTF8.self).contains("\"samples\""))
        #expect(try Statement.decode(payload).predicate.cases.isEmpty)
        let statement = try Statement.read(folder: URL(fileURLWithPath: run.report))
        #expect(statement.predicate.cases.count == Battery.cases(.quick).count)
        // The cases as a script reads them (Python, no certify code): the same ids in the same order.
        let reader = CLI.repositoryRoot.appendingPathComponent("scripts/certify_report.py").path
        let assembled = try Tool.run("python3", [reader, run.report])
        #expect(assembled.status == 0, "\(assembled.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(assembled.stdout.utf8)) as? [String: Any]
        let cases = (object?["predicate"] as? [String: Any])?["cases"] as? [[String: Any]]
        #expect(cases?.compactMap { $0["id"] as? String } == statement.predicate.cases.map(\.id))
        let timed = statement.predicate.cases.compactMap(\.latency)
        #expect(!timed.isEmpty)
        #expect(timed.allSatisfy { $0.samples.count == $0.statistics.count && $0.samples.count >= 25 })
        // An independent reader of the README's layout (Python, no certify code) reads the same samples.
        let script = CLI.repositoryRoot.appendingPathComponent("scripts/latency_samples.py").path
        let python = try Tool.run("python3", [script, run.report])
        #expect(python.status == 0, "\(python.stderr)")
        let read = try JSONDecoder().decode([String: [UInt64]].self, from: Data(python.stdout.utf8))
        #expect(read == Dictionary(uniqueKeysWithValues: statement.predicate.cases.compactMap { c in c.latency.map { (c.id, $0.samples) } }))
    }

    /// Each side file is as much signed as the statement: an altered or missing one is refused, by
    /// certify (21: verify, explain, gate) and by the Python verifier.
    @Test(arguments: [("latency.bin", "the latency samples"), ("cases.json", "the case records")])
    func verifyRefusesAnAlteredOrMissingSideFileWithExit21(file: String, content: String) throws {
        let run = try #require(SignedRun.shared)
        let scratch = try TemporaryDirectory()
        let copy = scratch.path("report")
        try FileManager.default.copyItem(atPath: run.report, toPath: copy)
        let side = URL(fileURLWithPath: copy).appendingPathComponent(file)
        let statement = try Statement.decode(Data(contentsOf: URL(fileURLWithPath: copy).appendingPathComponent("report.json")))
        let recorded = try #require([statement.predicate.latencySamples, statement.predicate.caseRecords].compactMap { $0 }.first { $0.file == file }?.sha256)
        #expect(try CLI.run(["verify", copy, "--trust", run.root]).status == 0)

        var bytes = try Data(contentsOf: side)
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: side)
        let altered = try CLI.run(["verify", copy, "--trust", run.root])
        #expect(altered.status == 21)
        #expect(altered.stdout.isEmpty)
        let digest = try Tool.run("sha256sum", [side.path]).stdout.prefix(64)
        #expect(
            altered.stderr
                == "error: \(copy)/report.dsse.json: \(content) '\(side.path)' (sha256 \(digest)) are not the ones the signed "
                + "statement records (sha256 \(recorded)): the file was altered or belongs to another report\n")
        let script = CLI.repositoryRoot.appendingPathComponent("scripts/verify_envelope.py").path
        #expect(
            try Tool.run("python3", [script, copy, run.root]).stdout
                == "REJECTED: ValueError: \(file) is not the file whose sha256 the statement records\n")
        #expect(try CLI.run(["explain", copy, "--trust", run.root]).status == 21)
        #expect(try CLI.run(["gate", "--baseline", run.report, "--candidate", copy, "--trust", run.root]).status == 21)

        try FileManager.default.removeItem(at: side)
        let missing = try CLI.run(["verify", copy, "--trust", run.root])
        #expect(missing.status == 21)
        #expect(
            missing.stderr
                == "error: \(copy)/report.dsse.json: \(content) '\(side.path)' are missing; the signed statement records them "
                + "by sha256 \(recorded): keep \(file) with report.dsse.json\n")
        #expect(
            try Tool.run("python3", [script, copy, run.root]).stdout
                == "REJECTED: ValueError: \(file) is missing; the statement records its sha256 \(recorded)\n")
    }

    /// A report gated against itself reads both sides' samples: no finding, and the report-against-report
    /// latency method ran (it needs more than one sample per case on both sides).
    @Test func gateAndExplainReadTheNewReport() throws {
        let run = try #require(SignedRun.shared)
        let scratch = try TemporaryDirectory()
        let gate = try CLI.run(["gate", "--baseline", run.report, "--candidate", run.report, "--trust", run.root, "--markdown", scratch.path("gate.md")])
        #expect(gate.status == 0, "\(gate.stdout)\(gate.stderr)")
        // Without the samples of both sides every case would be "not compared" and the count 0.
        let markdown = try String(contentsOfFile: scratch.path("gate.md"), encoding: .utf8)
        let compared = markdown.components(separatedBy: "Bonferroni over ").dropFirst().first?.prefix { $0.isNumber }
        #expect(Int(compared ?? "") ?? 0 > 100, "\(markdown)")
        let explain = try CLI.run(["explain", run.report, "--trust", run.root])
        #expect(explain.status == 0, "\(explain.stderr)")
    }
}
