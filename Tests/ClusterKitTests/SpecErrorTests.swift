import Foundation
import Testing
@testable import ClusterKit

/// Bad cluster files: each must name the exact `file:line:column` and say what is wrong.
@Suite struct SpecErrorTests {
    /// One bad input: the file text, the one diagnostic expected and words it must contain.
    struct Case: CustomTestStringConvertible, Sendable {
        let label: String
        let yaml: String
        let location: String
        let words: [String]
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        Case(label: "YAML syntax error", yaml: "name: dev\nprovider:\n  kind: local\n workers: 2\n",
             location: "c.yaml:4:2", words: ["YAML syntax error", "did not find expected key", "indentation"]),
        Case(label: "unclosed quote", yaml: "name: \"dev\nprovider:\n  kind: local\n",
             location: "c.yaml:4:1", words: ["YAML syntax error", "close the quote"]),
        Case(label: "value with colon", yaml: "name: a: b\n",
             location: "c.yaml:1:8", words: ["mapping values are not allowed", "quoted"]),
        Case(label: "unknown top-level key", yaml: SpecFixture.minimal + "wrkers:\n  count: 2\n",
             location: "c.yaml:4:1", words: ["unknown key \"wrkers\" at the top level", "did you mean \"workers\"?"]),
        Case(label: "unknown nested key", yaml: SpecFixture.minimal + "workers:\n  thread: 2\n",
             location: "c.yaml:5:3", words: ["unknown key \"thread\" in workers", "did you mean \"threads\"?", "per_node"]),
        Case(label: "camelCase key", yaml: SpecFixture.minimal + "scheduler:\n  dashboardPort: 1\n",
             location: "c.yaml:5:3", words: ["did you mean \"dashboard_port\"?"]),
        Case(label: "key of another section", yaml: SpecFixture.minimal + "threads: 2\n",
             location: "c.yaml:4:1", words: ["unknown key \"threads\"", "belongs under workers"]),
        Case(label: "ssh key under local", yaml: SpecFixture.minimal + "  user: bob\n",
             location: "c.yaml:4:3", words: ["unknown key \"user\" in provider (kind: local)", "kind, host"]),
        Case(label: "count is a word", yaml: SpecFixture.minimal + "workers:\n  count: two\n",
             location: "c.yaml:5:10", words: ["workers.count must be a whole number", "\"two\"", "count: 2"]),
        Case(label: "port is a list", yaml: SpecFixture.minimal + "scheduler:\n  port: [1]\n",
             location: "c.yaml:5:9", words: ["scheduler.port must be a single value, not a list", "port: 8786"]),
        Case(label: "count quoted", yaml: SpecFixture.minimal + "workers:\n  count: \"3\"\n",
             location: "c.yaml:5:10", words: ["must be a number, not the quoted text", "without quotes"]),
        Case(label: "count fractional", yaml: SpecFixture.minimal + "workers:\n  count: 2.5\n",
             location: "c.yaml:5:10", words: ["workers.count must be a whole number"]),
        Case(label: "section is a scalar", yaml: SpecFixture.minimal + "workers: 3\n",
             location: "c.yaml:4:10", words: ["workers must be a mapping", "count"]),
        Case(label: "zero workers", yaml: SpecFixture.minimal + "workers:\n  count: 0\n",
             location: "c.yaml:5:10", words: ["workers.count must be between 1 and 10000, not 0", "at least one worker"]),
        Case(label: "negative workers", yaml: SpecFixture.minimal + "workers:\n  count: -2\n",
             location: "c.yaml:5:10", words: ["workers.count must be between 1 and 10000, not -2"]),
        Case(label: "zero per_node", yaml: SpecFixture.minimal + "workers:\n  per_node: 0\n",
             location: "c.yaml:5:13", words: ["workers.per_node must be between 1 and 1024, not 0"]),
        Case(label: "zero threads", yaml: SpecFixture.minimal + "workers:\n  threads: 0\n",
             location: "c.yaml:5:12", words: ["workers.threads must be between 1 and 1024, not 0"]),
        Case(label: "port out of range", yaml: SpecFixture.minimal + "scheduler:\n  port: 65536\n",
             location: "c.yaml:5:9", words: ["scheduler.port must be between 0 and 65535, not 65536", "0 to pick a free port"]),
        Case(label: "negative dashboard port", yaml: SpecFixture.minimal + "scheduler:\n  dashboard_port: -1\n",
             location: "c.yaml:5:19", words: ["scheduler.dashboard_port must be between 0 and 65535"]),
        Case(label: "same port twice", yaml: SpecFixture.minimal + "scheduler:\n  port: 9000\n  dashboard_port: 9000\n",
             location: "c.yaml:6:19", words: ["same as scheduler.port"]),
        Case(label: "bad size", yaml: SpecFixture.minimal + "workers:\n  memory_limit: 2 gigs\n",
             location: "c.yaml:5:17", words: ["workers.memory_limit must be auto or a size", "2GiB"]),
        Case(label: "zero size", yaml: SpecFixture.minimal + "workers:\n  memory_limit: 0\n",
             location: "c.yaml:5:17", words: ["must be more than 0", "auto"]),
        Case(label: "bad duration", yaml: SpecFixture.minimal + "scheduler:\n  idle_timeout: soon\n",
             location: "c.yaml:5:17", words: ["scheduler.idle_timeout must be a duration", "2h"]),
        Case(label: "bad lifetime", yaml: SpecFixture.minimal + "lifetime:\n  max: 1h30m\n",
             location: "c.yaml:5:8", words: ["lifetime.max must be a duration", "max: 8h"]),
        Case(label: "fractional no_client", yaml: SpecFixture.minimal + "lifetime:\n  no_client: 0.5s\n",
             location: "c.yaml:5:14", words: ["lifetime.no_client must be a duration of whole seconds", "no_client: 30m"]),
        Case(label: "unknown lifetime key", yaml: SpecFixture.minimal + "lifetime:\n  idle: 2h\n",
             location: "c.yaml:5:3", words: ["idle"]),
        Case(label: "uppercase name", yaml: "name: Dev_Cluster\nprovider:\n  kind: local\n",
             location: "c.yaml:1:7", words: ["name \"Dev_Cluster\" is not allowed", "lowercase", "name: dev-cluster"]),
        Case(label: "name with trailing dash", yaml: "name: dev-\nprovider:\n  kind: local\n",
             location: "c.yaml:1:7", words: ["name \"dev-\" is not allowed"]),
        Case(label: "name too long", yaml: "name: \(String(repeating: "a", count: 64))\nprovider:\n  kind: local\n",
             location: "c.yaml:1:7", words: ["is not allowed", "63"]),
        Case(label: "missing name", yaml: "provider:\n  kind: local\n",
             location: "c.yaml:1:1", words: ["missing key \"name\"", "name: my-cluster"]),
        Case(label: "missing provider", yaml: "name: dev\n",
             location: "c.yaml:1:1", words: ["missing key \"provider\"", "kind: local"]),
        Case(label: "missing kind", yaml: "name: dev\nprovider:\n  host: 127.0.0.1\n",
             location: "c.yaml:2:1", words: ["missing key \"provider.kind\""]),
        Case(label: "ec2 CIDR", yaml: "name: dev\nprovider:\n  kind: ec2\n  allowed_cidrs: [10.0.0.0/8, 300.1.2.3/32]\n",
             location: "c.yaml:4:31", words: ["\"300.1.2.3/32\" in provider.allowed_cidrs", "203.0.113.7/32"]),
        Case(label: "ec2 image", yaml: "name: dev\nprovider:\n  kind: ec2\n  ami: ubuntu-99.04\n",
             location: "c.yaml:4:8", words: ["provider.ami \"ubuntu-99.04\"", "ubuntu-24.04"]),
        Case(label: "ec2 instance type", yaml: "name: dev\nprovider:\n  kind: ec2\n  worker_instance_type: large\n",
             location: "c.yaml:4:25", words: ["provider.worker_instance_type \"large\"", "t3.medium"]),
        Case(label: "ec2 reserved tag", yaml: "name: dev\nprovider:\n  kind: ec2\n  tags:\n    clusterctl:role: x\n",
             location: "c.yaml:5:5", words: ["clusterctl: prefix"]),
        Case(label: "ssh key under ec2", yaml: "name: dev\nprovider:\n  kind: ec2\n  user: ubuntu\n",
             location: "c.yaml:4:3", words: ["unknown key \"user\"", "ssh_user"]),
        Case(label: "state not s3", yaml: "name: dev\nprovider:\n  kind: local\n  state: /tmp/x\n",
             location: "c.yaml:4:10", words: ["s3://BUCKET/PREFIX"]),
        Case(label: "unknown kind", yaml: "name: dev\nprovider:\n  kind: lokal\n",
             location: "c.yaml:3:9", words: ["provider.kind must be one of local, ssh, ec2", "did you mean \"local\"?"]),
        Case(label: "tls yes", yaml: SpecFixture.minimal + "security:\n  tls: yes\n",
             location: "c.yaml:5:8", words: ["security.tls", "auto", "on", "off"]),
        Case(label: "tab indentation", yaml: "name: dev\nprovider:\n\tkind: local\n",
             location: "c.yaml:3:1", words: ["tab character in the indentation", "spaces"]),
        Case(label: "tab after spaces", yaml: "name: dev\nprovider:\n  \tkind: local\n",
             location: "c.yaml:3:3", words: ["tab character in the indentation"]),
        Case(label: "anchor", yaml: "name: dev\nprovider: &p\n  kind: local\n",
             location: "c.yaml:2:11", words: ["anchor &p is not allowed", "no anchors or aliases"]),
        Case(label: "undefined alias", yaml: SpecFixture.minimal + "workers:\n  count: *n\n",
             location: "c.yaml:5:10", words: ["alias *n is not allowed"]),
        Case(label: "tag", yaml: "name: !!str dev\nprovider:\n  kind: local\n",
             location: "c.yaml:1:7", words: ["tag !!str is not allowed", "no tags"]),
        Case(label: "local tag on a section", yaml: "name: dev\nprovider: !cloud\n  kind: local\n",
             location: "c.yaml:2:11", words: ["tag !cloud is not allowed"]),
        Case(label: "tag on the whole document", yaml: "--- !top\nname: dev\nprovider:\n  kind: local\n",
             location: "c.yaml:1:5", words: ["tag !top is not allowed"]),
        Case(label: "control character", yaml: "name: dev\u{01}x\nprovider:\n  kind: local\n",
             location: "c.yaml:1:10", words: ["control characters are not allowed", "UTF-8"]),
        Case(label: "second document", yaml: SpecFixture.minimal + "---\nname: other\n",
             location: "c.yaml:4:1", words: ["second YAML document", "exactly one"]),
        Case(label: "merge key", yaml: SpecFixture.minimal + "workers:\n  <<: {count: 2}\n",
             location: "c.yaml:5:3", words: ["merge keys (<<) are not allowed"]),
        Case(label: "flow mapping", yaml: "name: dev\nprovider: {kind: local}\n",
             location: "c.yaml:2:11", words: ["flow mappings", "one `key: value` per line"]),
        Case(label: "block scalar", yaml: "name: >\n  dev\nprovider:\n  kind: local\n",
             location: "c.yaml:1:7", words: ["block scalars"]),
        Case(label: "duplicate key", yaml: SpecFixture.minimal + "workers:\n  count: 1\n  threads: 2\n  count: 3\n",
             location: "c.yaml:7:3", words: ["duplicate key \"count\" (first given at 5:3)", "keep one"]),
        Case(label: "duplicate top-level key", yaml: SpecFixture.minimal + "name: again\n",
             location: "c.yaml:4:1", words: ["duplicate key \"name\" (first given at 1:1)"]),
        Case(label: "top level is a list", yaml: "- name: dev\n",
             location: "c.yaml:1:1", words: ["the file must be a mapping", "not a list"]),
        Case(label: "empty file", yaml: "# nothing here\n",
             location: "c.yaml:1:1", words: ["the file is empty"]),
        Case(label: "host key checking off", yaml: "name: p\nprovider:\n  kind: ssh\n  scheduler: h1\n  workers: [h2]\n  host_key_policy: off\n",
             location: "c.yaml:6:20", words: ["host key checking cannot be turned off", "strict", "accept-new"]),
        Case(label: "host key policy typo", yaml: "name: p\nprovider:\n  kind: ssh\n  scheduler: h1\n  workers: [h2]\n  host_key_policy: acept-new\n",
             location: "c.yaml:6:20", words: ["did you mean \"accept-new\"?"]),
        Case(label: "empty worker pool", yaml: "name: p\nprovider:\n  kind: ssh\n  scheduler: h1\n  workers: []\n",
             location: "c.yaml:5:12", words: ["provider.workers needs at least one host"]),
        Case(label: "duplicate worker host", yaml: "name: p\nprovider:\n  kind: ssh\n  scheduler: h1\n  workers:\n    - h2\n    - h2\n",
             location: "c.yaml:7:7", words: ["host \"h2\" is listed twice", "first at 6:7", "per_node"]),
        Case(label: "ssh without hosts", yaml: "name: p\nprovider:\n  kind: ssh\n  scheduler: h1\n",
             location: "c.yaml:2:1", words: ["missing key \"provider.workers\""]),
        Case(label: "listen address for unknown host", yaml: "name: p\nprovider:\n  kind: ssh\n  scheduler: h1\n  workers: [h2]\n  listen_addresses:\n    h3: 10.0.0.1\n",
             location: "c.yaml:7:5", words: ["names \"h3\"", "neither provider.scheduler nor one of provider.workers"]),
        Case(label: "ssh port zero", yaml: "name: p\nprovider:\n  kind: ssh\n  scheduler: h1\n  workers: [h2]\n  port: 0\n",
             location: "c.yaml:6:9", words: ["provider.port must be between 1 and 65535"]),
        Case(label: "connect timeout zero", yaml: "name: p\nprovider:\n  kind: ssh\n  scheduler: h1\n  workers: [h2]\n  connect_timeout: 0s\n",
             location: "c.yaml:6:20", words: ["connect_timeout must be a duration above zero"]),
        Case(label: "environment base typo", yaml: SpecFixture.minimal + "environment:\n  base: minmal\n",
             location: "c.yaml:5:9", words: ["environment.base must be one of complete, minimal, not \"minmal\"", "did you mean \"minimal\"?"]),
        Case(label: "environment base not a word", yaml: SpecFixture.minimal + "environment:\n  base: [dask]\n",
             location: "c.yaml:5:9", words: ["environment.base", "base: complete"]),
        Case(label: "environment base misspelt key", yaml: SpecFixture.minimal + "environment:\n  bse: minimal\n",
             location: "c.yaml:5:3", words: ["unknown key \"bse\"", "did you mean \"base\"?"]),
        Case(label: "list of lists", yaml: SpecFixture.minimal + "environment:\n  packages: [[numpy]]\n",
             location: "c.yaml:5:14", words: ["each item of environment.packages must be a single value, not a list"]),
    ]

    @Test(arguments: cases)
    func badInputIsReportedAtItsPlace(_ testCase: Case) {
        let diagnostics = SpecFixture.diagnostics(testCase.yaml)
        #expect(diagnostics.count == 1, "\(diagnostics)")
        let first = diagnostics.first ?? ""
        #expect(first.hasPrefix(testCase.location + ": "), "\(first)")
        for word in testCase.words {
            #expect(first.contains(word), "\(first) lacks \(word)")
        }
    }

    @Test func aliasIsReportedWhereItIsUsedAndAnchorWhereDefined() {
        let diagnostics = SpecFixture.diagnostics(SpecFixture.minimal + "scheduler: &s\n  port: 1\nworkers: *s\n")
        #expect(diagnostics.count == 2)
        #expect(diagnostics.first?.hasPrefix("c.yaml:4:12: anchor &s is not allowed") == true, "\(diagnostics)")
        #expect(diagnostics.last?.hasPrefix("c.yaml:6:10: alias *s is not allowed") == true, "\(diagnostics)")
    }

    @Test func everyProblemInAFileIsReportedInOrder() {
        let diagnostics = SpecFixture.diagnostics("""
            name: Bad
            provider:
              kind: local
            workers:
              count: 0
              threads: lots
            colour: blue
            """)
        #expect(diagnostics.count == 4, "\(diagnostics)")
        #expect(diagnostics.map { String($0.prefix(while: { $0 != " " })) } == ["c.yaml:1:7:", "c.yaml:5:10:", "c.yaml:6:12:", "c.yaml:7:1:"])
    }

    @Test func missingFileNamesTheFile() {
        let path = "/nonexistent-\(UUID().uuidString)/cluster.yaml"
        #expect {
            try SpecLoader.load(path: path)
        } throws: { error in
            guard let error = error as? SpecError, error.diagnostics.count == 1 else { return false }
            return error.description.hasPrefix("\(path): no such file")
        }
    }

    @Test func directoryIsNotAClusterFile() throws {
        let directory = try SpecFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect {
            try SpecLoader.load(path: directory.path)
        } throws: { error in
            (error as? SpecError)?.description.hasPrefix("\(directory.path): is a directory") == true
        }
    }

    @Test func errorsOnDiskNameTheFileAsGiven() throws {
        let directory = try SpecFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("bad.yaml")
        try "name: dev\nprovider:\n  kind: local\nworkers:\n  count: two\n".write(to: file, atomically: true, encoding: .utf8)
        #expect {
            try SpecLoader.load(path: file.path)
        } throws: { error in
            (error as? SpecError)?.description.hasPrefix("\(file.path):5:10: workers.count must be a whole number") == true
        }
    }

    @Test func aFileOverTheSizeLimitIsRefusedUnread() throws {
        let directory = try SpecFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("huge.yaml")
        // Valid YAML-lite that would load if it were read: the refusal comes from the size alone.
        let text = SpecFixture.minimal + String(repeating: "# padding\n", count: Int(SpecLoader.maximumFileSize) / 10 + 1)
        #expect(UInt64(text.utf8.count) > SpecLoader.maximumFileSize)
        try text.write(to: file, atomically: true, encoding: .utf8)
        #expect {
            try SpecLoader.load(path: file.path)
        } throws: { error in
            guard let error = error as? SpecError, error.diagnostics.count == 1 else { return false }
            return error.description == "\(file.path): is 1.0 MiB (\(text.utf8.count) bytes), more than the 1 MiB a cluster "
                + "file may be; a cluster file is a few kilobytes; check that this is the file you meant"
        }
        // At the limit exactly, the file is read.
        let atLimit = directory.appendingPathComponent("big.yaml")
        let padded = SpecFixture.minimal + String(repeating: " ", count: Int(SpecLoader.maximumFileSize) - SpecFixture.minimal.utf8.count)
        try padded.write(to: atLimit, atomically: true, encoding: .utf8)
        #expect(try SpecLoader.load(path: atLimit.path).name == "dev")
    }

    @Test func onlyTheFirstFiftyProblemsAreShownThenACount() {
        func error(unknownKeys count: Int) -> SpecError? {
            let yaml = SpecFixture.minimal + (1...count).map { "unknown\($0): 1\n" }.joined()
            do {
                _ = try SpecLoader.load(text: yaml, file: "c.yaml")
                return nil
            } catch {
                return error as? SpecError
            }
        }
        let many = error(unknownKeys: 73)
        #expect(many?.diagnostics.count == 73)
        let lines = many?.description.split(separator: "\n").map(String.init) ?? []
        #expect(lines.count == 51, "\(lines)")
        #expect(lines.first?.hasPrefix("c.yaml:4:1: unknown key \"unknown1\"") == true, "\(lines)")
        #expect(lines.dropLast().last?.hasPrefix("c.yaml:53:1: unknown key \"unknown50\"") == true, "\(lines)")
        #expect(lines.last == "... and 23 more problems in c.yaml (only the first 50 are shown)")

        let one = error(unknownKeys: 51)?.description.split(separator: "\n") ?? []
        #expect(one.last == "... and 1 more problem in c.yaml (only the first 50 are shown)")
        let fifty = error(unknownKeys: 50)?.description.split(separator: "\n") ?? []
        #expect(fifty.count == 50)
        #expect(fifty.allSatisfy { $0.hasPrefix("c.yaml:") })
    }

    @Test func diagnosticRendersWithoutPosition() {
        let diagnostic = SpecDiagnostic(file: "x.yaml", line: nil, column: nil, problem: "no such file", hint: "check the path")
        #expect(diagnostic.description == "x.yaml: no such file; check the path")
        let located = SpecDiagnostic(file: "x.yaml", line: 3, column: 7, problem: "bad", hint: nil)
        #expect(located.description == "x.yaml:3:7: bad")
    }
}
