/// "Did you mean" for unknown keys: the nearest valid key by edit distance.
enum KeySuggestion {
    /// The valid key closest to `unknown`, if it is close enough to be a likely typo.
    ///
    /// Spelling variants count as equal (`dashboardPort`, `dashboard-port`, `Dashboard_Port`),
    /// and a key that starts with what was typed (`memory` for `memory_limit`) is suggested too.
    static func nearest(to unknown: String, among valid: [String]) -> String? {
        let typed = normalized(unknown)
        guard !typed.isEmpty else { return nil }
        let scored = valid.map { key -> (key: String, distance: Int) in
            let candidate = normalized(key)
            if typed.count >= 3 && (candidate.starts(with: typed) || typed.starts(with: candidate)) { return (key, min(1, distance(typed, candidate))) }
            return (key, distance(typed, candidate))
        }
        guard let best = scored.min(by: { $0.distance < $1.distance }) else { return nil }
        let allowed = max(1, min(3, typed.count / 3))
        return best.distance <= allowed ? best.key : nil
    }

    /// Lowercased, without `_` and `-`.
    private static func normalized(_ key: String) -> [Character] {
        Array(key.lowercased().filter { $0 != "_" && $0 != "-" })
    }

    /// Levenshtein distance.
    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
