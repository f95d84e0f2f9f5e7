"""Exports every torchvision classification family with Debian's PyTorch (python3-torch,
python3-torchvision; /usr/bin/python3) to ONNX, and writes what the C++ test
(test_torchvision_onnx.cpp) compares the import with, computed here from PyTorch itself:

  expected.json: {name: {"file", "input": [N, C, H, W], "macs": [per compute layer, in
                 execution order], "shapes": {node name: [dims of each output]}}}

- MACs: every F.conv2d and F.linear call of a forward pass is counted (a 2-D convolution:
  output elements x C/groups x R x S; a linear layer: output elements x input features).
  Counting the functional calls rather than hooking nn.Conv2d/nn.Linear also sees the
  projections nn.MultiheadAttention (ViT) and Swin's attention make with F.linear on their
  modules' weights.
- Shapes: ONNX's own shape inference (onnx.shape_inference, with data propagation) on the
  exported file, an implementation independent of sw/io.

Random initialisation (weights=None), eval mode, opset 13, one image at the network's
default resolution. Usage: export_torchvision.py OUT_DIR [name ...]
"""
import json
import os
import sys
import time

try:
    import torch
    import torchvision
    import onnx
    from onnx import shape_inference
except ImportError as e:  # fail loudly: the test must not pass without PyTorch
    sys.exit("export_torchvision.py: needs Debian's python3-torch, python3-torchvision and python3-onnx "
             "for /usr/bin/python3 (.ci/deps): %s" % e)

# One network per family and operator mix. Left out, and why:
# - vgg13/16/19 (+ _bn), resnet34/50/101/152, wide_resnet*, resnext101*, squeezenet1_1,
#   mobilenet_v3_large, mnasnet0_75/1_0/1_3, shufflenet_v2_x1_0..x2_0, densenet161/169/201,
#   efficientnet_b1..b7, efficientnet_v2_m/l, regnet_* (other sizes), convnext_small/base/large,
#   vit_b_32/l_16/l_32/h_14, swin_s/b: the same operators as the covered sibling, only more
#   or wider layers (CI time and memory; vgg11 alone is a 0.5 GB file).
# - swin_v2_t/s/b: torch 1.13 cannot export them at opset 13 (aten::zero is unsupported).
# - maxvit_t: its relative attention is an Einsum, which the importer does not support (it
#   is reported as an unsupported operator, like any other).
MODELS = ["alexnet", "vgg11", "resnet18", "resnext50_32x4d", "squeezenet1_0", "mobilenet_v2", "mobilenet_v3_small",
          "mnasnet0_5", "shufflenet_v2_x0_5", "densenet121", "googlenet", "inception_v3", "efficientnet_b0",
          "efficientnet_v2_s", "regnet_y_400mf", "convnext_tiny", "vit_b_16", "swin_t"]


def count_macs(model, x):
    """MACs of every F.conv2d / F.linear call, in call order."""
    F = torch.nn.functional
    macs = []
    conv2d, linear = F.conv2d, F.linear

    def counting_conv2d(inp, weight, *args, **kwargs):
        out = conv2d(inp, weight, *args, **kwargs)
        macs.append(out.numel() * weight.shape[1] * weight.shape[2] * weight.shape[3])
        return out

    def counting_linear(inp, weight, *args, **kwargs):
        out = linear(inp, weight, *args, **kwargs)
        macs.append(out.numel() * weight.shape[1])
        return out

    F.conv2d, F.linear = counting_conv2d, counting_linear
    try:
        model(x)  # with autograd on, as exported: nn.MultiheadAttention then calls F.linear
    finally:
        F.conv2d, F.linear = conv2d, linear
    return macs


def node_shapes(path):
    m = onnx.load(path)
    inferred = shape_inference.infer_shapes(m, data_prop=True)
    dims = {}
    for v in list(inferred.graph.value_info) + list(inferred.graph.output) + list(inferred.graph.input):
        if not v.type.tensor_type.HasField("shape"):
            continue  # not inferred
        d = v.type.tensor_type.shape.dim
        if all(x.HasField("dim_value") for x in d):
            dims[v.name] = [x.dim_value for x in d]
    return {n.name: [dims.get(o) for o in n.output] for n in m.graph.node}


def main():
    out = sys.argv[1]
    names = sys.argv[2:] or MODELS
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    expected = {}
    for name in names:
        t0 = time.time()
        kwargs = {"init_weights": False, "aux_logits": False} if name in ("googlenet", "inception_v3") else {}
        model = torchvision.models.get_model(name, weights=None, **kwargs).eval()
        size = 299 if name == "inception_v3" else 224
        x = torch.randn(1, 3, size, size)
        path = os.path.join(out, name + ".onnx")
        # Not under no_grad: eval-mode nn.MultiheadAttention would take its fused fast path
        # (aten::_native_multi_head_attention), which the exporter cannot write.
        torch.onnx.export(model, x, path, opset_version=13, input_names=["x"], output_names=["y"])
        expected[name] = {"file": path, "input": list(x.shape), "macs": count_macs(model, x), "shapes": node_shapes(path)}
        print("exported %s in %.1f s" % (name, time.time() - t0), flush=True)
        del model
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f)


if __name__ == "__main__":
    main()
