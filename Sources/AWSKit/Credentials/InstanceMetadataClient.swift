import Foundation
import HTTPKit

/// Reads the instance profile's temporary credentials from the EC2 instance
/// metadata service with the IMDSv2 token flow:
///
/// 1. `PUT /latest/api/token` with `X-aws-ec2-metadata-token-ttl-seconds`;
/// 2. `GET /latest/meta-data/iam/security-credentials/` for the role name;
/// 3. `GET /latest/meta-data/iam/security-credentials/<role>` for the keys,
///
/// both GETs carrying `X-aws-ec2-metadata-token`. There is no IMDSv1
/// fallback. Timeouts are short (1 s by default) because off EC2 nothing answers.
public struct InstanceMetadataClient: Sendable {
    /// The link-local IPv4 address of the service.
    public static let defaultEndpoint = "http://169.254.169.254"
    /// The IPv6 address, used with `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6`.
    public static let defaultIPv6Endpoint = "http://[fd00:ec2::254]"
    /// How long a session token is requested for, in seconds (6 hours).
    public static let tokenTTLSeconds = 21_600

    /// Base URL without a trailing slash, e.g. `http://169.254.169.254`.
    public var endpoint: String
    /// Seconds allowed for connecting and for each whole request.
    public var timeout: Double
    /// Tries per request when the service cannot be reached (at least 1).
    public var attempts: Int

    public init(endpoint: String = defaultEndpoint, timeout: Double = 1, attempts: Int = 1) {
        var trimmed = endpoint
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.endpoint = trimmed
        self.timeout = timeout
        self.attempts = max(1, attempts)
    }

    /// Settings from `AWS_EC2_METADATA_SERVICE_ENDPOINT` (or
    /// `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6`),
    /// `AWS_METADATA_SERVICE_TIMEOUT` and `AWS_METADATA_SERVICE_NUM_ATTEMPTS`.
    public init(environment: [String: String]) {
        let mode = environment["AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"]?.lowercased()
        let endpoint = environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (mode == "ipv6" ? Self.defaultIPv6Endpoint : Self.defaultEndpoint)
        self.init(endpoint: endpoint,
                  timeout: environment["AWS_METADATA_SERVICE_TIMEOUT"].flatMap(Double.init) ?? 1,
                  attempts: environment["AWS_METADATA_SERVICE_NUM_ATTEMPTS"].flatMap { Int($0) } ?? 1)
    }

    /// True when `AWS_EC2_METADATA_DISABLED` is `true`: the chain skips the service.
    public static func isDisabled(environment: [String: String]) -> Bool {
        environment["AWS_EC2_METADATA_DISABLED"]?.lowercased() == "true"
    }

    /// The instance profile's current credentials.
    public func credentials() throws -> AWSCredentials {
        let client = HTTPClient(configuration: HTTPClientConfiguration(connectTimeout: timeout, timeout: timeout))
        let tokenResponse = try send(client, HTTPRequest(
            method: "PUT", url: endpoint + "/latest/api/token",
            headers: [HTTPHeader("X-aws-ec2-metadata-token-ttl-seconds", String(Self.tokenTTLSeconds))]))
        guard tokenResponse.status == 200, !tokenResponse.text.isEmpty else {
            throw InstanceMetadataError.tokenRefused(status: tokenResponse.status)
        }
        let tokenHeader = HTTPHeader("X-aws-ec2-metadata-token", tokenResponse.text)

        let rolesPath = "/latest/meta-data/iam/security-credentials/"
        let roles = try send(client, HTTPRequest(url: endpoint + rolesPath, headers: [tokenHeader]))
        if roles.status == 404 { throw InstanceMetadataError.noRole }
        guard roles.status == 200 else { throw InstanceMetadataError.unexpectedStatus(path: rolesPath, status: roles.status) }
        guard let role = roles.text.split(whereSeparator: \.isNewline).map({ $0.trimmingCharacters(in: .whitespaces) })
            .first(where: { !$0.isEmpty }) else { throw InstanceMetadataError.noRole }

        let rolePath = rolesPath + URIEncoding.encode(role)
        let reply = try send(client, HTTPRequest(url: endpoint + rolePath, headers: [tokenHeader]))
        guard reply.status == 200 else { throw InstanceMetadataError.unexpectedStatus(path: rolePath, status: reply.status) }
        return try Self.decodeCredentials(reply.body, role: role)
    }

    private func send(_ client: HTTPClient, _ request: HTTPRequest) throws -> HTTPResponse {
        var attempt = 1
        while true {
            do {
                return try client.send(request)
            } catch let error as HTTPError {
                if attempt < attempts, error.isTransient {
                    attempt += 1
                    continue
                }
                throw InstanceMetadataError.unreachable(endpoint: endpoint, reason: error.description)
            }
        }
    }

    private struct CredentialsDocument: Decodable {
        var Code: String?
        var AccessKeyId: String?
        var SecretAccessKey: String?
        var Token: String?
        var Expiration: String?
    }

    /// Decodes the role's JSON document. Errors never quote the document,
    /// which holds the secret.
    static func decodeCredentials(_ body: Data, role: String) throws -> AWSCredentials {
        guard let document = try? JSONDecoder().decode(CredentialsDocument.self, from: body) else {
            throw InstanceMetadataError.malformedCredentials(role: role, reason: "the reply is not the expected JSON")
        }
        if let code = document.Code, code != "Success" {
            throw InstanceMetadataError.malformedCredentials(role: role, reason: "Code is \(code)")
        }
        guard let keyId = document.AccessKeyId, !keyId.isEmpty,
              let secret = document.SecretAccessKey, !secret.isEmpty else {
            throw InstanceMetadataError.malformedCredentials(role: role, reason: "AccessKeyId or SecretAccessKey is missing")
        }
        let expiration = document.Expiration.flatMap { ISO8601DateFormatter().date(from: $0) }
        return AWSCredentials(accessKeyId: keyId, secretAccessKey: secret, sessionToken: document.Token,
                              expiration: expiration, source: .instanceMetadata(role: role))
    }
}

/// Why the instance metadata service gave no credentials.
public enum InstanceMetadataError: Error, Equatable, CustomStringConvertible {
    /// Nothing answered in time (the usual case off EC2).
    case unreachable(endpoint: String, reason: String)
    /// The token request was refused (IMDS disabled on the instance, or hop limit too low).
    case tokenRefused(status: Int)
    /// The instance has no IAM instance profile.
    case noRole
    /// A metadata path answered with an unexpected status.
    case unexpectedStatus(path: String, status: Int)
    /// The role's credentials document was unusable.
    case malformedCredentials(role: String, reason: String)

    /// A few words for the "looked in" list of `CredentialError.notFound`.
    public var summary: String {
        switch self {
        case .unreachable: return "unreachable"
        case .tokenRefused(let status): return "token request refused with HTTP \(status)"
        case .noRole: return "no IAM role attached to the instance"
        case .unexpectedStatus(let path, let status): return "HTTP \(status) for \(path)"
        case .malformedCredentials(let role, let reason): return "role \(role): \(reason)"
        }
    }

    public var description: String {
        switch self {
        case .unreachable(let endpoint, let reason):
            return "instance metadata service at \(endpoint) unreachable: \(reason)"
        default:
            return "instance metadata service: \(summary)"
        }
    }
}
