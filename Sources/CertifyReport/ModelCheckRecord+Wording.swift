import CertifyBattery

/// The model-level check in words, for the level's reasons, the terminal and the report pages.
extension ModelCheckRecord {
    /// Why the check falls short with every limit scaled by `scale` (a tier may tighten), or nil
    /// when it passes: the first step over a limit, with its top-1 tokens and divergence.
    package func shortfall(scale: Double = 1) -> String? {
        guard outcome == .passed || outcome == .failed, let logitLimit, let klLimit else {
            return "the model-level check \(outcomeWords): \(message ?? "no details")"
        }
        let (logits, kl) = (logitLimit * scale, klLimit * scale * scale)
        for step in steps {
            let within = step.maxLogitError <= logits && step.klDivergence <= kl
            let flipped = step.backendToken != step.expectedToken && step.margin > 2 * logits
            guard !within || flipped else { continue }
            var what = "at position \(step.position) (\(step.step == 0 ? "prefill" : "decode step \(step.step)"))"
            if step.backendToken != step.expectedToken {
                what += " the backend's top-1 token is \(step.backendToken) where the model's is \(step.expectedToken) (lead \(Format.number(step.margin)))"
            } else {
                what += " the top-1 token agrees (\(step.expectedToken))"
            }
            what += "; worst logit error \(Format.number(step.maxLogitError)) (limit \(Format.number(logits))), KL divergence \(Format.number(step.klDivergence)) (limit \(Format.number(kl)))"
            return "the model-level check failed \(what)"
        }
        return nil
    }

    private var outcomeWords: String {
        switch outcome {
        case .unsupported: "could not run"
        case .crashed: "crashed the backend"
        case .timedOut: "hung the backend"
        case .notRun: "was not run"
        default: "failed to run"
        }
    }

    /// One line for the terminal and the report pages: the outcome, what ran, and the figures.
    package var headline: String {
        let what = "a GLM decoder in \(type?.rawValue ?? "no dtype") (\(shape.summary))"
        guard outcome == .passed || outcome == .failed, let logitLimit, let klLimit else {
            return "model-level check: \(outcome.rawValue), \(what): \(message ?? "no details")"
        }
        // The worst figure of the steps; NaN when any is (a logit that is not finite).
        func worst(_ figures: [Double]) -> Double { figures.contains(where: \.isNaN) ? .nan : figures.max() ?? 0 }
        let (worstLogit, worstKL) = (worst(steps.map(\.maxLogitError)), worst(steps.map(\.klDivergence)))
        var line =
            "model-level check: \(outcome.rawValue), \(what); top-1 agreed at \(agreements) of \(steps.count) positions; "
            + "worst logit error \(Format.number(worstLogit)) (limit \(Format.number(logitLimit))), "
            + "worst KL divergence \(Format.number(worstKL)) (limit \(Format.number(klLimit)))"
        if let message, outcome == .failed { line += ": \(message)" }
        return line
    }

}
