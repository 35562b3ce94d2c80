import CertifyBase
import CertifyBattery
import CertifyOracle
import CertifyTrust
import Foundation
import Synchronization

/// The fp64 oracle's expectations remembered between runs, in the user's cache folder.
///
/// A case's expectations (exact values and tolerances per output element) follow from the case,
/// the seed, the input set and the declared numerics, and from the code that computes them: an
/// entry's name is the SHA-256 of a key of exactly those (`Key`; the code is the running
/// executable's SHA-256, so a rebuilt certify never reads what another build computed). An entry
/// holds the SHA-256 of its contents and is used only when they match it and name the same key;
/// anything else is computed again and rewritten. The folder is kept under `limitBytes` by
/// deleting the least recently used entries; a process lists the folder for that at its first write
/// and then only once what it wrote since would pass the limit (`evictIfFull`). Only entries worth keeping are written: a small one,
/// or one whose computing took longer than reading it back would (`worthKeeping`); the full
/// suite's elementwise, normalisation, RoPE and conversion cases would otherwise fill the folder with
/// about 11 GB of references cheaper to compute than to read, evicting the GEMMs' before reuse.
package struct OracleCache: Sendable {
    /// `$XDG_CACHE_HOME/certify/oracle`, else `~/.cache/certify/oracle`.
    package var directory: URL
    package var limitBytes: Int
    /// What identifies the oracle's code in every key.
    package var code: String

    /// 8 GiB: what the full suite keeps fits (about 5.1 GB, both input sets: the GEMM family's and
    /// attention's entries, and every one under `alwaysKeptBytes`).
    package static let defaultLimitBytes = 8 << 30

    /// An entry this small is always written: every case of the quick and standard suites is cached.
    static let alwaysKeptBytes = 16 << 20

    /// Whether an entry of `bytes` whose computing took `nanoseconds` is worth writing: it is small,
    /// or reading it back (at 1 GB/s, digest included: 1 ns per byte) is faster than computing it.
    static func worthKeeping(bytes: Int, nanoseconds: UInt64) -> Bool {
        bytes <= alwaysKeptBytes || nanoseconds >= UInt64(bytes)
    }

    package init(directory: URL = defaultDirectory(), limitBytes: Int = defaultLimitBytes, code: String) {
        self.directory = directory
        self.limitBytes = limitBytes
        self.code = code
    }

    /// The cache folder the XDG base directory specification gives: `$XDG_CACHE_HOME/certify/oracle`
    /// when that is an absolute path, else `$HOME/.cache/certify/oracle`.
    package static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        let base: URL
        if let cache = environment["XDG_CACHE_HOME"], cache.hasPrefix("/") {
            base = URL(fileURLWithPath: cache)
        } else {
            let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
            base = URL(fileURLWithPath: home).appendingPathComponent(".cache")
        }
        return base.appendingPathComponent("certify").appendingPathComponent("oracle")
    }

    /// The SHA-256 of the running executable (`/proc/self/exe`); nil when it cannot be read, and
    /// then a run keeps no cache: two unreadable builds would otherwise share entries.
    package static let executableDigest: String? = try? FileDigest.sha256(ofFile: "/proc/self/exe")

    /// What an entry's expectations depend on; its JSON (sorted keys) is hashed into the entry's name.
    struct Key: Codable {
        var format = OracleCache.format
        var battery = Battery.version
        var harness = Harness.version
        var code: String
        var testCase: BatteryCase
        var seed: UInt64
        /// 1 for the case's inputs, 2 for the second input set the same plan executes.
        var inputSet: Int
        var numerics: DeclaredNumericsModel
    }

    static let format = "certify-oracle-cache 1"

    /// The expectations a sound entry holds for `testCase` on input set `inputSet` of `seed`, or nil.
    package func stored(for testCase: BatteryCase, seed: UInt64, inputSet: Int, numerics: DeclaredNumericsModel) -> [Expectation]? {
        let keyText = Self.text(Key(code: code, testCase: testCase, seed: seed, inputSet: inputSet, numerics: numerics))
        let url = entry(named: keyText)
        guard let stored = Self.read(url, keyText: keyText, testCase: testCase) else { return nil }
        // Recently used entries are the last evicted.
        try? FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: url.path)
        return stored
    }

    /// Stores `computed`, the expectations of `testCase` on input set `inputSet` of `seed` that took
    /// `nanoseconds` to form, when they are worth keeping.
    package func keep(
        _ computed: [Expectation], nanoseconds: UInt64, for testCase: BatteryCase, seed: UInt64, inputSet: Int,
        numerics: DeclaredNumericsModel
    ) {
        let keyText = Self.text(Key(code: code, testCase: testCase, seed: seed, inputSet: inputSet, numerics: numerics))
        let bytes = computed.reduce(keyText.utf8.count + 100) { total, e in
            total + 8 * (e.values.count + e.standard.count + e.functional.count + e.unavoidable.count + (e.alternative?.count ?? 0) + 5)
        }
        if Self.worthKeeping(bytes: bytes, nanoseconds: nanoseconds) { store(computed, keyText: keyText, at: entry(named: keyText)) }
    }

    /// The file of the entry whose key is `keyText`.
    func entry(named keyText: String) -> URL {
        directory.appendingPathComponent(FileDigest.sha256(Array(keyText.utf8)) + ".oracle")
    }

    /// The entry file of a key, for tests that tamper with it.
    package func entryURL(for testCase: BatteryCase, seed: UInt64, inputSet: Int, numerics: DeclaredNumericsModel) -> URL {
        entry(named: Self.text(Key(code: code, testCase: testCase, seed: seed, inputSet: inputSet, numerics: numerics)))
    }

    private static func text(_ key: Key) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        // A Key is plain data: encoding it cannot fail.
        return String(decoding: try! encoder.encode(key), as: UTF8.self)
    }

    // An entry: the format line, the SHA-256 of the body, then the body: the key's JSON on one line
    // and the expectations in binary (`encode`).

    private static func read(_ url: URL, keyText: String, testCase: BatteryCase) -> [Expectation]? {
        guard let data = try? Data(contentsOf: url) else { return nil }
        let header = Data((format + "\n").utf8)
        let digestEnd = header.count + 64
        guard data.count > digestEnd + 1, data.prefix(header.count) == header,
            data[data.startIndex + digestEnd] == UInt8(ascii: "\n")
        else { return nil }
        let digest = String(decoding: data[data.startIndex + header.count..<data.startIndex + digestEnd], as: UTF8.self)
        let body = data.suffix(from: data.startIndex + digestEnd + 1)
        guard FileDigest.sha256(body) == digest else { return nil }
        let keyLine = Data((keyText + "\n").utf8)
        guard body.prefix(keyLine.count) == keyLine,
            let expectations = decode(body.suffix(from: body.startIndex + keyLine.count))
        else { return nil }
        // A sound entry of this key has the case's shape; anything else is not trusted.
        guard expectations.count == testCase.outputTypes.count,
            zip(expectations, testCase.outputCounts).allSatisfy({ $0.values.count == $1 && $0.standard.count == $1 && $0.functional.count == $1 })
        else { return nil }
        return expectations
    }

    private func store(_ expectations: [Expectation], keyText: String, at url: URL) {
        var body = Data((keyText + "\n").utf8)
        Self.encode(expectations, into: &body)
        let header = Data((Self.format + "\n" + FileDigest.sha256(body) + "\n").utf8)
        guard header.count + body.count <= limitBytes else { return }
        let manager = FileManager.default
        do {
            try manager.createDirectory(at: directory, withIntermediateDirectories: true)
            // Written aside and renamed into place: a reader sees a whole entry or none. The header
            // and the body go out one after the other, so a large entry is never copied whole.
            let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max))")
            try header.write(to: temporary)
            let handle = try FileHandle(forWritingTo: temporary)
            do {
                try handle.seekToEnd()
                try handle.write(contentsOf: body)
                try handle.close()
            } catch {
                try? handle.close()
                try? manager.removeItem(at: temporary)
                return
            }
            guard rename(temporary.path, url.path) == 0 else {
                try? manager.removeItem(at: temporary)
                return
            }
        } catch {
            return
        }
        evictIfFull(wrote: header.count + body.count, keeping: url)
    }

    /// The folder's size in bytes as this process last listed it, plus what it wrote since, by
    /// folder path; absent until the process first writes there.
    private static let knownSizes = Mutex<[String: Int]>([:])

    /// Evicts when the folder may be over `limitBytes` after a write of `bytes`: at this process's
    /// first write to the folder, and whenever its own writes since the last listing would take it
    /// past the limit. Listing every entry after every write cost about 1 s per write with a few
    /// thousand entries, minutes of a cold run. Other processes' writes in between go unseen until
    /// the next listing, so the folder may pass the limit by what they write meanwhile.
    private func evictIfFull(wrote bytes: Int, keeping kept: URL) {
        let path = directory.path
        let full = Self.knownSizes.withLock { sizes -> Bool in
            guard let known = sizes[path] else { return true }
            sizes[path] = known + bytes
            return known + bytes > limitBytes
        }
        guard full else { return }
        let total = evict(keeping: kept)
        Self.knownSizes.withLock { $0[path] = total }
    }

    /// Deletes the least recently used entries (oldest modification time first) until the folder
    /// holds at most `limitBytes`; `kept`, just written, goes last. A half-written file an
    /// interrupted certify left (a name starting with a dot) goes after an hour. Returns the bytes
    /// of the entries left.
    @discardableResult
    func evict(keeping kept: URL) -> Int {
        let manager = FileManager.default
        let keys: [URLResourceKey] = [.fileSizeKey, .contentModificationDateKey]
        guard let files = try? manager.contentsOfDirectory(at: directory, includingPropertiesForKeys: keys) else { return 0 }
        let abandoned = Date(timeIntervalSinceNow: -3600)
        var entries: [(url: URL, size: Int, used: Date)] = files.compactMap { url in
            guard let values = try? url.resourceValues(forKeys: Set(keys)) else { return nil }
            let used = values.contentModificationDate ?? .distantPast
            if url.lastPathComponent.hasPrefix(".") && used < abandoned { try? manager.removeItem(at: url) }
            guard url.pathExtension == "oracle" else { return nil }
            return (url, values.fileSize ?? 0, used)
        }
        var total = entries.reduce(0) { $0 + $1.size }
        guard total > limitBytes else { return total }
        entries.sort { ($0.url == kept ? 1 : 0, $0.used) < ($1.url == kept ? 1 : 0, $1.used) }
        for entry in entries where total > limitBytes {
            if (try? manager.removeItem(at: entry.url)) != nil { total -= entry.size }
        }
        return total
    }

    // The expectations in binary: the output count, then per output its five arrays (values,
    // standard, functional, unavoidable, alternative), each as an element count and that many
    // IEEE-754 doubles, all little-endian; an absent alternative has the count UInt64.max.

    static func encode(_ expectations: [Expectation], into data: inout Data) {
        append(UInt64(expectations.count), to: &data)
        for expectation in expectations {
            for array in [expectation.values, expectation.standard, expectation.functional, expectation.unavoidable] {
                append(array, to: &data)
            }
            if let alternative = expectation.alternative {
                append(alternative, to: &data)
            } else {
                append(UInt64.max, to: &data)
            }
        }
    }

    static func decode(_ data: Data) -> [Expectation]? {
        var reader = Reader(data: data)
        guard let count = reader.count(), count <= 16 else { return nil }
        var result: [Expectation] = []
        for _ in 0..<count {
            guard let values = reader.doubles(), let standard = reader.doubles(), let functional = reader.doubles(),
                let unavoidable = reader.doubles()
            else { return nil }
            var expectation = Expectation(values: values, standard: standard, functional: functional, unavoidable: unavoidable)
            if !reader.skipAbsent() {
                guard let alternative = reader.doubles() else { return nil }
                expectation.alternative = alternative
            }
            result.append(expectation)
        }
        return reader.atEnd ? result : nil
    }

    private static func append(_ value: UInt64, to data: inout Data) {
        withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
    }

    private static func append(_ array: [Double], to data: inout Data) {
        append(UInt64(array.count), to: &data)
        #if _endian(little)
            array.withUnsafeBytes { data.append(contentsOf: $0) }
        #else
            for value in array { append(value.bitPattern, to: &data) }
        #endif
    }

    /// Reads what `encode` wrote, refusing counts beyond the bytes left.
    private struct Reader {
        var data: Data
        var offset = 0

        var atEnd: Bool { offset == data.count }

        mutating func count() -> Int? {
            guard let raw = word() else { return nil }
            offset += 8
            return raw <= UInt64(data.count) ? Int(raw) : nil
        }

        /// Steps over an absent array's count, if that is what comes next.
        mutating func skipAbsent() -> Bool {
            guard word() == UInt64.max else { return false }
            offset += 8
            return true
        }

        private func word() -> UInt64? {
            guard data.count - offset >= 8 else { return nil }
            return data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
        }

        mutating func doubles() -> [Double]? {
            guard let count = count(), (data.count - offset) / 8 >= count else { return nil }
            let start = offset
            offset += count * 8
            return data.withUnsafeBytes { raw in
                [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
                    #if _endian(little)
                        UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[start..<start + count * 8]))
                    #else
                        for index in 0..<count {
                            buffer[index] = Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: start + index * 8, as: UInt64.self)))
                        }
                    #endif
                    initialized = count
                }
            }
        }
    }
}
