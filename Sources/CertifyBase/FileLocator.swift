import Foundation

/// Resolves paths the way users type them.
package enum FileLocator {
    /// `path` if it exists; otherwise the one existing path that matches it with each component
    /// compared case-insensitively (so `profiles/ascend.yaml` finds `Profiles/ascend.yaml`).
    package static func resolve(_ path: String) -> String? {
        let manager = FileManager.default
        if manager.fileExists(atPath: path) { return path }
        let absolute = path.hasPrefix("/")
        var current = absolute ? "/" : "."
        var resolved: [String] = []
        for component in path.split(separator: "/").map(String.init) {
            if component == "." || component == ".." {
                resolved.append(component)
                current = (current as NSString).appendingPathComponent(component)
                continue
            }
            let exact = (current as NSString).appendingPathComponent(component)
            if manager.fileExists(atPath: exact) {
                resolved.append(component)
                current = exact
                continue
            }
            let entries = (try? manager.contentsOfDirectory(atPath: current)) ?? []
            let matches = entries.filter { $0.lowercased() == component.lowercased() }
            guard matches.count == 1 else { return nil }
            resolved.append(matches[0])
            current = (current as NSString).appendingPathComponent(matches[0])
        }
        let joined = resolved.joined(separator: "/")
        return absolute ? "/" + joined : joined
    }
}
