import ArgumentParser
import ClusterKit

struct Env: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print shell exports that make a plain Dask Client() connect to a cluster.",
        discussion: "Use it as: eval \"$(clusterctl env NAME)\". For a TLS cluster it also sets Dask's TLS settings "
            + "to the client files clusterctl wrote (paths, never their contents); for a plain TCP cluster it unsets them.")

    @Argument(help: "Cluster name or cluster file.") var cluster: String
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try reportingFailures {
            let connection = try global.controller().connection(ClusterReference.parse(cluster))
            print(ShellExports.lines(address: connection.address, tls: connection.tls).joined(separator: "\n"))
        }
    }
}

/// The POSIX shell lines `clusterctl env` prints.
enum ShellExports {
    /// Dask's settings for a client's TLS files, as environment variables.
    static let tlsVariables = ["DASK_DISTRIBUTED__COMM__TLS__CA_FILE", "DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT",
                               "DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY", "DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION"]

    static func lines(address: String, tls: ClientTLSFiles?) -> [String] {
        var lines = ["export DASK_SCHEDULER_ADDRESS=\(ShellQuote.quote(address))"]
        guard let tls else { return lines + ["unset " + tlsVariables.joined(separator: " ")] }
        for (name, value) in zip(tlsVariables, [tls.authority, tls.certificate, tls.key, "True"]) {
            lines.append("export \(name)=\(ShellQuote.quote(value))")
        }
        return lines
    }
}
