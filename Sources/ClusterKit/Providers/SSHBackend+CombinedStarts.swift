import Foundation

extension SSHBackend: CombinedStarts {
    /// The environment's bootstrap, the node's TLS files and its service starts go as one
    /// remote command; the certificate and key travel on that command's standard input.
    public func prepareAndStart(on id: String, spec: ClusterSpec, starts: [ServiceStart],
                                endpoint: () throws -> SchedulerEndpoint, report: (String) -> Void) throws -> [ServiceRecord] {
        try onNode(id) { node in
            var steps: [String] = []
            var tlsPaths: NodeTLSPaths?
            var staged: String?
            var input: Data?
            if let tls {
                let files = try tls.credential(for: id, addresses: certificateAddresses(of: id))
                // The login user's home exists before anything of clusterctl's does.
                let install = NodeTLSInstaller.commandReadingInput(files, stagingDirectory: node.facts.home,
                                                                   directory: node.tlsDirectory, owner: node.serviceUser,
                                                                   sudo: node.sudo)
                (staged, input) = (install.staged, install.input)
                steps.append("echo 'clusterctl-step: TLS files' && " + install.command)
                tlsPaths = NodeTLSInstaller.paths(in: node.tlsDirectory)
            }
            do {
                let endpoint = try endpoint()
                var records: [ServiceRecord] = []
                for start in starts {
                    let record: ServiceRecord
                    let command: String
                    switch start {
                    case .scheduler:
                        record = ServiceRecord(name: "scheduler", role: .scheduler, node: id)
                        let (argv, environment) = schedulerDefinition(spec, endpoint: endpoint, node: node, tls: tlsPaths)
                        command = try node.keeper.startCommand(record.name, role: .scheduler, argv: argv, environment: environment)
                    case .workers(let service, let count):
                        record = ServiceRecord(name: service, role: .worker, node: id, workerCount: count)
                        let (argv, environment) = try workerDefinition(spec, endpoint: endpoint, name: service, count: count,
                                                                       on: id, node: node, tls: tlsPaths)
                        command = try node.keeper.startCommand(service, role: .worker, argv: argv, environment: environment)
                    }
                    steps.append("echo \(ShellQuote.quote("clusterctl-step: start " + record.name)) && " + command)
                    records.append(record)
                }
                let output: String
                do {
                    output = try node.prepareEnvironment(spec.environment, then: steps.joined(separator: " && "),
                                                         input: input, delivery: wheelDelivery, onStep: report)
                } catch RunnerError.tooLong {
                    // A long package list and several services: the starts go as a second command.
                    try node.prepareEnvironment(spec.environment, delivery: wheelDelivery, onStep: report)
                    let result = try node.runner.run(steps.joined(separator: " && "), input: input, timeout: 120)
                    guard result.exitCode == 0 else {
                        throw ClusterError("\(node.host): \(result.statedReason ?? "could not start its services")",
                                           details: result.tail())
                    }
                    output = result.stdout
                }
                return try records.map { record in
                    guard let started = StartedService.find(record.name, in: output) else {
                        throw ClusterError("\(node.host): \(record.name) was started but its pid was not reported",
                                           details: String(output.suffix(2000)))
                    }
                    var record = record
                    record.pid = started.pid
                    return record
                }
            } catch {
                // The command removes the key it staged once installed; one stopped on the way may not have.
                if let staged { _ = try? node.runner.run("rm -f " + ShellQuote.quote(staged), timeout: 30) }
                throw error
            }
        }
    }
}
