#if canImport(Glibc)
import Glibc
#endif

/// The buffers one input set of a case goes into, where the backend reads it: the worker's
/// shared memory file, or the in-process host buffers. Offsets are in bytes within one tensor.
/// Nothing is read back from them: the backend's worker can write there.
package protocol InputBuffers: AnyObject {
    /// Writes `bytes` into input `index` from byte `offset`.
    func write(input index: Int, at offset: Int, _ bytes: UnsafeRawBufferPointer) throws(BackendError)
}

extension InputBuffers {
    package func write(input index: Int, at offset: Int, _ bytes: [UInt8]) throws(BackendError) {
        var failure: BackendError?
        bytes.withUnsafeBytes { raw in
            do throws(BackendError) { try write(input: index, at: offset, raw) } catch { failure = error }
        }
        if let failure { throw failure }
    }
}

/// A case's inputs written by the supervisor straight into the buffers the backend reads, once
/// the session has laid them out and before anything of the case runs, instead of travelling in
/// the request: with worker isolation certify then never holds a large tensor's bytes (a
/// full-suite GEMM's B is 0.45 GB per input set in fp32). `write` is called only from within the
/// session's `execute`, on its caller's thread.
package struct StagedInputs: @unchecked Sendable {
    /// Each input tensor's size in bytes, in ABI order.
    package var byteCounts: [Int]
    /// Whether a second input set is staged too (`ExecutionRequest.secondInputs`).
    package var secondSet: Bool
    /// Writes input set `set` (1, then 2 when `secondSet`) into `buffers`.
    package var write: (_ set: Int, _ buffers: any InputBuffers) throws(BackendError) -> Void

    package init(
        byteCounts: [Int], secondSet: Bool,
        write: @escaping (_ set: Int, _ buffers: any InputBuffers) throws(BackendError) -> Void
    ) {
        (self.byteCounts, self.secondSet, self.write) = (byteCounts, secondSet, write)
    }

    /// Byte arrays already made (a request's `inputs` and `secondInputs`), written as they are.
    init(inputs: [[UInt8]], secondInputs: [[UInt8]]?) {
        self.init(byteCounts: inputs.map(\.count), secondSet: secondInputs != nil) { set, buffers throws(BackendError) in
            for (index, bytes) in (set == 1 ? inputs : secondInputs ?? []).enumerated() { try buffers.write(input: index, at: 0, bytes) }
        }
    }

    /// Writes both sets, each into the buffers `buffers(set)` gives.
    func stage(_ buffers: (Int) -> any InputBuffers) throws(BackendError) {
        try write(1, buffers(1))
        if secondSet { try write(2, buffers(2)) }
    }
}

/// Input buffers in the supervisor's own memory: a session that takes no staged inputs gets them
/// as byte arrays (`ExecutionRequest.materialized`).
final class ArrayInputBuffers: InputBuffers {
    var tensors: [[UInt8]]

    init(byteCounts: [Int]) {
        tensors = byteCounts.map { [UInt8](repeating: 0, count: $0) }
    }

    func write(input index: Int, at offset: Int, _ bytes: UnsafeRawBufferPointer) throws(BackendError) {
        try checkInputBytes(index, offset, bytes.count, sizes: tensors.map(\.count))
        guard bytes.count > 0 else { return }
        tensors[index].withUnsafeMutableBytes { $0.baseAddress!.advanced(by: offset).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count) }
    }
}

/// Throws unless bytes `offset..<offset + count` of input `index` lie within its size.
private func checkInputBytes(_ index: Int, _ offset: Int, _ count: Int, sizes: [Int]) throws(BackendError) {
    guard sizes.indices.contains(index), offset >= 0, count >= 0, offset + count <= sizes[index] else {
        throw BackendError(.callFailed, "bytes \(offset)..<\(offset + count) of input \(index) lie outside its buffer")
    }
}

/// The regions of one input set in a case's layout, as a memory mapping or a file holds them.
final class LayoutInputBuffers: InputBuffers {
    private let regions: [SharedLayout.Region]
    private let target: Target

    enum Target {
        /// The shared memory file, written with pwrite, not through the mapping: the pages then
        /// count in the worker that reads them, not in certify.
        case file(Int32)
        /// Host buffers mapped in this process (in-process isolation).
        case memory(UnsafeMutableRawPointer)
    }

    init(layout: SharedLayout, set: Int, target: Target) {
        regions = layout.regions.filter { $0.role == (set == 1 ? .input : .secondInput) && $0.run == 1 }
        self.target = target
    }

    func write(input index: Int, at offset: Int, _ bytes: UnsafeRawBufferPointer) throws(BackendError) {
        try checkInputBytes(index, offset, bytes.count, sizes: regions.map(\.count))
        let start = regions[index].offset + offset
        guard bytes.count > 0 else { return }
        switch target {
        case .memory(let base):
            (base + start).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        case .file(let fd):
            var done = 0
            while done < bytes.count {
                let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(start + done))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    let reason = n == 0 ? "no byte written" : String(cString: strerror(errno))
                    throw BackendError(.callFailed, "cannot write the inputs into the shared memory: \(reason)")
                }
                done += n
            }
        }
    }
}

extension ExecutionRequest {
    /// How the session writes the inputs: the staged ones, or the byte arrays the request holds.
    var staging: StagedInputs { staged ?? StagedInputs(inputs: inputs, secondInputs: secondInputs) }

    /// Each input tensor's size in bytes, in ABI order.
    package var inputByteCounts: [Int] { staged?.byteCounts ?? inputs.map(\.count) }

    /// Whether a second input set is executed after the timed loop.
    package var hasSecondSet: Bool { staged?.secondSet ?? (secondInputs != nil) }

    /// This request with its staged inputs written into byte arrays, for a session that takes
    /// none (`BackendSession.stagesInputs`).
    package func materialized() throws(BackendError) -> ExecutionRequest {
        guard let staged else { return self }
        var request = self
        let sets = (staged.secondSet ? [1, 2] : [1]).map { _ in ArrayInputBuffers(byteCounts: staged.byteCounts) }
        try staged.stage { sets[$0 - 1] }
        request.inputs = sets[0].tensors
        request.secondInputs = staged.secondSet ? sets[1].tensors : nil
        request.staged = nil
        return request
    }
}
