#!/usr/bin/env bash
# Builds the package from this checkout, installs it into a fresh virtualenv
# and runs the console commands from a folder outside the checkout:
# aiqn-train for a few steps on the bundled digits, then aiqn-sample on the
# run, and loads every console command's entry point. Fails if anything is
# imported from the checkout instead of the installed package.
#
# The package's dependencies are the ones the test command installed into
# .venv (requirements.txt's pins): the fresh virtualenv sees that
# site-packages through a plain path line in a .pth file (which does not run
# .venv's own .pth files, so .venv's editable aiqn_tf stays out of sight),
# the wheel goes in with --no-deps, and `pip check` then fails if a
# dependency pyproject.toml declares is missing or of another version.
# Without .venv it installs the dependencies from the index.
#
#   .ci/package_test.sh [WORK_DIR]     # default: a new temporary folder
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=${1:-$(mktemp -d)}
mkdir -p "$work"
trap 'rm -rf "$work/venv" "$work/dist"' EXIT

python3 -m venv "$work/venv"
quiet() { "$@" 2>&1 | grep -v "^WARNING: Location" || true; }
quiet "$work/venv/bin/pip" wheel -q --no-deps -w "$work/dist" "$root"
wheel=$(ls "$work"/dist/aiqn_tf-*.whl)
echo "built $(basename "$wheel")"
purelib='import sysconfig; print(sysconfig.get_paths()["purelib"])'
if [ -x "$root/.venv/bin/python" ]; then
  "$root/.venv/bin/python" -c "$purelib" \
    >"$("$work/venv/bin/python" -c "$purelib")/ci_dependencies.pth"
  quiet "$work/venv/bin/pip" install -q --no-deps "$wheel"
  "$work/venv/bin/pip" check
else
  quiet "$work/venv/bin/pip" install -q "$wheel"
fi

cd "$work"
export PYTHONNOUSERSITE=1
unset PYTHONPATH
# The package, not the checkout, is what runs; every console command: its
# script installed, its entry point loading, its own flags defined. One
# process: each binary's flags are removed after its check, since the
# binaries define some of the same names.
"$work/venv/bin/python" - "$root" <<'PY'
import importlib.metadata, os, sys
from absl import flags
import aiqn_tf
root = os.path.realpath(sys.argv[1])
def installed(module):
  path = os.path.realpath(module.__file__)
  assert not path.startswith(root + os.sep), f'{module.__name__} from the checkout: {path}'
installed(aiqn_tf)
print(f'aiqn_tf {aiqn_tf.__version__} from {os.path.dirname(aiqn_tf.__file__)}')
commands = [entry for entry in importlib.metadata.distribution(
    'aiqn_tf').entry_points if entry.group == 'console_scripts']
assert len(commands) == 5, commands
for entry in commands:
  script = os.path.join(os.path.dirname(sys.executable), entry.name)
  assert os.path.isfile(script), f'{script} was not installed'
  assert callable(entry.load()), entry
  module = sys.modules[entry.module]
  installed(module)
  own = {flag.name for flag in flags.FLAGS.get_key_flags_for_module(module)}
  assert own & {'dataset', 'model_dir'}, f'{entry.name} defines {own}'
  for flag in flags.FLAGS.get_flags_for_module(module):
    delattr(flags.FLAGS, flag.name)
print('console commands:', ', '.join(entry.name for entry in commands))
PY
"$work/venv/bin/aiqn-train" --preset=digits --train_steps=20 \
  --checkpoint_every=10 --summary_every=10 --sample_every=0 \
  --model_dir="$work/run" 2>/dev/null
"$work/venv/bin/aiqn-sample" --model_dir="$work/run" --num_samples=4 \
  --output="$work/samples.png,$work/samples.npz" 2>/dev/null
"$work/venv/bin/python" -c "
import sys, numpy as np
images = np.load(sys.argv[1])['images']
assert images.shape == (4, 8, 8, 1) and images.dtype == np.uint8, images.shape
print('aiqn-sample wrote', images.shape, images.dtype)" "$work/samples.npz"
echo "package: 1 passed, 0 failed"
