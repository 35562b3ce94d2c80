import ArgumentParser
import CertifyReport
import CertifyTrust

/// How a run chooses its signing identity: options, then environment, then the development identity.
struct SigningOptions: ParsableArguments {
    @Option(
        name: .customLong("signing-key"),
        help: ArgumentHelp(
            "Certifier private key (PKCS#8 PEM, mode 0600; default: $CERTIFY_SIGNING_KEY, else the untrusted development identity).",
            valueName: "file"))
    var key: String?

    @Option(
        name: .customLong("signing-cert"),
        help: ArgumentHelp("Certifier certificate (PEM, then any intermediates; default: $CERTIFY_SIGNING_CERT).", valueName: "file"))
    var certificate: String?

    func identity() throws -> SigningIdentity {
        try SigningChoice.identity(key: key, certificate: certificate)
    }
}
