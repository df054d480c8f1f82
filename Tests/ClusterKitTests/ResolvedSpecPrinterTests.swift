import Foundation
import Testing
import Yams
@testable import ClusterKit

/// The resolved spec that `clusterctl validate` prints: every default visible, and loadable again.
@Suite struct ResolvedSpecPrinterTests {
    /// Loads `spec`'s rendering and compares, ignoring `sourcePath`.
    private func roundTrips(_ spec: ClusterSpec) throws {
        let text = ResolvedSpecPrinter.render(spec)
        var reloaded = try SpecLoader.load(text: text, file: "printed.yaml")
        reloaded.sourcePath = spec.sourcePath
        #expect(reloaded == spec, "\(text)")
    }

    @Test func minimalSpecShowsEveryDefault() throws {
        let spec = try SpecLoader.load(text: SpecFixture.minimal, file: "c.yaml")
        let text = ResolvedSpecPrinter.render(spec)
        for line in ["name: dev", "  kind: local", "  host: 127.0.0.1", "  port: 8786", "  dashboard_port: 8787",
                     "  idle_timeout: never", "  count: 2", "  per_node: 1", "  threads: 2", "  memory_limit: 2GiB",
                     "  python: python3", "  base: complete", "  packages: []", "  tls: auto", "lifetime:", "  max: never",
                     "  no_client: never"] {
            #expect(text.contains(line + "\n") || text.contains(line + "  #"), "missing \(line) in\n\(text)")
        }
        try roundTrips(spec)
    }

    @Test func lifetimeLimitsRoundTrip() throws {
        for lifetime in [LifetimeSpec(max: 8 * 3_600), LifetimeSpec(noClient: 10), LifetimeSpec(max: 86_400, noClient: 1_800)] {
            var spec = try SpecLoader.load(text: SpecFixture.minimal, file: "c.yaml")
            spec.lifetime = lifetime
            try roundTrips(spec)
        }
        // Both limits `never` is the same cluster as no lifetime section.
        let never = try SpecLoader.load(text: SpecFixture.minimal + "lifetime:\n  max: never\n  no_client: never\n", file: "c.yaml")
        #expect(never.lifetime == nil)
        let set = try SpecLoader.load(text: SpecFixture.minimal + "lifetime:\n  max: 2h\n  no_client: 10s\n", file: "c.yaml")
        #expect(set.lifetime == LifetimeSpec(max: 7_200, noClient: 10))
    }

    @Test func fullSSHSpecRoundTrips() throws {
        let spec = ClusterSpec(
            name: "null",
            provider: .ssh(SSHProviderSpec(user: "ubuntu", key: "/keys/my key", port: 2222, knownHosts: "/etc/ssh/known#hosts",
                                           hostKeyPolicy: .acceptNew, scheduler: "::1", workers: ["10.0.0.6", "fe80::1", "h-3"],
                                           installDir: "/opt/dask/{host}", listenAddresses: ["::1": "127.0.0.1", "h-3": "fe80::2"],
                                           connectTimeout: 2.5)),
            scheduler: SchedulerSpec(port: 0, dashboardPort: 9999, idleTimeout: 5_400),
            workers: WorkersSpec(count: 9, perNode: 3, threads: 4, memoryLimit: .auto),
            environment: EnvironmentSpec(python: "/usr/bin/python3", base: .minimal, packages: ["numpy", "pandas>=2,<3", "dask[dataframe]==2026.8.0"]),
            security: SecuritySpec(tls: .off),
            sourcePath: "/somewhere/pool.yaml")
        let text = ResolvedSpecPrinter.render(spec)
        #expect(text.contains("  idle_timeout: 90m\n"))
        #expect(text.contains("  connect_timeout: 2.5s\n"))
        #expect(text.contains("  memory_limit: auto\n"))
        #expect(text.contains("  host_key_policy: accept-new\n"))
        try roundTrips(spec)
    }

    @Test func unsetSSHSettingsAppearAsComments() throws {
        let spec = ClusterSpec(name: "pool", provider: .ssh(SSHProviderSpec(user: "me", scheduler: "h1", workers: ["h2"])))
        let text = ResolvedSpecPrinter.render(spec)
        #expect(text.contains("  # key: not set; keys come from ssh-agent\n"))
        #expect(text.contains("  # install_dir: not set;"))
        #expect(text.contains("  connect_timeout: 10s\n"))
        try roundTrips(spec)
    }

    @Test(arguments: ["local.yaml", "ssh.yaml"])
    func shippedExamplesRoundTrip(_ name: String) throws {
        let path = SpecFixture.packageRoot.appendingPathComponent("clusters").appendingPathComponent(name).path
        try roundTrips(try SpecLoader.load(path: path))
    }

    @Test(arguments: ["plain", "with space", "null", "never", "~", "", "a: b", "#x", "-x", "q\"uote", "back\\slash", "new\nline", "é"])
    func scalarReadsBackUnchanged(_ value: String) throws {
        let text = "key: \(ResolvedSpecPrinter.scalar(value))\nlist:\n  - \(ResolvedSpecPrinter.scalar(value))\n"
        let root = try #require(try Yams.compose(yaml: text))
        #expect(root["key"]?.scalar?.string == value)
        #expect(root["list"]?.sequence?.first?.scalar?.string == value)
    }
}
