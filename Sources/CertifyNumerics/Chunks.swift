import Dispatch
import Foundation

/// Elementwise work on large arrays spread over the host's cores, one contiguous chunk per task.
///
/// Each chunk is computed exactly as a sequential loop over it would be, so results do not depend
/// on the number of cores; only work whose elements are independent of each other belongs here.
package enum Chunks {
    /// Below this many elements a loop stays on the calling thread: starting tasks costs more.
    package static let parallelThreshold = 1 << 16

    /// Calls `body` on consecutive ranges that together cover 0..<count, concurrently when count is
    /// at least `parallelThreshold`; returns when every call has returned.
    package static func forEach(_ count: Int, _ body: (Range<Int>) -> Void) {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        guard count >= parallelThreshold, cores > 1 else {
            if count > 0 { body(0..<count) }
            return
        }
        // A few chunks per core, so that a core slowed by other work does not hold up the rest.
        let chunks = Swift.min(4 * cores, count / (parallelThreshold / 4))
        let size = (count + chunks - 1) / chunks
        // Each task touches only its own range of what `body` writes: the sharing is by construction.
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedBody(call: body)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let start = chunk * size
                if start < count { shared.call(start..<Swift.min(start + size, count)) }
            }
        }
    }

    private struct UncheckedBody: @unchecked Sendable {
        let call: (Range<Int>) -> Void
    }

    /// `values = values.map(transform)` in place, in chunks on every core: no second array, which
    /// for a full-suite weight matrix (112 M elements) is 0.9 GB of fp64.
    package static func update(_ values: inout [Double], _ transform: (Double) -> Double) {
        values.withUnsafeMutableBufferPointer { buffer in
            let shared = UncheckedPointer(buffer.baseAddress)
            forEach(buffer.count) { range in
                for index in range { shared.pointer![index] = transform(shared.pointer![index]) }
            }
        }
    }
}

/// A pointer handed to chunk tasks, each of which writes only its own range.
package struct UncheckedPointer<T>: @unchecked Sendable {
    package let pointer: UnsafeMutablePointer<T>?

    package init(_ pointer: UnsafeMutablePointer<T>?) {
        self.pointer = pointer
    }
}
