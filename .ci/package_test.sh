#!/usr/bin/env bash
# Builds the package from this checkout, installs it into a fresh virtualenv
# and runs the console commands from a folder outside the checkout:
# aiqn-train for a few steps on the bundled digits, then aiqn-sample on the
# run. Fails if anything is imported from the checkout instead of the
# installed package.
#
#   .ci/package_test.sh [WORK_DIR]     # default: a new temporary folder
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=${1:-$(mktemp -d)}
mkdir -p "$work"
trap 'rm -rf "$work/venv" "$work/dist"' EXIT

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
"$work/venv/bin/pip" wheel -q --no-deps -w "$work/dist" "$root" 2>&1 | grep -v "^WARNING: Location" || true
wheel=$(ls "$work"/dist/aiqn_tf-*.whl)
echo "built $(basename "$wheel")"
"$work/venv/bin/pip" install -q "$wheel" 2>&1 | grep -v "^WARNING: Location" || true

cd "$work"
export PYTHONNOUSERSITE=1
unset PYTHONPATH
"$work/venv/bin/python" - "$root" <<'PY'
import os, sys
import aiqn_tf, aiqn_tf.binaries.train
root = os.path.realpath(sys.argv[1])
for module in (aiqn_tf, aiqn_tf.binaries.train):
  path = os.path.realpath(module.__file__)
  assert not path.startswith(root + os.sep), f'{module.__name__} from the checkout: {path}'
print(f'aiqn_tf {aiqn_tf.__version__} from {os.path.dirname(aiqn_tf.__file__)}')
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
# absl's --helpshort exits 1 after printing the program's own flags.
for command in aiqn-evaluate aiqn-export aiqn-train-classifier; do
  help=$("$work/venv/bin/$command" --helpshort 2>/dev/null || true)
  grep -q -- '--dataset\|--model_dir' <<<"$help" ||
    { echo "$command --helpshort did not list its flags" >&2; exit 1; }
done
echo "package: 1 passed, 0 failed"
