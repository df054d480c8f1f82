/// Durations as cluster files write them: `30s`, `15m`, `2h`, `1d`, `1.5h`; a bare number is seconds.
///
/// Units are case-insensitive: `s` seconds, `m` minutes, `h` hours, `d` days.
public enum Durations {
    /// Seconds per unit, keyed by its lowercased spelling.
    private static let units: [String: Double] = ["": 1, "s": 1, "m": 60, "h": 3_600, "d": 86_400]

    /// Units used when formatting, largest first.
    private static let formatUnits: [(name: String, seconds: Double)] = [
        ("d", 86_400), ("h", 3_600), ("m", 60),
    ]

    /// The number of seconds `text` names, or nil if it is not a duration.
    ///
    /// Accepts one number (digits with at most one `.`) and one optional unit; negative,
    /// infinite or absurdly large values (over 100 years) are not durations.
    public static func parse(_ text: String) -> Double? {
        let trimmed = text.trimmingSpaces()
        let digitsEnd = trimmed.firstIndex { !($0.isASCII && ($0.isNumber || $0 == ".")) } ?? trimmed.endIndex
        let number = trimmed[..<digitsEnd]
        let unit = String(trimmed[digitsEnd...]).trimmingSpaces().lowercased()
        guard let multiplier = units[unit],
              number.first?.isNumber == true, number.last?.isNumber == true,
              number.filter({ $0 == "." }).count <= 1,
              let value = Double(number) else { return nil }
        let seconds = value * multiplier
        guard seconds.isFinite, seconds <= 100 * 365 * 86_400 else { return nil }
        return seconds
    }

    /// `seconds` in the largest unit that holds it exactly: `2h`, `90m`, `45s`, `0.5s`.
    public static func format(_ seconds: Double) -> String {
        for unit in formatUnits where seconds >= unit.seconds
            && (seconds / unit.seconds).rounded() == seconds / unit.seconds {
            return "\(Int(seconds / unit.seconds))\(unit.name)"
        }
        if seconds.rounded() == seconds { return "\(Int(seconds))s" }
        return "\(seconds)s"
    }
}
