import CertifyBattery

extension LatencyFigures {
    /// How an unstable latency was unstable, for reasons and notes: "robust CV above 0.1 in all 3
    /// attempts, 0.494 in the one kept", or for a report that did not record its attempts
    /// "robust CV 0.494 above 0.1 after a re-measurement".
    var instability: String {
        let cv = Format.number(statistics.robustCoefficientOfVariation)
        let threshold = Format.number(cvThreshold)
        if let attempts {
            let every = attempts.count == 2 ? "both attempts" : "all \(attempts.count) attempts"
            return "robust CV above \(threshold) in \(every), \(cv) in the one kept"
        }
        return "robust CV \(cv) above \(threshold)\(remeasured ? " after a re-measurement" : "")"
    }
}
