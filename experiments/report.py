"""What every benchmark writes into docs/results: figures and their provenance.

A results page states how to reproduce it and on what machine it was
measured, since machines here differ up to 3x in speed: the command, the
commit, the date and the float32 matmul ceiling measured in the same run.

  with report.recording('docs/results/sampling', 'Sampling speed'):
    ...  # everything printed goes to the page as well as to the terminal
"""

import contextlib
import datetime
import io
import os
import shlex
import subprocess
import sys
import time

import tensorflow as tf

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS_DIR = os.path.join('docs', 'results')


def matmul_gflops(n=2048, repeats=10):
  """Best-of float32 [n,n] @ [n,n] GFLOP/s: the machine's dense ceiling."""
  a = tf.random.normal((n, n))
  b = tf.random.normal((n, n))
  matmul = tf.function(lambda a, b: tf.reduce_sum(tf.matmul(a, b)))
  matmul(a, b).numpy()
  best = float('inf')
  for _ in range(repeats):
    start = time.perf_counter()
    matmul(a, b).numpy()
    best = min(best, time.perf_counter() - start)
  return 2 * n**3 / best / 1e9


def command():
  """The command line that ran this process, as `python -m bench.NAME ...`."""
  main = os.path.abspath(sys.argv[0])
  if main.startswith(ROOT + os.sep) and main.endswith('.py'):
    module = os.path.relpath(main, ROOT)[:-3].replace(os.sep, '.')
    return 'python -m ' + shlex.join([module] + sys.argv[1:])
  return shlex.join(sys.argv)


def commit():
  """The checkout's commit, marked when it has uncommitted changes."""
  def git(*args):
    return subprocess.run(['git', *args], cwd=ROOT, capture_output=True,
                          text=True).stdout.strip()
  head = git('rev-parse', '--short', 'HEAD') or 'unknown'
  dirty = git('status', '--porcelain', '--untracked-files=no')
  return head + (' (with uncommitted changes)' if dirty else '')


def provenance(ceiling=None):
  """Markdown lines: command, commit, date, machine and its measured ceiling."""
  ceiling = matmul_gflops() if ceiling is None else ceiling
  return [f'- Command: `{command()}`',
          f'- Commit: {commit()}',
          f'- Date: {datetime.date.today().isoformat()}',
          f'- Machine: {os.cpu_count()} CPU cores, float32 matmul 2048^3 '
          f'{ceiling:.1f} GFLOP/s (measured in this run); TensorFlow '
          f'{tf.__version__}', '']


class _Tee(io.TextIOBase):

  def __init__(self, stream):
    self.stream, self.buffer = stream, io.StringIO()

  def write(self, text):
    self.stream.write(text)
    return self.buffer.write(text)

  def flush(self):
    self.stream.flush()


@contextlib.contextmanager
def recording(output, title, markdown=False, ceiling=None):
  """Copies what the block prints into `<output>.md` under a provenance header.

  Args:
    output: the page's path without `.md` (e.g. docs/results/sampling); empty:
      print only.
    title: the page's heading.
    markdown: the printed text is markdown (tables); else it goes in a code
      block.
    ceiling: the matmul ceiling if the bench measured it already.

  Yields:
    the Tee, whose `buffer` holds the text printed so far. The page is
    written only if the block finishes.
  """
  tee = _Tee(sys.stdout)
  sys.stdout = tee
  try:
    yield tee
  finally:
    sys.stdout = tee.stream
  if not output:
    return
  body = tee.buffer.getvalue().rstrip('\n')
  lines = [f'# {title}', ''] + provenance(ceiling) + (
      [body] if markdown else ['```', body, '```'])
  write_page(output, lines)


def write_page(output, lines):
  """Writes `<output>.md` from lines; returns its path."""
  path = output + '.md'
  os.makedirs(os.path.dirname(path) or '.', exist_ok=True)
  with open(path, 'w') as f:
    f.write('\n'.join(lines) + '\n')
  print(f'Wrote {path}', file=sys.stderr)
  return path
