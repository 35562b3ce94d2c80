import CertifyBattery

/// How long a worker may take over one case before the supervisor kills it.
package enum CaseDeadline {
    /// No case gets less: process start-up, page faults and a loaded host all fit in it.
    package static let floorSeconds = 5.0
    /// A rate any host reaches with the plainest scalar code, so a slow but honest backend is never
    /// mistaken for a hung one.
    package static let conservativeFlopsPerSecond = 1e8
    package static let conservativeBytesPerSecond = 1e8

    /// `override` (the profile's `latency.case_timeout_s`) when given; otherwise twice the time
    /// every execution of the case (first call, warm-up, timed loop) takes at the conservative
    /// rates, and at least `floorSeconds`.
    package static func seconds(for testCase: BatteryCase, warmup: Int, iterations: Int, override: Double?) -> Double {
        if let override { return override }
        let executions = Double(1 + warmup + iterations)
        let perExecution = testCase.flops / conservativeFlopsPerSecond + Double(testCase.bytes) / conservativeBytesPerSecond
        return max(floorSeconds, 2 * executions * perExecution)
    }
}
