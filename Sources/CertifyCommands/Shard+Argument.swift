import ArgumentParser
import CertifyBattery

extension Shard: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}
