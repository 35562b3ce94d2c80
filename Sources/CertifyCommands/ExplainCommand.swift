import ArgumentParser
import CertifyBase
import CertifyReport
import CertifyTrust
import Foundation

/// `certify explain REPORT`: what to fix to reach each level or tier the report did not reach.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Print, for each level or tier a report did not reach, the cases to fix to reach it.",
        discussion: """
            REPORT is a report folder or its report.json. When the folder holds a signed
            envelope (report.dsse.json) it is verified first, as 'certify verify' does, and
            the verified statement is explained. A report whose signer does not chain to a
            trusted root (or with no trust store to check it against), or a report.json with no
            envelope, is explained under a first line 'NOT VERIFIED: ...': a diagnosis, never
            evidence. A malformed envelope (20) or a
            bad signature (21) is refused: its content is not what anyone signed.
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
        var statement: Statement
        var unverified: String?
        if FileManager.default.fileExists(atPath: envelopePath) {
            let bytes = try ReportFiles.read(envelopePath)
            if trust.path == nil && ExecutableLocation.repositoryCerts == nil {
                // An installed certify has no repository Certs/ to fall back on: nothing to verify
                // against, which for a diagnostic is the same as an untrusted signer.
                statement = try Self.signedStatement(bytes, path: envelopePath)
                Console.error("warning: no trust store: pass --trust with a root certificate or a folder of them")
                unverified = "no trust store (certify verify needs --trust)"
            } else {
                let store = try trust.store()
                do {
                    statement = try ReportVerifier.verify(bytes, trust: store).statement
                } catch where error.kind == .untrustedSigner {
                    // explain is a diagnostic: a report nobody here trusts yet (the development identity
                    // of a first run, a root not in this store) is still worth reading, once its signature
                    // holds, so that what is shown is what its signer signed.
                    statement = try Self.signedStatement(bytes, path: envelopePath)
                    let refusal = Failure(error, path: envelopePath)
                    Console.error((["warning: \(refusal.message)"] + refusal.notes).joined(separator: "\n"))
                    unverified = "untrusted signer (certify verify exits \(ExitStatus.untrustedSigner.rawValue))"
                } catch {
                    throw Failure(error, path: envelopePath)
                }
            }
            // The cases and samples the statement binds by digest: a missing or altered cases.json
            // or latency.bin is refused (21) as an altered payload is, trusted signer or not.
            do {
                try statement.attachSideFiles(from: folder)
            } catch {
                throw Failure(error, path: envelopePath)
            }
        } else {
            guard let data = FileManager.default.contents(atPath: statementPath) else {
                throw Failure(.noInput, "cannot read '\(statementPath)'")
            }
            do {
                statement = try Statement.decode(data)
            } catch {
                throw Failure(.malformedReport, "'\(statementPath)' is not a certify report: \(error)")
            }
            do {
                try statement.attachSideFiles(from: folder)
            } catch {
                throw Failure(error, path: statementPath)
            }
            unverified = "no signed envelope next to '\(statementPath)'"
        }
        if let unverified {
            Console.output(
                "NOT VERIFIED: \(unverified) — do not rely on this for certification; "
                    + "check the signed report with 'certify verify --trust ROOT' first\n")
        }
        Console.output(Explanation(statement.predicate).render())
    }

    /// The statement of the envelope `bytes` once its form and signature hold, whoever signed it.
    private static func signedStatement(_ bytes: Data, path: String) throws(Failure) -> Statement {
        do {
            return try ReportVerifier.verifySignature(bytes).statement
        } catch {
            throw Failure(error, path: path)
        }
    }
}
