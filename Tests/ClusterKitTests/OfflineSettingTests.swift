import Foundation
import Testing
@testable import ClusterKit

/// `environment.offline: auto|on|off`: reading, errors, printing, old state, and that a
/// change of it alone replaces no service.
@Suite struct OfflineSettingTests {
    static let ssh = """
        name: dev
        provider:
          kind: ssh
          scheduler: 10.0.0.1
          workers: [10.0.0.2]

        """

    @Test func defaultIsAutoAndEveryValueIsRead() throws {
        #expect(try SpecLoader.load(text: Self.ssh, file: "c.yaml").environment.offline == .auto)
        for value in OfflineMode.allCases {
            let spec = try SpecLoader.load(text: Self.ssh + "environment:\n  offline: \(value.rawValue)\n", file: "c.yaml")
            #expect(spec.environment.offline == value)
        }
    }

    @Test(arguments: [
        ("yes", "c.yaml:8:12", ["environment.offline must be one of auto, on, off, not \"yes\""]),
        ("offf", "c.yaml:8:12", ["environment.offline must be one of auto, on, off, not \"offf\"", "did you mean \"off\"?"]),
        ("[on]", "c.yaml:8:12", ["environment.offline must be a single value, not a list"]),
    ])
    func badValueIsNamedWithLineAndColumn(value: String, location: String, words: [String]) {
        let yaml = Self.ssh + "environment:\n  base: minimal\n  offline: \(value)\n"
        let diagnostics = SpecFixture.diagnostics(yaml)
        #expect(diagnostics.count == 1, "\(diagnostics)")
        let message = diagnostics.first ?? ""
        #expect(message.hasPrefix(location + ": "), "\(message)")
        for word in words { #expect(message.contains(word), "\(message)") }
    }

    @Test func misspeltKeyNamesOffline() {
        let diagnostics = SpecFixture.diagnostics(Self.ssh + "environment:\n  ofline: on\n")
        #expect(diagnostics.count == 1 && diagnostics[0].hasPrefix("c.yaml:7:3: "), "\(diagnostics)")
        #expect(diagnostics.first?.contains("did you mean \"offline\"?") == true, "\(diagnostics)")
    }

    @Test func resolvedSpecShowsItAndLoadsAgain() throws {
        for base in [Self.ssh, SpecFixture.minimal] {
            for value in OfflineMode.allCases {
                let spec = try SpecLoader.load(text: base + "environment:\n  offline: \(value.rawValue)\n", file: "c.yaml")
                let text = ResolvedSpecPrinter.render(spec)
                #expect(text.contains("  offline: \(value.rawValue)  # "), "\(text)")
                var reloaded = try SpecLoader.load(text: text, file: "printed.yaml")
                reloaded.sourcePath = spec.sourcePath
                #expect(reloaded == spec)
            }
        }
    }

    /// The printed note says where the wheels go: over SSH, or, for ec2 with its state in S3,
    /// through that bucket.
    @Test func resolvedSpecSaysWhetherWheelsGoThroughS3() throws {
        let ec2 = """
            name: dev
            provider:
              kind: ec2
              region: us-east-1
              ami: ami-0123456789abcdef0
              state: s3://team-state/clusterctl
            environment:
              offline: on

            """
        let printed = ResolvedSpecPrinter.render(try SpecLoader.load(text: ec2, file: "c.yaml"))
        #expect(printed.contains("offline: on  # wheels fetched once here, put in the state's S3 bucket; instances download them"),
                "\(printed)")
        let local = ResolvedSpecPrinter.render(try SpecLoader.load(text: ec2.replacingOccurrences(of: "  state: s3://team-state/clusterctl\n", with: ""),
                                                                   file: "c.yaml"))
        #expect(local.contains("offline: on  # wheels fetched once here, shipped over SSH"), "\(local)")
        let ssh = ResolvedSpecPrinter.render(try SpecLoader.load(text: Self.ssh + "  state: s3://team-state/x\nenvironment:\n  offline: on\n",
                                                                 file: "c.yaml"))
        #expect(ssh.contains("offline: on  # wheels fetched once here, shipped over SSH"), "\(ssh)")
    }

    /// State written before the key existed reads as `auto`.
    @Test func stateWithoutTheKeyDecodesAsAuto() throws {
        let old = Data(#"{"python": "python3", "packages": []}"#.utf8)
        #expect(try JSONDecoder().decode(EnvironmentSpec.self, from: old).offline == .auto)
        var on = EnvironmentSpec()
        on.offline = .on
        #expect(try JSONDecoder().decode(EnvironmentSpec.self, from: JSONEncoder().encode(on)) == on)
    }

    /// Where the packages come from is not what runs: the same environment either way.
    @Test func changingOnlyOfflineReplacesNothing() throws {
        let old = try SpecLoader.load(text: Self.ssh, file: "c.yaml")
        var new = old
        new.environment.offline = .on
        #expect(!Planner.needsReplacement(old, new))
        new.environment.base = .minimal
        #expect(Planner.needsReplacement(old, new))
    }
}
