import AWSKit
import Foundation

/// `clusterctl aws check` for the command line: the report as text, or a
/// ``ClusterError`` (exit 1) whose message carries the AWS error code and what to
/// do, with what was found before the failure as details.
public enum AWSAccessCheck {
    public static func report(region: String?, profile: String?, endpointURL: String?,
                              environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        do {
            return try AWSCheck.run(environment: environment, profile: profile, region: region,
                                    endpointURL: endpointURL).description
        } catch let failure as AWSCheckFailure {
            throw ClusterError("AWS check failed: \(failure.underlying)",
                               details: failure.found.isEmpty ? nil : failure.found.joined(separator: "\n"))
        }
    }
}
