import Foundation
import HTTPKit

/// How clusterctl will talk to AWS, resolved once from the environment, the
/// shared files, command-line flags and the cluster file: the profile, the
/// region and where it came from, the credential chain and endpoint overrides.
///
/// Printing or dumping it never shows credentials or the environment.
public struct AWSSettings: Sendable {
    /// The selected profile of the shared files.
    public let profile: SharedProfile
    /// The region and where it was found.
    public let region: ResolvedSetting
    /// The credential chain (environment, shared files, IMDSv2) for this profile.
    public let credentials: CredentialChain
    private let environment: [String: String]
    private let explicitEndpoint: String?
    private let clusterFileEndpoint: String?

    /// Resolves the settings.
    /// - Parameters:
    ///   - environment: usually `ProcessInfo.processInfo.environment`.
    ///   - profile: a `--profile` flag; it also skips the environment's keys, as in the AWS CLI.
    ///   - region: a `--region` flag, ahead of every other source.
    ///   - endpointURL: an `--endpoint-url` flag, used for every service ahead of every other source.
    ///   - clusterFileRegion: the cluster file's `region`, the last source tried.
    ///   - clusterFileEndpoint: the cluster file's `endpoint_url`.
    /// - Throws: ``AWSConfigurationError`` for a missing chosen profile, no region or a bad endpoint.
    public init(environment: [String: String], profile: String? = nil, region: String? = nil,
                endpointURL: String? = nil, clusterFileRegion: String? = nil,
                clusterFileEndpoint: String? = nil) throws {
        let shared = try SharedProfile(environment: environment, profile: profile)
        try shared.requireExistsIfChosen()
        self.profile = shared
        self.region = try RegionResolver.resolve(explicit: region, environment: environment, profile: shared,
                                                 clusterFileRegion: clusterFileRegion)
        self.credentials = CredentialChain(environment: environment, profile: profile)
        self.environment = environment
        self.explicitEndpoint = endpointURL
        self.clusterFileEndpoint = clusterFileEndpoint
        if let endpointURL { _ = try Self.validated(endpointURL, source: "--endpoint-url") }
    }

    /// The endpoint override for `service` and where it came from; nil means AWS itself.
    /// `--endpoint-url` wins, then ``EndpointResolver``'s order.
    public func endpoint(for service: AWSService) throws -> ResolvedSetting? {
        if let explicitEndpoint { return try Self.validated(explicitEndpoint, source: "--endpoint-url") }
        return try EndpointResolver.resolve(service: service.endpointPrefix, environment: environment,
                                            profile: profile, clusterFileEndpoint: clusterFileEndpoint)
    }

    /// A client configuration for `service` with these settings.
    public func configuration(for service: AWSService, retryPolicy: RetryPolicy = .standard,
                              retryQuota: RetryQuota? = RetryQuota(), http: HTTPClient = HTTPClient()) throws
        -> AWSClientConfiguration {
        AWSClientConfiguration(region: region.value, credentials: credentials,
                               endpoint: try endpoint(for: service)?.value, retryPolicy: retryPolicy,
                               retryQuota: retryQuota, http: http)
    }

    private static func validated(_ value: String, source: String) throws -> ResolvedSetting {
        var trimmed = value.trimmingCharacters(in: .whitespaces)
        let lowered = trimmed.lowercased()
        guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://") else {
            throw AWSConfigurationError.invalidEndpoint(value: value, source: source)
        }
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        return ResolvedSetting(value: trimmed, source: source)
    }
}

extension AWSSettings: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Profile and region only.
    public var description: String { "AWSSettings(profile: \(profile.name), region: \(region))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(self, children: ["profile": profile.name, "region": region.description], displayStyle: .struct)
    }
}
