import CertifyBattery
import CertifyReport
import Foundation
import Testing

/// The cpu backend is the template vendors copy: the "Copy and build" commands of its README,
/// run as written (less the vendor's own runtime library), give a plugin that exports one
/// symbol and certifies like the bundled cpu backend.
@Suite struct TemplateRecipeTests {
    @Test func theReadmesCopyAndBuildCommandsGiveAWorkingPlugin() throws {
        let readme = try String(
            contentsOf: CLI.repositoryRoot.appendingPathComponent("Sources/Backends/cpu/README.md"), encoding: .utf8)
        let section = try #require(readme.range(of: "## 1. Copy and build"))
        let start = try #require(readme.range(of: "```sh\n", range: section.upperBound..<readme.endIndex))
        let end = try #require(readme.range(of: "```", range: start.upperBound..<readme.endIndex))
        let commands = readme[start.upperBound..<end.lowerBound].replacingOccurrences(of: " -lmychip_runtime", with: "")

        // The commands name the repository's files by relative path: run them beside a link to Sources.
        let folder = try TemporaryDirectory()
        try FileManager.default.createSymbolicLink(
            at: folder.url.appendingPathComponent("Sources"), withDestinationURL: CLI.repositoryRoot.appendingPathComponent("Sources"))
        let script = try folder.write("recipe.sh", "set -euo pipefail\n" + commands)
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/bash")
        shell.arguments = [script]
        shell.currentDirectoryURL = folder.url
        let output = Pipe()
        shell.standardOutput = output
        shell.standardError = output
        try shell.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        shell.waitUntilExit()
        #expect(shell.terminationStatus == 0, "\(printed)")
        #expect(!printed.contains("warning:"), "\(printed)")
        // nm lists the exported symbols: the bootstrap alone.
        let exported = printed.split(separator: "\n").filter { $0.contains(" T ") }
        #expect(exported.count == 1 && exported[0].hasSuffix(" T certify_backend_bootstrap"), "\(printed)")

        let library = folder.url.appendingPathComponent("libcertify_backend_mychip.so").path
        let path = try folder.write("mychip.yaml", profile("cpu.yaml", library: library))
        let result = try CLI.run(["--chip", path, "--suite", "quick", "--output", folder.path("report")])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\(Battery.cases(.quick).count) cases: \(Battery.cases(.quick).count) passed"), "\(result.stdout)")
        #expect(result.stdout.contains("Level reached: L2 Validated"))
    }
}
