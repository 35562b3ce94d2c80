import CertifyBattery
import CertifyReport
import Foundation
import Testing

/// A run whose backend crashed on every embedding case (`fault.embedding: segfault`), made once:
/// three crashed cases, then the backend is marked unusable and the rest are not run (exit 2).
final class CrashedRun: @unchecked Sendable {
    let folder: TemporaryDirectory
    let run: CLI.Result
    let statement: Statement

    var report: String { folder.path("report") }

    static let shared: CrashedRun? = try? CrashedRun()

    private init() throws {
        folder = try TemporaryDirectory()
        let chip = try folder.write("faulty.yaml", FaultMatrixTests.faultyProfile(["fault.embedding": "segfault"]))
        run = try CLI.run(["--chip", chip, "--suite", "quick", "--output", folder.path("report")])
        statement = try Statement.read(folder: folder.url.appendingPathComponent("report"))
    }
}

/// The report folder read by the programs CI systems and auditors use, not by certify's own parser.
@Suite struct ReportConsumerTests {
    static let checkJUnit = CLI.repositoryRoot.appendingPathComponent("scripts/check-junit").path

    /// junitparser's counts (the attributes) equal the elements, and the file is valid against the
    /// Jenkins xUnit schema, for a run with crashed and not-run cases.
    @Test func junitOfACrashedRunCountsWhatItHolds() throws {
        let crashed = try #require(CrashedRun.shared)
        #expect(crashed.run.status == 2, "\(crashed.run.stderr)")
        let cases = crashed.statement.predicate.cases
        func count(_ outcomes: CaseOutcome...) -> Int { cases.filter { outcomes.contains($0.outcome) }.count }
        #expect(count(.crashed) == 3)
        #expect(count(.notRun) > 90)
        let junit = crashed.folder.path("report/junit.xml")
        let result = try Tool.run(Self.checkJUnit, [junit])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        // The cases, the model-level check (not run: the backend became unusable first, so
        // skipped) and the level's verdict, L0 Not certified: a failure.
        #expect(crashed.statement.predicate.levelContext.modelCheck?.outcome == .notRun)
        let counts = "\(cases.count + 2) tests, \(count(.failed) + 1) failures, "
            + "\(count(.error, .crashed, .timedOut, .lied, .untrustworthy)) errors, \(count(.unsupported, .notRun) + 1) skipped"
        #expect(result.stdout.hasPrefix("OK \(junit): \(counts) (junitparser "), "\(result.stdout)")
    }

    /// The checker can fail: certify's junit before issue 18 broke both rules.
    @Test func theJUnitCheckerRejectsWrongCountsAndTheSchemasViolations() throws {
        let scratch = try TemporaryDirectory()
        let bad = try scratch.write(
            "junit.xml",
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <testsuites name="certify" tests="2" failures="0" errors="0" skipped="0" time="0.000100">
              <testsuite name="certify.gemm" tests="2" failures="0" errors="0" skipped="0" time="0.000100">
                <testcase classname="certify.gemm" name="a" time="0.000050">
                  <error message="SIGSEGV" type="crashed"/>
                </testcase>
                <testcase classname="certify.gemm" name="b" time="0.000050">
                  <skipped message="not run"/>
                </testcase>
              </testsuite>
            </testsuites>

            """)
        let result = try Tool.run(Self.checkJUnit, [bad])
        #expect(result.status == 1)
        #expect(result.stdout.contains("  schema: 'skipped' attribute not allowed for element\n"), "\(result.stdout)")
        #expect(result.stdout.contains("attribute time='0.000100': value doesn't match any pattern"), "\(result.stdout)")
        #expect(result.stdout.contains("  testsuite 'certify.gemm': errors=0, but it holds 1\n"))
        #expect(result.stdout.contains("  testsuite 'certify.gemm': skipped=0, but it holds 1\n"))
        #expect(result.stdout.contains("  testsuites: errors=0, but it holds 1\n"))
    }

    /// A signed run with a tier: its verdict is a test case, and the file is valid.
    @Test func junitOfASignedRunWithATierIsValid() throws {
        let run = try #require(SignedRun.shared)
        let junit = run.folder.path("report/junit.xml")
        let result = try Tool.run(Self.checkJUnit, [junit])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let text = try String(contentsOfFile: junit, encoding: .utf8)
        #expect(text.contains("<testcase classname=\"certify.verdict\" name=\"tier developer: Developer\" time=\"0.000\"/>"))
    }

    /// report.md and report.html of the crashed run say it is incomplete and count its faults.
    @Test func markdownAndHTMLOfACrashedRunSayIncomplete() throws {
        let crashed = try #require(CrashedRun.shared)
        let notRun = crashed.statement.predicate.cases.filter { $0.outcome == .notRun }.count
        let markdown = try String(contentsOfFile: crashed.folder.path("report/report.md"), encoding: .utf8)
        let html = try String(contentsOfFile: crashed.folder.path("report/report.html"), encoding: .utf8)
        for text in [markdown, html] {
            #expect(text.contains("INCOMPLETE: the backend was marked unusable after 3 consecutive crashes or hangs"))
            #expect(text.contains(", 3 crashed, \(notRun) not run"))
        }
        #expect(html.contains("<p class=\"level l0\">Level reached: L0 Not certified · INCOMPLETE</p>"))
    }

    /// An error message of invalid UTF-8 (a run of U+FFFD once decoded) wraps inside the page in
    /// Chromium instead of running off it: the page is measured by a script added to a copy.
    @Test func aGarbageErrorMessageStaysInsideThePageInChromium() throws {
        let folder = try TemporaryDirectory()
        let chip = try folder.write("faulty.yaml", FaultMatrixTests.faultyProfile(["fault.gemm": "garbage-error"]))
        let run = try CLI.run(["--chip", chip, "--suite", "quick", "--output", folder.path("report")])
        #expect(run.status == 1, "\(run.stderr)")
        let page = try String(contentsOfFile: folder.path("report/report.html"), encoding: .utf8)
        #expect(page.contains(String(repeating: "\u{FFFD}", count: 100)))
        let check = try Tool.run(CLI.repositoryRoot.appendingPathComponent("scripts/check-html").path, [folder.path("report/report.html"), folder.path("shot.png")])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        let measure = """
            <script>
            (function () {
              var doc = document.documentElement, right = document.body.getBoundingClientRect().right;
              var notes = Array.prototype.filter.call(document.querySelectorAll('li'), function (li) {
                return li.textContent.indexOf('\\uFFFD\\uFFFD\\uFFFD\\uFFFD') >= 0; });
              var wide = notes.filter(function (li) {
                return li.getBoundingClientRect().right > right + 1 || li.scrollWidth > li.clientWidth + 1; });
              document.title = 'MEASURED notes=' + notes.length + ' overflowing=' + wide.length + ' page=' + doc.scrollWidth + '/' + doc.clientWidth;
            })();
            </script>

            """
        let measured = try folder.write("measured.html", page + measure)
        let browser = try Tool.run("chromium", [
            "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(folder.path("profile"))", "--window-size=1280,2000",
            "--dump-dom", "file://\(measured)",
        ])
        let match = try #require(browser.stdout.firstMatch(of: #/MEASURED notes=(\d+) overflowing=(\d+) page=(\d+)/(\d+)/#), "\(browser.stderr)")
        let line = String(match.0)
        #expect(Int(match.1) ?? 0 > 0, "\(line)")
        #expect(match.2 == "0", "\(line)")
        #expect(match.3 == match.4, "\(line)")
    }

    /// Chromium lays out the latency distribution of a real run: one group per timed case, each
    /// at least a pixel wide and inside the chart, and the chart inside the page.
    @Test func theLatencyDistributionOfARealRunIsDrawnInChromium() throws {
        let run = try #require(SignedRun.shared)
        let folder = try TemporaryDirectory()
        let page = try String(contentsOfFile: "\(run.report)/report.html", encoding: .utf8)
        let check = try Tool.run(CLI.repositoryRoot.appendingPathComponent("scripts/check-html").path, ["\(run.report)/report.html", folder.path("shot.png")])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        let timed = try Statement.read(folder: URL(fileURLWithPath: run.report)).predicate.cases.filter { $0.latency != nil }.count
        let measure = """
            <script>
            (function () {
              var chart = document.querySelector('svg.d'), box = chart.getBoundingClientRect();
              var rows = Array.prototype.slice.call(chart.querySelectorAll('g'));
              var bad = rows.filter(function (g) { var r = g.getBoundingClientRect();
                return r.width < 1 || r.left < box.left || r.right > box.right + 0.5; });
              document.title = 'MEASURED rows=' + rows.length + ' bad=' + bad.length + ' inside=' + (box.right <= document.documentElement.clientWidth);
            })();
            </script>

            """
        let measured = try folder.write("measured.html", page + measure)
        let browser = try Tool.run("chromium", [
            "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(folder.path("profile"))", "--window-size=1280,2000",
            "--dump-dom", "file://\(measured)",
        ])
        let match = try #require(browser.stdout.firstMatch(of: #/MEASURED rows=(\d+) bad=(\d+) inside=(\w+)/#), "\(browser.stderr)")
        #expect(Int(match.1) == timed && timed > 0, "\(match.0)")
        #expect(match.2 == "0", "\(match.0)")
        #expect(match.3 == "true", "\(match.0)")
    }
}

/// A report signed through an OpenSSL-made chain (root, intermediate, certifier), checked by
/// tools that are not certify, given only the report folder and the root.
@Suite struct SelfContainedReportTests {
    @Test func openSSLAndAnIndependentPythonCheckerVerifyTheFolderAlone() throws {
        let pki = try OpenSSLPKI()
        try pki.issue("intermediate", by: "root", extensions: "intermediate")
        try pki.issue("certifier", by: "intermediate", extensions: "certifier")
        let chain = try pki.chain(["certifier", "intermediate"], to: "chain.pem")
        let out = try TemporaryDirectory()
        let report = out.path("report")
        let run = try CLI.run([
            "--chip", "Profiles/cpu.yaml", "--suite", "quick", "--output", report,
            "--signing-key", pki.folder.path("certifier.key"), "--signing-cert", chain,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        // The folder holds the chain the envelope carries, leaf first, without the root.
        let written = try String(contentsOfFile: out.path("report/signer-chain.pem"), encoding: .utf8)
        #expect(written == (try String(contentsOfFile: chain, encoding: .utf8)))

        let verified = try CLI.run(["verify", report, "--trust", pki.root])
        #expect(verified.status == 0, "\(verified.stderr)")
        let openssl = try Tool.run("openssl", [
            "verify", "-CAfile", pki.root, "-untrusted", out.path("report/signer-chain.pem"), out.path("report/signer-chain.pem"),
        ])
        #expect(openssl.status == 0, "\(openssl.stdout)\(openssl.stderr)")
        #expect(openssl.stdout == "\(out.path("report/signer-chain.pem")): OK\n")

        let script = CLI.repositoryRoot.appendingPathComponent("scripts/verify_envelope.py").path
        let python = try Tool.run("python3", [script, report, pki.root])
        #expect(python.status == 0, "\(python.stdout)\(python.stderr)")
        #expect(python.stdout == "OK CN=openssl certifier,O=OpenSSL test (root CN=openssl root,O=OpenSSL test)\n")

        // Each can fail: another root, an altered report.json, a chain that is not the envelope's.
        let stranger = try OpenSSLPKI()
        #expect(try Tool.run("python3", [script, report, stranger.root]).status == 1)
        #expect(try Tool.run("openssl", ["verify", "-CAfile", stranger.root, "-untrusted", out.path("report/signer-chain.pem"), out.path("report/signer-chain.pem")]).status != 0)
        let altered = URL(fileURLWithPath: out.path("altered"))
        try FileManager.default.copyItem(atPath: report, toPath: altered.path)
        try Data("{}".utf8).write(to: altered.appendingPathComponent("report.json"))
        #expect(try Tool.run("python3", [script, altered.path, pki.root]).stdout == "REJECTED: ValueError: report.json is not the signed payload\n")
        try FileManager.default.removeItem(at: altered.appendingPathComponent("report.json"))
        try FileManager.default.copyItem(atPath: out.path("report/report.json"), toPath: altered.appendingPathComponent("report.json").path)
        try Data(contentsOf: URL(fileURLWithPath: pki.folder.path("intermediate.pem"))).write(to: altered.appendingPathComponent("signer-chain.pem"))
        #expect(
            try Tool.run("python3", [script, altered.path, pki.root]).stdout
                == "REJECTED: ValueError: signer-chain.pem is not the chain the envelope carries\n")
    }
}
