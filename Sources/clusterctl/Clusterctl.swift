import ArgumentParser

@main
struct Clusterctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clusterctl",
        abstract: "Bring up, scale, inspect and tear down Dask clusters from a declarative cluster file.",
        discussion: "State lives under --home (or CLUSTERCTL_HOME), by default $XDG_STATE_HOME/clusterctl "
            + "or ~/.local/state/clusterctl. Exit codes: 0 success, 1 failed operation, 2 bad usage or cluster file.",
        version: "0.1.0",
        subcommands: [Init.self, Up.self, PlanCommand.self, Status.self, Dashboard.self, Scale.self, Restart.self, Logs.self, Exec.self, SSH.self, Env.self, RotateCerts.self, Down.self, List.self, Validate.self, GC.self, AWS.self]
    )
}
