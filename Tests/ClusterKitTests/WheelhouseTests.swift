import Foundation
import Testing
@testable import ClusterKit

/// The wheelhouse for `environment.offline`: platform tags and cache keys from what a node
/// says, the node's request, what is shipped, and real `pip download` fills (and failures)
/// of the cache on this machine.
@Suite struct WheelhouseTests {
    static let debian12 = WheelTarget(pythonMinor: "3.11", machine: "x86_64", libcVersion: "2.36")

    @Test func platformTagsGoFromTheNodesGlibcDownToTheOldestWithLegacyNames() throws {
        let tags = try Self.debian12.platformTags()
        #expect(tags.first == "manylinux_2_36_x86_64")
        #expect(tags.contains("manylinux_2_28_x86_64") && tags.contains("manylinux_2_17_x86_64") && tags.contains("manylinux_2_5_x86_64"))
        #expect(!tags.contains("manylinux_2_37_x86_64"))
        #expect(Array(tags.suffix(3)) == ["manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64"])
        #expect(tags.count == 32 + 3)

        let arm = try WheelTarget(pythonMinor: "3.12", machine: "aarch64", libcVersion: "2.31").platformTags()
        #expect(arm.first == "manylinux_2_31_aarch64" && arm.contains("manylinux_2_17_aarch64"))
        #expect(arm.last == "manylinux2014_aarch64" && !arm.contains { $0.hasPrefix("manylinux1") || $0.contains("_2_16_") })
        #expect(WheelTarget(pythonMinor: "3.12", machine: "x86_64", libcVersion: "2.36").pythonTag == "cp312")
    }

    @Test(arguments: [
        (WheelTarget(implementation: "pypy", pythonMinor: "3.10", machine: "x86_64", libcVersion: "2.36"), "pypy"),
        (WheelTarget(pythonMinor: "3.11", machine: "x86_64", libc: "unknown", libcVersion: "0"), "C library is unknown"),
        (WheelTarget(pythonMinor: "3.11", machine: "riscv64", libcVersion: "2.36"), "riscv64"),
        (WheelTarget(pythonMinor: "3.11", machine: "aarch64", libcVersion: "2.12"), "glibc 2.12"),
    ])
    func nodesWithoutManylinuxWheelsAreToldToTurnOfflineOff(target: WheelTarget, words: String) {
        #expect {
            _ = try target.platformTags()
        } throws: { error in
            let text = "\(error)"
            return text.contains(words) && text.contains("environment.offline: off")
        }
    }

    @Test func cacheKeyIsReadableAndCoversPythonPlatformAndPackages() {
        let packages = ["dask==2026.8.0", "distributed==2026.8.0"]
        let key = Self.debian12.cacheKey(packages: packages)
        #expect(key.hasPrefix("cp311-manylinux_2_36_x86_64-"), "\(key)")
        #expect(key == Self.debian12.cacheKey(packages: packages))
        var others: [String] = [Self.debian12.cacheKey(packages: packages + ["numpy"])]
        for change in [\WheelTarget.pythonMinor, \.machine, \.libcVersion] {
            var target = Self.debian12
            target[keyPath: change] = "3.12"
            others.append(target.cacheKey(packages: packages))
        }
        #expect(Set(others).count == others.count && !others.contains(key), "\(others)")
        #expect(Wheelhouse(root: URL(fileURLWithPath: "/c/wheelhouse")).directory(for: Self.debian12, packages: packages).path
                == "/c/wheelhouse/" + key)
    }

    @Test func standardCacheFollowsXDGCacheHome() {
        let homes = Homes.resolve(home: nil, environment: ["HOME": "/home/u", "XDG_CACHE_HOME": "/xdg"])
        #expect(homes.cache.appendingPathComponent("wheelhouse").path == "/xdg/clusterctl/wheelhouse")
    }

    @Test func aNodesRequestIsReadFromTheBootstrapOutput() throws {
        let output = """
            clusterctl-step: python
            clusterctl-step: wheels
            clusterctl-wheels-for: cpython 3.11 x86_64 glibc 2.36
            clusterctl-wheel-present: dask-2026.8.0-py3-none-any.whl
            clusterctl-wheel-present: toolz-1.0.0-py3-none-any.whl
            """
        let request = try #require(WheelRequest(bootstrapOutput: output))
        #expect(request.target == Self.debian12)
        #expect(request.present == ["dask-2026.8.0-py3-none-any.whl", "toolz-1.0.0-py3-none-any.whl"])
        #expect(!request.needsInstaller)
        #expect(WheelRequest(bootstrapOutput: output + "\nclusterctl-wheels-uv: missing\n")?.needsInstaller == true)
        #expect(WheelRequest(bootstrapOutput: "clusterctl-step: python\n") == nil)
        #expect(WheelRequest(bootstrapOutput: "clusterctl-wheels-for: cpython 3.11\n") == nil)
        #expect(WheelShipping.missing(["a.whl", "b.whl", "c.whl"], present: ["b.whl", "z.whl"]) == ["a.whl", "c.whl"])
    }

    @Test func withNeitherPipNorUvTheErrorSaysWhatToInstall() throws {
        let empty = try SpecFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: empty) }
        #expect {
            _ = try WheelFetchTool.find(searchPath: empty.path)
        } throws: { error in
            let text = "\(error)"
            return text.contains("python3-pip") && text.contains("uv") && text.contains("environment.offline: off")
        }
    }

    @Test func downloadAsksForTheNodesPythonAndEveryPlatformTag() throws {
        let platforms = try Self.debian12.platformTags()
        let arguments = WheelFetchTool.downloadArguments(requirements: URL(fileURLWithPath: "/r.txt"), into: URL(fileURLWithPath: "/d"),
                                                         target: Self.debian12, platforms: platforms)
        #expect(arguments.first == "download" && arguments.contains("--only-binary=:all:"))
        #expect(arguments.firstIndex(of: "--python-version").map { arguments[$0 + 1] } == "3.11")
        #expect(arguments.firstIndex(of: "--implementation").map { arguments[$0 + 1] } == "cp")
        #expect(arguments.filter { $0 == "--platform" }.count == platforms.count)
    }

    /// A real `pip download` for another machine's Python (3.12 on aarch64): the cache gets
    /// that platform's binary wheel, through a temporary directory, and is then reused;
    /// temporary directories abandoned long ago go.
    @Test func fillsTheCacheForTheNodesPlatformOnceAndReusesIt() throws {
        let root = try SpecFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let wheelhouse = Wheelhouse(root: root)
        let target = WheelTarget(pythonMinor: "3.12", machine: "aarch64", libcVersion: "2.36")
        // What a fetch killed long ago left is removed; one under way (recent) is not touched.
        let abandoned = root.appendingPathComponent(".partial-old-1234")
        let underWay = root.appendingPathComponent(".partial-new-5678")
        // So is a wheelhouse unused for longer than 30 days; one used 10 days ago stays.
        let unused = root.appendingPathComponent("cp311-manylinux_2_36_x86_64-0123456789abcdef")
        let recent = root.appendingPathComponent("cp311-manylinux_2_36_x86_64-fedcba9876543210")
        for url in [abandoned, underWay, unused, recent] { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -86400)], ofItemAtPath: abandoned.path)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -31 * 86400)], ofItemAtPath: unused.path)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -10 * 86400)], ofItemAtPath: recent.path)
        var steps: [String] = []
        let directory = try wheelhouse.ensure(target, packages: ["msgpack==1.1.0"]) { steps.append($0) }
        let wheels = try Wheelhouse.wheels(in: directory)
        #expect(wheels.count == 1 && wheels[0].hasPrefix("msgpack-1.1.0-cp312-cp312-manylinux"), "\(wheels)")
        #expect(wheels.first?.hasSuffix("aarch64.whl") == true, "\(wheels)")
        #expect(steps.contains("wheelhouse: collecting msgpack==1.1.0"), "\(steps)")
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: root.path))
                == [directory.lastPathComponent, underWay.lastPathComponent, recent.lastPathComponent])

        // Using it marks it used.
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -20 * 86400)], ofItemAtPath: directory.path)
        var again: [String] = []
        #expect(try wheelhouse.ensure(target, packages: ["msgpack==1.1.0"]) { again.append($0) } == directory)
        #expect(again == ["wheelhouse: using \(directory.path)"])
        let used = try FileManager.default.attributesOfItem(atPath: directory.path)[.modificationDate] as? Date
        #expect(used.map { Date().timeIntervalSince($0) < 3600 } == true, "\(String(describing: used))")
    }

    /// A package with no wheel is named, and nothing is left that a rerun would trust.
    @Test func aFailedFetchNamesThePackageAndLeavesNoCache() throws {
        let root = try SpecFixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let missing = "clusterctl-no-such-package-7f3a==1.0"
        #expect {
            _ = try Wheelhouse(root: root).ensure(Self.debian12, packages: ["toolz==1.0.0", missing]) { _ in }
        } throws: { error in
            let text = "\(error)"
            return text.contains("no wheel of \(missing) fits the nodes") && text.contains("environment.offline: off")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path).isEmpty)
    }
}
