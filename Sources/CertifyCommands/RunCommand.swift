import CertifyTrust
import ArgumentParser
import CertifyBackends
import CertifyBattery
import CertifyNumerics
import CertifyProfiles
import CertifyReport
import Foundation

/// `certify [run] --chip FILE [--tier FILE ...]`: certifies one chip profile's backend.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Certify the backend a chip profile names (the default subcommand).")

    @Option(name: .long, help: ArgumentHelp("Chip profile (YAML).", valueName: "file"))
    var chip: String

    @Option(name: .long, help: ArgumentHelp("User-tier profile (YAML); repeat for several tiers.", valueName: "file"))
    var tier: [String] = []

    @Option(
        name: .customLong("suite"),
        help: "Battery suite: quick (seconds, reduced shapes), standard (decode shapes, the default) or full (real shapes).")
    var suiteOption: Suite?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Report folder (default: reports/<family>-<model>-<UTC time>).", valueName: "dir"))
    var output: String?

    @Option(
        help: ArgumentHelp(
            "Seed of the generated inputs, or 'drawn' for one from the OS CSPRNG (default: 1, or drawn when a tier requires it); any case reproduces from its id and the seed.",
            valueName: "n|drawn"))
    var seed: SeedArgument?

    @Option(
        help: ArgumentHelp(
            "Repeat the run of this report (its folder, report.json or report.dsse.json): its seed, battery and suite; the new report names it by digest.",
            valueName: "report"))
    var reproduce: String?

    @Option(help: "How to run the backend: worker (its own process, survives crashes) or in-process.")
    var isolation: Isolation = .worker

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Continue the interrupted run whose report folder is <dir>, skipping its finished cases.", valueName: "dir"))
    var resume: String?

    @Option(help: "Execute every case N extra times after its timed loop, each output checked bitwise against the first (L3's soak).")
    var soak: Int = 0

    @Option(
        help: "Run every case this many times, each with its own prepare; every run's output must agree with the first (L2 within tolerance, L3 bitwise).")
    var runs: Int = 2

    @Flag(help: "Flush caches between timed executions of memory-bound cases (overrides latency.cold_cache).")
    var coldCache = false

    @Option(help: "Consecutive crashed or hung cases after which the backend is marked unusable.")
    var maxConsecutiveCrashes: Int = 3

    @Option(
        help: ArgumentHelp(
            "After the run, gate its report against this last certified report (see 'certify help gate').", valueName: "report"))
    var baseline: String?

    @OptionGroup(title: "Gate (with --baseline)")
    var gate: GateOptions

    /// Where the plugin runs.
    enum Isolation: String, ExpressibleByArgument, CaseIterable {
        case worker
        case inProcess = "in-process"
    }

    func validate() throws {
        guard soak >= 0 else {
            throw ValidationError("--soak must be at least 0, got \(soak)")
        }
        guard (1...1000).contains(runs) else {
            throw ValidationError("--runs must be between 1 and 1000, got \(runs)")
        }
        guard maxConsecutiveCrashes >= 1 else {
            throw ValidationError("--max-consecutive-crashes must be at least 1, got \(maxConsecutiveCrashes)")
        }
        if let resume, let output, resume != output {
            throw ValidationError("--resume continues the run in its own folder; drop --output '\(output)'")
        }
        if reproduce != nil && resume != nil {
            throw ValidationError("--reproduce starts a new run; --resume continues one: give one of them")
        }
    }

    /// `--seed`: a number, or `drawn`.
    enum SeedArgument: ExpressibleByArgument, Equatable {
        case number(UInt64)
        case drawn

        init?(argument: String) {
            if argument == "drawn" {
                self = .drawn
            } else if let value = UInt64(argument) {
                self = .number(value)
            } else {
                return nil
            }
        }
    }

    @OptionGroup(title: "Signing")
    var signing: SigningOptions

    func run() throws {
        var started = Date()
        let chipPath = try locate(chip, what: "chip profile")
        let tierPaths = try tier.map { try locate($0, what: "tier profile") }
        let profile: ChipProfile
        let tiers: [TierProfile]
        do {
            profile = try ProfileLoader.loadChip(path: chipPath, budgetKeys: Battery.budgetKeys)
            tiers = try tierPaths.map { path throws(ProfileError) in try ProfileLoader.loadTier(path: path) }
        } catch {
            Standard.error(error.description)
            throw ExitStatus.badProfile.exitCode
        }
        let identity = try signing.identity()

        let folder = URL(fileURLWithPath: resume ?? output ?? defaultOutput(profile, started))
        var finished: [String: CaseResult] = [:]
        var (suite, seed, seedOrigin, reproduces) = try chooseSeed(tiers)
        var header = Journal.Header(
            battery: Battery.version, suite: suite, seed: seed,
            chipSHA256: (try? FileDigest.sha256(ofFile: chipPath)) ?? "", isolation: isolation.rawValue,
            startedAt: Timestamp.iso8601(started), seedOrigin: seedOrigin, reproduces: reproduces)
        let journal: Journal
        let folderExisted = FileManager.default.fileExists(atPath: folder.path)
        do {
            if resume != nil {
                let (previous, results) = try resumable(folder, expecting: header)
                started = Timestamp.date(previous.startedAt) ?? started
                // A resumed run keeps the seed it started with, drawn or not.
                (suite, seed, seedOrigin, reproduces) = (
                    previous.suite, previous.seed, previous.seedOrigin ?? .given, previous.reproduces
                )
                header = previous
                finished = Dictionary(results.map { ($0.id, $0) }) { _, later in later }
                journal = try Journal(appendingIn: folder)
            } else {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                journal = try Journal(creatingIn: folder, header: header)
            }
        } catch let error as ExitCode {
            throw error
        } catch {
            Standard.error("error: cannot write the report to '\(folder.path)': \(error.localizedDescription)")
            throw ExitStatus.cannotWrite.exitCode
        }

        let session: any BackendSession
        let libraryPath: String
        do {
            let profileDirectory = URL(fileURLWithPath: chipPath).deletingLastPathComponent().path
            libraryPath = try PluginLocator.standard().resolve(profile.backend.library, relativeTo: profileDirectory)
            let options = profile.backend.options.map { (key: $0.key, value: $0.value) }
            switch isolation {
            case .worker:
                session = try WorkerSession(
                    path: libraryPath, expectedSHA256: profile.backend.sha256, options: options,
                    logPath: folder.appendingPathComponent("worker.log").path,
                    caseTimeoutSeconds: profile.latency.caseTimeoutSeconds,
                    maxConsecutiveCrashes: maxConsecutiveCrashes)
            case .inProcess:
                session = try InProcessSession(path: libraryPath, expectedSHA256: profile.backend.sha256, options: options)
            }
        } catch {
            // Nothing ran: leave no half-made report folder behind.
            if !folderExisted { try? FileManager.default.removeItem(at: folder) }
            Standard.error("error: \(error.message)")
            throw ExitStatus.backendUnavailable.exitCode
        }

        // A tier may raise the measurement, never lower it: the strictest tier given sets it for the run.
        var plan = RunPlan(
            cases: Battery.cases(suite), seed: seed, numerics: profile.numerics.model,
            warmup: profile.latency.warmup,
            iterations: tiers.compactMap(\.iterations).reduce(profile.latency.iterations, max),
            budgets: profile.latency.budgets.mapValues { BudgetMicroseconds(p50: $0.p50Microseconds, p99: $0.p99Microseconds) })
        let minTime = tiers.compactMap(\.minTimeMilliseconds).reduce(profile.latency.minTimeMilliseconds, max)
        plan.minTimeNanoseconds = UInt64(minTime * 1e6)
        plan.coldCache = coldCache || profile.latency.coldCache
        plan.cvThreshold = profile.latency.cvThreshold
        plan.soak = tiers.compactMap(\.soak).reduce(soak, max)
        plan.runs = tiers.compactMap(\.runs).reduce(runs, max)
        plan.peaks = PeakRates(
            tflops: Dictionary(uniqueKeysWithValues: profile.peaks.tflops.map { ($0.key.dtype, $0.value) }),
            bandwidthGBps: profile.peaks.memoryBandwidthGBps)
        let progress = ProgressReporter(live: Standard.errorIsTerminal)
        Interruption.install()
        let summary = Runner.run(plan, on: session, finished: finished, record: journal.append, progress: progress.handle)
        let results = summary.results
        progress.finish()
        if let worker = session as? WorkerSession {
            // The worker's exit overlaps writing the report.
            worker.stop()
            if !worker.roundTripOverheads.isEmpty {
                let sorted = worker.roundTripOverheads.sorted()
                let perCase = sorted.reduce(0, +) / UInt64(max(results.count, 1))
                Standard.error(
                    "worker round trip: median \(sorted[sorted.count / 2] / 1000) µs of overhead per request over \(sorted.count) requests, \(perCase / 1000) µs per case over \(results.count) cases")
            }
        }

        let soaked = plan.soak > 0 && summary.end == .completed && results.allSatisfy { $0.outcome != .notRun }
        let context = LevelContext(
            backendPinned: profile.backend.sha256 != nil, memorySafetyChecked: isolation == .worker, soakCompleted: soaked,
            seedOrigin: seedOrigin)
        let incompleteReason: String?
        switch summary.end {
        case .completed: incompleteReason = nil
        case .backendUnusable(let reason): incompleteReason = reason
        case .interrupted(let signal):
            incompleteReason = "interrupted by \(SignalName.of(signal)); continue with --resume \(folder.path)"
        }
        let statement: Statement
        do {
            statement = Statement(
                subject: try subjects(library: libraryPath, chip: chipPath, tiers: tiers),
                predicate: CertificationPredicate(
                    run: RunRecord(
                        harness: "certify", harnessVersion: CertifyCommand.harnessVersion,
                        batteryVersion: Battery.version, suite: suite, seed: seed,
                        warmup: plan.warmup, iterations: plan.iterations,
                        startedAt: Timestamp.iso8601(started), finishedAt: Timestamp.iso8601(Date()),
                        isolation: isolation.rawValue, minTimeMilliseconds: Double(plan.minTimeNanoseconds) / 1e6,
                        soak: plan.soak, runs: plan.runs, coldCache: plan.coldCache, cvThreshold: plan.cvThreshold,
                        seedOrigin: seedOrigin, reproduces: reproduces),
                    chip: ChipRecord(
                        vendor: profile.chip.vendor, family: profile.chip.family, model: profile.chip.model,
                        profile: chipPath, declaredNumerics: plan.numerics,
                        backendPinned: context.backendPinned),
                    backend: session.description,
                    host: .current,
                    level: LevelPolicy.assess(results, context: context),
                    levelContext: context,
                    tiers: tiers.map { TierVerdict(tier: $0, results: results, context: context) },
                    cases: results,
                    complete: incompleteReason == nil, incompleteReason: incompleteReason))
        } catch {
            Standard.error("error: cannot hash the report's subjects: \(error)")
            throw ExitStatus.noInput.exitCode
        }

        let text = SummaryRenderer.render(statement)
        Standard.output(text)
        do {
            try ReportWriter.write(statement, summary: text, signedBy: identity, at: Date(), to: folder)
        } catch let error as SigningError {
            Standard.error("error: cannot sign the report: \(error.description)")
            throw ExitStatus.signingKeyRefused.exitCode
        } catch {
            Standard.error("error: cannot write the report to '\(folder.path)': \(error.localizedDescription)")
            throw ExitStatus.cannotWrite.exitCode
        }
        Standard.output("\nReport: \(folder.appendingPathComponent(ReportWriter.statementFile).path)\n")
        Standard.output("Signed: \(folder.appendingPathComponent(ReportWriter.envelopeFile).path) by '\(identity.subject)'\(identity.development ? " (development identity: UNTRUSTED)" : "")\n")
        if identity.development { Standard.error(SigningOptions.developmentWarning()) }

        switch summary.end {
        case .interrupted(let signal):
            throw (signal == SIGTERM ? ExitStatus.terminated : ExitStatus.interrupted).exitCode
        case .backendUnusable:
            throw ExitStatus.backendUnusable.exitCode
        case .completed:
            break
        }
        if let baseline {
            let rerun = { (ids: [String]) -> [String: CaseResult] in
                Self.rerun(ids, plan: plan, library: libraryPath, profile: profile, folder: folder, isolation: isolation)
            }
            try gate.gate(
                baseline: baseline, candidate: folder.appendingPathComponent(ReportWriter.envelopeFile).path, signing: signing,
                rerun: rerun)
        }
        let certified = statement.predicate.level.level >= 1 && statement.predicate.tiers.allSatisfy(\.qualified)
        if !certified { throw ExitStatus.notCertified.exitCode }
    }

    /// Runs the cases `ids` of `plan` again, each in a fresh worker, and returns their results.
    private static func rerun(
        _ ids: [String], plan: RunPlan, library: String, profile: ChipProfile, folder: URL, isolation: Isolation
    ) -> [String: CaseResult] {
        var again: [String: CaseResult] = [:]
        let options = profile.backend.options.map { (key: $0.key, value: $0.value) }
        for id in ids {
            var single = plan
            single.cases = plan.cases.filter { $0.id == id }
            let session: any BackendSession
            do {
                switch isolation {
                case .worker:
                    session = try WorkerSession(
                        path: library, expectedSHA256: profile.backend.sha256, options: options,
                        logPath: folder.appendingPathComponent("rerun.log").path,
                        caseTimeoutSeconds: profile.latency.caseTimeoutSeconds, maxConsecutiveCrashes: 1)
                case .inProcess:
                    session = try InProcessSession(path: library, expectedSHA256: profile.backend.sha256, options: options)
                }
            } catch {
                Standard.error("warning: cannot start a fresh worker to re-run \(id): \(error.message)")
                continue
            }
            guard let result = Runner.run(single, on: session).first else { continue }
            again[id] = result
            Standard.error("note: \(id) re-run in a fresh worker: \(result.outcome.rawValue)" + (result.latency.map { String(format: ", p50 %.1f µs", $0.p50Microseconds) } ?? ""))
        }
        return again
    }

    /// The journal of the run in `folder`, checked to be a run of the same battery, suite, seed,
    /// chip profile and isolation.
    private func resumable(_ folder: URL, expecting header: Journal.Header) throws -> (Journal.Header, [CaseResult]) {
        let previous: Journal.Header
        let results: [CaseResult]
        do {
            (previous, results) = try Journal.read(from: folder)
        } catch {
            Standard.error("error: cannot resume: \(error.message)")
            throw ExitStatus.noInput.exitCode
        }
        var differences: [String] = []
        if previous.battery != header.battery { differences.append("battery \(previous.battery)") }
        if let suiteOption, previous.suite != suiteOption { differences.append("--suite \(previous.suite.rawValue)") }
        if case .number(let given) = seed, previous.seed != given { differences.append("--seed \(previous.seed)") }
        if previous.chipSHA256 != header.chipSHA256 { differences.append("a chip profile with SHA-256 \(previous.chipSHA256)") }
        if previous.isolation != header.isolation { differences.append("--isolation \(previous.isolation)") }
        guard differences.isEmpty else {
            Standard.error(
                "error: cannot resume '\(folder.path)': it was started with \(differences.joined(separator: ", ")); run with the same options")
            throw ExitStatus.usage.exitCode
        }
        return (previous, results)
    }

    /// The run's suite and seed, where the seed came from, and the digest of the report a
    /// reproduction repeats. A tier that requires a drawn seed refuses `--seed N`: the inputs would
    /// be known in advance.
    private func chooseSeed(_ tiers: [TierProfile]) throws -> (Suite, UInt64, SeedOrigin, String?) {
        let suite = suiteOption ?? .standard
        let strict = tiers.filter(\.requiresDrawnSeed)
        if let reproduce {
            let (original, digest) = try reportToReproduce(reproduce)
            let run = original.predicate.run
            var conflicts: [String] = []
            if run.batteryVersion != Battery.version {
                conflicts.append("it was made by battery \(run.batteryVersion) and this certify runs battery \(Battery.version)")
            }
            if let suiteOption, run.suite != suiteOption { conflicts.append("it ran --suite \(run.suite.rawValue)") }
            if case .number(let given) = seed, given != run.seed { conflicts.append("its seed is \(run.seed), not \(given)") }
            if seed == .drawn { conflicts.append("a reproduction keeps the report's seed, so --seed drawn does not apply") }
            guard conflicts.isEmpty else {
                Standard.error("error: cannot reproduce '\(reproduce)': \(conflicts.joined(separator: "; "))")
                throw ExitStatus.usage.exitCode
            }
            return (run.suite, run.seed, .reproduction, digest)
        }
        switch seed {
        case .number(let value):
            if let tier = strict.first {
                Standard.error(
                    "error: the \(tier.id) tier requires a seed certify draws for the run (seed: drawn in \(tier.path)); --seed \(value) would let the battery's inputs be known in advance. To repeat a certified run, give its report with --reproduce")
                throw ExitStatus.usage.exitCode
            }
            return (suite, value, .given, nil)
        case .drawn:
            return (suite, SeedOrigin.draw(), .drawn, nil)
        case nil:
            return strict.isEmpty ? (suite, 1, .default, nil) : (suite, SeedOrigin.draw(), .drawn, nil)
        }
    }

    /// The statement of the report at `path` (a folder, report.json or report.dsse.json) and the
    /// SHA-256 of its report.json bytes (the envelope's payload).
    private func reportToReproduce(_ path: String) throws -> (Statement, String) {
        var isDirectory: ObjCBool = false
        guard let resolved = FileLocator.resolve(path), FileManager.default.fileExists(atPath: resolved, isDirectory: &isDirectory)
        else {
            Standard.error("error: report '\(path)' does not exist")
            throw ExitStatus.noInput.exitCode
        }
        let file = isDirectory.boolValue ? URL(fileURLWithPath: resolved).appendingPathComponent(ReportWriter.statementFile).path : resolved
        guard var bytes = FileManager.default.contents(atPath: file) else {
            Standard.error("error: cannot read '\(file)'")
            throw ExitStatus.noInput.exitCode
        }
        if let envelope = try? JSONDecoder().decode(Envelope.self, from: bytes), let payload = Data(base64Encoded: envelope.payload) {
            bytes = payload
        }
        do {
            return (try Statement.decode(bytes), FileDigest.sha256([UInt8](bytes)))
        } catch {
            Standard.error("error: '\(file)' is not a certify report: \(error)")
            throw ExitStatus.malformedReport.exitCode
        }
    }

    private func locate(_ path: String, what: String) throws -> String {
        guard let resolved = FileLocator.resolve(path) else {
            Standard.error("error: \(what) '\(path)' does not exist")
            throw ExitStatus.noInput.exitCode
        }
        return resolved
    }

    private func subjects(library: String, chip: String, tiers: [TierProfile]) throws -> [Subject] {
        var subjects = [
            Subject(name: URL(fileURLWithPath: library).lastPathComponent, sha256: try FileDigest.sha256(ofFile: library)),
            Subject(name: chip, sha256: try FileDigest.sha256(ofFile: chip)),
        ]
        for tier in tiers {
            subjects.append(Subject(name: tier.path, sha256: try FileDigest.sha256(ofFile: tier.path)))
        }
        return subjects
    }

    private func defaultOutput(_ profile: ChipProfile, _ started: Date) -> String {
        let stamp = Timestamp.compact(started)
        let name = "\(profile.chip.family)-\(profile.chip.model)".lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }
        return "reports/\(String(name))-\(stamp)"
    }
}

extension DeclaredNumerics {
    /// The profile's declaration in the battery's terms.
    var model: DeclaredNumericsModel {
        var accumulation: [DType: DType] = [:]
        for (storage, acc) in self.accumulation {
            accumulation[storage.dtype] = acc.dtype
        }
        let stored = intermediates.filter { $0.value == .storage }.compactMap { Kernel(rawValue: $0.key) }
        return DeclaredNumericsModel(
            accumulation: accumulation, flushesSubnormals: denormals == .flush,
            rounding: rounding == .towardZero ? .towardZero : .nearestEven, storageIntermediates: stored)
    }
}

extension ProfileDType {
    var dtype: DType {
        switch self {
        case .fp32: .fp32
        case .fp16: .fp16
        case .bf16: .bf16
        }
    }
}
