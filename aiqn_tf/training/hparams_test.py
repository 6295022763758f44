"""A run's settings and best figures, as TensorBoard's HParams dashboard reads them."""

import json
import os
import tempfile

import tensorflow as tf
from tensorboard.backend.event_processing import event_accumulator
from tensorboard.plugins.hparams import plugin_data_pb2

from aiqn_tf.runs import presets
from aiqn_tf.training import hparams


class HParamsTest(tf.test.TestCase):

  def test_settings_reach_the_dashboard(self):
    config = presets.preset('digits', 'pixel_cnn').replace(seed=3)
    log_dir = tempfile.mkdtemp()
    writer = tf.summary.create_file_writer(log_dir)
    hparams.write_settings(writer, config, 'pixel_cnn_seed3')
    events = event_accumulator.EventAccumulator(
        log_dir, size_guidance={event_accumulator.TENSORS: 0})
    events.Reload()
    content = events.PluginTagToContent('hparams')
    data = plugin_data_pb2.HParamsPluginData.FromString(
        content['_hparams_/session_start_info'])
    written = {k: v.string_value or v.number_value or v.bool_value
               for k, v in data.session_start_info.hparams.items()}
    self.assertEqual(written['model_name'], 'pixel_cnn')
    self.assertEqual(written['loop.seed'], 3)
    self.assertEqual(written['optimizer.learning_rate'],
                     config.optimizer.learning_rate)
    self.assertEqual(written['data.dataset'], 'digits')
    self.assertEqual(data.session_start_info.group_name, 'pixel_cnn_seed3')

  def test_best_is_over_every_evaluation_so_far(self):
    model_dir = tempfile.mkdtemp()
    os.makedirs(os.path.join(model_dir, 'eval'))
    for step, fid, score in ((1000, 9.0, 7.0), (2000, 6.0, 8.5),
                             (3000, 7.5, 9.1)):
      with open(os.path.join(model_dir, 'eval', f'step_{step:08d}.json'),
                'w') as f:
        json.dump({'fid': fid, 'inception_score': score, 'step': step}, f)
    # A latent model's prior samples are another sampler's figures.
    with open(os.path.join(model_dir, 'eval', 'step_00003000_prior.json'),
              'w') as f:
      json.dump({'fid': 1.0}, f)
    self.assertEqual(hparams.best(model_dir),
                     {'best/fid': 6.0, 'best/inception_score': 9.1})


if __name__ == '__main__':
  tf.test.main()
