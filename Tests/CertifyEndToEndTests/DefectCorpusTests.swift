import CertifyBattery
import CertifyReport
import Foundation
import Testing

/// One planted defect of the `defective` plugin and where the battery must see it.
struct PlantedDefect: Sendable, CustomTestStringConvertible {
    var name: String
    /// The only kernels allowed to fail; nil where the defect touches every kernel of a kind.
    var kernels: Set<Kernel>?
    /// Extra condition on a failing case (e.g. a bf16 result), nil for none.
    var onlyWhere: (@Sendable (CaseResult) -> Bool)? = nil
    /// Backend options besides the defect.
    var options: [String: String] = [:]
    /// The level the run must stay below: every planted defect costs at least L2.
    var below: Level = .validated

    var testDescription: String { name }
}

/// The attention kernels, which share one implementation in the emulator.
let attentions: Set<Kernel> = [.attention, .attentionVarlen, .attentionPaged]

/// Sources/Backends/defective/DEFECTS.md, as the battery must catch it.
let corpus: [PlantedDefect] = [
    .init(name: "fp16-accumulation", kernels: [.gemm, .gemmBatched, .gemmW8, .gemmW4, .gemmW4G, .gemmW8G]),
    .init(name: "softmax-no-max-subtraction", kernels: [.softmax]),
    .init(name: "rmsnorm-eps-outside-sqrt", kernels: [.rmsnorm]),
    .init(name: "rope-half-split", kernels: [.rope]),
    .init(name: "causal-off-by-one", kernels: attentions.union([.softmax])),
    .init(name: "kv-group-modulo", kernels: attentions),
    .init(name: "bf16-truncation", kernels: nil, onlyWhere: { $0.type == .bf16 || $0.destination == .bf16 }),
    .init(name: "i8-int16-accumulation", kernels: [.gemmI8]),
    .init(name: "reduce-max-nan-swallowed", kernels: [.reduceMax]),
    .init(name: "argmax-nan-swallowed", kernels: [.argmax]),
    .init(name: "denormal-flush", kernels: nil),
    .init(name: "topk-ties-high-index", kernels: [.topk]),
    .init(name: "alternate-call-ulp", kernels: nil),
    .init(name: "layernorm-unbiased-variance", kernels: [.layernorm]),
    .init(name: "gelu-tanh-for-erf", kernels: [.geluErf]),
    .init(name: "swiglu-halves-swapped", kernels: [.swiglu]),
    .init(name: "embedding-off-by-one", kernels: [.embedding]),
    .init(name: "w4-nibbles-swapped", kernels: [.gemmW4]),
    .init(name: "w8-scale-per-row", kernels: [.gemmW8]),
    .init(name: "softmax-masked-row-nan", kernels: [.softmax]),
    .init(name: "convert-overflow-saturates", kernels: [.convert]),
    .init(name: "convert-nan-to-zero", kernels: [.convert]),
    .init(name: "rmsnorm-mean-over-c-minus-1", kernels: [.rmsnorm]),
    .init(name: "attention-scale-missing", kernels: attentions),
    .init(name: "reduce-sum-fp16", kernels: [.reduceSum]),
    .init(name: "add-drops-last", kernels: [.add]),
    .init(name: "argmax-ties-last", kernels: [.argmax]),
    .init(name: "rope-ignores-offset", kernels: [.rope]),
    .init(name: "gemm-batched-reuses-b", kernels: [.gemmBatched]),
    .init(name: "w8-unsigned-weights", kernels: [.gemmW8]),
    .init(name: "reduce-max-empty-zero", kernels: [.reduceMax]),
    .init(name: "layernorm-one-pass-variance", kernels: [.layernorm]),
    .init(name: "gemm-tf32-operands", kernels: [.gemm, .gemmBatched]),
    .init(name: "silu-sigmoid-overflow", kernels: [.silu, .swiglu]),
    .init(name: "rope-accepts-bad-offset", kernels: [.rope]),
    .init(name: "embedding-clamps-ids", kernels: [.embedding]),
    .init(name: "later-executes-drift", kernels: [.rmsnorm]),
    .init(name: "attention-causal-top-left", kernels: attentions),
    .init(name: "argmax-last-nan", kernels: [.argmax]),
    .init(name: "convert-ties-away", kernels: [.convert]),
    .init(name: "convert-nan-payload-truncated", kernels: [.convert]),
    .init(name: "plan-cache-ignores-scalars", kernels: [.rmsnorm, .rope, .attention]),
    .init(name: "w8-dequant-fp16", kernels: [.gemmW8]),
    // ABI 1.2's kernels (battery 1.5.0).
    .init(name: "paged-reads-whole-block", kernels: [.attentionPaged]),
    .init(name: "varlen-kv-offsets-from-q", kernels: [.attentionVarlen]),
    .init(name: "wg-scales-transposed", kernels: [.gemmW4G, .gemmW8G]),
    .init(name: "i8-dequant-fp16-sum", kernels: [.gemmI8Dequant]),
    .init(name: "logits-rounded-to-storage", kernels: [.gemm], onlyWhere: { $0.destination == .fp32 }),
    // What the harness does rather than what the battery's inputs are: the same plan on a second
    // input set, slack in every device buffer, the device timer against the host's, prepare
    // against query.
    .init(name: "plan-replays-result", kernels: nil, onlyWhere: { $0.message?.contains("second input set") == true }),
    .init(
        name: "writes-past-output", kernels: [.add],
        onlyWhere: { $0.memoryViolation?.contains("past the end of output 0 inside its own buffer") == true }),
    // Every execute takes ten times as long, so that cases of 200 µs and more, where the timer is
    // judged, are not left to the host's speed.
    .init(name: "timer-microseconds", kernels: nil, onlyWhere: { $0.outcome == .lied }, options: ["delay_factor": "10"]),
    .init(
        name: "lies-about-gelu", kernels: [.geluErf], onlyWhere: { $0.outcome == .lied && $0.type == .bf16 }),
]

/// The battery's detection power: every defect fails cases of the kernels it touches and nothing
/// else, and the same plugin without a defect passes everything.
@Suite struct DefectCorpusTests {
    private func run(
        defect: String, options: [String: String] = [:], isolation: String = "worker"
    ) throws -> (CLI.Result, Statement) {
        let folder = try TemporaryDirectory()
        let path = try folder.write(
            "defective.yaml",
            profile("cpu.yaml", options: options.merging(["defect": defect]) { $1 }, library: "certify_backend_defective"))
        let result = try CLI.run([
            "--chip", path, "--suite", "quick", "--output", folder.path("report"), "--isolation", isolation,
        ])
        return (result, try Statement.read(folder: folder.url.appendingPathComponent("report")))
    }

    @Test func corpusHasAtLeastTwentyFiveDefects() {
        #expect(corpus.count >= 25)
        #expect(Set(corpus.map(\.name)).count == corpus.count)
    }

    @Test func withoutADefectEveryCasePasses() throws {
        let (result, report) = try run(defect: "none")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(report.predicate.cases.allSatisfy { $0.outcome == .passed })
        #expect(report.predicate.level.reached == 2)
    }

    @Test(arguments: corpus)
    func defectFailsItsKernelsAndNothingElse(_ defect: PlantedDefect) throws {
        let (_, report) = try run(defect: defect.name, options: defect.options)
        check(defect, report)
    }

    /// The harness's checks are one execution path for both isolations: in-process, the defects
    /// only they see are caught the same way.
    @Test(arguments: corpus.filter { ["plan-replays-result", "writes-past-output", "timer-microseconds"].contains($0.name) })
    func inProcessRunsCatchWhatTheHarnessChecks(_ defect: PlantedDefect) throws {
        let (_, report) = try run(defect: defect.name, options: defect.options, isolation: "in-process")
        check(defect, report)
    }

    private func check(_ defect: PlantedDefect, _ report: Statement) {
        let caught = report.predicate.cases.filter { $0.outcome != .passed }
        #expect(!caught.isEmpty, "\(defect.name) went unnoticed")
        if let kernels = defect.kernels {
            let stray = caught.filter { !kernels.contains($0.kernel) }.map(\.id)
            #expect(stray.isEmpty, "\(defect.name) also failed \(stray)")
        }
        if let condition = defect.onlyWhere {
            let stray = caught.filter { !condition($0) }.map(\.id)
            #expect(stray.isEmpty, "\(defect.name) also failed \(stray)")
        }
        #expect(report.predicate.level.reached < defect.below)
        print("defect \(defect.name): \(caught.count) case(s) caught: \(caught.map(\.id).joined(separator: ", "))")
    }
}
