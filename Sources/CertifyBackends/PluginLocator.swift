import CertifyBase
import Foundation

/// Finds the shared library a chip profile names.
///
/// `backend.library` is either a path (it contains a `/` or ends in `.so`), taken relative to the
/// profile's folder, or a bare name such as `certify_backend_ascend`, looked up as
/// `lib<name>.so` in each folder of `CERTIFY_BACKEND_PATH` and then next to the certify
/// executable, where `swift build` puts the bundled backends.
package struct PluginLocator: Sendable {
    package var searchDirectories: [String]

    package init(searchDirectories: [String]) {
        self.searchDirectories = searchDirectories
    }

    /// The default search order: `CERTIFY_BACKEND_PATH`, then the executable's folder.
    package static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> PluginLocator {
        var directories = (environment["CERTIFY_BACKEND_PATH"] ?? "").split(separator: ":").map(String.init)
        directories.append(executableDirectory)
        return PluginLocator(searchDirectories: directories)
    }

    /// The folder of the running executable (the certify binary, or the test runner).
    package static var executableDirectory: String { ExecutableLocation.directory }

    /// The library's absolute path, or an error that says where it looked and what to run.
    package func resolve(_ library: String, relativeTo profileDirectory: String) throws(BackendError) -> String {
        if library.contains("/") || library.hasSuffix(".so") {
            let path = library.hasPrefix("/") ? library : URL(fileURLWithPath: profileDirectory).appendingPathComponent(library).standardized.path
            guard FileManager.default.fileExists(atPath: path) else {
                throw BackendError(.notFound, "backend library '\(path)' does not exist")
            }
            return path
        }
        let file = "lib\(library).so"
        let candidates = searchDirectories.map { URL(fileURLWithPath: $0).appendingPathComponent(file).path }
        if let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) {
            return found
        }
        throw BackendError(
            .notFound, "backend library '\(library)' not found; looked for \(candidates.joined(separator: ", ")). \(Self.howToBuild(library, file))")
    }

    /// What builds `library`: `swift build` for a bundled backend, scripts/build-real-backends for
    /// one over a real library (not a SwiftPM product), else its vendor's build and CERTIFY_BACKEND_PATH.
    package static func howToBuild(_ library: String, _ file: String) -> String {
        let name = library.hasPrefix("certify_backend_") ? String(library.dropFirst("certify_backend_".count)) : library
        if ["cpu", "ascend", "cambricon", "hygon", "defective", "faulty"].contains(name) {
            return "Build it with `swift build` from the certify repository, which puts the bundled backends next to certify"
        }
        if ["openblas", "onednn", "opencl"].contains(name) {
            return "Build it with `scripts/build-real-backends \"\" \(name)` from the certify repository, once its library's "
                + "Debian packages are installed (docs/real-libraries.md)"
        }
        return "Build it as its vendor says, then set CERTIFY_BACKEND_PATH to the folder that holds \(file), "
            + "or give backend.library as the library's path"
    }
}
