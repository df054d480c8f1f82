import Foundation

/// A node's request for a Python of the version the environment is pinned to
/// (`environment.match_client`) that it has none of and could not install: what the bootstrap
/// prints before it exits with `PythonRequest.exitCode`.
public struct PythonRequest: Equatable, Sendable {
    /// The bootstrap's exit status when it needs a Python shipped before it can go on.
    public static let exitCode: Int32 = 31

    /// The `major.minor` wanted (`3.12`).
    public var minor: String
    /// `os.uname().machine` on the node, and its C library with its version.
    public var machine: String
    public var libc: String
    public var libcVersion: String

    /// Reads the request from the bootstrap's output; nil when it holds none.
    public init?(bootstrapOutput: String) {
        guard let line = bootstrapOutput.lastLine(after: "clusterctl-python-for: ") else { return nil }
        let words = line.split(separator: " ").map(String.init)
        guard words.count == 4 else { return nil }
        (minor, machine, libc, libcVersion) = (words[0], words[1], words[2], words[3])
    }

    /// The name uv gives such a build (`cpython-3.12-linux-x86_64-gnu`), without the patch
    /// version; throws when no relocatable build fits the node, saying what to do instead.
    public func buildKey() throws -> String {
        func refuse(_ why: String) -> ClusterError {
            ClusterError("the node has no Python \(minor) and clusterctl cannot ship one: \(why); install Python \(minor) "
                         + "on it (Debian/Ubuntu: apt-get install python\(minor) python\(minor)-venv), or set "
                         + "environment.match_client: false")
        }
        guard minor.range(of: #"^3\.[0-9]{1,2}$"#, options: .regularExpression) != nil else {
            throw refuse("\"\(minor)\" is not a Python version of the form 3.N")
        }
        guard machine.range(of: #"^[A-Za-z0-9_]+$"#, options: .regularExpression) != nil else {
            throw refuse("its architecture \"\(machine)\" is not one clusterctl knows")
        }
        switch libc {
        case "glibc":
            let parts = libcVersion.split(separator: ".").compactMap { Int($0) }
            guard parts.count >= 2, parts[0] == 2, parts[1] >= 17 else {
                throw refuse("its glibc \(libcVersion) is older than the 2.17 relocatable builds need")
            }
            return "cpython-\(minor)-linux-\(machine)-gnu"
        case "musl":
            return "cpython-\(minor)-linux-\(machine)-musl"
        default:
            throw refuse("its C library (\(libc)) is neither glibc nor musl")
        }
    }
}

/// Relocatable Pythons on the machine running clusterctl, for nodes that lack the pinned
/// version and cannot download one: uv's managed builds (python-build-standalone) under
/// `<cache>/pythons`, installed there by uv once per version and architecture, and each packed
/// once into `<build>.tar.gz`, which is what a node is sent.
public struct PythonStore: Sendable {
    /// Holds the builds (`cpython-3.12.8-linux-x86_64-gnu/`) and their archives.
    public let root: URL
    /// `PATH` searched for `uv`.
    public let searchPath: String

    public init(root: URL, searchPath: String) {
        self.root = root
        self.searchPath = searchPath
    }

    /// Longest an install or a packing may take.
    static let timeout: Double = 900

    /// The packed build for `request`: an installed one of its version and platform (the
    /// newest patch), else installed with uv now; packed once, under a temporary name first.
    public func archive(for request: PythonRequest, onStep: (String) -> Void) throws -> URL {
        let key = try request.buildKey()
        try AtomicFile.makeDirectory(root, mode: 0o755)
        return try Self.guardLock.withLock {
            var build = installed(key)
            if build == nil {
                // Builds and archives no node was sent for `Wheelhouse.unusedLifetime`, and
                // packings a killed process left, go (a later need installs them again).
                StaleEntries.remove(in: root, unused: Wheelhouse.unusedLifetime, partial: 4 * Self.timeout)
                guard let uv = SearchPath.find("uv", in: searchPath) else {
                    throw ClusterError("the node has no Python \(request.minor) and none can be shipped: this machine has no "
                                       + "\(key) build in \(root.path) and no uv to install one; install uv here (pip install uv), "
                                       + "or Python \(request.minor) on the node")
                }
                onStep("installing \(key) here with uv, once, to ship it")
                let install = try LocalRunner().run(
                    "UV_PYTHON_INSTALL_DIR=" + ShellQuote.quote(root.path) + " "
                        + ShellQuote.join([uv, "python", "install", "--quiet", key]) + " 2>&1",
                    timeout: Self.timeout)
                build = installed(key)
                guard install.exitCode == 0, build != nil else {
                    throw ClusterError("uv could not install \(key) on this machine to ship it to the node; install Python "
                                       + "\(request.minor) on the node, or set environment.match_client: false",
                                       details: install.tail())
                }
            }
            let name = build ?? key
            let archive = root.appendingPathComponent(name + ".tar.gz")
            if FileManager.default.fileExists(atPath: archive.path) {
                // Marked as used, so the clean-up of long-unused builds keeps it.
                StaleEntries.markUsed([archive.path, root.appendingPathComponent(name).path])
                return archive
            }
            onStep("packing \(name) to ship it")
            let partial = root.appendingPathComponent(".partial-\(name)-\(UUID().uuidString.prefix(8)).tar.gz")
            defer { try? FileManager.default.removeItem(at: partial) }
            let pack = try LocalRunner().run(
                ShellQuote.join(["tar", "-czf", partial.path, "-C", root.path, "--exclude=__pycache__", name]) + " 2>&1",
                timeout: Self.timeout)
            guard pack.exitCode == 0 else {
                throw ClusterError("could not pack \(root.path)/\(name) to ship it", details: pack.tail())
            }
            try FileManager.default.moveItem(at: partial, to: archive)
            return archive
        }
    }

    /// The newest installed build for `key` (`cpython-3.12-linux-x86_64-gnu` matches
    /// `cpython-3.12.8-linux-x86_64-gnu`), by directory name.
    func installed(_ key: String) -> String? {
        let parts = key.split(separator: "-", maxSplits: 2)
        guard parts.count == 3 else { return nil }
        let prefix = "\(parts[0])-\(parts[1])."
        let suffix = "-" + parts[2]
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        let builds = names.filter { name in
            guard name.hasPrefix(prefix), name.hasSuffix(suffix) else { return false }
            let patch = name.dropFirst(prefix.count).dropLast(suffix.count)
            var isDirectory: ObjCBool = false
            return !patch.isEmpty && patch.allSatisfy(\.isNumber)
                && FileManager.default.fileExists(atPath: root.appendingPathComponent(name).path, isDirectory: &isDirectory)
                && isDirectory.boolValue
        }
        return builds.max { Int($0.dropFirst(prefix.count).dropLast(suffix.count)) ?? 0 < Int($1.dropFirst(prefix.count).dropLast(suffix.count)) ?? 0 }
    }

    /// One install or packing at a time in this process (nodes of one cluster ask together).
    private static let guardLock = NSLock()
}

extension Wheelhouse {
    /// The Pythons kept beside the wheelhouse (`<cache>/pythons`).
    public var pythons: PythonStore {
        PythonStore(root: root.deletingLastPathComponent().appendingPathComponent("pythons"), searchPath: searchPath)
    }
}

extension EnvironmentInstaller {
    /// Answers a node's request for a Python: the packed build from `store`, uploaded to
    /// `<directory>/pythons/` on the node (the bootstrap unpacks it beside the environments).
    func shipPython(_ request: PythonRequest, to directory: String, store: PythonStore, onStep: (String) -> Void) throws {
        let archive: URL
        do {
            archive = try store.archive(for: request, onStep: onStep)
        } catch let error as ClusterError {
            throw ClusterError("\(runner.host): \(error.message)", details: error.details)
        }
        let contents = try Data(contentsOf: archive, options: .alwaysMapped)
        let target = directory + "/pythons/" + archive.lastPathComponent
        onStep(String(format: "shipping %@ (%.1f MB) to %@", archive.lastPathComponent, Double(contents.count) / 1e6, target))
        try runner.upload(contents, to: target, mode: 0o644)
    }
}
