import CertifyBattery

/// Figures every renderer shows, computed once from a statement.
struct ReportFacts {
    var statement: Statement
    var counts: [CaseOutcome: Int]
    /// Kernels in the order the battery ran them, each with its cases.
    var kernels: [(name: String, cases: [CaseResult])]

    init(_ statement: Statement) {
        self.statement = statement
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

    var caseCounts: String {
        "\(predicate.cases.count) cases: \(counts[.passed] ?? 0) passed, \(counts[.failed] ?? 0) failed, "
            + "\(counts[.unsupported] ?? 0) unsupported, \(counts[.error] ?? 0) errors"
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
            c.id, c.destination.map { "\(c.type.rawValue)→\($0.rawValue)" } ?? c.type.rawValue, c.shape.map(String.init).joined(separator: "×"), c.outcome.rawValue.uppercased(),
            m.map { Format.number($0.maxAbsError) } ?? "-", m.map { Format.number($0.maxRelError) } ?? "-",
            m.map { Format.number($0.maxULP) } ?? "-", c.standardRatio.map(Format.number) ?? "-",
            c.latency.map { Format.microseconds($0.p50Microseconds) } ?? "-",
            c.latency.map { Format.microseconds($0.p99Microseconds) } ?? "-",
            c.latency?.budgetP50Microseconds.map(Format.microseconds) ?? "-",
        ]
    }

    static let headers = ["case", "dtype", "shape", "outcome", "max abs", "max rel", "max ulp", "err/tol", "p50", "p99", "p50 budget"]
}
