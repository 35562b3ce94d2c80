import CertifyRun
import CertifyBattery
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
        }
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
