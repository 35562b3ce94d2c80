import CertifyBackends
import CertifyBase
import CertifyBattery
import CertifyProfiles
import CertifyReport
import CertifyTrust
import Foundation

/// Builds the signed statement of a run from its results: subjects, run record, level and tiers.
package struct StatementAssembly {
    package var profile: ChipProfile
    package var chipPath: String
    package var tiers: [TierProfile]
    package var library: String
    package var plan: RunPlan
    package var choice: SeedChoice
    package var isolation: Isolation
    package var backend: BackendDescription
    package var started: Date
    /// The part of the suite the run covered; nil: the whole suite.
    package var shard: Shard? = nil
    /// `--backend-option` pairs given over the profile's backend.options.
    package var backendOptions: [String] = []

    /// The statement for `summary` and the run's model-level check; `folder` is where `--resume`
    /// would continue it.
    package func statement(_ summary: RunSummary, modelCheck: ModelCheckRecord? = nil, folder: URL) throws(Failure) -> Statement {
        let results = summary.results
        let soaked = plan.soak > 0 && summary.end == .completed && results.allSatisfy { $0.outcome != .notRun }
        var context = LevelContext(
            backendPinned: profile.backend.sha256 != nil, memorySafetyChecked: isolation == .worker, soakCompleted: soaked,
            seedOrigin: choice.origin)
        context.modelCheck = modelCheck
        let incompleteReason: String? =
            switch summary.end {
            case .completed: nil
            case .backendUnusable(let reason): reason
            case .interrupted(let signal): "interrupted by \(SignalName.of(signal)); continue with --resume \(folder.path)"
            }
        var statement = Statement(
            subject: try subjects(),
            predicate: CertificationPredicate(
                run: RunRecord(
                    harness: Harness.name, harnessVersion: Harness.version,
                    batteryVersion: Battery.version, suite: choice.suite, seed: choice.seed,
                    warmup: plan.warmup, iterations: plan.iterations,
                    startedAt: Timestamp.iso8601(started), finishedAt: Timestamp.iso8601(Date()),
                    isolation: isolation.rawValue, minTimeMilliseconds: Double(plan.minTimeNanoseconds) / 1e6,
                    soak: plan.soak, runs: plan.runs, coldCache: plan.coldCache, cvThreshold: plan.cvThreshold,
                    seedOrigin: choice.origin, reproduces: choice.reproduces),
                chip: ChipRecord(
                    vendor: profile.chip.vendor, family: profile.chip.family, model: profile.chip.model,
                    profile: chipPath, declaredNumerics: plan.numerics, backendPinned: context.backendPinned),
                backend: backend,
                host: .current,
                level: LevelPolicy.assess(results, context: context),
                levelContext: context,
                tiers: tiers.map { TierVerdict(tier: $0, results: results, context: context) },
                cases: results,
                complete: incompleteReason == nil, incompleteReason: incompleteReason))
        statement.predicate.run.backendOptions = backendOptions.isEmpty ? nil : backendOptions
        statement.predicate.run.maxTimeMilliseconds = plan.maxTimeNanoseconds > 0 ? Double(plan.maxTimeNanoseconds) / 1e6 : nil
        statement.predicate.shard = shard.map { ShardRecord($0, suite: Battery.cases(choice.suite)) }
        return statement
    }

    /// The backend library, the chip profile and every tier profile, by SHA-256, each with its role.
    private func subjects() throws(Failure) -> [Subject] {
        func digest(_ path: String) throws(Failure) -> String {
            do {
                return try FileDigest.sha256(ofFile: path)
            } catch {
                throw Failure(.noInput, "cannot hash the report's subject '\(path)': \(error.localizedDescription)")
            }
        }
        // The backend is named by the digest of the bytes the session loaded (hashed and dlopen'ed
        // through one descriptor), not by hashing the path again: a file swapped during the run
        // must not be what the report certifies.
        let loaded = backend.librarySHA256.isEmpty ? try digest(library) : backend.librarySHA256
        var subjects = [
            Subject(name: URL(fileURLWithPath: library).lastPathComponent, sha256: loaded, role: .backend),
            Subject(name: chipPath, sha256: try digest(chipPath), role: .chipProfile),
        ]
        for tier in tiers {
            subjects.append(Subject(name: tier.path, sha256: try digest(tier.path), role: .tierProfile))
        }
        return subjects
    }
}
