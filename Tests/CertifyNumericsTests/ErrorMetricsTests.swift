import Foundation
import Testing

import CertifyNumerics

@Suite("Error metrics")
struct ErrorMetricsTests {
    @Test("figures on a small vector")
    func smallVector() {
        // errors 0, 0.5, 1; ratios 0, 0.83, 2: only index 2 is out of tolerance and worst.
        let metrics = ErrorMetrics.compare(
            actual: [1, 2.5, 3], reference: [1, 2, 4], tolerance: [0.1, 0.6, 0.5], dtype: .fp32)
        #expect(metrics.count == 3)
        #expect(metrics.maxAbsError == 1)
        #expect(metrics.maxRelError == 0.25)
        // 0.5 / ulp(2) = 0.5 / 2^-22 and 1 / ulp(4) = 1 / 2^-21 are both 2^21.
        #expect(metrics.maxULP == 0x1p21)
        #expect(metrics.worstIndex == 2)
        #expect(metrics.worstActual == 3)
        #expect(metrics.worstReference == 4)
        #expect(metrics.worstTolerance == 0.5)
        #expect(metrics.outOfTolerance == 1)
        #expect(metrics.fractionOutOfTolerance == 1.0 / 3)
        #expect(metrics.nonFiniteMismatches == 0)
    }

    @Test("worst index is the largest error/tolerance ratio, not the largest error")
    func worstByRatio() {
        let metrics = ErrorMetrics.compare(actual: [10, 1.25], reference: [11, 1], tolerance: [5, 0.125], dtype: .fp16)
        #expect(metrics.worstIndex == 1)
        #expect(metrics.maxAbsError == 1)
        #expect(metrics.maxRelError == 0.25)
        #expect(metrics.maxULP == 256)  // 0.25 / 2^-10, against 1 / ulp(11) = 1 / 2^-7 = 128
        #expect(metrics.outOfTolerance == 1)
        #expect(metrics.fractionOutOfTolerance == 0.5)
    }

    @Test("ties in ratio go to the larger error, then to the first index")
    func ties() {
        let zeroTolerance = ErrorMetrics.compare(actual: [1, 5, 3], reference: [0, 0, 0], tolerance: [0, 0, 0], dtype: .fp64)
        #expect(zeroTolerance.worstIndex == 1)
        #expect(zeroTolerance.outOfTolerance == 3)
        let exact = ErrorMetrics.compare(actual: [1, 2], reference: [1, 2], tolerance: [0, 0], dtype: .fp64)
        #expect(exact.worstIndex == 0)
        #expect(exact.outOfTolerance == 0)
        #expect(exact.maxAbsError == 0)
        let atTolerance = ErrorMetrics.compare(actual: [1.5], reference: [1], tolerance: [0.5], dtype: .fp64)
        #expect(atTolerance.outOfTolerance == 0)  // |error| > tolerance is out, = is in
    }

    @Test("non-finite rules", arguments: [
        (Double.nan, Double.nan, false),
        (Double.infinity, Double.infinity, false),
        (-Double.infinity, -Double.infinity, false),
        (Double.infinity, -Double.infinity, true),
        (Double.nan, 1.0, true),
        (1.0, Double.nan, true),
        (Double.infinity, 1.0, true),
        (1.0, Double.infinity, true),
        (65504.0, Double.infinity, true),
        (Double.nan, Double.infinity, true),
        (Double.infinity, Double.nan, true),
    ])
    func nonFinite(actual: Double, reference: Double, mismatch: Bool) {
        // A large finite error sits beside the pair; a mismatch must still rank worst.
        let metrics = ErrorMetrics.compare(
            actual: [100, actual, 7], reference: [0, reference, 7], tolerance: [1, 1, 1], dtype: .fp16)
        #expect(metrics.nonFiniteMismatches == (mismatch ? 1 : 0))
        #expect(metrics.outOfTolerance == (mismatch ? 2 : 1))
        #expect(metrics.worstIndex == (mismatch ? 1 : 0))
        #expect(metrics.maxAbsError == 100)  // finite pairs only
        #expect(metrics.maxRelError == 0)  // the only finite reference ≠ 0 is exact
    }

    @Test("empty tensors and a scalar tolerance")
    func emptyAndScalar() {
        let empty = ErrorMetrics.compare(actual: [], reference: [], tolerance: [], dtype: .bf16)
        #expect(empty.count == 0)
        #expect(empty.worstIndex == nil && empty.worstActual == nil)
        #expect(empty.fractionOutOfTolerance == 0)
        #expect(empty.cosineSimilarity == nil)
        let scalar = ErrorMetrics.compare(actual: [1, 2, 3, 4], reference: [1, 2, 3, 5], tolerance: 0.5, dtype: .fp32)
        #expect(scalar.outOfTolerance == 1)
        #expect(scalar.fractionOutOfTolerance == 0.25)
        #expect(scalar.worstIndex == 3)
    }

    @Test("infinite tolerance accepts even an overflowed error")
    func infiniteTolerance() {
        let metrics = ErrorMetrics.compare(
            actual: [.greatestFiniteMagnitude], reference: [-.greatestFiniteMagnitude], tolerance: [.infinity], dtype: .fp64)
        #expect(metrics.maxAbsError == .infinity)
        #expect(metrics.outOfTolerance == 0)
        #expect(metrics.worstIndex == 0)
    }

    @Test("cosine similarity")
    func cosine() {
        let parallel = ErrorMetrics.compare(actual: [2, 4], reference: [1, 2], tolerance: 10, dtype: .fp64)
        #expect(abs(parallel.cosineSimilarity! - 1) < 1e-15)
        let orthogonal = ErrorMetrics.compare(actual: [0, 1], reference: [1, 0], tolerance: 10, dtype: .fp64)
        #expect(orthogonal.cosineSimilarity == 0)
        let zeros = ErrorMetrics.compare(actual: [0, 0], reference: [0, 0], tolerance: 0, dtype: .fp64)
        #expect(zeros.cosineSimilarity == 1)
        let oneZero = ErrorMetrics.compare(actual: [0, 0], reference: [1, 0], tolerance: 0, dtype: .fp64)
        #expect(oneZero.cosineSimilarity == 0)
    }

    @Test("JSON round trip keeps non-finite figures and never throws")
    func codable() throws {
        let metrics = ErrorMetrics.compare(
            actual: [.nan, 1e308, 3], reference: [1, -1e308, 3], tolerance: [1, .infinity, 0], dtype: .fp64)
        #expect(metrics.maxAbsError == .infinity)
        #expect(metrics.worstActual!.isNaN)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = try encoder.encode(metrics)
        let json = String(decoding: data, as: UTF8.self)
        #expect(json.contains("\"maxAbsError\":\"inf\""))
        #expect(json.contains("\"worstActual\":\"nan\""))
        #expect(json.contains("\"worstIndex\":0"))
        let decoder = JSONDecoder()
        let decoded = try decoder.decode(ErrorMetrics.self, from: data)
        #expect(decoded == metrics)

        let negative = ErrorMetrics(
            count: 1, maxAbsError: 0, maxRelError: 0, maxULP: 0, worstIndex: 0, worstActual: -.infinity,
            worstReference: 1, worstTolerance: 0, outOfTolerance: 1, fractionOutOfTolerance: 1, nonFiniteMismatches: 1)
        let negativeJSON = try encoder.encode(negative)
        #expect(String(decoding: negativeJSON, as: UTF8.self).contains("\"worstActual\":\"-inf\""))
        let negativeDecoded = try decoder.decode(ErrorMetrics.self, from: negativeJSON)
        #expect(negativeDecoded == negative)

        let empty = ErrorMetrics.compare(actual: [], reference: [], tolerance: [], dtype: .fp16)
        let emptyDecoded = try decoder.decode(ErrorMetrics.self, from: encoder.encode(empty))
        #expect(emptyDecoded == empty)
    }

    @Test("decoding rejects an unknown non-finite spelling")
    func decodingRejects() {
        let json = """
            {"count":1,"maxAbsError":"infinity","maxRelError":0,"maxULP":0,"outOfTolerance":0,
             "fractionOutOfTolerance":0,"nonFiniteMismatches":0}
            """
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(ErrorMetrics.self, from: Data(json.utf8))
        }
    }
}
