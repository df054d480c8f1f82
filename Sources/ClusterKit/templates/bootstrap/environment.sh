{{% CONTENT_TYPE: SHELL}}
# clusterctl node bootstrap: the Python environment. Rendered by clusterctl, run the same way
# on this machine and over SSH. Idempotent: an environment is trusted only once its
# .clusterctl-ready marker matches this interpreter and package set; anything else is rebuilt.
#
# With a service user (hosts where clusterctl may become root), the Dask services run as that
# unprivileged user: it is made here if missing, the environment is built so that it can read
# it, and that is checked by importing distributed as that user, where the services will run.
set -eu
PYTHON={{python}}
# The major.minor version the environment must have (environment.match_client), or empty.
PYTHON_MINOR={{python_minor}}
ENV_DIR={{env_dir}}
ENV_ROOT={{env_root}}
ALLOW_SYSTEM_INSTALL={{allow_system_install}}
# The unprivileged user the services run as (empty: the login user), and the prefix that
# makes the login user root (empty when it is root).
SERVICE_USER={{service_user}}
SUDO={{sudo}}
# Where the packages come from (environment.offline: on, auto or off), the directory wheels
# shipped by clusterctl go to on this host, and whether they were shipped for this run.
OFFLINE={{offline}}
WHEELHOUSE={{wheelhouse}}
WHEELS_SHIPPED={{wheels_shipped}}
# A Python archive clusterctl shipped (under $WHEELHOUSE/pythons) for a pinned version this host lacks.
PYTHON_SHIPPED={{python_shipped}}
# Whether this host has a uv of its own; one taken from its shipped wheel on an earlier run (a
# node that had none) is used as if on PATH, and its wheel stays among the ones asked for.
OWN_UV=no; if command -v uv >/dev/null 2>&1; then OWN_UV=yes; fi
if [ -n "$WHEELHOUSE" ] && [ -x "$WHEELHOUSE/.bin/uv" ]; then PATH="$WHEELHOUSE/.bin:$PATH"; fi

# The modules whose bytecode is written once the packages are in (a missing one is skipped:
# environment.base minimal has no dashboard). The files they loaded from site-packages are
# listed in $1, for the next environment of the same interpreter and package set.
WARM_IMPORTS='import importlib, os, sys, sysconfig
for name in ("distributed.cli.dask_scheduler", "distributed.cli.dask_worker", "distributed.dashboard.scheduler"):
    try:
        importlib.import_module(name)
    except Exception:
        pass
root = sysconfig.get_paths()["purelib"] + os.sep
files = sorted({m.__file__[len(root):] for m in list(sys.modules.values())
                if isinstance(getattr(m, "__file__", None), str) and m.__file__.startswith(root) and m.__file__.endswith(".py")})
try:
    os.makedirs(os.path.dirname(sys.argv[1]), exist_ok=True)
    with open(sys.argv[1] + ".tmp", "w") as out:
        out.write("\n".join(files) + "\n")
    os.replace(sys.argv[1] + ".tmp", sys.argv[1])
except OSError:
    pass'
# The same bytecode from such a list, without importing anything: the files compiled by one
# process per core (a third of the time of importing them).
COMPILE_LISTED='import os, py_compile, sys, sysconfig
root = sysconfig.get_paths()["purelib"]
with open(sys.argv[1]) as listing:
    files = [os.path.join(root, line.strip()) for line in listing if line.strip()]
workers = max(1, min(os.cpu_count() or 1, 8))
children = []
for index in range(workers):
    pid = os.fork()
    if pid == 0:
        for path in files[index::workers]:
            try:
                py_compile.compile(path, quiet=2)
            except Exception:
                pass
        os._exit(0)
    children.append(pid)
for pid in children:
    os.waitpid(pid, 0)'

# Python defining platform_words(): this host's machine, C library and its version
# (`x86_64 glibc 2.36`), what a Python build or a wheel shipped here must fit.
PLATFORM_WORDS='import os, platform, sys
def platform_words():
    try:
        libc = os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (AttributeError, OSError, ValueError):
        libc = ""
    name, version = libc.split(" ", 1) if " " in libc else platform.libc_ver()
    return [os.uname().machine, name or "unknown", version or "0"]'

# Writes the uv binary of the wheel $1 to $2 (under a temporary name, then renamed).
UNPACK_UV='import os, shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel:
    name = next(n for n in wheel.namelist() if n.endswith(".data/scripts/uv"))
    with wheel.open(name) as source, open(sys.argv[2] + ".tmp", "wb") as target:
        shutil.copyfileobj(source, target)
os.chmod(sys.argv[2] + ".tmp", 0o755)
os.replace(sys.argv[2] + ".tmp", sys.argv[2])'

fail() { code=$1; shift; echo "clusterctl: $*" >&2; exit "$code"; }
step() { echo "clusterctl-step: $1"; }
note() { echo "clusterctl-note: $*" >&2; }

# Runs a command as the service user where the services run: for systemd units in a transient
# unit with the units' own sandbox, else as that user with its own groups.
as_service() {
{{#systemd_sandbox}}
  (cd / && $SUDO systemd-run --wait --pipe --quiet --collect {{#systemd_properties}}-p {{.}} {{/systemd_properties}}-- "$@")
{{/systemd_sandbox}}
{{^systemd_sandbox}}
  if command -v setpriv >/dev/null 2>&1; then
    (cd / && $SUDO setpriv --reuid="$SERVICE_USER" --regid="$SERVICE_USER" --init-groups -- "$@")
  else
    (cd / && $SUDO runuser -u "$SERVICE_USER" -- "$@")
  fi
{{/systemd_sandbox}}
}

# Whether the service user can run interpreter $1.
service_can_run() { as_service "$1" -c 'import encodings' >/dev/null 2>&1; }

# The first directory on the way to $1 that the service user cannot enter, with its mode and
# owner; or $1 itself when every directory is open to it.
first_closed() {
  if ! as_service true >/dev/null 2>&1; then
    echo "$1 (no command runs as $SERVICE_USER at all: $(as_service true 2>&1 | tail -n 1))"
    return 0
  fi
  dir=
  for part in $(printf '%s' "$1" | tr '/' ' '); do
    dir="$dir/$part"
    [ -d "$dir" ] || break
    if ! as_service test -x "$dir" >/dev/null 2>&1; then
      echo "$dir ($(stat -c '%a %U:%G' "$dir" 2>/dev/null || echo '?'))"
      return 0
    fi
  done
  echo "$1"
}

if [ -n "$SERVICE_USER" ]; then
  # What the services read must be readable by them, whatever the login user's umask.
  umask 022
  step service-user
  if ! id -u "$SERVICE_USER" >/dev/null 2>&1; then
    NOLOGIN=/usr/sbin/nologin
    [ -x "$NOLOGIN" ] || NOLOGIN=/sbin/nologin
    [ -x "$NOLOGIN" ] || NOLOGIN=/bin/false
    # Two clusterctl runs may reach one host at once (useradd then fails on its lock): whoever
    # loses the race finds the user made on the next round.
    for attempt in 1 2 3 4 5 6 7 8 9 10; do
      if [ -x /usr/sbin/useradd ] || [ -x /sbin/useradd ] || command -v useradd >/dev/null 2>&1; then
        $SUDO env PATH="/usr/sbin:/sbin:$PATH" useradd --system --user-group --no-create-home --home-dir /nonexistent \
          --shell "$NOLOGIN" --comment "clusterctl Dask services" "$SERVICE_USER" >/dev/null 2>&1 || true
      elif command -v adduser >/dev/null 2>&1 && command -v addgroup >/dev/null 2>&1; then
        # BusyBox (Alpine): a system group, then a system user in it with no home and no password.
        $SUDO addgroup -S "$SERVICE_USER" >/dev/null 2>&1 || true
        $SUDO adduser -S -D -H -h /nonexistent -s "$NOLOGIN" -G "$SERVICE_USER" "$SERVICE_USER" >/dev/null 2>&1 || true
      else
        fail 24 "cannot create the service user '$SERVICE_USER': neither useradd nor adduser is installed; create it (a system user and group '$SERVICE_USER', no login shell, no home) and run clusterctl up again"
      fi
      if id -u "$SERVICE_USER" >/dev/null 2>&1; then break; fi
      sleep 0.5
    done
    id -u "$SERVICE_USER" >/dev/null 2>&1 \
      || fail 24 "could not create the service user '$SERVICE_USER' with useradd --system; create it (a system user and group '$SERVICE_USER', no login shell, no home) and run clusterctl up again"
  fi
fi

step python
PY=$(command -v "$PYTHON" 2>/dev/null) || fail 20 "Python interpreter '$PYTHON' not found on this host; install Python 3.10 or newer (Debian/Ubuntu: apt-get install python3 python3-venv) or set environment.python"
VERSION=$("$PY" -c 'import os, sys; print(sys.implementation.name, sys.version.split()[0], os.uname().machine); sys.exit(0 if sys.version_info >= (3, 10) else 1)' 2>/dev/null) \
  || fail 21 "$PY is $("$PY" -V 2>&1); clusterctl needs Python 3.10 or newer: install it or point environment.python at one"
if [ -z "$ENV_DIR" ]; then INSTALL_DIR=; else INSTALL_DIR=$(dirname "$ENV_DIR"); fi

minor_of() { "$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null; }
# The major.minor of the interpreter VERSION describes (`cpython 3.11.7 x86_64` -> 3.11),
# without starting it again (a version manager's shim costs 0.1 s or more per start).
version_minor() { printf '%s\n' "$VERSION" | cut -d' ' -f2 | cut -d. -f1,2; }
# A relocatable Python of version $1 under $2 (one uv installed, or clusterctl shipped).
managed_python() {
  for candidate in "$2"/*/bin/python"$1"; do
    if [ -x "$candidate" ] && [ "$(minor_of "$candidate")" = "$1" ]; then echo "$candidate"; return 0; fi
  done
  return 1
}
# Unpacks the Python archive clusterctl shipped into $1 (into a temporary directory, then moved).
unpack_shipped_python() {
  for archive in "$WHEELHOUSE"/pythons/*.tar.gz; do
    [ -f "$archive" ] || continue
    step python-unpack
    mkdir -p "$1"
    partial=$(mktemp -d "$1/.partial.XXXXXX")
    if tar -xzf "$archive" -C "$partial"; then
      for unpacked in "$partial"/*; do
        rm -rf "$1/${unpacked##*/}"
        mv "$unpacked" "$1/"
      done
      rm -f "$archive"
      echo "clusterctl-python-unpacked: ${archive##*/}"
    fi
    rm -rf "$partial"
  done
}
# Asks clusterctl for a Python of the pinned version (exit 31): its machine and C library.
request_python() {
  step python-request
  "$WAS" -c "$PLATFORM_WORDS"'
print("clusterctl-python-for:", sys.argv[1], *platform_words())' "$PYTHON_MINOR"
  exit 31
}

if [ -n "$PYTHON_MINOR" ] && [ "$(version_minor)" != "$PYTHON_MINOR" ]; then
  # Pinned to the client's Python (environment.match_client): that version from PATH or the
  # usual places, else one installed beside the environments (by uv, or shipped by clusterctl
  # when this host cannot download one), else from uv now, else asked of clusterctl.
  WAS=$PY
  PY=
  for candidate in "$(command -v "python$PYTHON_MINOR" 2>/dev/null || true)" "/usr/local/bin/python$PYTHON_MINOR" "/usr/bin/python$PYTHON_MINOR"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ] && [ "$(minor_of "$candidate")" = "$PYTHON_MINOR" ]; then PY=$candidate; break; fi
  done
  UV_PYTHONS=${INSTALL_DIR:-$(dirname "$ENV_ROOT")}/python
  [ -n "$PY" ] || PY=$(managed_python "$PYTHON_MINOR" "$UV_PYTHONS") || PY=
  if [ -z "$PY" ] && [ "$PYTHON_SHIPPED" = yes ]; then
    unpack_shipped_python "$UV_PYTHONS"
    PY=$(managed_python "$PYTHON_MINOR" "$UV_PYTHONS") || PY=
  fi
  if [ -z "$PY" ] && [ "$OFFLINE" != on ] && command -v uv >/dev/null 2>&1; then
    step python-install
    mkdir -p "$UV_PYTHONS"
    if UV_PYTHON_INSTALL_DIR="$UV_PYTHONS" uv python install --quiet "$PYTHON_MINOR" >&2; then
      PY=$(managed_python "$PYTHON_MINOR" "$UV_PYTHONS") || PY=
    fi
  fi
  if [ -z "$PY" ] && [ -n "$WHEELHOUSE" ] && [ "$PYTHON_SHIPPED" != yes ]; then request_python; fi
  [ -n "$PY" ] || [ "$PYTHON_SHIPPED" != yes ] || fail 27 "the Python $PYTHON_MINOR build clusterctl shipped did not unpack into $UV_PYTHONS or does not run on this host; install Python $PYTHON_MINOR here (Debian/Ubuntu: apt-get install python$PYTHON_MINOR python$PYTHON_MINOR-venv)"
  [ -n "$PY" ] || fail 27 "environment.match_client asks for Python $PYTHON_MINOR (the client's), but this host has $("$WAS" -V 2>&1) and no python$PYTHON_MINOR, and uv could not install it; install Python $PYTHON_MINOR here (Debian/Ubuntu: apt-get install python$PYTHON_MINOR python$PYTHON_MINOR-venv)"
  note "using $PY for Python $PYTHON_MINOR (environment.match_client)"
  VERSION=$("$PY" -c 'import os, sys; print(sys.implementation.name, sys.version.split()[0], os.uname().machine)')
fi

if [ -n "$SERVICE_USER" ] && ! service_can_run "$PY"; then
  # An interpreter the services cannot run (one under a home directory, such as pyenv's or
  # uv's managed Pythons under /root): take the same Python version from the system, or
  # have uv install it beside the environment.
  MINOR=$(version_minor)
  WAS=$PY
  PY=
  for candidate in "/usr/local/bin/python$MINOR" "/usr/bin/python$MINOR" "/bin/python$MINOR"; do
    if [ -x "$candidate" ] && service_can_run "$candidate"; then PY=$candidate; break; fi
  done
  if [ -z "$PY" ] && [ -n "$INSTALL_DIR" ] && command -v uv >/dev/null 2>&1; then
    step python-install
    mkdir -p "$INSTALL_DIR/python"
    if UV_PYTHON_INSTALL_DIR="$INSTALL_DIR/python" uv python install --quiet "$MINOR" >&2; then
      FOUND=$(managed_python "$MINOR" "$INSTALL_DIR/python") || FOUND=
      if [ -n "$FOUND" ] && service_can_run "$FOUND"; then PY=$FOUND; fi
    fi
  fi
  [ -n "$PY" ] || fail 25 "the services' user '$SERVICE_USER' cannot run $WAS: $(first_closed "$WAS") is closed to it; install Python $MINOR where every user can run it (Debian/Ubuntu: apt-get install python$MINOR python$MINOR-venv) or point environment.python at such an interpreter"
  note "$WAS cannot be run by the services' user '$SERVICE_USER'; using $PY (Python $MINOR) instead"
  VERSION=$("$PY" -c 'import os, sys; print(sys.implementation.name, sys.version.split()[0], os.uname().machine)')
fi

REQUIREMENTS=$(printf '%s\n' {{#packages}}{{.}} {{/packages}})
STAMP=$(printf '%s\n%s\n' "$VERSION" "$REQUIREMENTS" | sha256sum | cut -c1-16)
if [ -z "$ENV_DIR" ]; then ENV_DIR="$ENV_ROOT/$STAMP"; fi
ready() { [ -f "$ENV_DIR/.clusterctl-ready" ] && [ "$(cat "$ENV_DIR/.clusterctl-ready")" = "$STAMP" ]; }

# The services import distributed from the environment as their own user, where they run.
# That costs about a second of CPU, so a check that passed is recorded in the environment
# (for this user and sandbox) and not made again on later runs.
ACCESS_KEY=$(printf '%s ' "$SERVICE_USER" {{#systemd_properties}}{{.}} {{/systemd_properties}})
access_recorded() { [ -f "$ENV_DIR/.clusterctl-access" ] && [ "$(cat "$ENV_DIR/.clusterctl-access")" = "$ACCESS_KEY" ]; }
check_service_access() {
  [ -n "$SERVICE_USER" ] || return 0
  access_recorded && return 0
  step service-access
  as_service "$ENV_DIR/bin/python" -c 'import distributed' >/dev/null 2>&1 || return 1
  printf '%s\n' "$ACCESS_KEY" > "$ENV_DIR/.clusterctl-access" 2>/dev/null || true
}
service_access_failure() {
  why=$(as_service "$ENV_DIR/bin/python" -c 'import distributed' 2>&1 | tail -n 1) || true
  fail 26 "the services' user '$SERVICE_USER' cannot use the environment $ENV_DIR: $(first_closed "$ENV_DIR/bin") is closed to it (${why:-no reason given}); make that directory searchable by every user (chmod o+x) or set provider.install_dir to a directory that is"
}

# Succeeds when this host's installers are set to need no index (uv's offline mode with its
# own cache, or pip told to use no index): environment.offline: auto leaves them to it.
installs_locally() { is_set "${UV_OFFLINE:-}" || is_set "${PIP_NO_INDEX:-}"; }
is_set() { case "$1" in '' | 0 | false | False | FALSE | no | No | NO | off) return 1 ;; *) return 0 ;; esac; }

# Succeeds when the package index answers from here (any HTTP reply): three tries, 5 s each,
# so one slow answer or dropped connection does not send the node offline. Else says why.
INDEX_CHECK='import sys, time, urllib.error, urllib.request
why = "no answer"
for attempt in range(3):
    if attempt:
        time.sleep(1)
    try:
        urllib.request.urlopen(sys.argv[1], timeout=5).close()
        sys.exit(0)
    except urllib.error.HTTPError:
        sys.exit(0)
    except Exception as error:
        why = str(getattr(error, "reason", "") or error) or type(error).__name__
print(why)
sys.exit(1)'
index_reachable() {
  step index-check
  INDEX=${UV_DEFAULT_INDEX:-${UV_INDEX_URL:-${PIP_INDEX_URL:-https://pypi.org/simple/}}}
  LIMIT=; if command -v timeout >/dev/null 2>&1; then LIMIT="timeout 25"; fi
  if WHY=$($LIMIT "$PY" -c "$INDEX_CHECK" "$INDEX" 2>/dev/null); then return 0; fi
  note "the package index is out of reach from this node ($INDEX: ${WHY:-no answer within 25 s}, 3 tries)"
  return 1
}

# Asks clusterctl for wheels (exit 30): what they must fit, and the wheels this host already has.
request_wheels() {
  step wheels
  "$PY" -c "$PLATFORM_WORDS"'
print("clusterctl-wheels-for:", sys.implementation.name, "%d.%d" % sys.version_info[:2], *platform_words())'
  # A node without uv gets uv's own wheel too: it installs the rest several times faster than pip.
  [ "$OWN_UV" = yes ] || echo "clusterctl-wheels-uv: missing"
  if [ -d "$WHEELHOUSE" ]; then
    for wheel in "$WHEELHOUSE"/*.whl; do
      if [ -f "$wheel" ]; then echo "clusterctl-wheel-present: ${wheel##*/}"; fi
    done
  fi
  exit 30
}

# Puts uv from its shipped wheel beside the wheels when this host has no uv (else pip installs).
unpack_shipped_uv() {
  command -v uv >/dev/null 2>&1 && return 0
  for wheel in "$WHEELHOUSE"/uv-*.whl; do
    [ -f "$wheel" ] || continue
    step uv
    mkdir -p "$WHEELHOUSE/.bin"
    if "$PY" -c "$UNPACK_UV" "$wheel" "$WHEELHOUSE/.bin/uv" >&2 && "$WHEELHOUSE/.bin/uv" --version >/dev/null 2>&1; then
      PATH="$WHEELHOUSE/.bin:$PATH"
      echo "clusterctl-uv: ${wheel##*/}"
    else
      note "uv from ${wheel##*/} does not run here; pip installs instead"
      rm -f "$WHEELHOUSE/.bin/uv"
    fi
    return 0
  done
}

build() {
  mkdir -p "$(dirname "$ENV_DIR")"
  if [ -n "$SERVICE_USER" ] && [ -n "$INSTALL_DIR" ] && [ -O "$INSTALL_DIR" ]; then chmod 0755 "$INSTALL_DIR"; fi
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$ENV_DIR.lock"
    flock 9
    if ready && check_service_access; then echo "clusterctl-env: $ENV_DIR reused"; exit 0; fi
  fi
  # The installer's source: the wheels clusterctl shipped, with no index at all, or the index.
  set --
  if [ "$WHEELS_SHIPPED" = yes ]; then
    set -- --no-index --find-links "$WHEELHOUSE"
    echo "clusterctl-source: $WHEELHOUSE"
    unpack_shipped_uv
  elif [ "$OFFLINE" = on ] || { [ "$OFFLINE" = auto ] && ! installs_locally && ! index_reachable; }; then
    request_wheels
  fi
  rm -rf "$ENV_DIR"
  printf '%s\n' "$REQUIREMENTS" > "$ENV_DIR.requirements"

  if command -v uv >/dev/null 2>&1; then
    # Trust the node's own certificate store (as pip does with the system's pip.conf), so
    # hosts behind an intercepting proxy reach the package index too.
    export UV_SYSTEM_CERTS="${UV_SYSTEM_CERTS:-1}"
    uv venv --quiet --python "$PY" "$ENV_DIR" >&2 || fail 22 "could not create a virtual environment at $ENV_DIR with uv"
    step packages
    uv pip install --quiet --python "$ENV_DIR/bin/python" ${1+--offline} "$@" -r "$ENV_DIR.requirements" >&2 \
      || { rm -rf "$ENV_DIR"; fail 23 "installing the packages failed (see the installer's output above); check environment.packages"; }
  else
    if ! "$PY" -m venv "$ENV_DIR" >&2; then
      rm -rf "$ENV_DIR"
      if [ "$ALLOW_SYSTEM_INSTALL" = yes ] && command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" = 0 ] || sudo -n true 2>/dev/null; }; then
        SUDO_APT=; [ "$(id -u)" = 0 ] || SUDO_APT="sudo -n"
        step python-venv
        $SUDO_APT env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv >&2 || fail 22 "could not install python3-venv with apt-get"
        "$PY" -m venv "$ENV_DIR" >&2 || fail 22 "could not create a virtual environment at $ENV_DIR"
      else
        fail 22 "could not create a virtual environment with $PY: install the venv module (Debian/Ubuntu: apt-get install python3-venv)"
      fi
    fi
    step packages
    "$ENV_DIR/bin/python" -m pip install --quiet --disable-pip-version-check --no-compile "$@" -r "$ENV_DIR.requirements" >&2 \
      || { rm -rf "$ENV_DIR"; fail 23 "installing the packages failed (see the installer's output above); check environment.packages"; }
  fi
  # Bytecode for what the services import when they start (Dask's scheduler, worker and
  # dashboard), so no first start compiles it; a third of the time of compiling every package.
  # An earlier environment of the same interpreter and packages on this host left the list of
  # those files (in the login user's cache): then they are compiled from it in parallel.
  WARM_LIST="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/clusterctl/bytecode-lists/$STAMP.txt"
  step bytecode
  if [ -s "$WARM_LIST" ]; then
    env -u PYTHONDONTWRITEBYTECODE "$ENV_DIR/bin/python" -c "$COMPILE_LISTED" "$WARM_LIST" >&2 || true
  else
    env -u PYTHONDONTWRITEBYTECODE "$ENV_DIR/bin/python" -c "$WARM_IMPORTS" "$WARM_LIST" >&2 || true
  fi
  rm -f "$ENV_DIR.requirements"
  echo "$STAMP" > "$ENV_DIR/.clusterctl-ready"
  check_service_access || service_access_failure
  echo "clusterctl-env: $ENV_DIR created"
}

{{#wheels_from_s3}}
# The wheels come from S3: clusterctl uploaded a manifest of presigned GET URLs beside the
# wheelhouse. Each wheel not here yet is downloaded under a temporary name and renamed once
# whole. The manifest (its URLs grant access until they expire) is removed whatever happens,
# and no URL is ever printed: a failure names the wheel and the HTTP status.
WHEEL_MANIFEST={{wheel_manifest}}
DOWNLOAD_WHEELS='import json, os, sys, urllib.error, urllib.request
manifest, wheelhouse = sys.argv[1], sys.argv[2]
with open(manifest) as listing:
    wheels = json.load(listing)["wheels"]
os.makedirs(wheelhouse, exist_ok=True)
count = total = 0
for wheel in wheels:
    name, size = wheel["name"], wheel["size"]
    if os.path.basename(name) != name or not name.endswith(".whl"):
        print("the download manifest names %s, which is no wheel file" % name)
        sys.exit(1)
    target = os.path.join(wheelhouse, name)
    if os.path.isfile(target) and os.path.getsize(target) == size:
        continue
    partial = os.path.join(wheelhouse, ".%s.%d.partial" % (name, os.getpid()))
    try:
        with urllib.request.urlopen(wheel["url"], timeout=60) as response, open(partial, "wb") as out:
            while True:
                chunk = response.read(1 << 20)
                if not chunk:
                    break
                out.write(chunk)
        if os.path.getsize(partial) != size:
            raise ValueError("%d of its %d bytes arrived" % (os.path.getsize(partial), size))
        os.replace(partial, target)
    except urllib.error.HTTPError as error:
        body = error.read(4000).decode("utf-8", "replace")
        code = body.partition("<Code>")[2].partition("</Code>")[0]
        print("downloading wheel %s from S3 failed: HTTP %d %s" % (name, error.code, code or error.reason))
        sys.exit(1)
    except Exception as error:
        why = str(getattr(error, "reason", None) or error) or type(error).__name__
        if "X-Amz-" in why:
            why = type(error).__name__
        print("downloading wheel %s from S3 failed: %s" % (name, why))
        sys.exit(1)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    count += 1
    total += size
print("clusterctl-downloaded: %d %d" % (count, total))'
step wheels-download
if DOWNLOADED=$("$PY" -c "$DOWNLOAD_WHEELS" "$WHEEL_MANIFEST" "$WHEELHOUSE"); then
  rm -f "$WHEEL_MANIFEST"
  printf '%s\n' "$DOWNLOADED"
else
  rm -f "$WHEEL_MANIFEST"
  fail 32 "${DOWNLOADED:-downloading the wheels from S3 failed}; the node must reach S3 (from a private subnet: through an S3 VPC endpoint) and the credentials that ran clusterctl up must be allowed s3:GetObject on the wheelhouse; then run clusterctl up again"
fi
{{/wheels_from_s3}}

step environment
if ready; then
  if check_service_access; then echo "clusterctl-env: $ENV_DIR reused"; exit 0; fi
  # Built on an interpreter the services cannot run (before they had a user of their own):
  # built again on the one chosen above. Otherwise the way to it is closed: say where.
  if [ "$(readlink -f "$ENV_DIR/bin/python")" = "$(readlink -f "$PY")" ]; then service_access_failure; fi
fi
build
