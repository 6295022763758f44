"""The registry of model kinds.

A new model is one module whose class is decorated with `@register('name')`;
the trainer, the samplers, evaluation, export and the binaries reach it only
through the protocol in `base`. A new backbone of the pixel models is one
module whose layer is decorated with `@backbone.register('name')`
(models/backbones/backbone.py states its contract). Modules outside this package
register the same way; the binaries import them from `--model_module` (and a
run's config.json remembers it). The generic registry is core/registry.py.
"""

# pylint: disable=unused-import
from aiqn_tf.core.registry import import_modules
# pylint: enable=unused-import
from aiqn_tf.core.registry import Registry

MODELS = Registry('model', (
    'aiqn_tf.models.heads.pixel_iqn', 'aiqn_tf.models.heads.pixel_cnn',
    'aiqn_tf.models.heads.pixel_cnn_pp', 'aiqn_tf.models.latent.aiqn_vae',
    'aiqn_tf.models.latent.coverage_quality',
    'aiqn_tf.models.adversarial.gan',
    'aiqn_tf.models.adversarial.adversarial_autoencoder',
    'aiqn_tf.models.adversarial.veegan'))
register = MODELS.register
names = MODELS.names
builtin_names = MODELS.builtin_names
get = MODELS.get
