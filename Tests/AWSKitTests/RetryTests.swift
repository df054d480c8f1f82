@testable import AWSKit
import Foundation
import HTTPKit
import Testing

/// Retries in AWS standard mode, observed through `fault_proxy.py` in front of moto.
@Suite("Retries through a fault-injecting proxy")
struct RetryTests {
    @Test func throttledCallSucceedsAfterBackingOff() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let proxy = try FaultProxy(upstream: moto.endpoint)
        defer { proxy.stop() }
        let delays = Recorder<Double>()
        var configuration = AWSClientConfiguration(region: "us-east-1", credentials: moto.credentials,
                                                   endpoint: proxy.endpoint,
                                                   retryPolicy: RetryPolicy(maxAttempts: 4, baseDelay: 0.05, maxBackoff: 1))
        configuration.backoffRandom = { 1 }
        configuration.backoffSleep = { delays.append($0); Thread.sleep(forTimeInterval: $0) }

        try proxy.inject(2)
        let started = Date()
        let vpcs = try EC2Client(configuration: configuration).describeVPCs()
        #expect(!vpcs.isEmpty)
        #expect(Date().timeIntervalSince(started) >= 0.15)
        #expect(delays.values == [0.05, 0.1], "full jitter at its ceiling: base, then doubled")
        #expect(try proxy.stats() == FaultProxy.Stats(requests: 3, faulted: 2, forwarded: 1))
        #expect(proxy.requests == ["POST / -> 503 injected", "POST / -> 503 injected", "POST / -> 200 forwarded"])
    }

    @Test func everyThrottlingCodeAndServerErrorIsRetried() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let proxy = try FaultProxy(upstream: moto.endpoint)
        defer { proxy.stop() }
        let ec2 = EC2Client(configuration: AWSClientConfiguration(
            region: "us-east-1", credentials: moto.credentials, endpoint: proxy.endpoint,
            retryPolicy: RetryPolicy(maxAttempts: 3, baseDelay: 0.01)))
        let faults: [(Int, String)] = [(503, "RequestLimitExceeded"), (400, "Throttling"), (400, "ThrottlingException"),
                                       (503, "SlowDown"), (400, "RequestThrottled"), (429, "TooManyRequestsException"),
                                       (500, "InternalError"), (502, "BadGateway")]
        for (status, code) in faults {
            try proxy.inject(1, status: status, code: code)
            _ = try ec2.describeVPCs()
            #expect(try proxy.stats() == FaultProxy.Stats(requests: 2, faulted: 1, forwarded: 1), "\(status) \(code)")
        }
    }

    @Test func validationErrorsAreNotRetried() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let proxy = try FaultProxy(upstream: moto.endpoint)
        defer { proxy.stop() }
        let ec2 = EC2Client(configuration: AWSClientConfiguration(
            region: "us-east-1", credentials: moto.credentials, endpoint: proxy.endpoint,
            retryPolicy: RetryPolicy(maxAttempts: 5, baseDelay: 0.01)))
        let group = try ec2.createSecurityGroup(name: "retry", description: "retry test")

        try proxy.inject(0)
        let fromMoto = try #require(throws: AWSError.self) {
            try ec2.authorizeIngress(groupId: group, rules: [.tcp(22, cidrs: ["10.0.0.0/33"])])
        }
        #expect(fromMoto.code == "InvalidParameterValue")
        #expect(fromMoto.status == 400)
        #expect(fromMoto.attempts == 1)
        #expect(try proxy.stats().requests == 1, "exactly one request reached the proxy")

        try proxy.inject(1, status: 400, code: "InvalidParameterValue")
        let injected = try #require(throws: AWSError.self) { _ = try ec2.describeVPCs() }
        #expect(injected.code == "InvalidParameterValue" && injected.attempts == 1)
        #expect(try proxy.stats() == FaultProxy.Stats(requests: 1, faulted: 1, forwarded: 0))
    }

    @Test func attemptsAreBoundedAndReported() throws {
        let moto = try MotoServer()
        defer { moto.stop() }
        let proxy = try FaultProxy(upstream: moto.endpoint)
        defer { proxy.stop() }
        let credentials = CountingCredentials(moto.credentials)
        let ec2 = EC2Client(configuration: AWSClientConfiguration(
            region: "us-east-1", credentials: credentials, endpoint: proxy.endpoint,
            retryPolicy: RetryPolicy(maxAttempts: 3, baseDelay: 0.01)))

        try proxy.inject(10)
        let error = try #require(throws: AWSError.self) { _ = try ec2.describeInstances() }
        #expect(error.code == "RequestLimitExceeded")
        #expect(error.status == 503)
        #expect(error.attempts == 3)
        #expect(error.requestId == "injected-3")
        #expect(error.description.contains("RequestLimitExceeded"))
        #expect(error.description.contains("after 3 attempts"))
        #expect(try proxy.stats() == FaultProxy.Stats(requests: 3, faulted: 3, forwarded: 0))
        #expect(credentials.calls == 3, "credentials are asked for, and the request signed, on every attempt")
    }

    @Test func transportFailuresAreRetriedAndReported() throws {
        let closed = try FaultProxy(upstream: "http://127.0.0.1:9")
        let endpoint = closed.endpoint
        closed.stop()  // nothing listens on its port any more
        let sts = STSClient(configuration: AWSClientConfiguration(
            region: "us-east-1", credentials: AWSCredentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: "s3cr3t-value"),
            endpoint: endpoint, retryPolicy: RetryPolicy(maxAttempts: 3, baseDelay: 0.01)))
        let error = try #require(throws: AWSTransportError.self) { _ = try sts.getCallerIdentity() }
        #expect(error.attempts == 3)
        #expect(error.operation == "GetCallerIdentity")
        #expect(error.description.contains("after 3 attempts"))
        #expect(error.description.contains("cannot connect"))
        #expect(!error.description.contains("s3cr3t-value"))
    }
}

/// Values appended from any thread.
final class Recorder<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored = [Value]()
    func append(_ value: Value) { lock.withLock { stored.append(value) } }
    var values: [Value] { lock.withLock { stored } }
}

/// Fixed credentials that count how often they are asked for.
final class CountingCredentials: CredentialProvider, @unchecked Sendable {
    private let wrapped: AWSCredentials
    private let lock = NSLock()
    private var count = 0

    init(_ credentials: AWSCredentials) { wrapped = credentials }

    func credentials() throws -> AWSCredentials {
        lock.withLock { count += 1 }
        return wrapped
    }

    var calls: Int { lock.withLock { count } }
}
