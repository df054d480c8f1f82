import Foundation
import Testing

/// `clusterctl aws check` run as a binary against moto with signature checking on.
@Suite("clusterctl aws check")
struct AWSCheckTests {
    @Test func reportsSourceRegionEndpointAndPrincipal() throws {
        let moto = try LoopbackMoto()
        defer { moto.stop() }
        let run = try moto.clusterctl(["aws", "check", "--region", "us-east-1", "--endpoint-url", moto.endpoint],
                                      ["AWS_ACCESS_KEY_ID": moto.keyId, "AWS_SECRET_ACCESS_KEY": moto.secret])
        #expect(run.status == 0, "aws check failed:\n\(run.all)")
        let masked = String(moto.keyId.prefix(4)) + String(repeating: "*", count: moto.keyId.count - 8) + moto.keyId.suffix(4)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.prefix(5) == [
            "credentials environment variables (AWS_ACCESS_KEY_ID), key \(masked)",
            "region      us-east-1 (from --region)",
            "endpoint    \(moto.endpoint) (from --endpoint-url)",
            "account     123456789012",
            "principal   \(moto.userARN)",
        ])
        #expect(lines.count == 6 && lines[5].hasPrefix("user id     ") && lines[5].count > 12)
        #expect(!run.all.contains(moto.keyId))
        #expect(!run.all.contains(moto.secret))
    }

    @Test func profileFromATemporaryCredentialsFile() throws {
        let moto = try LoopbackMoto()
        defer { moto.stop() }
        try "[ci]\naws_access_key_id = \(moto.keyId)\naws_secret_access_key = \(moto.secret)\n"
            .write(toFile: moto.home + "/.aws/credentials", atomically: true, encoding: .utf8)
        try "[profile ci]\nregion = eu-west-1\n".write(toFile: moto.home + "/.aws/config", atomically: true, encoding: .utf8)
        let run = try moto.clusterctl(["aws", "check", "--profile", "ci"], ["AWS_ENDPOINT_URL": moto.endpoint])
        #expect(run.status == 0, "aws check failed:\n\(run.all)")
        #expect(run.stdout.contains("credentials ~/.aws/credentials (profile ci), key "))
        #expect(run.stdout.contains("region      eu-west-1 (from ~/.aws/config (profile ci))"))
        #expect(run.stdout.contains("endpoint    \(moto.endpoint) (from AWS_ENDPOINT_URL)"))
        #expect(run.stdout.contains("principal   \(moto.userARN)"))
        #expect(!run.all.contains(moto.secret))
    }

    @Test func wrongSecretFailsWithTheCodeAndWhatToDo() throws {
        let moto = try LoopbackMoto()
        defer { moto.stop() }
        let wrong = "wrong" + moto.secret.dropFirst(5)
        let run = try moto.clusterctl(["aws", "check", "--region", "us-east-1", "--endpoint-url", moto.endpoint],
                                      ["AWS_ACCESS_KEY_ID": moto.keyId, "AWS_SECRET_ACCESS_KEY": wrong])
        #expect(run.status == 1)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.hasPrefix("error: AWS check failed: STS GetCallerIdentity failed: SignatureDoesNotMatch (HTTP 403)"))
        #expect(run.stderr.contains("check the secret access key"))
        #expect(run.stderr.contains("    credentials environment variables (AWS_ACCESS_KEY_ID), key "))
        #expect(run.stderr.contains("    region      us-east-1 (from --region)"))
        #expect(!run.all.contains(wrong))
        #expect(!run.all.contains(moto.secret))
    }

    @Test func missingRegionAndBadEndpointAreExplained() throws {
        let moto = try LoopbackMoto()
        defer { moto.stop() }
        let keys = ["AWS_ACCESS_KEY_ID": moto.keyId, "AWS_SECRET_ACCESS_KEY": moto.secret]
        let noRegion = try moto.clusterctl(["aws", "check", "--endpoint-url", moto.endpoint], keys)
        #expect(noRegion.status == 1)
        #expect(noRegion.stderr.contains("no AWS region set"))
        #expect(noRegion.stderr.contains("set AWS_REGION"))

        let badEndpoint = try moto.clusterctl(["aws", "check", "--region", "us-east-1", "--endpoint-url", "ftp://127.0.0.1"], keys)
        #expect(badEndpoint.status == 1)
        #expect(badEndpoint.stderr.contains("endpoint 'ftp://127.0.0.1' from --endpoint-url is not an http:// or https:// URL"))
        #expect(!noRegion.all.contains(moto.secret) && !badEndpoint.all.contains(moto.secret))
    }
}
