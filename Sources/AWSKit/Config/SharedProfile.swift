import Foundation

/// The selected profile of the AWS shared files, as the AWS CLI finds it.
///
/// The profile is the explicit one, else `AWS_PROFILE`, else
/// `AWS_DEFAULT_PROFILE`, else `default`. The files are
/// `AWS_SHARED_CREDENTIALS_FILE` (default `~/.aws/credentials`) and
/// `AWS_CONFIG_FILE` (default `~/.aws/config`); `~` is `HOME` from the given
/// environment. Missing files are simply empty.
public struct SharedProfile: Sendable, Equatable {
    /// The profile name, e.g. `default`.
    public let name: String
    /// True when the profile was chosen (explicitly or by environment), so
    /// its absence is an error rather than a quiet fallback.
    public let isChosen: Bool
    /// Path of the shared credentials file, absolute.
    public let credentialsPath: String
    /// Path of the shared config file, absolute.
    public let configPath: String
    /// The profile's settings in the credentials file; nil when absent.
    public let credentialsSettings: [String: String]?
    /// The profile's settings in the config file; nil when absent.
    public let configSettings: [String: String]?
    private let home: String?

    /// Loads both files for the profile chosen by `profile` or `environment`.
    public init(environment: [String: String], profile: String? = nil) throws {
        let fromEnvironment = [environment["AWS_PROFILE"], environment["AWS_DEFAULT_PROFILE"]]
            .compactMap { $0 }.first { !$0.isEmpty }
        name = profile ?? fromEnvironment ?? "default"
        isChosen = profile != nil || fromEnvironment != nil
        home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 }
        credentialsPath = Self.path(environment["AWS_SHARED_CREDENTIALS_FILE"], default: ".aws/credentials", home: home)
        configPath = Self.path(environment["AWS_CONFIG_FILE"], default: ".aws/config", home: home)
        credentialsSettings = try ProfileFile.load(path: credentialsPath, kind: .credentials)?.profiles[name]
        configSettings = try ProfileFile.load(path: configPath, kind: .config)?.profiles[name]
    }

    /// True when either file has a section for the profile.
    public var exists: Bool { credentialsSettings != nil || configSettings != nil }

    /// A path for messages, with the home directory shown as `~`.
    public func display(_ path: String) -> String {
        guard let home, path.hasPrefix(home + "/") else { return path }
        return "~" + path.dropFirst(home.count)
    }

    /// Throws `profileNotFound` when the profile was chosen but no file has it.
    public func requireExistsIfChosen() throws {
        if isChosen && !exists {
            throw AWSConfigurationError.profileNotFound(profile: name,
                                                        lookedIn: [display(credentialsPath), display(configPath)])
        }
    }

    private static func path(_ override: String?, default relative: String, home: String?) -> String {
        if let override, !override.isEmpty {
            guard override.hasPrefix("~/"), let home else { return override }
            return home + override.dropFirst(1)
        }
        return (home ?? NSHomeDirectory()) + "/" + relative
    }
}
