#!/usr/bin/env python3
"""Fails when a layer's sources import a layer outside its BUILD deps.

    python3 tools/check_layer_imports.py --allowed=core,data [--stamp=OUT] \
        LAYER FILE...

Run by the genrule that tools/layers.bzl's `aiqn_layer` makes for every layer,
on that layer's sources, so an import that BUILD does not allow fails
`bazel build`. Standard library only: Bazel runs it with the `python3` on
PATH, not the project's virtualenv.

What counts as importing a layer (found anywhere in a module, inside
functions too, by walking its syntax tree):

  import aiqn_tf.training.trainer         layer `training`
  from aiqn_tf.training import trainer    layer `training`
  from aiqn_tf import training            layer `training` (a layer folder)
  from aiqn_tf import images              layer `core`   (images, grids)
  from aiqn_tf import PixelIQN            layer `models` (the other lazy names)
  import aiqn_tf; aiqn_tf.PixelIQN(...)   layer `models` (same rule, by name)
  import aiqn_tf                          layer `core`   (aiqn_tf/__init__.py)
  from ..training import trainer          relative imports, resolved by path
  importlib.import_module('aiqn_tf.x')    string constants only
  import binaries / import experiments   layers `binaries`, `experiments`

A layer may always import itself. Exit status 0 and the stamp file written
when every import is allowed; 1 and a message per import otherwise.
"""

import argparse
import ast
import os
import sys

# The folders of aiqn_tf/ that are layers; tools/layers.bzl passes its own list
# with --layers, these are the defaults for running the script by hand.
AIQN_TF_LAYERS = ('core', 'models', 'data', 'evaluation', 'runs', 'training',
                  'serving', 'testing')
# Top-level packages that are layers of their own.
TOP_LEVEL_LAYERS = ('binaries', 'experiments')
# Names of aiqn_tf/__init__.py that are not layer folders but live in core;
# every other such name (PixelIQN, losses, sampling, ...) lives in models.
CORE_NAMES = frozenset(('images', 'grids'))

PACKAGE = 'aiqn_tf'


class Import(object):
  """One import of a layer: where it is, what it says, which layer."""

  def __init__(self, path, line, text, layer):
    self.path = path
    self.line = line
    self.text = text
    self.layer = layer

  def __repr__(self):
    return 'Import(%r, %d, %r, %r)' % (self.path, self.line, self.text,
                                       self.layer)


def _name_layer(name, layers):
  """The layer of `aiqn_tf.<name>`: a folder, or a lazy top-level name."""
  if name in layers:
    return name
  if name in CORE_NAMES or (name.startswith('__') and name.endswith('__')):
    return 'core'
  return 'models'


def module_layer(module, layers, top_level=TOP_LEVEL_LAYERS):
  """The layer a dotted module name belongs to, or None when not ours."""
  parts = module.split('.')
  if parts[0] == PACKAGE:
    if len(parts) == 1:
      return 'core'  # aiqn_tf/__init__.py
    return _name_layer(parts[1], layers)
  if parts[0] in top_level:
    return parts[0]
  return None


def _package_of(path, top_level):
  """The dotted package a source file is in, from its path ('' if unknown)."""
  if os.path.isabs(path) and not os.path.relpath(path).startswith('..'):
    path = os.path.relpath(path)
  parts = path.replace(os.sep, '/').split('/')[:-1]
  for i, part in enumerate(parts):
    if part == PACKAGE or part in top_level:
      return '.'.join(parts[i:])
  return ''


def _resolve_relative(package, level, module):
  """`from <level dots><module> import ...` in `package`, made absolute."""
  if not package:
    return None
  base = package.split('.')
  if level > 1:
    if level - 1 >= len(base):
      return None
    base = base[:-(level - 1)]
  return '.'.join(base + ([module] if module else []))


def _string_constant(node):
  if isinstance(node, ast.Constant) and isinstance(node.value, str):
    return node.value
  if sys.version_info < (3, 8) and isinstance(node, ast.Str):
    return node.s
  return None


def _alias_text(alias):
  return alias.name + (' as ' + alias.asname if alias.asname else '')


def find_imports(path, source, layers=AIQN_TF_LAYERS,
                 top_level=TOP_LEVEL_LAYERS):
  """Every import of one of our layers in `source` (the text of `path`)."""
  tree = ast.parse(source, filename=path)
  package = _package_of(path, top_level)
  found = []
  # Names bound to the aiqn_tf package itself (`import aiqn_tf`,
  # `import aiqn_tf.models`, `import aiqn_tf as a`), whose attributes
  # (`aiqn_tf.PixelIQN`) reach the lazy names of aiqn_tf/__init__.py.
  package_names = set()

  for node in ast.walk(tree):
    if isinstance(node, ast.Import):
      for alias in node.names:
        layer = module_layer(alias.name, layers, top_level)
        if layer is not None:
          found.append(Import(path, node.lineno,
                              'import ' + _alias_text(alias), layer))
        if alias.name == PACKAGE and alias.asname:
          package_names.add(alias.asname)
        elif alias.name.split('.')[0] == PACKAGE and not alias.asname:
          package_names.add(PACKAGE)
    elif isinstance(node, ast.ImportFrom):
      module = node.module or ''
      if node.level:
        module = _resolve_relative(package, node.level, node.module)
        if module is None:
          continue
      source_module = '.' * node.level + (node.module or '')
      if module == PACKAGE:
        # `from aiqn_tf import x, y`: each name is a folder or a lazy name.
        for alias in node.names:
          if alias.name == '*':
            layer = 'models'
          else:
            layer = _name_layer(alias.name, layers)
          found.append(Import(path, node.lineno, 'from %s import %s' %
                              (source_module, _alias_text(alias)), layer))
      else:
        text = 'from %s import %s' % (source_module, ', '.join(
            _alias_text(a) for a in node.names))
        layer = module_layer(module, layers, top_level)
        if layer is not None:
          found.append(Import(path, node.lineno, text, layer))
    elif isinstance(node, ast.Call) and node.args:
      # importlib.import_module('aiqn_tf.x') / __import__('aiqn_tf.x').
      func = node.func
      name = (func.attr if isinstance(func, ast.Attribute) else
              func.id if isinstance(func, ast.Name) else None)
      module = _string_constant(node.args[0])
      if name in ('import_module', '__import__') and module:
        layer = module_layer(module, layers, top_level)
        if layer is not None:
          found.append(Import(path, node.lineno,
                              '%s(%r)' % (name, module), layer))

  if package_names:
    # Only layers no import statement names, each at its first use.
    imported = set(imp.layer for imp in found)
    uses = {}
    for node in ast.walk(tree):
      if (isinstance(node, ast.Attribute) and
          isinstance(node.value, ast.Name) and
          node.value.id in package_names):
        layer = _name_layer(node.attr, layers)
        if layer not in imported and (
            layer not in uses or node.lineno < uses[layer].line):
          uses[layer] = Import(path, node.lineno,
                               '%s.%s' % (node.value.id, node.attr), layer)
    found.extend(uses.values())

  found.sort(key=lambda i: (i.line, i.text))
  return found


def check(layer, allowed, paths, layers=AIQN_TF_LAYERS,
          top_level=TOP_LEVEL_LAYERS):
  """The error messages for `paths` of `layer`, which may import `allowed`."""
  ok = set(allowed) | {layer}
  errors = []
  for path in paths:
    with open(path, 'rb') as f:
      source = f.read()
    try:
      imports = find_imports(path, source, layers, top_level)
    except SyntaxError as e:
      errors.append('%s:%s: cannot parse with Python %d.%d (%s), so its '
                    'imports cannot be checked: %s' %
                    (path, e.lineno, sys.version_info[0], sys.version_info[1],
                     sys.executable, e.msg))
      continue
    for imp in imports:
      if imp.layer in ok:
        continue
      errors.append(
          '%s:%d: `%s` imports layer %r, but layer %r may import %s. '
          'If it should, add it to deps in BUILD or move the code.' %
          (imp.path, imp.line, imp.text, imp.layer, layer,
           'only ' + ', '.join(sorted(allowed)) if allowed
           else 'no other layer'))
  return errors


def _split(value):
  return [v for v in (value or '').split(',') if v]


def main(argv=None):
  parser = argparse.ArgumentParser(
      description='Fail when a layer imports a layer outside its deps.')
  parser.add_argument('layer', help='the layer checked, e.g. models')
  parser.add_argument('--allowed', default='',
                      help='comma-separated layers it may import (its deps)')
  parser.add_argument('--layers', default=','.join(AIQN_TF_LAYERS),
                      help='comma-separated folders of aiqn_tf/ that are '
                      'layers')
  parser.add_argument('--top_level', default=','.join(TOP_LEVEL_LAYERS),
                      help='comma-separated top-level packages that are '
                      'layers')
  parser.add_argument('--stamp', help='file written when the check passes')
  parser.add_argument('files', nargs='*', help='the layer\'s sources')
  # Options may come between the layer and the files (Python 3.7+).
  parse = getattr(parser, 'parse_intermixed_args', parser.parse_args)
  args = parse(argv)

  allowed = _split(args.allowed)
  errors = check(args.layer, allowed, args.files, tuple(_split(args.layers)),
                 tuple(_split(args.top_level)))
  if errors:
    sys.stderr.write(
        'check_layer_imports: layer %r (//:%s, deps: %s) imports a layer '
        'outside its deps in BUILD:\n  %s\n' %
        (args.layer, args.layer, ', '.join(allowed) or 'none',
         '\n  '.join(errors)))
    return 1
  if args.stamp:
    with open(args.stamp, 'w') as f:
      f.write('layer %s: %d files import only the layers allowed: %s\n' %
              (args.layer, len(args.files), ', '.join(allowed) or 'none'))
  return 0


if __name__ == '__main__':
  sys.exit(main())
