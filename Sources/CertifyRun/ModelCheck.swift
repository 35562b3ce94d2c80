import CertifyBackends
import CertifyBattery
import CertifyNumerics
import CertifyOracle
import CertifyReport

/// The decoder's kernels through a backend session: each call is one execute of one kernel,
/// untimed, on the values the previous kernel returned, as a serving engine chains them.
final class SessionDecoderKernels: DecoderKernels {
    let session: any BackendSession
    let type: TensorType
    /// The kernel being executed, for the message when it fails.
    private(set) var current: Kernel = .embedding

    init(session: any BackendSession, type: TensorType) {
        (self.session, self.type) = (session, type)
        broadcastsBias = session.description.abiMinor >= 2
    }

    /// Whether the QKV bias goes through ADD with CB_ADD_BROADCAST (ABI 1.2), as a serving engine
    /// adds it; false once the backend refused it, or for a plugin of an older minor.
    private var broadcastsBias: Bool

    private func run(
        _ kernel: Kernel, shape: [Int], scalars: [Double] = [], flags: UInt32 = 0, inputs: [[UInt8]]
    ) throws(BackendError) -> [[UInt8]] {
        current = kernel
        let op = BatteryCase(
            name: "model-check", kernel: kernel, type: type, shape: shape, scalars: scalars, flags: flags,
            origin: "the model-level check")
        let request = ExecutionRequest(
            testCase: op, inputs: inputs, outputByteCounts: zip(op.outputTypes, op.outputCounts).map { $0.byteCount($1) },
            warmup: 0, iterations: 0)
        let outcome = try session.execute(request)
        if let violation = outcome.memoryViolation { throw BackendError(.memoryViolation, violation) }
        if !outcome.lies.isEmpty { throw BackendError(.callFailed, outcome.lies.joined(separator: "; ")) }
        return outcome.firstOutputs
    }

    private func values(_ x: [Double]) -> [UInt8] { type.encode(x) }
    private func decoded(_ outputs: [[UInt8]]) -> [Double] { type.decode(outputs[0]) }

    package func embedding(_ table: StoredMatrix, ids: [Int]) throws -> [Double] {
        decoded(
            try run(
                .embedding, shape: [ids.count, table.rows, table.cols],
                inputs: [table.bytes, TensorType.int32.encode(ids.map(Double.init))]))
    }

    package func rmsnorm(_ x: [Double], weight: [Double], rows: Int, eps: Double) throws -> [Double] {
        decoded(try run(.rmsnorm, shape: [rows, weight.count], scalars: [eps], inputs: [values(x), values(weight)]))
    }

    package func linear(_ x: [Double], rows: Int, weight: StoredMatrix) throws -> [Double] {
        decoded(try run(.gemm, shape: [rows, weight.cols, weight.rows], inputs: [values(x), weight.bytes]))
    }

    package func add(_ a: [Double], _ b: [Double]) throws -> [Double] {
        decoded(try run(.add, shape: [a.count], inputs: [values(a), values(b)]))
    }

    package func addBias(_ x: [Double], bias: [Double], rows: Int) throws -> [Double] {
        if broadcastsBias {
            let outputs: [[UInt8]]
            do {
                outputs = try run(.add, shape: [rows, bias.count], flags: AddFlags.broadcast, inputs: [values(x), values(bias)])
                return decoded(outputs)
            } catch {
                // A flag may be refused at prepare: the bias is then repeated over rows instead.
                guard error.kind == .unsupported else { throw error }
                broadcastsBias = false
            }
        }
        return try add(x, Array((0..<rows).map { _ in bias }.joined()))
    }

    package func rope(_ x: [Double], tokens: Int, heads: Int, dim: Int, rot: Int, base: Double, offset: Int) throws -> [Double] {
        decoded(try run(.rope, shape: [tokens, heads, dim, rot], scalars: [base, Double(offset)], inputs: [values(x)]))
    }

    package func attention(
        q: [Double], k: [Double], v: [Double], queries: Int, keys: Int, heads: Int, groups: Int, dim: Int, scale: Double
    ) throws -> [Double] {
        decoded(
            try run(
                .attention, shape: [queries, keys, heads, groups, dim], scalars: [scale], inputs: [values(q), values(k), values(v)]))
    }

    package func swiglu(_ x: [Double], rows: Int, cols: Int) throws -> [Double] {
        decoded(try run(.swiglu, shape: [rows, cols], inputs: [values(x)]))
    }

    package func argmax(_ x: [Double], rows: Int, cols: Int) throws -> [Int] {
        TensorType.int32.decode(try run(.argmax, shape: [rows, cols], inputs: [values(x)])[0]).map { Int($0) }
    }
}

/// The model-level check: a GLM decoder with seeded synthetic weights run through the backend's
/// kernels for a prompt and then decode steps, each position's logits compared with the same
/// model on the fp64 oracle (BATTERY.md, "The model-level check"). Decoding is teacher-forced:
/// each step feeds the fp64 model's top-1 token to both, so one disagreement is one step's finding
/// and does not send the two down different sequences.
package enum ModelCheck {
    /// Runs the check of `shape` on `session` with the run's seed and declared numerics. Never
    /// throws: what goes wrong is the record's outcome.
    package static func run(
        _ shape: DecoderShape, seed: UInt64, numerics: DeclaredNumericsModel, on session: any BackendSession
    ) -> ModelCheckRecord {
        let type: TensorType
        switch chooseType(on: session) {
        case .success(let chosen): type = chosen
        case .failure(let record): return ModelCheckRecord(shape: shape, type: nil, outcome: record.outcome, message: record.message)
        }
        let dtype = type.floatType!
        let weights = DecoderWeights(shape: shape, type: dtype, seed: seed)
        let exact = OracleDecoderKernels()
        let rounded = OracleDecoderKernels(
            rounding: .init(type: dtype, mode: numerics.rounding, flushesSubnormals: numerics.flushesSubnormals))
        let backend = SessionDecoderKernels(session: session, type: type)
        var (exactPass, roundedPass, backendPass) = (DecoderPass(weights), DecoderPass(weights), DecoderPass(weights))

        var record = ModelCheckRecord(shape: shape, type: type, outcome: .passed)
        var largestLogit = 0.0
        var tokens = weights.prompt
        let v = shape.vocabulary
        for step in 0...shape.decodeSteps {
            if let signal = Interruption.signal {
                record.outcome = .notRun
                record.message = "the run was interrupted by \(SignalName.of(signal))"
                break
            }
            let first = exactPass.position
            let expected = try! exactPass.forward(tokens, on: exact)
            let nearby = try! roundedPass.forward(tokens, on: rounded)
            let observed: [Double]
            let chosen: [Int]
            do {
                observed = try backendPass.forward(tokens, on: backend)
                chosen = try backend.argmax(observed, rows: tokens.count, cols: v)
            } catch {
                let error = error as? BackendError ?? BackendError(.callFailed, "\(error)")
                record.outcome = error.kind.outcome
                record.message =
                    "\(backend.current.rawValue) in \(type.rawValue) at position \(first) (\(step == 0 ? "prefill" : "decode step \(step)")): \(error.message)"
                break
            }
            for row in 0..<tokens.count {
                let range = row * v..<(row + 1) * v
                let top = DecoderComparison.topTwo(expected[range])
                let measured = DecoderComparison.divergence(exact: expected[range], other: observed[range])
                let emulated = DecoderComparison.divergence(exact: expected[range], other: nearby[range])
                record.steps.append(
                    ModelCheckStep(
                        position: first + row, step: step, expectedToken: top.first, margin: top.margin,
                        backendToken: chosen[row], maxLogitError: measured.maxError, klDivergence: measured.kl,
                        roundedMaxLogitError: emulated.maxError, roundedKLDivergence: emulated.kl))
            }
            largestLogit = expected.reduce(largestLogit) { max($0, $1.magnitude) }
            tokens = [DecoderComparison.topTwo(expected[(tokens.count - 1) * v..<tokens.count * v]).first]
        }
        if !record.steps.isEmpty {
            let limits = DecoderComparison.limits(
                largestLogit: largestLogit, rounded: record.steps, type: dtype, accumulation: numerics.accumulation(for: dtype),
                longestSum: shape.longestSum)
            (record.logitLimit, record.klLimit) = (limits.logit, limits.kl)
        }
        if record.outcome == .passed, let shortfall = record.shortfall() {
            record.outcome = .failed
            record.message = shortfall
        }
        Reference.parkThreads()
        return record
    }

    /// The first of bf16, fp16 and fp32 (GLM's own dtype first) in which the backend implements
    /// every kernel the chain calls; else what bf16 lacks.
    private static func chooseType(on session: any BackendSession) -> Result<TensorType, ModelCheckRefusal> {
        var missing: [TensorType: [Kernel]] = [:]
        for type in [TensorType.bf16, .fp16, .fp32] {
            var lacking: [Kernel] = []
            for kernel in ModelCheckRecord.kernels {
                do {
                    if !(try session.capability(kernel: kernel, type: type)).supported { lacking.append(kernel) }
                } catch {
                    return .failure(ModelCheckRefusal(outcome: error.kind.outcome, message: error.message))
                }
            }
            missing[type] = lacking
            if missing[type]!.isEmpty { return .success(type) }
        }
        let lacks = [TensorType.bf16, .fp16, .fp32].map { type in
            "\(type.rawValue) lacks \(missing[type]!.map(\.rawValue).joined(separator: ", "))"
        }
        return .failure(
            ModelCheckRefusal(
                outcome: .unsupported,
                message: "the decoder chains \(ModelCheckRecord.kernels.map(\.rawValue).joined(separator: ", ")) in one dtype; the backend's "
                    + lacks.joined(separator: "; ")))
    }

    private struct ModelCheckRefusal: Error {
        var outcome: CaseOutcome
        var message: String
    }
}
