import ArgumentParser
import ClusterKit

/// `clusterctl aws ...`: commands about the AWS account clusterctl acts in.
struct AWS: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aws",
        abstract: "Inspect the AWS credentials and region clusterctl would use.",
        subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the credential source (key id masked), region and endpoint, then ask AWS "
                + "(STS GetCallerIdentity) which account and principal they act as.")

        @Option(help: ArgumentHelp("Region to use instead of AWS_REGION or the profile's.", valueName: "REGION"))
        var region: String?
        @Option(help: ArgumentHelp("Shared-file profile to use instead of AWS_PROFILE (skips AWS_ACCESS_KEY_ID).",
                                   valueName: "PROFILE"))
        var profile: String?
        @Option(name: .customLong("endpoint-url"),
                help: ArgumentHelp("An AWS-compatible endpoint to use instead of AWS.", valueName: "URL"))
        var endpointURL: String?

        func run() throws {
            try reportingFailures {
                print(try AWSAccessCheck.report(region: region, profile: profile, endpointURL: endpointURL))
            }
        }
    }
}
