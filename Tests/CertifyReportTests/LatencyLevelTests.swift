import CertifyBattery
import CertifyProfiles
import Testing

@testable import CertifyReport

/// Every quick case passing, stable, within budgets, soaked: an L3 run to break one thing at a time.
private func cleanRun() -> [CaseResult] {
    Battery.cases(.quick).map { testCase in
        var result = CaseResult(testCase: testCase, outcome: .passed, tolerance: "t")
        result.standardRatio = 0.1
        result.functionalRatio = 0.1
        result.repeatability = Repeatability(runs: 3, maxDifferenceRatio: 0, bitwiseIdentical: true)
        result.latency = LatencyFigures(
            clock: .hostMonotonic, warmup: 1, samples: [20_000, 20_100, 20_200, 20_300], firstCallNanoseconds: 50_000,
            budgetP50Microseconds: 100, budgetP99Microseconds: 200)
        result.soakRuns = 5
        result.soakMismatches = 0
        return result
    }
}

private let fullContext = LevelContext(backendPinned: true, memorySafetyChecked: true, soakCompleted: true)

@Suite struct LatencyStatisticsTests {
    @Test func knownSampleGivesTextbookFigures() {
        let s = LatencyStatistics(samples: [5000, 1000, 4000, 2000, 3000])
        #expect(s.count == 5)
        #expect(s.minMicroseconds == 1)
        #expect(s.p50Microseconds == 3)
        #expect(s.p90Microseconds == 5)
        #expect(s.p99Microseconds == 5)
        #expect(s.maxMicroseconds == 5)
        #expect(s.meanMicroseconds == 3)
        // Sample standard deviation of 1…5 is √2.5.
        #expect(abs(s.standardDeviationMicroseconds - 2.5.squareRoot()) < 1e-12)
        #expect(abs(s.coefficientOfVariation - 2.5.squareRoot() / 3) < 1e-12)
        // IQR by nearest rank is 4 − 2.
        #expect(abs(s.robustCoefficientOfVariation - 2 / 1.349 / 3) < 1e-12)
    }

    @Test func nearestRankPercentilesOfAHundredSamples() {
        let s = LatencyStatistics(samples: (1...100).map { UInt64($0) * 1000 })
        #expect(s.p50Microseconds == 50)
        #expect(s.p90Microseconds == 90)
        #expect(s.p99Microseconds == 99)
    }

    @Test func singleSampleHasNoSpread() {
        let s = LatencyStatistics(samples: [7000])
        #expect(s.standardDeviationMicroseconds == 0)
        #expect(s.coefficientOfVariation == 0)
    }

    @Test func noisyCaseBelowTheClockFloorIsNotUnstable() {
        let fast = LatencyFigures(
            clock: .hostMonotonic, warmup: 0, samples: [100, 500, 900, 1300], firstCallNanoseconds: 0,
            budgetP50Microseconds: nil, budgetP99Microseconds: nil)
        #expect(!fast.unstable)
    }

    @Test func throughputAndMemoryBoundFollowTheRidgePoint() throws {
        // 1 TFLOP/s over 100 GB/s: the ridge is 10 FLOP per byte.
        let peaks = PeakRates(tflops: [.fp32: 1], bandwidthGBps: 100)
        #expect(peaks.isMemoryBound(flops: 0, bytes: 100, type: .fp32))
        #expect(peaks.isMemoryBound(flops: 999, bytes: 100, type: .fp32))
        #expect(!peaks.isMemoryBound(flops: 1000, bytes: 100, type: .fp32))
        let compute = try #require(peaks.throughput(flops: 2e9, bytes: 1000, type: .fp32, p50Microseconds: 10_000))
        #expect(compute.unit == .gflops)
        #expect(abs(compute.value - 200) < 1e-9)
        #expect(abs(compute.utilisation! - 0.2) < 1e-12)
        let memory = try #require(peaks.throughput(flops: 0, bytes: 1_000_000, type: .fp32, p50Microseconds: 100))
        #expect(memory.unit == .gbps)
        #expect(abs(memory.value - 10) < 1e-9)
        #expect(abs(memory.utilisation! - 0.1) < 1e-12)
    }
}

@Suite struct LatencyLevelTests {
    @Test func cleanRunReachesL3() {
        #expect(LevelPolicy.assess(cleanRun(), context: fullContext).level == 3)
    }

    @Test func unstableCaseCannotMeetItsBudget() {
        var results = cleanRun()
        results[0].latency = LatencyFigures(
            clock: .hostMonotonic, warmup: 1, samples: [10_000, 20_000, 30_000, 40_000, 50_000], firstCallNanoseconds: 0,
            budgetP50Microseconds: 100, budgetP99Microseconds: 200, remeasured: true)
        let assessment = LevelPolicy.assess(results, context: fullContext)
        #expect(assessment.level == 1)
        let id = results[0].id
        #expect(
            assessment.gaps[0].reasons == [
                "\(id) latency is unstable (robust CV 0.494 above 0.1 after a re-measurement), so it cannot meet its p50 budget"
            ])
        #expect(
            assessment.gaps[1].reasons == [
                "\(id) latency is unstable (robust CV 0.494 above 0.1 after a re-measurement), so it cannot meet its p99 budget"
            ])
    }

    @Test func tierPercentileHoldsP99AtL2() {
        var results = cleanRun()
        results[1].latency = LatencyFigures(
            clock: .hostMonotonic, warmup: 1, samples: Array(repeating: 20_000, count: 98) + [300_000, 300_000],
            firstCallNanoseconds: 0, budgetP50Microseconds: 100, budgetP99Microseconds: 200)
        #expect(LevelPolicy.assess(results, context: fullContext).gaps.map(\.level) == [3])
        let p99 = LevelPolicy.assess(results, context: fullContext, percentile: .p99)
        #expect(p99.level == 1)
        #expect(p99.gaps[0].reasons == ["\(results[1].id) p99 300.0 µs exceeds its budget of 200.0 µs"])
    }

    @Test func soakMismatchBlocksL3() {
        var results = cleanRun()
        results[2].soakMismatches = 2
        results[2].repeatability?.bitwiseIdentical = false
        let assessment = LevelPolicy.assess(results, context: fullContext)
        #expect(assessment.level == 2)
        #expect(
            assessment.gaps[0].reasons == [
                "repeated runs are not bitwise identical for \(results[2].id)",
                "\(results[2].id) differed bitwise from its first execute in 2 of 5 soak executions",
            ])
    }

    @Test func noSoakIsNamed() {
        let context = LevelContext(backendPinned: true, memorySafetyChecked: true, soakCompleted: false)
        #expect(
            LevelPolicy.assess(cleanRun(), context: context).gaps[0].reasons == [
                "no soak was run: run with --soak N (or a tier with a soak key) to repeat every case N extra times"
            ])
    }
}

@Suite struct ExplanationTests {
    @Test func namesExactlyTheCasesAndRequirementsPerLevel() {
        var results = cleanRun()
        let rope = results.indices.filter { results[$0].kernel == .rope }
        for i in rope {
            results[i].standardRatio = 3
            results[i].outcome = .failed
        }
        var statement = syntheticStatement()
        statement.predicate.cases = results
        statement.predicate.levelContext = LevelContext(backendPinned: false, memorySafetyChecked: true, soakCompleted: true)
        statement.predicate.tiers = []
        let ropeIDs = rope.map { results[$0].id }
        let explanation = Explanation(statement.predicate)
        #expect(explanation.targets.map(\.title) == ["L2 Validated", "L3 Critical"])
        #expect(explanation.targets[0].cases == ropeIDs)
        #expect(explanation.targets[0].requirements == [])
        #expect(explanation.targets[1].cases == ropeIDs)
        #expect(
            explanation.targets[1].requirements == [
                "the chip profile does not pin the backend library's SHA-256 (backend.sha256)"
            ])
        let text = explanation.render()
        #expect(
            text.hasPrefix(
                "To reach L2 Validated:\n  fix \(ropeIDs.count) cases:\n" + ropeIDs.map { "    \($0): is outside the standard tolerance (worst element at 3× its bound)\n" }.joined()
                    + "To reach L3 Critical:\n"))
    }

    @Test func caseIDsMatchAsWholeWords() {
        #expect(Explanation.mentions("gemm.fp32.a is outside", "gemm.fp32.a"))
        #expect(!Explanation.mentions("gemm.fp32.ab is outside", "gemm.fp32.a"))
        #expect(Explanation.mentions("for x.y, gemm.fp32.a", "gemm.fp32.a"))
    }
}
