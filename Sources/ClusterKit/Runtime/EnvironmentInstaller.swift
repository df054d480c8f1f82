import Foundation

/// Makes the Python environment on a node by running `templates/bootstrap/environment.sh`
/// through the node's runner — the same script for every runner.
public struct EnvironmentInstaller {
    public let runner: CommandRunner

    public init(runner: CommandRunner) { self.runner = runner }

    /// Longest an environment build may take.
    public static let timeout: Double = 1800

    /// Every package an environment of `spec` holds: the pinned set its `base` names, then the
    /// file's own, then the client's pins (`match_client`), each replacing a same-named one before.
    public static func packages(for spec: EnvironmentSpec) throws -> [String] {
        let lockstep = spec.lockstep?.pins ?? []
        let later = Set((spec.packages + lockstep).map(packageName))
        let lockstepNames = Set(lockstep.map(packageName))
        return try Templates.pinnedPackages(for: spec.base).filter { !later.contains(packageName($0)) }
            + spec.packages.filter { !lockstepNames.contains(packageName($0)) } + lockstep
    }

    /// The normalised project name of a requirement (`Dask[complete]>=1` -> `dask`).
    public static func packageName(_ requirement: String) -> String {
        let end = requirement.firstIndex { !($0.isLetter || $0.isNumber || "-_.".contains($0)) } ?? requirement.endIndex
        return requirement[..<end].lowercased().replacingOccurrences(of: "_", with: "-").replacingOccurrences(of: ".", with: "-")
    }

    /// Creates (or reuses) the environment; returns its path and what the whole command
    /// (`then` included) printed.
    ///
    /// Either `directory` is the environment's fixed path, or it is placed under `root` by
    /// content hash (interpreter version + package set) and shared by every cluster that
    /// asks for the same. `then` is a shell command run in the same round trip once the
    /// environment is ready. `onStep` hears each step's name as the script reaches it.
    /// With `serviceAccount`, its user is made if missing and must be able to import
    /// `distributed` from the environment where the services run (an interpreter it cannot run
    /// is replaced by the same Python version it can, or the bootstrap fails saying why).
    /// With `wheels` (a directory on the node), `spec.offline` decides whether the node
    /// installs from wheels fetched once here into `wheelhouse` and brought there as `delivery`
    /// says: the bootstrap then stops asking for them (`WheelRequest`) and runs again once they
    /// are in, or, from S3, downloads them first. `input` is for `then` to read on its standard
    /// input (the bootstrap itself reads none).
    public func prepare(_ spec: EnvironmentSpec, directory: String? = nil, root: String? = nil,
                        allowSystemInstall: Bool, serviceAccount: ServiceAccount? = nil, then followUp: String? = nil,
                        input: Data? = nil,
                        wheels: String? = nil, wheelhouse: Wheelhouse = .standard, delivery: WheelDelivery = .ssh,
                        onStep: (String) -> Void = { _ in }) throws -> PreparedEnvironment {
        let packages = try Self.packages(for: spec)
        // `manifest`: the path of the node's download manifest (wheels from S3), else nil.
        func bootstrap(shipped: Bool, python: Bool, manifest: String? = nil) throws -> CommandResult {
            let script = try Templates.render("bootstrap/environment.sh", [
                "python": spec.python,
                "python_minor": spec.lockstep?.python ?? "",
                "env_dir": directory ?? "",
                "env_root": root ?? "",
                "allow_system_install": allowSystemInstall ? "yes" : "no",
                "packages": packages,
                "service_user": serviceAccount?.user ?? "",
                "sudo": serviceAccount?.sudo.trimmingCharacters(in: .whitespaces) ?? "",
                "systemd_sandbox": serviceAccount?.systemdProperties != nil,
                "systemd_properties": serviceAccount?.systemdProperties ?? [],
                "offline": wheels == nil ? OfflineMode.off.rawValue : spec.offline.rawValue,
                "wheelhouse": wheels ?? "",
                "wheels_shipped": shipped ? "yes" : "no",
                "python_shipped": python ? "yes" : "no",
                "wheels_from_s3": manifest != nil,
                "wheel_manifest": manifest ?? "",
            ])
            // The script travels compressed (a third of its size), so that it, the runtime files
            // and a node's service starts fit in the one request an SSH server takes.
            let packed = try Gzip.compress(Data(script.utf8)).base64EncodedString()
            let command = "clusterctl_bootstrap=$(printf '%s' \(packed) | base64 -d | gzip -dc) && "
                + ShellQuote.join(["/bin/sh", "-c"]) + " \"$clusterctl_bootstrap\" clusterctl-bootstrap </dev/null"
                + (followUp.map { " && " + $0 } ?? "")
            return try runner.run(command, input: followUp == nil ? nil : input, timeout: Self.timeout)
        }
        onStep("bootstrap: Python, environment and packages (gives up after \(Int(Self.timeout / 60)) min)")
        // A node that asks for a Python or for wheels stops before `then` runs; it runs with
        // the pass after the last answer. Each is answered once. Wheels from S3 are downloaded
        // by the pass right after they were put there (`manifest`).
        var (shippedWheels, shippedPython) = (false, false)
        var result = try bootstrap(shipped: false, python: false)
        while let wheels {
            var manifest: String?
            if result.exitCode == PythonRequest.exitCode, !shippedPython, let request = PythonRequest(bootstrapOutput: result.stdout) {
                onStep("the node has no Python \(request.minor) (environment.match_client) and cannot download one: it comes from this machine")
                try shipPython(request, to: wheels, store: wheelhouse.pythons, onStep: onStep)
                shippedPython = true
                onStep("bootstrap again: with the shipped Python \(request.minor)")
            } else if result.exitCode == WheelRequest.exitCode, !shippedWheels, let request = WheelRequest(bootstrapOutput: result.stdout) {
                let unreachable = result.stderr.split(separator: "\n").last { $0.hasPrefix("clusterctl-note: the package index") }
                    .map { String($0.dropFirst("clusterctl-note: ".count)) }
                onStep(spec.offline == .on ? "environment.offline: on: wheels come from this machine"
                                           : "\(unreachable ?? "the package index is out of reach from this node"): wheels come from this machine")
                manifest = try deliverWheels(request, packages: packages, to: wheels, wheelhouse: wheelhouse,
                                             delivery: delivery, onStep: onStep)
                shippedWheels = true
                onStep(manifest == nil ? "bootstrap again: installing from the shipped wheels, no package index"
                                       : "bootstrap again: downloading the wheels from S3, then installing with no package index")
            } else {
                break
            }
            result = try bootstrap(shipped: shippedWheels, python: shippedPython, manifest: manifest)
            if let (count, bytes) = WheelDelivery.downloaded(in: result.stdout) {
                onStep(String(format: "the node downloaded %d wheels (%.1f MB) from S3", count, Double(bytes) / 1e6))
            }
        }
        let step = result.stdout.lastLine(after: "clusterctl-step: ") ?? "start"
        guard result.exitCode == 0 else {
            let reason = result.statedReason ?? "the bootstrap script failed (exit \(result.exitCode))"
            throw ClusterError("\(runner.host): bootstrap step '\(step)' failed: \(reason)",
                               details: Self.installerTail(result))
        }
        guard let line = result.stdout.lastLine(after: "clusterctl-env: ") else {
            throw ClusterError("\(runner.host): the bootstrap script ended without naming the environment",
                               details: result.tail())
        }
        if let uv = result.stdout.lastLine(after: "clusterctl-uv: ") {
            onStep("uv taken out of its shipped wheel (\(uv)) installs the packages")
        }
        if let source = result.stdout.lastLine(after: "clusterctl-source: ") {
            onStep("packages installed with no index, from the wheels in \(source)")
        }
        let words = line.split(separator: " ")
        return PreparedEnvironment(path: words.dropLast().joined(separator: " "), output: result.stdout)
    }

    /// The installer's last lines, without our own step markers.
    private static func installerTail(_ result: CommandResult) -> String {
        let lines = (result.stdout + "\n" + result.stderr).split(separator: "\n")
            .filter { !$0.hasPrefix("clusterctl-step: ") && !$0.hasPrefix("clusterctl: ") }
        return lines.suffix(12).joined(separator: "\n")
    }
}

/// An environment `EnvironmentInstaller.prepare` made or reused.
public struct PreparedEnvironment: Sendable {
    /// Where it is.
    public var path: String
    /// What the bootstrap and the command after it printed on stdout.
    public var output: String
}
