import ArgumentParser
import CertifyBase
import CertifyReport
import Foundation

/// `certify merge SHARD… --output DIR`: verifies the shard reports of one run and writes the
/// suite's signed report. Like verify, it loads no plugin.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the signed shard reports of one run (certify --shard I/N) into the suite's signed report.",
        discussion: """
            Every SHARD (a report folder or its report.dsse.json) is verified as
            'certify verify' verifies a report, with --trust or the repository's Certs/.
            The shards must be 1/N…N/N of one run: the same battery, suite, case list,
            seed, measurement settings, backend library, chip profile and tier profiles.
            The merged report's level and tiers are assessed over all the cases, as an
            unsharded run's are, and it names every shard by digest and host.

            Exit codes: 0 merged, the chip reached at least L1 and qualified for every tier, or
            \(ExitStatus.helpTable([
                .notCertified, .malformedReport, .badSignature, .untrustedSigner, .signingKeyRefused, .mergeShardMissing,
                .mergeShardOverlap, .mergeSeedDiffers, .mergeBatteryDiffers, .mergeSubjectDiffers, .mergeNotAShard, .noInput,
                .cannotWrite,
            ]))
            """)

    @Argument(help: ArgumentHelp("The shard reports: folders or report.dsse.json files.", valueName: "shard"))
    var shards: [String]

    @Option(help: ArgumentHelp("Folder of the merged report.", valueName: "dir"))
    var output: String

    @OptionGroup var trust: TrustOption

    @OptionGroup(title: "Signing")
    var signing: SigningOptions

    func run() throws {
        let inputs = try ShardMerge.verified(shards, trust: try trust.store())
        let statement = try ShardMerge.merge(inputs)
        let identity = try signing.identity()
        let summary = SummaryRenderer.render(statement)
        let folder = URL(fileURLWithPath: output)
        do {
            try ReportWriter.write(statement, summary: summary, signedBy: identity, at: Date(), to: folder)
        } catch {
            throw Failure(.cannotWrite, "cannot write the merged report to '\(folder.path)': \(error.localizedDescription)")
        }
        Console.output(summary)
        Console.output("\nReport: \(folder.appendingPathComponent(ReportWriter.statementFile).path)\n")
        Console.output("Signed: \(folder.appendingPathComponent(ReportWriter.envelopeFile).path) by '\(identity.subject)'\n")
        if identity.development { Console.error(SigningChoice.developmentWarning()) }
        let p = statement.predicate
        if p.level.reached < .compatible || !p.tiers.allSatisfy(\.qualified) { throw Failure.silent(.notCertified) }
    }
}
