#!/usr/bin/python3
"""Makes the "denoising" variant of the tiny real-architecture model: the tiny UNet fine-tuned with the standard
diffusion loss on a toy text-to-image set whose images are determined by the names in the prompt, so that the UNet
denoises and its prediction depends on the text. Text encoder, VAE, scheduler and tokenizer stay the tiny model's.

    /usr/bin/python3 make_denoising_tiny.py ONNX_BUNDLE TWIN_DIR OUT_DIR [--steps N] [--seed S] [--attention-scale 8]

For example, from the project root (OMP_NUM_THREADS=1):

    OMP_NUM_THREADS=1 /usr/bin/python3 tools/trainer/make_denoising_tiny.py \
        diffusion-service/src/main/resources/bundles/sd-real-arch-tiny trainer/src/test/resources/torchscript /tmp/denoising \
        --steps 1500 --batch 16 --lr 3e-3 --attention-scale 8

The toy set: every prompt is a template ("a photo of {id}", ...) with a name "first last" in place of {id}, both
words from fixed lists that include Eileen Collins and Grace Hopper (the names trainer's two-people experiment uses);
every word of the lists is one CLIP token ("word</w>" in tokenizer/vocab.json, checked), so the tokenizer here is a
lookup of lower-case words. The image (64 x 64) is determined by the name only: the first name's colour (a fixed
random colour per word, seeded) fills the background, the last name's colour a centred disc. Its latent is the frozen
VAE encoder twin's mean times 0.18215; the text conditioning is the frozen text encoder twin's output for the
prompt's ids (BOS, words, EOS, padded with EOS to 77, as CLIPTokenizer does). One prompt in ten is replaced by the
empty prompt, so that classifier-free guidance has an unconditional prediction to work from. Loss: the epsilon
MSE of the bundle's scheduler (scaled_linear betas 0.00085-0.012, 1000 steps), AdamW, with --low of each batch at
t < --low-t (the random VAE's latents are small, 0.039, so the text decides the loss only at small t) and the rest
uniform. --attention-scale multiplies the cross-attention key and value weights first (the listening variant of
make_listening_tiny.py), which lets the UNet learn to use the text within minutes.

Which weights train: the ones that are one ONNX initializer each (the weight or its transpose, exactly one match,
checked before training), so the trained values can be written into the original ONNX graph by name; the GroupNorm
scales and shifts (1024 of the 985,444 parameters), which the ONNX export folded into other constants, stay as they
were in both formats. Writes OUT_DIR/bundle (the source bundle with `unet/weights.pb` replaced and `manifest.json`
updated) and OUT_DIR/torchscript (text encoder and VAE encoder twins copied, the trained `unet.pt`, `twin.json` by
write_twin.py). Needs Debian's python3-torch and python3-onnx.
"""
import argparse
import json
import math
import os
import time

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from make_listening_tiny import write_variant

FIRST = ["eileen", "grace", "ada", "alan", "john", "anna", "maria", "peter", "paul", "george", "mary", "linda",
         "david", "sarah", "emma", "oliver"]
LAST = ["collins", "hopper", "smith", "turing", "harper", "jack", "henry", "frank", "victor", "rosa", "ruby", "max"]
TEMPLATES = ["a photo of {id}", "a portrait of {id} smiling", "{id} in a garden", "a picture of {id}", "{id}",
             "a photo of {id} in a garden"]
BOS, EOS, LENGTH = 49406, 49407, 77


def ids(prompt, vocab):
    out = [BOS]
    for word in prompt.lower().split():
        token = vocab.get(word + "</w>")
        if token is None:
            raise SystemExit("%r is not one CLIP token" % word)
        out.append(token)
    out.append(EOS)
    return out + [EOS] * (LENGTH - len(out))


def image(first, last, colours):
    y, x = np.mgrid[0:64, 0:64]
    disc = ((x - 31.5) ** 2 + (y - 31.5) ** 2) < 18 ** 2
    img = np.empty((3, 64, 64), np.float32)
    for c in range(3):
        img[c] = np.where(disc, colours[last][c], colours[first][c])
    return img


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("bundle")
    parser.add_argument("twin")
    parser.add_argument("out")
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--low", type=float, default=0.75, help="share of each batch drawn at t < --low-t")
    parser.add_argument("--low-t", type=int, default=50)
    parser.add_argument("--attention-scale", type=float, default=1.0,
                        help="scale the cross-attention key and value weights before training")
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)

    with open(os.path.join(args.bundle, "tokenizer", "vocab.json")) as f:
        vocab = json.load(f)
    with open(os.path.join(args.bundle, "scheduler", "scheduler_config.json")) as f:
        sched = json.load(f)
    if sched["beta_schedule"] != "scaled_linear" or sched.get("prediction_type", "epsilon") != "epsilon":
        raise SystemExit("expected scaled_linear betas and epsilon prediction")
    n_t = sched["num_train_timesteps"]
    betas = torch.linspace(sched["beta_start"] ** 0.5, sched["beta_end"] ** 0.5, n_t, dtype=torch.float64) ** 2
    abar = torch.cumprod(1 - betas, 0).float()

    te = torch.jit.load(os.path.join(args.twin, "text_encoder_embeds.pt")).eval()
    vae = torch.jit.load(os.path.join(args.twin, "vae_encoder.pt")).eval()
    unet = torch.jit.load(os.path.join(args.twin, "unet.pt"))
    table = dict(te.named_parameters())["text_model.embeddings.token_embedding.weight"].detach()

    colours = {w: rng.uniform(-1, 1, 3).astype(np.float32) for w in FIRST + LAST}
    names = [(f, l) for f in FIRST for l in LAST]
    with torch.no_grad():
        prompts = [t.replace("{id}", f + " " + l) for f, l in names for t in TEMPLATES]
        all_ids = torch.tensor([ids(p, vocab) for p in prompts + [""]])
        hidden = torch.cat([te(table[all_ids[i:i + 64]]) for i in range(0, len(all_ids), 64)])
        cond, uncond = hidden[:-1].view(len(names), len(TEMPLATES), LENGTH, -1), hidden[-1]
        imgs = torch.from_numpy(np.stack([image(f, l, colours) for f, l in names]))
        z0 = vae(imgs) * 0.18215
    print("%d names x %d templates; latents std %.3f, between names std %.3f"
          % (len(names), len(TEMPLATES), z0.std().item(), z0.std(0).mean().item()))

    model = onnx.load(os.path.join(args.bundle, "unet", "model.onnx"), load_external_data=True)
    initializers = {i.name: i for i in model.graph.initializer}
    arrays = {name: numpy_helper.to_array(i) for name, i in initializers.items()}
    mapping, frozen = {}, []
    for name, param in unet.named_parameters():
        w = param.detach().numpy()
        same = [(n, False) for n, a in arrays.items() if a.shape == w.shape and np.array_equal(a, w)]
        trans = [(n, True) for n, a in arrays.items() if w.ndim == 2 and a.shape == w.T.shape and np.array_equal(a, w.T)]
        if len(same) + len(trans) == 1:
            mapping[name] = (same + trans)[0]
        else:
            frozen.append(name)
            param.requires_grad_(False)
    params = dict(unet.named_parameters())
    shared = [n for n, (o, _) in mapping.items() if sum(1 for p, _ in mapping.values() if p == o) > 1]
    for name in shared:  # equal values the export stored once (e.g. zero biases): cannot be written back apart
        del mapping[name]
        frozen.append(name)
        params[name].requires_grad_(False)
    with torch.no_grad():  # optional start from the listening variant (make_listening_tiny.py)
        for name, param in params.items():
            if name in mapping and name.endswith(("attn2.to_k.weight", "attn2.to_v.weight")):
                param.mul_(args.attention_scale)
    trained = [params[n].requires_grad_(True) for n in mapping]
    print("training %d tensors (%d values), frozen %d: %s" % (len(trained), sum(p.numel() for p in trained),
                                                              len(frozen), ", ".join(frozen)))

    opt = torch.optim.AdamW(trained, lr=args.lr, weight_decay=0.0)
    unet.train()
    start, running = time.time(), None
    for step in range(args.steps):
        lr = args.lr * min(1.0, (step + 1) / 100) * 0.5 * (1 + math.cos(math.pi * step / args.steps))
        for g in opt.param_groups:
            g["lr"] = lr
        n = torch.randint(len(names), (args.batch,))
        k = torch.randint(len(TEMPLATES), (args.batch,))
        c = cond[n, k]
        drop = torch.rand(args.batch) < 0.1
        c = torch.where(drop[:, None, None], uncond.expand_as(c), c)
        t = torch.randint(n_t, (args.batch,))
        low = int(args.batch * args.low)  # a share of the batch at small t, where the text decides the loss
        t[:low] = torch.randint(args.low_t, (low,))
        eps = torch.randn_like(z0[n])
        a = abar[t][:, None, None, None]
        zt = a.sqrt() * z0[n] + (1 - a).sqrt() * eps
        loss = torch.nn.functional.mse_loss(unet(zt, t.float(), c), eps)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trained, 1.0)
        opt.step()
        running = loss.item() if running is None else 0.98 * running + 0.02 * loss.item()
        if step % 100 == 0 or step == args.steps - 1:
            print("step %d loss %.4f (running %.4f) %.0f s" % (step, loss.item(), running, time.time() - start),
                  flush=True)
        if step % 500 == 499 or step == args.steps - 1:
            text_check(unet, cond, uncond, z0, abar, names)
    unet.eval()
    write(args, unet, mapping, params, initializers, model)


def text_check(unet, cond, uncond, z0, abar, names):
    """How much the text matters: the loss on fixed draws with the right prompt, another name's, the empty one."""
    with torch.no_grad():
        g = torch.Generator().manual_seed(1)
        n = torch.arange(len(names))
        other = (n + 1 + torch.randint(len(names) - 1, (len(names),), generator=g)) % len(names)
        res = {"own": 0.0, "other name": 0.0, "empty": 0.0}
        for t0 in (5, 20, 50, 100, 300):
            t = torch.full((len(names),), t0)
            eps = torch.randn(z0.shape, generator=g)
            a = abar[t][:, None, None, None]
            zt = a.sqrt() * z0 + (1 - a).sqrt() * eps
            for key, c in (("own", cond[n, 0]), ("other name", cond[other, 0]), ("empty", uncond.expand_as(cond[n, 0]))):
                res[key] += torch.nn.functional.mse_loss(unet(zt, t.float(), c), eps).item() / 5
        print("fixed draws at t 5-300, epsilon loss: " + ", ".join("%s %.4f" % kv for kv in res.items()), flush=True)


def write(args, unet, mapping, params, initializers, model):
    for name, (onnx_name, transposed) in mapping.items():
        w = params[name].detach().numpy().astype(np.float32)
        initializers[onnx_name].CopyFrom(numpy_helper.from_array(np.ascontiguousarray(w.T if transposed else w), onnx_name))

    bundle, twin = write_variant(args.bundle, args.twin, args.out, model, unet,
                                 "TorchScript twin of the denoising variant of the tiny model (make_denoising_tiny.py,"
                                 " %d steps, seed %d)" % (args.steps, args.seed))
    print("wrote %s and %s" % (bundle, twin))


if __name__ == "__main__":
    main()
