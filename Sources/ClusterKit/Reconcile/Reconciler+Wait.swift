import Foundation

/// The reconciler's last step: waiting until the scheduler reports every worker, looking for
/// services that exited meanwhile, and saying which process failed when the wait times out.
extension Reconciler {
    /// Polls the scheduler until it reports `count` live workers, with a live progress line
    /// and, for each of `nodes` (those this command worked on), its workers' registration.
    /// When the scheduler does not answer, the way to it is asked for again (a tunnel whose
    /// connection broke is reopened); if that fails, the wait ends at once with the reason.
    func waitForWorkers(_ count: Int, state: ClusterState, started: Stopwatch, nodes: Set<String>) throws {
        var api = try backend.schedulerAPI(state.endpoint)
        let deadline = Deadline(seconds: timeout)
        var last = ""
        var checked = Stopwatch()
        var checkEvery = 1.0
        var lastExited: String?
        var shown: [String: String] = [:]
        let done = try deadline.poll(every: 0.05) { () throws -> Bool? in
            var identity = api.identity()
            if identity == nil {
                do {
                    api = try backend.schedulerAPI(state.endpoint)
                } catch {
                    throw ClusterError("lost the way to the scheduler while waiting for workers: \(error)")
                }
                identity = api.identity()
            }
            // A service that exited (a port taken after the check, a broken environment, workers
            // whose scheduler went away) is looked for after 1 s, then less and less often (each
            // look is a command on every node it asks, taking CPU from the Dask processes
            // starting there), up to every 8 s; it must be seen stopped twice in a row, so once
            // one is seen stopped the next look comes after 1 s. One its keeper is restarting is
            // not stopped: a keeper that gives up leaves it stopped. Services the scheduler
            // vouches for (it answers; all their workers registered) are not asked about.
            if identity?.liveWorkers.count != count, checked.elapsed >= checkEvery {
                checked = Stopwatch()
                let exited = serviceExit(state, unlessVouchedBy: identity)
                if let exited, exited.service == lastExited { throw exited.error }
                lastExited = exited?.service
                checkEvery = exited == nil ? min(checkEvery * 2, 8) : 1
            }
            let registered = identity?.liveWorkers.count
            let line = registered.map { "waiting for workers: \($0)/\(count) registered" } ?? "waiting for the scheduler to answer"
            if line != last {
                reporter.progress(line + String(format: " (%.1f s; gives up after %d s)", started.elapsed, Int(timeout)))
                last = line
            }
            if let identity { reportRegistration(identity, state: state, nodes: nodes, shown: &shown) }
            return registered == count ? true : nil
        }
        if done == nil {
            throw diagnoseTimeout(count, state: state, api: api)
        }
        reporter.progress(String(format: "%d/%d workers registered (%.1f s)", count, count, started.elapsed))
    }

    /// The error for a service that has exited while the wait went on, with the tail of its
    /// log; nil while they all run (or cannot be checked: the wait goes on). The scheduler,
    /// when it answers, and services whose workers it all lists are taken to run.
    func serviceExit(_ state: ClusterState, unlessVouchedBy identity: SchedulerIdentity?) -> (service: String, error: ClusterError)? {
        let registered = Set(identity?.liveWorkers.map(\.name) ?? [])
        let unvouched = state.services.filter { service in
            service.role == .scheduler ? identity == nil : !service.liveWorkerNames.allSatisfy(registered.contains)
        }
        guard !unvouched.isEmpty, let states = try? backend.states(of: unvouched, cluster: state.name),
              let exited = unvouched.first(where: { states.state(of: $0.name) == .stopped }) else { return nil }
        var log = ""
        if let (runner, command) = try? backend.logSource(for: exited, cluster: state.name, tail: 15, follow: false),
           let result = try? runner.run(command, timeout: 15) {
            log = result.stdout
        }
        let what = exited.role == .scheduler ? "the scheduler" : exited.name
        if exited.role == .scheduler, log.lowercased().contains("address already in use") {
            return (exited.name, ClusterError("the scheduler on \(exited.node) could not listen: port \(state.endpoint.port) or "
                                + "\(state.endpoint.dashboardPort) was taken by another process after clusterctl checked it. "
                                + "Run the command again (with port 0 a new free port is picked), or set scheduler.port "
                                + "and scheduler.dashboard_port to ports nothing else uses", details: log))
        }
        return (exited.name, ClusterError("\(what) on \(exited.node) exited while clusterctl waited for the workers; fix the "
                                          + "cause shown below, then run `clusterctl up` again",
                                          details: log.isEmpty ? "(its log is empty)" : log))
    }

    /// Says which process failed, with the tail of its log.
    func diagnoseTimeout(_ count: Int, state: ClusterState, api: SchedulerAPI) -> ClusterError {
        let states: ServiceStates
        do {
            states = try backend.states(of: state.services, cluster: state.name)
        } catch {
            return ClusterError("timed out waiting for \(count) workers, and could not check the services: \(error)")
        }
        let running = states.running
        let schedulerUp = state.scheduler.map { running.contains($0.name) } ?? false
        let registered = api.identity()?.liveWorkers.count ?? 0
        let suspects: [ServiceRecord]
        if !schedulerUp {
            suspects = state.scheduler.map { [$0] } ?? []
        } else if let dead = state.workers.first(where: { !running.contains($0.name) }) {
            suspects = [dead]
        } else {
            suspects = state.workers + (state.scheduler.map { [$0] } ?? [])
        }
        var details = ""
        for service in suspects.prefix(2) {
            let condition = states.state(of: service.name)
            details += "\(service.name) on \(service.node) (\(condition == .stopped ? "exited" : condition.rawValue)), last lines of its log:\n"
            if let (runner, command) = try? backend.logSource(for: service, cluster: state.name, tail: 15, follow: false),
               let result = try? runner.run(command, timeout: 15) {
                details += result.stdout.isEmpty ? "(empty)\n" : result.stdout
            }
        }
        let what = suspects.first.map { "; \($0.name) on \($0.node) \(running.contains($0.name) ? "did not register" : "exited")" } ?? ""
        let whole = suspects.first.map { " (`clusterctl logs \(state.name) --node \($0.name)` shows its whole log)" } ?? ""
        return ClusterError("only \(registered) of \(count) workers registered within \(Int(timeout)) s\(what). "
                            + "Fix the cause shown below\(whole), then run `clusterctl up` again (or `clusterctl down` to stop what started)",
                            details: details.trimmingCharacters(in: .newlines))
    }
}
