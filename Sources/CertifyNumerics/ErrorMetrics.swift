/// Error figures of one output tensor against the oracle, given an absolute tolerance per element.
///
/// Element pairs are classified as follows:
/// - reference NaN and actual NaN, or both infinite with the same sign: a match, no error;
/// - any other pair where either side is non-finite: a non-finite mismatch, counted as out of
///   tolerance with an infinite error, so it ranks as the worst element;
/// - both finite: error = |actual − reference|, out of tolerance when error > tolerance.
///
/// Codable writes non-finite doubles as the strings "inf", "-inf" and "nan" so a plain
/// JSONEncoder never throws; equality treats NaN as equal to NaN so a decoded value equals the
/// encoded one.
package struct ErrorMetrics: Sendable, Equatable {
    /// Number of elements compared.
    package var count: Int
    /// Largest |actual − reference| over pairs where both are finite; 0 if there are none.
    package var maxAbsError: Double
    /// Largest |actual − reference| / |reference| over finite pairs with reference ≠ 0.
    package var maxRelError: Double
    /// Largest |actual − reference| / dtype.ulp(at: reference) over finite pairs.
    package var maxULP: Double
    /// The element with the largest error/tolerance ratio, then the largest error, then the lowest
    /// index; nil only if count == 0.
    package var worstIndex: Int?
    /// The backend's value at worstIndex.
    package var worstActual: Double?
    /// The oracle's value at worstIndex.
    package var worstReference: Double?
    /// The tolerance at worstIndex.
    package var worstTolerance: Double?
    /// Elements with |error| > tolerance, plus non-finite mismatches.
    package var outOfTolerance: Int
    /// outOfTolerance / count; 0 when count == 0.
    package var fractionOutOfTolerance: Double
    /// NaN where the reference is not NaN, inf of the wrong sign, or finite where the reference is inf/NaN.
    package var nonFiniteMismatches: Int
    /// Cosine similarity of actual and reference over finite pairs: 1 if both are zero vectors,
    /// 0 if only one is; nil if there are no finite pairs.
    package var cosineSimilarity: Double?

    /// Metrics with every figure given, for decoding and tests; `compare` is the usual way in.
    package init(
        count: Int,
        maxAbsError: Double,
        maxRelError: Double,
        maxULP: Double,
        worstIndex: Int?,
        worstActual: Double?,
        worstReference: Double?,
        worstTolerance: Double?,
        outOfTolerance: Int,
        fractionOutOfTolerance: Double,
        nonFiniteMismatches: Int,
        cosineSimilarity: Double? = nil
    ) {
        (self.count, self.maxAbsError, self.maxRelError, self.maxULP) = (count, maxAbsError, maxRelError, maxULP)
        (self.worstIndex, self.worstActual, self.worstReference) = (worstIndex, worstActual, worstReference)
        (self.worstTolerance, self.outOfTolerance) = (worstTolerance, outOfTolerance)
        (self.fractionOutOfTolerance, self.nonFiniteMismatches) = (fractionOutOfTolerance, nonFiniteMismatches)
        self.cosineSimilarity = cosineSimilarity
    }

    /// Compares a backend's output with the oracle element by element.
    ///
    /// `tolerance[i]` is the absolute error allowed at element i (≥ 0, +inf allowed); `dtype` is the
    /// output dtype, used for ULP. The three arrays must have the same length.
    package static func compare(actual: [Double], reference: [Double], tolerance: [Double], dtype: DType) -> ErrorMetrics {
        precondition(actual.count == reference.count, "actual has \(actual.count) elements, reference \(reference.count)")
        precondition(tolerance.count == reference.count, "tolerance has \(tolerance.count) elements, reference \(reference.count)")
        var metrics = ErrorMetrics(
            count: actual.count, maxAbsError: 0, maxRelError: 0, maxULP: 0,
            worstIndex: nil, worstActual: nil, worstReference: nil, worstTolerance: nil,
            outOfTolerance: 0, fractionOutOfTolerance: 0, nonFiniteMismatches: 0
        )
        var worst = (ratio: -Double.infinity, error: -Double.infinity)
        var dot = 0.0
        var actualNormSquared = 0.0
        var referenceNormSquared = 0.0
        var finitePairs = 0
        for index in actual.indices {
            let a = actual[index]
            let r = reference[index]
            let t = tolerance[index]
            precondition(t >= 0, "tolerance \(t) at index \(index) is negative or NaN")
            let error: Double
            let ratio: Double
            if a.isFinite && r.isFinite {
                error = (a - r).magnitude
                metrics.maxAbsError = Swift.max(metrics.maxAbsError, error)
                if r != 0 { metrics.maxRelError = Swift.max(metrics.maxRelError, error / r.magnitude) }
                metrics.maxULP = Swift.max(metrics.maxULP, error / dtype.ulp(at: r))
                if error > t { metrics.outOfTolerance += 1 }
                // An infinite tolerance accepts anything, even an error that overflowed to inf.
                ratio = error == 0 || t == .infinity ? 0 : error / t
                dot += a * r
                actualNormSquared += a * a
                referenceNormSquared += r * r
                finitePairs += 1
            } else if (a.isNaN && r.isNaN) || (a.isInfinite && a == r) {
                error = 0
                ratio = 0
            } else {
                metrics.outOfTolerance += 1
                metrics.nonFiniteMismatches += 1
                error = .infinity
                ratio = .infinity
            }
            if ratio > worst.ratio || (ratio == worst.ratio && error > worst.error) {
                worst = (ratio, error)
                metrics.worstIndex = index
                metrics.worstActual = a
                metrics.worstReference = r
                metrics.worstTolerance = t
            }
        }
        if metrics.count > 0 {
            metrics.fractionOutOfTolerance = Double(metrics.outOfTolerance) / Double(metrics.count)
        }
        if finitePairs > 0 {
            metrics.cosineSimilarity = cosine(dot: dot, actualNormSquared, referenceNormSquared)
        }
        return metrics
    }

    /// Compares with one absolute tolerance for every element.
    package static func compare(actual: [Double], reference: [Double], tolerance: Double, dtype: DType) -> ErrorMetrics {
        compare(
            actual: actual, reference: reference,
            tolerance: [Double](repeating: tolerance, count: reference.count), dtype: dtype
        )
    }

    private static func cosine(dot: Double, _ actualNormSquared: Double, _ referenceNormSquared: Double) -> Double {
        switch (actualNormSquared == 0, referenceNormSquared == 0) {
        case (true, true): return 1
        case (true, false), (false, true): return 0
        case (false, false): return dot / (actualNormSquared.squareRoot() * referenceNormSquared.squareRoot())
        }
    }

    /// Equal when every figure is equal, NaN counting as equal to NaN.
    package static func == (lhs: ErrorMetrics, rhs: ErrorMetrics) -> Bool {
        lhs.count == rhs.count
            && same(lhs.maxAbsError, rhs.maxAbsError)
            && same(lhs.maxRelError, rhs.maxRelError)
            && same(lhs.maxULP, rhs.maxULP)
            && lhs.worstIndex == rhs.worstIndex
            && same(lhs.worstActual, rhs.worstActual)
            && same(lhs.worstReference, rhs.worstReference)
            && same(lhs.worstTolerance, rhs.worstTolerance)
            && lhs.outOfTolerance == rhs.outOfTolerance
            && same(lhs.fractionOutOfTolerance, rhs.fractionOutOfTolerance)
            && lhs.nonFiniteMismatches == rhs.nonFiniteMismatches
            && same(lhs.cosineSimilarity, rhs.cosineSimilarity)
    }

    private static func same(_ lhs: Double?, _ rhs: Double?) -> Bool {
        switch (lhs, rhs) {
        case (nil, nil): true
        case let (l?, r?): l == r || (l.isNaN && r.isNaN)
        default: false
        }
    }
}
