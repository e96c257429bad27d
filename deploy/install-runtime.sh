#!/bin/sh
# Build Callwright's wheel from SOURCE and install it, with the runtime dependencies pinned in requirements.lock and
# nothing else (no emulator or dev extras), into a fresh virtual environment at VENV.
# The Dockerfile runs exactly this; so does tests/container/test_wheel_install.py.
#
#   sh deploy/install-runtime.sh SOURCE VENV
set -eu
source_dir=$1
venv=$2
wheels=$(mktemp -d)
python -m venv "$venv"
"$venv/bin/pip" wheel --quiet --no-deps --wheel-dir "$wheels" "$source_dir"
"$venv/bin/pip" install --quiet --constraint "$source_dir/requirements.lock" "$wheels"/callwright-*.whl
rm -rf "$wheels"
