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
        statement = try Statement.decode(Data(contentsOf: folder.url.appendingPathComponent("report/report.json")))
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
        // The cases and the level's verdict, L0 Not certified: a failure.
        let counts = "\(cases.count + 1) tests, \(count(.failed) + 1) failures, "
            + "\(count(.error, .crashed, .timedOut, .lied, .untrustworthy)) errors, \(count(.unsupported, .notRun)) skipped"
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
}
