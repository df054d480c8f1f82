import Foundation
import Testing

/// Proves that `EC2Sandbox` gives the EC2 tests what they assume: instances moto launches answer
/// SSH with their key pair at the addresses moto reports, inside a namespace of their own; moto
/// behaves as described in the sandbox's doc comment; installs over SSH work offline; and
/// nothing is left running afterwards.
@Suite(
    "EC2 sandbox",
    .serialized,
    .enabled(if: EC2Sandbox.unavailableReason == nil, Comment(rawValue: EC2Sandbox.unavailableReason ?? ""))
)
struct EC2SandboxTests {
    @Test("launched instances answer SSH with their key at their public and private address, then it all stops")
    func sshAtTheAddressesMotoReports() throws {
        let sandbox = try EC2Sandbox()
        defer { sandbox.stop() }
        let namespace = try #require(sandbox.namespace)
        #expect(namespace != EC2Sandbox.netNamespace(of: getpid()), "the sandbox shares this process's network namespace")
        for pid in sandbox.servicePids { #expect(EC2Sandbox.netNamespace(of: pid) == namespace) }

        let key = try sandbox.makeKey("id_node")
        let other = try sandbox.makeKey("id_other")
        let launched = try #require(try sandbox.pythonJSON("""
        ec2.import_key_pair(KeyName='node', PublicKeyMaterial=open('\(key).pub').read().encode())
        ec2.import_key_pair(KeyName='other', PublicKeyMaterial=open('\(other).pub').read().encode())
        r = ec2.run_instances(ImageId='ami-785db401', InstanceType='t3.micro', MinCount=2, MaxCount=2, KeyName='node')
        print(json.dumps([[i['InstanceId'], i['PublicIpAddress'], i['PrivateIpAddress']] for i in r['Instances']]))
        """) as? [[String]])
        try #require(launched.count == 2)

        for instance in launched {
            for address in instance[1...] {
                let login = try sandbox.ssh(address, key: key, "echo $EC2_SANDBOX_INSTANCE_ID")
                #expect(login.status == 0, "ssh root@\(address): \(login.all)")
                #expect(login.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == instance[0],
                        "the login at \(address) was not \(instance[0])'s")
                let wrongKey = try sandbox.ssh(address, key: other)
                #expect(wrongKey.status == 255, "another key pair's key got in at \(address)")
            }
        }
        let unassigned = try sandbox.ssh("198.51.100.7", key: key)
        #expect(unassigned.status == 255, "an address no instance holds let the key in")

        _ = try sandbox.python("ec2.terminate_instances(InstanceIds=['\(launched[0][0])'])")
        let terminated = try sandbox.ssh(launched[0][1], key: key)
        #expect(terminated.status == 255, "a terminated instance still let the key in")

        let pids = [sandbox.holderPid] + sandbox.servicePids
        let directory = sandbox.directory.path
        sandbox.stop()
        for pid in pids { #expect(EC2Sandbox.netNamespace(of: pid) == nil, "pid \(pid) is still alive after stop") }
        let left = try CapturedRun.of("pgrep", ["-f", directory])
        #expect(left.status == 1 && left.stdout.isEmpty, "processes of \(directory) remain: \(left.stdout)")
        let inNamespace = (try FileManager.default.contentsOfDirectory(atPath: "/proc")).compactMap(Int32.init)
            .filter { EC2Sandbox.netNamespace(of: $0) == namespace }
        #expect(inNamespace.isEmpty, "processes remain in the sandbox's namespace: \(inNamespace)")
        #expect(!FileManager.default.fileExists(atPath: directory))
    }

    @Test("moto behaves as the EC2 provider's tests assume")
    func motoFacts() throws {
        let sandbox = try EC2Sandbox()
        defer { sandbox.stop() }
        let facts = try #require(try sandbox.pythonJSON("""
        import time
        def code(call):
            try:
                call()
                return 'ok'
            except Exception as e:
                return e.response['Error']['Code']
        tags = [{'ResourceType': 'instance', 'Tags': [{'Key': 'clusterctl:cluster', 'Value': 'demo'}]}]
        vpc = ec2.describe_vpcs(Filters=[{'Name': 'isDefault', 'Values': ['true']}])['Vpcs'][0]
        subnets = ec2.describe_subnets(Filters=[{'Name': 'vpc-id', 'Values': [vpc['VpcId']]}])['Subnets']
        group = ec2.create_security_group(GroupName='g', Description='g', VpcId=vpc['VpcId'])['GroupId']
        r = ec2.run_instances(ImageId='ami-785db401', InstanceType='t3.micro', MinCount=3, MaxCount=3, ClientToken='t1',
                              TagSpecifications=tags, SecurityGroupIds=[group])['Instances']
        again = ec2.run_instances(ImageId='ami-785db401', InstanceType='t3.micro', MinCount=1, MaxCount=1, ClientToken='t1')
        in_subnet = ec2.run_instances(ImageId='ami-785db401', InstanceType='t3.micro', MinCount=1, MaxCount=1,
                                      SubnetId=subnets[0]['SubnetId'])['Instances'][0]
        ids = [i['InstanceId'] for i in r]
        tagged = ec2.describe_instances(Filters=[{'Name': 'tag:clusterctl:cluster', 'Values': ['demo']}])
        running = ec2.describe_instances(Filters=[{'Name': 'instance-state-name', 'Values': ['running']}])
        sg_in_use = code(lambda: ec2.delete_security_group(GroupId=group))
        started = time.time()
        ec2.terminate_instances(InstanceIds=ids)
        states = {i['State']['Name'] for res in ec2.describe_instances(InstanceIds=ids)['Reservations'] for i in res['Instances']}
        print(json.dumps({
            'cidr': vpc['CidrBlock'],
            'zones': sorted(s['AvailabilityZone'] for s in subnets),
            'launchStates': sorted({i['State']['Name'] for i in r}),
            'publicIps': [i.get('PublicIpAddress', '') for i in r],
            'privateIps': [i['PrivateIpAddress'] for i in r],
            'subnetPrivateIp': in_subnet['PrivateIpAddress'],
            'subnetCidr': subnets[0]['CidrBlock'],
            'launchIndexes': [i['AmiLaunchIndex'] for i in r],
            'sameTokenNewInstance': again['Instances'][0]['InstanceId'] not in ids,
            'tagged': sorted(i['InstanceId'] for res in tagged['Reservations'] for i in res['Instances']) == sorted(ids),
            'running': len([i for res in running['Reservations'] for i in res['Instances']]),
            'sgInUse': sg_in_use,
            'afterTerminate': sorted(states),
            'terminateSeconds': time.time() - started,
            'badAmi': code(lambda: ec2.run_instances(ImageId='ami-doesnotexist', InstanceType='t3.micro', MinCount=1, MaxCount=1)),
            'badType': code(lambda: ec2.run_instances(ImageId='ami-785db401', InstanceType='t3.nonsense', MinCount=1, MaxCount=1)),
            'describeBadAmi': code(lambda: ec2.describe_images(ImageIds=['ami-doesnotexist'])),
            'describeBadType': code(lambda: ec2.describe_instance_types(InstanceTypes=['t3.nonsense'])),
            'console': 'Linux version' in ec2.get_console_output(InstanceId=ids[0]).get('Output', ''),
        }))
        """) as? [String: Any])

        #expect(facts["cidr"] as? String == "172.31.0.0/16")
        #expect(facts["zones"] as? [String] == ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"])
        #expect(facts["launchStates"] as? [String] == ["pending"])
        #expect((facts["publicIps"] as? [String])?.allSatisfy { $0.hasPrefix("54.") } == true, "\(facts["publicIps"] ?? "")")
        #expect((facts["privateIps"] as? [String])?.allSatisfy { $0.hasPrefix("10.") } == true, "\(facts["privateIps"] ?? "")")
        #expect((facts["subnetPrivateIp"] as? String)?.hasPrefix("172.31.") == true)
        #expect(facts["launchIndexes"] as? [Int] == [0, 1, 2])
        #expect(facts["sameTokenNewInstance"] as? Bool == true)
        #expect(facts["tagged"] as? Bool == true)
        #expect(facts["running"] as? Int == 5)
        #expect(facts["sgInUse"] as? String == "ok")
        #expect(facts["afterTerminate"] as? [String] == ["terminated"])
        #expect(facts["badAmi"] as? String == "ok")
        #expect(facts["badType"] as? String == "ok")
        #expect(facts["describeBadAmi"] as? String == "InvalidAMIID.NotFound")
        #expect(facts["describeBadType"] as? String == "InvalidInstanceType")
        #expect(facts["console"] as? Bool == true)

        let wrongSecret = try sandbox.run(EC2Sandbox.python, ["-c", """
        import boto3
        try:
            boto3.client('ec2').describe_instances()
        except Exception as e:
            print(e.response['Error']['Code'])
        """], environment: ["AWS_SECRET_ACCESS_KEY": "wrong" + sandbox.secret.dropFirst(5)])
        #expect(wrongSecret.stdout == "AuthFailure\n", "moto does not check signatures: \(wrongSecret.all)")
    }

    @Test("moto validates images, instance types and key names when asked to")
    func motoValidationSwitches() throws {
        let sandbox = try EC2Sandbox(motoEnvironment: [
            "MOTO_ENABLE_AMI_VALIDATION": "1", "MOTO_EC2_ENABLE_INSTANCE_TYPE_VALIDATION": "1", "MOTO_ENABLE_KEYPAIR_VALIDATION": "1",
        ])
        defer { sandbox.stop() }
        let codes = try #require(try sandbox.pythonJSON("""
        def code(**launch):
            try:
                ec2.run_instances(MinCount=1, MaxCount=1, **launch)
                return 'ok'
            except Exception as e:
                return e.response['Error']['Code']
        print(json.dumps([code(ImageId='ami-doesnotexist', InstanceType='t3.micro'),
                          code(ImageId='ami-785db401', InstanceType='t3.nonsense'),
                          code(ImageId='ami-785db401', InstanceType='t3.micro', KeyName='missing'),
                          code(ImageId='ami-785db401', InstanceType='t3.micro')]))
        """) as? [String])
        #expect(codes == ["InvalidAMIID.NotFound", "InvalidInstanceType.NotFound", "InvalidKeyPair.NotFound", "ok"])
    }

    @Test("an injected InsufficientInstanceCapacity fails the next signed RunInstances, once")
    func injectedFault() throws {
        let sandbox = try EC2Sandbox()
        defer { sandbox.stop() }
        try sandbox.fail("RunInstances", code: "InsufficientInstanceCapacity",
                         message: "We currently do not have sufficient t3.micro capacity in the Availability Zone you requested (us-east-1a).")
        #expect(try sandbox.pendingFaults("RunInstances") == 1)
        _ = try sandbox.python("ec2.run_instances(ImageId='ami-785db401', InstanceType='t3.micro', MinCount=1, MaxCount=1)")
        #expect(try sandbox.pendingFaults("RunInstances") == 1, "python(_:) calls must not use up faults")

        let script = """
        import boto3, botocore.config
        ec2 = boto3.client('ec2', config=botocore.config.Config(retries={'total_max_attempts': 1}))
        for attempt in range(2):
            try:
                print(ec2.run_instances(ImageId='ami-785db401', InstanceType='t3.micro', MinCount=1, MaxCount=1)['Instances'][0]['State']['Name'])
            except Exception as e:
                print(e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode'])
        """
        let run = try sandbox.run(EC2Sandbox.python, ["-c", script])
        #expect(run.status == 0, "\(run.all)")
        #expect(run.stdout == "InsufficientInstanceCapacity 500\npending\n")
        #expect(try sandbox.pendingFaults("RunInstances") == 0)
    }

    @Test("the bootstrap's packages install over SSH from uv's cache, with no network")
    func offlineInstallOverSSH() throws {
        try EC2Sandbox.warmUVCache()
        let sandbox = try EC2Sandbox()
        defer { sandbox.stop() }
        let key = try sandbox.makeKey("id_node")
        let address = try sandbox.python("""
        ec2.import_key_pair(KeyName='node', PublicKeyMaterial=open('\(key).pub').read().encode())
        print(ec2.run_instances(ImageId='ami-785db401', InstanceType='t3.micro', MinCount=1, MaxCount=1,
                                KeyName='node')['Instances'][0]['PublicIpAddress'])
        """).trimmingCharacters(in: .whitespacesAndNewlines)
        let env = sandbox.directory.appendingPathComponent("node-env").path
        let install = try sandbox.ssh(address, key: key, """
        set -e
        test "$UV_OFFLINE" = 1
        uv venv --quiet --python "$(command -v python3)" \(env)
        uv pip install --quiet --python \(env)/bin/python \(EC2Sandbox.bootstrapPackages.joined(separator: " "))
        \(env)/bin/python -c 'import dask, distributed; print(distributed.__version__)'
        """, timeout: 300)
        #expect(install.status == 0, "offline install failed: \(install.all)")
        let pinned = EC2Sandbox.bootstrapPackages.first { $0.hasPrefix("distributed==") }?.split(separator: "=").last.map(String.init)
        #expect(install.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == pinned)

        let online = try sandbox.ssh(address, key: key, "env -u UV_OFFLINE UV_HTTP_TIMEOUT=3 uv pip install --quiet --python \(env)/bin/python --refresh six")
        #expect(online.status != 0, "uv reached a package index from inside the namespace")
    }
}
