"""Prepares tensorflow-datasets datasets from raw files already on disk.

tfds builders download their raw archives from the dataset's site. Where that
is impossible (no network, or the archives were fetched elsewhere), `prepare`
runs the real builder's `download_and_prepare` with a download manager that
answers every URL the builder asks for with a file from a local folder, and
never goes to the network:

```python
builder = tfds_offline.prepare('cifar10', data_dir='/data/tfds',
                               raw_dir='/downloads/cifar10')
ds = tfds.load('cifar10', split='train', data_dir='/data/tfds', download=False)
```

The raw files keep the names tfds registers for them (the last column of the
builder's `checksums.tsv`), i.e. the names the dataset's site serves them
under; `RAW_FILES` lists them with their URLs.
"""

import os
import tempfile

from absl import logging
from etils import epath
import promise
import tensorflow_datasets as tfds

# The raw files each supported dataset needs in `raw_dir`: {name: {file: url}}.
RAW_FILES = {
    'cifar10': {
        'cifar-10-binary.tar.gz':
            'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
    },
    'downsampled_imagenet/32x32': {
        'train_32x32.tar': 'http://image-net.org/small/train_32x32.tar',
        'valid_32x32.tar': 'http://image-net.org/small/valid_32x32.tar',
    },
    'celeb_a': {
        'img_align_celeba.zip':
            'https://drive.google.com/uc?export=download&'
            'id=0B7EVK8r0v71pZjFTYXZWM3FlRnM',
        'list_eval_partition.txt':
            'https://drive.google.com/uc?export=download&'
            'id=0B7EVK8r0v71pY0NSMzRuSXJEVkk',
        'list_attr_celeba.txt':
            'https://drive.google.com/uc?export=download&'
            'id=0B7EVK8r0v71pblRyaVFSWGxPY0U',
        'list_landmarks_align_celeba.txt':
            'https://drive.google.com/uc?export=download&'
            'id=0B7EVK8r0v71pd0FJY3Blby1HUTQ',
        'identity_CelebA.txt':
            'https://drive.google.com/uc?export=download&'
            'id=1_ee_0u7vcNLOfNLegJRHmolfH5ICW-XS',
    },
}


def _missing_files_error(raw_dir, missing):
  """A FileNotFoundError naming each missing raw file and its URL.

  Args:
    raw_dir: epath.Path, the folder searched.
    missing: dict {file name: url} of the files not found there.

  Returns:
    FileNotFoundError, to raise.
  """
  lines = ''.join(f'\n  {name}  (stands for {url})'
                  for name, url in missing.items())
  return FileNotFoundError(
      f'Raw file(s) missing from {os.fspath(raw_dir)!r}; download each URL '
      f'and save it there under the name given:{lines}')


class _LocalFilesDownloadManager(tfds.download.DownloadManager):
  """A DownloadManager that serves each URL from a local file.

  `download(url)` and `download_and_extract(url)` both go through
  `_download_or_get_cache`, the only method that may reach the network; here it
  returns `raw_dir/<file name of url>` instead. Extraction (for
  `download_and_extract`) and `iter_archive` are tfds's own.
  """

  def __init__(self, *, raw_dir, url_to_file, verify_checksums, **kwargs):
    """Constructor.

    Args:
      raw_dir: epath.Path, the folder holding the raw files.
      url_to_file: dict {url: file name in raw_dir}.
      verify_checksums: bool, whether to check each file's size and sha256
        against the ones tfds registers for its URL.
      **kwargs: forwarded to tfds.download.DownloadManager.
    """
    super().__init__(**kwargs)
    self._raw_dir = raw_dir
    self._url_to_file = url_to_file
    self._verify_checksums = verify_checksums

  def _download_or_get_cache(self, resource):
    """Returns a resolved promise of the local file standing for a URL.

    Overrides the base method, which looks in tfds's download cache and else
    downloads the URL.

    Args:
      resource: str url or tfds.download.Resource with a url.

    Returns:
      promise.Promise of the epath.Path raw_dir/<file name>.

    Raises:
      FileNotFoundError: if that file does not exist.
      ValueError: if no file name is known for the URL.
      NonMatchingChecksumError: if verifying checksums and the file differs.
    """
    url = resource.url if isinstance(resource, tfds.download.Resource) else (
        resource)
    file_name = self._url_to_file.get(url)
    if file_name is None:
      raise ValueError(f'No raw file name is known for {url}: tfds registers '
                       'none and tfds_offline.RAW_FILES has no entry for it.')
    path = self._raw_dir / file_name
    if not path.is_file():
      raise _missing_files_error(self._raw_dir, {file_name: url})
    expected = self._url_infos.get(url)
    if self._verify_checksums and expected is not None:
      url_info = tfds.download.checksums.compute_url_info(path)
      if url_info != expected:
        raise tfds.download.download_manager.NonMatchingChecksumError(
            f'{os.fspath(path)} (for {url}) has size {url_info.size} and '
            f'sha256 {url_info.checksum}; tfds expects size {expected.size} '
            f'and sha256 {expected.checksum}.')
    # Only the size is recorded: it feeds DatasetInfo.download_size.
    self._recorded_url_infos[url] = tfds.download.checksums.UrlInfo(
        size=os.path.getsize(path), checksum='', filename=file_name)
    logging.info('Using local raw file %s for %s', path, url)
    return promise.Promise.resolve(path)


def prepare(tfds_name, data_dir, raw_dir, verify_checksums=False):
  """Builds a tfds dataset from raw files in `raw_dir`, without network access.

  Runs the real builder (its `_split_generators` and `_generate_examples`)
  and writes the prepared dataset to `data_dir/<name>/<config>/<version>/`, as
  `tfds.load(tfds_name, data_dir=data_dir)` would; an already prepared dataset
  there is reused. Archives the builder extracts go to a temporary folder that
  is deleted afterwards.

  Args:
    tfds_name: str, a tfds name with optional config, e.g. 'cifar10',
      'downsampled_imagenet/32x32' or 'celeb_a' (the keys of RAW_FILES). Other
      datasets work when `raw_dir` holds their files under the names of the
      builder's `checksums.tsv`.
    data_dir: str or path-like, the tfds data directory to write to.
    raw_dir: str or path-like, the folder holding the raw files the dataset's
      site serves, under the names RAW_FILES[tfds_name] gives. For example,
      for 'cifar10': raw_dir/cifar-10-binary.tar.gz.
    verify_checksums: bool, whether to check each raw file's size and sha256
      against the ones tfds registers for its URL (where it registers any).
      Off by default, so that trimmed or synthetic files (e.g. test fixtures)
      can be used.

  Returns:
    The tfds.core.DatasetBuilder, prepared; `builder.as_dataset(split=...)`
    reads it.

  Raises:
    FileNotFoundError: if `raw_dir` lacks a raw file the dataset needs; the
      message names each missing file and the URL it stands for.
    ValueError: if the builder asks for a URL with no known file name.
    tfds.download.download_manager.NonMatchingChecksumError: if
      `verify_checksums` is set and a file differs from the registered one.
  """
  raw_dir = epath.Path(raw_dir)
  builder = tfds.builder(tfds_name, data_dir=os.fspath(data_dir))
  if builder.is_prepared():
    logging.info('Reusing %s prepared in %s', tfds_name, builder.data_dir)
    return builder
  url_to_file = {}
  # File names tfds registers for its URLs, then ours (which take precedence).
  for url, info in (builder.url_infos or {}).items():
    if info.filename:
      url_to_file[url] = info.filename
  needed = RAW_FILES.get(tfds_name.split(':')[0], {})  # Drop any ':version'.
  url_to_file.update({url: name for name, url in needed.items()})
  # Check everything up front rather than fail halfway through preparing.
  missing = {name: url for name, url in needed.items()
             if not (raw_dir / name).is_file()}
  if missing:
    raise _missing_files_error(raw_dir, missing)

  # try_download_gcs=False: the default would fetch prepared data from GCS.
  config = tfds.download.DownloadConfig(try_download_gcs=False)
  with tempfile.TemporaryDirectory(prefix='tfds_offline_') as scratch:

    def make_download_manager(download_dir, download_config):
      del download_config  # Fixed above; nothing in it concerns local files.
      return _LocalFilesDownloadManager(
          raw_dir=raw_dir, url_to_file=url_to_file,
          verify_checksums=verify_checksums, download_dir=download_dir,
          dataset_name=builder.name, url_infos=builder.url_infos)

    # tfds offers no public way to give download_and_prepare a download
    # manager: it always makes one with `_make_download_manager`. Shadowing
    # that method on this one builder instance, for this one call, is the
    # smallest change that keeps the builder's own code running unchanged.
    builder._make_download_manager = make_download_manager  # pylint: disable=protected-access
    try:
      builder.download_and_prepare(download_dir=scratch,
                                   download_config=config)
    finally:
      del builder._make_download_manager  # pylint: disable=protected-access
  return builder
