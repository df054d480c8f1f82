import Foundation
import OpenSSLKit

/// What a node's Python needs of a wheel: the interpreter, its `major.minor` version and the
/// machine's architecture and C library. A node reports it when it asks for wheels
/// (`environment.offline`); the wheelhouse fetched on this machine is made for it.
public struct WheelTarget: Equatable, Sendable {
    /// `sys.implementation.name` on the node (`cpython`).
    public var implementation: String
    /// `major.minor` of the node's Python (`3.11`).
    public var pythonMinor: String
    /// `os.uname().machine` on the node (`x86_64`, `aarch64`).
    public var machine: String
    /// The node's C library (`glibc`) and its version (`2.36`).
    public var libc: String
    public var libcVersion: String

    public init(implementation: String = "cpython", pythonMinor: String, machine: String, libc: String = "glibc",
                libcVersion: String) {
        self.implementation = implementation
        self.pythonMinor = pythonMinor
        self.machine = machine
        self.libc = libc
        self.libcVersion = libcVersion
    }

    /// The Python tag of wheels built for this interpreter (`cp311`).
    public var pythonTag: String { "cp" + pythonMinor.replacingOccurrences(of: ".", with: "") }

    /// The `--platform` values that `pip download` is given, newest first: every
    /// `manylinux_2_Y_<machine>` from the node's glibc down to the oldest, and the legacy
    /// names PyPI still carries (`manylinux2014`, and on x86 `manylinux2010`, `manylinux1`).
    /// pip does not widen a `manylinux_2_Y` tag to older ones itself, so wheels built for an
    /// older glibc (most of them) would otherwise not be found.
    ///
    /// Throws when the node cannot take PyPI's Linux wheels (not CPython, not glibc, an
    /// unknown architecture), saying what to do instead.
    public func platformTags() throws -> [String] {
        guard implementation == "cpython" else {
            throw unsupported("its Python is \(implementation), and wheels are fetched for CPython only")
        }
        guard pythonMinor.range(of: #"^3\.[0-9]{1,2}$"#, options: .regularExpression) != nil else {
            throw unsupported("its Python version \"\(pythonMinor)\" is not of the form 3.N")
        }
        guard Self.machines.contains(machine) else {
            throw unsupported("its architecture \(machine) has no manylinux wheels (known: \(Self.machines.sorted().joined(separator: ", ")))")
        }
        let parts = libcVersion.split(separator: ".")
        guard libc == "glibc", parts.count >= 2, parts[0] == "2", let newest = Int(parts[1]) else {
            throw unsupported("its C library is \(libc) \(libcVersion), and shipped wheels are manylinux (glibc) wheels")
        }
        let x86 = machine == "x86_64" || machine == "i686"
        let oldest = x86 ? 5 : 17
        guard newest >= oldest else {
            throw unsupported("its glibc \(libcVersion) is older than any manylinux wheel for \(machine) (2.\(oldest))")
        }
        var tags = stride(from: newest, through: oldest, by: -1).map { "manylinux_2_\($0)_\(machine)" }
        if newest >= 17 { tags.append("manylinux2014_\(machine)") }
        if x86 && newest >= 12 { tags.append("manylinux2010_\(machine)") }
        if x86 { tags.append("manylinux1_\(machine)") }
        return tags
    }

    /// The wheelhouse directory name for `packages` on this target: readable
    /// (`cp311-manylinux_2_36_x86_64-<hash>`), with a hash over the target and the package
    /// list, so a changed Python, machine, glibc or package set never reuses another's wheels.
    public func cacheKey(packages: [String]) -> String {
        let text = ([implementation, pythonMinor, machine, libc, libcVersion, ""] + packages).joined(separator: "\n")
        let platform = libc == "glibc" ? "manylinux_\(libcVersion.replacingOccurrences(of: ".", with: "_"))_\(machine)" : "\(libc)-\(machine)"
        return "\(pythonTag)-\(platform)-\(Crypto.sha256Hex(text).prefix(16))"
    }

    /// Architectures PyPI publishes manylinux wheels for.
    static let machines: Set<String> = ["x86_64", "i686", "aarch64", "armv7l", "ppc64le", "s390x"]

    private func unsupported(_ why: String) -> ClusterError {
        ClusterError("this node cannot install from wheels fetched by clusterctl: \(why); "
                     + "set environment.offline: off so the node installs from the package index itself")
    }
}

/// A node's request for wheels, as the bootstrap prints it before exiting with
/// `WheelRequest.exitCode`: the target, and the wheels it already has.
public struct WheelRequest: Equatable, Sendable {
    /// The bootstrap's exit status when it needs wheels shipped before it can install.
    public static let exitCode: Int32 = 30

    public var target: WheelTarget
    /// File names of the wheels already in the node's wheelhouse.
    public var present: Set<String>
    /// The node has no uv: uv's own wheel travels with the others (the node takes the binary
    /// out of it and installs with it rather than with pip).
    public var needsInstaller: Bool

    /// The requirement for uv's wheel, added to the wheels of a node that has no uv.
    public static let installerRequirement = "uv"

    /// Reads the request from the bootstrap's output; nil when it holds none.
    public init?(bootstrapOutput: String) {
        var target: WheelTarget?
        var present: Set<String> = []
        var needsInstaller = false
        for line in bootstrapOutput.split(separator: "\n") {
            if line.hasPrefix("clusterctl-wheels-for: ") {
                let words = line.dropFirst("clusterctl-wheels-for: ".count).split(separator: " ").map(String.init)
                guard words.count == 5 else { return nil }
                target = WheelTarget(implementation: words[0], pythonMinor: words[1], machine: words[2],
                                     libc: words[3], libcVersion: words[4])
            } else if line.hasPrefix("clusterctl-wheel-present: ") {
                present.insert(String(line.dropFirst("clusterctl-wheel-present: ".count)))
            } else if line == "clusterctl-wheels-uv: missing" {
                needsInstaller = true
            }
        }
        guard let target else { return nil }
        self.target = target
        self.present = present
        self.needsInstaller = needsInstaller
    }
}
