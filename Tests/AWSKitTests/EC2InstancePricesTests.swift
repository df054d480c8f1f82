import AWSKit
import Testing

@Suite("EC2 price estimates")
struct EC2InstancePricesTests {
    @Test func knownTypesHaveAPriceAndUnknownOnesNone() {
        #expect(EC2InstancePrices.hourlyUSD(for: "t3.micro") == 0.0104)
        #expect(EC2InstancePrices.hourlyUSD(for: "M5.Large") == 0.096)
        #expect(EC2InstancePrices.hourlyUSD(for: "g5.xlarge") == 1.006)
        #expect(EC2InstancePrices.hourlyUSD(for: "g4dn.xlarge") == 0.526)
        for unknown in ["x9.mega", "t3", "", "t3.micro "] {
            #expect(EC2InstancePrices.hourlyUSD(for: unknown) == nil)
        }
        #expect(EC2InstancePrices.region == "us-east-1")
    }

    /// On-demand prices double with each size in these families: a typo breaks the pattern.
    @Test func everyListedSizeIsThereAndDoublesTheOneBefore() throws {
        let burstable = ["nano", "micro", "small", "medium", "large", "xlarge", "2xlarge"]
        let sized: [(families: [String], sizes: [String])] = [
            (["t3", "t3a", "t4g"], burstable),
            (["m5", "m6i", "m7i", "m6a", "c5", "c6i", "c7i"], ["large", "xlarge", "2xlarge", "4xlarge"]),
            (["r5", "r6i"], ["large", "xlarge", "2xlarge"]),
        ]
        for (families, sizes) in sized {
            for family in families {
                let prices = try sizes.map { try #require(EC2InstancePrices.hourlyUSD(for: "\(family).\($0)")) }
                for (smaller, larger) in zip(prices, prices.dropFirst()) {
                    #expect(abs(larger / smaller - 2) < 0.01, "\(family): \(prices)")
                }
            }
        }
    }
}
