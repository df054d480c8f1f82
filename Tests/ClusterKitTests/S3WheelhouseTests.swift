import AWSKit
import Foundation
import Testing
@testable import ClusterKit

/// The pure parts of delivering wheels through S3: where they go in the bucket, which must be
/// put, the manifest a node downloads with, and what the node reports back.
@Suite struct S3WheelhouseTests {
    static let credentials = AWSCredentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")

    static func wheelhouse(prefix: String) -> S3Wheelhouse {
        let configuration = AWSClientConfiguration(region: "us-east-1", credentials: credentials,
                                                   endpoint: "http://127.0.0.1:9")
        return S3Wheelhouse(client: S3Client(configuration: configuration), bucket: "team-state", prefix: prefix)
    }

    @Test func wheelsGoUnderTheStatePrefixByWheelhouseKey() {
        #expect(S3Wheelhouse.keyPrefix(statePrefix: "clusterctl/prod", wheelhouse: "cp311-manylinux_2_36_x86_64-0123")
                == "clusterctl/prod/wheelhouse/cp311-manylinux_2_36_x86_64-0123/")
        #expect(S3Wheelhouse.keyPrefix(statePrefix: "", wheelhouse: "k") == "wheelhouse/k/")
        #expect(Self.wheelhouse(prefix: "clusterctl").location("k") == "s3://team-state/clusterctl/wheelhouse/k")
        #expect(Self.wheelhouse(prefix: "").location("k") == "s3://team-state/wheelhouse/k")
    }

    @Test func onlyWheelsNotStoredAtTheirSizeAreUploaded() {
        let local = [S3Wheelhouse.WheelFile(name: "a-1-py3-none-any.whl", size: 10),
                     S3Wheelhouse.WheelFile(name: "b-1-py3-none-any.whl", size: 20),
                     S3Wheelhouse.WheelFile(name: "c-1-py3-none-any.whl", size: 30)]
        let stored = ["a-1-py3-none-any.whl": 10, "b-1-py3-none-any.whl": 7, "z-1-py3-none-any.whl": 1]
        #expect(S3Wheelhouse.missing(local, stored: stored).map(\.name) == ["b-1-py3-none-any.whl", "c-1-py3-none-any.whl"])
        #expect(S3Wheelhouse.missing(local, stored: [:]) == local)
    }

    @Test func theManifestPresignsEachWheelForAnHourAndNeverShowsTheURLs() throws {
        let wheels = [S3Wheelhouse.WheelFile(name: "dask-2026.8.0-py3-none-any.whl", size: 1_000),
                      S3Wheelhouse.WheelFile(name: "toolz-1.0.0-py3-none-any.whl", size: 50)]
        let manifest = try Self.wheelhouse(prefix: "clusterctl").manifest(for: wheels, key: "cp311-k")
        #expect(manifest.wheels.map(\.name) == wheels.map(\.name))
        #expect(manifest.wheels.map(\.size) == [1_000, 50])
        #expect(manifest.totalBytes == 1_050)
        for wheel in manifest.wheels {
            #expect(wheel.url.hasPrefix("http://127.0.0.1:9/team-state/clusterctl/wheelhouse/cp311-k/\(wheel.name)?"))
            #expect(wheel.url.contains("X-Amz-Expires=3600"))
            #expect(wheel.url.contains("X-Amz-Signature="))
            #expect(!wheel.url.contains(Self.credentials.secretAccessKey))
        }
        #expect(!"\(manifest)".contains("X-Amz"), "\(manifest)")
        #expect("\(manifest)" == "2 wheels, 1050 bytes (download URLs not shown)")

        // What the bootstrap's downloader reads: plain JSON, URLs unescaped.
        let json = try #require(try JSONSerialization.jsonObject(with: try manifest.encoded()) as? [String: Any])
        let listed = try #require(json["wheels"] as? [[String: Any]])
        #expect(listed.map { $0["name"] as? String } == wheels.map(\.name))
        #expect(listed.map { $0["size"] as? Int } == [1_000, 50])
        #expect(listed.map { $0["url"] as? String } == manifest.wheels.map(\.url))
        #expect(String(decoding: try manifest.encoded(), as: UTF8.self).contains("\"url\":\"http://127.0.0.1:9/team-state/"))
    }

    @Test func theManifestLivesBesideTheWheelhouseNotInIt() {
        let path = WheelDelivery.manifestPath(forWheelhouse: "/opt/clusterctl/dev/wheelhouse")
        #expect(path == "/opt/clusterctl/dev/wheelhouse.download.json")
        #expect(!path.hasPrefix("/opt/clusterctl/dev/wheelhouse/"))
    }

    @Test func whatTheNodeDownloadedIsReadFromTheBootstrapOutput() {
        let output = "clusterctl-step: wheels-download\nclusterctl-downloaded: 17 48123456\nclusterctl-step: packages\n"
        let downloaded = WheelDelivery.downloaded(in: output)
        #expect(downloaded?.count == 17)
        #expect(downloaded?.bytes == 48_123_456)
        #expect(WheelDelivery.downloaded(in: "clusterctl-step: packages\n") == nil)
        #expect(WheelDelivery.downloaded(in: "clusterctl-downloaded: many\n") == nil)
    }

    /// The downloader travels in the bootstrap only when the node downloads from S3, so the
    /// usual bootstrap stays as small as before.
    @Test func theDownloaderIsRenderedOnlyForS3Delivery() throws {
        func render(fromS3: Bool) throws -> String {
            try Templates.render("bootstrap/environment.sh", [
                "python": "python3", "python_minor": "", "env_dir": "/x/env", "env_root": "", "allow_system_install": "no",
                "packages": ["dask"], "service_user": "", "sudo": "", "systemd_sandbox": false, "systemd_properties": [String](),
                "offline": "on", "wheelhouse": "/x/wheelhouse", "wheels_shipped": "yes", "python_shipped": "no",
                "wheels_from_s3": fromS3, "wheel_manifest": fromS3 ? "/x/wheelhouse.download.json" : "",
            ])
        }
        let s3 = try render(fromS3: true)
        #expect(s3.contains("WHEEL_MANIFEST=/x/wheelhouse.download.json\n"))
        #expect(s3.contains("step wheels-download"))
        let ssh = try render(fromS3: false)
        #expect(!ssh.contains("DOWNLOAD_WHEELS"))
        #expect(!ssh.contains("wheels-download"))
    }
}
