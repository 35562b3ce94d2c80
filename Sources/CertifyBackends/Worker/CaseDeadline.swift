import CertifyBattery

/// How long a worker may take over one case before the supervisor kills it.
package enum CaseDeadline {
    /// No case gets less: process start-up, page faults and a loaded host all fit in it.
    package static let floorSeconds = 5.0
    /// A rate any host reaches with the plainest scalar code, so a slow but honest backend is never
    /// mistaken for a hung one.
    package static let conservativeFlopsPerSecond = 1e8
    package static let conservativeBytesPerSecond = 1e8

    /// The deadline of one request for `runs` independent runs of `testCase`: a deadline for the
    /// timed run (its first call, warm-up and the `iterations` after it) and one for each further
    /// run (a prepare and one execute). A run's deadline is `override` (the profile's
    /// `latency.case_timeout_s`) when given; otherwise twice the time its executions and its
    /// buffers' setup take at the conservative rates, and at least `floorSeconds`.
    ///
    /// The setup is each tensor's bytes twice (allocated, then uploaded or read back), apart from
    /// what an execute moves: an embedding gather moves 2 MB of a 1 GB table (the full suite's
    /// 65024×4096 fp32), and a deadline from its executions alone killed the reference backend
    /// while it was still allocating and uploading that table.
    package static func seconds(
        for testCase: BatteryCase, warmup: Int, iterations: Int, runs: Int = 1, override: Double?
    ) -> Double {
        let perExecution = testCase.flops / conservativeFlopsPerSecond + Double(testCase.bytes) / conservativeBytesPerSecond
        let setup = 2 * Double(testCase.tensorBytes) / conservativeBytesPerSecond
        func run(executions: Int) -> Double { override ?? max(floorSeconds, 2 * (Double(executions) * perExecution + setup)) }
        return run(executions: 1 + warmup + iterations) + Double(max(runs, 1) - 1) * run(executions: 1)
    }
}
