import CertifyBase
import Foundation
import Testing

/// The exit table is written once, in `ExitStatus`; the README shows exactly it.
@Suite struct ExitStatusTests {
    static let readme = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("README.md")

    @Test func theReadmesTableIsTheOneInTheCode() throws {
        let text = try String(contentsOf: Self.readme, encoding: .utf8)
        #expect(text.contains(ExitStatus.markdownTable + "\n"), "README.md's exit table differs from ExitStatus.markdownTable:\n\(ExitStatus.markdownTable)")
    }

    @Test func everyStatusHasItsOwnCodeAndMeaning() {
        #expect(Set(ExitStatus.allCases.map(\.rawValue)).count == ExitStatus.allCases.count)
        #expect(ExitStatus.allCases.allSatisfy { !$0.meaning.isEmpty && !$0.meaning.hasSuffix(".") })
    }

    @Test func aFailurePrintsItsMessageThenItsNotes() {
        #expect(Failure(.noInput, "report 'x' does not exist", notes: ["hint: y"]).description == "error: report 'x' does not exist\nhint: y")
        #expect(Failure.silent(.notCertified).description == "")
    }
}

/// Paths as users type them.
@Suite struct FileLocatorTests {
    @Test func aPathResolvesCaseInsensitivelyWhenTheExactSpellingIsMissing() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("certify-locator-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("Profiles"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        try Data().write(to: root.appendingPathComponent("Profiles/ascend.yaml"))
        #expect(FileLocator.resolve(root.path + "/profiles/ascend.yaml") == root.path + "/Profiles/ascend.yaml")
        #expect(FileLocator.resolve(root.path + "/Profiles/ascend.yaml") == root.path + "/Profiles/ascend.yaml")
        #expect(FileLocator.resolve(root.path + "/profiles/none.yaml") == nil)
    }
}
