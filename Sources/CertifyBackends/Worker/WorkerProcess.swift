internal import CCertifyBackend
internal import CCertifyWorker
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// How a worker process ended.
enum WorkerTermination: Equatable {
    case exited(Int32)
    case signaled(Int32)

    var description: String {
        switch self {
        case .exited(let status): "the worker exited with status \(status)"
        case .signaled(let signal): SignalName.of(signal)
        }
    }
}

/// A `certify worker` child in its own process group, with its request pipe, reply pipe and
/// shared-memory file. All the supervisor's system calls on a worker happen here.
final class WorkerProcess {
    let pid: pid_t
    private(set) var requestFD: Int32
    let replyFD: Int32
    let memoryFD: Int32
    private(set) var mapping: UnsafeMutableRawPointer?
    private(set) var mappedBytes = 0
    private var reaped: WorkerTermination?

    /// Descriptor numbers in the worker.
    static let workerReplyFD: Int32 = 3
    static let workerMemoryFD: Int32 = 4
    /// The reply pipe's buffer: 1 MiB, the default limit for an unprivileged process.
    static let replyPipeBytes: Int32 = 1 << 20

    struct SpawnFailure: Error {
        var message: String
    }

    /// Spawns `executable arguments` with stdin = requests, fd 3 = replies, fd 4 = shared memory,
    /// stdout and stderr = `logPath` (or the supervisor's stderr).
    init(executable: String, arguments: [String], logPath: String?) throws(SpawnFailure) {
        // Owned until the spawn succeeds; whatever is not handed on closes on every path.
        var request: [Int32] = [-1, -1]
        var reply: [Int32] = [-1, -1]
        guard certify_pipe_cloexec(&request) == 0 else { throw SpawnFailure(message: "pipe2: \(Self.errnoText())") }
        let (requestRead, requestWrite) = (FileDescriptor(request[0]), FileDescriptor(request[1]))
        guard certify_pipe_cloexec(&reply) == 0 else { throw SpawnFailure(message: "pipe2: \(Self.errnoText())") }
        let (replyRead, replyWrite) = (FileDescriptor(reply[0]), FileDescriptor(reply[1]))
        // A case's reply carries its timing samples (16 bytes each, tens of thousands for a short op
        // timed for a minimum time): in a 64 KiB pipe it would take several wake-ups of each side.
        // Best effort: a smaller pipe is only slower.
        _ = certify_pipe_grow(replyRead.raw, Self.replyPipeBytes)
        let memoryRaw = certify_memfd_cloexec("certify-tensors")
        guard memoryRaw >= 0 else { throw SpawnFailure(message: "memfd_create: \(Self.errnoText())") }
        let memory = FileDescriptor(memoryRaw)
        var log: FileDescriptor?
        if let logPath {
            let raw = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard raw >= 0 else { throw SpawnFailure(message: "cannot open '\(logPath)': \(Self.errnoText())") }
            log = FileDescriptor(raw)
        }
        // Move every source above the target numbers so no dup2 overwrites a later source.
        func high(_ fd: Int32) -> FileDescriptor { FileDescriptor(fcntl(fd, F_DUPFD_CLOEXEC, 10)) }
        let sources = [high(requestRead.raw), high(replyWrite.raw), high(memory.raw), high(log?.raw ?? STDERR_FILENO)]
        // Every descriptor stays open until posix_spawn has duplicated it: an optimised build may
        // otherwise close one after its number was last read.
        defer { withExtendedLifetime((requestRead, replyWrite, memory, log, sources)) {} }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, sources[0].raw, STDIN_FILENO)
        posix_spawn_file_actions_adddup2(&actions, sources[3].raw, STDOUT_FILENO)
        posix_spawn_file_actions_adddup2(&actions, sources[3].raw, STDERR_FILENO)
        posix_spawn_file_actions_adddup2(&actions, sources[1].raw, Self.workerReplyFD)
        posix_spawn_file_actions_adddup2(&actions, sources[2].raw, Self.workerMemoryFD)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // SIGINT and SIGTERM are the supervisor's: the worker stops when its pipe closes or its
        // group is killed. The rest go back to their defaults.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGPIPE, SIGSEGV, SIGBUS, SIGCHLD] { sigaddset(&defaults, signal) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, executable, &actions, &attributes, argv, environ)
        guard status == 0 else {
            throw SpawnFailure(message: "posix_spawn '\(executable)': \(String(cString: strerror(status)))")
        }
        pid = child
        requestFD = requestWrite.release()
        replyFD = replyRead.release()
        memoryFD = memory.release()
    }

    deinit {
        if let mapping { munmap(mapping, mappedBytes) }
        if requestFD >= 0 { close(requestFD) }
        close(replyFD)
        close(memoryFD)
        if reaped == nil {
            Glibc.kill(-pid, SIGKILL)
            _ = reap()
        }
    }

    /// The shared memory, grown to at least `bytes`.
    ///
    /// It grows at least twofold, so both processes map it again only a few times in a run;
    /// pages no case has touched take no memory.
    func shared(bytes: Int) throws(SpawnFailure) -> UnsafeMutableRawPointer {
        if let mapping, mappedBytes >= bytes { return mapping }
        if let mapping { munmap(mapping, mappedBytes) }
        mapping = nil
        let size = max(bytes, 2 * mappedBytes)
        mappedBytes = 0
        guard ftruncate(memoryFD, off_t(size)) == 0 else {
            throw SpawnFailure(message: "cannot size shared memory to \(size) bytes: \(Self.errnoText())")
        }
        guard let pointer = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, memoryFD, 0), pointer != MAP_FAILED
        else { throw SpawnFailure(message: "cannot map shared memory: \(Self.errnoText())") }
        mapping = pointer
        mappedBytes = size
        return pointer
    }

    /// Gives the first `bytes` of the shared memory back to the system once a case is done with
    /// them: both processes' pages and the memfd's backing (MADV_REMOVE punches a hole), so a
    /// large case's inputs and outputs do not stay resident in certify and its worker for the rest
    /// of the run. The range reads as zeros afterwards, as freshly grown memory does, and every
    /// case writes its inputs, sentinels and canaries afresh.
    func release(bytes: Int) {
        guard let mapping else { return }
        _ = madvise(mapping, min(bytes, mappedBytes), MADV_REMOVE)
    }

    /// Writes one record; false when the worker has gone (EPIPE).
    func send(_ type: UInt8, _ payload: [UInt8]) -> Bool { WireRecord.write(type, payload, to: requestFD) }

    enum Received {
        case record(UInt8, [UInt8])
        case closed
        case timedOut
        case interrupted(Int32)
    }

    /// Reads one record, waiting at most until `deadline` (monotonic nanoseconds).
    func receive(deadline: UInt64) -> Received {
        var header = [UInt8](repeating: 0, count: 4)
        switch readFully(&header, deadline: deadline) {
        case .some(let failure): return failure
        case nil: break
        }
        let length = header.reversed().reduce(0) { $0 << 8 | Int($1) }
        guard length >= 1, length <= 1 << 28 else { return .closed }
        var body = [UInt8](repeating: 0, count: length)
        if let failure = readFully(&body, deadline: deadline) { return failure }
        return .record(body[0], Array(body[1...]))
    }

    private func readFully(_ buffer: inout [UInt8], deadline: UInt64) -> Received? {
        var offset = 0
        while offset < buffer.count {
            let now = Clock.nanoseconds()
            if now >= deadline { return .timedOut }
            if let signal = Interruption.signal { return .interrupted(signal) }
            var poller = pollfd(fd: replyFD, events: Int16(POLLIN), revents: 0)
            let wait = Int32(min((deadline - now) / 1_000_000 + 1, 1_000))
            let ready = poll(&poller, 1, wait)
            if ready < 0 {
                if errno == EINTR { continue }
                return .closed
            }
            if ready == 0 { continue }
            let count = buffer.withUnsafeMutableBytes { read(replyFD, $0.baseAddress! + offset, $0.count - offset) }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return .closed
            }
            if count == 0 { return .closed }
            offset += count
        }
        return nil
    }

    /// Stops the worker's whole process group and waits for it.
    @discardableResult
    func kill() -> WorkerTermination {
        if reaped == nil { Glibc.kill(-pid, SIGKILL) }
        return reap()
    }

    /// Closes the request pipe: the worker ends once it has answered the request in hand.
    func closeRequests() {
        if requestFD >= 0 {
            close(requestFD)
            requestFD = -1
        }
    }

    /// Closes the request pipe so the worker finishes, then waits up to `seconds` before killing it.
    func finish(within seconds: Double) {
        closeRequests()
        let deadline = Clock.nanoseconds() + UInt64(seconds * 1e9)
        while reaped == nil && Clock.nanoseconds() < deadline {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                reaped = Self.termination(status)
                return
            }
            usleep(2_000)
        }
        kill()
    }

    /// Waits for the worker to end (it has closed its reply pipe or been killed).
    func reap() -> WorkerTermination {
        if let reaped { return reaped }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let termination = Self.termination(status)
        reaped = termination
        // Anything the plugin forked in the worker's group goes too.
        Glibc.kill(-pid, SIGKILL)
        return termination
    }

    private static func termination(_ status: Int32) -> WorkerTermination {
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// Signal names as users know them: SIGSEGV, not "Segmentation fault".
package enum SignalName {
    /// "SIGSEGV" for 11, "signal 42" for one without a common name.
    package static func of(_ signal: Int32) -> String {
        let names: [Int32: String] = [
            SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL", SIGTRAP: "SIGTRAP",
            SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGKILL: "SIGKILL", SIGUSR1: "SIGUSR1",
            SIGSEGV: "SIGSEGV", SIGUSR2: "SIGUSR2", SIGPIPE: "SIGPIPE", SIGALRM: "SIGALRM", SIGTERM: "SIGTERM",
            SIGXCPU: "SIGXCPU", SIGXFSZ: "SIGXFSZ", SIGSYS: "SIGSYS",
        ]
        return names[signal] ?? "signal \(signal)"
    }
}
