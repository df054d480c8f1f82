import AWSKit
import Foundation
import Testing

/// EC2 instance calls against moto with signature checking on.
@Suite("EC2 instances against moto")
struct EC2InstanceTests {
    @Test func runInstancesSendsEveryOptionAndDescribeReadsThemBack() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let ec2 = EC2Client(configuration: moto.configuration())
        let vpc = try #require(try ec2.defaultVPC())
        let subnet = try #require(try ec2.subnets(inVPC: vpc.id).first)
        let group = try ec2.createSecurityGroup(name: "dask-run", description: "run test", vpcId: vpc.id)
        _ = try ec2.importKeyPair(name: "dask-key", publicKey: Self.publicKey)
        let image = try ec2.imageId(for: "ubuntu-24.04")
        let profileARN = try moto.createInstanceProfile("dask-node")

        let launched = try ec2.runInstances(RunInstancesRequest(
            imageId: image, instanceType: "t3.small", minCount: 2, maxCount: 2, keyName: "dask-key",
            securityGroupIds: [group], subnetId: subnet.id, iamInstanceProfile: .name("dask-node"),
            userData: "#!/bin/sh\necho hello\n",
            blockDeviceMappings: [.init(deviceName: "/dev/sda1", volumeSizeGiB: 30, volumeType: "gp3")],
            clientToken: "token-\(UUID().uuidString)", shutdownBehavior: .terminate,
            tags: ["Name": "dask-worker", "clusterctl:cluster": "dev"]))
        #expect(launched.count == 2)

        let found = try ec2.describeInstances(filters: [.tag("clusterctl:cluster", "dev")])
        #expect(Set(found.map(\.id)) == Set(launched.map(\.id)))
        for instance in found {
            #expect(instance.imageId == image)
            #expect(instance.instanceType == "t3.small")
            #expect(instance.keyName == "dask-key")
            #expect(instance.subnetId == subnet.id)
            #expect(instance.vpcId == vpc.id)
            #expect(instance.securityGroupIds == [group])
            #expect(instance.tags == ["Name": "dask-worker", "clusterctl:cluster": "dev"])
            #expect(instance.privateIP?.isEmpty == false)
            #expect(instance.launchTime != nil)
            #expect(instance.availabilityZone == subnet.availabilityZone)
        }
        // moto attaches the instance profile to the first instance of a launch only.
        #expect(found.contains { $0.iamInstanceProfileARN == profileARN })
        #expect(try ec2.describeInstances(filters: [.tag("clusterctl:cluster", "other")]).isEmpty)

        // What the typed instance does not carry, read back through the generic Query layer.
        let id = launched[0].id
        #expect(try Self.attribute("userData", of: id, ec2).value("userData", "value")
            == Data("#!/bin/sh\necho hello\n".utf8).base64EncodedString())
        #expect(try Self.attribute("instanceInitiatedShutdownBehavior", of: id, ec2)
            .value("instanceInitiatedShutdownBehavior", "value") == "terminate")
        var volumeFilter = QueryParameters()
        volumeFilter.add("Filter.1.Name", "attachment.instance-id")
        volumeFilter.add("Filter.1.Value.1", id)
        let volumes = try ec2.service.query("DescribeVolumes", version: EC2Client.apiVersion, parameters: volumeFilter)
            .items("volumeSet")
        #expect(volumes.contains { $0.value("size") == "30" && $0.value("volumeType") == "gp3" })
    }

    /// `DescribeInstanceAttribute` for `name`, through the request layer EC2Client is built on.
    static func attribute(_ name: String, of id: String, _ ec2: EC2Client) throws -> XMLTree {
        var parameters = QueryParameters()
        parameters.add("InstanceId", id)
        parameters.add("Attribute", name)
        return try ec2.service.query("DescribeInstanceAttribute", version: EC2Client.apiVersion, parameters: parameters)
    }

    @Test func spotRequestLaunchesASpotInstance() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let ec2 = EC2Client(configuration: moto.configuration())
        let profileARN = try moto.createInstanceProfile("dask-spot")
        let launched = try ec2.runInstances(RunInstancesRequest(imageId: "ami-0a0000000000noble3", instanceType: "t3.micro",
                                                                iamInstanceProfile: .arn(profileARN),
                                                                spot: .init(maxPrice: "0.05")))
        #expect(launched.count == 1)
        let described = try ec2.describeInstances(ids: launched.map(\.id))
        #expect(described.first?.isSpot == true)
        #expect(described.first?.iamInstanceProfileARN == profileARN)
    }

    @Test func describeInstancesReturnsEveryPage() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let proxy = try FaultProxy(upstream: moto.endpoint)
        defer { proxy.stop() }
        let ec2 = EC2Client(configuration: moto.configuration())
        var launched = Set<String>()
        for _ in 0..<12 {  // moto pages by reservation: one instance per call makes 12 reservations
            launched.formUnion(try ec2.runInstances(RunInstancesRequest(imageId: "ami-0a0000000000noble3",
                                                                        instanceType: "t3.micro")).map(\.id))
        }

        let throughProxy = EC2Client(configuration: AWSClientConfiguration(
            region: "us-east-1", credentials: moto.credentials, endpoint: proxy.endpoint))
        try proxy.inject(0)
        let all = try throughProxy.describeInstances(pageSize: 5)
        #expect(all.count == 12)
        #expect(Set(all.map(\.id)) == launched)
        #expect(try proxy.stats().requests == 3, "12 reservations at 5 per page take 3 requests")
    }

    @Test func waitersSeeRunningThenTerminated() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let ec2 = EC2Client(configuration: moto.configuration())
        let ids = try ec2.runInstances(RunInstancesRequest(imageId: "ami-0a0000000000noble3", instanceType: "t3.micro",
                                                           minCount: 3, maxCount: 3)).map(\.id)
        let running = try ec2.waitUntilRunning(ids, timeout: 30, pollInterval: 0.2)
        #expect(Set(running.map(\.id)) == Set(ids))
        #expect(running.allSatisfy { $0.state == .running })

        let changes = try ec2.terminateInstances(ids: ids)
        #expect(Set(changes.map(\.instanceId)) == Set(ids))
        #expect(changes.allSatisfy { $0.previousState == .running })
        try ec2.waitUntilTerminated(ids, timeout: 30, pollInterval: 0.2)
        #expect(try ec2.describeInstances(ids: ids).allSatisfy { $0.state == .terminated })
    }

    @Test func waitingForRunningOnATerminatedInstanceFailsFast() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let ec2 = EC2Client(configuration: moto.configuration())
        let ids = try ec2.runInstances(RunInstancesRequest(imageId: "ami-0a0000000000noble3", instanceType: "t3.micro"))
            .map(\.id)
        try ec2.terminateInstances(ids: ids)
        let started = Date()
        let error = try #require(throws: EC2WaitError.self) { try ec2.waitUntilRunning(ids, timeout: 30, pollInterval: 0.2) }
        guard case .unexpectedState(let id, let target, _) = error else {
            Issue.record("expected unexpectedState, got \(error)")
            return
        }
        #expect(id == ids[0])
        #expect(target == .running)
        #expect(Date().timeIntervalSince(started) < 10)
    }

    @Test func waiterGivesUpAtItsDeadline() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let ec2 = EC2Client(configuration: moto.configuration())
        let ids = try ec2.runInstances(RunInstancesRequest(imageId: "ami-0a0000000000noble3", instanceType: "t3.micro"))
            .map(\.id)
        let started = Date()
        let error = try #require(throws: EC2WaitError.self) { try ec2.waitUntilTerminated(ids, timeout: 1, pollInterval: 0.2) }
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed >= 1 && elapsed < 10)
        #expect(error == .timedOut(target: .terminated, seconds: 1, states: [ids[0]: .running]))
        #expect(error.description.contains("\(ids[0]) running"))
    }

    @Test func createTagsAddsAndOverwritesTags() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let ec2 = EC2Client(configuration: moto.configuration())
        let id = try #require(try ec2.runInstances(RunInstancesRequest(
            imageId: "ami-0a0000000000noble3", instanceType: "t3.micro", tags: ["Name": "old"])).first?.id)
        try ec2.createTags(resourceIds: [id], tags: ["Name": "scheduler", "role": "scheduler"])
        let instance = try #require(try ec2.describeInstances(ids: [id]).first)
        #expect(instance.tags == ["Name": "scheduler", "role": "scheduler"])
        #expect(try ec2.describeInstances(filters: [.tag("role", "scheduler")]).map(\.id) == [id])
    }

    @Test func unknownInstanceIsATypedNotFoundError() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let ec2 = EC2Client(configuration: moto.configuration())
        let error = try #require(throws: AWSError.self) { try ec2.terminateInstances(ids: ["i-0123456789abcdef0"]) }
        #expect(error.code == "InvalidInstanceID.NotFound")
        #expect(error.status == 400)
        #expect(error.service == "EC2")
        #expect(error.operation == "TerminateInstances")
        #expect(error.requestId != nil)
        #expect(error.message.contains("i-0123456789abcdef0"))
    }

    static let publicKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFqkKcqRkqZvO0cZ1dNnYQGg3m0k0v8S2cQkq1jQ7G3D clusterctl-test"
}
