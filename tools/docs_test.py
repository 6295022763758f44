"""The docs are true to the code: their commands' flags exist, their links resolve.

Reads README.md, every page under docs/ and the usage text of every binary
(its module docstring, which --help prints). In every code block and inline
code span, a command of one of our programs (`python -m binaries.NAME`,
`python -m experiments.NAME`, `aiqn-NAME`) may name only flags that program
defines (absl's own included, section flags such as --pixel_iqn.kappa too)
and none that it keeps only for old command lines (help "Deprecated ..."),
and a flag quoted on its own (`--kappa`) must be defined by one of them or
by a tool the docs name (TensorBoard, Bazel, saved_model_cli). Every
relative link and picture must exist, and a link to a heading
(`page.md#heading`) must find that heading.
"""

import ast
import glob
import os
import re

from absl.testing import absltest

from tools import flag_dump

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGES = ['README.md'] + sorted(
    os.path.relpath(p, ROOT)
    for p in glob.glob(os.path.join(ROOT, 'docs', '**', '*.md'),
                       recursive=True))
# The binaries' usage texts, read as code blocks.
USAGE = sorted(os.path.relpath(p, ROOT) for p in glob.glob(
    os.path.join(ROOT, 'binaries', '*.py')) if not p.endswith('_test.py'))
CONSOLE = {'aiqn-train': 'binaries.train', 'aiqn-sample': 'binaries.sample',
           'aiqn-evaluate': 'binaries.evaluate',
           'aiqn-export': 'binaries.export',
           'aiqn-train-classifier': 'binaries.train_classifier'}
# Flags of the other tools the docs show (tensorboard, saved_model_cli, tfds,
# bazel, pip).
EXTERNAL_FLAGS = {'logdir', 'dir', 'tag_set', 'signature_def', 'inputs',
                  'outdir', 'all', 'nocache_test_results',
                  'cache_test_results', 'nosandbox_debug', 'strict',
                  'help', 'helpfull', 'helpshort'}  # absl.app's own.
_COMMAND = re.compile(
    r'(?:python3? -m |/python -m )((?:binaries|experiments|tools)\.\w+)|'
    r'(?<![\w/-])(?:\.venv/bin/)?(aiqn-[a-z-]+)')
_FLAG = re.compile(r'(?<![\w-])--([A-Za-z](?:[\w.]*\w)?)')
_LINK = re.compile(r'!?\[[^\]]*\]\(([^)\s]+)\)')

def code_spans(text):
  """The code of a markdown text: block lines (continuations joined), spans."""
  spans = []
  blocks = re.split(r'^```.*$', text, flags=re.M)
  for i, part in enumerate(blocks):
    if i % 2:  # Inside a fenced block.
      joined = re.sub(r'\\\n\s*', ' ', part)
      spans += [line.split(' #')[0] for line in joined.splitlines()]
    else:
      spans += [s.replace('\n', ' ') for s in re.findall(r'`([^`]+)`', part)]
  return spans


def commands(span):
  """(module, flag names) of each command of ours in a code span."""
  found = []
  matches = list(_COMMAND.finditer(span))
  for i, match in enumerate(matches):
    end = matches[i + 1].start() if i + 1 < len(matches) else len(span)
    rest = re.split(r'&&|\|\||;|\|', span[match.end():end])[0]
    module = match.group(1) or CONSOLE.get(match.group(2)) or match.group(2)
    if module.split('.')[-1].isupper():
      continue  # A placeholder: binaries.NAME.
    found.append((module, _FLAG.findall(rest)))
  return found


_HELPS = {}  # module -> {flag: help}, or None where it does not import.


def _program_help(module):
  if module not in _HELPS:
    load([module])
  return _HELPS[module]


def load(modules):
  """Dumps the flags of `modules` not dumped yet (tools/flag_dump.py)."""
  missing = [m for m in modules if m not in _HELPS]
  for module, dumped in flag_dump.dump(missing).items() if missing else ():
    _HELPS[module] = None if dumped is None else {
        flag['name']: flag['help'] for flag in dumped['flags']}


def program_flags(module):
  """Every flag name `module` defines once imported; None if it fails."""
  helps = _program_help(module)
  return None if helps is None else frozenset(helps)


def deprecated_flags(module):
  """The flags `module` keeps only for old command lines."""
  return frozenset(name for name, text in (_program_help(module) or {}).items()
                   if text.startswith('Deprecated'))


def usage_text(path):
  """A binary's module docstring, as one code block."""
  with open(os.path.join(ROOT, path)) as f:
    return '```\n' + (ast.get_docstring(ast.parse(f.read())) or '') + '\n```'



def _slug(heading):
  """GitHub's anchor of a heading."""
  heading = re.sub(r'[^\w\- ]', '', heading.strip().lower())
  return heading.replace(' ', '-')


def _anchors(path):
  with open(path) as f:
    text = re.sub(r'^```.*?^```', '', f.read(), flags=re.M | re.S)
  return {_slug(h) for h in re.findall(r'^#+\s+(.*)$', text, flags=re.M)}


class DocsTest(absltest.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.texts = {}
    for page in PAGES:
      with open(os.path.join(ROOT, page)) as f:
        cls.texts[page] = f.read()
    for path in USAGE:
      cls.texts[path] = usage_text(path)
    cls.uses = [(page, module, names) for page, text in cls.texts.items()
                for span in code_spans(text)
                for module, names in commands(span)]
    load(sorted({module for _, module, _ in cls.uses}))

  def test_pages_are_found(self):
    self.assertIn('docs/README.md', PAGES)
    self.assertGreater(len(self.uses), 20)

  def test_commands_name_only_their_programs_flags(self):
    for page, module, names in self.uses:
      with self.subTest(page=page, program=module):
        self.assertIn(module.split('.')[0],
                      ('binaries', 'experiments', 'tools'),
                      f'{page}: unknown command {module}')
        known = program_flags(module)
        self.assertIsNotNone(known, f'{page}: {module} does not import')
        for name in names:
          if name.startswith('no') and name[2:] in known:
            continue  # absl's --noflag for a bool.
          if re.fullmatch(r'[A-Z_.]+', name) or name in EXTERNAL_FLAGS:
            continue  # A placeholder (--KIND.NAME) or absl.app's --help.
          self.assertTrue(name in known, f'{page}: {module} has no --{name}')

  def test_no_deprecated_flag_is_taught(self):
    self.assertIn('latent_sampler', deprecated_flags('binaries.sample'))
    for page, module, names in self.uses:
      with self.subTest(page=page, program=module):
        old = set(names) & deprecated_flags(module)
        self.assertFalse(old, f'{page}: {module} is shown with the '
                         f'deprecated {sorted(old)}')
    for page, text in self.texts.items():
      with self.subTest(page=page):
        self.assertNotRegex(text, r'--(eval_)?classifier=digits\b',
                            f'{page}: the classifier kind digits is '
                            'deprecated: dataset')

  def test_every_binary_shows_its_usage(self):
    for path in USAGE:
      if path.endswith('__init__.py'):
        continue
      module = 'binaries.' + os.path.basename(path)[:-3]
      with self.subTest(binary=module):
        self.assertIn((path, module), {(p, m) for p, m, _ in self.uses})

  def test_quoted_flags_exist(self):
    every = set(EXTERNAL_FLAGS)
    for _, module, _ in self.uses:
      every |= program_flags(module) or set()
    for page, text in self.texts.items():
      for span in code_spans(text):
        if _COMMAND.search(span):
          continue  # Checked against its own program above.
        for name in _FLAG.findall(span):
          if re.fullmatch(r'[A-Z_.]+', name):
            continue  # A placeholder: --KIND.NAME.
          with self.subTest(page=page, flag=name):
            self.assertTrue(name in every or name[2:] in every,
                            f'{page}: --{name} is no flag of ours')

  def test_links_and_pictures_exist(self):
    for page, text in self.texts.items():
      text = re.sub(r'^```.*?^```', '', text, flags=re.M | re.S)
      for target in _LINK.findall(text):
        if re.match(r'[a-z]+:', target):
          continue  # http:, https:, mailto:
        path, _, anchor = target.partition('#')
        full = os.path.normpath(os.path.join(
            ROOT, os.path.dirname(page), path)) if path else os.path.join(
                ROOT, page)
        with self.subTest(page=page, link=target):
          self.assertTrue(os.path.exists(full),
                          f'{page}: {target} does not exist')
          if anchor and full.endswith('.md'):
            self.assertTrue(anchor in _anchors(full),
                            f'{page}: no heading #{anchor} in {path or page}')


if __name__ == '__main__':
  absltest.main()
