import Foundation
import Testing
@testable import ClusterKit

/// The wrapper SSHRunner puts around a command so that a timed-out command can be stopped on
/// its host, run here by a local `/bin/sh` (the same shell text goes over SSH).
@Suite("A timed-out remote command is stopped however far it got")
struct StoppableCommandTests {
    /// Runs `text` with `/bin/sh` through LocalRunner (a child with a clean signal mask, as
    /// sshd gives its commands), returning the exit status.
    private func shell(_ text: String) throws -> Int32 {
        try LocalRunner().run(text, timeout: 60).exitCode
    }

    /// Processes of process group `group` that still run (zombies waiting for this container's
    /// init to reap them do not count: they run nothing).
    private func liveMembers(ofGroup group: Int32) -> [String] {
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return pids.filter { Int($0) != nil }.filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            // After the command name: state, parent pid, process group.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 2 && fields[0] != "Z" && fields[2] == "\(group)"
        }
    }

    private func scratch() throws -> String {
        let directory = NSTemporaryDirectory() + "stoppable-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test("a stop that arrives before the command started keeps it from starting")
    func stopBeforeStart() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pidFile = directory + "/run.pid", marker = directory + "/ran"
        #expect(try shell(SSHRunner.stopScript(pidFile: pidFile)) == 0)
        let status = try shell(SSHRunner.stoppable("touch '\(marker)'", pidFile: pidFile))
        #expect(status == 124)
        #expect(!FileManager.default.fileExists(atPath: marker), "the command ran after it was stopped")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    @Test("a running command's whole process group is stopped, and an unstopped one runs as usual")
    func stopWhileRunning() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pidFile = directory + "/run.pid"
        #expect(try shell(SSHRunner.stoppable("exit 3", pidFile: pidFile)) == 3)

        // The wrapper in the background, its output elsewhere, so this call returns at once.
        let background = "(\(SSHRunner.stoppable("sleep 300 & sleep 301", pidFile: pidFile))) >/dev/null 2>&1 &"
        #expect(try shell(background) == 0)
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: pidFile), Date() < deadline { usleep(20_000) }
        let group = try #require(Int32(String(contentsOfFile: pidFile, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(try shell(SSHRunner.stopScript(pidFile: pidFile)) == 0)
        #expect(liveMembers(ofGroup: group).isEmpty, "the command's process group still runs")
        // The wrapper, its command gone, removes its files as it ends.
        let emptied = Date().addingTimeInterval(20)
        while try !FileManager.default.contentsOfDirectory(atPath: directory).isEmpty, Date() < emptied { usleep(20_000) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }
}
