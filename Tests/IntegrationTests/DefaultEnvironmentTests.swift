import Foundation
import Testing

/// The environment a cluster file gets without asking: what `dask[complete]` lists, so
/// dask.array, dask.dataframe and the dashboard work on first try; `environment.base: minimal`
/// keeps dask and distributed only, and then (only then) `up` says the page needs bokeh.
@Suite(.serialized)
struct DefaultEnvironmentTests {
    static let bokehHint = "the page needs bokeh"

    @Test func defaultClusterRunsArrayAndDataFrameAndServesTheDashboard() throws {
        let cluster = try LocalClusterHarness(prefix: "envdefault")
        defer { cluster.tearDown() }
        let file = try cluster.writeClusterFile(workers: 2)

        let up = try cluster.clusterctl(["up", file], timeout: 900)
        try #require(up.status == 0, "up failed:\n\(up.all)")
        #expect(!up.all.contains(Self.bokehHint), "hint printed though bokeh is installed:\n\(up.all)")
        let dashboardLine = up.stdout.split(separator: "\n").first { $0.contains("dashboard: ") }
        let dashboard = try #require(dashboardLine.map { String($0.split(separator: " ").last ?? "") },
                                     "no dashboard line:\n\(up.all)")
        #expect(dashboard.hasPrefix("http://127.0.0.1:") && dashboard.hasSuffix("/status"), "dashboard: \(dashboard)")

        // A real client: a dask.array sum and a dask.dataframe groupby on the workers.
        let compute = try cluster.python("""
        import os
        import dask.array as da
        import dask.dataframe as dd
        import pandas as pd
        from distributed import Client
        with Client(os.environ["ADDRESS"], timeout=30) as client:
            x = da.arange(1000, chunks=100)
            print("ARRAY", int(x.sum().compute()))
            pdf = pd.DataFrame({"k": [i % 3 for i in range(30)], "v": range(30)})
            ddf = dd.from_pandas(pdf, npartitions=4)
            sums = ddf.groupby("k").v.sum().compute().sort_index()
            print("GROUPBY", ",".join(str(int(s)) for s in sums))
            print("WORKERS", len(client.scheduler_info()["workers"]))
        """, timeout: 180)
        #expect(compute.stdout.contains("ARRAY 499500"), "client run:\n\(compute.all)")
        #expect(compute.stdout.contains("GROUPBY 135,145,155"), "client run:\n\(compute.all)")
        #expect(compute.stdout.contains("WORKERS 2"), "client run:\n\(compute.all)")

        // The printed dashboard URL serves the status page.
        let page = try CapturedRun.of("curl", ["-sS", "-o", "-", "-w", "\\nHTTP %{http_code}", "--max-time", "30", dashboard],
                                      timeout: 60)
        #expect(page.stdout.hasSuffix("HTTP 200"), "curl \(dashboard):\n\(page.all.suffix(2000))")
        // Dask's dashboard template with the status document embedded by Bokeh.
        #expect(page.stdout.contains("<title>Dask Diagnostic UI</title>"), "not the dashboard:\n\(page.stdout.prefix(2000))")
        #expect(page.stdout.contains("static/js/bokeh.min.js") && page.stdout.contains("render_items"),
                "no Bokeh document in the page:\n\(page.stdout.prefix(2000))")

        // status says so too.
        let scheduler = try cluster.status()["scheduler"] as? [String: Any]
        #expect(scheduler?["dashboard_pages"] as? Bool == true)
    }

    @Test func minimalBaseHasNoBokehAndUpSaysSo() throws {
        let cluster = try LocalClusterHarness(prefix: "envminimal")
        defer { cluster.tearDown() }
        let file = try cluster.writeClusterFile(workers: 1, base: "minimal")

        let up = try cluster.clusterctl(["up", file], timeout: 900)
        try #require(up.status == 0, "up failed:\n\(up.all)")
        let dashboardLine = up.stdout.split(separator: "\n").first { $0.contains("dashboard: ") } ?? ""
        #expect(dashboardLine.contains(Self.bokehHint), "no hint without bokeh:\n\(up.all)")
        let scheduler = try cluster.status()["scheduler"] as? [String: Any]
        #expect(scheduler?["dashboard_pages"] as? Bool == false)

        // Only dask and distributed (and their own dependencies) are there.
        let modules = try cluster.python("""
        import importlib.util
        print("HAVE", " ".join(m for m in ["dask", "distributed", "bokeh", "pandas", "pyarrow", "lz4"]
                               if importlib.util.find_spec(m)))
        """)
        #expect(modules.stdout.contains("HAVE dask distributed\n"), "modules:\n\(modules.all)")
    }
}
