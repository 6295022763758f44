"""Writes the tiny raw-format tfds fixtures under testdata/tfds/.

Each dataset gets the files its site serves, in the exact format the real
tensorflow-datasets builder reads, holding a handful of synthetic images:

  tfds/cifar10/cifar-10-binary.tar.gz
      cifar-10-batches-bin/{data_batch_1..5,test_batch}.bin and
      batches.meta.txt: 2 records per train batch (10 train), 3 test records.
      A record is 1 label byte then 3072 bytes of R, G, B planes (32x32 each).
  tfds/downsampled_imagenet/32x32/{train,valid}_32x32.tar
      train_32x32/NNNNNNN.png (4 images) and valid_32x32/NNNNNNN.png
      (3 images), 32x32 RGB PNGs.
  tfds/celeb_a/img_align_celeba.zip
      img_align_celeba/00000N.jpg, 6 JPEGs of 178x218 (width x height).
  tfds/celeb_a/list_eval_partition.txt   (3 train, 2 validation, 1 test)
  tfds/celeb_a/list_attr_celeba.txt      (40 attributes in {-1, 1})
  tfds/celeb_a/list_landmarks_align_celeba.txt
  tfds/celeb_a/identity_CelebA.txt       (a distinct identity per image)

Everything is deterministic (fixed seeds, archive timestamps and owners), so
rerunning writes byte-identical files:

  .venv/bin/python testdata/make_tfds_fixtures.py
"""

import gzip
import io
import os
import tarfile
import zipfile

import numpy as np
from PIL import Image

_OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'tfds')
_MTIME = 1262304000  # 2010-01-01, a fixed timestamp for archive members.

CIFAR_LABEL_NAMES = ('airplane', 'automobile', 'bird', 'cat', 'deer', 'dog',
                     'frog', 'horse', 'ship', 'truck')
CIFAR_PER_TRAIN_BATCH = 2
CIFAR_TEST = 3
IMAGENET32_TRAIN = 4
IMAGENET32_VALID = 3
# CelebA partition ids: 0 train, 1 validation, 2 test.
CELEB_A_PARTITIONS = (0, 0, 1, 0, 2, 1)
CELEB_A_ATTRIBUTES = (
    '5_o_Clock_Shadow Arched_Eyebrows Attractive Bags_Under_Eyes Bald Bangs '
    'Big_Lips Big_Nose Black_Hair Blond_Hair Blurry Brown_Hair '
    'Bushy_Eyebrows Chubby Double_Chin Eyeglasses Goatee Gray_Hair '
    'Heavy_Makeup High_Cheekbones Male Mouth_Slightly_Open Mustache '
    'Narrow_Eyes No_Beard Oval_Face Pale_Skin Pointy_Nose Receding_Hairline '
    'Rosy_Cheeks Sideburns Smiling Straight_Hair Wavy_Hair Wearing_Earrings '
    'Wearing_Hat Wearing_Lipstick Wearing_Necklace Wearing_Necktie Young'
).split()
CELEB_A_LANDMARKS = (
    'lefteye_x lefteye_y righteye_x righteye_y nose_x nose_y leftmouth_x '
    'leftmouth_y rightmouth_x rightmouth_y').split()


def synthetic_image(rng, height, width, noise=24):
  """A smooth random colour field plus a little noise.

  Args:
    rng: np.random.Generator.
    height: int, rows.
    width: int, columns.
    noise: int, amplitude of the uniform per-sub-pixel noise.

  Returns:
    uint8 [height, width, 3] covering most of 0..255, cheap to compress.
  """
  y = np.linspace(0.0, 1.0, height)[:, None, None]
  x = np.linspace(0.0, 1.0, width)[None, :, None]
  a, b, c = rng.uniform(0.0, 2.0 * np.pi, (3, 1, 1, 3))
  field = 127.5 + 100.0 * np.sin(3.0 * x + a) * np.cos(2.0 * y + b) + 20.0 * c
  field += rng.integers(-noise, noise + 1, (height, width, 3))
  return np.clip(np.round(field), 0, 255).astype(np.uint8)


def _tar_info(name, size=None):
  """A TarInfo with fixed metadata, a regular file or (size None) a folder."""
  info = tarfile.TarInfo(name)
  info.mtime = _MTIME
  info.uid = info.gid = 0
  info.uname = info.gname = ''
  if size is None:
    info.type = tarfile.DIRTYPE
    info.mode = 0o755
  else:
    info.size = size
    info.mode = 0o644
  return info


def _write_tar(fileobj, folder, members):
  """Writes a ustar archive: folder/ then folder/name for (name, data)."""
  with tarfile.open(fileobj=fileobj, mode='w',
                    format=tarfile.USTAR_FORMAT) as t:
    t.addfile(_tar_info(folder))
    for name, data in members:
      t.addfile(_tar_info(f'{folder}/{name}', len(data)), io.BytesIO(data))


def _png(image):
  buf = io.BytesIO()
  Image.fromarray(image).save(buf, format='PNG')
  return buf.getvalue()


def _jpeg(image):
  buf = io.BytesIO()
  Image.fromarray(image).save(buf, format='JPEG', quality=40)
  return buf.getvalue()


def write_cifar10(out_dir):
  """cifar-10-binary.tar.gz as https://www.cs.toronto.edu/~kriz/ serves it."""
  rng = np.random.default_rng(10)
  batches = [f'data_batch_{i}.bin' for i in range(1, 6)] + ['test_batch.bin']
  members = []
  label = 0
  for batch in batches:
    count = CIFAR_TEST if batch == 'test_batch.bin' else CIFAR_PER_TRAIN_BATCH
    records = []
    for _ in range(count):
      image = synthetic_image(rng, 32, 32)
      # Row-major 1024-byte planes, red then green then blue.
      records.append(bytes([label]) + image.transpose(2, 0, 1).tobytes())
      label = (label + 3) % 10
    members.append((batch, b''.join(records)))
  members.append(('batches.meta.txt',
                  ('\n'.join(CIFAR_LABEL_NAMES) + '\n\n').encode('ascii')))
  tar = io.BytesIO()
  _write_tar(tar, 'cifar-10-batches-bin', members)
  path = os.path.join(out_dir, 'cifar10', 'cifar-10-binary.tar.gz')
  os.makedirs(os.path.dirname(path), exist_ok=True)
  with open(path, 'wb') as f:
    # mtime=0 and no file name in the gzip header keep the bytes reproducible.
    with gzip.GzipFile(filename='', mode='wb', fileobj=f, mtime=0) as gz:
      gz.write(tar.getvalue())


def write_downsampled_imagenet_32x32(out_dir):
  """{train,valid}_32x32.tar as http://image-net.org/small/ serves them."""
  rng = np.random.default_rng(32)
  folder = os.path.join(out_dir, 'downsampled_imagenet', '32x32')
  os.makedirs(folder, exist_ok=True)
  for split, count in (('train', IMAGENET32_TRAIN),
                       ('valid', IMAGENET32_VALID)):
    members = [(f'{i:07d}.png', _png(synthetic_image(rng, 32, 32)))
               for i in range(1, count + 1)]
    with open(os.path.join(folder, f'{split}_32x32.tar'), 'wb') as f:
      _write_tar(f, f'{split}_32x32', members)


def write_celeb_a(out_dir):
  """The five CelebA files tfds reads (aligned images and annotations)."""
  rng = np.random.default_rng(218)
  folder = os.path.join(out_dir, 'celeb_a')
  os.makedirs(folder, exist_ok=True)
  names = [f'{i:06d}.jpg' for i in range(1, len(CELEB_A_PARTITIONS) + 1)]

  with open(os.path.join(folder, 'img_align_celeba.zip'), 'wb') as f:
    with zipfile.ZipFile(f, 'w') as z:
      z.writestr(zipfile.ZipInfo('img_align_celeba/', (2015, 1, 1, 0, 0, 0)),
                 b'')
      for name in names:
        info = zipfile.ZipInfo(f'img_align_celeba/{name}',
                               (2015, 1, 1, 0, 0, 0))
        info.external_attr = 0o644 << 16
        # JPEGs do not deflate; stored members keep the archive simple.
        z.writestr(info, _jpeg(synthetic_image(rng, 218, 178, noise=8)),
                   compress_type=zipfile.ZIP_STORED)

  def write(file_name, lines):
    with open(os.path.join(folder, file_name), 'w', newline='\n') as f:
      f.write(''.join(line + '\n' for line in lines))

  write('list_eval_partition.txt',
        [f'{n} {p}' for n, p in zip(names, CELEB_A_PARTITIONS)])
  # Counted files: the number of rows, then a header, then one row per image.
  attributes = rng.choice([-1, 1], (len(names), len(CELEB_A_ATTRIBUTES)))
  write('list_attr_celeba.txt',
        [str(len(names)), ' '.join(CELEB_A_ATTRIBUTES) + ' '] +
        [n + ' ' + ' '.join(f'{v:2d}' for v in row)
         for n, row in zip(names, attributes)])
  landmarks = rng.integers(60, 160, (len(names), len(CELEB_A_LANDMARKS)))
  write('list_landmarks_align_celeba.txt',
        [str(len(names)), ' '.join(CELEB_A_LANDMARKS)] +
        [f'{n:<10}' + ''.join(f'{v:5d}' for v in row)
         for n, row in zip(names, landmarks)])
  write('identity_CelebA.txt',
        [f'{n} {1000 + 7 * i}' for i, n in enumerate(names)])


def main():
  write_cifar10(_OUT_DIR)
  write_downsampled_imagenet_32x32(_OUT_DIR)
  write_celeb_a(_OUT_DIR)


if __name__ == '__main__':
  main()
