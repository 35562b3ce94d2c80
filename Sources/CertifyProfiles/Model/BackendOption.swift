/// One `backend.options` entry, handed to the plugin as text.
package struct BackendOption: Sendable, Equatable {
    package var key: String
    /// The scalar exactly as written: `0`, `true` and `1.5` stay text.
    package var value: String

    package init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}
