import CertifyBackends
import Foundation

/// Runs the real certify binary that `swift build` put next to the test runner.
struct CLI {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let buildDirectory = URL(fileURLWithPath: PluginLocator.executableDirectory)

    static var executable: URL { buildDirectory.appendingPathComponent("certify") }

    /// One configuration folder for every certify this test process runs.
    static let configHome: String = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("certify-test-config-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }()

    /// One oracle cache folder for every certify this test process runs, never the user's: runs of
    /// the same cases share their references, as runs on one machine do.
    static let cacheHome: String = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("certify-test-cache-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }()

    /// The environment every certify of the tests runs with, over the test process's own: the
    /// development signing identity and the oracle cache go to folders of the test run's.
    static var isolated: [String: String] { ["XDG_CONFIG_HOME": configHome, "XDG_CACHE_HOME": cacheHome] }

    /// Runs `certify arguments` with the repository root as the working directory.
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let scratch = try TemporaryDirectory()
        let out = scratch.url.appendingPathComponent("stdout")
        let err = scratch.url.appendingPathComponent("stderr")
        try Data().write(to: out)
        try Data().write(to: err)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = repositoryRoot
        process.environment = ProcessInfo.processInfo.environment.merging(isolated) { $1 }.merging(environment) { $1 }
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            stdout: try String(contentsOf: out, encoding: .utf8),
            stderr: try String(contentsOf: err, encoding: .utf8))
    }
}

/// A fresh folder under the system's temporary directory, removed when released.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("certify-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    /// Writes `text` to `name` inside the folder and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let file = url.appendingPathComponent(name)
        try Data(text.utf8).write(to: file)
        return file.path
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

/// A bundled profile's text, for tests that derive a variant of it.
func bundledProfile(_ name: String) throws -> String {
    try String(contentsOf: CLI.repositoryRoot.appendingPathComponent("Profiles/\(name)"), encoding: .utf8)
}

/// The profile text with `library:` pointing at a bundled backend by absolute path and extra
/// `backend.options` appended.
func profile(_ name: String, options: [String: String] = [:], library: String? = nil, sha256: String? = nil) throws -> String {
    var text = try bundledProfile(name)
    if let library {
        text = text.replacingOccurrences(
            of: #"library: [^\n]*"#, with: "library: \(library)", options: .regularExpression)
    }
    if let sha256 {
        text = text.replacingOccurrences(of: "\nbackend:\n", with: "\nbackend:\n  sha256: \(sha256)\n")
    }
    if !options.isEmpty {
        let lines = options.sorted { $0.key < $1.key }.map { "    \($0.key): \($0.value)" }.joined(separator: "\n")
        if text.contains("  options:\n") {
            text = text.replacingOccurrences(of: "  options:\n", with: "  options:\n\(lines)\n")
        } else {
            text = text.replacingOccurrences(of: "\nnumerics:", with: "\n  options:\n\(lines)\nnumerics:")
        }
    }
    return text
}

/// Compiles C `source` against the plugin ABI header with the system compiler into `output` inside
/// `folder`, with `arguments` (e.g. `-shared -fPIC`, libraries); returns the output's path.
func compileC(_ source: String, in folder: TemporaryDirectory, output: String, _ arguments: [String]) throws -> String {
    let c = try folder.write(output + ".c", source)
    let product = folder.path(output)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [
        "cc", "-std=c11", "-I", CLI.repositoryRoot.appendingPathComponent("Sources/CCertifyBackend/include").path, "-o", product, c,
    ] + arguments
    let log = Pipe()
    process.standardError = log
    try process.run()
    let printed = String(decoding: log.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw CompileFailed(log: printed) }
    return product
}

/// cc failed; `log` is what it printed.
struct CompileFailed: Error, CustomStringConvertible {
    var log: String
    var description: String { "cc failed: \(log)" }
}
