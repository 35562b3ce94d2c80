import CertifyBattery
import CertifyTrust
import Foundation

/// What a shard report says it is: shard `index` of `count` of one suite, which it names by the
/// digest of the whole suite's case ids, so that the shard verifies alone and a merge can tell
/// shards of one run from shards of another.
package struct ShardRecord: Sendable, Codable, Equatable {
    /// 1-based: 1…count.
    package var index: Int
    package var count: Int
    /// `ShardRecord.caseListSHA256` of the whole suite, not of this shard's cases.
    package var suiteCaseIDsSHA256: String
    /// How many cases the whole suite has.
    package var suiteCases: Int
    /// This shard's share of the suite's estimated cost (`BatteryCase.estimatedCost`), 0…1.
    package var costShare: Double
    /// The name of the machine the shard ran on (a node of the cluster).
    package var hostname: String

    /// The record of `shard` of the cases of `suite`, run on `hostname`.
    package init(_ shard: Shard, suite: [BatteryCase], hostname: String = ProcessInfo.processInfo.hostName) {
        self.hostname = hostname
        (index, count) = (shard.index, shard.count)
        suiteCaseIDsSHA256 = Self.caseListSHA256(suite.map(\.id))
        suiteCases = suite.count
        let total = suite.map(\.estimatedCost).reduce(0, +)
        let mine = shard.cases(of: suite).map(\.estimatedCost).reduce(0, +)
        costShare = total > 0 ? mine / total : 0
    }

    package var shard: Shard { Shard(index: index, count: count) }

    /// Lower-case hex SHA-256 of `ids`, each followed by a newline, in the order given.
    package static func caseListSHA256(_ ids: [String]) -> String {
        FileDigest.sha256(Array(ids.map { $0 + "\n" }.joined().utf8))
    }
}

/// One shard a merged report was made of, as the merge verified it.
package struct MergedShard: Sendable, Codable, Equatable {
    package var index: Int
    package var count: Int
    /// SHA-256 of the shard's report.json: the exact bytes its signature covers.
    package var reportSHA256: String
    /// The machine the shard ran on: its name and its record.
    package var hostname: String
    package var host: HostRecord
    /// The shard's signer (certificate subject) and its key id.
    package var signer: String
    package var keyid: String
    package var startedAt: String
    package var finishedAt: String
    /// How many cases the shard ran.
    package var cases: Int
    /// The `--backend-option` pairs the shard ran with (its device); absent: none.
    package var backendOptions: [String]? = nil
}
