/// A vendor's reviewed expectations for `certify gate`, as Mesa's deqp-runner keeps them:
/// cases known to fail, cases known to be flaky and cases skipped, each with its reason.
package struct GateExpectations: Sendable, Equatable {
    /// One case pattern and why it is listed.
    package struct Entry: Sendable, Equatable {
        /// A case id, or a prefix ending in `*` (`gemm.bf16.*`).
        package var pattern: String
        /// The reason (expected failures, flakes) or the justification (skips).
        package var reason: String
        /// The 1-based line of the entry, for messages that point back at the file.
        package var line: Int

        package init(pattern: String, reason: String, line: Int) {
            (self.pattern, self.reason, self.line) = (pattern, reason, line)
        }

        /// Whether `caseID` is this entry's case or starts with its prefix.
        package func matches(_ caseID: String) -> Bool {
            pattern.hasSuffix("*") ? caseID.hasPrefix(pattern.dropLast()) : caseID == pattern
        }
    }

    /// Always 1 for a loaded file.
    package var schema: Int
    /// Cases that fail and may keep failing; one that passes is an unexpected pass.
    package var expectedFailures: [Entry]
    /// Cases whose failure never fails the gate.
    package var flakes: [Entry]
    /// Cases the gate does not compare at all.
    package var skips: [Entry]
    /// The file path as given to the loader.
    package var path: String

    package init(schema: Int = 1, expectedFailures: [Entry] = [], flakes: [Entry] = [], skips: [Entry] = [], path: String = "") {
        (self.schema, self.expectedFailures, self.flakes, self.skips) = (schema, expectedFailures, flakes, skips)
        self.path = path
    }

    /// The first expected failure matching `caseID`.
    package func expectedFailure(_ caseID: String) -> Entry? { expectedFailures.first { $0.matches(caseID) } }
    /// The first flake matching `caseID`.
    package func flake(_ caseID: String) -> Entry? { flakes.first { $0.matches(caseID) } }
    /// The first skip matching `caseID`.
    package func skip(_ caseID: String) -> Entry? { skips.first { $0.matches(caseID) } }
}
