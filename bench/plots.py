#!/usr/bin/env python3
"""bench/plots.py: one SVG per benchmark result, for docs/benchmarks.md.

Reads every bench/results/*.json and draws docs/benchmarks/NAME.svg, NAME being the result's
"benchmark" (ssh-fanout, ssh-fanout-50ms, local-up, env-cost, ec2-api-calls, cli-cost, index-bytes); the sections of
docs/benchmarks.md link them. Needs matplotlib (bench/plots-requirements.txt): `make bench-env`
puts it in .build-bench/plots, whose python runs this script in `make bench`.
Usage: bench/plots.py [--results DIR] [--out DIR]
"""
import argparse
import json
import pathlib
import statistics
import sys

try:
    import matplotlib
except ImportError:
    sys.exit("bench/plots.py needs matplotlib: `make bench-env`, then .build-bench/plots/bin/python bench/plots.py")

matplotlib.use("svg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
OURS, THEIRS, REFERENCE = "#1f5fa8", "#d9822b", "#7a7a7a"

# Text stays text and ids stay put, so a redrawn figure with the same numbers is the same file.
plt.rcParams.update({"svg.fonttype": "none", "svg.hashsalt": "clusterctl-bench", "font.size": 9,
                     "axes.spines.top": False, "axes.spines.right": False})


def footer(fig, result):
    """The command, date, machine and checkout (what the result records of them) under the figure."""
    commit = result.get("versions", {}).get("commit") or result.get("commit")
    command = result.get("command")
    if command is None and result.get("benchmark") == "local-up":  # results from before it was recorded
        command = f"bench/local-up --workers {result['workers']} --rounds {result['rounds']}"
    parts = [f"command: {command}" if command else None, result.get("when"),
             f"{result['cores']} cores" if result.get("cores") else None, f"checkout {commit}" if commit else None]
    fig.text(0.01, 0.01, ", ".join(part for part in parts if part), fontsize=7, color=REFERENCE,
             ha="left", va="bottom")


def runs_and_medians(ax, xs, runs, color, label, offset=0.0):
    """Each run as a dot, the medians joined by a line."""
    for x, values in zip(xs, runs):
        ax.scatter([x + offset] * len(values), values, s=10, color=color, alpha=0.45, linewidths=0)
    ax.plot([x + offset for x in xs], [statistics.median(v) for v in runs], marker="o", color=color, label=label)


def ssh_fanout(result):
    sizes = sorted(result["up"], key=int)
    xs = [int(n) for n in sizes]
    up = result["up"]
    one_way = result.get("latency_ms_each_way") or 0
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2), gridspec_kw={"width_ratios": [3, 2]})
    runs_and_medians(left, xs, [up[n]["clusterctl_up_s"] for n in sizes], OURS, "clusterctl up", -0.06)
    runs_and_medians(left, xs, [up[n]["sshcluster_s"] for n in sizes], THEIRS, "distributed SSHCluster", 0.06)
    top = max(max(up[n]["clusterctl_up_s"] + up[n]["sshcluster_s"]) for n in sizes)
    for n, x in zip(sizes, xs):
        left.annotate(f"{up[n]['ratio']:.2f}x", (x, top * 1.06), ha="center", fontsize=8,
                      fontweight="bold" if up[n]["ratio"] > 1 else "normal")
    left.set_xticks(xs)
    left.set_ylim(0, top * 1.15)
    left.set_xlabel("worker hosts N (one worker process each)")
    left.set_ylabel("seconds until every worker registered")
    left.legend(loc="lower right", frameon=False)
    left.set_title("up; above each N: ratio clusterctl / SSHCluster of the medians", fontsize=9)

    ex = result["exec_true"]
    labels = ["2 nodes", "9 nodes"]
    ours = [statistics.median(ex["nodes_2"]["clusterctl_s"]), statistics.median(ex["nodes_9"]["clusterctl_s"])]
    ref = [statistics.median(ex["nodes_2"]["openssh_s"]), statistics.median(ex["nodes_9"]["openssh_s"])]
    width = 0.38
    right.bar([i - width / 2 for i in range(2)], ours, width, color=OURS, label="clusterctl exec NAME -- true")
    right.bar([i + width / 2 for i in range(2)], ref, width, color=REFERENCE,
              label="OpenSSH ssh NODE true, all nodes at once")
    for i, (a, b) in enumerate(zip(ours, ref)):
        right.annotate(f"{a:.2f}", (i - width / 2, a), ha="center", va="bottom", fontsize=8)
        right.annotate(f"{b:.2f}", (i + width / 2, b), ha="center", va="bottom", fontsize=8)
    right.set_xticks(range(2), labels)
    right.set_ylim(0, max(ours + ref) * 1.3)
    right.set_ylabel("seconds (median)")
    right.set_title(f"exec: 9 / 2 nodes = {ex['ratio']:.2f}x (OpenSSH {ex['openssh_ratio']:.2f}x)")
    right.legend(loc="upper left", frameon=False, fontsize=7)

    network = (f"{2 * one_way:g} ms round trip added to every SSH connection by bench/latency-proxy"
               if one_way else "loopback, no added latency")
    fig.suptitle(f"ssh-fanout: nine sshd hosts on one machine; {network}")
    footer(fig, result)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def local_up(result):
    fig, ax = plt.subplots(figsize=(7, 3.6))
    series = [("clusterctl up", result["clusterctl_up_s"], OURS)]
    if "localcluster_registered_s" in result:
        series += [("LocalCluster,\nto wait_for_workers", result["localcluster_registered_s"], THEIRS),
                   ("LocalCluster,\nto its exit (closing included)", result["localcluster_s"], REFERENCE)]
    else:
        series += [("distributed LocalCluster", result["localcluster_s"], THEIRS)]
    for y, (label, runs, color) in enumerate(series):
        ax.scatter(runs, [y] * len(runs), s=18, color=color, alpha=0.5, linewidths=0)
        median = statistics.median(runs)
        ax.plot([median, median], [y - 0.25, y + 0.25], color=color, linewidth=2.5)
        ax.annotate(f"median {median:.2f} s", (median, y + 0.28), ha="center", fontsize=8)
    ax.set_yticks(range(len(series)), [label for label, _, _ in series])
    ax.set_ylim(-0.6, len(series) - 0.3)
    ax.set_xlim(0, max(max(runs) for _, runs, _ in series) * 1.15)
    ax.set_xlabel("seconds from launch (each dot one run)")
    target = f" (target <= {result['target_ratio']})" if "target_ratio" in result else ""
    ax.set_title(f"local-up: {result['workers']} workers, ratio clusterctl / LocalCluster "
                 f"{result['ratio']:.2f}x{target}", fontsize=9)
    footer(fig, result)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def ec2_api_calls(result):
    sizes = result["sizes"]
    labels = [str(r["workers"]) for r in sizes]
    xs = range(len(sizes))
    up = [r["up"]["total"] for r in sizes]
    down = [r["down"]["total"] for r in sizes]
    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    ax.bar(xs, up, 0.55, color=OURS, label="clusterctl up")
    ax.bar(xs, down, 0.55, bottom=up, color=THEIRS, label="clusterctl down")
    for x, a, b in zip(xs, up, down):
        ax.annotate(f"{a + b}", (x, a + b), ha="center", va="bottom", fontsize=8, fontweight="bold")
        ax.annotate(f"{a}", (x, a / 2), ha="center", va="center", fontsize=8, color="white")
        ax.annotate(f"{b}", (x, a + b / 2), ha="center", va="center", fontsize=8, color="white")
    ax.set_xticks(list(xs), labels)
    ax.set_xlabel("workers (one instance each, plus the scheduler's)")
    ax.set_ylabel("EC2 API calls")
    ax.set_ylim(0, max(a + b for a, b in zip(up, down)) * 1.4)
    ax.legend(loc="upper center", ncol=2, frameon=False)
    ax.set_title("ec2-api-calls: calls per up + down against moto")
    footer(fig, result)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def cli_cost(result):
    status = result["status"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4))
    names = [("cli-cost-ssh", "ssh, 8 worker hosts"), ("cli-cost-local", "local, 2 workers")]
    for y, (key, label) in enumerate(names):
        runs = [s * 1000 for s in status[key]["seconds"]]
        left.scatter(runs, [y] * len(runs), s=14, color=OURS, alpha=0.5, linewidths=0)
        median = statistics.median(runs)
        left.plot([median, median], [y - 0.25, y + 0.25], color=OURS, linewidth=2.5)
        left.annotate(f"median {median:.0f} ms", (median, y + 0.28), ha="center", fontsize=8)
    left.axvline(150, color=REFERENCE, linestyle="--", linewidth=1)
    left.annotate("target 150 ms", (150, len(names) - 0.45), fontsize=8, color=REFERENCE, ha="left")
    left.set_yticks(range(len(names)), [label for _, label in names])
    left.set_ylim(-0.6, len(names) - 0.3)
    left.set_xlim(0, max(max(s["seconds"]) for s in status.values()) * 1000 * 1.15)
    left.set_xlabel("clusterctl status, ms from launch to exit (each dot one call)")
    labels = [entry["kind"].replace(" (", "\n(") for entry in result["up"]]
    values = [entry["peak_rss_mib"] for entry in result["up"]]
    right.bar(range(len(values)), values, 0.5, color=OURS)
    for x, value in enumerate(values):
        right.annotate(f"{value:.1f} MiB", (x, value), ha="center", va="bottom", fontsize=8)
    right.axhline(64, color=REFERENCE, linestyle="--", linewidth=1)
    right.annotate("target 64 MiB", (len(values) - 0.5, 64), fontsize=8, color=REFERENCE, ha="right", va="bottom")
    right.set_xticks(range(len(values)), labels, fontsize=8)
    right.set_ylim(0, max(values + [64]) * 1.25)
    right.set_ylabel("peak RSS of clusterctl up, MiB")
    fig.suptitle("cli-cost: what the clusterctl process itself costs", fontsize=9)
    footer(fig, result)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def env_cost(result):
    conditions = [("cold", "cold: every cache empty"), ("warm", "warm: caches filled,\nnew directory")]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2), gridspec_kw={"width_ratios": [3, 2]})
    width = 0.36
    top = max(max(r["total_s"] for r in result[c]["runs"]["venv_pip"]) for c, _ in conditions)
    for x, (key, _) in enumerate(conditions):
        c = result[key]
        ours = [r["environment_s"] for r in c["runs"]["clusterctl"]]
        theirs = [r["total_s"] for r in c["runs"]["venv_pip"]]
        for offset, runs, color in ((-width / 2, ours, OURS), (width / 2, theirs, THEIRS)):
            median = statistics.median(runs)
            left.bar(x + offset, median, width, color=color, alpha=0.85)
            left.scatter([x + offset] * len(runs), runs, s=12, color="black", alpha=0.5, linewidths=0, zorder=3)
            left.annotate(f"{median:.1f} s", (x + offset, median), ha="center", va="bottom", fontsize=8,
                          xytext=(0, 2), textcoords="offset points")
        target = (f"target <= {result['targets']['cold_ratio']}" if key == "cold"
                  else f"target: clusterctl < {result['targets']['warm_s']:g} s")
        left.annotate(f"ratio {c['ratio']:.3f}\n({target})", (x, top * 1.1), ha="center", fontsize=8,
                      fontweight="bold")
    left.legend(handles=[Patch(color=OURS, label="clusterctl (environment phase of up)"),
                         Patch(color=THEIRS, label="python3 -m venv + pip install")],
                loc="center right", frameon=False, fontsize=8)
    left.set_xticks(range(len(conditions)), [label for _, label in conditions])
    left.set_ylim(0, top * 1.3)
    left.set_ylabel("seconds to build the environment (bars: medians, dots: runs)")
    left.set_title("ratio clusterctl / venv + pip of the medians", fontsize=9)

    names = list(result["cold"]["segments_median_s"] or {})
    colors = ["#c6dbef", "#9ecae1", "#4292c6", "#08519c"]
    highest = 0.0
    for x, (key, _) in enumerate(conditions):
        c = result[key]
        phase = c["clusterctl_environment_median_s"]
        bottom = 0.0
        for name, color in zip(names, colors):
            value = c["segments_median_s"][name]
            right.bar(x, value, 0.5, bottom=bottom, color=color, label=name if x == 0 else None)
            if value >= 0.06 * phase:
                right.annotate(f"{value:.1f}", (x, bottom + value / 2), ha="center", va="center", fontsize=7,
                               color="white" if color in colors[2:] else "black")
            bottom += value
        right.annotate(f"{phase:.1f} s", (x, max(bottom, phase)), ha="center", va="bottom", fontsize=8,
                       xytext=(0, 3), textcoords="offset points")
        highest = max(highest, bottom, phase)
    right.axhline(result["targets"]["warm_s"], color=REFERENCE, linestyle="--", linewidth=1)
    right.annotate(f"warm target {result['targets']['warm_s']:g} s", (2.55, result["targets"]["warm_s"]), fontsize=7,
                   color=REFERENCE, ha="right", va="bottom")
    right.set_xticks(range(len(conditions)), [key for key, _ in conditions])
    right.set_xlim(-0.5, 2.6)
    right.set_ylim(0, max(highest, result["targets"]["warm_s"]) * 1.2)
    right.set_ylabel("seconds (medians)")
    right.set_title("clusterctl's environment phase, split where uv starts and ends;\n"
                    "after the install: warm imports, marker, supervisor files", fontsize=8)
    right.legend(handles=[Patch(color=color, label=name) for name, color in zip(names, colors)][::-1],
                 loc="upper right", frameon=False, fontsize=7)
    installer = " and ".join(result.get("installer", []))
    uv = ", ".join(result.get("uv_version", []))
    fig.suptitle(f"env-cost: default environment ({len(result['packages'])} pinned requirements) into a new directory; "
                 f"clusterctl via {installer}{' ' + uv if uv else ''}", fontsize=9)
    footer(fig, result)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def index_bytes(result):
    sizes = result["sizes"]
    modes = ["off", "on"]
    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    width = 0.36
    for i, mode in enumerate(modes):
        values = [next(r["down_bytes"] for r in result["runs"] if r["offline"] == mode and r["worker_hosts"] == n) / 2**20
                  for n in sizes]
        xs = [x + (i - 0.5) * width for x in range(len(sizes))]
        ax.bar(xs, values, width, color=[REFERENCE, OURS][i], label=f"environment.offline: {mode}")
        for x, value in zip(xs, values):
            ax.annotate(f"{value:.0f} MiB", (x, value), ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(len(sizes)), [f"{n} worker host{'s' if n != 1 else ''} (+ scheduler host)" for n in sizes])
    ax.set_ylabel("MiB downloaded from the package index")
    ratios = result["ratios"]
    ax.set_title(f"index-bytes ({result['base']} set): {max(sizes)} / {min(sizes)} hosts = {ratios['on']:.2f}x with offline on, "
                 f"{ratios['off']:.2f}x off", fontsize=9)
    ax.legend(loc="upper left", frameon=False)
    footer(fig, result)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


def draw(result):
    name = result.get("benchmark", "")
    if name.startswith("ssh-fanout"):
        return ssh_fanout(result)
    if name == "local-up":
        return local_up(result)
    if name == "env-cost":
        return env_cost(result)
    if name == "cli-cost":
        return cli_cost(result)
    if name == "index-bytes":
        return index_bytes(result)
    if name == "ec2-api-calls":
        return ec2_api_calls(result) if result.get("sizes") else None
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--results", type=pathlib.Path, default=ROOT / "bench/results")
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "docs/benchmarks")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for path in sorted(args.results.glob("*.json")):
        result = json.loads(path.read_text())
        fig = draw(result)
        if fig is None:
            print(f"bench/plots.py: nothing to draw for {path.name}", file=sys.stderr)
            continue
        target = args.out / f"{result['benchmark']}.svg"
        fig.savefig(target, metadata={"Date": None})
        plt.close(fig)
        print(f"bench/plots.py: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} -> "
              f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")


if __name__ == "__main__":
    main()
