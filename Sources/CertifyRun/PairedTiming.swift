import CertifyBackends
import CertifyBase
import CertifyBattery
import CertifyProfiles
import CertifyReport
import Foundation

/// A backend library to time, and what to create it with.
package struct TimedLibrary: Sendable {
    package var path: String
    package var sha256: String
    package var options: [BackendOption]

    package init(path: String, sha256: String, options: [BackendOption]) {
        (self.path, self.sha256, self.options) = (path, sha256, options)
    }
}

/// Times a baseline and a candidate library side by side (the gate's A/B measurement): `replicates`
/// fresh worker processes of each stay open for the whole measurement, and every case is timed in
/// each of them, the two processes of a replicate back to back (baseline first in even replicates,
/// candidate first in odd ones), before the next case. Timing only: the candidate's certification
/// run already judged every output, so nothing here calls the oracle.
package struct PairedTiming: Sendable {
    /// Worker processes per side.
    package var replicates: Int
    /// Per case and process: untimed executions, then timed ones until both `iterations` calls and
    /// `minTimeNanoseconds` of timed loop. A process's median is pinned down by a few calls; its
    /// placement is not, which is why the processes, not the calls, are many.
    package var warmup = 1
    package var iterations = 3
    package var minTimeNanoseconds: UInt64 = 1_000_000
    /// Fresh process pairs that time again the cases the first pass suggests are slower, and at
    /// most how many such cases (the most significant first; more is a family's or the
    /// battery's slowdown, which their own tests see).
    package var confirmations: Int
    package var maxConfirmedCases = 24

    package init(replicates: Int, confirmations: Int? = nil) {
        self.replicates = replicates
        self.confirmations = confirmations ?? 2 * replicates
    }

    /// Times `cases` on `baseline` and `candidate` with `plan`'s seed and cache policy and
    /// `profile`'s case deadline; workers log to `folder`. `progress` hears each case as it starts
    /// (index, total, id) and `note` what went wrong on the way. Stops at SIGINT or SIGTERM.
    ///
    /// Then the confirmation stage: the cases the first pass suggests are slower
    /// (`PairedLatency.suspects`) are timed in `confirmations` more fresh pairs of processes, one
    /// pair at a time. A lone slowed case is what the first pass's few replicates see worst (its
    /// test is corrected over every case); a few cases cost little to time many more times.
    package func measure(
        _ cases: [BatteryCase], plan: RunPlan, profile: ChipProfile, baseline: TimedLibrary, candidate: TimedLibrary,
        folder: URL, progress: (Int, Int, String) -> Void, note: (String) -> Void
    ) throws(Failure) -> PairedMeasurement {
        let started = Clock.nanoseconds()
        // Opened in turn, so that neither side's processes are all the early (or late) ones.
        var baselines: [any BackendSession] = []
        var candidates: [any BackendSession] = []
        for _ in 0..<replicates {
            baselines.append(try Self.open(baseline, "baseline", profile: profile, folder: folder))
            candidates.append(try Self.open(candidate, "candidate", profile: profile, folder: folder))
        }
        defer {
            for session in baselines + candidates { (session as? WorkerSession)?.stop() }
        }

        var measured: [PairedMeasurement.Case] = []
        for (index, testCase) in cases.enumerated() {
            try Self.checkInterruption()
            progress(index, cases.count, testCase.id)
            let request = self.request(testCase, plan: plan)
            var old: [Double] = []
            var new: [Double] = []
            for replicate in 0..<replicates {
                guard let (b, c) = Self.pair(request, baselines[replicate], candidates[replicate], baselineFirst: replicate % 2 == 0, note: {
                    note("warning: A/B replicate \(replicate + 1) of \(testCase.id) was not measured: \($0)")
                }) else { continue }
                old.append(b)
                new.append(c)
            }
            measured.append(PairedMeasurement.Case(id: testCase.id, kernel: testCase.kernel.rawValue, baseline: old, candidate: new))
        }
        for session in baselines + candidates { (session as? WorkerSession)?.stop() }
        (baselines, candidates) = ([], [])

        let suspects = PairedLatency.suspects(measured, limit: maxConfirmedCases)
        let confirmed = cases.filter { suspects.contains($0.id) }
        if confirmations > 0 && !confirmed.isEmpty {
            let index = Dictionary(uniqueKeysWithValues: measured.enumerated().map { ($1.id, $0) })
            let requests = confirmed.map { request($0, plan: plan) }
            for pair in 0..<confirmations {
                try Self.checkInterruption()
                progress(pair, confirmations, "confirming \(confirmed.count) case\(confirmed.count == 1 ? "" : "s")")
                let b = try Self.open(baseline, "baseline", profile: profile, folder: folder)
                let c: any BackendSession
                do {
                    c = try Self.open(candidate, "candidate", profile: profile, folder: folder)
                } catch {
                    (b as? WorkerSession)?.stop()
                    throw error
                }
                for (testCase, request) in zip(confirmed, requests) {
                    guard let at = index[testCase.id],
                        let (old, new) = Self.pair(request, b, c, baselineFirst: pair % 2 == 0, note: {
                            note("warning: A/B confirmation \(pair + 1) of \(testCase.id) was not measured: \($0)")
                        })
                    else { continue }
                    measured[at].baseline.append(old)
                    measured[at].candidate.append(new)
                }
                (b as? WorkerSession)?.stop()
                (c as? WorkerSession)?.stop()
            }
        }
        return PairedMeasurement(
            replicates: replicates, warmup: warmup, iterations: iterations, minTimeMilliseconds: Double(minTimeNanoseconds) / 1e6,
            baselineLibrary: baseline.path, baselineSHA256: baseline.sha256, candidateLibrary: candidate.path,
            candidateSHA256: candidate.sha256, seconds: Double(Clock.nanoseconds() - started) / 1e9, cases: measured,
            confirmations: confirmed.isEmpty ? 0 : confirmations, confirmed: confirmed.map(\.id))
    }

    private func request(_ testCase: BatteryCase, plan: RunPlan) -> ExecutionRequest {
        let memoryBound =
            plan.peaks?.isMemoryBound(flops: testCase.flops, bytes: testCase.bytes, type: testCase.floatType)
            ?? (testCase.flops == 0)
        return ExecutionRequest(
            testCase: testCase, inputs: testCase.encodedInputs(seed: plan.seed).bytes,
            outputByteCounts: zip(testCase.outputTypes, testCase.outputCounts).map { $0.byteCount($1) },
            warmup: warmup, iterations: iterations, minTimeNanoseconds: minTimeNanoseconds,
            flushCaches: plan.coldCache && memoryBound)
    }

    /// The median of one timed loop in each session, back to back in the order given; nil (and
    /// `note` hears why) when either failed.
    private static func pair(
        _ request: ExecutionRequest, _ baseline: any BackendSession, _ candidate: any BackendSession, baselineFirst: Bool,
        note: (String) -> Void
    ) -> (Double, Double)? {
        var medians: [Double] = []
        for session in baselineFirst ? [baseline, candidate] : [candidate, baseline] {
            do {
                let outcome = try session.execute(request)
                medians.append(LatencyStatistics(samples: outcome.deviceSamples ?? outcome.hostSamples).p50Microseconds)
            } catch {
                note(error.message)
                return nil
            }
        }
        return baselineFirst ? (medians[0], medians[1]) : (medians[1], medians[0])
    }

    private static func checkInterruption() throws(Failure) {
        if let signal = Interruption.signal {
            throw Failure(
                signal == SIGTERM ? .terminated : .interrupted,
                "the A/B measurement was interrupted by \(SignalName.of(signal)); the report was written, the gate did not run")
        }
    }

    private static func open(_ library: TimedLibrary, _ side: String, profile: ChipProfile, folder: URL) throws(Failure) -> any BackendSession {
        var spec = profile
        (spec.backend.sha256, spec.backend.options) = (library.sha256, library.options)
        do {
            return try SessionFactory.open(
                library: library.path, profile: spec, isolation: .worker,
                logPath: folder.appendingPathComponent("ab-\(side).log").path, maxConsecutiveCrashes: 3)
        } catch {
            throw Failure(.backendUnavailable, "cannot start the \(side) library '\(library.path)' for the A/B measurement: \(error.message)")
        }
    }
}
