import Foundation
import Testing
@testable import ClusterKit

/// `scheduler.dashboard: local|public`: reading, errors, printing, what it binds, and the
/// local port `clusterctl dashboard` picks.
@Suite struct DashboardSettingTests {
    @Test func defaultIsLocalAndBothValuesAreRead() throws {
        #expect(try SpecLoader.load(text: SpecFixture.minimal, file: "c.yaml").scheduler.dashboard == .local)
        for value in DashboardAccess.allCases {
            let spec = try SpecLoader.load(text: SpecFixture.minimal + "scheduler:\n  dashboard: \(value.rawValue)\n", file: "c.yaml")
            #expect(spec.scheduler.dashboard == value)
        }
    }

    @Test(arguments: [
        ("pubic", "c.yaml:6:14", ["scheduler.dashboard must be one of local, public, not \"pubic\"", "did you mean \"public\"?"]),
        ("open", "c.yaml:6:14", ["scheduler.dashboard must be one of local, public, not \"open\""]),
        ("[public]", "c.yaml:6:14", ["scheduler.dashboard must be a single value, not a list"]),
    ])
    func badValueIsNamedWithLineAndColumn(value: String, location: String, words: [String]) {
        let yaml = SpecFixture.minimal + "scheduler:\n  port: 9000\n  dashboard: \(value)\n"
        let diagnostics = SpecFixture.diagnostics(yaml)
        #expect(diagnostics.count == 1, "\(diagnostics)")
        let message = diagnostics.first ?? ""
        #expect(message.hasPrefix(location + ": "), "\(message)")
        for word in words { #expect(message.contains(word), "\(message)") }
    }

    @Test func resolvedSpecShowsItAndLoadsAgain() throws {
        for value in DashboardAccess.allCases {
            let spec = try SpecLoader.load(text: SpecFixture.minimal + "scheduler:\n  dashboard: \(value.rawValue)\n", file: "c.yaml")
            let text = ResolvedSpecPrinter.render(spec)
            #expect(text.contains("  dashboard: \(value.rawValue)  # "), "\(text)")
            var reloaded = try SpecLoader.load(text: text, file: "printed.yaml")
            reloaded.sourcePath = spec.sourcePath
            #expect(reloaded == spec)
        }
    }

    /// State written before the key existed reads as `local`.
    @Test func stateWithoutTheKeyDecodesAsLocal() throws {
        let old = Data(#"{"port": 8786, "dashboardPort": 8787}"#.utf8)
        #expect(try JSONDecoder().decode(SchedulerSpec.self, from: old) == SchedulerSpec())
        let public_ = SchedulerSpec(dashboard: .public)
        #expect(try JSONDecoder().decode(SchedulerSpec.self, from: JSONEncoder().encode(public_)) == public_)
    }

    /// Where `dask scheduler --dashboard-address` binds, where a tunnel leads and which URL
    /// status shows: loopback by default; the host's address (ssh) or every interface with
    /// the public address in the URL (ec2) when public.
    @Test func endpointBindsAndNamesTheDashboard() {
        let spec = ClusterSpec(name: "d", provider: .local(LocalProviderSpec()))
        func dashboardAddress(_ endpoint: SchedulerEndpoint) -> String? {
            let argv = DaskCommands(environment: "/env").scheduler(spec, endpoint: endpoint)
            return argv.firstIndex(of: "--dashboard-address").map { argv[$0 + 1] }
        }
        let loopback = SchedulerEndpoint(host: "10.0.0.5", port: 8786, dashboardPort: 8787)
        #expect(dashboardAddress(loopback) == "127.0.0.1:8787")
        #expect(loopback.dashboardReachHost == "127.0.0.1" && loopback.publicDashboard == nil)

        let ssh = SchedulerEndpoint(host: "10.0.0.5", port: 8786, dashboardPort: 8787, dashboardHost: "10.0.0.5")
        #expect(dashboardAddress(ssh) == "10.0.0.5:8787")
        #expect(ssh.dashboardReachHost == "10.0.0.5")
        #expect(ssh.publicDashboard == "http://10.0.0.5:8787/status")

        let ec2 = SchedulerEndpoint(host: "172.31.0.9", port: 8786, dashboardPort: 8787, publicHost: "54.1.2.3",
                                    bindHost: "0.0.0.0", dashboardHost: "0.0.0.0")
        #expect(dashboardAddress(ec2) == "0.0.0.0:8787")
        #expect(ec2.dashboardReachHost == "127.0.0.1")
        #expect(ec2.publicDashboard == "http://54.1.2.3:8787/status")
    }

    /// The ec2 plan shows the dashboard's ingress rule only when the dashboard is public,
    /// from `allowed_cidrs`; a public dashboard there needs a fixed port.
    @Test func ec2PlanShowsTheDashboardRuleWhenPublic() throws {
        let homes = Homes(state: FileManager.default.temporaryDirectory.appendingPathComponent("dash-\(UUID().uuidString)"),
                          cache: FileManager.default.temporaryDirectory.appendingPathComponent("dash-cache"))
        defer { try? FileManager.default.removeItem(at: homes.state) }
        let environment = ["AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "not-a-secret", "AWS_REGION": "us-east-1",
                           "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_EC2_METADATA_DISABLED": "true"]
        func lines(_ dashboard: DashboardAccess, port: Int = 8787) throws -> String {
            let spec = ClusterSpec(name: "d", provider: .ec2(EC2ProviderSpec(allowedCIDRs: ["198.51.100.0/24"])),
                                   scheduler: SchedulerSpec(port: 8786, dashboardPort: port, dashboard: dashboard))
            let backend = try Backends.make(for: spec, homes: homes, state: nil, environment: environment)
            return try backend.nodeProvider.sharedResourceLines().joined(separator: "\n")
        }
        let open = try lines(.public)
        #expect(open.contains("tcp 8787 (dashboard, no authentication) from 198.51.100.0/24"), "\(open)")
        #expect(open.contains("tcp 8786 (Dask) from 198.51.100.0/24"))
        #expect(!(try lines(.local)).contains("8787"))
        #expect(throws: ClusterError.self) { try lines(.public, port: 0) }
    }

    /// An ec2 cluster whose running instances switch to a public dashboard gets its security
    /// group rule before the scheduler restarts; nothing is launched for it.
    @Test func goingPublicOnRunningInstancesEnsuresTheSecurityGroupFirst() throws {
        let nodes = LaunchingNodes()
        let planner = Planner(placement: PerNodePlacement(nodes: nodes), nodes: nodes)
        let local = ClusterSpec(name: "c", provider: .ec2(EC2ProviderSpec(allowedCIDRs: ["10.0.0.0/8"])),
                                workers: WorkersSpec(count: 1))
        var state = ClusterState(spec: local, endpoint: SchedulerEndpoint(host: "10.0.0.1", port: 8786, dashboardPort: 8787))
        state.nodes = ["scheduler", "w0"].map {
            NodeRecord(id: $0, role: $0 == "scheduler" ? .scheduler : .worker, phase: .registered, instanceId: "i-\($0)")
        }
        state.services = [ServiceRecord(name: "scheduler", role: .scheduler, node: "scheduler"),
                          ServiceRecord(name: "c-w0", role: .worker, node: "w0", workerCount: 1)]
        let observed = Observation(schedulerRunning: true, runningServices: ["c-w0"], liveNodes: ["scheduler", "w0"])
        var open = local
        open.scheduler.dashboard = .public

        let plan = try planner.plan(desired: open, state: state, observed: observed)
        let ensure = try #require(plan.actions.firstIndex(of: .ensureClusterResources(lines: ["security group", "key pair"])),
                                  "\(plan.actions)")
        let start = try #require(plan.actions.firstIndex(of: .startScheduler(node: "scheduler")), "\(plan.actions)")
        #expect(ensure < start)
        #expect(!plan.launches)
        let unchanged = try planner.plan(desired: local, state: state, observed: observed)
        #expect(!unchanged.actions.contains(.ensureClusterResources(lines: ["security group", "key pair"])))
    }

    @Test func localPortChoice() throws {
        let held = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(held) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(held, $0, length) == 0 && listen(held, 1) == 0 && getsockname(held, $0, &length) == 0
            }
        }
        try #require(listening)
        let taken = Int(UInt16(bigEndian: address.sin_port))
        let free = try PortProbe.freePort(host: "127.0.0.1")

        // Default: the dashboard's own port when free, else any free port.
        #expect(try DashboardForward.port(nil, dashboardPort: free) == free)
        #expect(try DashboardForward.port(nil, dashboardPort: taken) == 0)
        #expect(try DashboardForward.port(0, dashboardPort: taken) == 0)
        #expect(try DashboardForward.port(free, dashboardPort: taken) == free)
        do {
            _ = try DashboardForward.port(taken, dashboardPort: 8787)
            Issue.record("a taken port was accepted")
        } catch let error as ClusterError {
            #expect(error.message.contains("port \(taken)") && error.message.contains("--port 0"), "\(error)")
            #expect(error.exitCode == 1)
        }
        #expect(throws: ClusterError.self) { try DashboardForward.port(70_000, dashboardPort: 8787) }
    }
}
