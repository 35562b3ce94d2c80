import CertifyBackends
import CertifyBase
import Foundation
import Testing

/// A broken plugin names the library and what is wrong with it, and exits 69.
@Suite struct PluginLoadingTests {
    private func run(library: String, sha256: String? = nil, options: [String: String] = [:]) throws -> CLI.Result {
        let folder = try TemporaryDirectory()
        let path = try folder.write("chip.yaml", profile("cpu.yaml", options: options, library: library, sha256: sha256))
        return try CLI.run(["--chip", path, "--suite", "quick", "--output", folder.path("report")])
    }

    /// Compiles a tiny plugin from C source with the system compiler, as a vendor would.
    private func compile(_ source: String, in folder: TemporaryDirectory) throws -> String {
        try compileC(source, in: folder, output: "libbroken.so", ["-shared", "-fPIC"])
    }

    /// Several plugins loaded in one process (in-process isolation, a gate's A/B pair, the tests)
    /// each run their own code: each is opened through /proc/self/fd/N, and glibc would hand back
    /// an already loaded object of the same name if a descriptor's number were reused.
    @Test func pluginsLoadedSideBySideAreEachTheirOwn() throws {
        func plugin(_ name: String) -> String {
            URL(fileURLWithPath: ExecutableLocation.directory).appendingPathComponent("libcertify_backend_\(name).so").path
        }
        let names = ["cpu", "ascend", "cambricon", "defective"]
        var sessions = try names.map { try InProcessSession(path: plugin($0), expectedSHA256: nil, options: []) }
        #expect(sessions.map(\.description.name) == names)
        // One released, another loaded (its number may be the released one's): still its own.
        sessions.removeFirst()
        let hygon = try InProcessSession(path: plugin("hygon"), expectedSHA256: nil, options: [])
        #expect(hygon.description.name == "hygon")
        #expect(sessions.map(\.description.name) == Array(names.dropFirst()))
    }

    /// The same library in two sessions is one object to glibc, named by the first descriptor it
    /// was opened through; released by that session, it stays loaded for the other, and the next
    /// plugin opened on the freed number would be handed it. Each must still be its own.
    @Test func aPluginOpenedAfterASharedOneIsReleasedIsItsOwn() throws {
        func plugin(_ name: String) -> String {
            URL(fileURLWithPath: ExecutableLocation.directory).appendingPathComponent("libcertify_backend_\(name).so").path
        }
        var first: InProcessSession? = try InProcessSession(path: plugin("cpu"), expectedSHA256: nil, options: [])
        let second = try InProcessSession(path: plugin("cpu"), expectedSHA256: nil, options: [])
        #expect(first?.description.name == "cpu")
        first = nil
        for name in ["defective", "ascend", "hygon"] {
            let next = try InProcessSession(path: plugin(name), expectedSHA256: nil, options: [])
            #expect(next.description.name == name)
        }
        #expect(second.description.name == "cpu")
    }

    @Test func missingLibraryNameSaysWhereItLookedAndWhatToRun() throws {
        let result = try run(library: "certify_backend_nowhere")
        #expect(result.status == ExitStatus.backendUnavailable.rawValue)
        #expect(result.stderr.hasPrefix("error: backend library 'certify_backend_nowhere' not found; looked for "))
        #expect(result.stderr.contains("libcertify_backend_nowhere.so"))
        #expect(
            result.stderr.hasSuffix(
                ". Build it as its vendor says, then set CERTIFY_BACKEND_PATH to the folder that holds "
                    + "libcertify_backend_nowhere.so, or give backend.library as the library's path\n"))
    }

    /// The real-library backends are no SwiftPM products: the hint names the script that builds them.
    @Test func aMissingRealLibraryBackendPointsAtItsBuildScript() throws {
        let hint = PluginLocator.howToBuild("certify_backend_opencl", "libcertify_backend_opencl.so")
        #expect(
            hint == "Build it with `scripts/build-real-backends \"\" opencl` from the certify repository, once its library's "
                + "Debian packages are installed (docs/real-libraries.md)")
        #expect(PluginLocator.howToBuild("certify_backend_ascend", "libcertify_backend_ascend.so").hasPrefix("Build it with `swift build` "))
    }

    @Test func missingLibraryPath() throws {
        let result = try run(library: "/nonexistent/libx.so")
        #expect(result.status == ExitStatus.backendUnavailable.rawValue)
        #expect(result.stderr == "error: backend library '/nonexistent/libx.so' does not exist\n")
    }

    @Test func fileThatIsNotASharedLibrary() throws {
        let folder = try TemporaryDirectory()
        let path = try folder.write("libtext.so", "not an ELF file\n")
        let result = try run(library: path)
        #expect(result.status == ExitStatus.backendUnavailable.rawValue)
        #expect(result.stderr.hasPrefix("error: backend library '\(path)' is not a loadable shared library: "))
        #expect(result.stderr.contains("invalid ELF header") || result.stderr.contains("file too short"))
    }

    @Test func sharedLibraryWithoutTheBootstrapSymbol() throws {
        let folder = try TemporaryDirectory()
        let path = try compile("int not_a_backend(void) { return 0; }\n", in: folder)
        let result = try run(library: path)
        #expect(result.status == ExitStatus.backendUnavailable.rawValue)
        #expect(result.stderr == "error: backend library '\(path)' does not export certify_backend_bootstrap; is it a certify backend?\n")
    }

    @Test func pluginOfAnotherABIMajorIsRefused() throws {
        let folder = try TemporaryDirectory()
        let path = try compile(
            """
            #include "certify_backend.h"
            static cb_api table = { sizeof(cb_api), 2, 0, "future", "9.0" };
            const cb_api *certify_backend_bootstrap(const cb_bootstrap_request *r) { (void)r; return &table; }
            """, in: folder)
        let result = try run(library: path)
        #expect(result.status == ExitStatus.backendUnavailable.rawValue)
        #expect(result.stderr == "error: backend library '\(path)' implements plugin ABI 2.0; this certify speaks ABI 1.x\n")
    }

    @Test func pluginThatRefusesTheHarnessABI() throws {
        let folder = try TemporaryDirectory()
        let path = try compile(
            """
            #include "certify_backend.h"
            const cb_api *certify_backend_bootstrap(const cb_bootstrap_request *r) { (void)r; return 0; }
            """, in: folder)
        let result = try run(library: path)
        #expect(result.status == ExitStatus.backendUnavailable.rawValue)
        #expect(result.stderr == "error: backend library '\(path)' refused plugin ABI 1.2: certify_backend_bootstrap returned NULL\n")
    }

    @Test func pluginWithNullEntryPoints() throws {
        let folder = try TemporaryDirectory()
        let path = try compile(
            """
            #include "certify_backend.h"
            static cb_api table = { sizeof(cb_api), 1, 0, "empty", "0.1" };
            const cb_api *certify_backend_bootstrap(const cb_bootstrap_request *r) { (void)r; return &table; }
            """, in: folder)
        let result = try run(library: path)
        #expect(result.status == ExitStatus.backendUnavailable.rawValue)
        #expect(result.stderr.hasPrefix("error: backend library '\(path)' leaves required entry points NULL: create, destroy,"))
    }

    @Test func libraryThatDiffersFromThePinnedHash() throws {
        let pin = String(repeating: "0", count: 64)
        let result = try run(library: "certify_backend_cpu", sha256: pin)
        #expect(result.status == ExitStatus.backendUnavailable.rawValue)
        #expect(result.stderr.hasPrefix("error: backend library '"))
        #expect(result.stderr.contains("libcertify_backend_cpu.so' has SHA-256 "))
        #expect(result.stderr.hasSuffix(", but the profile pins \(pin)\n"))
    }

    @Test func backendThatRejectsAnOption() throws {
        let result = try run(library: "certify_backend_cpu", options: ["turbo": "yes"])
        #expect(result.status == ExitStatus.backendUnavailable.rawValue)
        #expect(result.stderr.contains("failed to create a backend: INVALID_ARGUMENT: unknown option 'turbo'"))
    }
}

/// Every bundled plugin exports exactly one symbol, as the ABI requires of vendors.
@Suite struct BundledPluginTests {
    @Test(arguments: ["cpu", "ascend", "cambricon", "hygon"])
    func exportsOnlyTheBootstrap(_ name: String) throws {
        let library = CLI.buildDirectory.appendingPathComponent("libcertify_backend_\(name).so").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["nm", "-D", "--defined-only", library]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let symbols = String(decoding: data, as: UTF8.self).split(separator: "\n")
            .compactMap { $0.split(separator: " ").last.map(String.init) }
            .filter { !$0.hasPrefix("_") }
        #expect(symbols == ["certify_backend_bootstrap"])
    }
}
