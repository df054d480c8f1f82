import Foundation
import HTTPKit

/// `clusterctl aws check`: which credentials and region clusterctl would use, and
/// who AWS says they belong to (STS `GetCallerIdentity`), before anything is created.
public enum AWSCheck {
    /// Resolves the settings, finds credentials and asks STS who they are.
    /// - Throws: ``AWSCheckFailure`` carrying what was found before the failure.
    public static func run(environment: [String: String], profile: String? = nil, region: String? = nil,
                           endpointURL: String? = nil, retryPolicy: RetryPolicy = .standard,
                           http: HTTPClient = HTTPClient()) throws -> AWSCheckReport {
        var found = [String]()
        do {
            let settings = try AWSSettings(environment: environment, profile: profile, region: region,
                                           endpointURL: endpointURL)
            let credentials = try settings.credentials.credentials()
            found.append(AWSCheckReport.credentialsLine(source: credentials.source, maskedKeyId: credentials.maskedAccessKeyId,
                                                       isTemporary: credentials.sessionToken != nil))
            found.append(AWSCheckReport.line("region", settings.region.description))
            let endpoint = try settings.endpoint(for: .sts)
            if let endpoint { found.append(AWSCheckReport.line("endpoint", endpoint.description)) }
            let configuration = AWSClientConfiguration(region: settings.region.value, credentials: credentials,
                                                       endpoint: endpoint?.value, retryPolicy: retryPolicy, http: http)
            let identity = try STSClient(configuration: configuration).getCallerIdentity()
            return AWSCheckReport(credentials: credentials, region: settings.region, endpoint: endpoint, identity: identity)
        } catch {
            throw AWSCheckFailure(underlying: error, found: found)
        }
    }
}

/// What `aws check` found: printable, with the access key id masked and no secret.
public struct AWSCheckReport: Sendable, CustomStringConvertible {
    public var credentialSource: CredentialSource
    /// The access key id with all but its first and last four characters starred.
    public var maskedAccessKeyId: String
    /// True for temporary credentials (with a session token).
    public var isTemporary: Bool
    public var region: ResolvedSetting
    /// The endpoint override, when one is set.
    public var endpoint: ResolvedSetting?
    public var identity: CallerIdentity

    init(credentials: AWSCredentials, region: ResolvedSetting, endpoint: ResolvedSetting?, identity: CallerIdentity) {
        credentialSource = credentials.source
        maskedAccessKeyId = credentials.maskedAccessKeyId
        isTemporary = credentials.sessionToken != nil
        self.region = region
        self.endpoint = endpoint
        self.identity = identity
    }

    /// One `label  value` line per finding.
    public var description: String {
        var lines = [Self.credentialsLine(source: credentialSource, maskedKeyId: maskedAccessKeyId,
                                          isTemporary: isTemporary),
                     Self.line("region", region.description)]
        if let endpoint { lines.append(Self.line("endpoint", endpoint.description)) }
        lines += [Self.line("account", identity.account), Self.line("principal", identity.arn),
                  Self.line("user id", identity.userId)]
        return lines.joined(separator: "\n")
    }

    static func line(_ label: String, _ value: String) -> String {
        label.padding(toLength: 12, withPad: " ", startingAt: 0) + value
    }

    static func credentialsLine(source: CredentialSource, maskedKeyId: String, isTemporary: Bool) -> String {
        line("credentials", "\(source), key \(maskedKeyId)" + (isTemporary ? " (temporary, with session token)" : ""))
    }
}

/// `aws check` failed: the error (an ``AWSError`` with its code and advice, a
/// ``CredentialError``, an ``AWSConfigurationError``, ...) and the report lines
/// gathered before it.
public struct AWSCheckFailure: Error, CustomStringConvertible {
    public var underlying: Error
    /// Report lines found before the failure (credentials, region, endpoint).
    public var found: [String]

    public var description: String {
        (["AWS check failed: \(underlying)"] + found.map { "    " + $0 }).joined(separator: "\n")
    }
}
