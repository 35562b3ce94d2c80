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

    package init(replicates: Int) {
        self.replicates = replicates
    }

    /// Times `cases` on `baseline` and `candidate` with `plan`'s seed and cache policy and
    /// `profile`'s case deadline; workers log to `folder`. `progress` hears each case as it starts
    /// (index, total, id) and `note` what went wrong on the way. Stops at SIGINT or SIGTERM.
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
            if let signal = Interruption.signal {
                throw Failure(
                    signal == SIGTERM ? .terminated : .interrupted,
                    "the A/B measurement was interrupted by \(SignalName.of(signal)); the report was written, the gate did not run")
            }
            progress(index, cases.count, testCase.id)
            let memoryBound =
                plan.peaks?.isMemoryBound(flops: testCase.flops, bytes: testCase.bytes, type: testCase.floatType)
                ?? (testCase.flops == 0)
            let request = ExecutionRequest(
                testCase: testCase, inputs: testCase.encodedInputs(seed: plan.seed).bytes,
                outputByteCounts: zip(testCase.outputTypes, testCase.outputCounts).map { $0.byteCount($1) },
                warmup: warmup, iterations: iterations, minTimeNanoseconds: minTimeNanoseconds,
                flushCaches: plan.coldCache && memoryBound)
            var old: [Double] = []
            var new: [Double] = []
            for replicate in 0..<replicates {
                let order = replicate % 2 == 0 ? [baselines[replicate], candidates[replicate]] : [candidates[replicate], baselines[replicate]]
                var medians: [Double] = []
                for session in order {
                    do {
                        let outcome = try session.execute(request)
                        medians.append(LatencyStatistics(samples: outcome.deviceSamples ?? outcome.hostSamples).p50Microseconds)
                    } catch {
                        note("warning: A/B replicate \(replicate + 1) of \(testCase.id) was not measured: \(error.message)")
                        break
                    }
                }
                guard medians.count == 2 else { continue }
                let (b, c) = replicate % 2 == 0 ? (medians[0], medians[1]) : (medians[1], medians[0])
                old.append(b)
                new.append(c)
            }
            measured.append(PairedMeasurement.Case(id: testCase.id, kernel: testCase.kernel.rawValue, baseline: old, candidate: new))
        }
        return PairedMeasurement(
            replicates: replicates, warmup: warmup, iterations: iterations, minTimeMilliseconds: Double(minTimeNanoseconds) / 1e6,
            baselineLibrary: baseline.path, baselineSHA256: baseline.sha256, candidateLibrary: candidate.path,
            candidateSHA256: candidate.sha256, seconds: Double(Clock.nanoseconds() - started) / 1e9, cases: measured)
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
