"""Training: the trainer loop, optimizers and schedules, Polyak averaging, tf.distribute."""
