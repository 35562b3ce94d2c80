/// "Did you mean" for a mistyped key.
enum KeySuggestion {
    /// The candidate closest to `key` by edit distance at most 2 (a transposition counts as one
    /// edit), or sharing a prefix of 3 or more characters with it; nil when nothing is close.
    /// Ties go to the earliest candidate.
    static func closest(to key: String, among candidates: [String]) -> String? {
        let typed = Array(key.lowercased().unicodeScalars)
        var best: (candidate: String, distance: Int)?
        for candidate in candidates where candidate != key {
            let known = Array(candidate.lowercased().unicodeScalars)
            var distance = Int.max
            if abs(typed.count - known.count) <= 2 {
                distance = editDistance(typed, known)
            }
            if distance > 2 {
                let shorter = min(typed.count, known.count)
                guard shorter >= 3, typed.starts(with: known) || known.starts(with: typed) else { continue }
                // A prefix match ranks after every close spelling.
                distance = 3
            }
            if let current = best, current.distance <= distance { continue }
            best = (candidate, distance)
        }
        return best?.candidate
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions and adjacent
    /// transpositions.
    static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previousPrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    value = min(value, previousPrevious[j - 2] + 1)
                }
                current[j] = value
            }
            (previousPrevious, previous, current) = (previous, current, previousPrevious)
        }
        return previous[b.count]
    }
}
