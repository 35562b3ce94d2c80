import CertifyBase
import CertifyBattery
import CertifyProfiles
import CertifyTrust
import Foundation

/// `certify merge`: shard reports, each verified as `certify verify` verifies a report, checked
/// to be the parts of one run, and joined into one statement whose level and tiers are assessed
/// over all the cases by the same policy as an unsharded run's.
package enum ShardMerge {
    /// One shard as given: where it is and what verified.
    package struct Input: Sendable {
        package var path: String
        package var report: VerifiedReport

        package init(path: String, report: VerifiedReport) {
            (self.path, self.report) = (path, report)
        }
    }

    /// Verifies every report `paths` name against `store` (a report folder or its envelope), in order.
    /// Throws 66 for a missing one and verify's 20–22 for one that does not verify.
    package static func verified(_ paths: [String], trust store: TrustStore) throws(Failure) -> [Input] {
        var inputs: [Input] = []
        for path in paths {
            let envelope = try ReportFiles.envelopePath(path)
            inputs.append(Input(path: envelope, report: try ReportFiles.verified(envelope, trust: store)))
        }
        return inputs
    }

    /// The merged statement of `shards` (unsigned), or the first reason they are not the shards of one run.
    package static func merge(_ shards: [Input]) throws(Failure) -> Statement {
        guard let first = shards.first else { throw Failure(.usage, "give the shard reports to merge") }
        var records: [ShardRecord] = []
        for input in shards {
            let p = input.report.statement.predicate
            guard let shard = p.shard else {
                throw Failure(.mergeNotAShard, "'\(input.path)' is not a shard report: it was run without --shard")
            }
            guard p.complete else {
                throw Failure(
                    .mergeNotAShard,
                    "shard \(shard.index)/\(shard.count) '\(input.path)' is incomplete (\(p.incompleteReason ?? "it did not finish")); resume it, then merge")
            }
            records.append(shard)
        }
        let suite = Battery.cases(first.report.statement.predicate.run.suite)
        let suiteDigest = ShardRecord.caseListSHA256(suite.map(\.id))
        for (input, record) in zip(shards, records) {
            let run = input.report.statement.predicate.run
            guard run.batteryVersion == Battery.version else {
                throw Failure(
                    .mergeBatteryDiffers,
                    "'\(input.path)' was run with battery \(run.batteryVersion); this certify merges battery \(Battery.version)")
            }
            try same(first, input, .mergeBatteryDiffers, "suite", \.run.suite.rawValue)
            guard record.suiteCaseIDsSHA256 == suiteDigest else {
                throw Failure(
                    .mergeBatteryDiffers,
                    "'\(input.path)' names case list sha256 \(record.suiteCaseIDsSHA256); suite \(run.suite.rawValue) of battery \(Battery.version) is \(suiteDigest)")
            }
            try same(first, input, .mergeBatteryDiffers, "measurement settings", \.measurement)
            try same(first, input, .mergeSeedDiffers, "seed", \.run.seedDescription)
            for role in [Subject.Role.backend, .chipProfile, .tierProfile] {
                let digests = { (statement: Statement) in statement.subjects(role).compactMap { $0.digest["sha256"] }.sorted().joined(separator: ", ") }
                let (mine, theirs) = (digests(first.report.statement), digests(input.report.statement))
                guard mine == theirs else {
                    throw Failure(
                        .mergeSubjectDiffers,
                        "'\(input.path)' certifies \(role.rawValue) sha256 \(theirs.isEmpty ? "none" : theirs); '\(first.path)' certifies \(mine.isEmpty ? "none" : mine)")
                }
            }
        }
        var byIndex: [Int: Input] = [:]
        for (input, record) in zip(shards, records) {
            guard record.count == records[0].count else {
                throw Failure(
                    .mergeShardOverlap,
                    "'\(input.path)' is shard \(record.index)/\(record.count) but '\(first.path)' is \(records[0].index)/\(records[0].count): they split the suite differently")
            }
            if let earlier = byIndex[record.index] {
                throw Failure(
                    .mergeShardOverlap,
                    "'\(earlier.path)' and '\(input.path)' are both shard \(record.index)/\(record.count)"
                        + (earlier.report.payload == input.report.payload ? " (the same report)" : ""))
            }
            byIndex[record.index] = input
        }
        let count = records[0].count
        let missing = (1...count).filter { byIndex[$0] == nil }
        guard missing.isEmpty else {
            throw Failure(
                .mergeShardMissing,
                "shard\(missing.count == 1 ? "" : "s") \(missing.map { "\($0)/\(count)" }.joined(separator: ", ")) "
                    + "\(missing.count == 1 ? "is" : "are") missing: give all \(count) shards")
        }
        var resultByID: [String: CaseResult] = [:]
        var shardOf: [String: Int] = [:]
        for index in 1...count {
            for result in byIndex[index]!.report.statement.predicate.cases {
                if let other = shardOf[result.id] {
                    throw Failure(.mergeShardOverlap, "case \(result.id) is in shard \(other)/\(count) and in shard \(index)/\(count)")
                }
                (shardOf[result.id], resultByID[result.id]) = (index, result)
            }
        }
        let absent = suite.map(\.id).filter { resultByID[$0] == nil }
        guard absent.isEmpty else {
            throw Failure(
                .mergeShardMissing,
                "\(absent.count) case\(absent.count == 1 ? "" : "s") of the suite \(absent.count == 1 ? "is" : "are") in no shard: "
                    + absent.prefix(3).joined(separator: ", ") + (absent.count > 3 ? " …" : ""))
        }
        let ordered = (1...count).map { byIndex[$0]! }
        return merged(ordered, cases: suite.map { resultByID[$0.id]! })
    }

    /// Whether reports of battery `version` carry the model-level check (1.4.0 and later).
    static func hasModelCheck(battery version: String) -> Bool {
        let parts = version.split(separator: ".").map { Int($0) ?? 0 }
        return parts.lexicographicallyPrecedes([1, 4, 0]) == false
    }

    /// `shards` (in index order, checked) as one run of `cases`.
    private static func merged(_ shards: [Input], cases: [CaseResult]) -> Statement {
        let predicates = shards.map(\.report.statement.predicate)
        var statement = shards[0].report.statement
        var p = statement.predicate
        let contexts = predicates.map(\.levelContext)
        var context = LevelContext(
            backendPinned: p.levelContext.backendPinned, memorySafetyChecked: contexts.allSatisfy(\.memorySafetyChecked),
            soakCompleted: contexts.allSatisfy(\.soakCompleted), seedOrigin: p.levelContext.seedOrigin)
        // Shard 1 runs the model-level check for the suite; a suite of battery 1.4.0 or later
        // without one did not pass it.
        context.modelCheck = contexts.compactMap(\.modelCheck).first
        if context.modelCheck == nil, Self.hasModelCheck(battery: p.run.batteryVersion) {
            context.modelCheck = ModelCheckRecord(
                shape: .forSuite(p.run.suite), type: nil, outcome: .notRun, message: "shard 1's report carries no model-level check")
        }
        p.run.startedAt = predicates.map(\.run.startedAt).min()!
        p.run.finishedAt = predicates.map(\.run.finishedAt).max()!
        // Each shard's device is its own; `shards` names each one's options.
        p.run.backendOptions = nil
        p.levelContext = context
        p.cases = cases
        p.level = LevelPolicy.assess(cases, context: context)
        p.tiers = p.tiers.map { TierVerdict(tier: $0.profile, results: cases, context: context) }
        (p.complete, p.incompleteReason, p.signer, p.shard) = (true, nil, nil, nil)
        p.shards = shards.map { input in
            let shard = input.report.statement.predicate
            return MergedShard(
                index: shard.shard!.index, count: shard.shard!.count,
                reportSHA256: FileDigest.sha256(Array(input.report.payload)), hostname: shard.shard!.hostname, host: shard.host,
                signer: input.report.signer.subject, keyid: input.report.signer.keyid, startedAt: shard.run.startedAt,
                finishedAt: shard.run.finishedAt, cases: shard.cases.count, backendOptions: shard.run.backendOptions)
        }
        statement.predicate = p
        return statement
    }

    /// Throws `status` unless `input` and `first` agree on `what`.
    private static func same(
        _ first: Input, _ input: Input, _ status: ExitStatus, _ what: String, _ value: KeyPath<CertificationPredicate, String>
    ) throws(Failure) {
        let (mine, theirs) = (first.report.statement.predicate[keyPath: value], input.report.statement.predicate[keyPath: value])
        guard mine == theirs else {
            throw Failure(status, "'\(input.path)' was run with \(what) \(theirs); '\(first.path)' with \(mine)")
        }
    }
}

extension CertificationPredicate {
    /// What must be equal for results of two runs to be judged as one: how every case was measured.
    fileprivate var measurement: String {
        let r = run
        return "warm-up \(r.warmup), iterations \(r.iterations), min time \(r.minTimeMilliseconds ?? 0) ms, max time \(r.maxTimeMilliseconds ?? 0) ms, runs \(r.runs ?? 1), "
            + "soak \(r.soak ?? 0), isolation \(r.isolation), cold cache \(r.coldCache ?? false), cv threshold \(r.cvThreshold ?? 0)"
    }
}

extension TierVerdict {
    /// The tier as far as its verdict depends on it, to assess it again over other results.
    fileprivate var profile: TierProfile {
        var tier = TierProfile(
            schema: 1, id: id, name: name, requiredLevel: requiredLevel.rawValue, toleranceScale: toleranceScale,
            latencyPercentile: latencyPercentile ?? .p50, path: id)
        tier.requiresDrawnSeed = requiresDrawnSeed == true
        return tier
    }
}
