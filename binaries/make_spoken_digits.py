r"""Synthesises the bundled spoken digits with espeak-ng (maintainers only).

The corpus ships inside the package (aiqn_tf/data/spoken_digits.npz); this
is how it was made, and remakes it identically with the same espeak-ng
(the file records its version). Needs Debian's espeak-ng:

  apt-get install espeak-ng
  python -m binaries.make_spoken_digits --output=aiqn_tf/data/spoken_digits.npz
"""

from absl import app
from absl import flags
import numpy as np

from aiqn_tf.data import spoken_digits

flags.DEFINE_string('output', spoken_digits.PATH, 'The .npz file written.')
flags.DEFINE_string('espeak', 'espeak-ng', 'The espeak-ng program.')

FLAGS = flags.FLAGS


def main(argv):
  del argv
  corpus = spoken_digits.synthesise(FLAGS.espeak)
  np.savez_compressed(FLAGS.output, **corpus)
  print(f'{FLAGS.output}: {len(corpus["labels"])} clips of '
        f'{spoken_digits.LENGTH} samples at {spoken_digits.RATE} Hz, '
        f'{corpus["espeak"]}')


def run():
  app.run(main)


if __name__ == '__main__':
  run()
