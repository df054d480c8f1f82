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
