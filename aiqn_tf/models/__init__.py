"""The models layer: the protocol (`base`), the registry, the losses and the
sampler core at the top; by job, `layers/`, `backbones/`, `heads/`,
`latent/` and `adversarial/`. Modules' names before that split still import
(core/compat.py)."""

from aiqn_tf.core import compat

compat.install()
