"""What make_digits.py and make_imagenet.py share (issue 17 fixtures): the check that Debian's
packages are importable by /usr/bin/python3, the deterministic PyTorch set-up and the ONNX export
that sxsim reads (opset 13, input "x", output "y")."""
import importlib
import sys

SEED = 0

# Module -> the Debian package that provides it (.ci/deps).
_DEBIAN = {"numpy": "python3-numpy", "torch": "python3-torch", "onnx": "python3-onnx",
           "sklearn": "python3-sklearn", "torchvision": "python3-torchvision", "PIL": "python3-pil"}
COMMON = ("numpy", "torch", "onnx", "sklearn")


def require(script, extra=()):
    """Imports the modules both fixtures need (COMMON: numpy, torch, onnx, which
    torch.onnx.export needs, sklearn) and `extra`; exits naming the Debian packages if one is
    missing. Fail loudly: the tests must not pass without the real packages."""
    modules = COMMON + tuple(extra)
    try:
        for m in modules:
            importlib.import_module(m)
    except ImportError as e:
        sys.exit("%s: needs Debian's %s for /usr/bin/python3 (.ci/deps): %s"
                 % (script, ", ".join(_DEBIAN[m] for m in modules), e))


def deterministic_torch(seed=SEED):
    """Seeded, one thread, deterministic algorithms: the same packages give the same ONNX file
    and the same reference outputs every time."""
    import torch
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)


def export_onnx(model, input_shape, path):
    """`model` (eval mode) to `path` as sxsim reads it: opset 13, input "x" of `input_shape`
    (batch 1), output "y"."""
    import torch
    torch.onnx.export(model, torch.zeros(*input_shape), path, opset_version=13, input_names=["x"],
                      output_names=["y"])
