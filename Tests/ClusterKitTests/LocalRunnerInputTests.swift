import Foundation
import Testing
@testable import ClusterKit

/// `LocalRunner.run(_:input:timeout:)`: what the command reads on its standard input.
@Suite struct LocalRunnerInputTests {
    @Test func inputIsTheCommandsStandardInputThenEndOfFile() throws {
        let runner = LocalRunner()
        #expect(try runner.run("cat", input: Data("a secret\n".utf8), timeout: 10).stdout == "a secret\n")
        #expect(try runner.run("wc -c", input: Data(), timeout: 10).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        // Without input, stdin is /dev/null: a read ends at once.
        #expect(try runner.run("cat; echo done", timeout: 10).stdout == "done\n")

        // More than a pipe holds, read while the output is read.
        let large = Data((0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 13) })
        let echoed = try runner.run("od -An -v -tu1 | wc -w", input: large, timeout: 30)
        #expect(echoed.exitCode == 0 && echoed.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1000000")
        let counted = try runner.run("wc -c", input: large, timeout: 30)
        #expect(counted.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1000000")
        // A command that never reads it ends normally, and this process is not stopped by SIGPIPE.
        let ignored = try runner.run("exit 3", input: large, timeout: 30)
        #expect(ignored.exitCode == 3)
    }
}
