import CertifyTrust

extension VerifiedReport {
    /// What `certify verify` prints: what the report verifiably says, who signed it and what was checked.
    package func summary(path: String, trustLocation: String, checked: [String]) -> String {
        let p = statement.predicate
        let backendSubject = statement.subjects(.backend).first
        var lines = ["VERIFIED  \(path)"]
        if signer.development {
            lines.append("WARNING   signed with a development identity: UNTRUSTED; it verifies only because --trust names its root")
        }
        lines.append("chip      \(p.chip.vendor) \(p.chip.family) \(p.chip.model) (\(p.chip.profile))")
        lines.append(
            "backend   \(p.backend.name) \(p.backend.version), ABI \(p.backend.abiVersion), "
                + "\(backendSubject?.name ?? "-") sha256 \(backendSubject?.digest["sha256"] ?? "-")")
        lines.append("level     \(p.level.name)")
        lines.append(
            "tiers     " + (p.tiers.isEmpty
                ? "none assessed"
                : p.tiers.map { "\($0.id) \($0.qualified ? "QUALIFIED" : "NOT QUALIFIED") (requires \($0.requiredLevel.label))" }
                    .joined(separator: ", ")))
        if let shard = p.shard {
            lines.append(
                "shard     \(shard.index)/\(shard.count) on \(shard.hostname): \(p.cases.count) of \(shard.suiteCases) cases of suite "
                    + "\(p.run.suite.rawValue), case list sha256 \(shard.suiteCaseIDsSHA256); level and tiers are this shard's only")
        }
        if let shards = p.shards {
            lines.append(
                "merged    \(shards.count) shards: "
                    + shards.map { "\($0.index)/\($0.count) on \($0.hostname) report sha256 \($0.reportSHA256)" }.joined(separator: ", "))
        }
        lines.append("date      run \(p.run.startedAt) to \(p.run.finishedAt), signed \(signer.signedAt)")
        lines.append("signer    \(signer.subject) (keyid \(signer.keyid))")
        lines.append("root      \(root.subject) from \(trustLocation)")
        if expiredSinceSigning() {
            lines.append(
                "note      the signer's certificate expired on \(ReportTime.string(certificate.notValidAfter)), "
                    + "after the report was signed; the report remains valid")
        }
        lines.append("subjects  " + (checked.isEmpty ? "not checked (give --backend, --chip, --tier)" : "match: " + checked.joined(separator: ", ")))
        return lines.joined(separator: "\n") + "\n"
    }
}
