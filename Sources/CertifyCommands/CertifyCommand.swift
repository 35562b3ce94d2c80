import ArgumentParser

/// The `certify` command: `certify --chip FILE` runs a certification; subcommands do the rest.
package struct CertifyCommand: ParsableCommand {
    package static let harnessVersion = "0.1.0"

    package static let configuration = CommandConfiguration(
        commandName: "certify",
        abstract: "Certify an AI accelerator backend for running GLM-family LLMs.",
        discussion: """
            Loads the chip profile's backend library, runs the fixed kernel battery against an fp64 \
            oracle, times every case, and writes a report folder with the level the chip reached \
            (L1 Compatible, L2 Validated, L3 Critical) and a verdict for each user tier given.

            Start with:  certify --chip profiles/ascend.yaml
            Exit codes:  0 certified, 1 not certified, 64 usage, 65 bad profile, 66 missing file,
                         69 backend unavailable, 70 internal error, 73 cannot write the report.
            """,
        version: harnessVersion,
        subcommands: [RunCommand.self, BatteryCommand.self],
        defaultSubcommand: RunCommand.self
    )

    package init() {}
}
