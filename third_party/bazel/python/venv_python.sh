#!/bin/sh
# Interpreter of //third_party/bazel/python:venv_py3. Bazel runs it through a
# runfiles symlink whose target is this file in the source tree, so the
# workspace root is four levels above the resolved path.
self=$(readlink -f "$0")
root=${self%/third_party/bazel/python/venv_python.sh}
if [ "$root" != "$self" ] && [ -x "$root/.venv/bin/python3" ]; then
  exec "$root/.venv/bin/python3" "$@"
fi
if command -v python3 >/dev/null 2>&1; then
  echo "venv_python.sh: no $root/.venv; using $(command -v python3) from PATH" >&2
  exec python3 "$@"
fi
echo "venv_python.sh: no $root/.venv and no python3 on PATH" >&2
exit 127
