"""The errors the data layer raises, with what to do about them."""


class DatasetError(ValueError):
  """A dataset name, file or option that cannot be used as given.

  The message says what is wrong and what to pass or change instead. A
  ValueError, so callers that caught ValueError for an unknown name still do.
  """


class DatasetNotPreparedError(FileNotFoundError):
  """A tfds dataset is not in data_dir and downloading was not asked for."""
