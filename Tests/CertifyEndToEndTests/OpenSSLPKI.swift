import Foundation

/// Certificates and Ed25519 keys made by the openssl command line, not by certify: a root, and
/// certificates issued with whatever extensions a test names (an intermediate, a certifier, or
/// one that breaks a rule of certify's certificate policy).
struct OpenSSLPKI {
    enum Failure: Error { case openssl(String) }

    let folder: TemporaryDirectory

    /// The root: a self-signed CA, `root.pem` and `root.key`.
    var root: String { folder.path("root.pem") }

    static let extensions = """
        [req]
        distinguished_name = dn
        prompt = no
        [dn]
        CN = unused
        [root]
        basicConstraints = critical, CA:TRUE
        keyUsage = critical, keyCertSign, cRLSign
        subjectKeyIdentifier = hash
        [intermediate]
        basicConstraints = critical, CA:TRUE, pathlen:0
        keyUsage = critical, keyCertSign, cRLSign
        subjectKeyIdentifier = hash
        authorityKeyIdentifier = keyid
        [certifier]
        basicConstraints = critical, CA:FALSE
        keyUsage = critical, digitalSignature
        subjectKeyIdentifier = hash
        authorityKeyIdentifier = keyid
        [no-digital-signature]
        basicConstraints = critical, CA:FALSE
        keyUsage = critical, nonRepudiation
        [unknown-critical]
        basicConstraints = critical, CA:FALSE
        keyUsage = critical, digitalSignature
        1.3.6.1.4.1.55555.1 = critical, ASN1:NULL
        [ca-leaf]
        basicConstraints = critical, CA:TRUE
        keyUsage = critical, digitalSignature, keyCertSign
        [server-only]
        basicConstraints = critical, CA:FALSE
        keyUsage = critical, digitalSignature
        extendedKeyUsage = serverAuth
        [code-signing]
        basicConstraints = critical, CA:FALSE
        keyUsage = critical, digitalSignature
        extendedKeyUsage = codeSigning

        """

    init() throws {
        folder = try TemporaryDirectory()
        try folder.write("openssl.cnf", Self.extensions)
        try key("root")
        try openssl([
            "req", "-x509", "-new", "-config", folder.path("openssl.cnf"), "-extensions", "root", "-key", folder.path("root.key"),
            "-subj", "/O=OpenSSL test/CN=openssl root", "-days", "30", "-out", root,
        ])
    }

    /// Issues `name.pem` (with `name.key`, mode 0600) from the section `extensions` of the
    /// configuration above, signed by the certificate and key named `issuer`.
    @discardableResult
    func issue(_ name: String, by issuer: String, extensions: String) throws -> String {
        try key(name)
        try openssl([
            "req", "-new", "-config", folder.path("openssl.cnf"), "-key", folder.path("\(name).key"),
            "-subj", "/O=OpenSSL test/CN=openssl \(name)", "-out", folder.path("\(name).csr"),
        ])
        try openssl([
            "x509", "-req", "-in", folder.path("\(name).csr"), "-CA", folder.path("\(issuer).pem"), "-CAkey", folder.path("\(issuer).key"),
            "-set_serial", String(UInt32.random(in: 1...UInt32.max)), "-days", "30", "-extfile", folder.path("openssl.cnf"),
            "-extensions", extensions, "-out", folder.path("\(name).pem"),
        ])
        return folder.path("\(name).pem")
    }

    /// Concatenates the PEM certificates `names`, leaf first, into `file`.
    func chain(_ names: [String], to file: String) throws -> String {
        let text = try names.map { try String(contentsOfFile: folder.path("\($0).pem"), encoding: .utf8) }.joined()
        return try folder.write(file, text)
    }

    private func key(_ name: String) throws {
        try openssl(["genpkey", "-algorithm", "ed25519", "-out", folder.path("\(name).key")])
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: folder.path("\(name).key"))
    }

    private func openssl(_ arguments: [String]) throws {
        let result = try Tool.run("openssl", arguments)
        guard result.status == 0 else { throw Failure.openssl("openssl \(arguments.joined(separator: " ")): \(result.stderr)") }
    }
}
