import ArgumentParser
import CertifyBase
import CertifyReport
import Foundation

/// `certify explain REPORT`: what to fix to reach each level or tier the report did not reach.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Print, for each level or tier a report did not reach, the cases to fix to reach it.",
        discussion: """
            REPORT is a report folder or its report.json. When the folder holds a signed
            envelope (report.dsse.json) it is verified first, as 'certify verify' does, and
            the verified statement is explained; the exit codes are verify's when it fails.
            """)

    @Argument(help: ArgumentHelp("The report folder or its report.json.", valueName: "report"))
    var report: String

    @OptionGroup var trust: TrustOption

    func run() throws {
        var isDirectory: ObjCBool = false
        guard let path = FileLocator.resolve(report), FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw Failure(.noInput, "report '\(report)' does not exist")
        }
        let folder = isDirectory.boolValue ? URL(fileURLWithPath: path) : URL(fileURLWithPath: path).deletingLastPathComponent()
        let statementPath = isDirectory.boolValue ? folder.appendingPathComponent(ReportWriter.statementFile).path : path
        let envelopePath = folder.appendingPathComponent(ReportWriter.envelopeFile).path
        let statement: Statement
        if FileManager.default.fileExists(atPath: envelopePath) {
            let store = try trust.store()
            statement = try ReportFiles.verified(envelopePath, trust: store).statement
        } else {
            guard let data = FileManager.default.contents(atPath: statementPath) else {
                throw Failure(.noInput, "cannot read '\(statementPath)'")
            }
            do {
                statement = try Statement.decode(data)
            } catch {
                throw Failure(.malformedReport, "'\(statementPath)' is not a certify report: \(error)")
            }
            Console.error("warning: '\(statementPath)' has no signed envelope next to it; explaining it unverified")
        }
        Console.output(Explanation(statement.predicate).render())
    }
}
