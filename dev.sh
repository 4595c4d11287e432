#!/bin/sh
# One command to run the playground, one to test it, on a fresh Debian/Ubuntu or macOS machine.
#
#   ./dev.sh run  [streamlit args]   create or reuse .venv, install requirements.txt, then
#                                    `streamlit run app.py` (http://localhost:8501)
#   ./dev.sh test [pytest args]      the same plus requirements-dev.txt and Debian's chromium
#                                    (when missing, with root or password-less sudo), then
#                                    ruff check, ruff format --check and the whole suite with
#                                    the coverage of core/ and the 15 slowest tests;
#                                    .ci/run calls exactly this
#   ./dev.sh serve [N] [--port P]    a classroom: N replicas of `streamlit run app.py` (default
#                                    one per core) on loopback ports behind nginx (Debian's,
#                                    installed when missing) at http://127.0.0.1:8501, sticky
#                                    per browser; Ctrl-C stops them all (deploy/replicas.py)
#
# Both are idempotent: pip runs only when a requirement file, the torch flavour or the Python
# changed since the last install into this virtualenv (a stamp file inside it).
#
# Variables:
#   TORCH=cpu|cuda       the torch build (default cpu). cpu on Linux takes PyTorch's CPU wheel
#                        index, unless pip is configured with its own wheel source (a mirror or
#                        local wheels: `pip config list` names an index-url or find-links), which
#                        is then used as it is; cuda takes PyPI's Linux wheel (the CUDA build)
#   TORCH_INDEX_URL=URL  the wheel index for torch, overriding the above (e.g. another CUDA
#                        version's index from pytorch.org's install selector)
#   PYTHON=python3.12    the interpreter for a new virtualenv (default: python3 if >= 3.11)
#   VENV=.venv           where the virtualenv lives; under CI (CI set) the default is
#                        ~/.cache/machine-perception-playground/ci-venv, kept between CI runs
#                        in fresh clones, so CI installs only when a requirement changes
#   PYTEST_WORKERS=2     pytest-xdist workers for `test` (the reference machine has 2 cores)
set -eu

cd "$(dirname "$0")"
if [ -n "${CI:-}" ]; then
    VENV=${VENV:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/machine-perception-playground/ci-venv}
else
    VENV=${VENV:-.venv}
fi
TORCH=${TORCH:-cpu}
CPU_INDEX=https://download.pytorch.org/whl/cpu

say() { printf 'dev.sh: %s\n' "$*"; }
die() { printf 'dev.sh: error: %s\n' "$*" >&2; exit 1; }

usage() {
    sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
}

# --- root privileges for apt-get, without ever prompting: root, or sudo that needs no password
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo -n "$@"
    else
        return 1
    fi
}

can_apt() {
    command -v apt-get >/dev/null 2>&1 || return 1
    [ "$(id -u)" -eq 0 ] && return 0
    command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null
}

APT_UPDATED=
apt_install() {
    if [ -z "$APT_UPDATED" ]; then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq || return 1
        APT_UPDATED=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

# --- a Python >= 3.11 for the virtualenv
py_ok() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; }

find_python() {
    if [ -n "${PYTHON:-}" ]; then
        py_ok "$PYTHON" || die "PYTHON=$PYTHON is not a Python >= 3.11"
        echo "$PYTHON"
        return
    fi
    for p in python3 python3.13 python3.12 python3.11; do
        if command -v "$p" >/dev/null 2>&1 && py_ok "$p"; then
            echo "$p"
            return
        fi
    done
    die "no Python >= 3.11 found (install python3, or set PYTHON=/path/to/python3.11)"
}

ensure_venv() {
    VPY="$VENV/bin/python"
    if [ -x "$VPY" ] && py_ok "$VPY"; then
        return
    fi
    [ -e "$VENV" ] && die "$VENV exists but holds no working Python >= 3.11; remove it and rerun"
    py=$(find_python)
    say "creating the virtualenv $VENV with $py ($("$py" --version 2>&1))"
    if ! "$py" -m venv "$VENV" 2>/dev/null; then
        rm -rf "$VENV"
        # Debian and Ubuntu ship venv's pip bootstrap separately (python3-venv)
        ver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
        if can_apt; then
            say "installing python3-venv (Debian/Ubuntu split it from python3)"
            apt_install "python$ver-venv" || apt_install python3-venv ||
                die "could not install python3-venv"
            "$py" -m venv "$VENV" || die "$py -m venv $VENV failed"
        else
            die "$py -m venv failed; on Debian/Ubuntu: sudo apt-get install python$ver-venv"
        fi
    fi
}

# --- pinned requirements, pip only when something changed
digest() { # digest FILE... -> sha256 of the files' bytes, the torch choice and the Python
    "$VPY" - "$@" <<'EOF'
import hashlib, os, sys
h = hashlib.sha256()
for f in sys.argv[1:]:
    h.update(f.encode() + b"\0" + open(f, "rb").read() + b"\0")
for k in ("TORCH", "TORCH_INDEX_URL"):
    h.update(f"{k}={os.environ.get(k, '')}\0".encode())
h.update(sys.version.encode())
print(h.hexdigest())
EOF
}

stamp_ok() { [ -f "$VENV/.dev-sh-$1" ] && [ "$(cat "$VENV/.dev-sh-$1")" = "$2" ]; }

pip_install() { "$VPY" -m pip install --disable-pip-version-check -q "$@"; }

torch_build() { # the installed torch: "2.13.0+cpu cpu", "2.13.0 cuda", or "none"
    # read from torch/version.py, without importing torch (slow, and warns before numpy is in)
    "$VPY" - <<'EOF' 2>/dev/null || echo none
import importlib.util, os
spec = importlib.util.find_spec("torch")
if spec is None or not spec.submodule_search_locations:
    print("none")
else:
    ns = {}
    path = os.path.join(list(spec.submodule_search_locations)[0], "version.py")
    exec(open(path).read(), ns)
    print(ns["__version__"], "cuda" if ns.get("cuda") else "cpu")
EOF
}

install_torch() {
    want=$(sed -n 's/^torch==\([^ ;#]*\).*/\1/p' requirements.txt)
    [ -n "$want" ] || die "requirements.txt pins no torch==VERSION"
    have=$(torch_build)
    case "$TORCH" in cpu | cuda) ;; *) die "TORCH=$TORCH: choose cpu or cuda" ;; esac
    if [ "${have%%[+ ]*}" = "$want" ] && [ "${have##* }" = "$TORCH" ]; then
        return
    fi
    set -- "torch==$want"
    [ "$have" != none ] && set -- "$@" --force-reinstall --no-deps
    os=$(uname -s)
    if [ -n "${TORCH_INDEX_URL:-}" ]; then
        set -- "$@" --index-url "$TORCH_INDEX_URL"
        say "torch $want from $TORCH_INDEX_URL"
    elif [ "$TORCH" = cuda ]; then
        [ "$os" = Linux ] || die "TORCH=cuda: PyTorch publishes CUDA wheels for Linux and Windows only"
        say "torch $want, CUDA build (PyPI's Linux wheel, about 3 GB with its CUDA libraries)"
    elif [ "$os" != Linux ]; then
        say "torch $want (PyPI's $os wheel is the CPU build)"
    elif "$VPY" -m pip config list 2>/dev/null | grep -Eq '(index-url|find-links)='; then
        say "torch $want from pip's own configuration (its index or local wheels; set" \
            "TORCH_INDEX_URL=$CPU_INDEX to take PyTorch's CPU index instead)"
    else
        set -- "$@" --index-url "$CPU_INDEX"
        say "torch $want, CPU build, from $CPU_INDEX (TORCH=cuda for the CUDA build)"
    fi
    pip_install "$@"
    got=$(torch_build)
    [ "${got##* }" = "$TORCH" ] || say "warning: asked for TORCH=$TORCH but pip installed torch $got"
}

install_requirements() { # install_requirements run|test
    run_hash=$(digest requirements.txt)
    test_hash=$(digest requirements.txt requirements-dev.txt)
    if [ "$1" = test ]; then
        stamp_ok test "$test_hash" && return
    else
        { stamp_ok run "$run_hash" || stamp_ok test "$test_hash"; } && return
    fi
    say "installing the pinned requirements into $VENV (the first time takes a few minutes)"
    install_torch
    if [ "$1" = test ]; then
        pip_install -r requirements-dev.txt
        echo "$test_hash" >"$VENV/.dev-sh-test"
    else
        pip_install -r requirements.txt
    fi
    echo "$run_hash" >"$VENV/.dev-sh-run"
}

# --- Debian's chromium for the browser tests (Playwright's own download is not used)
ensure_chromium() {
    [ -x /usr/bin/chromium ] && return
    if [ "$(uname -s)" = Linux ] && can_apt; then
        say "installing Debian's chromium for the browser tests"
        apt_install chromium || say "could not install chromium"
    fi
    if [ ! -x /usr/bin/chromium ]; then
        say "/usr/bin/chromium is missing (Debian: sudo apt-get install chromium); the browser" \
            "tests will skip${CI:+ - but under CI they fail}"
    fi
}

# --- Debian's nginx for `serve` and the classroom test (tests/test_classroom.py)
ensure_nginx() {
    { command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; } && return
    if [ "$(uname -s)" = Linux ] && can_apt; then
        say "installing Debian's nginx for serving replicas and the classroom test"
        apt_install nginx || say "could not install nginx"
    fi
    if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
        say "nginx is missing (Debian: sudo apt-get install nginx); the classroom test will" \
            "skip${CI:+ - but under CI it fails}"
    fi
}

run_tests() {
    status=0
    say "ruff check"
    "$VPY" -m ruff check --output-format concise . || status=1
    say "ruff format --check"
    "$VPY" -m ruff format --check --output-format concise . || status=1
    say "pytest (with the coverage of core/)"
    "$VPY" -m pytest -n "${PYTEST_WORKERS:-2}" --dist loadgroup --durations=15 \
        --cov=core --cov-report=term "$@" || status=$?
    [ "$status" -eq 0 ] || say "FAILED (see above)"
    return "$status"
}

[ $# -ge 1 ] || usage
cmd=$1
shift
case "$cmd" in
run)
    ensure_venv
    install_requirements run
    exec "$VPY" -m streamlit run app.py "$@"
    ;;
test)
    ensure_venv
    install_requirements test
    ensure_chromium
    ensure_nginx
    run_tests "$@"
    ;;
serve)
    ensure_venv
    install_requirements run
    ensure_nginx
    exec "$VPY" -m deploy.replicas "$@"
    ;;
*) usage ;;
esac
