import CertifyBattery

/// Figures every renderer shows, computed once from a statement.
struct ReportFacts {
    var statement: Statement
    var counts: [CaseOutcome: Int]
    /// Kernels in the order the battery ran them, each with its cases.
    var kernels: [(name: String, cases: [CaseResult])]
    /// The root the signer's certificate chain names (the issuer at its top), when known.
    var root: String?

    init(_ statement: Statement, root: String? = nil) {
        self.statement = statement
        self.root = root
        counts = Dictionary(grouping: statement.predicate.cases, by: \.outcome).mapValues(\.count)
        var order: [String] = []
        var groups: [String: [CaseResult]] = [:]
        for result in statement.predicate.cases {
            let name = result.kernel.rawValue
            if groups[name] == nil { order.append(name) }
            groups[name, default: []].append(result)
        }
        kernels = order.map { ($0, groups[$0] ?? []) }
    }

    var predicate: CertificationPredicate { statement.predicate }

    var chip: String { "\(predicate.chip.vendor) \(predicate.chip.family) \(predicate.chip.model)" }

    var backend: String { "\(predicate.backend.name) \(predicate.backend.version) (ABI \(predicate.backend.abiVersion))" }

    var device: String {
        "\(predicate.backend.deviceName), \(predicate.backend.deviceVendor), driver \(predicate.backend.driverVersion)"
    }

    /// The CPU model, its cores and the instruction-set features that matter to numerics.
    var host: String {
        let host = predicate.host
        let features = host.isaFeatures.map { $0.isEmpty ? "; none of the numerics ISA features" : "; ISA " + $0.joined(separator: " ") }
        return "\(host.cpu), \(host.cores) cores\(features ?? "")"
    }

    /// "221 cases: 218 passed, 0 failed, 0 unsupported, 0 errors", then the outcomes only a
    /// faulty backend or battery produces (", 3 crashed, 98 not run"), as every rendering says it.
    var caseCounts: String {
        let named: [(CaseOutcome, String)] = [
            (.untrustworthy, "untrustworthy"), (.crashed, "crashed"), (.timedOut, "timed out"), (.lied, "lied"), (.notRun, "not run"),
        ]
        return "\(predicate.cases.count) cases: \(counts[.passed] ?? 0) passed, \(counts[.failed] ?? 0) failed, "
            + "\(counts[.unsupported] ?? 0) unsupported, \(counts[.error] ?? 0) errors"
            + named.compactMap { outcome, name in counts[outcome].map { ", \($0) \(name)" } }.joined()
    }

    /// The incomplete-run marker, nil when every case was attempted.
    var incomplete: String? {
        predicate.complete
            ? nil : "INCOMPLETE: \(predicate.incompleteReason ?? "the run did not finish"); the cases not run are marked NOT-RUN"
    }

    /// The facts an auditor needs to know what was certified and how, after the summary rows.
    var auditRows: [(String, String)] {
        let p = predicate
        let run = p.run
        var measurement = ["isolation \(run.isolation)", "warm-up \(run.warmup)", "at least \(run.iterations) timed calls"]
        if let ms = run.minTimeMilliseconds, ms > 0 { measurement[2] += " and \(Format.number(ms)) ms" }
        measurement[2] += run.capNote
        measurement.append("runs \(run.runs ?? 1)")
        measurement.append("soak \(run.soak.map { $0 > 0 ? "\($0) extra executions per case" : "none" } ?? "none")")
        if run.coldCache == true { measurement.append("caches flushed between timed calls") }
        if let cv = run.cvThreshold { measurement.append("robust CV threshold \(Format.number(cv))") }
        let host = p.host
        let memory = Format.number((Double(host.memoryBytes) / Double(1 << 30) * 10).rounded() / 10)
        var rows: [(String, String)] = [
            ("certify", "\(run.harness) \(run.harnessVersion)"),
            ("Host system", "\(host.os), kernel \(host.kernel), \(memory) GiB memory"),
            ("Measurement", measurement.joined(separator: "; ")),
            ("Declared numerics", numerics),
        ]
        for subject in statement.subject {
            let role = subject.role.map { $0 == .chipProfile ? "chip profile" : $0 == .tierProfile ? "tier profile" : "backend" }
            rows.append(("SHA-256 \(role ?? "subject")", "\(subject.digest["sha256"] ?? "none") \(subject.name)"))
        }
        if let signer = p.signer { rows.append(("Signer key id", signer.keyid)) }
        if let root { rows.append(("Root", "\(root) (named by the signer's chain in signer-chain.pem; certify verify checks it against the roots you trust)")) }
        return rows
    }

    /// The chip's declared numerics: accumulation per dtype, subnormals, rounding, intermediates.
    private var numerics: String {
        let n = predicate.chip.declaredNumerics
        let accumulation = n.accumulation.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue)→\($0.value.rawValue)" }
        var parts = ["accumulation " + (accumulation.isEmpty ? "in the storage dtype" : accumulation.joined(separator: " "))]
        parts.append(n.flushesSubnormals ? "subnormals flushed" : "subnormals preserved")
        parts.append("rounding \(n.rounding.rawValue)")
        if let kernels = n.storageIntermediates, !kernels.isEmpty {
            parts.append("intermediates in the storage dtype: " + kernels.map(\.rawValue).joined(separator: " "))
        }
        return parts.joined(separator: "; ")
    }

    /// Who signed, and plainly whether that identity can be trusted.
    var signature: String {
        guard let signer = predicate.signer else { return "unsigned" }
        let trust = signer.development
            ? " — development identity: UNTRUSTED, this report proves nothing to an auditor"
            : "; check it with certify verify against your trusted roots"
        return "\(signer.subject), \(signer.signedAt)\(trust)"
    }

    func tierLine(_ tier: TierVerdict) -> String {
        "\(tier.name) (\(tier.id), \(tier.requirements)): \(tier.qualified ? "QUALIFIED" : "NOT QUALIFIED")"
    }

    /// Why an unstable latency is listed but lowers nothing, after the "Unstable latency" heading.
    static let unstableExplanation =
        "instability is not held against the level: each budget is judged on the case's best attempt, as load on the host only adds time"

    /// "id: robust CV above …" for every case no attempt timed stably, in report order.
    static func unstableLatencies(_ cases: [CaseResult]) -> [String] {
        cases.compactMap { c in c.latency.flatMap { $0.unstable ? "\(c.id): \($0.instability)" : nil } }
    }

    /// The table cells of a case: figures against the standard tolerance and latency.
    static func cells(_ c: CaseResult) -> [String] {
        let m = c.standard
        return [
            c.id, c.destination.map { "\(c.type.rawValue)→\($0.rawValue)" } ?? c.type.rawValue, c.shape.map(String.init).joined(separator: "×"),
            c.outcome.rawValue.uppercased() + (c.latency?.unstable == true ? " (latency UNSTABLE)" : ""),
            m.map { Format.number($0.maxAbsError) } ?? "-", m.map { Format.number($0.maxRelError) } ?? "-",
            m.map { Format.number($0.maxULP) } ?? "-", c.standardRatio.map(Format.number) ?? "-",
            c.latency.map { Format.microseconds($0.p50Microseconds) } ?? "-",
            c.latency.map { Format.microseconds($0.p99Microseconds) } ?? "-",
            c.latency?.budgetP50Microseconds.map(Format.microseconds) ?? "-", c.tolerance,
        ]
    }

    static let headers = [
        "case", "dtype", "shape", "outcome", "max abs", "max rel", "max ulp", "err/tol", "p50", "p99", "p50 budget", "tolerance",
    ]
}
