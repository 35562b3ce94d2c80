import CertifyBattery
import CertifyBase
import CertifyReport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Ctrl-C and SIGTERM leave a valid partial report; `--resume` finishes it.
@Suite struct InterruptionTests {
    /// Starts certify on the faulty backend with `fault` on silu, waits until the journal holds
    /// `lines` lines, sends `signal`, and returns the exit status.
    private func interrupt(
        _ signal: Int32, profilePath: String, output: String, afterJournalLines lines: Int, extra: [String] = []
    ) throws -> Int32 {
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = ["--chip", profilePath, "--suite", "quick", "--output", output] + extra
        process.currentDirectoryURL = CLI.repositoryRoot
        process.environment = ProcessInfo.processInfo.environment.merging(CLI.isolated) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let journal = URL(fileURLWithPath: output).appendingPathComponent("journal.jsonl")
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let text = (try? String(contentsOf: journal, encoding: .utf8)) ?? ""
            if text.split(separator: "\n").count >= lines { break }
            usleep(20_000)
        }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        return process.terminationStatus
    }

    @Test func sigintLeavesAnIncompleteReportAndExits130() throws {
        let folder = try TemporaryDirectory()
        let path = try folder.write(
            "faulty.yaml", FaultMatrixTests.faultyProfile(["fault.silu": "hang"], timeout: "120"))
        let output = folder.path("report")
        let started = Date()
        // Header + every case before the first silu case, which then hangs.
        let silu = try #require(Battery.cases(.quick).firstIndex { $0.kernel == .silu })
        let status = try interrupt(SIGINT, profilePath: path, output: output, afterJournalLines: silu + 1)
        #expect(status == ExitStatus.interrupted.rawValue)
        #expect(Date().timeIntervalSince(started) < 60, "the hung case's 120 s deadline was not waited out")
        let report = try Statement.read(folder: URL(fileURLWithPath: output))
        #expect(report.predicate.complete == false)
        #expect(report.predicate.incompleteReason == "interrupted by SIGINT; continue with --resume \(output)")
        let cases = report.predicate.cases
        #expect(cases.count == Battery.cases(.quick).count)
        #expect(cases.prefix(silu).allSatisfy { $0.outcome == .passed })
        #expect(cases[silu].id == Battery.cases(.quick)[silu].id)
        #expect(cases[silu].outcome == .notRun)
        #expect(cases[silu].message == "the run was interrupted by SIGINT")
        #expect(cases.dropFirst(silu).allSatisfy { $0.outcome == .notRun })
    }

    @Test func sigtermExits143AndResumeFinishesTheRunWithoutRepeatingFinishedCases() throws {
        let folder = try TemporaryDirectory()
        let path = try folder.write(
            "faulty.yaml", FaultMatrixTests.faultyProfile(["fault.silu": "hang"], timeout: "3"))
        let output = folder.path("report")
        let status = try interrupt(SIGTERM, profilePath: path, output: output, afterJournalLines: 3)
        #expect(status == ExitStatus.terminated.rawValue)
        let reportURL = URL(fileURLWithPath: output)
        let partial = try Statement.read(folder: reportURL).predicate
        #expect(partial.complete == false)
        let finished = partial.cases.filter { $0.outcome != .notRun }
        #expect(finished.count >= 2)

        // Five silu cases hang in a row; a higher crash limit lets the run finish anyway.
        let resumed = try CLI.run(
            ["--chip", path, "--suite", "quick", "--resume", output, "--max-consecutive-crashes", "10"])
        // The hung silu cases time out, so the chip is not certified, but the run is complete.
        #expect(resumed.status == ExitStatus.notCertified.rawValue, "\(resumed.stderr)")
        let report = try Statement.read(folder: reportURL).predicate
        #expect(report.complete)
        #expect(report.cases.map(\.id) == Battery.cases(.quick).map(\.id))
        #expect(!report.cases.contains { $0.outcome == .notRun })
        // Finished cases are taken from the journal as they were, timings included.
        for old in finished {
            #expect(report.cases.first { $0.id == old.id } == old)
        }
        #expect(report.run.startedAt == partial.run.startedAt)
    }

    @Test func resumeKeepsTheSeedTheRunDrew() throws {
        let folder = try TemporaryDirectory()
        let path = try folder.write(
            "faulty.yaml", FaultMatrixTests.faultyProfile(["fault.silu": "hang"], timeout: "3"))
        let output = folder.path("report")
        let status = try interrupt(SIGTERM, profilePath: path, output: output, afterJournalLines: 3, extra: ["--seed", "drawn"])
        #expect(status == ExitStatus.terminated.rawValue)
        let reportURL = URL(fileURLWithPath: output)
        let partial = try Statement.read(folder: reportURL).predicate.run
        #expect(partial.seedOrigin == .drawn)
        let resumed = try CLI.run(["--chip", path, "--resume", output, "--max-consecutive-crashes", "10"])
        #expect(resumed.status == ExitStatus.notCertified.rawValue, "\(resumed.stderr)")
        let run = try Statement.read(folder: reportURL).predicate.run
        #expect(run.seed == partial.seed)
        #expect(run.seedOrigin == .drawn)
        #expect(run.suite == .quick)
        #expect(resumed.stdout.contains("· seed \(partial.seed) (drawn)"))
    }

    @Test func resumeRefusesARunStartedWithOtherOptions() throws {
        let folder = try TemporaryDirectory()
        let output = folder.path("report")
        _ = try CLI.run(["--chip", "Profiles/cpu.yaml", "--suite", "quick", "--output", output])
        let result = try CLI.run(["--chip", "Profiles/cpu.yaml", "--suite", "quick", "--seed", "9", "--resume", output])
        #expect(result.status == ExitStatus.usage.rawValue)
        #expect(result.stderr == "error: cannot resume '\(output)': it was started with --seed 1; run with the same options\n")
    }

    @Test func resumeWithoutAJournalIsAMissingInput() throws {
        let folder = try TemporaryDirectory()
        let result = try CLI.run(["--chip", "Profiles/cpu.yaml", "--suite", "quick", "--resume", folder.path("none")])
        #expect(result.status == ExitStatus.noInput.rawValue)
        #expect(
            result.stderr
                == "error: cannot resume: '\(folder.path("none"))/journal.jsonl' does not exist or cannot be read; is it a report folder of an interrupted run?\n")
    }
}
