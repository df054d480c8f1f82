import Foundation

/// The Python version and Dask packages of the interpreter a user connects from
/// (`environment.match_client`): what the cluster's environment is pinned to.
public struct ClientVersions: Codable, Equatable, Sendable {
    /// The packages Dask itself requires to match between client, scheduler and workers.
    public static let packageNames = ["dask", "distributed", "cloudpickle", "msgpack", "tornado", "toolz"]

    /// The interpreter's `major.minor` version (`3.11`).
    public var python: String
    /// Installed version of each of `packageNames`.
    public var packages: [String: String]

    public init(python: String, packages: [String: String]) {
        self.python = python
        self.packages = packages
    }

    /// Requirements that pin an environment to these versions (`dask==2026.8.0`, ...).
    public var pins: [String] {
        Self.packageNames.compactMap { name in packages[name].map { "\(name)==\($0)" } }
    }

    /// What `python -c` prints: a JSON object with the interpreter's version and each
    /// package's version (null when it is not installed).
    static let probe = """
        import json, sys
        from importlib import metadata
        def version(name):
            try:
                return metadata.version(name)
            except metadata.PackageNotFoundError:
                return None
        print(json.dumps({"python": "%d.%d" % sys.version_info[:2], "packages": {n: version(n) for n in sys.argv[1:]}}))
        """

    /// Reads the versions of the local interpreter `python` (a command name or an absolute path).
    public static func read(python: String, runner: CommandRunner = LocalRunner()) throws -> ClientVersions {
        let command = ShellQuote.join([python, "-c", probe] + packageNames)
        let result = try runner.run(command, timeout: 60)
        let setting = "environment.match_client"
        guard result.exitCode == 0 else {
            let why = result.exitCode == 127 ? "it was not found on PATH" : "it failed: \(result.tail(3))"
            throw ClusterError("\(setting): cannot run \(python) on this machine: \(why); point it at the Python you connect "
                               + "to the cluster from (a command on PATH or a path), or remove it")
        }
        struct Probe: Decodable {
            var python: String
            var packages: [String: String?]
        }
        guard let line = result.stdout.split(separator: "\n").last,
              let probe = try? JSONDecoder().decode(Probe.self, from: Data(line.utf8)) else {
            throw ClusterError("\(setting): \(python) did not report its versions", details: result.tail())
        }
        let missing = packageNames.filter { (probe.packages[$0] ?? nil) == nil }
        guard missing.isEmpty else {
            throw ClusterError("\(setting): \(python) (Python \(probe.python)) has no \(missing.joined(separator: ", ")) installed, "
                               + "so there is nothing to match; install distributed in it (pip install distributed) or "
                               + "point match_client at the interpreter you connect from")
        }
        return ClientVersions(python: probe.python, packages: probe.packages.compactMapValues { $0 })
    }
}
