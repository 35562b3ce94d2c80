import ArgumentParser
import CertifyBase
import CertifyReport
import CertifyTrust

/// `--trust`: the roots a signed report must chain to, for verify, explain and gate.
struct TrustOption: ParsableArguments {
    @Option(
        name: .customLong("trust"),
        help: ArgumentHelp("Trusted roots: a PEM file or a folder of *.pem (default: the repository's Certs/).", valueName: "path"))
    var path: String?

    /// The roots `--trust` names, else the Certs/ of the repository certify was built in.
    func store() throws(Failure) -> TrustStore {
        try ReportFiles.trustStore(path, fallback: ExecutableLocation.repositoryCerts)
    }
}
