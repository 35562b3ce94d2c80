internal import CCertifyBackend
internal import CCertifyWorker
import CertifyBattery
import CertifyNumerics
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The worker's side of the protocol: `certify worker` loads the plugin and runs cases on request.
///
/// It reads requests on stdin and writes records on fd 3; the supervisor points its stdout and
/// stderr at a log, so whatever the plugin prints never reaches the protocol. Tensors are in the
/// shared-memory file on fd 4, with guard pages and canaries around every host buffer.
package enum WorkerService {
    private static let requestFD = STDIN_FILENO
    private static let replyFD = WorkerProcess.workerReplyFD
    private static let memoryFD = WorkerProcess.workerMemoryFD

    /// Serves until the supervisor closes the request pipe; returns the process exit status.
    package static func run(library: String, expectedSHA256: String?, options: [(key: String, value: String)]) -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        guard certify_die_with_parent() == 0 else { return 0 }
        guard certify_guard_install(replyFD) == 0 else { return 70 }
        let session: InProcessSession
        do {
            session = try InProcessSession(path: library, expectedSHA256: expectedSHA256, options: options)
        } catch {
            var w = WireWriter()
            w.string(error.kind.rawValue)
            w.string(error.message)
            send(WorkerRecord.failed, w.bytes)
            return 0
        }
        var capabilities: [String: Result<CapabilityRecord, BackendError>] = [:]
        for kernel in Kernel.allCases {
            for type in TensorType.opTypes {
                do {
                    capabilities[WorkerReady.key(kernel, type)] = .success(
                        try session.capability(kernel: kernel, type: type))
                } catch {
                    capabilities[WorkerReady.key(kernel, type)] = .failure(error)
                }
            }
        }
        guard let ready = try? WorkerReady(description: session.description, capabilities: capabilities).encoded(),
            let errorSlot = GuardedErrorSlot()
        else { return 70 }
        guard send(WorkerRecord.ready, ready) else { return 0 }

        var arena: Arena?
        while let (type, payload) = waitForRequest() {
            let received = Clock.nanoseconds()
            guard type == WorkerRecord.execute, let request = try? GuardedRequest(decoding: payload) else { return 70 }
            let layout = request.layout
            guard let base = arrange(layout, in: &arena, errorSlot: errorSlot) else { return 70 }
            let header = base.bindMemory(to: UInt32.self, capacity: 1)
            let (result, canaryViolations) = session.executeChecked(
                request, layout: layout, base: base, errorSlot: errorSlot.slot
            ) { phase in
                header.pointee = phase.rawValue
                certify_guard_set_phase(phase.rawValue)
            }
            var reply = GuardedReply(result: result, canaryViolations: canaryViolations)
            reply.busyNanoseconds = Clock.nanoseconds() - received
            guard send(WorkerRecord.done, reply.encoded()) else { return 0 }
        }
        return 0
    }

    /// The shared memory as the worker maps it, and the layout whose guard pages are PROT_NONE.
    private struct Arena {
        var base: UnsafeMutableRawPointer
        var bytes: Int
        var layout: SharedLayout
    }

    /// Makes exactly `layout`'s guard ranges PROT_NONE and registers them with the fault handler.
    ///
    /// The whole file stays mapped from case to case, and is mapped again only when the supervisor
    /// has grown it past the mapping: a fresh mapping would fault in every page again. Only the
    /// pages whose protection changes are touched, since on a virtual machine each mprotect costs
    /// microseconds per call and per page. The part past the layout's last guard page is PROT_NONE
    /// too and counts as that guard page.
    private static func arrange(
        _ layout: SharedLayout, in arena: inout Arena?, errorSlot: GuardedErrorSlot
    ) -> UnsafeMutableRawPointer? {
        if let current = arena, current.layout == layout { return current.base }
        var protected: [Range<Int>] = []
        if let current = arena, current.bytes >= layout.totalBytes {
            protected = current.layout.guardRanges(mappedBytes: current.bytes)
        } else {
            if let current = arena { munmap(current.base, current.bytes) }
            arena = nil
            var status = stat()
            guard fstat(memoryFD, &status) == 0, Int(status.st_size) >= layout.totalBytes else { return nil }
            let bytes = Int(status.st_size)
            guard let base = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, memoryFD, 0), base != MAP_FAILED
            else { return nil }
            arena = Arena(base: base, bytes: bytes, layout: layout)
        }
        arena!.layout = layout
        let base = arena!.base
        let wanted = layout.guardRanges(mappedBytes: arena!.bytes)
        for range in SharedLayout.subtract(wanted, from: protected) {
            guard mprotect(base + range.lowerBound, range.count, PROT_READ | PROT_WRITE) == 0 else { return nil }
        }
        for range in SharedLayout.subtract(protected, from: wanted) {
            guard mprotect(base + range.lowerBound, range.count, PROT_NONE) == 0 else { return nil }
        }
        certify_guard_clear()
        _ = certify_guard_add(
            UnsafeRawPointer(errorSlot.slot) + MemoryLayout<cb_error>.stride, SharedLayout.pageSize,
            UInt32(SharedLayout.errorSlotGuard))
        for (id, range) in wanted.enumerated() {
            _ = certify_guard_add(base + range.lowerBound, range.count, UInt32(id))
        }
        return base
    }

    @discardableResult
    private static func send(_ type: UInt8, _ payload: [UInt8]) -> Bool { WireRecord.write(type, payload, to: replyFD) }

    /// The next request, waited for on this thread's current CPU, where the supervisor reads the
    /// reply, judges it and writes the next case's inputs into the shared memory: the case then
    /// starts on the CPU whose cache holds them, as it would in-process. Only the wait is pinned;
    /// every call into the plugin runs with the CPUs the worker started with, so threads a
    /// backend starts are never confined.
    private static func waitForRequest() -> (UInt8, [UInt8])? {
        _ = certify_wait_here()
        defer { _ = certify_wait_done() }
        return receive()
    }

    private static func receive() -> (UInt8, [UInt8])? {
        var header = [UInt8](repeating: 0, count: 4)
        guard readFully(&header) else { return nil }
        let length = header.reversed().reduce(0) { $0 << 8 | Int($1) }
        guard length >= 1, length <= 1 << 28 else { return nil }
        var body = [UInt8](repeating: 0, count: length)
        guard readFully(&body) else { return nil }
        return (body[0], Array(body[1...]))
    }

    private static func readFully(_ buffer: inout [UInt8]) -> Bool {
        var offset = 0
        while offset < buffer.count {
            let count = buffer.withUnsafeMutableBytes { read(requestFD, $0.baseAddress! + offset, $0.count - offset) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { return false }
            offset += count
        }
        return true
    }
}
