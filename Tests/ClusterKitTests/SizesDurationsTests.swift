import Testing
@testable import ClusterKit

/// Sizes (`2GiB`, `4GB`) and durations (`30s`, `2h`) in both directions.
@Suite struct SizesDurationsTests {
    @Test(arguments: [
        ("2GiB", UInt64(2) << 30), ("512MiB", 512 << 20), ("4GB", 4_000_000_000), ("1.5GiB", 1_610_612_736),
        ("1048576", 1_048_576), ("10b", 10), ("3kib", 3_072), ("3KB", 3_000), ("1TiB", 1 << 40), ("2 GiB", 2 << 30),
        ("0.5MB", 500_000), ("7mb", 7_000_000), ("1tb", 1_000_000_000_000),
    ] as [(String, UInt64)])
    func sizeParses(_ text: String, _ bytes: UInt64) {
        #expect(Sizes.parse(text) == bytes)
    }

    @Test(arguments: ["", "GiB", "2 gigs", "-1GiB", "1.5B", "1..5GiB", "1.GiB", ".5GiB", "2GiBs", "2G", "1e3",
                      "99999999999TiB", "auto", "0x10", "2 G iB"])
    func badSizeIsNil(_ text: String) {
        #expect(Sizes.parse(text) == nil)
    }

    @Test func memoryLimitTakesAuto() {
        #expect(Sizes.parseMemoryLimit("auto") == .auto)
        #expect(Sizes.parseMemoryLimit("AUTO") == .auto)
        #expect(Sizes.parseMemoryLimit("1GiB") == .bytes(1 << 30))
        #expect(Sizes.parseMemoryLimit("lots") == nil)
    }

    @Test(arguments: [(UInt64(2) << 30, "2GiB"), (1_610_612_736, "1536MiB"), (4_000_000_000, "4GB"),
                      (1_000, "1KB"), (1_023, "1023"), (0, "0"), (1 << 40, "1TiB")] as [(UInt64, String)])
    func sizeFormatsAndReadsBack(_ bytes: UInt64, _ text: String) {
        #expect(Sizes.format(bytes) == text)
        #expect(Sizes.parse(text) == bytes)
    }

    @Test(arguments: [("30s", 30.0), ("15m", 900), ("2h", 7_200), ("1d", 86_400), ("45", 45), ("1.5h", 5_400),
                      ("0.5s", 0.5), ("2H", 7_200), ("10 s", 10)] as [(String, Double)])
    func durationParses(_ text: String, _ seconds: Double) {
        #expect(Durations.parse(text) == seconds)
    }

    @Test(arguments: ["", "s", "2x", "-5s", "1h30m", "1..5s", ".5s", "5.s", "2 hours", "1e3", "100000d", "inf"])
    func badDurationIsNil(_ text: String) {
        #expect(Durations.parse(text) == nil)
    }

    @Test(arguments: [(7_200.0, "2h"), (5_400, "90m"), (45, "45s"), (86_400, "1d"), (0.5, "0.5s"), (90, "90s"), (0, "0s")]
          as [(Double, String)])
    func durationFormatsAndReadsBack(_ seconds: Double, _ text: String) {
        #expect(Durations.format(seconds) == text)
        #expect(Durations.parse(text) == seconds)
    }
}
