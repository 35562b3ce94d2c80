import CertifyRun
import CertifyBattery
import CertifyReport
import Foundation

/// Shows the run's progress on stderr: one live line on a terminal, plain lines otherwise.
final class ProgressReporter {
    private let live: Bool

    init(live: Bool) {
        self.live = live
    }

    func handle(_ event: RunEvent) {
        switch event {
        case .started(let index, let total, let testCase):
            if live { Console.errorRaw("\r\u{1B}[2K[\(index + 1)/\(total)] \(testCase.id) …") }
        case .finished(let index, let total, let result):
            let line = "[\(index + 1)/\(total)] \(result.id) \(result.outcome.rawValue)"
            if live {
                Console.errorRaw("\r\u{1B}[2K\(line)")
            } else {
                Console.error(line)
            }
        case .modelCheckStarted(let shape):
            let line = "model-level check: a GLM decoder (\(shape.summary)) through the backend's kernels …"
            if live { Console.errorRaw("\r\u{1B}[2K\(line)") } else { Console.error(line) }
        case .modelCheckFinished(let record):
            if live { Console.errorRaw("\r\u{1B}[2K") }
            Console.error(record.headline)
        }
    }

    /// The A/B measurement's progress: a live line on a terminal, nothing otherwise (one line per
    /// case would double a CI log for no news).
    func paired(_ index: Int, _ total: Int, _ id: String) {
        if live { Console.errorRaw("\r\u{1B}[2K[A/B \(index + 1)/\(total)] \(id) …") }
    }

    func finish() {
        if live { Console.errorRaw("\r\u{1B}[2K") }
    }
}

extension Console {
    static func errorRaw(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
