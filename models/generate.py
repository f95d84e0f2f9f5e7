#!/usr/bin/python3
"""Generate the bundled workload descriptions (models/*.json).

Usage:  /usr/bin/python3 models/generate.py [OUTPUT_DIR]     (default: the folder of this script)

Deterministic: the same script always writes byte-identical files. Shapes follow the
published networks (see each network's "source"); the C++ loader (sw/workload) re-checks that
every layer's input equals its producer's output, and tests/sw/workload checks the MAC totals.

Conventions: ReLU, batch-norm, LRN and dropout are not listed (no MACs, fused in hardware).
Pooling and residual additions are listed so shapes chain; compute models skip them.
"""
import json
import os
import sys


class Net:
    def __init__(self, name, source, C, H, W, batch=1, notes=None):
        self.doc = {"name": name, "source": source}
        if notes:
            self.doc["notes"] = notes
        self.doc["batch"] = batch
        self.doc["input"] = {"C": C, "H": H, "W": W}
        self.layers = []
        self.out = {"input": (C, H, W)}  # name -> (K, P, Q)
        self.prev = "input"

    def _add(self, layer, src, K, P, Q):
        assert layer["name"] not in self.out, layer["name"]
        if isinstance(src, list):
            layer["inputs"] = src
        elif src != self.prev:
            layer["input"] = src
        self.layers.append(layer)
        self.out[layer["name"]] = (K, P, Q)
        self.prev = layer["name"]
        return layer["name"]

    def conv(self, name, K, R, stride=1, padding=0, groups=1, src=None, stats=None):
        src = src or self.prev
        C, H, W = self.out[src]
        P = (H + 2 * padding - R) // stride + 1
        Q = (W + 2 * padding - R) // stride + 1
        layer = {"name": name, "type": "conv", "C": C, "K": K, "H": H, "W": W, "R": R, "S": R,
                 "stride": stride, "padding": padding, "groups": groups}
        if stats:
            layer["stats"] = stats
        return self._add(layer, src, K, P, Q)

    def pool(self, kind, name, R, stride, padding=0, src=None):
        src = src or self.prev
        C, H, W = self.out[src]
        P = (H + 2 * padding - R) // stride + 1
        Q = (W + 2 * padding - R) // stride + 1
        layer = {"name": name, "type": kind, "C": C, "K": C, "H": H, "W": W, "R": R, "S": R,
                 "stride": stride, "padding": padding}
        return self._add(layer, src, C, P, Q)

    def global_avgpool(self, name, src=None):
        src = src or self.prev
        C, H, W = self.out[src]
        layer = {"name": name, "type": "global_avgpool", "C": C, "K": C, "H": H, "W": W, "R": H, "S": W}
        return self._add(layer, src, C, 1, 1)

    def add(self, name, srcs):
        shapes = {self.out[s] for s in srcs}
        assert len(shapes) == 1, (name, shapes)
        C, H, W = shapes.pop()
        layer = {"name": name, "type": "add", "C": C, "K": C, "H": H, "W": W}
        return self._add(layer, list(srcs), C, H, W)

    def fc(self, name, K, src=None, stats=None):
        src = src or self.prev
        C, H, W = self.out[src]
        layer = {"name": name, "type": "fc", "C": C * H * W, "K": K}
        if stats:
            layer["stats"] = stats
        return self._add(layer, src, K, 1, 1)

    def text(self):
        # One layer per line keeps the files readable and diffs small.
        lines = ["{"]
        for key, value in self.doc.items():
            lines.append("  %s: %s," % (json.dumps(key), json.dumps(value)))
        lines.append('  "layers": [')
        for i, layer in enumerate(self.layers):
            sep = "," if i + 1 < len(self.layers) else ""
            lines.append("    " + json.dumps(layer) + sep)
        lines.append("  ]")
        lines.append("}")
        return "\n".join(lines) + "\n"


HAN = "Han et al., Deep Compression / Learning both Weights and Connections (pruned AlexNet weight density)"
EYERISS = "Chen et al., Eyeriss JSSC 2017 (measured ifmap zeros on chip: activation density = 1 - zeros)"


def alexnet():
    n = Net("alexnet",
            "Krizhevsky et al., NIPS 2012 (original two-group AlexNet, 227x227 input as in Caffe BVLC); "
            "conv MACs 665.8 M per image",
            3, 227, 227)
    w = [0.84, 0.38, 0.35, 0.37, 0.37]
    a = [1.00, 0.61, 0.28, 0.21, 0.22]

    def st(i):
        return {"weight_density": w[i], "activation_density": a[i],
                "source": "weight: " + HAN + "; activation: " + EYERISS}
    n.conv("conv1", 96, 11, stride=4, stats=st(0))
    n.pool("maxpool", "pool1", 3, 2)
    n.conv("conv2", 256, 5, padding=2, groups=2, stats=st(1))
    n.pool("maxpool", "pool2", 3, 2)
    n.conv("conv3", 384, 3, padding=1, stats=st(2))
    n.conv("conv4", 384, 3, padding=1, groups=2, stats=st(3))
    n.conv("conv5", 256, 3, padding=1, groups=2, stats=st(4))
    n.pool("maxpool", "pool5", 3, 2)
    for name, k, d in (("fc6", 4096, 0.09), ("fc7", 4096, 0.09), ("fc8", 1000, 0.25)):
        n.fc(name, k, stats={"weight_density": d, "source": HAN})
    return n


def vgg(name, cfg, source, C, H, classifier, notes=None):
    n = Net(name, source, C, H, H, notes=notes)
    stage, idx = 1, 1
    for item in cfg:
        if item == "M":
            n.pool("maxpool", "pool%d" % stage, 2, 2)
            stage, idx = stage + 1, 1
        else:
            n.conv("conv%d_%d" % (stage, idx), item, 3, padding=1)
            idx += 1
    for i, k in enumerate(classifier):
        n.fc("fc%d" % (i + 1) if len(classifier) > 1 else "fc", k)
    return n


def resnet(name, blocks, bottleneck, source, notes):
    n = Net(name, source, 3, 224, 224, notes=notes)
    n.conv("conv1", 64, 7, stride=2, padding=3)
    n.pool("maxpool", "pool1", 3, 2, padding=1)
    planes = 64
    for s, count in enumerate(blocks):
        for b in range(count):
            stride = 2 if (s > 0 and b == 0) else 1
            p = "layer%d.%d" % (s + 1, b)
            block_in = n.prev
            if bottleneck:
                out = planes * 4
                n.conv(p + ".conv1", planes, 1)
                n.conv(p + ".conv2", planes, 3, stride=stride, padding=1)  # v1.5: stride in the 3x3
                main = n.conv(p + ".conv3", out, 1)
            else:
                out = planes
                n.conv(p + ".conv1", planes, 3, stride=stride, padding=1)
                main = n.conv(p + ".conv2", planes, 3, padding=1)
            shortcut = block_in
            if stride != 1 or n.out[block_in][0] != out:
                shortcut = n.conv(p + ".downsample", out, 1, stride=stride, src=block_in)
            n.add(p + ".add", [main, shortcut])
        planes *= 2
    n.global_avgpool("avgpool")
    n.fc("fc", 1000)
    return n


def mobilenetv2():
    n = Net("mobilenetv2", "Sandler et al., MobileNetV2, CVPR 2018 (width 1.0, 224x224; ~300 M MACs)",
            3, 224, 224,
            notes="Depthwise convolutions are conv layers with groups = C = K.")
    n.conv("conv0", 32, 3, stride=2, padding=1)
    c_in = 32
    settings = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
                (6, 320, 1, 1)]
    blk = 1
    for t, c, reps, s in settings:
        for i in range(reps):
            stride = s if i == 0 else 1
            p = "block%d" % blk
            block_in = n.prev
            hidden = c_in * t
            if t != 1:
                n.conv(p + ".expand", hidden, 1)
            n.conv(p + ".dw", hidden, 3, stride=stride, padding=1, groups=hidden)
            main = n.conv(p + ".project", c, 1)
            if stride == 1 and c_in == c:
                n.add(p + ".add", [main, block_in])
            c_in = c
            blk += 1
    n.conv("conv_last", 1280, 1)
    n.global_avgpool("avgpool")
    n.fc("fc", 1000)
    return n


def networks():
    vgg16_cfg = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]
    vgg11_cfg = [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"]
    return [
        alexnet(),
        vgg("vgg16", vgg16_cfg, "Simonyan & Zisserman, ICLR 2015, configuration D (224x224); conv MACs 15.35 G",
            3, 224, [4096, 4096, 1000]),
        resnet("resnet18", [2, 2, 2, 2], False, "He et al., CVPR 2016, ResNet-18 (224x224); 1.81 G MACs",
               "Downsampling shortcuts are 1x1 stride-2 convolutions (option B), as in torchvision."),
        resnet("resnet50", [3, 4, 6, 3], True,
               "He et al., CVPR 2016, ResNet-50 in the torchvision v1.5 variant; 4.1 G MACs",
               "torchvision v1.5: the stride-2 of each first bottleneck sits in the 3x3 conv (conv2), "
               "not in the first 1x1 as in the original v1 (which has 3.9 G MACs)."),
        mobilenetv2(),
        vgg("vgg11_cifar10", vgg11_cfg,
            "Simonyan & Zisserman, ICLR 2015, configuration A (VGG-11) adapted to CIFAR-10 (32x32) as in "
            "kuangliu/pytorch-cifar: same conv stack, classifier Linear(512, 10)",
            3, 32, [10]),
    ]


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    os.makedirs(out_dir, exist_ok=True)
    for net in networks():
        path = os.path.join(out_dir, net.doc["name"] + ".json")
        with open(path, "w") as f:
            f.write(net.text())
        macs = 0
        for l in net.layers:
            if l["type"] in ("conv", "fc"):
                K, P, Q = net.out[l["name"]]
                R = l.get("R", 1)
                macs += K * P * Q * (l["C"] // l.get("groups", 1)) * R * R
        print("%-16s %3d layers  %8.2f M MACs  -> %s" % (net.doc["name"], len(net.layers), macs / 1e6, path))


if __name__ == "__main__":
    main()
