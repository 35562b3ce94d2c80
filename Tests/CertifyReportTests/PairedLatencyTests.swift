import CertifyBattery
import CertifyNumerics
import Foundation
import Testing

@testable import CertifyReport

@Suite struct StudentTTests {
    // Reference values: Student's t tables (e.g. scipy.stats.t.sf / t.isf); df 1 is the Cauchy
    // distribution, P(T ≥ 1) = 1/4 exactly.
    @Test(arguments: [(1.0, 1.0, 0.25), (2.015048372669157, 5.0, 0.05), (5.893429531356, 5.0, 0.001), (0.0, 7.0, 0.5), (-2.015048372669157, 5.0, 0.95)])
    func upperTailMatchesTables(_ t: Double, _ df: Double, _ p: Double) {
        #expect(abs(StudentT.upperTail(t, df: df) - p) < 1e-9)
    }

    @Test(arguments: [(0.05, 5.0, 2.015048372669157), (0.001, 5.0, 5.893429531356), (0.025, 10.0, 2.228138851986)])
    func criticalValueInvertsTheTail(_ p: Double, _ df: Double, _ t: Double) {
        #expect(abs(StudentT.critical(p, df: df) - t) < 1e-7)
    }
}

@Suite struct PairedLatencyTests {
    /// A side-by-side measurement of the quick suite's first 40 cases, `replicates` per side: each
    /// process's median is the case's base latency times a placement factor drawn per process
    /// (log-uniform within ±`noise`), and the candidate's also times `slowdown(case)`.
    func measurement(replicates: Int = 6, noise: Double = 0.15, seed: UInt64 = 1, slowdown: (BatteryCase) -> Double = { _ in 1 })
        -> (PairedMeasurement, Set<String>)
    {
        var random = SplitMix64(state: seed)
        func placement() -> Double { exp((Double(random.next() >> 11) / Double(1 << 53) * 2 - 1) * noise) }
        let cases = Battery.cases(.quick).prefix(40).map { testCase in
            let base = 50 + Double(testCase.id.utf8.count)
            let baseline = (0..<replicates).map { _ in base * placement() }
            let candidate = (0..<replicates).map { _ in base * slowdown(testCase) * placement() }
            return PairedMeasurement.Case(id: testCase.id, kernel: testCase.kernel.rawValue, baseline: baseline, candidate: candidate)
        }
        let measured = PairedMeasurement(
            replicates: replicates, warmup: 1, iterations: 3, minTimeMilliseconds: 1, baselineLibrary: "a.so", baselineSHA256: "a",
            candidateLibrary: "b.so", candidateSHA256: "b", seconds: 1, cases: cases)
        return (measured, Set(cases.map(\.id)))
    }

    @Test func identicalLibrariesRaiseNoFindingOverTwentySeeds() {
        for seed in 1...20 {
            let (measured, ids) = measurement(seed: UInt64(seed))
            let judged = PairedLatency.judge(measured, comparable: ids, policy: GatePolicy())
            #expect(judged.findings.isEmpty, "seed \(seed): \(judged.findings)")
        }
    }

    @Test func aFamilyTwiceAsSlowIsCaughtAsAFamilyAndCaseByCase() throws {
        let family = try #require(Battery.cases(.quick).prefix(40).map(\.kernel).first)
        let (measured, ids) = measurement { $0.kernel == family ? 2 : 1 }
        let judged = PairedLatency.judge(measured, comparable: ids, policy: GatePolicy(latencyFloorMicroseconds: 0))
        #expect(judged.findings.contains { $0.subject == "kernel \(family.rawValue)" }, "\(judged.findings)")
        let slowed = Set(measured.cases.filter { $0.kernel == family.rawValue }.map(\.id))
        let flaggedCases = Set(judged.findings.map(\.subject).filter { !$0.hasPrefix("kernel ") })
        #expect(flaggedCases.isSubset(of: slowed))
        #expect(!flaggedCases.isEmpty)
        #expect(!judged.findings.contains { $0.subject == "battery" })
        #expect(judged.summary.method == .paired)
    }

    @Test func aUniformSlowdownOf15PercentIsCaughtByTheBatteryTest() {
        let (measured, ids) = measurement(noise: 0.05) { _ in 1.15 }
        let judged = PairedLatency.judge(measured, comparable: ids, policy: GatePolicy())
        let battery = judged.findings.first { $0.subject == "battery" }
        #expect(battery?.kind == .latencyRegression, "\(judged.findings)")
        #expect(judged.summary.battery.ratio > 1.1 && judged.summary.battery.ratio < 1.2)
        #expect(judged.summary.battery.limit < 1.15)
    }

    @Test func theLimitsWidenWithTheNoise() {
        let quiet = PairedLatency.judge(measurement(noise: 0.02).0, comparable: measurement().1, policy: GatePolicy()).summary
        let noisy = PairedLatency.judge(measurement(noise: 0.6).0, comparable: measurement().1, policy: GatePolicy()).summary
        #expect(quiet.battery.limit == 1.05)
        #expect(noisy.battery.limit > quiet.battery.limit)
        #expect((noisy.medianCaseLimit ?? 0) > (quiet.medianCaseLimit ?? 0))
        #expect(noisy.power.hasPrefix("smallest detectable slowdown: "))
        #expect(noisy.power.contains("measured side by side, 6 worker processes per side"))
    }

    @Test func onlyCasesThatLookSlowerAreConfirmed() throws {
        let (clean, _) = measurement()
        let lone = try #require(clean.cases.dropFirst(5).first)
        let (slowed, _) = measurement { $0.id == lone.id ? 3 : 1 }
        #expect(PairedLatency.suspects(slowed.cases, limit: 24).contains(lone.id))
        #expect(PairedLatency.suspects(slowed.cases, limit: 24).count < 6)
        #expect(PairedLatency.suspects(slowed.cases, limit: 0).isEmpty)
    }

    @Test func confirmationPairsWidenACaseTestButNotTheFamilyOrBatteryTests() throws {
        var (measured, ids) = measurement(noise: 0.5) { $0.id == Battery.cases(.quick)[5].id ? 2.5 : 1 }
        let id = Battery.cases(.quick)[5].id
        let before = PairedLatency.judge(measured, comparable: ids, policy: GatePolicy(latencyFloorMicroseconds: 0)).summary
        let index = try #require(measured.cases.firstIndex { $0.id == id })
        var random = SplitMix64(state: 9)
        for _ in 0..<12 {
            let placement = { exp((Double(random.next() >> 11) / Double(1 << 53) * 2 - 1) * 0.5) }
            measured.cases[index].baseline.append(60 * placement())
            measured.cases[index].candidate.append(60 * 2.5 * placement())
        }
        (measured.confirmations, measured.confirmed) = (12, [id])
        let judged = PairedLatency.judge(measured, comparable: ids, policy: GatePolicy(latencyFloorMicroseconds: 0))
        let row = try #require(judged.summary.cases.first { $0.subject == id })
        let old = try #require(before.cases.first { $0.subject == id })
        #expect(row.limit < old.limit)
        #expect(judged.summary.battery == before.battery)
        #expect(judged.summary.rule.hasSuffix("were timed in 12 more fresh process pairs; their tests use every pair."))
    }

    /// A 3× family measured in 4 replicates of which one pair is wild (a loaded host) is not
    /// significant as a family on 3 degrees of freedom; once the first pass has had every member
    /// timed again in 8 more shared process pairs, the family's test uses all 12.
    @Test func aFamilyWhoseCasesWereAllConfirmedIsJudgedOnEveryPairTheyShare() throws {
        let family = try #require(Battery.cases(.quick).prefix(40).map(\.kernel).first)
        var (measured, ids) = measurement(replicates: 4, noise: 0.05) { $0.kernel == family ? 3 : 1 }
        let members = measured.cases.indices.filter { measured.cases[$0].kernel == family.rawValue }
        // Replicate 2: the candidate's process happened to sit well, the baseline's badly.
        for index in members { measured.cases[index].baseline[2] *= 2.9 }
        let policy = GatePolicy(latencyFloorMicroseconds: 0)
        let before = PairedLatency.judge(measured, comparable: ids, policy: policy)
        #expect(!before.findings.contains { $0.subject == "kernel \(family.rawValue)" }, "\(before.findings)")

        var random = SplitMix64(state: 5)
        func placement() -> Double { exp((Double(random.next() >> 11) / Double(1 << 53) * 2 - 1) * 0.05) }
        for _ in 0..<8 {
            for index in members {
                measured.cases[index].baseline.append(60 * placement())
                measured.cases[index].candidate.append(60 * 3 * placement())
            }
        }
        (measured.confirmations, measured.confirmed) = (8, members.map { measured.cases[$0].id })
        let after = PairedLatency.judge(measured, comparable: ids, policy: policy)
        let finding = try #require(after.findings.first { $0.subject == "kernel \(family.rawValue)" }, "\(after.findings)")
        #expect(finding.detail.contains("over 12 process pairs side by side"), "\(finding.detail)")
        #expect(after.summary.battery == before.summary.battery)
    }

    @Test func tooFewReplicatePairsAreNotComparedAndSaySo() {
        var (measured, ids) = measurement()
        measured.cases[0].baseline = Array(measured.cases[0].baseline.prefix(2))
        measured.cases[0].candidate = Array(measured.cases[0].candidate.prefix(2))
        let summary = PairedLatency.judge(measured, comparable: ids, policy: GatePolicy()).summary
        #expect(summary.notCompared[measured.cases[0].id] == "2 of 6 replicate pairs measured; a test needs 3")
        #expect(!summary.cases.contains { $0.subject == measured.cases[0].id })
        // A case short of a replicate joins neither its family's nor the battery's test.
        for index in measured.cases.indices {
            measured.cases[index].baseline.removeLast()
            measured.cases[index].candidate.removeLast()
        }
        let none = PairedLatency.judge(measured, comparable: ids, policy: GatePolicy()).summary
        #expect(none.battery.limit == LatencySummary.untestable)
        #expect(none.families.isEmpty)
    }
}

@Suite struct GateDecidingTests {
    @Test(arguments: [
        ([GateFinding.Kind.levelLowered, .newFailure], GateFinding.Kind.newFailure),
        ([.levelLowered, .tierLost, .supportLost], .supportLost),
        ([.supportLost, .newFailure], .newFailure),
        ([.levelLowered, .tierLost, .latencyRegression], .levelLowered),
        ([.tierLost, .errorGrowth], .tierLost),
        ([.errorGrowth, .latencyRegression], .errorGrowth),
        ([.latencyRegression, .flake, .notJudged], .latencyRegression),
    ])
    func theMostSpecificFindingDecides(_ kinds: [GateFinding.Kind], _ deciding: GateFinding.Kind) {
        #expect(Gate.deciding(kinds.map { GateFinding($0, "x", "y") }) == deciding)
    }

    @Test func notesNeverDecide() {
        #expect(Gate.deciding([.unexpectedPass, .expectedFailure, .flake, .skipped, .notJudged].map { GateFinding($0, "x", "y") }) == nil)
    }
}

@Suite struct GateLatencyRenderingTests {
    func verdict(_ latency: LatencySummary?, findings: [GateFinding] = []) -> GateVerdict {
        let record = GateReportRecord(envelope: "r/report.dsse.json", sha256: "00", level: "L2 Validated", backend: "cpu 1.0.0", signer: "CN=x")
        return GateVerdict(
            baseline: record, candidate: record, policy: GatePolicy(), expectations: nil, rerun: true, findings: findings, latency: latency)
    }

    @Test func theMarkdownFooterStatesTheRuleThatDecidedAndTheLimits() {
        let tests = PairedLatencyTests()
        let (measured, ids) = tests.measurement()
        let summary = PairedLatency.judge(measured, comparable: ids, policy: GatePolicy()).summary
        let markdown = GateRenderer.markdown(verdict(summary))
        #expect(markdown.contains(String(format: "**Latency** (interleaved-a-b): smallest detectable slowdown: %.2f× for every kernel at once", summary.battery.limit)))
        #expect(markdown.contains("latency: interleaved A/B, 6 fresh worker processes per side alternating; one-sided paired t tests"))
        #expect(markdown.contains("| `battery` | - | - | "))
        #expect(markdown.contains("new-failure 32, support-lost 33, level-lowered 30, tier-lost 31, error-growth 34, latency-regression 35"))
        #expect(!markdown.contains("p50 up by more than 10% and 10 µs."))
        let table = GateRenderer.table(verdict(summary))
        #expect(table.contains("latency  interleaved-a-b: smallest detectable slowdown: "))
        #expect(table.contains("\n\(measured.cases[0].id) "))
        let junit = GateRenderer.junit(verdict(summary))
        #expect(junit.contains(String(format: "<property name=\"latency.battery.limit\" value=\"%.3f\"/>", summary.battery.limit)))
        #expect(junit.contains("<testcase classname=\"gate.latency\" name=\"latency \(measured.cases[0].id)\">"))
    }

    @Test func theFallbackStatesItsWeakerPower() {
        let (_, latency) = Gate.evaluate(
            baseline: battery(), candidate: battery(), policy: GatePolicy(), fallbackReason: "the baseline library is gone")
        let summary = try! #require(latency)
        #expect(summary.method == .reports)
        #expect(summary.battery.limit == 2)
        #expect(summary.power.hasPrefix("smallest detectable slowdown: 2.00× for every kernel at once, "))
        #expect(summary.power.contains("report against report: each side is one worker process at a different time"))
        #expect(summary.power.hasSuffix("(not measured side by side: the baseline library is gone)"))
        #expect(GateRenderer.markdown(verdict(summary)).contains("latency: report against report; a case when one-sided Mann–Whitney U"))
    }

    @Test func theHeadlineNamesTheDecidingFindingAndItsExitStatus() {
        let findings = [GateFinding(.levelLowered, "level", "fell"), GateFinding(.newFailure, "a", "fails")]
        #expect(GateRenderer.table(verdict(nil, findings: findings)).hasSuffix("GATE FAILED: 2 regressions, exit 32: new-failure decides\n"))
    }
}
