import ArgumentParser
import CertifyBattery
import CertifyNumerics

/// `certify battery`: lists every case of a suite.
struct BatteryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "battery",
        abstract: "List the battery's cases: id, role, shape, FLOPs, bytes and where the shape comes from.")

    @Option(help: "Suite to list: quick, standard or full.")
    var suite: Suite = .standard

    func run() throws {
        Standard.output("battery \(Battery.version), suite \(suite.rawValue)\n")
        for testCase in Battery.cases(suite) {
            Standard.output(
                "\(testCase.id)\t\(testCase.role.rawValue)\t\(testCase.shape.map(String.init).joined(separator: "x"))\t"
                    + "\(Int(testCase.flops)) flop\t\(testCase.bytes) B\t\(testCase.origin)\n")
        }
    }
}

extension Suite: ExpressibleByArgument {}
