#!/usr/bin/python3
"""Checks export_face_vit.py's re-implementation against insightface's own arcface_torch code.

Needs a checkout of insightface's recognition/arcface_torch (only backbones/ is imported; timm, which vit.py
imports for DropPath / to_2tuple / trunc_normal_, is replaced by a minimal stand-in when it is not installed):

  git clone https://github.com/deepinsight/insightface && \\
  /usr/bin/python3 tools/encoder/check_against_arcface.py --arcface-dir insightface/recognition/arcface_torch

For each ViT preset asked for (default vit_t, vit_s, vit_b, vit_l) it builds arcface_torch's model with its random
initialisation, saves its state dict as training does (model.pt), loads that file with the exporter's strict loader
(so the key layout and the head-only entries are checked against the real thing) and compares the hidden state
after every block on a random batch with forward hooks on arcface_torch's blocks. It also loads the exporter's
synthetic test checkpoint into arcface_torch's VisionTransformer with strict=True, so the test checkpoint's
layout is the real one. Not run by the build (CI has no Python); run it when the exporter changes.
"""
import argparse
import os
import sys
import tempfile
import types

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export_face_vit as exporter  # noqa: E402


def install_timm_stand_in():
    """vit.py imports three helpers from timm; in eval mode DropPath is the identity."""
    try:
        import timm.models.layers  # noqa: F401
        return
    except ImportError:
        pass

    class DropPath(nn.Module):
        def __init__(self, p=0.0):
            super().__init__()

        def forward(self, x):
            return x

    layers = types.ModuleType("timm.models.layers")
    layers.DropPath = DropPath
    layers.to_2tuple = lambda x: tuple(x) if isinstance(x, (tuple, list)) else (x, x)
    layers.trunc_normal_ = lambda t, std=1.0: nn.init.trunc_normal_(t, std=std)
    timm = types.ModuleType("timm")
    models = types.ModuleType("timm.models")
    timm.models, models.layers = models, layers
    sys.modules.update({"timm": timm, "timm.models": models, "timm.models.layers": layers})


def block_outputs(reference, pixels):
    outputs = []
    hooks = [b.register_forward_hook(lambda m, i, o: outputs.append(o.detach().clone())) for b in reference.blocks]
    with torch.no_grad():
        reference(pixels)
    for h in hooks:
        h.remove()
    return outputs


def compare(name, reference, heads, work):
    path = os.path.join(work, f"{name}.pt")
    torch.save(reference.state_dict(), path)
    depth = len(reference.blocks)
    mine, arch, ignored = exporter.load_backbone(path, heads, list(range(depth + 1)))
    pixels = torch.randn(2, 3, exporter.INPUT_SIZE, exporter.INPUT_SIZE)
    expected = block_outputs(reference, pixels)
    with torch.no_grad():
        hidden = mine(pixels)
        embedded = reference.patch_embed(pixels) + reference.pos_embed
    worst = max((a - b).abs().max().item() for a, b in zip(hidden, [embedded] + expected))
    scale = max(e.abs().max().item() for e in expected)
    print(f"{name}: width {arch['dim']}, depth {depth}, {arch['heads']} heads, ignored {len(ignored)} head-only "
          f"entries; max |difference| over layers 0..{depth}: {worst:.2e} (values up to {scale:.1f})")
    return worst <= 1e-4 * max(1.0, scale)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--arcface-dir", required=True, help="insightface's recognition/arcface_torch folder")
    parser.add_argument("--presets", default="vit_t,vit_s,vit_b,vit_l")
    args = parser.parse_args()
    install_timm_stand_in()
    sys.path.insert(0, os.path.abspath(args.arcface_dir))
    from backbones import get_model  # noqa: E402
    from backbones.vit import VisionTransformer  # noqa: E402

    torch.manual_seed(0)
    ok = True
    with tempfile.TemporaryDirectory() as work:
        for name in args.presets.split(","):
            # backbones/__init__.py names the ViT-L preset after its training set only.
            reference = get_model({"vit_l": "vit_l_dp005_mask_005"}.get(name, name)).eval()
            # arcface_torch initialises biases and LayerNorms to 0 / 1; random values exercise them.
            with torch.no_grad():
                for pname, p in reference.named_parameters():
                    if pname.endswith("bias") or ".norm" in pname:
                        p.add_(0.1 * torch.randn_like(p))
            ok &= compare(name, reference, exporter.PRESETS[name]["heads"], work)

        exporter.make_test_checkpoint(os.path.join(work, "test"), 20240101)
        c = exporter.TEST_CKPT
        reference = VisionTransformer(img_size=112, patch_size=9, num_classes=c["num_classes"],
                                      embed_dim=c["embed_dim"], depth=c["depth"], num_heads=c["heads"],
                                      mlp_ratio=c["mlp_ratio"], norm_layer="ln").eval()
        reference.load_state_dict(torch.load(os.path.join(work, "test", "model.pt")), strict=True)
        print("test checkpoint: loads into arcface_torch's VisionTransformer with strict=True")
        ok &= compare("test-checkpoint", reference, c["heads"], work)
    print("all match" if ok else "MISMATCH")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
