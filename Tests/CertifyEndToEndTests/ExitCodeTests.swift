import CertifyBase
import Foundation
import Testing

/// Every documented exit code, with the exact message a user sees.
@Suite struct ExitCodeTests {
    @Test func missingChipOptionIsAUsageError() throws {
        let result = try CLI.run([])
        #expect(result.status == ExitStatus.usage.rawValue)
        #expect(result.stderr.contains("Missing expected argument '--chip <file>'"))
    }

    @Test func unknownSuiteIsAUsageError() throws {
        let result = try CLI.run(["--chip", "Profiles/cpu.yaml", "--suite", "huge"])
        #expect(result.status == ExitStatus.usage.rawValue)
    }

    @Test func missingChipProfile() throws {
        let result = try CLI.run(["--chip", "Profiles/nope.yaml"])
        #expect(result.status == ExitStatus.noInput.rawValue)
        #expect(result.stderr == "error: chip profile 'Profiles/nope.yaml' does not exist\n")
    }

    @Test func missingTierProfile() throws {
        let result = try CLI.run(["--chip", "Profiles/cpu.yaml", "--tier", "Profiles/tiers/nope.yaml"])
        #expect(result.status == ExitStatus.noInput.rawValue)
        #expect(result.stderr == "error: tier profile 'Profiles/tiers/nope.yaml' does not exist\n")
    }

    @Test func badChipProfileNamesFileLineColumnAndKey() throws {
        let folder = try TemporaryDirectory()
        let text = try bundledProfile("cpu.yaml").replacingOccurrences(of: "\nchip:\n", with: "\nchip:\n  colour: red\n")
        let path = try folder.write("bad.yaml", text)
        let result = try CLI.run(["--chip", path])
        #expect(result.status == ExitStatus.badProfile.rawValue)
        let line = text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0 == "  colour: red" }! + 1
        #expect(result.stderr.hasPrefix("\(path):\(line):3: error: unknown key 'colour' in chip"))
        #expect(result.stderr.contains("  colour: red\n  ^"))
    }

    @Test func badTierProfile() throws {
        let folder = try TemporaryDirectory()
        let path = try folder.write("tier.yaml", "schema: 1\ntier:\n  id: x\n  name: X\n  required_level: L9\n")
        let result = try CLI.run(["--chip", "Profiles/cpu.yaml", "--tier", path])
        #expect(result.status == ExitStatus.badProfile.rawValue)
        #expect(result.stderr.hasPrefix("\(path):5:19: error: 'tier.required_level' must be one of L1, L2, L3; got 'L9'"))
    }

    /// A tier profile given as --chip (or a chip profile as --tier) is a profile error with a hint.
    @Test func aProfileOfTheOtherKindGetsAHintToTheRightOption() throws {
        let tier = try CLI.run(["--chip", "Profiles/tiers/enterprise.yaml", "--suite", "quick"])
        #expect(tier.status == ExitStatus.badProfile.rawValue)
        #expect(
            tier.stderr == "Profiles/tiers/enterprise.yaml:5:1: error: unknown key 'tier' at top level\ntier:\n^\n"
                + "hint: 'Profiles/tiers/enterprise.yaml' is a tier profile: give it with --tier, and a chip profile with --chip\n")
        let chip = try CLI.run(["--chip", "Profiles/cpu.yaml", "--tier", "Profiles/ascend.yaml", "--suite", "quick"])
        #expect(chip.status == ExitStatus.badProfile.rawValue)
        #expect(chip.stderr.hasSuffix("\nhint: 'Profiles/ascend.yaml' is a chip profile: give it with --chip, and tier profiles with --tier\n"))
    }

    @Test func unwritableReportFolder() throws {
        let result = try CLI.run(["--chip", "Profiles/cpu.yaml", "--suite", "quick", "--output", "/dev/null/report"])
        #expect(result.status == ExitStatus.cannotWrite.rawValue)
        #expect(result.stderr.contains("error: cannot write the report to '/dev/null/report'"))
    }

    /// A second run into a report folder is refused before anything runs, and the report there is untouched.
    @Test func outputNeverOverwritesAReport() throws {
        let run = try #require(SignedRun.shared)
        let before = try Data(contentsOf: URL(fileURLWithPath: run.envelope))
        let result = try CLI.run(["--chip", "Profiles/cpu.yaml", "--suite", "quick", "--output", run.report])
        #expect(result.status == ExitStatus.cannotWrite.rawValue)
        #expect(
            result.stderr
                == "error: '\(run.report)' already holds a report (report.dsse.json); certify never overwrites one: "
                + "choose another --output, or --resume '\(run.report)' to continue a run that was cut short\n")
        #expect(try Data(contentsOf: URL(fileURLWithPath: run.envelope)) == before)
        // An empty folder is a fine place for a report.
        let empty = try TemporaryDirectory()
        let fresh = try CLI.run(["--chip", "Profiles/cpu.yaml", "--suite", "quick", "--output", empty.url.path])
        #expect(fresh.status == 0, "\(fresh.stderr)")
    }

    @Test func helpTellsANewcomerWhatToRun() throws {
        let result = try CLI.run(["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("certify --chip profiles/ascend.yaml"))
        #expect(result.stdout.contains("--suite <suite>"))
    }
}
