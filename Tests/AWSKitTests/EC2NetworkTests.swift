import AWSKit
import Foundation
import Testing

/// EC2 security groups, key pairs, VPCs, subnets and images against moto.
@Suite("EC2 groups, keys, network and images against moto")
struct EC2NetworkTests {
    @Test func securityGroupLifecycleWithCIDRAndGroupRules() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let ec2 = EC2Client(configuration: moto.configuration())
        let vpc = try #require(try ec2.defaultVPC())
        let id = try ec2.createSecurityGroup(name: "dask-dev", description: "clusterctl dev cluster", vpcId: vpc.id,
                                             tags: ["clusterctl:cluster": "dev"])
        try ec2.authorizeIngress(groupId: id, rules: [
            .tcp(22, cidrs: ["203.0.113.7/32", "198.51.100.0/24"], description: "ssh from the operator"),
            EC2IngressRule(fromPort: 8786, toPort: 8787, sourceGroupIds: [id], ruleDescription: "dask inside the cluster"),
        ])

        let group = try #require(try ec2.describeSecurityGroups(ids: [id]).first)
        #expect(group.name == "dask-dev")
        #expect(group.description == "clusterctl dev cluster")
        #expect(group.vpcId == vpc.id)
        #expect(group.tags == ["clusterctl:cluster": "dev"])
        let ssh = try #require(group.ingress.first { $0.fromPort == 22 })
        #expect(ssh.ipProtocol == "tcp" && ssh.toPort == 22)
        #expect(Set(ssh.cidrs) == ["203.0.113.7/32", "198.51.100.0/24"])
        #expect(ssh.ruleDescription == "ssh from the operator")
        let dask = try #require(group.ingress.first { $0.fromPort == 8786 })
        #expect(dask.toPort == 8787 && dask.sourceGroupIds == [id])
        #expect(try ec2.describeSecurityGroups(filters: [.tag("clusterctl:cluster", "dev")]).map(\.id) == [id])

        let duplicate = try #require(throws: AWSError.self) {
            try ec2.authorizeIngress(groupId: id, rules: [.tcp(22, cidrs: ["203.0.113.7/32"])])
        }
        #expect(duplicate.code == "InvalidPermission.Duplicate")

        try ec2.deleteSecurityGroup(id: id)
        let gone = try #require(throws: AWSError.self) { _ = try ec2.describeSecurityGroups(ids: [id]) }
        #expect(gone.code == "InvalidGroup.NotFound")
    }

    @Test func keyPairImportDescribeDelete() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let ec2 = EC2Client(configuration: moto.configuration())
        let imported = try ec2.importKeyPair(name: "dask-dev", publicKey: EC2InstanceTests.publicKey,
                                             tags: ["clusterctl:cluster": "dev"])
        #expect(imported.name == "dask-dev")
        #expect(!imported.fingerprint.isEmpty)

        let described = try ec2.describeKeyPairs(names: ["dask-dev"])
        #expect(described.map(\.name) == ["dask-dev"])
        #expect(described.first?.fingerprint == imported.fingerprint)
        #expect(try ec2.describeKeyPairs().map(\.name).contains("dask-dev"))

        let again = try #require(throws: AWSError.self) {
            _ = try ec2.importKeyPair(name: "dask-dev", publicKey: EC2InstanceTests.publicKey)
        }
        #expect(again.code == "InvalidKeyPair.Duplicate")

        try ec2.deleteKeyPair(name: "dask-dev")
        let missing = try #require(throws: AWSError.self) { _ = try ec2.describeKeyPairs(names: ["dask-dev"]) }
        #expect(missing.code == "InvalidKeyPair.NotFound")
    }

    @Test func defaultVPCAndItsSubnets() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let ec2 = EC2Client(configuration: moto.configuration(region: "eu-west-1"))
        let vpc = try #require(try ec2.defaultVPC())
        #expect(vpc.isDefault)
        #expect(vpc.id.hasPrefix("vpc-"))
        #expect(!vpc.cidrBlock.isEmpty)

        let subnets = try ec2.subnets(inVPC: vpc.id)
        #expect(subnets.count >= 2)
        #expect(subnets.allSatisfy { $0.vpcId == vpc.id && $0.isDefaultForZone && $0.availabilityZone.hasPrefix("eu-west-1") })
        #expect(subnets.map(\.availabilityZone) == subnets.map(\.availabilityZone).sorted())
        #expect(try ec2.describeSubnets(ids: [subnets[0].id]) == [subnets[0]])
        #expect(try ec2.describeVPCs(ids: [vpc.id]) == [vpc])
    }

    @Test func ubuntuAliasResolvesToCanonicalsNewestImageForTheArchitecture() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let ec2 = EC2Client(configuration: moto.configuration())
        // Fixtures/amis.json: three Canonical noble amd64 images, plus a newer arm64 one, a newer
        // look-alike from another owner, a newer jammy and a newer Ubuntu Pro image.
        let alias = try #require(EC2ImageAlias.named("ubuntu-24.04"))
        let newest = try ec2.newestImage(alias: alias)
        #expect(newest.id == "ami-0a0000000000noble3")
        #expect(newest.ownerId == EC2ImageAlias.canonical)
        #expect(newest.creationDate == ISO8601DateFormatter().date(from: "2025-01-15T10:00:00Z"))
        #expect(try ec2.newestImage(alias: alias, architecture: "arm64").id == "ami-0a00000000000arm64")
        #expect(try ec2.imageId(for: "ubuntu-22.04") == "ami-0a000000000000jammy")
        #expect(try ec2.imageId(for: "ami-0123") == "ami-0123")

        let unknown = try #require(throws: EC2ImageError.self) { _ = try ec2.imageId(for: "ubuntu-99.04") }
        #expect(unknown.description.contains("ubuntu-24.04"))
        let none = try #require(throws: EC2ImageError.self) { _ = try ec2.imageId(for: "ubuntu-20.04") }
        #expect(none == .noImage(alias: "ubuntu-20.04",
                                 namePattern: "ubuntu/images/hvm-ssd/ubuntu-focal-20.04-amd64-server-*", region: "us-east-1"))

        let canonical = try ec2.describeImages(owners: [EC2ImageAlias.canonical])
        #expect(canonical.count == 6)
        #expect(try ec2.describeImages(ids: ["ami-0a00000000000decoy"]).first?.ownerId == "111122223333")
    }
}
