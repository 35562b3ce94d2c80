#if canImport(Glibc)
import Glibc
#endif

/// Where each host buffer of one case lives in the shared-memory file, with guard pages around.
///
/// `[header][guard][input 0 | canary][guard][input 1 | canary][guard] … [first output 0 | canary][guard]
/// … [last output 0 | canary][guard] … [second input 0 | canary][guard] … [second output 0 | canary][guard]
/// … [scratch | canary][guard] [run 2's output 0 | canary][guard] …`: every buffer starts on a
/// page, its slack up to the next guard page (at least `deviceSlack + minimumCanary` bytes) holds
/// the canary pattern, and the worker maps every guard page PROT_NONE. Both sides compute the same
/// layout from the byte counts.
///
/// The first `deviceSlack` bytes of a buffer's slack travel with it: every device buffer is
/// allocated that much larger than its tensor, and uploaded and downloaded whole, so the canary
/// also guards the backend's own allocation.
struct SharedLayout: Equatable {
    enum Role: Int {
        case input = 1, firstOutput = 2, lastOutput = 3, repeatOutput = 4, secondInput = 5, secondOutput = 6
        /// Where device input buffers are downloaded to be compared with what was uploaded.
        case scratch = 7

        /// Whether an output buffer is downloaded here whole, its device slack included.
        var downloadedWhole: Bool { self == .firstOutput || self == .secondOutput || self == .repeatOutput }
    }

    struct Region: Equatable {
        var role: Role
        var index: Int
        var offset: Int
        var count: Int
        /// Bytes from `offset` to the next guard page.
        var capacity: Int
        /// Which independent run a `repeatOutput` belongs to: 2 for the first repeat.
        var run = 1

        var name: String {
            switch role {
            case .input: "input \(index)"
            case .firstOutput: "output \(index)"
            case .lastOutput: "output \(index) (timed loop)"
            case .repeatOutput: "output \(index) (run \(run))"
            case .secondInput: "input \(index) (second input set)"
            case .secondOutput: "output \(index) (second input set)"
            case .scratch: "the input check"
            }
        }

        /// "output 0's host buffer", as messages name the buffer.
        var hostBuffer: String {
            role == .scratch ? "the host buffer inputs are downloaded into to be checked" : "\(name)'s host buffer"
        }
    }

    static let minimumCanary = 64
    /// Bytes every device buffer is allocated past its tensor, holding the canary.
    static let deviceSlack = 256
    static let canaryByte: UInt8 = 0xCB
    /// What output buffers hold before the backend writes them; an output that still holds it
    /// after a successful execute was never written.
    static let sentinelByte: UInt8 = 0xA5
    static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    var regions: [Region] = []
    /// Offsets of the guard pages, in order; guard i precedes region i.
    var guards: [Int] = []
    var totalBytes = 0

    /// The layout of a case with `inputs` and `outputs` of these byte counts, run `runs` times,
    /// with regions for a second input set and its outputs when `secondSet`.
    init(inputs: [Int], outputs: [Int], runs: Int = 1, secondSet: Bool = false) {
        let page = Self.pageSize
        // Page 0 is the header: the worker keeps its current phase there for the supervisor.
        var offset = page
        func add(_ role: Role, _ counts: [Int], run: Int = 1) {
            for (index, count) in counts.enumerated() {
                guards.append(offset)
                offset += page
                let capacity = (count + Self.deviceSlack + Self.minimumCanary + page - 1) / page * page
                regions.append(
                    Region(role: role, index: index, offset: offset, count: count, capacity: capacity, run: run))
                offset += capacity
            }
        }
        add(.input, inputs)
        add(.firstOutput, outputs)
        add(.lastOutput, outputs)
        if secondSet {
            add(.secondInput, inputs)
            add(.secondOutput, outputs)
        }
        // Holds any input buffer downloaded whole, slack included, within its own count.
        add(.scratch, [(inputs.max() ?? 0) + Self.deviceSlack])
        for run in stride(from: 2, through: runs, by: 1) { add(.repeatOutput, outputs, run: run) }
        guards.append(offset)
        offset += page
        totalBytes = offset
    }

    /// The layout one further run `run` (2 or more) executes in: its output regions stand where
    /// the first run's are, so the same guarded execution fills them.
    func forRun(_ run: Int) -> SharedLayout {
        var view = self
        view.regions = regions.filter { $0.role == .input || $0.role == .lastOutput || $0.role == .scratch }
        view.regions += regions.filter { $0.role == .repeatOutput && $0.run == run }.map {
            var region = $0
            region.role = .firstOutput
            return region
        }
        return view
    }

    /// Fills every buffer's slack with the canary and every output with the sentinel.
    func prepareCanaries(at base: UnsafeMutableRawPointer) {
        for region in regions {
            if region.role != .input && region.role != .secondInput {
                memset(base + region.offset, Int32(Self.sentinelByte), region.count)
            }
            memset(base + region.offset + region.count, Int32(Self.canaryByte), region.capacity - region.count)
        }
    }

    /// Each buffer whose canary was overwritten, in words.
    func canaryViolations(at base: UnsafeMutableRawPointer) -> [String] {
        regions.compactMap { region in
            // A device overrun that reached the host buffer with a whole download was reported
            // and its canary put back: past what download was given, only host writes are left.
            let given = region.count + (region.role.downloadedWhole ? Self.deviceSlack : 0)
            guard let written = Self.overwritten(at: base + region.offset + given, count: region.capacity - given)
            else { return nil }
            return "the backend wrote \(written) bytes past the end of \(region.hostBuffer) (\(given) bytes)"
        }
    }

    /// How far into the `count` bytes of canary at `start` something else was written: the offset
    /// past the last byte that is not the canary; nil when all are.
    static func overwritten(at start: UnsafeRawPointer, count: Int) -> Int? {
        if holdsOnly(canaryByte, at: start, count: count) { return nil }
        let slack = UnsafeRawBufferPointer(start: start, count: count)
        return slack.lastIndex { $0 != canaryByte }.map { $0 + 1 }
    }

    /// The byte ranges the worker keeps PROT_NONE when this layout is at the start of a mapping
    /// of `mappedBytes`: guard page i for i < last, and the last guard page on to the mapping's end.
    func guardRanges(mappedBytes: Int) -> [Range<Int>] {
        guards.enumerated().map { id, offset in
            offset..<(id == guards.count - 1 ? mappedBytes : offset + Self.pageSize)
        }
    }

    /// The parts of `ranges` outside every range of `removed`; both sorted and disjoint.
    static func subtract(_ removed: [Range<Int>], from ranges: [Range<Int>]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        for range in ranges {
            var start = range.lowerBound
            for cut in removed where cut.upperBound > start && cut.lowerBound < range.upperBound {
                if cut.lowerBound > start { result.append(start..<cut.lowerBound) }
                start = cut.upperBound
            }
            if start < range.upperBound { result.append(start..<range.upperBound) }
        }
        return result
    }

    /// Whether the `count` bytes at `start` all equal `byte`: each byte equals the next, and the first is `byte`.
    static func holdsOnly(_ byte: UInt8, at start: UnsafeRawPointer, count: Int) -> Bool {
        guard count > 0 else { return true }
        return start.load(as: UInt8.self) == byte && memcmp(start, start + 1, count - 1) == 0
    }

    /// The guard page `id` in words: which buffers it separates.
    func guardName(_ id: Int) -> String {
        if id == Self.errorSlotGuard { return "the guard page after the cb_error message slot" }
        guard id >= 0, id < guards.count else { return "guard page \(id)" }
        if id == 0 { return "the guard page before \(regions.first?.hostBuffer ?? "the first host buffer")" }
        return "the guard page after \(regions[id - 1].hostBuffer)"
    }

    static let errorSlotGuard = 9_999
}

/// The worker's call in progress when a guard page was hit.
enum WorkerPhase: UInt32 {
    case idle = 0, alloc, upload, prepare, execute, synchronize, download, timer, release

    var name: String {
        switch self {
        case .idle: "between calls"
        case .alloc: "alloc"
        case .upload: "upload"
        case .prepare: "prepare"
        case .execute: "execute"
        case .synchronize: "synchronize"
        case .download: "download"
        case .timer: "last_execute_ns"
        case .release: "release/free"
        }
    }
}
