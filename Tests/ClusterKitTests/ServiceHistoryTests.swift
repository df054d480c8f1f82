import Foundation
import Testing
@testable import ClusterKit

/// How restarts and exits are read from each keeper's own record, and how the runtime files
/// are packed for a node.
struct ServiceHistoryTests {
    @Test func systemdPropertiesGiveRestartsAndTheLastExit() {
        let killed = SystemdKeeper.history(fromProperties: ["NRestarts=3", "Result=success", "ExecMainCode=2", "ExecMainStatus=9"])
        #expect(killed == ServiceHistory(restarts: 3, lastExit: "killed by SIGKILL"))
        let failed = SystemdKeeper.history(fromProperties: ["NRestarts=0", "Result=start-limit-hit", "ExecMainCode=1", "ExecMainStatus=1"])
        #expect(failed == ServiceHistory(restarts: 0, lastExit: "exited with status 1", gaveUp: "systemd's start limit was hit"))
        let running = SystemdKeeper.history(fromProperties: ["NRestarts=0", "Result=success", "ExecMainCode=0", "ExecMainStatus=0"])
        #expect(running == ServiceHistory(restarts: 0))
        #expect(SystemdKeeper.history(fromProperties: ["Result=success"]) == nil, "no restart count, no history")
    }

    @Test func theSupervisorsRecordIsRead() {
        let record = #"{"restarts": 4, "last_exit": "exited with status 1", "last_exit_at": 1.5, "gave_up": "5 starts in a row"}"#
        #expect(DetachedKeeper.history(fromJSON: record)
                == ServiceHistory(restarts: 4, lastExit: "exited with status 1", gaveUp: "5 starts in a row"))
        #expect(DetachedKeeper.history(fromJSON: #"{"restarts": 0, "last_exit": null, "gave_up": null}"#) == ServiceHistory(restarts: 0))
        #expect(DetachedKeeper.history(fromJSON: "not json") == nil)
    }

    @Test func gzipOutputIsWhatGzipReadsBack() throws {
        let text = try Templates.text("supervisor/supervise.py")
        let packed = try Gzip.compress(Data(text.utf8))
        #expect(packed.count < text.utf8.count / 2, "\(packed.count) bytes from \(text.utf8.count)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gzip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("packed.gz")
        try packed.write(to: file)
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        gzip.arguments = ["gzip", "-dc", file.path]
        let output = Pipe()
        gzip.standardOutput = output
        try gzip.run()
        let unpacked = output.fileHandleForReading.readDataToEndOfFile()
        gzip.waitUntilExit()
        #expect(gzip.terminationStatus == 0)
        #expect(String(decoding: unpacked, as: UTF8.self) == text)
    }

    @Test func theRuntimeFilesFitInOneSSHRequestWithRoomToSpare() throws {
        let command = try RuntimeFiles.command(in: "/var/lib/clusterctl/some-cluster-name/run", alsoCreating: ["/var/log/x"])
        #expect(command.utf8.count < SSHRunner.requestLimit / 2, "\(command.utf8.count) bytes")
    }
}
