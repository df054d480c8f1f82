{{% CONTENT_TYPE: SHELL}}
# clusterctl node bootstrap: the Python environment. Rendered by clusterctl, run the same way
# on this machine and over SSH. Idempotent: an environment is trusted only once its
# .clusterctl-ready marker matches this interpreter and package set; anything else is rebuilt.
set -eu
PYTHON={{python}}
ENV_DIR={{env_dir}}
ENV_ROOT={{env_root}}
ALLOW_SYSTEM_INSTALL={{allow_system_install}}

fail() { code=$1; shift; echo "clusterctl: $*" >&2; exit "$code"; }
step() { echo "clusterctl-step: $1"; }

step python
PY=$(command -v "$PYTHON" 2>/dev/null) || fail 20 "Python interpreter '$PYTHON' not found on this host; install Python 3.10 or newer (Debian/Ubuntu: apt-get install python3 python3-venv) or set environment.python"
VERSION=$("$PY" -c 'import os, sys; print(sys.implementation.name, sys.version.split()[0], os.uname().machine); sys.exit(0 if sys.version_info >= (3, 10) else 1)' 2>/dev/null) \
  || fail 21 "$PY is $("$PY" -V 2>&1); clusterctl needs Python 3.10 or newer: install it or point environment.python at one"

REQUIREMENTS=$(printf '%s\n' {{#packages}}{{.}} {{/packages}})
STAMP=$(printf '%s\n%s\n' "$VERSION" "$REQUIREMENTS" | sha256sum | cut -c1-16)
if [ -z "$ENV_DIR" ]; then ENV_DIR="$ENV_ROOT/$STAMP"; fi
ready() { [ -f "$ENV_DIR/.clusterctl-ready" ] && [ "$(cat "$ENV_DIR/.clusterctl-ready")" = "$STAMP" ]; }

step environment
if ready; then echo "clusterctl-env: $ENV_DIR reused"; exit 0; fi
mkdir -p "$(dirname "$ENV_DIR")"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$ENV_DIR.lock"
  flock 9
  if ready; then echo "clusterctl-env: $ENV_DIR reused"; exit 0; fi
fi
rm -rf "$ENV_DIR"
printf '%s\n' "$REQUIREMENTS" > "$ENV_DIR.requirements"

if command -v uv >/dev/null 2>&1; then
  # Trust the node's own certificate store (as pip does with the system's pip.conf), so
  # hosts behind an intercepting proxy reach the package index too.
  export UV_SYSTEM_CERTS="${UV_SYSTEM_CERTS:-1}"
  uv venv --quiet --python "$PY" "$ENV_DIR" >&2 || fail 22 "could not create a virtual environment at $ENV_DIR with uv"
  step packages
  uv pip install --quiet --python "$ENV_DIR/bin/python" --compile-bytecode -r "$ENV_DIR.requirements" >&2 \
    || { rm -rf "$ENV_DIR"; fail 23 "installing the packages failed (see the installer's output above); check environment.packages"; }
else
  if ! "$PY" -m venv "$ENV_DIR" >&2; then
    rm -rf "$ENV_DIR"
    if [ "$ALLOW_SYSTEM_INSTALL" = yes ] && command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" = 0 ] || sudo -n true 2>/dev/null; }; then
      SUDO=; [ "$(id -u)" = 0 ] || SUDO="sudo -n"
      step python-venv
      $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv >&2 || fail 22 "could not install python3-venv with apt-get"
      "$PY" -m venv "$ENV_DIR" >&2 || fail 22 "could not create a virtual environment at $ENV_DIR"
    else
      fail 22 "could not create a virtual environment with $PY: install the venv module (Debian/Ubuntu: apt-get install python3-venv)"
    fi
  fi
  step packages
  "$ENV_DIR/bin/python" -m pip install --quiet --disable-pip-version-check -r "$ENV_DIR.requirements" >&2 \
    || { rm -rf "$ENV_DIR"; fail 23 "installing the packages failed (see the installer's output above); check environment.packages"; }
fi
rm -f "$ENV_DIR.requirements"
echo "$STAMP" > "$ENV_DIR/.clusterctl-ready"
echo "clusterctl-env: $ENV_DIR created"
