@testable import AWSKit
import Foundation
import HTTPKit
import Testing

/// The request layer without a network: error replies, retry classification, Query
/// parameter flattening, S3 addressing, XML trees.
@Suite("AWS request layer (offline)")
struct AWSRequestLayerTests {
    @Test func ec2ErrorReplyIsParsed() {
        let body = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Response><Errors><Error><Code>InvalidParameterValue</Code><Message>Value (x) for parameter groupId is invalid.</Message></Error></Errors><RequestID>5c3f4a7e-abcd</RequestID></Response>
            """
        let error = AWSErrorReply.error(from: HTTPResponse(status: 400, body: Data(body.utf8)), service: .ec2,
                                        operation: "AuthorizeSecurityGroupIngress", redacting: nil)
        #expect(error == AWSError(service: "EC2", operation: "AuthorizeSecurityGroupIngress", status: 400,
                                  code: "InvalidParameterValue", message: "Value (x) for parameter groupId is invalid.",
                                  requestId: "5c3f4a7e-abcd"))
        #expect(!error.isRetryable)
        #expect(error.description == "EC2 AuthorizeSecurityGroupIngress failed: InvalidParameterValue (HTTP 400): "
            + "Value (x) for parameter groupId is invalid. [request id 5c3f4a7e-abcd]")
    }

    @Test func s3ErrorReplyIsParsedWithTheRequestIdHeader() {
        let body = "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
        let response = HTTPResponse(status: 503, headers: [HTTPHeader("x-amz-request-id", "4442587FB7D0A2F9")],
                                    body: Data(body.utf8))
        let error = AWSErrorReply.error(from: response, service: .s3, operation: "PutObject", redacting: nil)
        #expect(error.code == "SlowDown")
        #expect(error.requestId == "4442587FB7D0A2F9")
        #expect(error.isThrottling && error.isRetryable)
    }

    @Test func stsErrorReplyIsParsed() {
        let body = """
            <ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>
            <Code>ExpiredToken</Code><Message>The security token included in the request is expired</Message></Error>
            <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ErrorResponse>
            """
        let error = AWSErrorReply.error(from: HTTPResponse(status: 403, body: Data(body.utf8)), service: .sts,
                                        operation: "GetCallerIdentity", redacting: nil)
        #expect(error.code == "ExpiredToken")
        #expect(error.requestId == "c6104cbe-af31-11e0-8154-cbc7ccf896c7")
        #expect(error.description.contains("refresh the session credentials"))
    }

    @Test func bodilessAndNonXMLRepliesStillGetACode() {
        let head = AWSErrorReply.error(from: HTTPResponse(status: 404), service: .s3, operation: "HeadObject", redacting: nil)
        #expect(head.code == "NotFound" && head.message.isEmpty)
        let gateway = AWSErrorReply.error(from: HTTPResponse(status: 502, body: Data("<html>\nbad gateway</html>".utf8)),
                                          service: .ec2, operation: "DescribeVpcs", redacting: nil)
        #expect(gateway.code == "HTTP502")
        #expect(gateway.message == "unexpected reply: <html> bad gateway</html>")
        #expect(gateway.isRetryable)
    }

    @Test func messagesAreRedactedWithTheSigningCredentials() {
        let credentials = AWSCredentials(accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                         sessionToken: "FwoGZXIvYXdzEXAMPLETOKEN")
        let body = "<Error><Code>SignatureDoesNotMatch</Code><Message>echo: \(credentials.secretAccessKey) "
            + "\(URIEncoding.encode(credentials.secretAccessKey)) \(credentials.sessionToken!) "
            + "\(credentials.accessKeyId)</Message></Error>"
        let error = AWSErrorReply.error(from: HTTPResponse(status: 403, body: Data(body.utf8)), service: .s3,
                                        operation: "GetObject", redacting: credentials)
        #expect(!error.description.contains(credentials.secretAccessKey))
        #expect(!error.description.contains(URIEncoding.encode(credentials.secretAccessKey)))
        #expect(!error.description.contains("FwoGZXIvYXdzEXAMPLETOKEN"))
        #expect(!error.description.contains("AKIAIOSFODNN7EXAMPLE"))
        #expect(error.description.contains("AKIA************MPLE"))
    }

    @Test func retryClassification() {
        func error(_ status: Int, _ code: String) -> AWSError {
            AWSError(service: "EC2", operation: "X", status: status, code: code, message: "")
        }
        for (status, code) in [(503, "RequestLimitExceeded"), (400, "Throttling"), (400, "ThrottlingException"),
                               (503, "SlowDown"), (400, "RequestThrottled"), (429, "TooManyRequestsException"),
                               (500, "InternalError"), (503, "ServiceUnavailable"), (400, "RequestTimeout"), (502, "HTTP502")] {
            #expect(error(status, code).isRetryable, "\(status) \(code)")
        }
        for (status, code) in [(400, "InvalidParameterValue"), (401, "AuthFailure"), (403, "SignatureDoesNotMatch"),
                               (404, "NoSuchKey"), (412, "PreconditionFailed"), (501, "NotImplemented"),
                               (400, "InvalidInstanceID.NotFound")] {
            #expect(!error(status, code).isRetryable, "\(status) \(code)")
        }
    }

    @Test func runInstancesRequestFlattensTheQueryWay() {
        let request = RunInstancesRequest(
            imageId: "ami-1", instanceType: "t3.small", minCount: 2, maxCount: 3, keyName: "k",
            securityGroupIds: ["sg-1", "sg-2"], subnetId: "subnet-1", iamInstanceProfile: .arn("arn:aws:iam::1:instance-profile/p"),
            userData: "#!/bin/sh\n", blockDeviceMappings: [.init(deviceName: "/dev/sda1", volumeSizeGiB: 40, volumeType: "gp3",
                                                                  encrypted: true)],
            spot: .init(maxPrice: "0.10"), clientToken: "tok", shutdownBehavior: .terminate,
            tags: ["b": "2", "a": "1"])
        let pairs = request.parameters.pairs.map { "\($0.name)=\($0.value)" }
        #expect(pairs == [
            "ImageId=ami-1", "InstanceType=t3.small", "MinCount=2", "MaxCount=3", "KeyName=k",
            "SecurityGroupId.1=sg-1", "SecurityGroupId.2=sg-2", "SubnetId=subnet-1",
            "IamInstanceProfile.Arn=arn:aws:iam::1:instance-profile/p", "UserData=IyEvYmluL3NoCg==",
            "BlockDeviceMapping.1.DeviceName=/dev/sda1", "BlockDeviceMapping.1.Ebs.VolumeSize=40",
            "BlockDeviceMapping.1.Ebs.VolumeType=gp3", "BlockDeviceMapping.1.Ebs.DeleteOnTermination=true",
            "BlockDeviceMapping.1.Ebs.Encrypted=true",
            "InstanceMarketOptions.MarketType=spot", "InstanceMarketOptions.SpotOptions.SpotInstanceType=one-time",
            "InstanceMarketOptions.SpotOptions.InstanceInterruptionBehavior=terminate",
            "InstanceMarketOptions.SpotOptions.MaxPrice=0.10", "ClientToken=tok",
            "InstanceInitiatedShutdownBehavior=terminate",
            "TagSpecification.1.ResourceType=instance", "TagSpecification.1.Tag.1.Key=a", "TagSpecification.1.Tag.1.Value=1",
            "TagSpecification.1.Tag.2.Key=b", "TagSpecification.1.Tag.2.Value=2",
            "TagSpecification.2.ResourceType=volume", "TagSpecification.2.Tag.1.Key=a", "TagSpecification.2.Tag.1.Value=1",
            "TagSpecification.2.Tag.2.Key=b", "TagSpecification.2.Tag.2.Value=2",
        ])
    }

    @Test func formBodiesEncodeSpacesAsPlus() {
        let pairs: [(name: String, value: String)] = [("GroupDescription", "a b+c/d~é")]
        #expect(pairs.formEncoded == "GroupDescription=a+b%2Bc%2Fd~%C3%A9")
    }

    @Test func s3AddressingIsVirtualHostedOnAWSAndPathStyleElsewhere() {
        let credentials = AWSCredentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret")
        let aws = S3Client(configuration: AWSClientConfiguration(region: "eu-west-1", credentials: credentials))
        #expect(aws.url(bucket: "my-state", key: "dev/a b.json") == "https://my-state.s3.eu-west-1.amazonaws.com/dev/a%20b.json")
        #expect(aws.url(bucket: "my-state", query: [("list-type", "2"), ("prefix", "dev/")])
            == "https://my-state.s3.eu-west-1.amazonaws.com/?list-type=2&prefix=dev%2F")
        #expect(aws.url(bucket: "my.dotted.bucket", key: "k") == "https://s3.eu-west-1.amazonaws.com/my.dotted.bucket/k")
        let china = S3Client(configuration: AWSClientConfiguration(region: "cn-north-1", credentials: credentials))
        #expect(china.url(bucket: "b-cn", key: "k") == "https://b-cn.s3.cn-north-1.amazonaws.com.cn/k")
        let custom = S3Client(configuration: AWSClientConfiguration(region: "us-east-1", credentials: credentials,
                                                                    endpoint: "http://127.0.0.1:9000/"))
        #expect(custom.url(bucket: "my-state", key: "dev/ü.json") == "http://127.0.0.1:9000/my-state/dev/%C3%BC.json")
        #expect(AWSService.ec2.defaultEndpoint(region: "eu-west-1") == "https://ec2.eu-west-1.amazonaws.com")
        #expect(AWSService.sts.defaultEndpoint(region: "us-east-1") == "https://sts.us-east-1.amazonaws.com")
    }

    @Test func xmlTreeReadsEC2Lists() throws {
        let xml = """
            <DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
              <reservationSet><item><instancesSet><item>
                <instanceId>i-1</instanceId><instanceState><code>16</code><name>running</name></instanceState>
                <tagSet><item><key>Name</key><value>a &amp; b</value></item><item><key>empty</key><value/></item></tagSet>
                <launchTime>2024-05-01T12:00:00.000Z</launchTime>
              </item></instancesSet></item></reservationSet>
              <nextToken><![CDATA[tok/1]]></nextToken>
            </DescribeInstancesResponse>
            """
        let tree = try XMLTree.parse(Data(xml.utf8))
        #expect(tree.value("nextToken") == "tok/1")
        let instance = EC2Instance(xml: try #require(tree.items("reservationSet").first?.items("instancesSet").first))
        #expect(instance.id == "i-1" && instance.state == .running)
        #expect(instance.tags == ["Name": "a & b", "empty": ""])
        #expect(instance.launchTime == Date(timeIntervalSince1970: 1_714_564_800))
        #expect(throws: XMLTreeError.self) { try XMLTree.parse(Data("<a><b></a>".utf8)) }
    }
}
