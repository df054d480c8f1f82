import Foundation

/// What fetches wheels on the machine running clusterctl: `python3 -m pip` where pip is
/// installed, else `uv tool run --from pip pip` (uv fetches pip itself). Either runs
/// `pip download --only-binary=:all:` for a node's Python and platform, not this machine's.
struct WheelFetchTool {
    /// How it is named to the user (`pip`, `uv`).
    let name: String
    /// The command up to `download`.
    let argv: [String]

    /// The first of `python3` with pip, or `uv`, on `searchPath`; throws naming what to install
    /// when there is neither.
    static func find(searchPath: String) throws -> WheelFetchTool {
        if let python = SearchPath.find("python3", in: searchPath),
           let check = try? LocalRunner().run(ShellQuote.join([python, "-m", "pip", "--version"]) + " >/dev/null 2>&1", timeout: 60),
           check.exitCode == 0 {
            return WheelFetchTool(name: "pip", argv: [python, "-m", "pip"])
        }
        if let uv = SearchPath.find("uv", in: searchPath) {
            return WheelFetchTool(name: "uv", argv: [uv, "tool", "run", "--from", "pip", "pip"])
        }
        throw ClusterError("environment.offline needs pip or uv on this machine to fetch the nodes' wheels once, and "
                           + "neither python3 with pip nor uv is on PATH; install one (Debian/Ubuntu: apt-get install "
                           + "python3-pip, or pip install uv), or set environment.offline: off so every node installs "
                           + "from the package index itself")
    }

    /// The `pip download` arguments for `target`, wheels only, dependencies included.
    static func downloadArguments(requirements: URL, into directory: URL, target: WheelTarget,
                                  platforms: [String]) -> [String] {
        ["download", "--only-binary=:all:", "--disable-pip-version-check", "--progress-bar", "off",
         "--implementation", "cp", "--python-version", target.pythonMinor]
            + platforms.flatMap { ["--platform", $0] }
            + ["--dest", directory.path, "--requirement", requirements.path]
    }

    /// Runs the download, reporting each package as pip collects it; throws naming the
    /// package that has no fitting wheel, or with pip's last lines.
    func download(requirements: URL, into directory: URL, target: WheelTarget, platforms: [String],
                  timeout: Double, onStep: (String) -> Void) throws {
        let command = ShellQuote.join(argv + Self.downloadArguments(requirements: requirements, into: directory,
                                                                    target: target, platforms: platforms))
        let child = try ChildProcess(command: command, ownGroup: true)
        var output = ""
        var pending = ""
        let finished = child.drain(until: Deadline(seconds: timeout)) { _, chunk in
            let text = String(decoding: chunk, as: UTF8.self)
            output += text
            pending += text
            while let newline = pending.firstIndex(of: "\n") {
                let line = pending[..<newline].trimmingCharacters(in: .whitespaces)
                pending = String(pending[pending.index(after: newline)...])
                if line.hasPrefix("Collecting ") {
                    let requirement = line.dropFirst("Collecting ".count).split(separator: " ").first ?? ""
                    onStep("wheelhouse: collecting \(requirement)")
                }
            }
        }
        if !finished {
            child.killGroup()
            _ = child.wait()
            throw ClusterError("fetching the nodes' wheels with \(name) did not finish within \(Int(timeout / 60)) min; "
                               + "check this machine's access to the package index, or set environment.offline: off")
        }
        let status = child.wait()
        guard status != 0 else { return }
        let lines = output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let tail = lines.suffix(12).joined(separator: "\n")
        let wanted = "No matching distribution found for "
        if let line = lines.last(where: { $0.contains(wanted) }),
           let range = line.range(of: wanted) {
            let package = line[range.upperBound...].trimmingCharacters(in: .whitespaces)
            throw ClusterError("no wheel of \(package) fits the nodes (CPython \(target.pythonMinor), \(platforms[0])), "
                               + "so they cannot install it offline; pin a version that publishes such a wheel, "
                               + "or set environment.offline: off", details: tail)
        }
        throw ClusterError("fetching the nodes' wheels with \(name) failed (exit \(status)); "
                           + "check the packages and this machine's access to the package index, "
                           + "or set environment.offline: off", details: tail)
    }
}
