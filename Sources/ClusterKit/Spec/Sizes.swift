/// Byte sizes as cluster files write them: `2GiB`, `512MiB`, `4GB`, `1.5GiB`, `1048576`.
///
/// Units are case-insensitive. `B`, `KB`, `MB`, `GB`, `TB` are powers of 1000;
/// `KiB`, `MiB`, `GiB`, `TiB` are powers of 1024; a bare number is bytes.
public enum Sizes {
    /// Multiplier of every unit, keyed by its lowercased spelling.
    private static let units: [String: UInt64] = [
        "": 1, "b": 1,
        "kb": 1_000, "mb": 1_000_000, "gb": 1_000_000_000, "tb": 1_000_000_000_000,
        "kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
    ]

    /// Units used when formatting, largest first, so the first exact one gives the smallest number.
    private static let formatUnits: [(name: String, bytes: UInt64)] = [
        ("TiB", 1 << 40), ("TB", 1_000_000_000_000), ("GiB", 1 << 30), ("GB", 1_000_000_000),
        ("MiB", 1 << 20), ("MB", 1_000_000), ("KiB", 1 << 10), ("KB", 1_000),
    ]

    /// The number of bytes `text` names, or nil if it is not a size.
    ///
    /// Fractions are allowed when they come to a whole number of bytes (`1.5GiB`, not `1.5B`).
    /// Surrounding spaces and one space between number and unit are accepted (`2 GiB`).
    public static func parse(_ text: String) -> UInt64? {
        let trimmed = text.trimmingSpaces()
        let digitsEnd = trimmed.firstIndex { !($0.isASCII && ($0.isNumber || $0 == ".")) } ?? trimmed.endIndex
        let number = String(trimmed[..<digitsEnd])
        let unit = String(trimmed[digitsEnd...]).trimmingSpaces().lowercased()
        guard let multiplier = units[unit] else { return nil }
        return scaled(number, by: multiplier)
    }

    /// `bytes` in the shortest exact form: `2GiB`, `4GB`, `1536MiB`, or plain bytes.
    public static func format(_ bytes: UInt64) -> String {
        guard bytes > 0 else { return "0" }
        for unit in formatUnits where bytes % unit.bytes == 0 {
            return "\(bytes / unit.bytes)\(unit.name)"
        }
        return String(bytes)
    }

    /// A memory limit: `auto` (any case) or a size.
    public static func parseMemoryLimit(_ text: String) -> MemoryLimit? {
        if text.trimmingSpaces().lowercased() == "auto" { return .auto }
        return parse(text).map(MemoryLimit.bytes)
    }

    /// A memory limit as a cluster file writes it.
    public static func format(_ limit: MemoryLimit) -> String {
        switch limit {
        case .auto: return "auto"
        case .bytes(let n): return format(n)
        }
    }

    /// `number` (digits with at most one `.`) times `multiplier`, if exact and in range.
    private static func scaled(_ number: String, by multiplier: UInt64) -> UInt64? {
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty,
              let wholeValue = UInt64(whole) else { return nil }
        let (wholeBytes, overflow) = wholeValue.multipliedReportingOverflow(by: multiplier)
        guard !overflow else { return nil }
        guard parts.count == 2 else { return wholeBytes }
        let fraction = parts[1]
        guard !fraction.isEmpty, fraction.count <= 18, let fractionValue = UInt64(fraction) else { return nil }
        var denominator: UInt64 = 1
        for _ in 0..<fraction.count { denominator *= 10 }
        // fractionValue * multiplier / denominator must be whole; compute without overflow where we can.
        let (product, productOverflow) = fractionValue.multipliedReportingOverflow(by: multiplier)
        guard !productOverflow, product % denominator == 0 else { return nil }
        let (total, totalOverflow) = wholeBytes.addingReportingOverflow(product / denominator)
        return totalOverflow ? nil : total
    }
}
