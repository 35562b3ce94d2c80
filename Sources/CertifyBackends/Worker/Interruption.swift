internal import CCertifyBackend
internal import CCertifyWorker

/// SIGINT and SIGTERM as a flag the run loop and the worker session check.
package enum Interruption {
    /// Installs the handlers (without SA_RESTART, so a waiting supervisor wakes up).
    package static func install() {
        _ = certify_interrupt_install()
    }

    /// The first SIGINT or SIGTERM received since `install()`, or nil.
    package static var signal: Int32? {
        let received = certify_interrupt_signal()
        return received == 0 ? nil : received
    }
}
