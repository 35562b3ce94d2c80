import CertifyBattery
import CertifyNumerics
import CertifyOracle
import CertifyRun
import Foundation
import Testing

/// The oracle cache: what it returns is bit for bit what the oracle computes, and nothing it did
/// not write whole for the same key is ever used.
@Suite struct OracleCacheTests {
    static let numerics = DeclaredNumericsModel(
        accumulation: [.fp32: .fp32, .fp16: .fp32, .bf16: .fp32], flushesSubnormals: false, rounding: .nearestEven)
    /// Flush-to-zero gives subnormal cases a second acceptable result (`Expectation.alternative`).
    static let flushing = DeclaredNumericsModel(
        accumulation: [.fp16: .fp32, .bf16: .fp32], flushesSubnormals: true, rounding: .nearestEven)

    /// A GEMM, outputs with NaN and Inf, two outputs one of them integer, and a flush-to-zero alternative.
    static let cases: [(String, DeclaredNumericsModel)] = [
        ("gemm.fp16.qkv.2x96x256", numerics),
        ("gemm.fp32.nan.4x16x64", numerics),
        ("add.fp32.non-finite.256", numerics),
        ("topk.fp32.sampling.2x4096x8", numerics),
        ("add.fp16.subnormal.256", flushing),
    ]

    private final class Folder {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("certify-oracle-cache-\(UUID().uuidString)")
        deinit { try? FileManager.default.removeItem(at: url) }
    }

    private static func testCase(_ id: String) throws -> BatteryCase {
        try #require(Battery.cases(.quick).first { $0.id == id })
    }

    /// Every array of every output as bit patterns, and whether the alternative is there.
    private static func bits(_ expectations: [CertifyOracle.Expectation]) -> [[[UInt64]]] {
        expectations.map { e in
            let arrays: [[Double]] = [e.values, e.standard, e.functional, e.unavoidable, e.alternative ?? []]
            let present: UInt64 = e.alternative == nil ? 0 : 1
            return arrays.map { $0.map(\.bitPattern) } + [[present]]
        }
    }

    @Test(arguments: cases)
    func aSecondLookUpReadsBitForBitWhatTheFirstComputed(_ id: String, _ numerics: DeclaredNumericsModel) throws {
        let folder = Folder()
        let cache = OracleCache(directory: folder.url, code: "test")
        let testCase = try Self.testCase(id)
        let inputs = testCase.encodedInputs(seed: 1).values
        var computed = 0
        let compute = {
            computed += 1
            return testCase.expectations(inputs, numerics: numerics)
        }
        let first = cache.expectations(for: testCase, seed: 1, inputSet: 1, numerics: numerics, compute: compute)
        let second = cache.expectations(for: testCase, seed: 1, inputSet: 1, numerics: numerics, compute: compute)
        #expect(!first.cached && second.cached && computed == 1)
        #expect(Self.bits(second.expectations) == Self.bits(testCase.expectations(inputs, numerics: numerics)))
        if numerics.flushesSubnormals { #expect(second.expectations[0].alternative != nil) }
    }

    /// Every byte of an entry is covered: a changed digest, key or value is never used.
    @Test(arguments: [0, 30, 100, -1])
    func aTamperedEntryIsComputedAgainAndRewritten(_ offset: Int) throws {
        let folder = Folder()
        let cache = OracleCache(directory: folder.url, code: "test")
        let testCase = try Self.testCase("gemm.fp16.qkv.2x96x256")
        let inputs = testCase.encodedInputs(seed: 1).values
        var computed = 0
        let compute = {
            computed += 1
            return testCase.expectations(inputs, numerics: Self.numerics)
        }
        _ = cache.expectations(for: testCase, seed: 1, inputSet: 1, numerics: Self.numerics, compute: compute)
        let entry = cache.entryURL(for: testCase, seed: 1, inputSet: 1, numerics: Self.numerics)
        let sound = try Data(contentsOf: entry)
        var tampered = sound
        let index = offset >= 0 ? offset : tampered.count + offset
        tampered[index] ^= 0x01
        try tampered.write(to: entry)

        let again = cache.expectations(for: testCase, seed: 1, inputSet: 1, numerics: Self.numerics, compute: compute)
        #expect(!again.cached && computed == 2)
        #expect(Self.bits(again.expectations) == Self.bits(compute()))
        #expect(try Data(contentsOf: entry) == sound)
        #expect(cache.expectations(for: testCase, seed: 1, inputSet: 1, numerics: Self.numerics, compute: compute).cached)
    }

    @Test func aTruncatedEntryIsComputedAgain() throws {
        let folder = Folder()
        let cache = OracleCache(directory: folder.url, code: "test")
        let testCase = try Self.testCase("topk.fp32.sampling.2x4096x8")
        let compute = { testCase.expectations(testCase.encodedInputs(seed: 1).values, numerics: Self.numerics) }
        _ = cache.expectations(for: testCase, seed: 1, inputSet: 1, numerics: Self.numerics, compute: compute)
        let entry = cache.entryURL(for: testCase, seed: 1, inputSet: 1, numerics: Self.numerics)
        try Data(try Data(contentsOf: entry).dropLast(8)).write(to: entry)
        #expect(!cache.expectations(for: testCase, seed: 1, inputSet: 1, numerics: Self.numerics, compute: compute).cached)
    }

    /// The seed, the input set, the numerics, the code and the case each make another entry.
    @Test func everyPartOfTheKeyMakesAnotherEntry() throws {
        let folder = Folder()
        let cache = OracleCache(directory: folder.url, code: "test")
        let testCase = try Self.testCase("add.fp16.subnormal.256")
        let other = try Self.testCase("add.bf16.subnormal.256")
        let compute = { [CertifyOracle.Expectation]() }
        _ = cache.expectations(for: testCase, seed: 1, inputSet: 1, numerics: Self.numerics, compute: { testCase.expectations(testCase.encodedInputs(seed: 1).values, numerics: Self.numerics) })
        let misses = [
            cache.expectations(for: testCase, seed: 2, inputSet: 1, numerics: Self.numerics, compute: compute),
            cache.expectations(for: testCase, seed: 1, inputSet: 2, numerics: Self.numerics, compute: compute),
            cache.expectations(for: testCase, seed: 1, inputSet: 1, numerics: Self.flushing, compute: compute),
            cache.expectations(for: other, seed: 1, inputSet: 1, numerics: Self.numerics, compute: compute),
            OracleCache(directory: folder.url, code: "another build").expectations(
                for: testCase, seed: 1, inputSet: 1, numerics: Self.numerics, compute: compute),
        ]
        #expect(misses.allSatisfy { !$0.cached })
        #expect(cache.expectations(for: testCase, seed: 1, inputSet: 1, numerics: Self.numerics, compute: compute).cached)
    }

    /// Over the limit, the least recently used entries go first; a read counts as a use.
    @Test func theLeastRecentlyUsedEntriesAreEvictedOverTheLimit() throws {
        let folder = Folder()
        let ids = ["add.fp32.residual.4096", "add.fp16.residual.4096", "add.bf16.residual.4096"]
        let cases = try ids.map(Self.testCase)
        let compute = { (testCase: BatteryCase) in
            { testCase.expectations(testCase.encodedInputs(seed: 1).values, numerics: Self.numerics) }
        }
        let unlimited = OracleCache(directory: folder.url, code: "test")
        _ = unlimited.expectations(for: cases[0], seed: 1, inputSet: 1, numerics: Self.numerics, compute: compute(cases[0]))
        let size = try #require(
            try FileManager.default.attributesOfItem(
                atPath: unlimited.entryURL(for: cases[0], seed: 1, inputSet: 1, numerics: Self.numerics).path)[.size] as? Int)
        // Room for two entries of this size: the third written evicts one.
        let cache = OracleCache(directory: folder.url, limitBytes: 2 * size + size / 2, code: "test")
        let past = Date(timeIntervalSinceNow: -3600)
        _ = cache.expectations(for: cases[1], seed: 1, inputSet: 1, numerics: Self.numerics, compute: compute(cases[1]))
        try FileManager.default.setAttributes(
            [.modificationDate: past], ofItemAtPath: cache.entryURL(for: cases[1], seed: 1, inputSet: 1, numerics: Self.numerics).path)
        try FileManager.default.setAttributes(
            [.modificationDate: past.addingTimeInterval(-60)],
            ofItemAtPath: cache.entryURL(for: cases[0], seed: 1, inputSet: 1, numerics: Self.numerics).path)
        // Reading case 0 makes it the most recently used: case 1 is the one to go.
        #expect(cache.expectations(for: cases[0], seed: 1, inputSet: 1, numerics: Self.numerics, compute: compute(cases[0])).cached)
        _ = cache.expectations(for: cases[2], seed: 1, inputSet: 1, numerics: Self.numerics, compute: compute(cases[2]))
        let present = cases.map {
            FileManager.default.fileExists(atPath: cache.entryURL(for: $0, seed: 1, inputSet: 1, numerics: Self.numerics).path)
        }
        #expect(present == [true, false, true])
    }

    /// A large entry is written only when computing it took longer than reading it back would.
    @Test func aLargeEntryIsKeptOnlyWhenItIsSlowerToComputeThanToRead() throws {
        let folder = Folder()
        let cache = OracleCache(directory: folder.url, code: "test")
        let testCase = BatteryCase(name: "large", kernel: .add, type: .fp32, shape: [600_000], origin: "a test")
        let elements = [Double](repeating: 1, count: 600_000)
        let expectation = CertifyOracle.Expectation(values: elements, standard: elements, functional: elements, unavoidable: elements)
        // 19.2 MB, over the size always kept: 19 ms at the 1 GB/s a read is reckoned at.
        let quick = cache.expectations(for: testCase, seed: 1, inputSet: 1, numerics: Self.numerics) { [expectation] }
        #expect(!FileManager.default.fileExists(atPath: cache.entryURL(for: testCase, seed: 1, inputSet: 1, numerics: Self.numerics).path))
        #expect(!quick.cached)
        _ = cache.expectations(for: testCase, seed: 1, inputSet: 1, numerics: Self.numerics) {
            Thread.sleep(forTimeInterval: 0.1)
            return [expectation]
        }
        #expect(cache.expectations(for: testCase, seed: 1, inputSet: 1, numerics: Self.numerics) { [] }.cached)
    }

    /// A half-written entry an interrupted certify left is deleted once it is an hour old.
    @Test func anAbandonedHalfWrittenEntryIsDeletedAfterAnHour() throws {
        let folder = Folder()
        try FileManager.default.createDirectory(at: folder.url, withIntermediateDirectories: true)
        let abandoned = folder.url.appendingPathComponent(".abc.oracle.123.456")
        let writing = folder.url.appendingPathComponent(".def.oracle.789.012")
        try Data([1, 2, 3]).write(to: abandoned)
        try Data([4, 5, 6]).write(to: writing)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -7200)], ofItemAtPath: abandoned.path)
        let cache = OracleCache(directory: folder.url, code: "test")
        let testCase = try Self.testCase("add.fp32.residual.4096")
        _ = cache.expectations(for: testCase, seed: 1, inputSet: 1, numerics: Self.numerics) {
            testCase.expectations(testCase.encodedInputs(seed: 1).values, numerics: Self.numerics)
        }
        #expect(!FileManager.default.fileExists(atPath: abandoned.path))
        #expect(FileManager.default.fileExists(atPath: writing.path))
    }

    @Test func theFolderFollowsTheXDGBaseDirectorySpecification() {
        #expect(
            OracleCache.defaultDirectory(environment: ["XDG_CACHE_HOME": "/x/cache", "HOME": "/home/a"]).path
                == "/x/cache/certify/oracle")
        // A relative XDG_CACHE_HOME is invalid, the specification says, and is ignored.
        #expect(
            OracleCache.defaultDirectory(environment: ["XDG_CACHE_HOME": "relative", "HOME": "/home/a"]).path
                == "/home/a/.cache/certify/oracle")
        #expect(OracleCache.defaultDirectory(environment: ["HOME": "/home/a"]).path == "/home/a/.cache/certify/oracle")
    }
}

extension OracleCache {
    /// What the runner does with the cache on each input set: the stored references when a sound
    /// entry is there (`cached` true), else `compute()`d and kept when worth keeping.
    fileprivate func expectations(
        for testCase: BatteryCase, seed: UInt64, inputSet: Int, numerics: DeclaredNumericsModel,
        compute: () -> [CertifyOracle.Expectation]
    ) -> (expectations: [CertifyOracle.Expectation], cached: Bool) {
        if let stored = stored(for: testCase, seed: seed, inputSet: inputSet, numerics: numerics) { return (stored, true) }
        let start = DispatchTime.now().uptimeNanoseconds
        let computed = compute()
        keep(computed, nanoseconds: DispatchTime.now().uptimeNanoseconds - start, for: testCase, seed: seed, inputSet: inputSet, numerics: numerics)
        return (computed, false)
    }
}
