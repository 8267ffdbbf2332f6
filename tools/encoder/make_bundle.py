#!/usr/bin/python3
"""Writes a DreamID encoder bundle with random weights: a ViT face-recognition-shaped backbone exported to ONNX
(outputs: the hidden states of the tapped layers) and the M2 projector, plus (optionally) golden outputs that the
torch model computes end to end for a few fixed input crops.

The bundle contract and the projector's architecture are documented in encoder-service/README.md; this file is
the reference implementation of both, and the Java encoder must reproduce it.

Run with Debian's torch (the first python3 on PATH may have none):

  /usr/bin/python3 tools/encoder/make_bundle.py --preset tiny --out DIR --goldens DIR
  /usr/bin/python3 tools/encoder/make_bundle.py --preset vitb16 --out /tmp/dreamid-encoder-vitb16

No safetensors or Pillow package is needed: both file formats are written here from their published layouts.
"""
import argparse
import hashlib
import json
import math
import os
import struct
import zlib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

FORMAT = "dreamid-encoder/1"

PRESETS = {
    # Small enough to commit (a few hundred KB) and to run in milliseconds in tests. The backbone width (40)
    # differs from the text width (32) on purpose, so that a mix-up of the two cannot pass the goldens.
    "tiny": dict(input_size=32, patch=8, vit_width=40, depth=4, heads=2, mlp_ratio=2, taps=[1, 2, 4],
                 pooling="cls", words=2, width=32, hidden=64, output_norm=True, version="tiny-random-1"),
    # The shape of a ViT-B/16 face-recognition backbone and an SD 1.x text width, for benchmarks only.
    "vitb16": dict(input_size=224, patch=16, vit_width=768, depth=12, heads=12, mlp_ratio=4, taps=[3, 6, 9, 12],
                   pooling="cls", words=2, width=768, hidden=1024, output_norm=True, version="vitb16-random-1"),
}

MEAN = [0.5, 0.5, 0.5]
STD = [0.5, 0.5, 0.5]
LN_EPS = 1e-5


class Block(nn.Module):
    """Pre-norm transformer block: x + attn(ln1(x)), then x + mlp(ln2(x))."""

    def __init__(self, width, heads, mlp_ratio):
        super().__init__()
        self.heads = heads
        self.scale = 1.0 / math.sqrt(width // heads)
        self.ln1 = nn.LayerNorm(width, eps=LN_EPS)
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.ln2 = nn.LayerNorm(width, eps=LN_EPS)
        self.fc1 = nn.Linear(width, mlp_ratio * width)
        self.fc2 = nn.Linear(mlp_ratio * width, width)

    def forward(self, x):
        n, t, d = x.shape
        h = self.heads
        # Written out instead of nn.MultiheadAttention so the exported graph is plain MatMul/Softmax at opset 14.
        q, k, v = self.qkv(self.ln1(x)).reshape(n, t, 3, h, d // h).permute(2, 0, 3, 1, 4).unbind(0)
        att = torch.softmax((q @ k.transpose(-2, -1)) * self.scale, dim=-1)
        x = x + self.proj((att @ v).transpose(1, 2).reshape(n, t, d))
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


class Backbone(nn.Module):
    """ViT: patch embedding, a CLS token, learned position embeddings, pre-norm blocks. Returns the residual
    stream after each tapped block (layer 0 is the embedding output, layer l the output of block l)."""

    def __init__(self, input_size, patch, vit_width, depth, heads, mlp_ratio, taps):
        super().__init__()
        if not taps or min(taps) < 0 or max(taps) > depth or sorted(set(taps)) != list(taps):
            raise ValueError(f"tapped layers must be strictly ascending within 0..{depth}, got {taps}")
        self.taps = taps
        self.patch_embed = nn.Conv2d(3, vit_width, kernel_size=patch, stride=patch)
        self.cls_token = nn.Parameter(torch.randn(1, 1, vit_width) * 0.1)
        self.pos_embed = nn.Parameter(torch.randn(1, 1 + (input_size // patch) ** 2, vit_width) * 0.1)
        self.blocks = nn.ModuleList(Block(vit_width, heads, mlp_ratio) for _ in range(depth))

    def forward(self, pixels):
        x = self.patch_embed(pixels).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos_embed
        hidden = [x] if 0 in self.taps else []
        for layer, block in enumerate(self.blocks, start=1):
            x = block(x)
            if layer in self.taps:
                hidden.append(x)
        return tuple(hidden)


class Projector(nn.Module):
    """The M2 projector. Per tapped layer a LayerNorm of the pooled token, concatenation in tap order, a shared
    two-layer MLP with exact (erf) GELU to K*width, reshaped to K x width, then an optional LayerNorm per word.
    Parameter names are the tensor names of projection.safetensors."""

    def __init__(self, vit_width, taps, hidden, words, width, output_norm):
        super().__init__()
        self.words, self.width = words, width
        self.norms = nn.ModuleList(nn.LayerNorm(vit_width, eps=LN_EPS) for _ in taps)
        self.mlp = nn.Sequential(nn.Linear(len(taps) * vit_width, hidden), nn.GELU(),
                                 nn.Linear(hidden, words * width))
        self.out_norm = nn.LayerNorm(width, eps=LN_EPS) if output_norm else None

    def forward(self, pooled):
        x = torch.cat([norm(f) for norm, f in zip(self.norms, pooled)], dim=-1)
        s = self.mlp(x).reshape(-1, self.words, self.width)
        return self.out_norm(s) if self.out_norm is not None else s


def randomise(module, generator):
    """Random LayerNorm affines too (torch starts them at 1 and 0), so that the goldens exercise them."""
    for name, p in module.named_parameters():
        if name.startswith("patch_embed"):
            # Three times torch's default scale, so that the CLS token depends visibly on the image.
            with torch.no_grad():
                p.mul_(3.0)
        elif ".ln" in name or name.startswith("norms") or name.startswith("out_norm"):
            with torch.no_grad():
                if name.endswith("weight"):
                    p.copy_(1.0 + 0.2 * torch.randn(p.shape, generator=generator))
                else:
                    p.copy_(0.1 * torch.randn(p.shape, generator=generator))


def pool(hidden, pooling):
    return [h[:, 0] if pooling == "cls" else h.mean(dim=1) for h in hidden]


def preprocess(rgb, input_size):
    """uint8 H x W x 3 -> float 1 x 3 x S x S: scale to 0..1, bilinear resize (half-pixel centres, no
    antialiasing) when the crop is not S x S, then (x - mean) / std per channel."""
    x = torch.from_numpy(rgb.astype(np.float64) / 255.0).permute(2, 0, 1).unsqueeze(0)
    if x.shape[-2:] != (input_size, input_size):
        x = F.interpolate(x, size=(input_size, input_size), mode="bilinear", align_corners=False)
    mean = torch.tensor(MEAN, dtype=x.dtype).view(1, 3, 1, 1)
    std = torch.tensor(STD, dtype=x.dtype).view(1, 3, 1, 1)
    return (x - mean) / std


def safetensors_bytes(tensors, metadata):
    """The safetensors layout: u64 little-endian header length, JSON header (padded with spaces to 8 bytes),
    then the raw little-endian tensor data in header order."""
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name, t in tensors.items():
        data = t.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def png_bytes(rgb):
    """An 8-bit RGB PNG with no filtering: enough for test crops, readable by any decoder."""
    h, w, _ = rgb.shape

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + rgb[y].astype(np.uint8).tobytes() for y in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def golden_crops(input_size, rng):
    """Three deterministic crops: a smooth face-like pattern and seeded noise at the input size, and a larger
    crop that the encoder has to resize."""
    yy, xx = np.mgrid[0:input_size, 0:input_size] / (input_size - 1)
    ellipse = ((xx - 0.5) / 0.35) ** 2 + ((yy - 0.5) / 0.45) ** 2 < 1
    smooth = np.stack([200 * ellipse + 40 * xx, 150 * ellipse + 60 * yy, 120 * ellipse + 30 * (1 - xx)], axis=-1)
    noise = rng.integers(0, 256, size=(input_size, input_size, 3))
    big = input_size + input_size // 2
    yb, xb = np.mgrid[0:big, 0:big] / (big - 1)
    stripes = np.stack([127.5 + 127.5 * np.sin(9 * xb + 3 * yb), 255 * yb,
                        rng.integers(0, 256, size=(big, big))], axis=-1)
    return [("crop-0.png", np.clip(smooth, 0, 255).astype(np.uint8)),
            ("crop-1.png", noise.astype(np.uint8)),
            ("crop-2.png", np.clip(stripes, 0, 255).astype(np.uint8))]


def write_manifest(root):
    """manifest.json: {relative path: sha256} of every other file, what the services check a bundle against."""
    files = {}
    for name in sorted(os.listdir(root)):
        if name != "manifest.json" and os.path.isfile(os.path.join(root, name)):
            with open(os.path.join(root, name), "rb") as f:
                files[name] = hashlib.sha256(f.read()).hexdigest()
    with open(os.path.join(root, "manifest.json"), "w") as f:
        json.dump(files, f, indent=2)
        f.write("\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--preset", choices=sorted(PRESETS), default="tiny")
    parser.add_argument("--input-size", type=int, help="override the preset's square input size")
    parser.add_argument("--version", help="override the preset's bundle version")
    parser.add_argument("--seed", type=int, default=20240101)
    parser.add_argument("--out", required=True, help="bundle folder to write")
    parser.add_argument("--goldens", help="folder for golden crops and the torch model's outputs for them")
    args = parser.parse_args()

    cfg = dict(PRESETS[args.preset])
    if args.input_size:
        cfg["input_size"] = args.input_size
    if args.version:
        cfg["version"] = args.version
    if cfg["input_size"] % cfg["patch"]:
        parser.error(f"--input-size must be a multiple of the patch size {cfg['patch']}")

    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed + 1)
    backbone = Backbone(cfg["input_size"], cfg["patch"], cfg["vit_width"], cfg["depth"], cfg["heads"],
                        cfg["mlp_ratio"], cfg["taps"]).eval()
    projector = Projector(cfg["vit_width"], cfg["taps"], cfg["hidden"], cfg["words"], cfg["width"],
                          cfg["output_norm"]).eval()
    randomise(backbone, gen)
    randomise(projector, gen)

    os.makedirs(args.out, exist_ok=True)
    names = [f"hidden_{layer}" for layer in cfg["taps"]]
    dummy = torch.zeros(1, 3, cfg["input_size"], cfg["input_size"])
    torch.onnx.export(backbone, dummy, os.path.join(args.out, "backbone.onnx"), opset_version=14,
                      input_names=["pixels"], output_names=names,
                      dynamic_axes={"pixels": {0: "batch"}, **{n: {0: "batch"} for n in names}},
                      do_constant_folding=True)
    metadata = {"format": FORMAT, "encoderVersion": cfg["version"]}
    with open(os.path.join(args.out, "projection.safetensors"), "wb") as f:
        f.write(safetensors_bytes(dict(projector.state_dict()), metadata))
    encoder_json = {
        "format": FORMAT,
        "version": cfg["version"],
        "inputSize": cfg["input_size"],
        "mean": MEAN,
        "std": STD,
        "tappedLayers": cfg["taps"],
        "tokenPooling": cfg["pooling"],
        "words": cfg["words"],
        "width": cfg["width"],
        "layerNormEps": LN_EPS,
        "outputNorm": cfg["output_norm"],
    }
    with open(os.path.join(args.out, "encoder.json"), "w") as f:
        json.dump(encoder_json, f, indent=2)
        f.write("\n")
    write_manifest(args.out)

    if args.goldens:
        write_goldens(args, cfg, backbone, projector)


def write_goldens(args, cfg, backbone, projector):
    """The reference outputs come from the torch modules in float64 (the exported float32 weights, computed
    exactly), so they test the Java path (PNG decode, resize, normalisation, ONNX Runtime, projector) as a whole."""
    os.makedirs(args.goldens, exist_ok=True)
    backbone64, projector64 = backbone.double(), projector.double()
    rng = np.random.default_rng(args.seed)
    cases = []
    with torch.no_grad():
        for name, rgb in golden_crops(cfg["input_size"], rng):
            with open(os.path.join(args.goldens, name), "wb") as f:
                f.write(png_bytes(rgb))
            hidden = backbone64(preprocess(rgb, cfg["input_size"]))
            pooled = pool(hidden, cfg["pooling"])
            # The same weights read with the other token pooling, so that both poolings are checked.
            other = "mean" if cfg["pooling"] == "cls" else "cls"
            other_pooled = pool(hidden, other)
            cases.append({"crop": name, "width": int(rgb.shape[1]), "height": int(rgb.shape[0]),
                          "pooled": [p[0].tolist() for p in pooled],
                          "embedding": projector64(pooled)[0].tolist(),
                          "otherPooling": {"tokenPooling": other,
                                           "pooled": [p[0].tolist() for p in other_pooled],
                                           "embedding": projector64(other_pooled)[0].tolist()}})
    goldens = {"encoderVersion": cfg["version"], "words": cfg["words"], "width": cfg["width"],
               "computedBy": "tools/encoder/make_bundle.py (torch, float64)", "cases": cases}
    with open(os.path.join(args.goldens, "goldens.json"), "w") as f:
        json.dump(goldens, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
