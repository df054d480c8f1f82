import Foundation

/// Anything that hands out credentials for signing. Call it before each
/// request: providers refresh temporary credentials before they expire.
public protocol CredentialProvider: Sendable {
    /// Credentials valid for at least the next few minutes.
    func credentials() throws -> AWSCredentials
}

extension AWSCredentials: CredentialProvider {
    /// Fixed credentials provide themselves.
    public func credentials() -> AWSCredentials { self }
}

/// The AWS CLI's credential chain, read from a given environment (never the
/// process's own, so tests are hermetic):
///
/// 1. `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`
///    (skipped when a profile is passed explicitly, as with `--profile`);
/// 2. the profile in the shared credentials file;
/// 3. the profile in the shared config file;
/// 4. the EC2 instance metadata service (IMDSv2), unless
///    `AWS_EC2_METADATA_DISABLED=true`.
///
/// The profile is the explicit one, else `AWS_PROFILE`, else `default`; a
/// chosen profile that no file has is an error
/// (`AWSConfigurationError.profileNotFound`). Results are cached and
/// resolved again five minutes before temporary credentials expire. The cache is read and
/// written under the chain's lock only.
public final class CredentialChain: CredentialProvider, @unchecked Sendable {
    /// Temporary credentials are replaced this many seconds before they expire.
    public static let refreshMargin: TimeInterval = 300

    /// The environment the chain reads (usually `ProcessInfo.processInfo.environment`).
    public let environment: [String: String]
    /// The explicitly chosen profile, if any.
    public let profile: String?
    private let now: @Sendable () -> Date
    private let lock = NSLock()
    private var cached: AWSCredentials?

    public init(environment: [String: String], profile: String? = nil,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.environment = environment
        self.profile = profile
        self.now = now
    }

    /// Cached credentials, resolved again when they are about to expire.
    public func credentials() throws -> AWSCredentials {
        lock.lock()
        defer { lock.unlock() }
        if let cached, !cached.expires(before: now(), margin: Self.refreshMargin) { return cached }
        let fresh = try resolve()
        cached = fresh
        return fresh
    }

    /// Walks the chain once, without the cache. Throws `CredentialError` or
    /// `AWSConfigurationError`.
    public func resolve() throws -> AWSCredentials {
        var lookedIn = [String]()
        if profile == nil {
            if let found = try fromEnvironment() { return found }
            lookedIn.append("env")
        }

        let shared = try SharedProfile(environment: environment, profile: profile)
        let files: [(settings: [String: String]?, path: String, source: CredentialSource)] = [
            (shared.credentialsSettings, shared.credentialsPath,
             .sharedCredentialsFile(path: shared.display(shared.credentialsPath), profile: shared.name)),
            (shared.configSettings, shared.configPath,
             .configFile(path: shared.display(shared.configPath), profile: shared.name)),
        ]
        for file in files {
            if let found = try fromProfile(file.settings, source: file.source) { return found }
            lookedIn.append("\(shared.display(file.path)) (\(note(file.settings, path: file.path, profile: shared.name)))")
        }
        try shared.requireExistsIfChosen()

        if InstanceMetadataClient.isDisabled(environment: environment) {
            lookedIn.append("IMDS (disabled by AWS_EC2_METADATA_DISABLED)")
        } else {
            do {
                return try InstanceMetadataClient(environment: environment).credentials()
            } catch let error as InstanceMetadataError {
                lookedIn.append("IMDS (\(error.summary))")
            }
        }
        throw CredentialError.notFound(lookedIn: lookedIn)
    }

    private func fromEnvironment() throws -> AWSCredentials? {
        let keyId = nonEmpty(environment["AWS_ACCESS_KEY_ID"])
        let secret = nonEmpty(environment["AWS_SECRET_ACCESS_KEY"])
        switch (keyId, secret) {
        case (nil, nil):
            return nil
        case (.some, nil):
            throw CredentialError.incomplete(source: "environment", missing: "AWS_SECRET_ACCESS_KEY")
        case (nil, .some):
            throw CredentialError.incomplete(source: "environment", missing: "AWS_ACCESS_KEY_ID")
        case (let keyId?, let secret?):
            return AWSCredentials(accessKeyId: keyId, secretAccessKey: secret,
                                  sessionToken: nonEmpty(environment["AWS_SESSION_TOKEN"]), source: .environment)
        }
    }

    private func fromProfile(_ settings: [String: String]?, source: CredentialSource) throws -> AWSCredentials? {
        guard let settings else { return nil }
        let keyId = nonEmpty(settings["aws_access_key_id"])
        let secret = nonEmpty(settings["aws_secret_access_key"])
        switch (keyId, secret) {
        case (nil, nil):
            return nil
        case (.some, nil):
            throw CredentialError.incomplete(source: source.description, missing: "aws_secret_access_key")
        case (nil, .some):
            throw CredentialError.incomplete(source: source.description, missing: "aws_access_key_id")
        case (let keyId?, let secret?):
            let token = nonEmpty(settings["aws_session_token"]) ?? nonEmpty(settings["aws_security_token"])
            return AWSCredentials(accessKeyId: keyId, secretAccessKey: secret, sessionToken: token, source: source)
        }
    }

    /// Why a file gave nothing, for the "looked in" list.
    private func note(_ settings: [String: String]?, path: String, profile: String) -> String {
        guard FileManager.default.fileExists(atPath: path) else { return "profile \(profile); no such file" }
        guard let settings else { return "profile \(profile); no such profile" }
        for unsupported in ["role_arn", "sso_session", "sso_start_url", "credential_process", "web_identity_token_file"]
            where settings[unsupported] != nil {
            return "profile \(profile); uses \(unsupported), which clusterctl does not support"
        }
        return "profile \(profile); no keys"
    }

    private func nonEmpty(_ value: String?) -> String? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }
}
