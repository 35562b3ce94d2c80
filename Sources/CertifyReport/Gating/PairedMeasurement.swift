/// Latency of the baseline and the candidate library measured side by side on one host: fresh
/// worker processes of each, alternated, several per side, every case timed in every one.
///
/// The unit of replication is the worker process, not the timed call: on a shared host a
/// process's memory placement moves a kernel's median by up to 2–5× for that process's whole
/// life, while the calls inside one process agree to a few per cent. So a case contributes one
/// median per process, and the replicates' pairs are what the gate tests.
package struct PairedMeasurement: Sendable, Codable, Equatable {
    /// One case: per replicate, the median of each side's timed loop, microseconds. Replicate `r`
    /// of each side ran back to back (alternating which went first), so its pair shares the
    /// host's load of that moment.
    package struct Case: Sendable, Codable, Equatable {
        package var id: String
        /// The kernel, which names the family the case belongs to.
        package var kernel: String
        package var baseline: [Double]
        package var candidate: [Double]

        package init(id: String, kernel: String, baseline: [Double], candidate: [Double]) {
            precondition(baseline.count == candidate.count, "a paired case needs one baseline median per candidate median")
            (self.id, self.kernel, self.baseline, self.candidate) = (id, kernel, baseline, candidate)
        }
    }

    /// Worker processes per side.
    package var replicates: Int
    /// Untimed executions, then at least `iterations` timed ones and `minTimeMilliseconds` of timed loop, per case and process.
    package var warmup: Int
    package var iterations: Int
    package var minTimeMilliseconds: Double
    /// The baseline's library as it was loaded, and its SHA-256.
    package var baselineLibrary: String
    package var baselineSHA256: String
    package var candidateLibrary: String
    package var candidateSHA256: String
    /// Wall time of the whole measurement, seconds.
    package var seconds: Double
    /// Each case's first `replicates` pairs come from the processes every case shared; the
    /// `confirmed` cases have `confirmations` more pairs, each from a fresh pair of processes.
    package var cases: [Case]
    package var confirmations: Int
    package var confirmed: [String]

    package init(
        replicates: Int, warmup: Int, iterations: Int, minTimeMilliseconds: Double, baselineLibrary: String,
        baselineSHA256: String, candidateLibrary: String, candidateSHA256: String, seconds: Double, cases: [Case],
        confirmations: Int = 0, confirmed: [String] = []
    ) {
        (self.confirmations, self.confirmed) = (confirmations, confirmed)
        (self.replicates, self.warmup, self.iterations, self.minTimeMilliseconds) = (replicates, warmup, iterations, minTimeMilliseconds)
        (self.baselineLibrary, self.baselineSHA256) = (baselineLibrary, baselineSHA256)
        (self.candidateLibrary, self.candidateSHA256) = (candidateLibrary, candidateSHA256)
        (self.seconds, self.cases) = (seconds, cases)
    }
}
