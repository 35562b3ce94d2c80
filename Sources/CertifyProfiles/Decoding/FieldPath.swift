/// Where a value sits in a profile, as the dotted key path errors report.
struct FieldPath: Sendable, Equatable {
    var components: [String] = []

    static let root = FieldPath()

    func appending(_ key: String) -> FieldPath {
        FieldPath(components: components + [key])
    }

    /// `latency.budgets.gemm`; empty for the root.
    var dotted: String { components.joined(separator: ".") }

    /// How a message names this mapping as a parent: `in chip`, or `at top level`.
    var asParent: String { components.isEmpty ? "at top level" : "in \(displayed(dotted, limit: 200))" }

    /// How a message names this value as its subject: `'chip.vendor'`, or `the top level`.
    var asSubject: String { components.isEmpty ? "the top level" : "'\(displayed(dotted, limit: 200))'" }
}
