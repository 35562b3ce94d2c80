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

    @Option(help: "Battery suite: quick (seconds, reduced shapes), standard (decode shapes) or full (real shapes).")
    var suite: Suite = .standard

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Report folder (default: reports/<family>-<model>-<UTC time>).", valueName: "dir"))
    var output: String?

    @Option(help: "Seed of the generated inputs; any case reproduces from its id and the seed.")
    var seed: UInt64 = 1

    @OptionGroup(title: "Signing")
    var signing: SigningOptions

    func run() throws {
        let started = Date()
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

        let session: InProcessSession
        let libraryPath: String
        do {
            let profileDirectory = URL(fileURLWithPath: chipPath).deletingLastPathComponent().path
            libraryPath = try PluginLocator.standard().resolve(profile.backend.library, relativeTo: profileDirectory)
            session = try InProcessSession(
                path: libraryPath, expectedSHA256: profile.backend.sha256,
                options: profile.backend.options.map { (key: $0.key, value: $0.value) })
        } catch {
            Standard.error("error: \(error.message)")
            throw ExitStatus.backendUnavailable.exitCode
        }

        let plan = RunPlan(
            cases: Battery.cases(suite), seed: seed, numerics: profile.numerics.model,
            warmup: profile.latency.warmup, iterations: profile.latency.iterations,
            budgets: profile.latency.budgets.mapValues { BudgetMicroseconds(p50: $0.p50Microseconds, p99: $0.p99Microseconds) })
        let progress = ProgressReporter(live: Standard.errorIsTerminal)
        let results = Runner.run(plan, on: session, progress: progress.handle)
        progress.finish()

        let context = LevelContext(backendPinned: profile.backend.sha256 != nil)
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
                        isolation: "in-process"),
                    chip: ChipRecord(
                        vendor: profile.chip.vendor, family: profile.chip.family, model: profile.chip.model,
                        profile: chipPath, declaredNumerics: plan.numerics,
                        backendPinned: context.backendPinned),
                    backend: session.description,
                    host: .current,
                    level: LevelPolicy.assess(results, context: context),
                    levelContext: context,
                    tiers: tiers.map { TierVerdict(tier: $0, results: results, context: context) },
                    cases: results))
        } catch {
            Standard.error("error: cannot hash the report's subjects: \(error)")
            throw ExitStatus.noInput.exitCode
        }

        let summary = SummaryRenderer.render(statement)
        Standard.output(summary)
        let folder = URL(fileURLWithPath: output ?? defaultOutput(profile, started))
        do {
            try ReportWriter.write(statement, summary: summary, signedBy: identity, at: Date(), to: folder)
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

        let certified = statement.predicate.level.level >= 1 && statement.predicate.tiers.allSatisfy(\.qualified)
        if !certified { throw ExitStatus.notCertified.exitCode }
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
        return DeclaredNumericsModel(
            accumulation: accumulation, flushesSubnormals: denormals == .flush,
            rounding: rounding == .towardZero ? .towardZero : .nearestEven)
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
