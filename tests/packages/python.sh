#!/bin/sh
# python.sh DIR: what a user does with the Python package, offline: a fresh
# virtual environment DIR/venv from $PYTHON_VENV that sees its setuptools and
# wheel, `pip install --no-build-isolation ./bindings/python` into it, then
# use.py. Prints use.py's output; on a failure, pip's log.
set -e
dir=$1
rm -rf "$dir" && mkdir -p "$dir"
"$PYTHON_VENV" -m venv --system-site-packages "$dir/venv"
if ! "$dir/venv/bin/pip" install --no-build-isolation --no-index --disable-pip-version-check \
     ./bindings/python >"$dir/pip.log" 2>&1; then
  cat "$dir/pip.log"
  exit 1
fi
cd "$dir" && DIGEST="$OLDPWD/tests/fixtures/hf-daily-papers-2026-05-15.txt" \
  venv/bin/python "$OLDPWD/tests/packages/use.py"
