"""Keeps docs/benchmarks.md current: each benchmark owns one marked section of it."""
import pathlib


def update_section(doc: pathlib.Path, name: str, body: str) -> None:
    """Replaces the text between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` with body."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    text = doc.read_text() if doc.exists() else "# Benchmarks\n"
    block = f"{start}\n{body.strip()}\n{end}"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        _, after = rest.split(end, 1)
        text = before + block + after
    else:
        text = text.rstrip() + f"\n\n## {name}\n\n{block}\n"
    doc.write_text(text)


def provenance(root: pathlib.Path, binary: str, pythons: dict[str, str]) -> dict:
    """What a result was measured on and with: the machine, the clusterctl build, Python, Dask.

    `pythons` maps a role ("nodes", "SSHCluster client", ...) to an interpreter whose Python,
    dask and distributed versions are recorded under that role.
    """
    import os
    import platform
    import subprocess
    import time

    def out(argv):
        try:
            return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                  cwd=root).stdout.strip()
        except OSError:
            return "?"

    binary_path = pathlib.Path(binary).absolute()
    probe = ("import importlib.metadata as m, platform; "
             "print(platform.python_version(), m.version('dask'), m.version('distributed'))")
    environments = {}
    for role, python in pythons.items():
        fields = out([python, "-c", probe]).split()
        environments[role] = dict(zip(("python", "dask", "distributed"), fields)) if len(fields) == 3 else {"error": fields}
    return {
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cores": os.cpu_count(),
        "machine": f"{platform.system()} {platform.release()} {platform.machine()}",
        "commit": out(["git", "rev-parse", "--short", "HEAD"]),
        "sources_dirty": bool(out(["git", "status", "--porcelain", "--", "Sources", "Package.swift"])),
        "binary": str(binary_path.relative_to(root) if binary_path.is_relative_to(root) else binary_path),
        "clusterctl": out([binary, "--version"]),
        "openssh": out(["ssh", "-V"]),
        "environments": environments,
    }


def provenance_text(p: dict) -> str:
    """One paragraph naming the date, the machine, the build and the Python and Dask versions."""
    envs = "; ".join(
        f"{role}: Python {e['python']}, dask {e['dask']}, distributed {e['distributed']}" if "python" in e
        else f"{role}: versions unknown" for role, e in p["environments"].items())
    return (f"Measured {p['when']} on {p['cores']} cores ({p['machine']}) with `{p['binary']}` (clusterctl "
            f"{p['clusterctl']}) from a checkout at {p['commit']}"
            f"{' with uncommitted changes under Sources/' if p['sources_dirty'] else ''}; {p['openssh']}"
            f"{'; ' + envs if envs else ''}.")


def figure(name: str, alt: str) -> str:
    """The Markdown that shows bench/plots.py's figure for a benchmark, from docs/benchmarks.md."""
    return f"![{alt}](benchmarks/{name}.svg)"


def release_binary(root: pathlib.Path) -> str:
    """Builds clusterctl's release binary in .build-bench (kept apart from the debug build) and
    returns its path; exits with the build's output if it fails."""
    import subprocess
    import sys

    build = subprocess.run(["swift", "build", "-c", "release", "--scratch-path", str(root / ".build-bench"),
                            "--product", "clusterctl"], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
    if build.returncode != 0:
        sys.exit(f"bench: the release build failed:\n{build.stdout[-4000:]}")
    return str(root / ".build-bench/release/clusterctl")
