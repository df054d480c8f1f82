import Foundation

/// Where a node's Dask services find their TLS files.
public struct NodeTLSPaths: Codable, Equatable, Sendable {
    /// The cluster's CA certificate.
    public var authority: String
    /// The node's certificate followed by its private key (0600, owned by the services' user).
    public var certificate: String
}

/// Puts a node's TLS files in place through its runner: the certificate and key travel as a
/// file over the runner's own channel (SFTP/SCP over the verified SSH connection, or a local
/// write), never in a command line; one shell command then moves them into `directory`,
/// owned by the services' user, mode 0600.
enum NodeTLSInstaller {
    /// Where `install` puts the files in `directory`.
    static func paths(in directory: String) -> NodeTLSPaths {
        NodeTLSPaths(authority: directory + "/ca.pem", certificate: directory + "/node.pem")
    }

    /// Installs `files` in `directory` on the runner's node, staging through `stagingDirectory`
    /// (a folder of the login user's); `owner` is the services' user (nil: the login user),
    /// `sudo` the prefix that makes the login user root (empty when it is root or needs none).
    static func install(_ files: NodeTLSFiles, runner: CommandRunner, directory: String,
                        stagingDirectory: String, owner: String?, sudo: String) throws -> NodeTLSPaths {
        let staged = try stage(files, runner: runner, stagingDirectory: stagingDirectory)
        let result = try runner.run(command(files, staged: staged, directory: directory, owner: owner, sudo: sudo), timeout: 60)
        guard result.exitCode == 0 else {
            throw ClusterError("\(runner.host): could not install the node's TLS certificate in \(directory)", details: result.tail())
        }
        return paths(in: directory)
    }

    /// Uploads the certificate and key (if `files` has them) to a new file of their own in
    /// `stagingDirectory` (0600); returns its path, for `command`.
    static func stage(_ files: NodeTLSFiles, runner: CommandRunner, stagingDirectory: String) throws -> String {
        let staged = stagingPath(in: stagingDirectory)
        if let pem = files.certificateAndKeyPEM {
            try runner.upload(Data(pem.utf8), to: staged, mode: 0o600)
        }
        return staged
    }

    /// The shell command that installs `files` as `command` does, reading the certificate and key
    /// from its standard input (`input`, nil when `files` has none) into a new 0600 file in
    /// `stagingDirectory` first: they travel inside the command's own channel, never in a
    /// command line, and cost no transfer of their own.
    static func commandReadingInput(_ files: NodeTLSFiles, stagingDirectory: String, directory: String, owner: String?,
                                    sudo: String) -> (command: String, input: Data?, staged: String) {
        let staged = stagingPath(in: stagingDirectory)
        let install = command(files, staged: staged, directory: directory, owner: owner, sudo: sudo)
        guard let pem = files.certificateAndKeyPEM else { return (install, nil, staged) }
        return ("(umask 077 && cat > \(ShellQuote.quote(staged))) && " + install, Data(pem.utf8), staged)
    }

    /// A new file name in `directory` for a node's certificate and key on their way in place.
    private static func stagingPath(in directory: String) -> String {
        "\(directory)/.clusterctl-tls-\(UUID().uuidString.lowercased()).pem"
    }

    /// The shell command that moves what `stage` uploaded to `staged` into `directory` and
    /// writes the CA certificates beside it; a subshell of its own, so it can run inside a
    /// longer command. The staged file is removed however it ends.
    static func command(_ files: NodeTLSFiles, staged: String, directory: String, owner: String?, sudo: String) -> String {
        let paths = Self.paths(in: directory)
        let ownership = owner.map { ["-o", $0, "-g", $0] } ?? []
        let authority = Data(files.authorityPEM.utf8).base64EncodedString()
        let q = ShellQuote.quote
        var command = "(trap \(q("rm -f " + q(staged))) EXIT; set -e; umask 077; "
            + sudo + ShellQuote.join(["install", "-d", "-m", "0700"] + ownership + [directory]) + "; "
        // Each file is written beside its target under a name of its own, then renamed over
        // it: a service starting meanwhile (or a second install) reads a whole file.
        let suffix = "." + UUID().uuidString.lowercased() + ".new"
        if files.certificateAndKeyPEM != nil {
            command += sudo + ShellQuote.join(["install", "-m", "0600"] + ownership + [staged, paths.certificate + suffix]) + "; "
                + sudo + "mv -f " + q(paths.certificate + suffix) + " " + q(paths.certificate) + "; "
        }
        command += "printf '%s' \(authority) | base64 -d | " + sudo + "tee " + q(paths.authority + suffix) + " >/dev/null; "
            + sudo + "chmod 0644 " + q(paths.authority + suffix) + "; "
            + sudo + "mv -f " + q(paths.authority + suffix) + " " + q(paths.authority) + ")"
        return command
    }
}

/// What a node receives: its certificate followed by its key (one 0600 file, which Dask's
/// `--tls-cert` reads both from; nil keeps the node's current one), and the CA certificates
/// it trusts (one, or two while an authority is being replaced).
public struct NodeTLSFiles: Sendable, CustomStringConvertible, CustomReflectable {
    let certificateAndKeyPEM: String?
    let authorityPEM: String

    init(certificateAndKeyPEM: String?, authorityPEM: String) {
        self.certificateAndKeyPEM = certificateAndKeyPEM
        self.authorityPEM = authorityPEM
    }

    /// Says what it holds, never the key.
    public var description: String { certificateAndKeyPEM == nil ? "node TLS files (CA only)" : "node TLS files (certificate, key, CA)" }
    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}
