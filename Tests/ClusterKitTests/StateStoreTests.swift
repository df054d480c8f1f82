import Foundation
import Testing
@testable import ClusterKit

@Suite struct StateStoreTests {
    func temporaryHomes() throws -> Homes {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("clusterctl-state-\(UUID().uuidString)")
        return Homes(state: base.appendingPathComponent("state"), cache: base.appendingPathComponent("cache"))
    }

    func sampleState() -> ClusterState {
        let spec = ClusterSpec(name: "dev", provider: .local(LocalProviderSpec()), sourcePath: "/tmp/dev.yaml")
        return ClusterState(spec: spec, endpoint: SchedulerEndpoint(host: "127.0.0.1", port: 8786, dashboardPort: 8787),
                            environmentPath: "/cache/envs/abc",
                            services: [ServiceRecord(name: "scheduler", role: .scheduler, node: "localhost", pid: 42),
                                       ServiceRecord(name: "dev-w0", role: .worker, node: "localhost", pid: 43,
                                                     workerCount: 2, retired: ["dev-w0-1"])],
                            createdAt: Date(timeIntervalSince1970: 1_700_000_000))
    }

    @Test func roundTripKeepsEveryField() throws {
        let store = StateStore(homes: try temporaryHomes())
        defer { try? FileManager.default.removeItem(at: store.homes.state.deletingLastPathComponent()) }
        var state = sampleState()
        try store.save(state)
        let loaded = try #require(try store.load("dev"))
        state.updatedAt = loaded.updatedAt
        #expect(loaded == state)
        #expect(loaded.workers.first?.liveWorkerNames == ["dev-w0-0"])
        #expect(try store.names() == ["dev"])
    }

    @Test func filesArePrivate() throws {
        let store = StateStore(homes: try temporaryHomes())
        defer { try? FileManager.default.removeItem(at: store.homes.state.deletingLastPathComponent()) }
        try store.save(sampleState())
        let dir = store.homes.clusterDirectory("dev")
        let dirMode = try FileManager.default.attributesOfItem(atPath: dir.path)[.posixPermissions] as? Int
        let fileMode = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent("state.json").path)[.posixPermissions] as? Int
        #expect(dirMode == 0o700)
        #expect(fileMode == 0o600)
        // No temp file is left beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".tmp") }.isEmpty)
    }

    @Test func missingStateIsNilAndCorruptStateIsAClearError() throws {
        let store = StateStore(homes: try temporaryHomes())
        defer { try? FileManager.default.removeItem(at: store.homes.state.deletingLastPathComponent()) }
        #expect(try store.load("nothing") == nil)
        let dir = try store.directory(for: "broken")
        try Data("{not json".utf8).write(to: dir.appendingPathComponent("state.json"))
        #expect { try store.load("broken") } throws: { error in
            "\(error)".contains("state.json") && "\(error)".contains("unreadable")
        }
    }

    @Test func lockExcludesASecondHolderUntilReleased() throws {
        let store = StateStore(homes: try temporaryHomes())
        defer { try? FileManager.default.removeItem(at: store.homes.state.deletingLastPathComponent()) }
        let first = try store.lock("dev")
        var sawHolder: Int32?
        #expect {
            try store.lock("dev", timeout: 0.3) { sawHolder = $0 }
        } throws: { error in
            "\(error)".contains("another clusterctl command")
        }
        #expect(sawHolder == getpid())
        first.release()
        let second = try store.lock("dev", timeout: 1)
        second.release()
    }

    @Test func waitingLockIsTakenOnceTheHolderLetsGo() throws {
        let store = StateStore(homes: try temporaryHomes())
        defer { try? FileManager.default.removeItem(at: store.homes.state.deletingLastPathComponent()) }
        let first = try store.lock("dev")
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { first.release() }
        let started = Date()
        let second = try store.lock("dev", timeout: 10)
        #expect(Date().timeIntervalSince(started) >= 0.2)
        second.release()
    }
}
