import AWSKit
import Foundation

/// The wheelhouse in the bucket of the cluster's S3 state (`state: s3://BUCKET/PREFIX`): each
/// directory of this machine's `Wheelhouse` cache as objects under
/// `PREFIX/wheelhouse/<key>/<wheel>`, put there once (a wheel already there, at its size, is not
/// put again), for nodes to download themselves with presigned GET URLs (`WheelDelivery.s3`).
public struct S3Wheelhouse: Sendable {
    /// The state's own client (its credentials, region and endpoint).
    let client: S3Client
    /// The state's bucket.
    public let bucket: String
    /// The state's key prefix, without a trailing slash (may be empty).
    public let prefix: String

    /// How long a node's download URLs work, in seconds: short, but enough for a slow install.
    static let urlLifetime = 3600

    init(client: S3Client, bucket: String, prefix: String) {
        self.client = client
        self.bucket = bucket
        self.prefix = prefix
    }

    /// A wheel file of a filled cache directory.
    struct WheelFile: Equatable {
        var name: String
        var size: Int
    }

    /// Where the wheels of wheelhouse `key` go under the state's `prefix`:
    /// `PREFIX/wheelhouse/<key>/` (`wheelhouse/<key>/` with no prefix).
    static func keyPrefix(statePrefix: String, wheelhouse key: String) -> String {
        (statePrefix.isEmpty ? "" : statePrefix + "/") + "wheelhouse/" + key + "/"
    }

    /// The wheels of `local` that must be put: not stored, or stored at another size (`stored`:
    /// file name to size of the objects under the key prefix).
    static func missing(_ local: [WheelFile], stored: [String: Int]) -> [WheelFile] {
        local.filter { stored[$0.name] != $0.size }
    }

    /// `s3://BUCKET/PREFIX/wheelhouse/<key>`, for progress and errors.
    func location(_ key: String) -> String {
        "s3://\(bucket)/" + Self.keyPrefix(statePrefix: prefix, wheelhouse: key).dropLast()
    }

    /// Puts the wheels of the filled cache directory `local` that the bucket lacks, under the
    /// directory's own name as key, once per process at a time however many nodes ask; returns
    /// every wheel of it. `onStep` hears what is uploaded and what was there already.
    func publish(_ local: URL, onStep: (String) -> Void) throws -> [WheelFile] {
        let key = local.lastPathComponent
        let wheels = try Wheelhouse.wheels(in: local).map { name in
            WheelFile(name: name, size: try FileManager.default.attributesOfItem(
                atPath: local.appendingPathComponent(name).path)[.size] as? Int ?? 0)
        }
        let base = Self.keyPrefix(statePrefix: prefix, wheelhouse: key)
        try Wheelhouse.lock(for: location(key)).withLock {
            do {
                // Listed by the state's bare prefix and filtered here, as `S3StateDocuments.names`
                // does: a query without an encoded `/` is one every S3-compatible endpoint signs alike.
                let stored = Dictionary(try client.listObjects(bucket: bucket, prefix: prefix)
                    .filter { $0.key.hasPrefix(base) }
                    .map { (String($0.key.dropFirst(base.count)), $0.size) }) { first, _ in first }
                let missing = Self.missing(wheels, stored: stored)
                guard !missing.isEmpty else {
                    onStep("all \(wheels.count) wheels already in \(location(key))")
                    return
                }
                let megabytes = Double(missing.reduce(0) { $0 + $1.size }) / 1e6
                onStep(String(format: "uploading %d wheels (%.1f MB) to %@; %d already there", missing.count, megabytes,
                              location(key), wheels.count - missing.count))
                for wheel in missing {
                    let body = try Data(contentsOf: local.appendingPathComponent(wheel.name), options: .alwaysMapped)
                    try client.putObject(bucket: bucket, key: base + wheel.name, body: body, contentType: "application/zip")
                }
            } catch {
                throw failure(error, "putting the wheels in \(location(key))")
            }
        }
        return wheels
    }

    /// Presigned GET URLs for `wheels` of wheelhouse `key`, valid for `urlLifetime`.
    func manifest(for wheels: [WheelFile], key: String) throws -> WheelManifest {
        let base = Self.keyPrefix(statePrefix: prefix, wheelhouse: key)
        do {
            return WheelManifest(wheels: try wheels.map { wheel in
                WheelManifest.Wheel(name: wheel.name, size: wheel.size,
                                    url: try client.presignedGetURL(bucket: bucket, key: base + wheel.name,
                                                                    expiresIn: Self.urlLifetime))
            })
        } catch {
            throw failure(error, "presigning the download URLs of \(location(key))")
        }
    }

    /// An S3 failure said with its AWS error code (in `error`'s description) and what to do.
    private func failure(_ error: any Error, _ what: String) -> ClusterError {
        ClusterError("\(what) failed: \(error). The instances of an ec2 cluster whose state is in S3 get their wheels "
                     + "from the state's bucket: allow these credentials s3:ListBucket on \(bucket) and s3:PutObject and "
                     + "s3:GetObject on \(Self.keyPrefix(statePrefix: prefix, wheelhouse: "*")) (`clusterctl aws check` "
                     + "shows the principal), or keep the state on this machine, and the wheels go over SSH")
    }
}
