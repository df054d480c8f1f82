import Foundation

/// Finds the AWS region in the AWS CLI's order, with the cluster file last.
public enum RegionResolver {
    /// The first region set in: `explicit` (a `--region` flag), `AWS_REGION`,
    /// `AWS_DEFAULT_REGION`, the profile's `region` in the config file, then
    /// `clusterFileRegion`. Throws `AWSConfigurationError.noRegion` naming
    /// every place it looked.
    public static func resolve(explicit: String? = nil, environment: [String: String],
                               profile: SharedProfile, clusterFileRegion: String? = nil) throws -> ResolvedSetting {
        let candidates: [(String?, String)] = [
            (explicit, "--region"),
            (environment["AWS_REGION"], "AWS_REGION"),
            (environment["AWS_DEFAULT_REGION"], "AWS_DEFAULT_REGION"),
            (profile.configSettings?["region"], "\(profile.display(profile.configPath)) (profile \(profile.name))"),
            (clusterFileRegion, "cluster file"),
        ]
        for (value, source) in candidates {
            if let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty {
                return ResolvedSetting(value: value, source: source)
            }
        }
        throw AWSConfigurationError.noRegion(lookedIn: candidates.dropFirst(explicit == nil ? 1 : 0).map(\.1))
    }
}
