/// Approximate on-demand prices of common EC2 instance types, for the cost line of a plan.
///
/// These are **estimates, not billing**: AWS's published on-demand rates for Linux in
/// us-east-1 (N. Virginia), in USD per instance-hour, as listed in 2025 (``asOf``). Other
/// regions cost up to about a third more, spot and savings plans less, and EBS volumes,
/// public IPv4 addresses and data transfer are not included. Types not in the table have
/// no estimate.
public enum EC2InstancePrices {
    /// The region the prices are for.
    public static let region = "us-east-1"
    /// When the prices were taken from AWS's price list.
    public static let asOf = "2025"

    /// The estimated on-demand price of `instanceType` in USD per hour; nil when unknown.
    public static func hourlyUSD(for instanceType: String) -> Double? {
        table[instanceType.lowercased()]
    }

    private static let table: [String: Double] = [
        // Burstable: Intel, AMD, Graviton2.
        "t3.nano": 0.0052, "t3.micro": 0.0104, "t3.small": 0.0208, "t3.medium": 0.0416,
        "t3.large": 0.0832, "t3.xlarge": 0.1664, "t3.2xlarge": 0.3328,
        "t3a.nano": 0.0047, "t3a.micro": 0.0094, "t3a.small": 0.0188, "t3a.medium": 0.0376,
        "t3a.large": 0.0752, "t3a.xlarge": 0.1504, "t3a.2xlarge": 0.3008,
        "t4g.nano": 0.0042, "t4g.micro": 0.0084, "t4g.small": 0.0168, "t4g.medium": 0.0336,
        "t4g.large": 0.0672, "t4g.xlarge": 0.1344, "t4g.2xlarge": 0.2688,
        // General purpose.
        "m5.large": 0.096, "m5.xlarge": 0.192, "m5.2xlarge": 0.384, "m5.4xlarge": 0.768,
        "m6i.large": 0.096, "m6i.xlarge": 0.192, "m6i.2xlarge": 0.384, "m6i.4xlarge": 0.768,
        "m7i.large": 0.1008, "m7i.xlarge": 0.2016, "m7i.2xlarge": 0.4032, "m7i.4xlarge": 0.8064,
        "m6a.large": 0.0864, "m6a.xlarge": 0.1728, "m6a.2xlarge": 0.3456, "m6a.4xlarge": 0.6912,
        // Compute optimised.
        "c5.large": 0.085, "c5.xlarge": 0.17, "c5.2xlarge": 0.34, "c5.4xlarge": 0.68,
        "c6i.large": 0.085, "c6i.xlarge": 0.17, "c6i.2xlarge": 0.34, "c6i.4xlarge": 0.68,
        "c7i.large": 0.08925, "c7i.xlarge": 0.1785, "c7i.2xlarge": 0.357, "c7i.4xlarge": 0.714,
        // Memory optimised.
        "r5.large": 0.126, "r5.xlarge": 0.252, "r5.2xlarge": 0.504,
        "r6i.large": 0.126, "r6i.xlarge": 0.252, "r6i.2xlarge": 0.504,
        // GPU.
        "g4dn.xlarge": 0.526, "g4dn.2xlarge": 0.752, "g5.xlarge": 1.006, "g5.2xlarge": 1.212,
    ]
}
