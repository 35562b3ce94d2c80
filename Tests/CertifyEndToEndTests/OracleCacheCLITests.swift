import Foundation
import Testing

/// The oracle cache as a user meets it: a second run reads every case's references from it and
/// judges exactly as the first, a tampered entry is computed again, and `--no-oracle-cache` leaves
/// the folder alone. Each test has its own XDG_CACHE_HOME, never the user's.
@Suite(.serialized) struct OracleCacheCLITests {
    /// Runs the quick suite on the cpu backend with `cacheHome` as XDG_CACHE_HOME; the report's
    /// cases as JSON objects, and stdout.
    private func certify(cacheHome: TemporaryDirectory, _ extra: [String] = []) throws -> (cases: [[String: Any]], stdout: String) {
        let folder = try TemporaryDirectory()
        let result = try CLI.run(
            ["--chip", "Profiles/cpu.yaml", "--suite", "quick", "--runs", "1", "--output", folder.path("report")] + extra,
            environment: ["XDG_CACHE_HOME": cacheHome.url.path])
        #expect(result.status == 0, "\(result.stderr)")
        let data = try Data(contentsOf: folder.url.appendingPathComponent("report/cases.json"))
        return (try #require(try JSONSerialization.jsonObject(with: data) as? [[String: Any]]), result.stdout)
    }

    /// Each case's judgement, the bytes the report holds for it, without what is measured anew each
    /// run (latency, throughput, the oracle's time) or says where the references came from.
    private func judgements(_ cases: [[String: Any]]) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for var c in cases {
            for key in ["latency", "throughput", "oracleNanoseconds", "oracleCached"] { c.removeValue(forKey: key) }
            result[try #require(c["id"] as? String)] = try JSONSerialization.data(withJSONObject: c, options: [.sortedKeys])
        }
        return result
    }

    /// The cases the oracle judged (a refusal computes nothing).
    private func judged(_ cases: [[String: Any]]) -> [[String: Any]] {
        cases.filter { $0["refusal"] == nil && $0["outcome"] as? String != "unsupported" }
    }

    private func entries(_ cacheHome: TemporaryDirectory) -> [String: Date] {
        let folder = cacheHome.url.appendingPathComponent("certify/oracle")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        var result: [String: Date] = [:]
        for name in names {
            let attributes = try? FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(name).path)
            result[name] = attributes?[.modificationDate] as? Date ?? .distantPast
        }
        return result
    }

    @Test func aSecondRunReadsEveryCaseFromTheCacheAndJudgesAlike() throws {
        let cacheHome = try TemporaryDirectory()
        let cold = try certify(cacheHome: cacheHome)
        let computed = judged(cold.cases)
        #expect(!computed.isEmpty)
        #expect(computed.allSatisfy { $0["oracleCached"] as? Bool == false })
        #expect(cold.stdout.contains("oracle: 0 of \(computed.count) cases' references read from the oracle cache, \(computed.count) computed"))
        #expect(entries(cacheHome).keys.allSatisfy { $0.hasSuffix(".oracle") } && !entries(cacheHome).isEmpty)

        let warm = try certify(cacheHome: cacheHome)
        let read = judged(warm.cases)
        #expect(read.count == computed.count)
        #expect(read.allSatisfy { $0["oracleCached"] as? Bool == true }, "\(read.filter { $0["oracleCached"] as? Bool != true }.map { $0["id"]! })")
        #expect(warm.stdout.contains("oracle: \(read.count) of \(read.count) cases' references read from the oracle cache, 0 computed"))
        #expect(try judgements(warm.cases) == judgements(cold.cases))
    }

    @Test func aTamperedEntryIsComputedAgain() throws {
        let cacheHome = try TemporaryDirectory()
        let cold = try certify(cacheHome: cacheHome)
        let folder = cacheHome.url.appendingPathComponent("certify/oracle")
        let name = try #require(entries(cacheHome).keys.sorted().first)
        var bytes = try Data(contentsOf: folder.appendingPathComponent(name))
        bytes[bytes.count - 1] ^= 0x80
        try bytes.write(to: folder.appendingPathComponent(name))

        let warm = try certify(cacheHome: cacheHome)
        let computedAgain = judged(warm.cases).filter { $0["oracleCached"] as? Bool == false }
        #expect(computedAgain.count == 1)
        #expect(try judgements(warm.cases) == judgements(cold.cases))
        #expect(try Data(contentsOf: folder.appendingPathComponent(name)) != bytes)
    }

    @Test func noOracleCacheNeitherReadsNorWrites() throws {
        let cacheHome = try TemporaryDirectory()
        let plain = try certify(cacheHome: cacheHome, ["--no-oracle-cache"])
        #expect(entries(cacheHome).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: cacheHome.url.appendingPathComponent("certify").path))
        #expect(plain.cases.allSatisfy { $0["oracleCached"] == nil })
        #expect(!plain.stdout.contains("oracle cache"))

        // With entries there, it still reads none of them: none is touched, every case is computed.
        let cold = try certify(cacheHome: cacheHome)
        let before = entries(cacheHome)
        Thread.sleep(forTimeInterval: 0.01)
        let again = try certify(cacheHome: cacheHome, ["--no-oracle-cache"])
        #expect(entries(cacheHome) == before)
        #expect(again.cases.allSatisfy { $0["oracleCached"] == nil })
        #expect(try judgements(again.cases) == judgements(cold.cases))
    }
}
