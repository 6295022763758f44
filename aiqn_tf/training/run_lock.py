"""One training run per run directory, through a lock file.

`<model_dir>/train.lock` names the run that trains into the directory (pid,
host, start time), and that process holds an exclusive flock on it, which the
kernel takes atomically and drops when the process dies however it dies. A
second run finds the flock taken and refuses, naming the first. When the lock
is released the file is emptied, not deleted (deleting a flocked file lets
two processes lock two different files under one name).

A file that still names a run although nobody holds its flock was left by a
run that died (kill -9, a crash of the machine). On the same host, if its pid
is gone, the lock is taken over with a warning. Otherwise (the pid is alive,
e.g. reused, or the run was on another host of a shared filesystem, where
liveness cannot be checked) the new run refuses and says which file to
delete once that run is known to be gone. On a filesystem without flock
only that pid and host check is left, which is not atomic.
"""

import datetime
import fcntl
import json
import os
import socket

from absl import logging

from aiqn_tf.runs import run_dir


class RunDirInUseError(RuntimeError):
  """Another run trains into the same run directory."""


class RunLock:
  """The lock of one run directory; see the module docstring.

  Args:
    model_dir: the run directory (created if missing).
  """

  def __init__(self, model_dir):
    self.model_dir = model_dir
    self.path = os.path.join(model_dir, run_dir.LOCK_FILE)
    self._fd = None

  @property
  def held(self):
    return self._fd is not None

  def acquire(self):
    """Takes the lock (no-op if held).

    Raises:
      RunDirInUseError: if another run holds it, naming that run.
    """
    if self.held:
      return
    os.makedirs(self.model_dir, exist_ok=True)
    fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
      flocked = True
      try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
      except BlockingIOError:
        raise RunDirInUseError(self._in_use(_read(fd))) from None
      except OSError as e:  # A filesystem without flock.
        flocked = False
        logging.warning('Cannot flock %s (%s); checking the pid and host it '
                        'names only.', self.path, e)
      holder = _read(fd)
      if holder:
        if not (flocked and _is_stale(holder)):
          raise RunDirInUseError(self._in_use(holder))
        logging.warning(
            'Taking over %s from a run that ended without releasing it '
            '(pid %s on %s, started %s).', self.path, holder.get('pid'),
            holder.get('host'), holder.get('started'))
      mine = json.dumps({
          'pid': os.getpid(), 'host': socket.gethostname(),
          'started': datetime.datetime.now().isoformat(timespec='seconds')})
      os.ftruncate(fd, 0)
      os.pwrite(fd, mine.encode() + b'\n', 0)
      os.fsync(fd)
    except BaseException:
      os.close(fd)
      raise
    self._fd = fd

  def release(self):
    """Releases the lock (no-op if not held)."""
    if not self.held:
      return
    fd, self._fd = self._fd, None
    try:
      os.ftruncate(fd, 0)
    finally:
      os.close(fd)  # Drops the flock.

  def _in_use(self, holder):
    if 'pid' in holder:
      who = (f'pid {holder["pid"]} on {holder.get("host")}, started '
             f'{holder.get("started")}')
    else:
      who = f'lock file reads {holder["contents"]!r}' if holder else 'unknown'

    return (f'{self.model_dir} is in use by another training run ({who}); two '
            'runs on one directory would overwrite each other\'s checkpoints. '
            'Wait for it to end or stop it, or train into another model_dir. '
            f'If that run is gone, delete {self.path}.')


def _read(fd):
  """The holder a lock file names ({} if empty or unreadable)."""
  text = os.pread(fd, 4096, 0).decode(errors='replace').strip()
  if not text:
    return {}
  try:
    holder = json.loads(text)
  except ValueError:
    holder = None
  return holder if isinstance(holder, dict) else {'contents': text}


def _is_stale(holder):
  """Whether the holder's process is known to be gone: on this host, either
  this process (which does not hold the flock) or no process any more."""
  if holder.get('host') != socket.gethostname():
    return False
  try:
    pid = int(holder['pid'])
  except (KeyError, TypeError, ValueError):
    return False
  if pid == os.getpid():
    return True
  try:
    os.kill(pid, 0)
  except ProcessLookupError:
    return True
  except PermissionError:  # Alive, another user's.
    return False
  return False
