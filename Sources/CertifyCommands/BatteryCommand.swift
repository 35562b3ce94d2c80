import ArgumentParser
import CertifyBase
import CertifyBattery
import CertifyNumerics
import CertifyOracle
import CertifyProfiles
import CertifyReport
import CertifyRun

/// `certify battery`: lists every case of a suite with its tolerance and where it comes from.
struct BatteryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "battery",
        abstract: "List the battery's cases: id, role, shape, types, FLOPs, bytes and tolerance.",
        discussion: """
            Tolerances follow from the declared accumulation type; give --chip to derive them
            for a chip profile's numerics (default: fp32 accumulation, nearest-even rounding,
            subnormals kept). BATTERY.md gives each kernel's error bound.
            """)

    @Option(help: "Suite to list: quick, standard or full.")
    var suite: Suite = .standard

    @Option(help: ArgumentHelp("Chip profile whose declared numerics the tolerances follow.", valueName: "file"))
    var chip: String?

    func run() throws {
        var numerics = DeclaredNumericsModel(accumulation: [:], flushesSubnormals: false, rounding: .nearestEven)
        numerics.accumulation = [.fp16: .fp32, .bf16: .fp32, .fp32: .fp32]
        if let chip {
            guard let path = FileLocator.resolve(chip) else { throw Failure(.noInput, "chip profile '\(chip)' does not exist") }
            do {
                numerics = try ProfileLoader.loadChip(path: path, budgetKeys: Battery.budgetKeys).numerics.model
            } catch {
                throw Failure(error)
            }
        }
        let cases = Battery.cases(suite)
        Console.output("battery \(Battery.version), suite \(suite.rawValue), \(cases.count) cases\n")
        Console.output("id\trole\tshape\tinputs → outputs\tflop\tbytes\ttolerance\torigin\n")
        for testCase in cases {
            let model = ToleranceModel(for: testCase, numerics: numerics)
            let types =
                testCase.inputTypes.map(\.rawValue).joined(separator: ",") + " → "
                + testCase.outputTypes.map(\.rawValue).joined(separator: ",")
            Console.output(
                [
                    testCase.id, testCase.role.rawValue, testCase.shape.map(String.init).joined(separator: "x"), types,
                    String(Int(testCase.flops)), String(testCase.bytes), model.derivation(for: testCase), testCase.origin,
                ].joined(separator: "\t") + "\n")
        }
        let shape = DecoderShape.forSuite(suite)
        Console.output(
            "\nmodel-level check (L2): a GLM decoder with seeded weights, \(shape.summary), through the backend's "
                + "\(ModelCheckRecord.kernels.map(\.rawValue).joined(separator: ", ")) in bf16 (else fp16, else fp32); "
                + "each position's logits within \(Format.number(DecoderComparison.logitFactor))× the logit error and "
                + "\(Format.number(DecoderComparison.logitFactor * DecoderComparison.logitFactor))× the KL divergence of the same model "
                + "with every kernel's output rounded to the dtype (BATTERY.md); origin: \(shape.origin)\n")
    }
}

extension Suite: ExpressibleByArgument {}
