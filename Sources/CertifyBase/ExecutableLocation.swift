import Foundation

/// Where the running certify binary lives, and the repository it was built in.
package enum ExecutableLocation {
    /// The folder of the running executable (the certify binary, or the test runner).
    package static var directory: String {
        let resolved = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: resolved).deletingLastPathComponent().path
    }

    /// `Certs/` in the nearest folder above the executable that has one (the repository of a `swift build`).
    package static var repositoryCerts: String? {
        var folder = URL(fileURLWithPath: directory)
        while folder.path != "/" {
            let certs = folder.appendingPathComponent("Certs")
            if FileManager.default.fileExists(atPath: certs.appendingPathComponent("README.md").path) { return certs.path }
            folder.deleteLastPathComponent()
        }
        return nil
    }
}
