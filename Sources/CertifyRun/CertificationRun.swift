import CertifyBackends
import CertifyBase
import CertifyBattery
import CertifyProfiles
import CertifyReport
import CertifyTrust
import Foundation

/// What a finished run left: its signed statement, where it is, and how it ended.
package struct RunResult {
    package var statement: Statement
    package var folder: URL
    /// The terminal summary, as summary.txt holds it.
    package var summary: String
    package var end: RunEnd
    /// The run, ready to run cases again for a gate's re-measurement.
    package var rerun: CaseRerun

    /// The exit status the run ends with (a gate, when asked, may end it otherwise).
    package var status: ExitStatus {
        switch end {
        case .interrupted(let signal): return signal == SIGTERM ? .terminated : .interrupted
        case .backendUnusable: return .backendUnusable
        case .completed:
            let p = statement.predicate
            return p.level.reached >= .compatible && p.tiers.allSatisfy(\.qualified) ? .certified : .notCertified
        }
    }
}

extension RunResult {
    /// The file in the report folder that keeps the A/B measurement a gate made of this run.
    package static let pairedFile = "paired-latency.json"

    /// Times the cases that passed in this run and in `baseline` side by side with the baseline's
    /// library (`given`, or the one the report names; see `BaselineLibrary`) and writes the
    /// measurement to `pairedFile` in the report folder. Returns nil, with `reason`, when the
    /// baseline library is not at hand.
    package func measureSideBySide(
        against baseline: Statement, library given: String?, timing: PairedTiming, progress: (Int, Int, String) -> Void,
        note: (String) -> Void
    ) throws(Failure) -> (measurement: PairedMeasurement?, reason: String?) {
        let context = rerun
        let (found, reason) = try BaselineLibrary.locate(
            baseline, given: given, fallbackOptions: context.profile.backend.options, note: note)
        guard let found else { return (nil, reason) }
        let passedBefore = Set(baseline.predicate.cases.filter { $0.outcome == .passed }.map(\.id))
        let timed = Set(statement.predicate.cases.filter { $0.outcome == .passed && $0.latency != nil && passedBefore.contains($0.id) }.map(\.id))
        let cases = context.plan.cases.filter { timed.contains($0.id) }
        let candidate = TimedLibrary(
            path: context.library, sha256: statement.predicate.backend.librarySHA256, options: context.profile.backend.options)
        let measurement = try timing.measure(
            cases, plan: context.plan, profile: context.profile, baseline: found, candidate: candidate, folder: folder,
            progress: progress, note: note)
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            try encoder.encode(measurement).write(to: folder.appendingPathComponent(Self.pairedFile))
        } catch {
            throw Failure(.cannotWrite, "cannot write \(Self.pairedFile) to '\(folder.path)': \(error.localizedDescription)")
        }
        return (measurement, nil)
    }
}

/// Runs cases of a finished run again, each in a fresh session, for a gate's re-measurement.
package struct CaseRerun {
    var plan: RunPlan
    var library: String
    var profile: ChipProfile
    var folder: URL
    var isolation: Isolation

    /// Each case of `ids` run again in a fresh session; `note` hears what each re-run found.
    package func callAsFunction(_ ids: [String], note: (String) -> Void) -> [String: CaseResult] {
        var again: [String: CaseResult] = [:]
        for id in ids {
            var single = plan
            single.cases = plan.cases.filter { $0.id == id }
            let session: any BackendSession
            do {
                session = try SessionFactory.open(
                    library: library, profile: profile, isolation: isolation,
                    logPath: folder.appendingPathComponent("rerun.log").path, maxConsecutiveCrashes: 1)
            } catch {
                note("warning: cannot start a fresh worker to re-run \(id): \(error.message)")
                continue
            }
            guard let result = Runner.run(single, on: session).first else { continue }
            again[id] = result
            note("note: \(id) re-run in a fresh worker: \(result.outcome.rawValue)" + (result.latency.map { String(format: ", p50 %.1f µs", $0.p50Microseconds) } ?? ""))
        }
        return again
    }
}

extension Failure {
    /// A profile that does not load; when its top-level key says it is the `other` kind of profile
    /// (a tier file given as --chip, or a chip file as --tier), a hint names the right option.
    init(_ error: ProfileError, given path: String, other kind: String) {
        self.init(error)
        if error.kind == .unknownKey && error.keyPath == kind {
            notes.append(
                kind == "tier"
                    ? "hint: '\(path)' is a tier profile: give it with --tier, and a chip profile with --chip"
                    : "hint: '\(path)' is a chip profile: give it with --chip, and tier profiles with --tier")
        }
    }
}

/// One certification run as a library call: profiles → plan → backend session → battery →
/// signed report folder. The command parses options into a `RunRequest` and prints what this returns.
package enum CertificationRun {
    /// Runs `request`, signing the report with `identity`; `progress` hears every case and `note`
    /// the lines worth a look on stderr. Throws the failures a user sees, each with its exit status.
    package static func perform(
        _ request: RunRequest, signedBy identity: SigningIdentity, progress: (RunEvent) -> Void, note: (String) -> Void
    ) throws(Failure) -> RunResult {
        var started = Date()
        let chipPath = try locate(request.chip, what: "chip profile")
        let tierPaths = try request.tiers.map { path throws(Failure) in try locate(path, what: "tier profile") }
        let loaded: ChipProfile
        let tiers: [TierProfile]
        do {
            loaded = try ProfileLoader.loadChip(path: chipPath, budgetKeys: Battery.budgetKeys)
        } catch {
            throw Failure(error, given: request.chip, other: "tier")
        }
        do {
            tiers = try tierPaths.map { path throws(ProfileError) in try ProfileLoader.loadTier(path: path) }
        } catch {
            throw Failure(error, given: error.path, other: "chip")
        }
        let profile = try loaded.overridingBackendOptions(request.backendOptions)

        let folder = URL(fileURLWithPath: request.resume ?? request.output ?? defaultOutput(profile, started))
        var choice = try SeedChoice(request, tiers: tiers)
        var finished: [String: CaseResult] = [:]
        var shard = request.shard
        let folderExisted = FileManager.default.fileExists(atPath: folder.path)
        let journal: Journal
        do {
            if request.resume != nil {
                let (previous, results) = try resumable(folder, request: request, chipPath: chipPath)
                started = Timestamp.date(previous.startedAt) ?? started
                // A resumed run keeps the suite and seed it started with, drawn or not.
                choice = SeedChoice(
                    suite: previous.suite, seed: previous.seed, origin: previous.seedOrigin ?? .given, reproduces: previous.reproduces)
                shard = previous.shard
                finished = Dictionary(results.map { ($0.id, $0) }) { _, later in later }
                journal = try Journal(appendingIn: folder)
            } else {
                // A signed report is evidence: a second run never replaces it in place.
                for name in [ReportWriter.envelopeFile, ReportWriter.statementFile, Journal.file]
                where FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path) {
                    throw Failure(
                        .cannotWrite,
                        "'\(folder.path)' already holds a report (\(name)); certify never overwrites one: "
                            + "choose another --output, or --resume '\(folder.path)' to continue a run that was cut short")
                }
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                journal = try Journal(
                    creatingIn: folder,
                    header: Journal.Header(
                        battery: Battery.version, suite: choice.suite, seed: choice.seed,
                        chipSHA256: (try? FileDigest.sha256(ofFile: chipPath)) ?? "", isolation: request.isolation.rawValue,
                        startedAt: Timestamp.iso8601(started), seedOrigin: choice.origin, reproduces: choice.reproduces,
                        shard: shard))
            }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(.cannotWrite, "cannot write the report to '\(folder.path)': \(error.localizedDescription)")
        }

        let session: any BackendSession
        let library: String
        do {
            library = try SessionFactory.library(for: profile, profilePath: chipPath)
            session = try SessionFactory.open(
                library: library, profile: profile, isolation: request.isolation,
                logPath: folder.appendingPathComponent("worker.log").path, maxConsecutiveCrashes: request.maxConsecutiveCrashes)
        } catch {
            // Nothing ran: leave no half-made report folder behind.
            if !folderExisted { try? FileManager.default.removeItem(at: folder) }
            throw Failure(.backendUnavailable, error.message)
        }

        var plan = RunPlan(
            profile: profile, tiers: tiers, suite: choice.suite, seed: choice.seed, soak: request.soak, runs: request.runs,
            coldCache: request.coldCache)
        if request.oracleCache, let code = OracleCache.executableDigest { plan.oracleCache = OracleCache(code: code) }
        if let shard { plan.cases = shard.cases(of: plan.cases) }
        Interruption.install()
        var summary = Runner.run(plan, on: session, finished: finished, record: journal.append, progress: progress)
        // The round-trip figure speaks of the cases' requests, before the model-level check's.
        let overhead = (session as? WorkerSession)?.overheadSummary(cases: summary.results.count)
        // The suite's model-level check runs once: in the whole run, or in shard 1 of a sharded one.
        var modelCheck: ModelCheckRecord?
        if let shape = plan.modelCheck, (shard?.index ?? 1) == 1 {
            if summary.end == .completed {
                progress(.modelCheckStarted(shape))
                let record = ModelCheck.run(shape, seed: plan.seed, numerics: plan.numerics, on: session)
                progress(.modelCheckFinished(record))
                if record.outcome == .notRun, let signal = Interruption.signal { summary.end = .interrupted(signal: signal) }
                modelCheck = record
            } else {
                modelCheck = ModelCheckRecord(
                    shape: shape, type: nil, outcome: .notRun, message: "the run ended before it, after the cases")
            }
        }
        if let worker = session as? WorkerSession {
            // The worker's exit overlaps writing the report.
            worker.stop()
            if let overhead { note(overhead) }
        }
        let assembly = StatementAssembly(
            profile: profile, chipPath: chipPath, tiers: tiers, library: library, plan: plan, choice: choice,
            isolation: request.isolation, backend: session.description, started: started, shard: shard,
            backendOptions: request.backendOptions)
        let statement = try assembly.statement(summary, modelCheck: modelCheck, folder: folder)
        let text = SummaryRenderer.render(statement)
        do {
            try ReportWriter.write(statement, summary: text, signedBy: identity, at: Date(), to: folder)
        } catch let error as SigningError {
            throw Failure(.signingKeyRefused, "cannot sign the report: \(error.description)")
        } catch {
            throw Failure(.cannotWrite, "cannot write the report to '\(folder.path)': \(error.localizedDescription)")
        }
        return RunResult(
            statement: statement, folder: folder, summary: text, end: summary.end,
            rerun: CaseRerun(plan: plan, library: library, profile: profile, folder: folder, isolation: request.isolation))
    }

    private static func locate(_ path: String, what: String) throws(Failure) -> String {
        guard let resolved = FileLocator.resolve(path) else { throw Failure(.noInput, "\(what) '\(path)' does not exist") }
        return resolved
    }

    /// The journal of the run in `folder`, checked to be a run of the same battery, suite, seed,
    /// chip profile and isolation.
    private static func resumable(_ folder: URL, request: RunRequest, chipPath: String) throws(Failure)
        -> (Journal.Header, [CaseResult])
    {
        let previous: Journal.Header
        let results: [CaseResult]
        do {
            (previous, results) = try Journal.read(from: folder)
        } catch {
            throw Failure(.noInput, "cannot resume: \(error.message)")
        }
        var differences: [String] = []
        if previous.battery != Battery.version { differences.append("battery \(previous.battery)") }
        if let suite = request.suite, previous.suite != suite { differences.append("--suite \(previous.suite.rawValue)") }
        if case .number(let given) = request.seed, previous.seed != given { differences.append("--seed \(previous.seed)") }
        let chipSHA256 = (try? FileDigest.sha256(ofFile: chipPath)) ?? ""
        if previous.chipSHA256 != chipSHA256 { differences.append("a chip profile with SHA-256 \(previous.chipSHA256)") }
        if previous.isolation != request.isolation.rawValue { differences.append("--isolation \(previous.isolation)") }
        if let shard = request.shard, previous.shard != shard {
            differences.append(previous.shard.map { "--shard \($0)" } ?? "the whole suite (no --shard)")
        }
        guard differences.isEmpty else {
            throw Failure(
                .usage, "cannot resume '\(folder.path)': it was started with \(differences.joined(separator: ", ")); run with the same options")
        }
        return (previous, results)
    }

    private static func defaultOutput(_ profile: ChipProfile, _ started: Date) -> String {
        let stamp = Timestamp.compact(started)
        let name = "\(profile.chip.family)-\(profile.chip.model)".lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }
        return "reports/\(String(name))-\(stamp)"
    }
}
