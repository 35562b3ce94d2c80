import CertifyBattery
import Foundation
import Testing

@testable import CertifyReport

#if canImport(FoundationXML)
import FoundationXML
#endif

struct RendererTests {
    private func signedStatement(development: Bool = false) throws -> Statement {
        try TestPKI(development: development).identity.sign(syntheticStatement(), at: Date()).statement
    }

    @Test func markdownPutsTheSummaryFirstThenATablePerKernel() throws {
        let text = MarkdownRenderer.render(try signedStatement())
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0] == "# Certification report: Acme Widget W1")
        #expect(lines[2] == "**Level reached: L0 Not certified**")
        #expect(text.contains("| Signed by | CN=Test Certifier,O=certify certifiers, "))
        let firstKernel = try #require(lines.firstIndex { $0.hasPrefix("## ") && $0 != "## Why not higher" && $0 != "## Tiers" })
        #expect(try #require(lines.firstIndex { $0.hasPrefix("| Cases |") }) < firstKernel)
        #expect(text.contains("| case | dtype | shape | outcome | max abs | max rel | max ulp | err/tol | p50 | p99 | p50 budget | tolerance |"))
        #expect(text.contains("FAILED"))
    }

    @Test func developmentReportsSayUntrustedInEveryRendering() throws {
        let statement = try signedStatement(development: true)
        #expect(MarkdownRenderer.render(statement).contains("development identity: UNTRUSTED"))
        #expect(HTMLRenderer.render(statement).contains("<strong>UNTRUSTED:</strong>"))
        #expect(!HTMLRenderer.render(try signedStatement()).contains("UNTRUSTED"))
    }

    /// An unstable latency is listed with how it was unstable, and why it lowers nothing.
    @Test func unstableLatenciesAreNotedInEveryRendering() throws {
        var statement = syntheticStatement()
        let noisy: [UInt64] = [1_000_000, 2_000_000, 3_000_000, 4_000_000, 5_000_000]
        statement.predicate.cases[0].latency = LatencyFigures(
            clock: .hostMonotonic, warmup: 1, attempts: [noisy, noisy, noisy], firstCallNanoseconds: 0,
            budgetP50Microseconds: 10_000, budgetP99Microseconds: 10_000)
        let line = "\(statement.predicate.cases[0].id): robust CV above 0.1 in all 3 attempts, 0.494 in the one kept"
        let why = "instability is not held against the level: each budget is judged on the case's best attempt, as load on the host only adds time"
        #expect(SummaryRenderer.render(statement).contains("\nunstable latency (\(why)):\n  \(line)\nLevel reached: "))
        #expect(MarkdownRenderer.render(statement).contains("\n## Unstable latency\n\nNo attempt timed these cases stably; \(why).\n\n- \(line)\n"))
        #expect(HTMLRenderer.render(statement).contains("<h2>Unstable latency</h2>\n<p>No attempt timed these cases stably; \(why.replacingOccurrences(of: "'", with: "&#39;")).</p>\n<ul>\n<li>\(line)</li>\n</ul>\n"))
        let quiet = syntheticStatement()
        #expect(!SummaryRenderer.render(quiet).contains("unstable latency") && !MarkdownRenderer.render(quiet).contains("Unstable latency"))
    }

    /// A run cut short says so, with the crashed and not-run counts, in every rendering.
    @Test func anIncompleteRunIsMarkedWithItsFaultCountsInEveryRendering() throws {
        var statement = syntheticStatement()
        statement.predicate.cases[0].outcome = .crashed
        statement.predicate.cases[2].outcome = .notRun
        statement.predicate.complete = false
        statement.predicate.incompleteReason = "the backend was marked unusable"
        let counts = "4 cases: 0 passed, 1 failed, 0 unsupported, 1 errors, 1 crashed, 1 not run"
        let marker = "INCOMPLETE: the backend was marked unusable; the cases not run are marked NOT-RUN"
        let summary = SummaryRenderer.render(statement)
        #expect(summary.contains("\n\(counts)\n\n\(marker)\n"))
        let markdown = MarkdownRenderer.render(statement)
        #expect(markdown.contains("**Level reached: L0 Not certified**\n\n**\(marker)**\n"))
        #expect(markdown.contains("| Cases | \(counts) |\n"))
        #expect(markdown.contains(" | CRASHED | ") && markdown.contains(" | NOT-RUN | "))
        let html = HTMLRenderer.render(statement)
        #expect(html.contains("<p class=\"level l0\">Level reached: L0 Not certified · INCOMPLETE</p>\n<p class=\"incomplete\"><strong>\(marker)</strong></p>\n"))
        #expect(html.contains("<dt>Cases</dt><dd>\(counts)</dd>\n"))
        #expect(html.contains("<td class=\"left crashed\">CRASHED</td>"))
    }

    /// A case whose latency was unstable passes on its figures but does not read as a plain PASSED.
    @Test func anUnstableCaseIsShownAsSuch() throws {
        var statement = syntheticStatement()
        let noisy: [UInt64] = [1_000_000, 2_000_000, 3_000_000, 4_000_000, 5_000_000]
        statement.predicate.cases[0].latency = LatencyFigures(
            clock: .hostMonotonic, warmup: 1, attempts: [noisy, noisy, noisy], firstCallNanoseconds: 0,
            budgetP50Microseconds: 10_000, budgetP99Microseconds: 10_000)
        let id = statement.predicate.cases[0].id
        #expect(MarkdownRenderer.render(statement).contains("| \(id) | fp32 | "))
        #expect(MarkdownRenderer.render(statement).contains(" | PASSED (latency UNSTABLE) | "))
        #expect(HTMLRenderer.render(statement).contains("<td class=\"left unstable\">PASSED (latency UNSTABLE)</td>"))
        #expect(!MarkdownRenderer.render(syntheticStatement()).contains("UNSTABLE"))
    }

    /// The badge is green only for a level reached by a complete run that met every tier asked for.
    @Test func theBadgeIsNotGreenWhenARequestedTierWasMissed() throws {
        var statement = syntheticStatement()
        statement.predicate.level = LevelAssessment(reached: 1, gaps: [])
        statement.predicate.tiers = [try tier("developer", "Developer", requires: 1, reasons: [])]
        #expect(HTMLRenderer.render(statement).contains("<p class=\"level met\">Level reached: L1 Compatible</p>\n"))
        statement.predicate.tiers.append(try tier("enterprise", "Enterprise", requires: 2, reasons: ["L2: x failed"]))
        let html = HTMLRenderer.render(statement)
        #expect(html.contains("<p class=\"level short\">Level reached: L1 Compatible · NOT QUALIFIED for tier enterprise</p>\n"))
        #expect(html.contains(".short{background:#fff3cd;"))
        #expect(MarkdownRenderer.render(statement).contains("**Level reached: L1 Compatible**\n\n**NOT QUALIFIED for tier enterprise**\n"))
    }

    /// What an auditor needs to know what was certified and how, in report.md and report.html.
    @Test func markdownAndHTMLCarryTheAuditorsFacts() throws {
        var statement = try signedStatement()
        statement.subject = [
            Subject(name: "libcertify_backend_cpu.so", sha256: String(repeating: "ab", count: 32), role: .backend),
            Subject(name: "Profiles/cpu.yaml", sha256: String(repeating: "cd", count: 32), role: .chipProfile),
            Subject(name: "Profiles/tiers/developer.yaml", sha256: String(repeating: "ef", count: 32), role: .tierProfile),
        ]
        statement.predicate.run.soak = 2
        statement.predicate.run.runs = 3
        statement.predicate.run.minTimeMilliseconds = 10
        statement.predicate.chip.declaredNumerics = DeclaredNumericsModel(
            accumulation: [.fp16: .fp32, .bf16: .fp32], flushesSubnormals: false, rounding: .nearestEven,
            storageIntermediates: [.softmax])
        let keyid = try #require(statement.predicate.signer?.keyid)
        let rows = [
            ("certify", "certify 0.1.0"),
            ("Host system", "Linux, kernel 6.1, 4 GiB memory"),
            ("Measurement", "isolation in-process; warm-up 1; at least 3 timed calls and 10 ms; runs 3; soak 2 extra executions per case"),
            ("Declared numerics", "accumulation bf16→fp32 fp16→fp32; subnormals preserved; rounding nearest-even; intermediates in the storage dtype: softmax"),
            ("SHA-256 backend", "\(String(repeating: "ab", count: 32)) libcertify_backend_cpu.so"),
            ("SHA-256 chip profile", "\(String(repeating: "cd", count: 32)) Profiles/cpu.yaml"),
            ("SHA-256 tier profile", "\(String(repeating: "ef", count: 32)) Profiles/tiers/developer.yaml"),
            ("Signer key id", keyid),
            ("Root", "CN=test root,O=certify (named by the signer's chain in signer-chain.pem; certify verify checks it against the roots you trust)"),
        ]
        let markdown = MarkdownRenderer.render(statement, root: "CN=test root,O=certify")
        let html = HTMLRenderer.render(statement, root: "CN=test root,O=certify")
        for (key, value) in rows {
            #expect(markdown.contains("\n| \(key) | \(value) |\n"), "\(key)")
            #expect(html.contains("\n<dt>\(key)</dt><dd>\(HTMLRenderer.escape(value))</dd>\n"), "\(key)")
        }
        #expect(markdown.contains(" | γ_K·Σ\\|a·b\\| |\n"))
        #expect(!MarkdownRenderer.render(statement).contains("| Root |"))
    }

    @Test func htmlIsSelfContained() throws {
        let html = HTMLRenderer.render(try signedStatement())
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.components(separatedBy: "<svg").count - 1 == 2)
        for forbidden in ["<script", "src=", "href=", "url(", "@import", "<link"] {
            #expect(!html.contains(forbidden), "report.html contains \(forbidden)")
        }
        #expect(html.contains("device lost &lt;&amp;&gt; &quot;quoted&quot;"))
    }

    /// The issue's case, a p99 of 8 ms over a p50 of 30 µs, drawn per case: a line from min to
    /// max, a box p50 to p90, a bar on to p99, and the budgets; its tooltip gives the figures.
    @Test func htmlDrawsEachCasesLatencyDistributionWithItsBudgets() throws {
        var statement = syntheticStatement()
        statement.predicate.cases[0].latency = LatencyFigures(
            clock: .hostMonotonic, warmup: 1, samples: Array(repeating: 30_000, count: 98) + [8_000_000, 8_000_000],
            firstCallNanoseconds: 9000, budgetP50Microseconds: 200, budgetP99Microseconds: 400)
        statement.predicate.cases[3].outcome = .passed
        let id = statement.predicate.cases[0].id
        let html = HTMLRenderer.render(statement)
        #expect(html.contains("<h2>Latency distribution (µs, log scale): line min to max, box p50 to p90, bar on to p99; blue tick = p50 budget, dashed = p99 budget</h2>\n<svg "))
        #expect(html.contains(".d .w{stroke:#8c959f}"))
        let row = try #require(html.firstMatch(of: #/<g><title>([^<]*)</title><line class="w" x1="([0-9.]+)" y1="8.0" x2="([0-9.]+)" y2="8.0"/><rect class="b" x="([0-9.]+)" y="3.0" width="([0-9.]+)" height="10"/><rect class="t" x="([0-9.]+)" y="5.0" width="([0-9.]+)" height="6"/><line class="m" x1="([0-9.]+)" y1="2.0" x2="([0-9.]+)" y2="14.0"/></g><line class="g" x1="([0-9.]+)" y1="0.0" x2="[0-9.]+" y2="16.0"/><line class="g n" x1="([0-9.]+)" y1="0.0" x2="[0-9.]+" y2="16.0"/>\n/#))
        #expect(row.1 == "\(id): min 30.0 µs, p50 30.0 µs, p90 30.0 µs, p99 8000.0 µs, max 8000.0 µs over 100 calls; budget p50 200.0 µs, p99 400.0 µs")
        let (minX, maxX, p50X, p90X, p99End) = (Double(row.2)!, Double(row.3)!, Double(row.4)!, Double(row.6)!, Double(row.6)! + Double(row.7)!)
        #expect(minX == p50X && p50X == p90X && Double(row.5)! == 1, "min = p50 = p90: a box of the minimum width")
        #expect(abs(p99End - maxX) < 0.2, "p99 = max: the bar reaches the end of the line")
        let (budget50, budget99) = (Double(row.10)!, Double(row.11)!)
        #expect(p50X < budget50 && budget50 < budget99 && budget99 < p99End, "p50 within its budget, p99 beyond its own")
        // The failed case is drawn in the failure colour; the unsupported one says so instead of a
        // box, and one that passed untimed says it was not timed.
        #expect(html.contains("<g class=\"x\"><title>\(statement.predicate.cases[1].id): min 1.2 µs, p50 1.5 µs, p90 1.8 µs"))
        #expect(html.contains("fill=\"#6e7781\">unsupported</text>\n"))
        #expect(html.contains("\(statement.predicate.cases[3].id)</text><text x=\"264.0\" y=\"60.0\" fill=\"#6e7781\">not timed</text>\n"))
        let chart = html.components(separatedBy: "<h2>Latency distribution")[1].components(separatedBy: "</svg>")[0]
        #expect(chart.utf8.count < 2048 * statement.predicate.cases.count)
    }

    /// A report of a plugin that names its code path, run on a host whose ISA features are known.
    private func describedStatement() throws -> Statement {
        var statement = try signedStatement()
        statement.predicate.backend.implementation = "oneDNN 2.6.3, effective ISA avx512_core_bf16"
        statement.predicate.host.isaFeatures = ["fma", "avx2", "avx512_bf16"]
        return statement
    }

    @Test func everyRenderingShowsTheHostISAAndTheLibrarysCodePath() throws {
        let statement = try describedStatement()
        let summary = SummaryRenderer.render(statement).split(separator: "\n").map(String.init)
        #expect(summary[3...5] == [
            "device   host CPU, Acme, driver none",
            "impl     oneDNN 2.6.3, effective ISA avx512_core_bf16",
            "host     test CPU, 2 cores; ISA fma avx2 avx512_bf16",
        ])
        let markdown = MarkdownRenderer.render(statement)
        #expect(markdown.contains("| Device | host CPU, Acme, driver none |\n| Implementation | oneDNN 2.6.3, effective ISA avx512_core_bf16 |\n| Host | test CPU, 2 cores; ISA fma avx2 avx512_bf16 |\n"))
        let html = HTMLRenderer.render(statement)
        #expect(html.contains("<dt>Implementation</dt><dd>oneDNN 2.6.3, effective ISA avx512_core_bf16</dd>\n<dt>Host</dt><dd>test CPU, 2 cores; ISA fma avx2 avx512_bf16</dd>\n"))
    }

    @Test func aReportOfABI1_0HasNoImplementationAndAHostWithoutFeatures() throws {
        let statement = try signedStatement()
        let summary = SummaryRenderer.render(statement)
        #expect(!summary.contains("\nimpl "))
        #expect(summary.contains("\nhost     test CPU, 2 cores\n"))
        #expect(!MarkdownRenderer.render(statement).contains("| Implementation |"))
        #expect(MarkdownRenderer.render(statement).contains("| Host | test CPU, 2 cores |"))
        #expect(!HTMLRenderer.render(statement).contains("<dt>Implementation</dt>"))
    }

    /// A tier's verdict as a report records it, reached at L1.
    private func tier(_ id: String, _ name: String, requires level: Int, reasons: [String]) throws -> TierVerdict {
        let json: [String: Any] = [
            "id": id, "name": name, "requiredLevel": level, "toleranceScale": 1, "levelReached": 1, "qualified": level <= 1,
            "reasons": reasons,
        ]
        return try JSONDecoder().decode(TierVerdict.self, from: JSONSerialization.data(withJSONObject: json))
    }

    #if canImport(FoundationXML)
    @Test func junitHasATestcasePerCaseWithSkippedFailureAndError() throws {
        let statement = try signedStatement()
        let document = try XMLDocument(data: Data(JUnitRenderer.render(statement).utf8))
        let root = try #require(document.rootElement())
        #expect(root.name == "testsuites")
        // The four cases and the level's verdict (L0: a failure).
        #expect(root.attribute(forName: "tests")?.stringValue == "5")
        #expect(root.attribute(forName: "failures")?.stringValue == "2")
        #expect(root.attribute(forName: "errors")?.stringValue == "1")
        #expect(root.attribute(forName: "skipped") == nil)
        let suite = try #require(try document.nodes(forXPath: "//testsuite").first as? XMLElement)
        #expect(suite.attribute(forName: "timestamp")?.stringValue == "2026-11-28T10:00:00")
        let cases = try document.nodes(forXPath: "//testcase").compactMap { $0 as? XMLElement }
        #expect(cases.map { $0.attribute(forName: "name")?.stringValue } == statement.predicate.cases.map(\.id) + ["level: L0 Not certified"])
        #expect(try document.nodes(forXPath: "//testcase/skipped").count == 1)
        let failure = try #require(try document.nodes(forXPath: "//testcase/failure").first as? XMLElement)
        #expect(failure.attribute(forName: "message")?.stringValue == "err/tol 37")
        let error = try #require(try document.nodes(forXPath: "//testcase/error").first as? XMLElement)
        #expect(error.attribute(forName: "message")?.stringValue == "device lost <&> \"quoted\"")
    }

    /// Every count attribute is the count of its elements: crashed and not-run cases included, a
    /// tier NOT QUALIFIED is a failure with its reasons, and times have three decimals.
    @Test func junitCountsMatchTheElementsOfAnIncompleteRunWithTiers() throws {
        var statement = syntheticStatement()
        statement.predicate.cases[0].outcome = .crashed
        statement.predicate.cases[0].message = "SIGSEGV in execute"
        statement.predicate.cases[2].outcome = .notRun
        statement.predicate.complete = false
        statement.predicate.incompleteReason = "the backend was marked unusable"
        statement.predicate.level = LevelAssessment(reached: 1, gaps: [])
        statement.predicate.tiers = [
            try tier("developer", "Developer", requires: 1, reasons: []),
            try tier("enterprise", "Enterprise", requires: 2, reasons: ["L2: a.b crashed", "L2: c.d was not run"]),
        ]
        let text = JUnitRenderer.render(statement)
        let document = try XMLDocument(data: Data(text.utf8))
        func count(_ path: String) throws -> String { String(try document.nodes(forXPath: path).count) }
        for suite in try document.nodes(forXPath: "//testsuite").compactMap({ $0 as? XMLElement }) {
            let name = suite.attribute(forName: "name")?.stringValue ?? ""
            let at = "//testsuite[@name='\(name)']/testcase"
            #expect(suite.attribute(forName: "tests")?.stringValue == (try count(at)), "\(name)")
            #expect(suite.attribute(forName: "failures")?.stringValue == (try count(at + "/failure")), "\(name)")
            #expect(suite.attribute(forName: "errors")?.stringValue == (try count(at + "/error")), "\(name)")
            #expect(suite.attribute(forName: "skipped")?.stringValue == (try count(at + "/skipped")), "\(name)")
        }
        let root = try #require(document.rootElement())
        #expect(root.attribute(forName: "tests")?.stringValue == "7")
        #expect(root.attribute(forName: "failures")?.stringValue == (try count("//failure")))
        #expect(root.attribute(forName: "errors")?.stringValue == "2")
        #expect(try count("//skipped") == "1")
        let tier = try #require(try document.nodes(forXPath: "//testcase[@name='tier enterprise: Enterprise']/failure").first as? XMLElement)
        #expect(
            tier.attribute(forName: "message")?.stringValue
                == "Enterprise (enterprise, requires L2): NOT QUALIFIED: INCOMPLETE: the backend was marked unusable (and 2 more)")
        #expect(tier.stringValue == "INCOMPLETE: the backend was marked unusable\nL2: a.b crashed\nL2: c.d was not run")
        #expect(try count("//testcase[@name='tier developer: Developer']/*") == "0")
        #expect(text.contains(" time=\"0.000\""))
        #expect(!text.contains(#/time="[0-9]+\.[0-9]{4}/#))
    }
    #endif
}
