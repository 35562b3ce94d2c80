import CertifyBattery

/// Where the backend runs.
package enum Isolation: String, Sendable, CaseIterable {
    /// Its own process, which may crash or hang without taking certify down (the default).
    case worker
    case inProcess = "in-process"
}

/// `--seed`: a number, or one drawn from the OS CSPRNG.
package enum SeedRequest: Sendable, Equatable {
    case number(UInt64)
    case drawn

    package init?(_ text: String) {
        if text == "drawn" {
            self = .drawn
        } else if let value = UInt64(text) {
            self = .number(value)
        } else {
            return nil
        }
    }
}

/// Everything a certification run is asked to do, as the command line says it.
package struct RunRequest: Sendable {
    package var chip: String
    package var tiers: [String] = []
    /// nil: standard, or the suite of the report a reproduction repeats or a resumed run started with.
    package var suite: Suite?
    /// The report folder; nil: reports/<family>-<model>-<UTC time>.
    package var output: String?
    package var seed: SeedRequest?
    /// A report whose run this one repeats (`--reproduce`).
    package var reproduce: String?
    package var isolation = Isolation.worker
    /// The folder of an interrupted run to continue.
    package var resume: String?
    package var soak = 0
    package var runs = 2
    package var coldCache = false
    package var maxConsecutiveCrashes = 3
    /// Read and write the oracle cache (`OracleCache`); false: `--no-oracle-cache`.
    package var oracleCache = true
    /// Run only this part of the suite (`--shard I/N`); nil: the whole suite.
    package var shard: Shard?
    /// "key=value" pairs over the profile's backend.options (`--backend-option`), e.g. the device
    /// a shard runs on.
    package var backendOptions: [String] = []

    package init(chip: String) {
        self.chip = chip
    }
}
