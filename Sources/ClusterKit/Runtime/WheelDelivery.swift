import Foundation

/// How the wheels a node asked for (`environment.offline`) reach it, once fetched into this
/// machine's `Wheelhouse` cache: the one choice between shipping them over the node's SSH
/// connection and having the node download them from S3 itself.
public enum WheelDelivery: Sendable {
    /// Uploaded file by file over the node's runner (SFTP): `WheelShipping`.
    case ssh
    /// Put once into the bucket of the cluster's S3 state (`S3Wheelhouse`); the node downloads
    /// the ones it lacks with presigned GET URLs, listed in a `WheelManifest` uploaded next to
    /// its wheelhouse.
    case s3(S3Wheelhouse)

    /// Where the node's download manifest goes: beside (not in) its wheelhouse directory, so it
    /// is never listed as a wheel.
    static func manifestPath(forWheelhouse directory: String) -> String {
        directory + ".download.json"
    }

    /// The wheels a node downloaded, from the bootstrap's `clusterctl-downloaded: COUNT BYTES`
    /// line; nil when it downloaded none.
    static func downloaded(in bootstrapOutput: String) -> (count: Int, bytes: Int)? {
        guard let line = bootstrapOutput.lastLine(after: "clusterctl-downloaded: ") else { return nil }
        let words = line.split(separator: " ")
        guard words.count == 2, let count = Int(words[0]), let bytes = Int(words[1]) else { return nil }
        return (count, bytes)
    }
}

extension EnvironmentInstaller {
    /// Answers a node's request for wheels: fetches them once here (`wheelhouse`), uv's own wheel
    /// too when the node has no uv, then brings the ones it lacks to `directory` on the node as
    /// `delivery` says. Returns the path of the download manifest on the node when the node is
    /// to download them itself (S3), else nil.
    func deliverWheels(_ request: WheelRequest, packages: [String], to directory: String, wheelhouse: Wheelhouse,
                       delivery: WheelDelivery, onStep: (String) -> Void) throws -> String? {
        var wanted = packages
        if request.needsInstaller {
            onStep("the node has no uv: uv's wheel travels too, and installs the rest faster than pip")
            wanted.append(WheelRequest.installerRequirement)
        }
        let local: URL
        do {
            local = try wheelhouse.ensure(request.target, packages: wanted, onStep: onStep)
        } catch let error as ClusterError {
            throw ClusterError("\(runner.host): \(error.message)", details: error.details)
        }
        switch delivery {
        case .ssh:
            try WheelShipping(runner: runner, directory: directory).ship(from: local, present: request.present, onStep: onStep)
            return nil
        case .s3(let bucket):
            let wheels: [S3Wheelhouse.WheelFile]
            let manifest: WheelManifest
            do {
                wheels = try bucket.publish(local, onStep: onStep)
                manifest = try bucket.manifest(for: wheels.filter { !request.present.contains($0.name) },
                                               key: local.lastPathComponent)
            } catch let error as ClusterError {
                throw ClusterError("\(runner.host): \(error.message)", details: error.details)
            }
            guard !manifest.wheels.isEmpty else {
                onStep("all \(wheels.count) wheels already in \(directory); nothing to download")
                return nil
            }
            let path = WheelDelivery.manifestPath(forWheelhouse: directory)
            try runner.upload(try manifest.encoded(), to: path, mode: 0o600)
            onStep(String(format: "the node downloads %d wheels (%.1f MB) from S3; %d already there", manifest.wheels.count,
                          Double(manifest.totalBytes) / 1e6, wheels.count - manifest.wheels.count))
            return path
        }
    }
}
