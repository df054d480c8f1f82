import Foundation
import Testing
@testable import ClusterKit

/// Loading valid cluster files: values, defaults, paths and the shipped examples.
@Suite struct SpecLoaderTests {
    @Test func minimalFileGetsEveryDefault() throws {
        let spec = try SpecLoader.load(text: SpecFixture.minimal, file: "c.yaml")
        #expect(spec.name == "dev")
        #expect(spec.provider == .local(LocalProviderSpec(host: "127.0.0.1")))
        #expect(spec.scheduler == SchedulerSpec(port: 8786, dashboardPort: 8787, idleTimeout: nil))
        #expect(spec.workers == WorkersSpec(count: 2, perNode: 1, threads: 2, memoryLimit: .bytes(2 << 30)))
        #expect(spec.environment == EnvironmentSpec(python: "python3", base: .complete, packages: []))
        #expect(spec.security.tls == .auto)
        let expectedPath = FileManager.default.currentDirectoryPath + "/c.yaml"
        #expect(spec.sourcePath == URL(fileURLWithPath: expectedPath).standardized.path)
    }

    @Test func everyLocalKeyIsRead() throws {
        let spec = try SpecLoader.load(text: """
            name: big-one-2   # a comment
            provider:
              kind: local
              host: 127.0.0.5
            scheduler:
              port: 0
              dashboard_port: 0
              idle_timeout: 15m
            workers:
              count: 7
              per_node: 3
              threads: 4
              memory_limit: 1.5GiB
            environment:
              python: /usr/bin/python3.11
              base: minimal
              packages:
                - numpy
                - "pandas>=2,<3"
                - dask[dataframe]==2026.8.0
            security:
              tls: off
            """, file: "c.yaml")
        #expect(spec.name == "big-one-2")
        #expect(spec.provider == .local(LocalProviderSpec(host: "127.0.0.5")))
        #expect(spec.scheduler == SchedulerSpec(port: 0, dashboardPort: 0, idleTimeout: 900))
        #expect(spec.workers == WorkersSpec(count: 7, perNode: 3, threads: 4, memoryLimit: .bytes(1_610_612_736)))
        #expect(spec.environment == EnvironmentSpec(python: "/usr/bin/python3.11", base: .minimal,
                                                    packages: ["numpy", "pandas>=2,<3", "dask[dataframe]==2026.8.0"]))
        #expect(spec.security.tls == .off)
    }

    /// `auto` means TLS wherever the scheduler is on another machine; `on` and `off` force it.
    @Test func tlsModeDecidesPerProvider() throws {
        let ssh = "name: s\nprovider:\n  kind: ssh\n  scheduler: 10.0.0.1\n  workers: [10.0.0.2]\n"
        #expect(try SpecLoader.load(text: SpecFixture.minimal, file: "c.yaml").usesTLS == false)
        #expect(try SpecLoader.load(text: ssh, file: "c.yaml").usesTLS == true)
        #expect(try SpecLoader.load(text: ssh + "security:\n  tls: off\n", file: "c.yaml").usesTLS == false)
        let localOn = try SpecLoader.load(text: SpecFixture.minimal + "security:\n  tls: on\n", file: "c.yaml")
        #expect(localOn.security.tls == .on && localOn.usesTLS)
    }

    @Test(arguments: [("complete", EnvironmentSpec.Base.complete), ("minimal", .minimal)])
    func environmentBaseIsRead(_ text: String, _ base: EnvironmentSpec.Base) throws {
        let spec = try SpecLoader.load(text: SpecFixture.minimal + "environment:\n  base: \(text)\n", file: "c.yaml")
        #expect(spec.environment == EnvironmentSpec(base: base))
    }

    /// State written before `environment.base` existed reads as the default.
    @Test func environmentWithoutBaseDecodesAsComplete() throws {
        let decoded = try JSONDecoder().decode(EnvironmentSpec.self, from: Data(#"{"python":"python3","packages":["x"]}"#.utf8))
        #expect(decoded == EnvironmentSpec(python: "python3", base: .complete, packages: ["x"]))
        let again = try JSONDecoder().decode(EnvironmentSpec.self, from: try JSONEncoder().encode(EnvironmentSpec(base: .minimal)))
        #expect(again.base == .minimal)
    }

    @Test func sshKeysAreReadAndPathsResolved() throws {
        let home = LocalUser.home
        let spec = try SpecLoader.load(text: """
            name: pool
            provider:
              kind: ssh
              user: ubuntu
              key: keys/id_ed25519
              port: 2222
              known_hosts: ~/hosts
              host_key_policy: accept-new
              scheduler: sched.example.com
              workers: [10.0.0.6, "fe80::1", worker-3.internal]
              install_dir: /opt/dask/{host}
              listen_addresses:
                sched.example.com: 10.0.0.5
                "fe80::1": "::1"
              connect_timeout: 1m
            """, file: "/srv/clusters/pool.yaml")
        guard case .ssh(let ssh) = spec.provider else {
            Issue.record("expected an ssh provider, got \(spec.provider)")
            return
        }
        #expect(ssh.access.user == "ubuntu")
        #expect(ssh.access.key == "/srv/clusters/keys/id_ed25519")
        #expect(ssh.access.port == 2222)
        #expect(ssh.access.knownHosts == URL(fileURLWithPath: home + "/hosts").standardized.path)
        #expect(ssh.access.hostKeyPolicy == .acceptNew)
        #expect(ssh.scheduler == "sched.example.com")
        #expect(ssh.workers == ["10.0.0.6", "fe80::1", "worker-3.internal"])
        #expect(ssh.installDir == "/opt/dask/{host}")
        #expect(ssh.listenAddresses == ["sched.example.com": "10.0.0.5", "fe80::1": "::1"])
        #expect(ssh.access.connectTimeout == 60)
        #expect(spec.sourcePath == "/srv/clusters/pool.yaml")
    }

    @Test func sshDefaults() throws {
        let spec = try SpecLoader.load(text: """
            name: pool
            provider:
              kind: ssh
              scheduler: 127.0.0.2
              workers:
                - 127.0.0.3
            """, file: "pool.yaml")
        #expect(spec.provider == .ssh(SSHProviderSpec(user: LocalUser.name, key: nil, port: 22, knownHosts: nil,
                                                      hostKeyPolicy: .strict, scheduler: "127.0.0.2", workers: ["127.0.0.3"],
                                                      installDir: nil, listenAddresses: [:], connectTimeout: 10)))
    }

    @Test func emptySectionsAndIdleTimeoutNeverMeanDefaults() throws {
        let spec = try SpecLoader.load(text: SpecFixture.minimal + """
            scheduler:
              idle_timeout: never
            workers:
            environment:
              packages:
            """, file: "c.yaml")
        #expect(spec.scheduler == SchedulerSpec())
        #expect(spec.workers == WorkersSpec())
        #expect(spec.environment == EnvironmentSpec())
    }

    @Test func singleExplicitDocumentIsAccepted() throws {
        let spec = try SpecLoader.load(text: "---\n" + SpecFixture.minimal + "...\n", file: "c.yaml")
        #expect(spec.name == "dev")
    }

    @Test func loadsFromDiskWithAbsoluteSourcePath() throws {
        let directory = try SpecFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("dev.yaml")
        try SpecFixture.minimal.write(to: file, atomically: true, encoding: .utf8)
        let spec = try SpecLoader.load(path: file.path)
        #expect(spec.name == "dev")
        #expect(spec.sourcePath == file.standardized.path)
    }

    @Test(arguments: ["local.yaml", "ssh.yaml"])
    func shippedExamplesLoad(_ name: String) throws {
        let path = SpecFixture.packageRoot.appendingPathComponent("clusters").appendingPathComponent(name).path
        let spec = try SpecLoader.load(path: path)
        #expect(spec.sourcePath == path)
        switch (name, spec.provider) {
        case ("local.yaml", .local(let local)):
            #expect(spec.name == "local")
            #expect(local.host == "127.0.0.1")
            #expect(spec.workers == WorkersSpec(count: 2, perNode: 1, threads: 1, memoryLimit: .bytes(1 << 30)))
            #expect(spec.scheduler.port == 8786 && spec.scheduler.dashboardPort == 8787)
        case ("ssh.yaml", .ssh(let ssh)):
            #expect(ssh.scheduler == "127.0.0.2")
            #expect(ssh.workers == ["127.0.0.3", "127.0.0.4"])
            #expect(ssh.access.hostKeyPolicy == .acceptNew)
            #expect(ssh.access.key == URL(fileURLWithPath: LocalUser.home).appendingPathComponent(".ssh/id_ed25519").standardized.path)
            #expect(ssh.installDir?.contains("{host}") == true)
        default:
            Issue.record("\(name) loaded with an unexpected provider: \(spec.provider)")
        }
    }
}
