/// A failure of a known kind, with one plain sentence saying what went wrong: the shape of
/// `BackendError` and `VerificationError`, which differ in their kinds only.
package struct KindedError<Kind: Sendable & Equatable>: Error, Equatable, CustomStringConvertible {
    /// Which check failed, or what the failure was.
    package var kind: Kind
    /// One plain sentence.
    package var message: String

    package init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    package var description: String { message }
}
