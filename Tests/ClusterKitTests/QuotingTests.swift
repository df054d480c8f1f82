import Foundation
import Testing
@testable import ClusterKit

@Suite struct QuotingTests {
    @Test(arguments: ["plain", "with space", "it's", "$(touch /tmp/pwned)", "`id`", "a\nb", "", "--flag=x;y|z&"])
    func shellQuotedValueComesBackVerbatim(_ value: String) throws {
        let run = try LocalRunner().run("printf '%s' " + ShellQuote.quote(value), timeout: 10)
        #expect(run.exitCode == 0)
        #expect(run.stdout == value)
    }

    @Test func systemdQuotingNeutralisesSpecifiersAndVariables() {
        #expect(SystemdQuote.quote("a b") == "\"a b\"")
        #expect(SystemdQuote.quote("100%") == "\"100%%\"")
        #expect(SystemdQuote.quote("$HOME") == "\"$$HOME\"")
        #expect(SystemdQuote.quote("say \"hi\"\\") == "\"say \\\"hi\\\"\\\\\"")
        #expect(!SystemdQuote.quote("a\nb").contains("\n"))
    }

    @Test func localRunnerReportsExitCodesAndTimeouts() throws {
        let runner = LocalRunner()
        let result = try runner.run("echo out; echo err >&2; exit 3", timeout: 10)
        #expect(result.exitCode == 3)
        #expect(result.stdout == "out\n")
        #expect(result.stderr == "err\n")
        #expect { try runner.run("sleep 30", timeout: 0.5) } throws: { error in
            "\(error)".contains("did not finish within")
        }
    }
}
