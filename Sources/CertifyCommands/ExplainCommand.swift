import CertifyTrust
import ArgumentParser
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

    @Option(help: ArgumentHelp("Trusted roots: a PEM file or a folder of *.pem (default: the repository's Certs/).", valueName: "path"))
    var trust: String?

    func run() throws {
        var isDirectory: ObjCBool = false
        guard let path = FileLocator.resolve(report), FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            Standard.error("error: report '\(report)' does not exist")
            throw ExitStatus.noInput.exitCode
        }
        let folder = isDirectory.boolValue ? URL(fileURLWithPath: path) : URL(fileURLWithPath: path).deletingLastPathComponent()
        let statementPath = isDirectory.boolValue ? folder.appendingPathComponent(ReportWriter.statementFile).path : path
        let envelopePath = folder.appendingPathComponent(ReportWriter.envelopeFile).path
        let statement: Statement
        if FileManager.default.fileExists(atPath: envelopePath) {
            statement = try verified(envelopePath)
        } else {
            guard let data = FileManager.default.contents(atPath: statementPath) else {
                Standard.error("error: cannot read '\(statementPath)'")
                throw ExitStatus.noInput.exitCode
            }
            do {
                statement = try Statement.decode(data)
            } catch {
                Standard.error("error: '\(statementPath)' is not a certify report: \(error)")
                throw ExitStatus.malformedReport.exitCode
            }
            Standard.error("warning: '\(statementPath)' has no signed envelope next to it; explaining it unverified")
        }
        Standard.output(Explanation(statement.predicate).render())
    }

    private func verified(_ envelopePath: String) throws -> Statement {
        guard let location = trust ?? VerifyCommand.repositoryCerts() else {
            Standard.error("error: no trust store: pass --trust with a root certificate or a folder of them")
            throw ExitStatus.noInput.exitCode
        }
        let store: TrustStore
        do {
            store = try TrustStore.load(location)
        } catch {
            Standard.error("error: trust store: \(error.description)")
            throw ExitStatus.noInput.exitCode
        }
        guard let bytes = FileManager.default.contents(atPath: envelopePath) else {
            Standard.error("error: cannot read '\(envelopePath)'")
            throw ExitStatus.noInput.exitCode
        }
        let result = Result { () throws(VerificationError) in try ReportVerifier.verify(bytes, trust: store) }
        switch result {
        case .success(let report): return report.statement
        case .failure(let error):
            throw VerifyCommand.refuse(envelopePath, error).exitCode
        }
    }
}
