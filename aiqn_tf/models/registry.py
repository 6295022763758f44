"""The registry of model kinds.

A new model is one module whose class is decorated with `@register('name')`;
the trainer, the samplers, evaluation, export and the binaries reach it only
through the protocol in `base`. A new backbone of the pixel models is one
module whose layer is decorated with `@backbone.register('name')`
(models/backbone.py states its contract). Modules outside this package
register the same way; the binaries import them from `--model_module` (and a
run's config.json remembers it). The generic registry is core/registry.py.
"""

from aiqn_tf.core.registry import import_modules  # pylint: disable=unused-import
from aiqn_tf.core.registry import Registry

MODELS = Registry('model', (
    'aiqn_tf.models.pixel_iqn', 'aiqn_tf.models.pixel_cnn',
    'aiqn_tf.models.pixel_cnn_pp', 'aiqn_tf.models.aiqn_vae',
    'aiqn_tf.models.gan', 'aiqn_tf.models.adversarial_autoencoder'))
register = MODELS.register
names = MODELS.names
builtin_names = MODELS.builtin_names
get = MODELS.get
