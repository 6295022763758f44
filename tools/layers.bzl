"""aiqn_layer: a py_library whose imports of the other layers are checked.

    load("//:tools/layers.bzl", "aiqn_layer")
    aiqn_layer(name = "models", deps = [":core"])

makes

    //:models                   py_library of aiqn_tf/models/**/*.py (not
                                *_test.py), deps as given, imports = ["."]
    //:models_layer_check       genrule: tools/check_layer_imports.py on those
                                sources, allowed to import only the layers in
                                deps (and itself); writes
                                _layer_checks/models.ok when they do

The py_library has the stamp in its `data`, so `bazel build //:models`, any
target depending on it and `bazel build //...` fail when a source imports a
layer its deps do not name. The check runs with the `python3` on PATH (a
genrule does not use the Python toolchain), so it uses the standard library
only.
"""

# The folders of aiqn_tf/ that are layers, and the top-level packages that are
# layers of their own; passed to the checker, which maps imports onto them.
AIQN_TF_LAYERS = [
    "core",
    "models",
    "data",
    "evaluation",
    "runs",
    "training",
    "serving",
    "testing",
]
TOP_LEVEL_LAYERS = ["binaries", "experiments"]

_CHECKER = "tools/check_layer_imports.py"

def layer_srcs(name):
    """The sources of aiqn_tf/<name>/: every .py file but the tests."""
    return native.glob(
        ["aiqn_tf/%s/**/*.py" % name],
        exclude = ["aiqn_tf/%s/**/*_test.py" % name],
        allow_empty = True,
    )

def _layer_name(dep):
    """":models" or "//:models" -> "models"."""
    return dep.split(":")[-1]

def aiqn_layer(name, deps = [], srcs = None, data = [], testonly = False, **kwargs):
    """A layer: a py_library plus a build-time check of its imports.

    Args:
      name: the layer, e.g. "models"; also the py_library's name.
      deps: the layers it may import, as labels in this package (":core").
      srcs: its sources; default aiqn_tf/<name>/**/*.py but *_test.py.
      data: data files of the library.
      testonly: for test-only layers (test helpers, benchmarks).
      **kwargs: passed on to the py_library (visibility, ...).
    """
    if srcs == None:
        srcs = layer_srcs(name)
    allowed = [_layer_name(dep) for dep in deps]
    stamp = "_layer_checks/%s.ok" % name

    native.genrule(
        name = name + "_layer_check",
        srcs = srcs,
        outs = [stamp],
        tools = [_CHECKER],
        cmd = " ".join([
            "python3",
            "$(location %s)" % _CHECKER,
            "--allowed=" + ",".join(allowed),
            "--layers=" + ",".join(AIQN_TF_LAYERS),
            "--top_level=" + ",".join(TOP_LEVEL_LAYERS),
            "--stamp=$@",
            name,
            "$(SRCS)",
        ]),
        message = "Checking the imports of layer " + name,
        testonly = testonly,
    )

    native.py_library(
        name = name,
        srcs = srcs,
        data = data + [":" + name + "_layer_check"],
        deps = deps,
        imports = ["."],
        srcs_version = "PY3",
        testonly = testonly,
        **kwargs
    )
