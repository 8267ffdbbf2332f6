#!/usr/bin/python3
"""Generates the tiny Stable Diffusion bundles the diffusion-service tests run on.

The bundles have the interfaces of a real diffusers/optimum ONNX export (same folder layout, input and output
names, dtypes and dynamic axes) but random weights and a hidden width of 32, so that tests and CI need
neither Python nor real weights. Images made with them are noise by design.

Each bundle:
  model_index.json                  diffusers' pipeline index (+ "_dreamid_tiny" so services can say so)
  text_encoder/model.onnx           CLIP-like: token embedding Gather on input_ids, positional embedding,
                                    causal pre-LN blocks, final LN; outputs last_hidden_state and
                                    pooler_output (the argmax-of-input_ids pooling of HF's CLIP export)
  unet/model.onnx + model.onnx_data conv + timestep embedding + cross-attention, weights as ONNX external data
  vae_decoder/model.onnx            latent_sample [B,4,h,w] -> sample [B,3,8h,8w]
  vae_decoder/config.json           scaling_factor
  tokenizer/                        vocab.json + merges.txt: the real CLIP vocabulary cut to its byte symbols,
                                    its first N merges and the two special tokens (built like CLIP builds it)
  scheduler/scheduler_config.json
  manifest.json                     {path: sha256} of every other file

Goldens (independent of the Java code: the torch modules themselves and a plain Python BPE) go to a
safetensors file next to the test resources.

Run from the repository root (Debian: apt-get install python3-torch python3-onnx):
  /usr/bin/python3 tools/diffusion/make_tiny_sd.py
"""
import hashlib
import io
import json
import math
import os
import shutil
import struct
import sys

import numpy as np
import onnx
import torch
from torch import nn

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLIP_DIR = os.path.join(os.path.dirname(REPO), "shared", "testdata", "clip")
SERVICE = os.path.join(REPO, "diffusion-service", "src")
WIDTH = 32
MAX_POS = 77
MERGES = 400
OPSET = 14


# ---------------------------------------------------------------- tokenizer

def bytes_to_unicode():
    """CLIP's (and GPT-2's) reversible byte -> printable unicode map."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def small_vocab(merges_count):
    """The vocabulary CLIP's own construction gives for its first merges_count merges."""
    with open(os.path.join(CLIP_DIR, "merges.txt"), encoding="utf-8") as f:
        lines = f.read().split("\n")
    merges = [tuple(line.split()) for line in lines[1:1 + merges_count]]
    symbols = list(bytes_to_unicode().values())
    vocab = symbols + [s + "</w>" for s in symbols]
    vocab += ["".join(m) for m in merges]
    vocab += ["<|startoftext|>", "<|endoftext|>"]
    real = json.load(open(os.path.join(CLIP_DIR, "vocab.json"), encoding="utf-8"))
    for i, token in enumerate(vocab[:-2]):
        assert real[token] == i, f"the real CLIP vocabulary differs at {token}"
    return {t: i for i, t in enumerate(vocab)}, merges


def bpe_word(word, ranks):
    """Plain BPE of one lower-case ASCII word, the reference for the goldens (no regex pre-split needed)."""
    parts = list(word[:-1]) + [word[-1] + "</w>"]
    while len(parts) > 1:
        pairs = [(ranks.get((parts[i], parts[i + 1]), math.inf), i) for i in range(len(parts) - 1)]
        rank, at = min(pairs)
        if rank == math.inf:
            break
        parts = parts[:at] + [parts[at] + parts[at + 1]] + parts[at + 2:]
    return parts


def tokenize_simple(text, vocab, ranks):
    return [vocab[p] for w in text.lower().split() for p in bpe_word(w, ranks)]


# ---------------------------------------------------------------- models

def quick_gelu(x):
    return x * torch.sigmoid(1.702 * x)


class Attention(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(width, width)
        self.k = nn.Linear(width, width)
        self.v = nn.Linear(width, width)
        self.out = nn.Linear(width, width)

    def forward(self, x, mask):
        b, n, w = x.shape
        d = w // self.heads

        def split(t):
            return t.reshape(b, n, self.heads, d).transpose(1, 2)

        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(d) + mask
        y = torch.softmax(scores, dim=-1) @ v
        return self.out(y.transpose(1, 2).reshape(b, n, w))


class Block(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.ln1 = nn.LayerNorm(width)
        self.attn = Attention(width, heads)
        self.ln2 = nn.LayerNorm(width)
        self.fc1 = nn.Linear(width, 2 * width)
        self.fc2 = nn.Linear(2 * width, width)

    def forward(self, x, mask):
        x = x + self.attn(self.ln1(x), mask)
        return x + self.fc2(quick_gelu(self.fc1(self.ln2(x))))


class TextEncoder(nn.Module):
    """The shape of HF's CLIPTextModel: view(-1, S) on input_ids, token + position embeddings, causal blocks."""

    def __init__(self, vocab_size, width=WIDTH, layers=2, heads=4):
        super().__init__()
        self.token_embedding = nn.Embedding(vocab_size, width)
        self.position_embedding = nn.Embedding(MAX_POS, width)
        self.register_buffer("position_ids", torch.arange(MAX_POS).unsqueeze(0))
        self.blocks = nn.ModuleList([Block(width, heads) for _ in range(layers)])
        self.final_ln = nn.LayerNorm(width)

    def encode_embeds(self, embeds):
        seq = embeds.shape[1]
        x = embeds + self.position_embedding(self.position_ids[:, :seq])
        mask = torch.full((seq, seq), -1e9).triu(1)
        for block in self.blocks:
            x = block(x, mask)
        return self.final_ln(x)

    def forward(self, input_ids):
        ids = input_ids.view(-1, input_ids.shape[-1])
        hidden = self.encode_embeds(self.token_embedding(ids))
        pooled = hidden[torch.arange(hidden.shape[0]), ids.to(torch.int).argmax(dim=-1)]
        return hidden, pooled


class UNet(nn.Module):
    """conv in, sinusoidal timestep embedding, one cross-attention on the text states, conv out."""

    def __init__(self, context=WIDTH, ch=16):
        super().__init__()
        self.ch = ch
        self.conv_in = nn.Conv2d(4, ch, 3, padding=1)
        self.time_mlp = nn.Linear(ch, ch)
        self.norm1 = nn.GroupNorm(4, ch)
        self.conv1 = nn.Conv2d(ch, ch, 3, padding=1)
        self.ln = nn.LayerNorm(ch)
        self.q = nn.Linear(ch, ch)
        self.k = nn.Linear(context, ch)
        self.v = nn.Linear(context, ch)
        self.attn_out = nn.Linear(ch, ch)
        self.norm_out = nn.GroupNorm(4, ch)
        self.conv_out = nn.Conv2d(ch, 4, 3, padding=1)
        half = ch // 2
        self.register_buffer("freqs", torch.exp(-math.log(10000.0) * torch.arange(half) / half))

    def forward(self, sample, timestep, encoder_hidden_states):
        b, _, h, w = sample.shape
        t = timestep.to(torch.float32).reshape(-1, 1) * self.freqs.reshape(1, -1)
        temb = self.time_mlp(torch.cat([torch.sin(t), torch.cos(t)], dim=-1))
        x = self.conv_in(sample) + temb.reshape(-1, self.ch, 1, 1)
        x = x + self.conv1(torch.nn.functional.silu(self.norm1(x)))
        tokens = self.ln(x.reshape(b, self.ch, h * w).transpose(1, 2))
        q, k, v = self.q(tokens), self.k(encoder_hidden_states), self.v(encoder_hidden_states)
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(self.ch), dim=-1) @ v
        x = x + self.attn_out(att).transpose(1, 2).reshape(b, self.ch, h, w)
        return self.conv_out(torch.nn.functional.silu(self.norm_out(x)))


class VaeDecoder(nn.Module):
    def __init__(self, ch=16):
        super().__init__()
        self.post_quant_conv = nn.Conv2d(4, 4, 1)
        self.conv_in = nn.Conv2d(4, ch, 3, padding=1)
        self.ups = nn.ModuleList([nn.Conv2d(ch, ch, 3, padding=1) for _ in range(3)])
        self.norm = nn.GroupNorm(4, ch)
        self.conv_out = nn.Conv2d(ch, 3, 3, padding=1)

    def forward(self, latent_sample):
        x = self.conv_in(self.post_quant_conv(latent_sample))
        for conv in self.ups:
            x = torch.nn.functional.silu(conv(torch.nn.functional.interpolate(x, scale_factor=2.0, mode="nearest")))
        return self.conv_out(torch.nn.functional.silu(self.norm(x)))


def export(module, args, path, inputs, outputs, axes, external=False):
    buf = io.BytesIO()
    torch.onnx.export(module, args, buf, input_names=inputs, output_names=outputs, dynamic_axes=axes,
                      opset_version=OPSET, do_constant_folding=True)
    model = onnx.load_from_string(buf.getvalue())
    onnx.checker.check_model(model)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if external:
        onnx.save_model(model, path, save_as_external_data=True, all_tensors_to_one_file=True,
                        location="model.onnx_data", size_threshold=0)
    else:
        onnx.save_model(model, path)


# ---------------------------------------------------------------- bundle

def write_json(path, value):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2, ensure_ascii=False)
        f.write("\n")


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    blobs, offset = [], 0
    for name, array in tensors.items():
        data = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * (-len(head) % 8)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for blob in blobs:
            f.write(blob)


def write_manifest(root):
    files = {}
    for folder, _, names in os.walk(root):
        for name in names:
            full = os.path.join(folder, name)
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            if rel != "manifest.json":
                files[rel] = hashlib.sha256(open(full, "rb").read()).hexdigest()
    write_json(os.path.join(root, "manifest.json"), dict(sorted(files.items())))


def make_bundle(root, variant, seed):
    """variant sd1: epsilon, PNDM, float32 timestep [B], pad with <|endoftext|>;
    sd2: v_prediction, DDIM trailing, int64 timestep [1], pad with "!" (id 0), like SD 2.x exports."""
    torch.manual_seed(seed)
    shutil.rmtree(root, ignore_errors=True)
    vocab, merges = small_vocab(MERGES)
    text, unet, vae = TextEncoder(len(vocab)).eval(), UNet().eval(), VaeDecoder().eval()

    tok = os.path.join(root, "tokenizer")
    write_json(os.path.join(tok, "vocab.json"), vocab)
    with open(os.path.join(tok, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "".join(f"{a} {b}\n" for a, b in merges))
    pad = "<|endoftext|>" if variant == "sd1" else "!"
    write_json(os.path.join(tok, "special_tokens_map.json"), {
        "bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>", "pad_token": pad,
        "unk_token": "<|endoftext|>"})
    write_json(os.path.join(tok, "tokenizer_config.json"), {
        "tokenizer_class": "CLIPTokenizer", "model_max_length": MAX_POS, "do_lower_case": True,
        "bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>", "pad_token": pad,
        "unk_token": "<|endoftext|>"})

    ids = torch.full((2, MAX_POS), vocab["<|endoftext|>"], dtype=torch.int64)
    with torch.no_grad():
        export(text, (ids,), os.path.join(root, "text_encoder", "model.onnx"), ["input_ids"],
               ["last_hidden_state", "pooler_output"],
               {"input_ids": {0: "batch", 1: "sequence"}, "last_hidden_state": {0: "batch", 1: "sequence"},
                "pooler_output": {0: "batch"}})
        sample = torch.randn(2, 4, 8, 8)
        if variant == "sd1":
            timestep, t_axes = torch.tensor([999.0, 999.0]), {0: "batch"}
        else:
            timestep, t_axes = torch.tensor([999], dtype=torch.int64), {}
        ehs = torch.randn(2, MAX_POS, WIDTH)
        export(unet, (sample, timestep, ehs), os.path.join(root, "unet", "model.onnx"),
               ["sample", "timestep", "encoder_hidden_states"], ["out_sample"],
               {"sample": {0: "batch", 2: "height", 3: "width"}, "timestep": t_axes,
                "encoder_hidden_states": {0: "batch", 1: "sequence"},
                "out_sample": {0: "batch", 2: "height", 3: "width"}}, external=True)
        export(vae, (torch.randn(1, 4, 8, 8),), os.path.join(root, "vae_decoder", "model.onnx"), ["latent_sample"],
               ["sample"], {"latent_sample": {0: "batch", 2: "height", 3: "width"},
                            "sample": {0: "batch", 2: "height", 3: "width"}})
    write_json(os.path.join(root, "text_encoder", "config.json"), {
        "architectures": ["CLIPTextModel"], "hidden_size": WIDTH, "max_position_embeddings": MAX_POS,
        "num_hidden_layers": 2, "num_attention_heads": 4, "vocab_size": len(vocab)})
    write_json(os.path.join(root, "vae_decoder", "config.json"), {
        "_class_name": "AutoencoderKL", "latent_channels": 4, "scaling_factor": 0.18215})
    common = {"num_train_timesteps": 1000, "beta_start": 0.00085, "beta_end": 0.012,
              "beta_schedule": "scaled_linear", "set_alpha_to_one": False, "steps_offset": 1,
              "clip_sample": False, "trained_betas": None}
    if variant == "sd1":
        sched = dict(_class_name="PNDMScheduler", prediction_type="epsilon", skip_prk_steps=True,
                     timestep_spacing="leading", **common)
    else:
        sched = dict(_class_name="DDIMScheduler", prediction_type="v_prediction", timestep_spacing="trailing",
                     rescale_betas_zero_snr=False, **common)
    write_json(os.path.join(root, "scheduler", "scheduler_config.json"), sched)
    write_json(os.path.join(root, "model_index.json"), {
        "_class_name": "OnnxStableDiffusionPipeline", "_diffusers_version": "0.21.0",
        "_dreamid_tiny": True,
        "_dreamid_note": "tiny random weights, images are noise by design (made by tools/diffusion/make_tiny_sd.py)",
        "feature_extractor": [None, None], "safety_checker": [None, None],
        "requires_safety_checker": False,
        "scheduler": ["diffusers", sched["_class_name"]],
        "text_encoder": ["diffusers", "OnnxRuntimeModel"], "tokenizer": ["transformers", "CLIPTokenizer"],
        "unet": ["diffusers", "OnnxRuntimeModel"], "vae_decoder": ["diffusers", "OnnxRuntimeModel"],
        "vae_encoder": [None, None]})
    write_manifest(root)
    return vocab, merges, text, unet, vae


def goldens(path, vocab, merges, text, unet, vae, variant):
    """Independent values for the Java tests: plain-Python BPE ids and the torch modules' outputs."""
    ranks = {m: i for i, m in enumerate(merges)}
    g = torch.Generator().manual_seed(1234)
    bos, eos = vocab["<|startoftext|>"], vocab["<|endoftext|>"]
    pad = eos if variant == "sd1" else vocab["!"]
    prefix, suffix, k = "a photo of", "in the garden", 2
    pre, suf = tokenize_simple(prefix, vocab, ranks), tokenize_simple(suffix, vocab, ranks)
    ids = [bos] + pre + [eos] * k + suf + [eos]
    ids += [pad] * (MAX_POS - len(ids))
    first = 1 + len(pre)
    s_star = torch.randn(k, WIDTH, generator=g)
    with torch.no_grad():
        embeds = text.token_embedding(torch.tensor([ids])).clone()
        embeds[0, first:first + k] = s_star
        injected = text.encode_embeds(embeds)[0]
        plain_ids = [bos] + tokenize_simple("a photo of a cat", vocab, ranks) + [eos]
        plain_ids += [pad] * (MAX_POS - len(plain_ids))
        plain = text(torch.tensor([plain_ids]))[0][0]
        sample = torch.randn(2, 4, 8, 8, generator=g)
        ehs = torch.randn(2, MAX_POS, WIDTH, generator=g)
        timestep = torch.tensor([500.0, 500.0]) if variant == "sd1" else torch.tensor([500], dtype=torch.int64)
        unet_out = unet(sample, timestep, ehs)
        latent = torch.randn(1, 4, 8, 8, generator=g)
        vae_out = vae(latent)
    write_safetensors(path, {
        "s_star": s_star.numpy(), "injected_hidden": injected.numpy(),
        "plain_ids": np.array(plain_ids, dtype=np.float32), "plain_hidden": plain.numpy(),
        "unet_sample": sample.numpy(), "unet_encoder_hidden_states": ehs.numpy(), "unet_out": unet_out.numpy(),
        "vae_latent": latent.numpy(), "vae_out": vae_out.numpy()}, {
        "prompt": f"{prefix} {{id}} {suffix}", "ids": json.dumps(ids), "placeholder_start": str(first),
        "words": str(k), "plain_prompt": "a photo of a cat", "unet_timestep": "500"})


def main():
    if not os.path.isdir(CLIP_DIR):
        sys.exit(f"the real CLIP vocabulary is expected at {CLIP_DIR}")
    sd1 = os.path.join(SERVICE, "test", "resources", "bundles", "tiny-sd1")
    sd2 = os.path.join(SERVICE, "test", "resources", "bundles", "tiny-sd2")
    for root, variant, seed in ((sd1, "sd1", 1), (sd2, "sd2", 2)):
        vocab, merges, text, unet, vae = make_bundle(root, variant, seed)
        goldens(os.path.join(SERVICE, "test", "resources", "goldens", f"tiny-{variant}.safetensors"),
                vocab, merges, text, unet, vae, variant)
        size = sum(os.path.getsize(os.path.join(d, n)) for d, _, ns in os.walk(root) for n in ns)
        print(f"{variant}: {root} ({size / 1024:.0f} KiB, vocabulary {len(vocab)})")


if __name__ == "__main__":
    main()
