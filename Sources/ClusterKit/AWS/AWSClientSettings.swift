import AWSKit
import Foundation

/// The one way ClusterKit turns the AWS settings (environment, profile files, cluster file) into
/// a client configuration, with a settings problem said as a `ClusterError` that names what it
/// was for and what to do.
enum AWSClientSettings {
    /// - Parameters:
    ///   - purpose: what needs AWS, for the message (`the ec2 provider`, `the state at s3://…`).
    ///   - region, endpointURL: the cluster file's values, if any.
    static func configuration(for service: AWSService, purpose: String, region: String? = nil, endpointURL: String? = nil,
                              environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> AWSClientConfiguration {
        do {
            let settings = try AWSSettings(environment: environment, clusterFileRegion: region,
                                           clusterFileEndpoint: endpointURL)
            return try settings.configuration(for: service)
        } catch let error as AWSConfigurationError {
            throw ClusterError("AWS is not set up for \(purpose): \(error). Set provider.region in the cluster file "
                               + "or AWS_REGION, and check with `clusterctl aws check`")
        }
    }
}
