import AWSKit
import Foundation
import Testing

@Suite("Region and endpoint resolution")
struct RegionAndEndpointTests {
    func profile(_ config: String, environment: [String: String] = [:]) throws -> (SharedProfile, TemporaryDirectory) {
        let directory = try TemporaryDirectory()
        try directory.write(".aws/config", config)
        var env = environment
        env["HOME"] = directory.path
        return (try SharedProfile(environment: env), directory)
    }

    @Test func regionOrder() throws {
        let (shared, directory) = try profile("[default]\nregion = eu-central-1\n")
        defer { directory.remove() }
        let all = ["AWS_REGION": "us-west-1", "AWS_DEFAULT_REGION": "us-west-2"]
        #expect(try RegionResolver.resolve(explicit: "sa-east-1", environment: all, profile: shared,
                                           clusterFileRegion: "eu-west-3").value == "sa-east-1")
        #expect(try RegionResolver.resolve(environment: all, profile: shared, clusterFileRegion: "eu-west-3")
            == ResolvedSetting(value: "us-west-1", source: "AWS_REGION"))
        #expect(try RegionResolver.resolve(environment: ["AWS_DEFAULT_REGION": "us-west-2"], profile: shared)
            == ResolvedSetting(value: "us-west-2", source: "AWS_DEFAULT_REGION"))
        #expect(try RegionResolver.resolve(environment: [:], profile: shared, clusterFileRegion: "eu-west-3")
            == ResolvedSetting(value: "eu-central-1", source: "~/.aws/config (profile default)"))
    }

    @Test func clusterFileRegionIsTheLastResortAndAbsenceIsExplained() throws {
        let (shared, directory) = try profile("[default]\noutput = json\n")
        defer { directory.remove() }
        #expect(try RegionResolver.resolve(environment: [:], profile: shared, clusterFileRegion: "eu-west-3")
            == ResolvedSetting(value: "eu-west-3", source: "cluster file"))
        #expect(throws: AWSConfigurationError.noRegion(lookedIn: [
            "AWS_REGION", "AWS_DEFAULT_REGION", "~/.aws/config (profile default)", "cluster file",
        ])) {
            try RegionResolver.resolve(environment: [:], profile: shared)
        }
    }

    @Test func endpointOrder() throws {
        let (shared, directory) = try profile("[default]\nendpoint_url = http://127.0.0.1:9/\n")
        defer { directory.remove() }
        let env = ["AWS_ENDPOINT_URL_EC2": "http://127.0.0.1:5001/", "AWS_ENDPOINT_URL": "http://127.0.0.1:5002"]
        #expect(try EndpointResolver.resolve(service: "ec2", environment: env, profile: shared,
                                             clusterFileEndpoint: "http://127.0.0.1:5003")
            == ResolvedSetting(value: "http://127.0.0.1:5001", source: "AWS_ENDPOINT_URL_EC2"))
        #expect(try EndpointResolver.resolve(service: "s3", environment: env, profile: shared)?.value
            == "http://127.0.0.1:5002")
        #expect(try EndpointResolver.resolve(service: "s3", environment: [:], profile: shared,
                                             clusterFileEndpoint: "http://127.0.0.1:5003")?.value
            == "http://127.0.0.1:5003")
        #expect(try EndpointResolver.resolve(service: "s3", environment: [:], profile: shared)?.value
            == "http://127.0.0.1:9")
        #expect(try EndpointResolver.resolve(service: "s3", environment: ["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"],
                                             profile: shared, clusterFileEndpoint: "http://127.0.0.1:5003") == nil)
        #expect(try EndpointResolver.resolve(service: "s3", environment: [:]) == nil)
    }

    @Test func anEndpointMustBeAnHTTPURL() {
        #expect(throws: AWSConfigurationError.invalidEndpoint(value: "127.0.0.1:5000", source: "cluster file endpoint_url")) {
            try EndpointResolver.resolve(service: "ec2", environment: [:], clusterFileEndpoint: "127.0.0.1:5000")
        }
    }
}
