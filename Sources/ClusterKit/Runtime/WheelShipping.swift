import Foundation

/// Ships a filled wheelhouse to a node over its runner, file by file (each upload lands
/// atomically, so a wheel the node lists is whole), skipping the wheels it already has.
struct WheelShipping {
    let runner: CommandRunner
    /// The node's wheelhouse directory (`<install_dir>/wheelhouse`).
    let directory: String

    /// The wheels of `local` the node lacks, given the names it has.
    static func missing(_ local: [String], present: Set<String>) -> [String] {
        local.filter { !present.contains($0) }
    }

    /// Uploads every wheel of `local` not in `present`.
    func ship(from local: URL, present: Set<String>, onStep: (String) -> Void) throws {
        let wheels = try Wheelhouse.wheels(in: local)
        let missing = Self.missing(wheels, present: present)
        let sizes = try missing.map {
            try FileManager.default.attributesOfItem(atPath: local.appendingPathComponent($0).path)[.size] as? Int ?? 0
        }
        let total = Double(sizes.reduce(0, +)) / 1e6
        guard !missing.isEmpty else {
            onStep("all \(wheels.count) wheels already in \(directory); nothing to ship")
            return
        }
        onStep(String(format: "shipping %d wheels (%.1f MB) to %@; %d already there", missing.count, total, directory,
                      wheels.count - missing.count))
        for (index, name) in missing.enumerated() {
            onStep(String(format: "shipping wheel %d/%d: %@", index + 1, missing.count, name))
            let contents = try Data(contentsOf: local.appendingPathComponent(name), options: .alwaysMapped)
            try runner.upload(contents, to: directory + "/" + name, mode: 0o644)
        }
    }
}

extension EnvironmentInstaller {
    /// Answers a node's request for wheels: fetches them once here (`wheelhouse`) and ships
    /// the ones it lacks to `directory` on the node; uv's own wheel too when the node has no uv.
    func shipWheels(_ request: WheelRequest, packages: [String], to directory: String, wheelhouse: Wheelhouse,
                    onStep: (String) -> Void) throws {
        let target = request.target
        var wanted = packages
        if request.needsInstaller {
            onStep("the node has no uv: uv's wheel travels too, and installs the rest faster than pip")
            wanted.append(WheelRequest.installerRequirement)
        }
        let local: URL
        do {
            local = try wheelhouse.ensure(target, packages: wanted, onStep: onStep)
        } catch let error as ClusterError {
            throw ClusterError("\(runner.host): \(error.message)", details: error.details)
        }
        try WheelShipping(runner: runner, directory: directory).ship(from: local, present: request.present, onStep: onStep)
    }
}
