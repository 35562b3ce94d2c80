/// The vendor backend library to load and how to configure it.
package struct BackendSpec: Sendable, Equatable {
    /// A library name found next to `certify` (`certify_backend_ascend`) or a path.
    package var library: String
    /// The pinned SHA-256 of the library file as 64 lowercase hex digits; L3 requires it.
    package var sha256: String?
    /// Plugin options in file order.
    package var options: [BackendOption]

    package init(library: String, sha256: String? = nil, options: [BackendOption] = []) {
        self.library = library
        self.sha256 = sha256
        self.options = options
    }
}
