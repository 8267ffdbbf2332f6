#!/usr/bin/python3
"""Exports a trained face-recognition ViT from insightface's arcface_torch into a DreamID encoder bundle.

Input: the backbone state dict that arcface_torch's training script saves (`model.pt`, or the
`state_dict_backbone` entry of a `checkpoint_gpu_<rank>.pt`) for its ViT presets vit_t / vit_s / vit_b / vit_l
(`backbones/vit.py`: 112 x 112 input, 9 x 9 patches giving 12 x 12 = 144 tokens, no class token, learned position
embeddings, pre-norm blocks of multi-head attention (qkv without bias) and a ReLU6 MLP, LayerNorm eps 1e-5).

Output: the bundle that encoder-service/README.md specifies and tools/encoder/make_bundle.py implements:
- backbone.onnx: the network up to the deepest tapped block; one output `hidden_<l>` per tapped layer (the residual
  stream after block l; 0 is the patch + position embedding). The recognition head (final LayerNorm, the
  flatten + Linear + BatchNorm feature head) and the masked-training token are not part of it.
- projection.safetensors: the M2 projector. With --projector, a trained one (safetensors or a torch state dict
  with the projector's parameter names); without it, a randomly initialised one, and the bundle says so in its
  version (`...-untrained`) because its identities carry no likeness until the projector is trained with
  self-augmented editability learning.
- encoder.json: input 112, arcface_torch's normalisation (x / 255 - 0.5) / 0.5 on RGB, tokenPooling `mean`.
- manifest.json: SHA-256 of the three files.

Run with Debian's torch (`/usr/bin/python3`; python3-torch and python3-onnx):

  /usr/bin/python3 tools/encoder/export_face_vit.py --checkpoint model.pt --width 768 --out DIR
  ./dreamid models import --encoder DIR

--make-test-checkpoint DIR writes a tiny random checkpoint in arcface_torch's exact key layout (and a projector for
it); the committed test bundle encoder-service/src/test/resources/bundles/face-vit-tiny is exported from it.
"""
import argparse
import hashlib
import io
import json
import math
import os
import struct
import sys

import re

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_bundle  # noqa: E402  (the bundle contract's reference implementation: projector, files, goldens)

# arcface_torch's preprocessing (inference.py, dataset.py): RGB, x / 255, then Normalize(0.5, 0.5) per channel.
MEAN = [0.5, 0.5, 0.5]
STD = [0.5, 0.5, 0.5]
# make_bundle.preprocess (used for the goldens) normalises with its own MEAN/STD, which must be these.
assert (make_bundle.MEAN, make_bundle.STD) == (MEAN, STD)
INPUT_SIZE = 112
VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")  # encoder.json's version
BACKBONE_LN_EPS = 1e-5  # nn.LayerNorm(dim) in backbones/vit.py, torch's default
ONNX_LIMIT = 2 * 1024 ** 3 - 64 * 1024 ** 2  # protobuf's 2 GB, less room for the graph itself

# backbones/__init__.py: every ViT preset uses 12 x 12 patches of 9 pixels and 8 heads; the heads cannot be read
# from the weights, the rest is checked against them.
PRESETS = {
    "vit_t": dict(embed_dim=256, depth=12, heads=8),
    "vit_s": dict(embed_dim=512, depth=12, heads=8),
    "vit_b": dict(embed_dim=512, depth=24, heads=8),
    "vit_l": dict(embed_dim=768, depth=24, heads=8),
    "vit_h": dict(embed_dim=1024, depth=48, heads=8),
}
DEFAULT_HEADS = 8

# State-dict entries that only the recognition head or masked training use; they are expected and not exported.
HEAD_ONLY_PREFIXES = ("feature.", "norm.")
HEAD_ONLY_KEYS = ("mask_token",)

# Sizes of the synthetic checkpoint written by --make-test-checkpoint (arcface_torch's layout, tiny dims).
TEST_CKPT = dict(embed_dim=24, depth=4, heads=2, mlp_ratio=4, num_classes=16)
TEST_PROJECTOR = dict(hidden=64, words=2, width=32, output_norm=True)


def head_only(key):
    return key in HEAD_ONLY_KEYS or key.startswith(HEAD_ONLY_PREFIXES)


class Attention(nn.Module):
    """Multi-head self-attention: one qkv projection (bias optional), softmax(q k^T / sqrt(head_dim)) v, proj."""

    def __init__(self, dim, heads, qkv_bias):
        super().__init__()
        if dim % heads:
            raise ValueError(f"embedding width {dim} is not divisible by {heads} heads")
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, 3 * dim, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        n, t, d = x.shape
        q, k, v = self.qkv(x).reshape(n, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4).unbind(0)
        weights = torch.softmax((q @ k.transpose(-2, -1)) * self.scale, dim=-1)
        return self.proj((weights @ v).transpose(1, 2).reshape(n, t, d))


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(F.relu6(self.fc1(x)))  # arcface_torch's ViT MLP activation is ReLU6, not GELU


class Block(nn.Module):
    """Pre-norm block: x + attn(norm1(x)), then x + mlp(norm2(x)) (dropout and drop-path are identities here)."""

    def __init__(self, dim, heads, mlp_hidden, qkv_bias):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=BACKBONE_LN_EPS)
        self.attn = Attention(dim, heads, qkv_bias)
        self.norm2 = nn.LayerNorm(dim, eps=BACKBONE_LN_EPS)
        self.mlp = Mlp(dim, mlp_hidden)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class PatchEmbed(nn.Module):
    def __init__(self, dim, patch):
        super().__init__()
        self.proj = nn.Conv2d(3, dim, kernel_size=patch, stride=patch)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class FaceViT(nn.Module):
    """The feature trunk of arcface_torch's VisionTransformer in inference mode, with its parameter names. Returns
    the residual stream after each tapped layer (0: patch + position embedding; l: after block l)."""

    def __init__(self, dim, depth, heads, patch, tokens, mlp_hidden, qkv_bias, taps):
        super().__init__()
        if not taps or min(taps) < 0 or max(taps) > depth or sorted(set(taps)) != list(taps):
            raise ValueError(f"tapped layers must be strictly ascending within 0..{depth}, got {taps}")
        self.taps = list(taps)
        self.patch_embed = PatchEmbed(dim, patch)
        self.pos_embed = nn.Parameter(torch.zeros(1, tokens, dim))
        self.blocks = nn.ModuleList(Block(dim, heads, mlp_hidden, qkv_bias) for _ in range(depth))

    def forward(self, pixels):
        x = self.patch_embed(pixels) + self.pos_embed
        hidden = [x] if 0 in self.taps else []
        # Blocks after the deepest tap do not change any output, so they are not run (nor exported).
        for layer, block in enumerate(self.blocks[:max(self.taps)], start=1):
            x = block(x)
            if layer in self.taps:
                hidden.append(x)
        return tuple(hidden)


class CheckpointError(Exception):
    pass


def load_torch(path):
    """torch.load without running arbitrary pickled code where this torch allows it (weights_only, torch >= 1.13)."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except TypeError:  # an older torch without weights_only
        return torch.load(path, map_location="cpu")
    except Exception as e:
        raise CheckpointError(f"{path}: cannot read as a torch state dict ({e}). Save the backbone with "
                              f"torch.save(backbone.state_dict(), 'model.pt') as arcface_torch's train_v2.py does.")


def backbone_state_dict(path):
    """The backbone's tensors from model.pt, or from the state_dict_backbone entry of a full training checkpoint;
    the 'module.' prefix of a DistributedDataParallel state dict is dropped; half precision is widened."""
    loaded = load_torch(path)
    if isinstance(loaded, dict) and "state_dict_backbone" in loaded:
        loaded = loaded["state_dict_backbone"]
    if not isinstance(loaded, dict) or not all(torch.is_tensor(v) for v in loaded.values()):
        raise CheckpointError(f"{path}: not a state dict of tensors (got {type(loaded).__name__})")
    state = {}
    for key, value in loaded.items():
        key = key[len("module."):] if key.startswith("module.") else key
        state[key] = value.float() if value.is_floating_point() else value
    return state


def infer_architecture(state, heads, path):
    """Reads width, patch size, token count, depth, MLP width and qkv bias from the tensors' names and shapes."""
    if "blocks.0.norm1.bn.weight" in state:
        raise CheckpointError(f"{path}: a ViT with norm_layer='bn' (BatchNorm over tokens); only the LayerNorm "
                              f"('ln') variant of every arcface_torch preset is supported")
    for key in ("patch_embed.proj.weight", "pos_embed", "blocks.0.mlp.fc1.weight"):
        if key not in state:
            raise CheckpointError(f"{path}: no '{key}': not an arcface_torch VisionTransformer state dict "
                                  f"(its first keys: {sorted(state)[:8]})")
    dim, channels, patch, patch_w = state["patch_embed.proj.weight"].shape
    if channels != 3 or patch != patch_w:
        raise CheckpointError(f"{path}: patch_embed.proj.weight has shape {list(state['patch_embed.proj.weight'].shape)}; "
                              f"expected [D, 3, P, P]")
    tokens = state["pos_embed"].shape[1]
    grid = INPUT_SIZE // patch
    if tokens != grid * grid:
        raise CheckpointError(f"{path}: pos_embed has {tokens} tokens but a {INPUT_SIZE} x {INPUT_SIZE} input in "
                              f"{patch} x {patch} patches gives {grid * grid}; is this a 112 x 112 arcface_torch ViT?")
    depth = 1 + max(int(k.split(".")[1]) for k in state if k.startswith("blocks."))
    return dict(dim=dim, depth=depth, heads=heads, patch=patch, tokens=tokens,
                mlp_hidden=state["blocks.0.mlp.fc1.weight"].shape[0],
                qkv_bias="blocks.0.attn.qkv.bias" in state)


def preset_of(arch):
    for name, p in PRESETS.items():
        if (p["embed_dim"], p["depth"], p["heads"]) == (arch["dim"], arch["depth"], arch["heads"]):
            return name
    return None


def load_backbone(path, heads, taps):
    state = backbone_state_dict(path)
    arch = infer_architecture(state, heads, path)
    if taps is None:
        taps = default_taps(arch["depth"])
    model = FaceViT(arch["dim"], arch["depth"], arch["heads"], arch["patch"], arch["tokens"], arch["mlp_hidden"],
                    arch["qkv_bias"], taps)
    expected = model.state_dict()
    ignored = sorted(k for k in state if head_only(k))
    present = {k: v for k, v in state.items() if not head_only(k)}
    missing = sorted(set(expected) - set(present))
    unexpected = sorted(set(present) - set(expected))
    wrong = sorted(f"{k}: {list(present[k].shape)} in the checkpoint, {list(expected[k].shape)} expected"
                   for k in set(expected) & set(present) if present[k].shape != expected[k].shape)
    if missing or unexpected or wrong:
        lines = [f"{path} does not match an arcface_torch ViT of width {arch['dim']}, depth {arch['depth']}, "
                 f"patch {arch['patch']}, MLP {arch['mlp_hidden']}, qkv bias {arch['qkv_bias']}:"]
        lines += [f"  missing key: {k}" for k in missing]
        lines += [f"  unexpected key: {k}" for k in unexpected]
        lines += [f"  wrong shape: {w}" for w in wrong]
        lines.append(f"  (ignored as recognition-head-only: {', '.join(HEAD_ONLY_PREFIXES + HEAD_ONLY_KEYS)})")
        raise CheckpointError("\n".join(lines))
    model.load_state_dict(present, strict=True)
    return model.eval(), arch, ignored


def default_taps(depth, count=4):
    """`count` evenly spaced blocks ending at the last one (12 blocks: 3, 6, 9, 12; 24 blocks: 6, 12, 18, 24),
    shallow to deep, as DreamIdentity's multi-scale features read the ViT at several depths."""
    count = min(count, depth)
    return sorted({round(depth * (i + 1) / count) for i in range(count)})


def parse_taps(text):
    try:
        return [int(t) for t in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--taps takes comma-separated layer numbers, got '{text}'")


# ---- projector -------------------------------------------------------------------------------------------------

def read_safetensors(path):
    """Tensors of a safetensors file (F32, F16 or BF16), read from its published layout."""
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    base = 8 + length
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        raw = data[base + start:base + end]
        if info["dtype"] == "F32":
            array = np.frombuffer(raw, dtype="<f4")
        elif info["dtype"] == "F16":
            array = np.frombuffer(raw, dtype="<f2").astype(np.float32)
        elif info["dtype"] == "BF16":
            array = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            raise CheckpointError(f"{path}: tensor {name} has dtype {info['dtype']}; F32, F16 or BF16 expected")
        tensors[name] = torch.from_numpy(array.reshape(info["shape"]).copy())
    return tensors


def read_projector_tensors(path):
    with open(path, "rb") as f:
        head = f.read(16)
    # A safetensors file starts with a little-endian header length and then '{'; a torch file with a zip or pickle.
    if len(head) >= 9 and head[8:9] == b"{":
        return read_safetensors(path)
    loaded = load_torch(path)
    if not isinstance(loaded, dict) or not all(torch.is_tensor(v) for v in loaded.values()):
        raise CheckpointError(f"{path}: not a projector state dict of tensors")
    return {k[len("module."):] if k.startswith("module.") else k: v.float() for k, v in loaded.items()}


def load_projector(path, dim, taps, width):
    """A trained projector, checked against the backbone's width and taps. Its word count and hidden width come
    from its shapes; the word width from out_norm, or from --width when it has no output norm."""
    tensors = read_projector_tensors(path)
    output_norm = "out_norm.weight" in tensors
    if output_norm:
        if width is not None and width != tensors["out_norm.weight"].shape[0]:
            raise CheckpointError(f"{path}: out_norm.weight has width {tensors['out_norm.weight'].shape[0]} but "
                                  f"--width is {width}")
        width = tensors["out_norm.weight"].shape[0]
    if "mlp.0.weight" not in tensors or "mlp.2.weight" not in tensors:
        raise CheckpointError(f"{path}: no mlp.0.weight / mlp.2.weight: not an M2 projector "
                              f"(names in encoder-service/README.md; its keys: {sorted(tensors)[:8]})")
    hidden = tensors["mlp.0.weight"].shape[0]
    rows = tensors["mlp.2.weight"].shape[0]
    if width is None or rows % width:
        raise CheckpointError(f"{path}: mlp.2.weight has {rows} rows, which is not words x width for width "
                              f"{width}; give the text encoder's width with --width (768 for SD 1.x, 1024 for SD 2.x)")
    projector = make_bundle.Projector(dim, taps, hidden, rows // width, width, output_norm)
    expected = projector.state_dict()
    missing = sorted(set(expected) - set(tensors))
    unexpected = sorted(set(tensors) - set(expected))
    wrong = sorted(f"{k}: {list(tensors[k].shape)} in the file, {list(expected[k].shape)} for a backbone of width "
                   f"{dim} with taps {taps}" for k in set(expected) & set(tensors)
                   if tensors[k].shape != expected[k].shape)
    if missing or unexpected or wrong:
        lines = [f"{path} does not fit this backbone ({len(taps)} taps of width {dim}):"]
        lines += [f"  missing tensor: {k}" for k in missing]
        lines += [f"  unexpected tensor: {k}" for k in unexpected]
        lines += [f"  wrong shape: {w}" for w in wrong]
        raise CheckpointError("\n".join(lines))
    projector.load_state_dict({k: tensors[k].float() for k in expected}, strict=True)
    return projector.eval()


def random_projector(dim, taps, hidden, words, width, output_norm, seed):
    """torch's default initialisation, seeded: the starting point of training, not a usable encoder."""
    torch.manual_seed(seed)
    return make_bundle.Projector(dim, taps, hidden, words, width, output_norm).eval()


# ---- the synthetic checkpoint for tests ------------------------------------------------------------------------

def make_test_checkpoint(out_dir, seed):
    """A tiny VisionTransformer state dict in arcface_torch's exact key layout (including the head-only entries a
    real model.pt has: final norm, feature head with BatchNorm buffers, mask token), with random weights scaled so
    that attention is far from uniform and the ReLU6 clips at both ends, plus a trained-looking projector for it."""
    c = TEST_CKPT
    dim, depth, patch = c["embed_dim"], c["depth"], 9
    tokens = (INPUT_SIZE // patch) ** 2
    model = FaceViT(dim, depth, c["heads"], patch, tokens, c["mlp_ratio"] * dim, False, list(range(1, depth + 1)))
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    state = {}
    for key, value in model.state_dict().items():
        if key == "pos_embed":
            v = 0.5 * torch.randn(value.shape, generator=gen)
        elif ".norm" in key:
            v = (1.0 if key.endswith("weight") else 0.0) + 0.2 * torch.randn(value.shape, generator=gen)
        else:
            fan_in = value[0].numel() if value.dim() > 1 else dim
            scale = {"patch_embed.proj.weight": 3.0, "attn.qkv.weight": 3.0, "mlp.fc1.weight": 8.0}
            factor = next((s for suffix, s in scale.items() if key.endswith(suffix)), 1.0)
            v = factor * torch.randn(value.shape, generator=gen) / math.sqrt(fan_in)
        state[key] = v.contiguous()
    state["norm.weight"] = torch.ones(dim)
    state["norm.bias"] = torch.zeros(dim)
    state["feature.0.weight"] = torch.randn(dim, dim * tokens, generator=gen) * 0.01
    for i, width in ((1, dim), (3, c["num_classes"])):
        state[f"feature.{i}.weight"] = torch.ones(width)
        state[f"feature.{i}.bias"] = torch.zeros(width)
        state[f"feature.{i}.running_mean"] = torch.zeros(width)
        state[f"feature.{i}.running_var"] = torch.ones(width)
        state[f"feature.{i}.num_batches_tracked"] = torch.tensor(0)
    state["feature.2.weight"] = torch.randn(c["num_classes"], dim, generator=gen) * 0.1
    state["mask_token"] = torch.randn(1, 1, dim, generator=gen) * 0.02
    os.makedirs(out_dir, exist_ok=True)
    torch.save(state, os.path.join(out_dir, "model.pt"))

    p = TEST_PROJECTOR
    projector = make_bundle.Projector(dim, default_taps(depth), p["hidden"], p["words"], p["width"], p["output_norm"])
    make_bundle.randomise(projector, gen)  # non-trivial LayerNorm affines, as a trained projector has
    torch.save(projector.state_dict(), os.path.join(out_dir, "projector.pt"))
    print(f"wrote {out_dir}/model.pt (arcface_torch ViT layout: width {dim}, depth {depth}, {c['heads']} heads, "
          f"{tokens} tokens) and {out_dir}/projector.pt (taps {default_taps(depth)}, {p['words']} x {p['width']})")


# ---- export ----------------------------------------------------------------------------------------------------

def file_digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def export_onnx(model, path):
    names = [f"hidden_{layer}" for layer in model.taps]
    buffer = io.BytesIO()
    torch.onnx.export(model, torch.zeros(1, 3, INPUT_SIZE, INPUT_SIZE), buffer, opset_version=14,
                      input_names=["pixels"], output_names=names,
                      dynamic_axes={"pixels": {0: "batch"}, **{n: {0: "batch"} for n in names}},
                      do_constant_folding=True)
    with open(path, "wb") as f:
        f.write(buffer.getvalue())
    return names


def check_onnx(path, names, tokens, dim):
    """onnx.checker, and the input and outputs the service expects (no ONNX Runtime in this Python)."""
    import onnx
    graph_model = onnx.load(path)
    onnx.checker.check_model(graph_model)
    inputs = [i for i in graph_model.graph.input if i.name not in {t.name for t in graph_model.graph.initializer}]
    dims = lambda v: [d.dim_value or d.dim_param for d in v.type.tensor_type.shape.dim]  # noqa: E731
    if len(inputs) != 1 or dims(inputs[0])[1:] != [3, INPUT_SIZE, INPUT_SIZE]:
        raise SystemExit(f"{path}: unexpected inputs {[(i.name, dims(i)) for i in inputs]}")
    outputs = {o.name: dims(o) for o in graph_model.graph.output}
    for name in names:
        # The exporter leaves some dimensions symbolic; those it states must be right.
        if name not in outputs or len(outputs[name]) != 3 or any(
                isinstance(got, int) and got != want for got, want in zip(outputs[name][1:], (tokens, dim))):
            raise SystemExit(f"{path}: output {name} is {outputs.get(name)}, expected [batch, {tokens}, {dim}]")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="Ignored checkpoint entries (recognition head only): "
                                            + ", ".join(HEAD_ONLY_PREFIXES + HEAD_ONLY_KEYS))
    parser.add_argument("--checkpoint", help="arcface_torch ViT backbone: model.pt or checkpoint_gpu_<rank>.pt")
    parser.add_argument("--out", help="bundle folder to write")
    parser.add_argument("--heads", type=int, default=DEFAULT_HEADS,
                        help=f"attention heads (not stored in the weights; every arcface_torch ViT preset uses "
                             f"{DEFAULT_HEADS})")
    parser.add_argument("--taps", type=parse_taps,
                        help="tapped layers, e.g. 3,6,9,12 (default: 4 evenly spaced blocks ending at the last)")
    parser.add_argument("--projector", help="a trained M2 projector (safetensors or torch state dict); "
                                            "without it a random, untrained projector is written")
    parser.add_argument("--words", type=int, default=2, help="K pseudo-words of a random projector")
    parser.add_argument("--width", type=int,
                        help="text encoder token width: 768 for SD 1.x, 1024 for SD 2.x (required for a random "
                             "projector, and for a trained one without out_norm)")
    parser.add_argument("--hidden", type=int, default=1024, help="hidden width of a random projector")
    parser.add_argument("--no-output-norm", action="store_true", help="a random projector without out_norm")
    parser.add_argument("--version", help="bundle version (default: from the preset and the SHA-256 of the weights)")
    parser.add_argument("--seed", type=int, default=20240101)
    parser.add_argument("--goldens", help="also write golden crops and the torch model's float64 outputs here")
    parser.add_argument("--make-test-checkpoint", metavar="DIR",
                        help="write a tiny random checkpoint in arcface_torch's layout (and a projector) and exit")
    args = parser.parse_args()

    if args.make_test_checkpoint:
        make_test_checkpoint(args.make_test_checkpoint, args.seed)
        return
    if not args.checkpoint or not args.out:
        parser.error("--checkpoint and --out are required (or --make-test-checkpoint DIR)")
    try:
        export(args)
    except CheckpointError as e:
        sys.exit(f"export_face_vit: {e}")


def export(args):
    backbone, arch, ignored = load_backbone(args.checkpoint, args.heads, args.taps)
    taps, dim = backbone.taps, arch["dim"]
    preset = preset_of(arch)
    print(f"backbone: arcface_torch ViT {preset or '(no preset)'}: width {dim}, depth {arch['depth']}, "
          f"{arch['heads']} heads, patch {arch['patch']}, {arch['tokens']} tokens, MLP {arch['mlp_hidden']}, "
          f"qkv bias {arch['qkv_bias']}; taps {taps}; ignored {len(ignored)} head-only entries")
    if arch["depth"] > max(taps):
        print(f"  blocks {max(taps) + 1}..{arch['depth']} come after the deepest tap and are not exported")
    params = sum(p.numel() for name, p in backbone.named_parameters()
                 if not name.startswith("blocks.") or int(name.split(".")[1]) < max(taps))
    if 4 * params > ONNX_LIMIT:
        raise CheckpointError(f"the backbone up to block {max(taps)} has {params / 1e6:.0f} M parameters "
                              f"({4 * params / 1024 ** 3:.1f} GB in float32): more than one ONNX file can hold; "
                              f"tap shallower layers (--taps)")

    weights_id = file_digest(args.checkpoint)[:10]
    if args.projector:
        projector = load_projector(args.projector, dim, taps, args.width)
        trained, version_tail = True, "p" + file_digest(args.projector)[:8]
    else:
        if args.width is None:
            raise CheckpointError("a random projector needs --width: the text encoder's token width "
                                  "(768 for Stable Diffusion 1.x, 1024 for 2.x)")
        projector = random_projector(dim, taps, args.hidden, args.words, args.width, not args.no_output_norm,
                                     args.seed)
        trained, version_tail = False, "untrained"
    version = args.version or f"arcface-{(preset or 'vit').replace('_', '')}-{weights_id}-{version_tail}"
    if not trained and "untrained" not in version:
        version += "-untrained"
    if not VERSION.fullmatch(version):
        raise CheckpointError(f"version '{version}' must be 1-64 of [A-Za-z0-9._-], starting with a letter or digit")

    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, "backbone.onnx")
    names = export_onnx(backbone, onnx_path)
    check_onnx(onnx_path, names, arch["tokens"], dim)
    with open(os.path.join(args.out, "projection.safetensors"), "wb") as f:
        f.write(make_bundle.safetensors_bytes(dict(projector.state_dict()),
                                              {"format": make_bundle.FORMAT, "encoderVersion": version}))
    encoder_json = {
        "format": make_bundle.FORMAT,
        "version": version,
        "inputSize": INPUT_SIZE,
        "mean": MEAN,
        "std": STD,
        "tappedLayers": taps,
        "tokenPooling": "mean",  # no class token: the mean over the 144 patch tokens
        "words": projector.words,
        "width": projector.width,
        "layerNormEps": make_bundle.LN_EPS,
        "outputNorm": projector.out_norm is not None,
    }
    with open(os.path.join(args.out, "encoder.json"), "w") as f:
        json.dump(encoder_json, f, indent=2)
        f.write("\n")
    make_bundle.write_manifest(args.out)
    print(f"wrote {args.out}: version {version}, {projector.words} words x {projector.width}, "
          f"outputs {', '.join(names)} of [N, {arch['tokens']}, {dim}]; onnx.checker passed")
    if not trained:
        print("\n" + "!" * 100 + "\nWARNING: the M2 projector in this bundle is RANDOM (untrained; version "
              f"{version}).\nThe backbone is the real face ViT, but identities encoded with this bundle carry no "
              "likeness.\nTrain the projector with self-augmented editability learning, then export again with "
              "--projector FILE.\n" + "!" * 100, file=sys.stderr)
    if args.goldens:
        write_goldens(args.goldens, backbone, projector, version, args.seed)


def write_goldens(folder, backbone, projector, version, seed):
    """Crops (two at 112 x 112, one larger that the service resizes) and the torch model's outputs for them in
    float64, from the float32 weights that went into the bundle."""
    os.makedirs(folder, exist_ok=True)
    backbone64, projector64 = backbone.double(), projector.double()
    rng = np.random.default_rng(seed)
    cases = []
    with torch.no_grad():
        for name, rgb in make_bundle.golden_crops(INPUT_SIZE, rng):
            with open(os.path.join(folder, name), "wb") as f:
                f.write(make_bundle.png_bytes(rgb))
            pooled = make_bundle.pool(backbone64(make_bundle.preprocess(rgb, INPUT_SIZE)), "mean")
            cases.append({"crop": name, "width": int(rgb.shape[1]), "height": int(rgb.shape[0]),
                          "pooled": [p[0].tolist() for p in pooled],
                          "embedding": projector64(pooled)[0].tolist()})
    goldens = {"encoderVersion": version, "words": projector.words, "width": projector.width,
               "computedBy": "tools/encoder/export_face_vit.py (torch, float64)", "cases": cases}
    with open(os.path.join(folder, "goldens.json"), "w") as f:
        json.dump(goldens, f, indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} golden crops and goldens.json to {folder}")


if __name__ == "__main__":
    main()
