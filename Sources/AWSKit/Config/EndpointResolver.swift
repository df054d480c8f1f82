import Foundation

/// Finds an endpoint override for AWS-compatible services (moto, MinIO, ...).
public enum EndpointResolver {
    /// The first endpoint set in: `AWS_ENDPOINT_URL_<SERVICE>` (e.g.
    /// `AWS_ENDPOINT_URL_EC2`, `AWS_ENDPOINT_URL_S3`), `AWS_ENDPOINT_URL`,
    /// `clusterFileEndpoint`, then the profile's `endpoint_url`; nil means
    /// the service's AWS endpoint. `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`
    /// turns every override off. The environment wins over files, as it does
    /// for the region. A trailing `/` is removed.
    public static func resolve(service: String, environment: [String: String], profile: SharedProfile? = nil,
                               clusterFileEndpoint: String? = nil) throws -> ResolvedSetting? {
        if environment["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"]?.lowercased() == "true" { return nil }
        let serviceVariable = "AWS_ENDPOINT_URL_" + service.uppercased().replacingOccurrences(of: " ", with: "_")
            .replacingOccurrences(of: "-", with: "_")
        let candidates: [(String?, String)] = [
            (environment[serviceVariable], serviceVariable),
            (environment["AWS_ENDPOINT_URL"], "AWS_ENDPOINT_URL"),
            (clusterFileEndpoint, "cluster file endpoint_url"),
            (profile?.configSettings?["endpoint_url"],
             profile.map { "\($0.display($0.configPath)) (profile \($0.name))" } ?? ""),
        ]
        for (value, source) in candidates {
            guard var value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { continue }
            let lowered = value.lowercased()
            guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://") else {
                throw AWSConfigurationError.invalidEndpoint(value: value, source: source)
            }
            while value.hasSuffix("/") { value.removeLast() }
            return ResolvedSetting(value: value, source: source)
        }
        return nil
    }
}
