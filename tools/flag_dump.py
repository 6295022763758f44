"""The absl flags of programs, each imported alone, from one warm interpreter.

Programs (binaries, benches) define flags of the same names, so each must be
imported in a process of its own; starting TensorFlow once per program cost
the docs test and the reference generator minutes. Here one interpreter
imports TensorFlow and the library once, then forks a child per program,
which imports it and reports its flags. A program whose child fails (or
hangs) is dumped again in a fresh interpreter, so a result never depends on
the fork.

  flag_dump.dump(['binaries.train', 'experiments.quality'])
  # {'binaries.train': {'doc': ..., 'flags': [{'name', 'type', 'default',
  #   'help', 'choices', 'module'}, ...]},
  #  'experiments.quality': None (no import)}
"""

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHILD_TIMEOUT_S = 120

# Describes one program's flags: run in the child (or a fresh interpreter).
_DESCRIBE = r'''
def describe(name):
  import importlib, sys
  from absl import flags
  sys.argv = [name]
  module = importlib.import_module(name)
  owner = {}
  for key, defined in flags.FLAGS.flags_by_module_dict().items():
    for flag in defined:
      owner[flag.name] = key
  rows = []
  for flag_name in sorted(flags.FLAGS):
    flag = flags.FLAGS[flag_name]
    default = flag.default
    if isinstance(default, (list, tuple)):
      default = ','.join(map(str, default))
    rows.append(dict(name=flag.name, type=flag.flag_type(), default=default,
                     help=flag.help or '', module=owner.get(flag.name, ''),
                     choices=list(getattr(flag.parser, 'enum_values', [])
                                  or [])))
  doc = (module.__doc__ or '').strip().split('\n\n')[0].replace('\n', ' ')
  return dict(doc=doc, flags=rows, name=module.__name__)
'''

_FORKING = _DESCRIBE + r'''
import json, os, sys
import tensorflow  # The slow imports, once for every child.
import keras
import aiqn_tf
from aiqn_tf.runs import config_flags
for name in json.loads(sys.argv[1]):
  read, write = os.pipe()
  pid = os.fork()
  if pid == 0:
    os.close(read)
    try:
      text = json.dumps(describe(name), default=str)
    except BaseException:  # Reported as missing; the parent retries it.
      text = 'null'
    with os.fdopen(write, 'w') as f:
      f.write(text)
    os._exit(0)
  os.close(write)
  with os.fdopen(read) as f:
    text = f.read()
  os.waitpid(pid, 0)
  print(json.dumps([name, json.loads(text or 'null')]), flush=True)
'''

_ALONE = _DESCRIBE + r'''
import json, sys
print(json.dumps(describe(sys.argv[1]), default=str))
'''


def _alone(name):
  run = subprocess.run([sys.executable, '-c', _ALONE, name], cwd=ROOT,
                       check=False, capture_output=True, text=True)
  if run.returncode:
    return None
  return json.loads(run.stdout.strip().splitlines()[-1])


def dump(names):
  """{module name: its flags (see the module docstring), or None if it does
  not import}."""
  results = {}
  try:
    run = subprocess.run(
        [sys.executable, '-c', _FORKING, json.dumps(list(names))], cwd=ROOT,
        check=False, capture_output=True, text=True,
        timeout=CHILD_TIMEOUT_S * (len(names) + 1))
    for line in run.stdout.splitlines():
      if line.startswith('['):
        name, result = json.loads(line)
        results[name] = result
  except subprocess.TimeoutExpired:
    pass
  for name in names:
    if results.get(name) is None:
      results[name] = _alone(name)
  return results
