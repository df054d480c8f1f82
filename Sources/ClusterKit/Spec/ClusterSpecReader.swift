import Yams

/// Builds a `ClusterSpec` from the root node of a cluster file: the top level and the
/// scheduler, workers, environment and security sections. The provider section has its own reader.
///
/// Every problem is reported to `reader`; a value that is wrong is replaced by its default so
/// that the rest of the file is still checked.
struct ClusterSpecReader {
    let reader: SchemaReader
    /// Directory of the cluster file, for relative paths.
    let directory: String

    /// The spec, or nil if the file has a problem (then `reader.diagnostics` says which).
    func read(_ root: Node) -> ClusterSpec? {
        guard reader.checkProperties(of: root, after: SourcePosition(line: 1, column: 1)),
              let top = reader.fields(of: root, path: "", at: SourcePosition(line: 1, column: 1), allowed: SpecKeys.top) else {
            return nil
        }
        let name = readName(top)
        let provider = readProvider(top)
        var spec = ClusterSpec(name: name ?? "", provider: provider?.provider ?? .local(LocalProviderSpec()))
        spec.stateURL = provider?.state
        if let node = top["scheduler"], let fields = section(node, "scheduler", top, SpecKeys.scheduler) {
            spec.scheduler = readScheduler(fields)
        }
        if let node = top["workers"], let fields = section(node, "workers", top, SpecKeys.workers) {
            spec.workers = readWorkers(fields)
        }
        if let node = top["environment"], let fields = section(node, "environment", top, SpecKeys.environment) {
            spec.environment = readEnvironment(fields)
        }
        if let node = top["security"], let fields = section(node, "security", top, SpecKeys.security) {
            spec.security = readSecurity(fields)
        }
        if let node = top["lifetime"], let fields = section(node, "lifetime", top, SpecKeys.lifetime) {
            let lifetime = LifetimeSpec(max: fields["max"].flatMap { readDuration($0, fields.label("max"), example: "max: 8h") },
                                        noClient: fields["no_client"].flatMap {
                                            readDuration($0, fields.label("no_client"), example: "no_client: 30m")
                                        })
            // Both `never` is the same cluster as no section: no change to plan.
            spec.lifetime = lifetime == LifetimeSpec() ? nil : lifetime
        }
        guard reader.diagnostics.isEmpty, name != nil, provider != nil else { return nil }
        return spec
    }

    /// The fields of the section `key` of `parent`.
    private func section(_ node: Node, _ key: String, _ parent: SchemaReader.Fields, _ allowed: [String]) -> SchemaReader.Fields? {
        let position = parent.entries.first { $0.key == key }?.keyPosition ?? parent.position
        return reader.fields(of: node, path: parent.label(key), at: position, allowed: allowed)
    }

    // MARK: Top level

    private func readName(_ top: SchemaReader.Fields) -> String? {
        guard let node = top["name"] else {
            if !top.isWritten("name") {
                reader.report(top.position, "missing key \"name\"", hint: "add a line `name: my-cluster` at the top level")
            }
            return nil
        }
        guard let name = reader.string(node, "name", example: "name: my-cluster") else { return nil }
        if let problem = SpecValueRules.clusterNameProblem(name) {
            reader.report(SourcePosition(node.mark), problem,
                          hint: "for example name: \(SpecValueRules.suggestedClusterName(for: name))")
            return nil
        }
        return name
    }

    private func readProvider(_ top: SchemaReader.Fields) -> (provider: ProviderSpec, state: String?)? {
        guard let node = top["provider"] else {
            if !top.isWritten("provider") {
                reader.report(top.position, "missing key \"provider\"",
                              hint: "add `provider:` with `kind: local` (this machine) or `kind: ssh` indented under it")
            }
            return nil
        }
        let position = top.entries.first { $0.key == "provider" }?.keyPosition ?? top.position
        return ProviderSpecReader(reader: reader, directory: directory).read(node, at: position)
    }

    // MARK: Sections

    private func readScheduler(_ fields: SchemaReader.Fields) -> SchedulerSpec {
        var scheduler = SchedulerSpec()
        let portHint = "write a port between 1 and 65535, or 0 to pick a free port"
        if let node = fields["port"],
           let port = reader.integer(node, fields.label("port"), in: 0...65_535, example: "port: 8786", rangeHint: portHint) {
            scheduler.port = port
        }
        if let node = fields["dashboard_port"],
           let port = reader.integer(node, fields.label("dashboard_port"), in: 0...65_535,
                                     example: "dashboard_port: 8787", rangeHint: portHint) {
            if port != 0, port == scheduler.port {
                reader.report(SourcePosition(node.mark), "\(fields.label("dashboard_port")) \(port) is the same as \(fields.label("port"))",
                              hint: "give the dashboard its own port, for example \(port + 1)")
            }
            scheduler.dashboardPort = port
        }
        if let node = fields["dashboard"],
           let text = reader.choice(node, fields.label("dashboard"), among: DashboardAccess.allCases.map(\.rawValue)),
           let access = DashboardAccess(rawValue: text) {
            scheduler.dashboard = access
        }
        if let node = fields["idle_timeout"] {
            scheduler.idleTimeout = readDuration(node, fields.label("idle_timeout"), example: "idle_timeout: 2h")
        }
        return scheduler
    }

    /// `never`, or a whole number of seconds of at least 1.
    private func readDuration(_ node: Node, _ label: String, example: String) -> Int? {
        guard let text = reader.string(node, label, example: example), text != SpecKeys.never else { return nil }
        guard let seconds = Durations.parse(text), seconds >= 1, seconds.rounded() == seconds else {
            reader.report(SourcePosition(node.mark), "\(label) must be a duration of whole seconds such as 30s, 15m, 2h or 1d, or never; not \"\(text)\"",
                          hint: "write for example \(example)")
            return nil
        }
        return Int(seconds)
    }

    private func readWorkers(_ fields: SchemaReader.Fields) -> WorkersSpec {
        var workers = WorkersSpec()
        if let node = fields["count"], let count = reader.integer(
            node, fields.label("count"), in: 1...10_000, example: "count: 2",
            rangeHint: "a cluster needs at least one worker (and at most 10000); write for example count: 2") {
            workers.count = count
        }
        if let node = fields["per_node"], let perNode = reader.integer(
            node, fields.label("per_node"), in: 1...1_024, example: "per_node: 1",
            rangeHint: "each node runs at least one worker process; write for example per_node: 1") {
            workers.perNode = perNode
        }
        if let node = fields["threads"], let threads = reader.integer(
            node, fields.label("threads"), in: 1...1_024, example: "threads: 2",
            rangeHint: "each worker needs at least one thread; write for example threads: 2") {
            workers.threads = threads
        }
        if let node = fields["memory_limit"], let text = reader.string(node, fields.label("memory_limit"), example: "memory_limit: 2GiB") {
            switch Sizes.parseMemoryLimit(text) {
            case .bytes(0):
                reader.report(SourcePosition(node.mark), "\(fields.label("memory_limit")) must be more than 0",
                              hint: "write auto (Dask divides the machine's memory) or a size such as 2GiB")
            case let limit?:
                workers.memoryLimit = limit
            case nil:
                reader.report(SourcePosition(node.mark), "\(fields.label("memory_limit")) must be auto or a size, not \"\(text)\"",
                              hint: "write for example memory_limit: 2GiB (units B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)")
            }
        }
        return workers
    }

    private func readEnvironment(_ fields: SchemaReader.Fields) -> EnvironmentSpec {
        var environment = EnvironmentSpec()
        if let node = fields["python"], let python = reader.string(node, fields.label("python"), example: "python: python3") {
            if let problem = SpecValueRules.pythonProblem(python) {
                reader.report(SourcePosition(node.mark), "\(fields.label("python")) \"\(python)\" \(problem)",
                              hint: "write for example python: python3")
            } else {
                environment.python = python
            }
        }
        if let node = fields["base"],
           let text = reader.choice(node, fields.label("base"), among: EnvironmentSpec.Base.allCases.map(\.rawValue)),
           let base = EnvironmentSpec.Base(rawValue: text) {
            environment.base = base
        }
        if let node = fields["packages"], !reader.isNull(node),
           let items = reader.scalarList(node, fields.label("packages"), example: "packages: [numpy, pandas>=2]") {
            var packages: [String] = []
            for item in items {
                if let problem = SpecValueRules.packageProblem(item.value) {
                    reader.report(item.position, "package \"\(item.value)\" \(problem)",
                                  hint: "write one requirement per item, such as numpy or pandas>=2.2")
                } else {
                    packages.append(item.value)
                }
            }
            environment.packages = packages
        }
        if let node = fields["match_client"],
           let text = reader.string(node, fields.label("match_client"), example: "match_client: python3"), text != SpecKeys.none {
            let problem = text.contains("/") ? SpecValueRules.localPathProblem(text) : SpecValueRules.pythonProblem(text)
            if let problem {
                reader.report(SourcePosition(node.mark), "\(fields.label("match_client")) \"\(text)\" \(problem)",
                              hint: "write the Python you connect from, for example match_client: python3 or match_client: .venv/bin/python")
            } else {
                environment.matchClient = text.contains("/") ? LocalUser.absolutePath(text, relativeTo: directory) : text
            }
        }
        if let node = fields["offline"],
           let text = reader.choice(node, fields.label("offline"), among: OfflineMode.allCases.map(\.rawValue)),
           let offline = OfflineMode(rawValue: text) {
            environment.offline = offline
        }
        return environment
    }

    private func readSecurity(_ fields: SchemaReader.Fields) -> SecuritySpec {
        var security = SecuritySpec()
        guard let node = fields["tls"], let text = reader.choice(node, fields.label("tls"), among: ["auto", "on", "off"]) else {
            return security
        }
        if let mode = TLSMode(rawValue: text) { security.tls = mode }
        return security
    }
}
