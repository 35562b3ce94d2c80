import CertifyBackends
import CertifyBase
import CertifyBattery
import CertifyOracle
import CertifyRun
import Foundation
import Testing

/// The model-level check through real plugins: the cpu reference passes it for every seed tried,
/// well inside its limits, and planted defects fail it with the position and the disagreement or
/// divergence shown.
@Suite struct ModelCheckTests {
    static func plugin(_ name: String) -> String {
        URL(fileURLWithPath: ExecutableLocation.directory).appendingPathComponent("libcertify_backend_\(name).so").path
    }

    static let numerics = DeclaredNumericsModel(
        accumulation: [.fp32: .fp32, .fp16: .fp32, .bf16: .fp32], flushesSubnormals: false, rounding: .nearestEven)

    /// A correct backend's error is another draw of the rounded model's, so it lands near a
    /// quarter of the limit (the limit is 4× the rounded model's); half is what a tier with
    /// tolerance_scale 0.5 allows.
    @Test func theCPUReferencePassesForSeedsOneToTwentyWithinHalfItsLimits() throws {
        let session = try InProcessSession(path: Self.plugin("cpu"), expectedSHA256: nil, options: [])
        var worst = 0.0
        for seed in UInt64(1)...20 {
            let record = ModelCheck.run(.forSuite(.quick), seed: seed, numerics: Self.numerics, on: session)
            #expect(record.outcome == .passed, "seed \(seed): \(record.message ?? "")")
            #expect(record.type == .bf16)
            #expect(record.steps.count == 8 + 4)
            #expect(record.steps.map(\.position) == Array(0..<12))
            #expect(record.shortfall(scale: 0.5) == nil, "seed \(seed)")
            worst = max(worst, record.worstRatio ?? .infinity)
        }
        print("model-level check, cpu, quick, seeds 1–20: the worst figure is \(worst) of its limit")
        #expect(worst <= 0.5)
    }

    /// Defects in the kernels a decoder chains, each one the kernel cases catch too: the chain
    /// shows them as a wrong token or logits far outside the limits, named by position.
    @Test(arguments: [
        "rope-half-split", "causal-off-by-one", "kv-group-modulo", "swiglu-halves-swapped", "embedding-off-by-one",
        "attention-scale-missing", "add-drops-last", "rope-ignores-offset",
    ])
    func aPlantedDefectFailsTheCheckAtTheStepItShowsIn(_ defect: String) throws {
        let session = try InProcessSession(
            path: Self.plugin("defective"), expectedSHA256: nil, options: [(key: "defect", value: defect)])
        let record = ModelCheck.run(.forSuite(.quick), seed: 1, numerics: Self.numerics, on: session)
        #expect(record.outcome == .failed, "\(defect): \(record.headline)")
        let message = try #require(record.message)
        #expect(message.hasPrefix("the model-level check failed at position "), "\(message)")
        #expect(message.contains("top-1 token"))
        #expect(message.contains("worst logit error") && message.contains("KL divergence"))
        #expect((record.worstRatio ?? 0) > 4, "\(defect): only \(record.worstRatio ?? 0)× its limit")
        if defect == "rope-ignores-offset" {
            // Positions 0…7 are the prefill at offset 0: the defect shows at the first decode step.
            #expect(message.hasPrefix("the model-level check failed at position 8 (decode step 1)"))
        }
    }

    /// A backend that writes past its output is stopped at the kernel that did it.
    @Test func aMemoryViolationEndsTheCheckNamingTheKernelAndPosition() throws {
        let session = try InProcessSession(
            path: Self.plugin("defective"), expectedSHA256: nil, options: [(key: "defect", value: "writes-past-output")])
        let record = ModelCheck.run(.forSuite(.quick), seed: 1, numerics: Self.numerics, on: session)
        #expect(record.outcome == .crashed)
        #expect(record.message?.hasPrefix("add in bf16 at position 0 (prefill): ") == true, "\(record.message ?? "")")
        #expect(record.shortfall()?.hasPrefix("the model-level check crashed the backend: add in bf16") == true)
    }

    /// A backend that lacks a kernel of the chain in bf16 runs it in fp16; one that lacks it in
    /// every dtype cannot run it, and the record says what each dtype lacks.
    @Test func aMissingKernelMovesTheCheckToAnotherDtypeOrMakesItUnsupported() throws {
        let cpu = try InProcessSession(path: Self.plugin("cpu"), expectedSHA256: nil, options: [])
        let noBF16Rope = Refusing(cpu) { $0 == .rope && $1 == .bf16 }
        let fp16 = ModelCheck.run(.forSuite(.quick), seed: 1, numerics: Self.numerics, on: noBF16Rope)
        #expect(fp16.outcome == .passed && fp16.type == .fp16)
        // An fp32 model: the backend's fp32 sums are no longer hidden by a 16-bit output rounding,
        // and the limits widen for them (DecoderComparison.accumulationFactor); a correct backend
        // stays well inside.
        let fp32Only = Refusing(cpu) { kernel, type in kernel == .rope && type != .fp32 }
        for seed in UInt64(1)...5 {
            let fp32 = ModelCheck.run(.forSuite(.quick), seed: seed, numerics: Self.numerics, on: fp32Only)
            #expect(fp32.outcome == .passed && fp32.type == .fp32, "seed \(seed): \(fp32.headline)")
            #expect((fp32.worstRatio ?? .infinity) <= 0.5, "seed \(seed): \(fp32.headline)")
            print("model-level check, cpu, fp32 quick model, seed \(seed): the worst figure is \(fp32.worstRatio ?? .infinity) of its limit")
        }
        let noAttention = Refusing(cpu) { kernel, _ in kernel == .attention }
        let record = ModelCheck.run(.forSuite(.quick), seed: 1, numerics: Self.numerics, on: noAttention)
        #expect(record.outcome == .unsupported)
        #expect(record.type == nil)
        #expect(
            record.message
                == "the decoder chains embedding, rmsnorm, gemm, add, rope, attention, swiglu, argmax in one dtype; the backend's "
                + "bf16 lacks attention; fp16 lacks attention; fp32 lacks attention")
        #expect(record.shortfall()?.hasPrefix("the model-level check could not run: the decoder chains") == true)
    }

    /// The check is a function of the seed: the same seed gives the same record, another seed
    /// another prompt and weights.
    @Test func theSameSeedGivesTheSameRecord() throws {
        let session = try InProcessSession(path: Self.plugin("cpu"), expectedSHA256: nil, options: [])
        let first = ModelCheck.run(.forSuite(.quick), seed: 7, numerics: Self.numerics, on: session)
        let second = ModelCheck.run(.forSuite(.quick), seed: 7, numerics: Self.numerics, on: session)
        #expect(first == second)
        let other = ModelCheck.run(.forSuite(.quick), seed: 8, numerics: Self.numerics, on: session)
        #expect(other.steps.map(\.expectedToken) != first.steps.map(\.expectedToken))
    }
}

/// The cpu backend with some kernel × dtype pairs declared unsupported.
private final class Refusing: BackendSession {
    let inner: InProcessSession
    let refuses: (Kernel, TensorType) -> Bool

    init(_ inner: InProcessSession, refuses: @escaping (Kernel, TensorType) -> Bool) {
        (self.inner, self.refuses) = (inner, refuses)
    }

    var description: BackendDescription { inner.description }

    func capability(kernel: Kernel, type: TensorType) throws(BackendError) -> CapabilityRecord {
        var answer = try inner.capability(kernel: kernel, type: type)
        if refuses(kernel, type) { answer.supported = false }
        return answer
    }

    func execute(_ request: ExecutionRequest) throws(BackendError) -> ExecutionOutcome {
        try inner.execute(request)
    }
}
