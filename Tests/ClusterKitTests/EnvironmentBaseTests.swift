import Foundation
import Testing
@testable import ClusterKit

/// `environment.base`: which part of the pinned set in `templates/packages.txt` an
/// environment starts from.
@Suite struct EnvironmentBaseTests {
    static let complete = ["dask", "distributed", "numpy", "pandas", "pyarrow", "bokeh", "jinja2", "lz4"]

    /// Every line of the shipped file is a plain `name==version` (the EC2 sandbox reads it too,
    /// dropping only blank and `#` lines), and it holds what `dask[complete]` lists.
    @Test func shippedPinnedSetIsWhatDaskCompleteLists() throws {
        let file = SpecFixture.packageRoot.appendingPathComponent("Sources/ClusterKit/templates/packages.txt")
        let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
        for line in lines {
            #expect(line.range(of: #"^[a-z0-9-]+==[0-9][0-9a-z.]*$"#, options: .regularExpression) != nil, "\(line)")
        }
        #expect(lines.map(EnvironmentInstaller.packageName) == Self.complete)
        #expect(lines.contains("dask==2026.8.0") && lines.contains("distributed==2026.8.0"))
    }

    @Test func completeIsTheWholeSetAndMinimalOnlyDaskAndDistributed() throws {
        let complete = try EnvironmentInstaller.packages(for: EnvironmentSpec())
        #expect(complete == (try Templates.pinnedPackages()))
        #expect(complete.map(EnvironmentInstaller.packageName) == Self.complete)
        let minimal = try EnvironmentInstaller.packages(for: EnvironmentSpec(base: .minimal))
        #expect(minimal == ["dask==2026.8.0", "distributed==2026.8.0"])
    }

    @Test func ownPackagesReplacePinnedOnesOfTheSameName() throws {
        let packages = try EnvironmentInstaller.packages(for: EnvironmentSpec(packages: ["Pandas>=2", "scipy"]))
        #expect(packages.filter { EnvironmentInstaller.packageName($0) == "pandas" } == ["Pandas>=2"])
        #expect(packages.last == "scipy")
        let minimal = try EnvironmentInstaller.packages(for: EnvironmentSpec(base: .minimal, packages: ["bokeh"]))
        #expect(minimal == ["dask==2026.8.0", "distributed==2026.8.0", "bokeh"])
    }
}
