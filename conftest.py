"""pytest's setup for the whole suite (loaded before any test imports TF)."""

import os
import sys

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


# AIQN_TF_CPU_PROFILE=FILE appends each test's CPU seconds (its worker's, its
# waited-for child processes' and those of the binaries it runs, in fresh
# processes or forked by test_util's warm interpreter) and its id to FILE, a
# line per test (setup, a class's setUpClass with its first test, call and
# teardown): where CI's time goes, which wall-clock durations under -n 2 hide.
_PROFILE = os.environ.get('AIQN_TF_CPU_PROFILE')
if _PROFILE:
  import resource  # pylint: disable=g-import-not-at-top

  import pytest  # pylint: disable=g-import-not-at-top

  def _cpu_seconds():
    return sum(u.ru_utime + u.ru_stime for u in (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN))) + _zygote_seconds()

  def _zygote_seconds():
    """CPU seconds of test_util's warm interpreter and the binaries it has
    forked and waited for: where the binary tests spend their time."""
    test_util = sys.modules.get('aiqn_tf.testing.test_util')
    zygote = test_util and test_util._Zygote._instance  # pylint: disable=protected-access
    if zygote is None or zygote.process.poll() is not None:
      return 0.0
    with open(f'/proc/{zygote.process.pid}/stat') as f:
      # utime, stime, cutime, cstime: fields 14-17, after the ')' of comm.
      fields = f.read().rsplit(')', 1)[1].split()[11:15]
    return sum(map(int, fields)) / os.sysconf('SC_CLK_TCK')

  @pytest.hookimpl(hookwrapper=True)
  def pytest_runtest_protocol(item, nextitem):
    del nextitem
    start = _cpu_seconds()
    yield
    with open(_PROFILE, 'a') as f:
      f.write(f'{_cpu_seconds() - start:.2f}\t{item.nodeid}\n')
