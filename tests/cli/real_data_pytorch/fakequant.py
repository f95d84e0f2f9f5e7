"""int8 fake quantization in PyTorch (issue 17): the accuracy, agreement and output error an
int8 per-tensor symmetric network should reach, to set the real-data tests' thresholds from the
quantization scheme rather than from what the simulator happens to give. Shared by make_digits.py
and make_imagenet.py."""
import torch
import torch.nn as nn


def fake_quant(model, x, y=None):
    """{"accuracy" (None without labels y), "agreement" (top-1 with the float model), "relative_error"
    (mean over inputs of ||int8 - float||_2 / ||float||_2)} of `model` on the batch `x`, with the
    int8 scheme of IFACE17.md simulated in float (fake quantization), as the yardstick of what an
    int8 per-tensor network should reach, independent of sxsim:
    every Conv/Linear's weights per-tensor symmetric int8 (scale max|w| / 127), its input
    activations per-tensor symmetric int8 with the scale calibrated as max|x| / 127 over `x`
    (the images sxsim calibrates on too), its output requantized the same way; bias, ReLU, pooling
    in float. Round half to even (torch.round), values clamped to [-127, 127]. BatchNormalization
    stays in float after the quantized conv output, where sxsim folds it into the conv weights
    first: for torchvision's random-initialised BN (gamma 1, beta 0, mean 0, var 1) folding scales
    every weight by the same 1/sqrt(1 + eps), so both quantize alike (not so for a trained BN).
    The float outputs are the model's own, on the same batch (one forward pass, all inputs)."""
    layers = [m for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    in_max = {m: 0.0 for m in layers}
    out_max = {m: 0.0 for m in layers}

    def observe(m, inp, out):
        in_max[m] = max(in_max[m], float(inp[0].abs().max()))
        out_max[m] = max(out_max[m], float(out.abs().max()))

    def q(t, amax):
        s = amax / 127.0 if amax > 0 else 1.0
        return torch.clamp(torch.round(t / s), -127, 127) * s

    with torch.no_grad():
        hooks = [m.register_forward_hook(observe) for m in layers]
        model_float_outputs = model(x)
        for h in hooks:
            h.remove()
        saved = {m: m.weight.detach().clone() for m in layers}
        for m in layers:
            m.weight.copy_(q(m.weight, float(m.weight.abs().max())))
        hooks = [m.register_forward_pre_hook(lambda m, inp: (q(inp[0], in_max[m]),)) for m in layers]
        hooks += [m.register_forward_hook(lambda m, inp, out: q(out, out_max[m])) for m in layers]
        ref = model_float_outputs
        yq = model(x)
        acc = float((yq.argmax(1) == y).float().mean()) if y is not None else None
        agree = float((yq.argmax(1) == ref.argmax(1)).float().mean())
        rel = float(((yq - ref).norm(dim=1) / ref.norm(dim=1)).mean())
        for h in hooks:
            h.remove()
        for m in layers:
            m.weight.copy_(saved[m])
    return {"accuracy": acc, "agreement": agree, "relative_error": rel}
