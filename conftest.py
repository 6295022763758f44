"""pytest's setup for the whole suite (loaded before any test imports TF)."""

import os

# Under pytest-xdist with as many workers as cores, TensorFlow's default
# intra-op pools (a thread per core in each worker, and in each binary a
# test starts) oversubscribe the cores, and the suite's small ops pay for
# the contention more than they gain from a second thread: one thread per
# op in every worker, and in the binaries the tests start (they inherit the
# environment). The inter-op pool keeps its default: two CPU replicas'
# collectives wait on each other there. An explicit setting wins.
if int(os.environ.get('PYTEST_XDIST_WORKER_COUNT', '1')) >= (
    os.cpu_count() or 1):
  for name in ('TF_NUM_INTRAOP_THREADS', 'OMP_NUM_THREADS'):
    os.environ.setdefault(name, '1')
