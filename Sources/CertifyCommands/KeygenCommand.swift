import ArgumentParser

/// `certify keygen root|certifier`: makes the root CA of a trust store and the certifiers it vouches for.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Create a root CA or issue a certifier certificate (Ed25519, X.509).",
        discussion: """
            certify keygen root --out CA
                writes CA/root.pem and CA/root.key (mode 0600)
            certify keygen certifier --ca CA --name NAME --out DIR
                writes DIR/certifier.pem and DIR/certifier.key (mode 0600)

            Put root.pem (never a .key) in the trust store, Certs/, and keep
            root.key offline. Sign runs with:
              --signing-key DIR/certifier.key --signing-cert DIR/certifier.pem
            """,
        subcommands: [KeygenRootCommand.self, KeygenCertifierCommand.self])
}
