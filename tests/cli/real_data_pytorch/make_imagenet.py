"""Real photographs through ImageNet-shaped networks (issue 17), with Debian's PyTorch
(/usr/bin/python3: python3-torch, python3-torchvision, python3-sklearn, python3-pil, python3-onnx).
Usage: make_imagenet.py OUT_DIR [model ...]   (models: resnet18 mobilenet_v2, the default)

  OUT_DIR/<model>.onnx              random-initialised (seeded) torchvision network, eval mode,
                                    opset 13, input "x" 1x3x224x224, output "y" 1x1000
  OUT_DIR/inputs/{china,flower}.png scikit-learn's two bundled sample photographs (427 x 640 RGB,
                                    python3-sklearn ships them: nothing is downloaded), written
                                    losslessly as PNG so sxsim decodes exactly these pixels
  OUT_DIR/torch_ref/<model>/<stem>.npy  PyTorch's float32 output (1 x 1000) on the preprocessing
                                    below
  OUT_DIR/meta.json                 what was made, the caveat below, and what int8 per-tensor
                                    quantization gives in PyTorch (fakequant.py)

Preprocessing, the one `sxsim run --inputs DIR --normalize imagenet` is specified to do
(IFACE17.md): bilinear resize of the whole photograph to 224 x 224 (no crop, aspect ratio not
kept), pixel values scaled to [0,1], then per channel (x - mean) / std with torchvision's ImageNet
mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225). The resize convention is PyTorch's
torch.nn.functional.interpolate(mode="bilinear", align_corners=False, antialias=False): half-pixel
centres, source coordinate s = (d + 0.5) * in / out - 0.5 clamped below at 0, neighbours
floor(s) and min(floor(s) + 1, in - 1) weighted by the fraction of s; no antialiasing filter even
though 427x640 -> 224x224 shrinks (each output pixel reads only its 2x2 neighbours). Resize and
the 1/255 scale are both linear, so their order changes only float rounding (~1e-7 relative).

Random-initialised networks give real activation statistics (densities, Booth digits, zeros after
ReLU of real image content) but meaningless accuracy: there are no labels here, only agreement
with PyTorch's float outputs.
"""
import json
import os
import sys
import time

from fixture_common import SEED, export_onnx, require

require("make_imagenet.py", ("torchvision", "PIL"))
import numpy as np  # noqa: E402  (after require: a missing package names itself)
import torch  # noqa: E402
import torchvision  # noqa: E402
from PIL import Image  # noqa: E402
from sklearn.datasets import load_sample_images  # noqa: E402
from fakequant import fake_quant  # noqa: E402

SIZE = 224
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
CAVEAT = ("random-initialised networks: real activation statistics, meaningless accuracy "
          "(no labels; only agreement with PyTorch's float outputs is measured)")


def preprocess(rgb):
    """uint8 H x W x 3 -> float32 1 x 3 x 224 x 224, as documented above."""
    x = torch.from_numpy(rgb.astype(np.float32) / 255.0).permute(2, 0, 1).unsqueeze(0).contiguous()
    x = torch.nn.functional.interpolate(x, size=(SIZE, SIZE), mode="bilinear", align_corners=False,
                                        antialias=False)
    mean = torch.tensor(MEAN, dtype=torch.float32).view(1, 3, 1, 1)
    std = torch.tensor(STD, dtype=torch.float32).view(1, 3, 1, 1)
    return (x - mean) / std


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: make_imagenet.py OUT_DIR [model ...]")
    out = sys.argv[1]
    names = sys.argv[2:] or ["resnet18", "mobilenet_v2"]
    torch.set_num_threads(1)
    os.makedirs(os.path.join(out, "inputs"), exist_ok=True)

    samples = load_sample_images()
    photos = {}
    for path, rgb in zip(samples.filenames, samples.images):
        stem = os.path.splitext(os.path.basename(path))[0]
        Image.fromarray(rgb).save(os.path.join(out, "inputs", stem + ".png"))
        photos[stem] = rgb

    meta = {"caveat": CAVEAT, "inputs": {s: list(p.shape) for s, p in photos.items()},
            "preprocessing": "bilinear resize to 224x224 (align_corners=False, no antialias), /255, imagenet mean/std",
            "models": {}}
    for name in names:
        t0 = time.time()
        torch.manual_seed(SEED)  # per model: each network's weights do not depend on the others
        model = torchvision.models.get_model(name, weights=None).eval()
        path = os.path.join(out, name + ".onnx")
        export_onnx(model, (1, 3, SIZE, SIZE), path)
        refdir = os.path.join(out, "torch_ref", name)
        os.makedirs(refdir, exist_ok=True)
        top1 = {}
        with torch.no_grad():
            for stem, rgb in photos.items():
                y = model(preprocess(rgb)).numpy().astype(np.float32)
                np.save(os.path.join(refdir, stem + ".npy"), y)
                top1[stem] = int(y.argmax())
        fq = fake_quant(model, torch.cat([preprocess(rgb) for rgb in photos.values()]))
        meta["models"][name] = {"file": path, "reference": refdir, "torch_top1": top1,
                                "int8_fakequant_agreement": fq["agreement"],
                                "int8_fakequant_relative_error": fq["relative_error"]}
        print("%s: exported and ran on %d photographs in %.1f s (top-1 classes %s); int8 fake-quantized: "
              "top-1 agreement %.2f, mean relative error %.4f"
              % (name, len(photos), time.time() - t0, top1, fq["agreement"], fq["relative_error"]), flush=True)
    with open(os.path.join(out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print("note: " + CAVEAT)


if __name__ == "__main__":
    main()
