"""Real data for issue 17: trains a small CNN on scikit-learn's bundled handwritten digits with
Debian's PyTorch (/usr/bin/python3: python3-torch, python3-sklearn, python3-onnx) and writes
what `sxsim run --inputs` and check_realdata.py need. Usage: make_digits.py OUT_DIR [--count N]

  OUT_DIR/digits.onnx          the trained network, opset 13, input "x" 1x1x8x8, output "y" 1x10
  OUT_DIR/inputs/<stem>.npy    held-out test images, float32 1 x 8 x 8 (C x H x W), pixels in [0,1]
  OUT_DIR/labels.json          {stem: class} of those images (outside inputs/: sxsim reads every
                               file of its --inputs directory)
  OUT_DIR/torch_ref/<stem>.npy PyTorch's float32 logits of each image, shape 1 x 10
  OUT_DIR/meta.json            float accuracy (PyTorch) on the written images and on the whole
                               held-out split, training time, the network's layers

The data: load_digits() is 1797 8x8 images with pixel values 0..16 (scaled here by 1/16 to [0,1]),
ten classes. A stratified split (random_state 0) keeps 20 % (360 images) held out; the first
N of them (default all) are written. Nothing is downloaded: the data ship inside python3-sklearn.

The network, chosen so int8 per-tensor quantization is kind to it: no BatchNormalization, ReLU
after each convolution (non-negative activations use the whole int8 range up to the max), small
weights (default init and a short training).
  conv1 1->8 3x3 pad 1, ReLU, maxpool 2   (8x8 -> 4x4)
  conv2 8->16 3x3 pad 1, ReLU, maxpool 2  (4x4 -> 2x2)
  flatten 64, fc 64->10
Deterministic: seeded, one thread, deterministic algorithms, seeded shuffling; the same packages
give the same ONNX file and the same reference outputs every time.
"""
import argparse
import json
import os
import sys
import time

from fixture_common import SEED, deterministic_torch, export_onnx, require

require("make_digits.py")
import numpy as np  # noqa: E402  (after require: a missing package names itself)
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from fakequant import fake_quant  # noqa: E402

EPOCHS = 40
BATCH = 64
LR = 3e-3


class DigitsNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.relu = nn.ReLU()
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = self.pool(self.relu(self.conv1(x)))
        x = self.pool(self.relu(self.conv2(x)))
        return self.fc(torch.flatten(x, 1))


def accuracy(model, x, y):
    with torch.no_grad():
        return float((model(x).argmax(1) == y).float().mean())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--count", type=int, default=0, help="held-out images to write (0: all 360)")
    args = ap.parse_args()

    deterministic_torch()

    digits = load_digits()
    x = (digits.data.astype(np.float32) / 16.0).reshape(-1, 1, 8, 8)
    y = digits.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, random_state=SEED, stratify=y)
    x_train, y_train = torch.from_numpy(x_train), torch.from_numpy(y_train)
    x_test_t, y_test_t = torch.from_numpy(x_test), torch.from_numpy(y_test)

    model = DigitsNet()
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(SEED)
    t0 = time.time()
    for _ in range(EPOCHS):
        model.train()
        perm = torch.randperm(len(x_train), generator=gen)
        for i in range(0, len(perm), BATCH):
            idx = perm[i:i + BATCH]
            opt.zero_grad()
            loss_fn(model(x_train[idx]), y_train[idx]).backward()
            opt.step()
    train_s = time.time() - t0
    model.eval()

    count = args.count or len(x_test)
    if not 0 < count <= len(x_test):
        sys.exit("make_digits.py: --count must be in 1..%d" % len(x_test))
    os.makedirs(os.path.join(args.out, "inputs"), exist_ok=True)
    os.makedirs(os.path.join(args.out, "torch_ref"), exist_ok=True)
    labels = {}
    correct = 0
    with torch.no_grad():
        for i in range(count):
            stem = "digit_%04d" % i
            img = x_test[i]  # 1 x 8 x 8 float32
            logits = model(torch.from_numpy(img).unsqueeze(0)).numpy().astype(np.float32)  # 1 x 10
            np.save(os.path.join(args.out, "inputs", stem + ".npy"), img)
            np.save(os.path.join(args.out, "torch_ref", stem + ".npy"), logits)
            labels[stem] = int(y_test[i])
            correct += int(logits.argmax() == y_test[i])
    with open(os.path.join(args.out, "labels.json"), "w") as f:
        json.dump(labels, f, indent=0, sort_keys=True)

    onnx_path = os.path.join(args.out, "digits.onnx")
    export_onnx(model, (1, 1, 8, 8), onnx_path)

    meta = {
        "dataset": "sklearn.datasets.load_digits, stratified 80/20 split, random_state %d" % SEED,
        "train_images": len(x_train), "heldout_images": len(x_test), "written_images": count,
        "float_accuracy": correct / count,
        "float_accuracy_heldout": accuracy(model, x_test_t, y_test_t),
        "float_accuracy_train": accuracy(model, x_train, y_train),
        "train_seconds": round(train_s, 2), "epochs": EPOCHS, "seed": SEED,
        "torch": torch.__version__,
    }
    fq = fake_quant(model, x_test_t[:count], y_test_t[:count])
    meta.update({"int8_fakequant_accuracy": fq["accuracy"], "int8_fakequant_agreement": fq["agreement"],
                 "int8_fakequant_relative_error": fq["relative_error"]})
    with open(os.path.join(args.out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print("digits: trained in %.1f s; PyTorch float accuracy %.4f on %d written held-out images, int8 "
          "fake-quantized %.4f (agreement %.4f, mean relative error %.4f; float %.4f on all %d held out, %.4f on the %d training images)"
          % (train_s, meta["float_accuracy"], count, fq["accuracy"], fq["agreement"], fq["relative_error"], meta["float_accuracy_heldout"], len(x_test),
             meta["float_accuracy_train"], len(x_train)))


if __name__ == "__main__":
    main()
