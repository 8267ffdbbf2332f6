#!/usr/bin/python3
"""Makes the "denoising" variant of the tiny real-architecture model: the tiny UNet fine-tuned with the standard
diffusion loss on a toy text-to-image set whose images are determined by the names in the prompt, so that the UNet
denoises and its prediction depends on the text. Text encoder, scheduler and tokenizer stay the tiny model's; the VAE
too, unless --vae-steps trains one of its own first (ToyVae), which is how the learning tiny model of the trainer's
two-people test (trainer/src/test/resources/learning-tiny) was made.

    /usr/bin/python3 make_denoising_tiny.py ONNX_BUNDLE TWIN_DIR OUT_DIR [--steps N] [--seed S] [--attention-scale 8]
        [--vae-steps N] [--low SHARE --low-t T]

For example, from the project root, the learning tiny model (about 10 minutes on 2 threads):

    OMP_NUM_THREADS=2 /usr/bin/python3 tools/trainer/make_denoising_tiny.py \
        diffusion-service/src/main/resources/bundles/sd-real-arch-tiny trainer/src/test/resources/torchscript /tmp/dt1 \
        --steps 1500 --batch 16 --lr 3e-3 --attention-scale 8 --vae-steps 3000 --low 0

The toy set: every prompt is a template ("a photo of {id}", ...) with a name "first last" in place of {id}, both
words from fixed lists that include Eileen Collins and Grace Hopper (the names trainer's two-people experiment uses);
every word of the lists is one CLIP token ("word</w>" in tokenizer/vocab.json, checked), so the tokenizer here is a
lookup of lower-case words. The image (64 x 64) is determined by the name only: the first name's colour (a fixed
random colour per word, seeded) fills the background, the last name's colour a centred disc. Its latent is the VAE
encoder's mean times the scaling factor; the text conditioning is the frozen text encoder twin's output for the
prompt's ids (BOS, words, EOS, padded with EOS to 77, as CLIPTokenizer does). One prompt in ten is replaced by the
empty prompt, so that classifier-free guidance has an unconditional prediction to work from. Loss: the epsilon
MSE of the bundle's scheduler (scaled_linear betas 0.00085-0.012, 1000 steps), AdamW, with --low of each batch at
t < --low-t and the rest uniform. --attention-scale multiplies the cross-attention key and value weights first (the
listening variant of make_listening_tiny.py), which lets the UNet learn to use the text within minutes.

The VAE: the tiny model's random VAE has small latents (standard deviation 0.039 after x0.18215, so the text decides
the loss only at small t, hence --low 0.75 at t < 50 by default) and its decoder and encoder are not inverses (an
image the pipeline generated does not encode back to the latents it came from). --vae-steps N trains ToyVae, a small
convolutional autoencoder with SD's interface (4 latent channels, factor 8), on the toy images and random ones of
their kind (reconstruction plus the latent round trip), and sets its scaling factor to 1 / the latents' standard
deviation; it is written into both formats: `vae_decoder/model.onnx` with `vae_decoder/config.json`
(scaling_factor, which diffusion-service and the trainer read), `vae_encoder/model.onnx` and the twin's
`vae_encoder.pt` (the mean).

Which weights train: the ones that are one ONNX initializer each (the weight or its transpose, exactly one match,
checked before training), so the trained values can be written into the original ONNX graph by name; the GroupNorm
scales and shifts (1024 of the 985,444 parameters), which the ONNX export folded into other constants, stay as they
were in both formats. Writes OUT_DIR/bundle (the source bundle with `unet/weights.pb` replaced, ToyVae's files when
trained, `manifest.json` listing every file) and OUT_DIR/torchscript (the text encoder twin copied, the VAE encoder
twin copied or ToyVae's, the trained `unet.pt`, `twin.json` by write_twin.py). Needs Debian's python3-torch and python3-onnx.
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
    parser.add_argument("--vae-steps", type=int, default=0,
                        help="train a VAE of its own first (ToyVae) for this many steps instead of keeping the tiny"
                             " model's random one")
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
    colours = {w: rng.uniform(-1, 1, 3).astype(np.float32) for w in FIRST + LAST}
    names = [(f, l) for f in FIRST for l in LAST]
    imgs = torch.from_numpy(np.stack([image(f, l, colours) for f, l in names]))
    toy_vae = train_vae(args.vae_steps, imgs) if args.vae_steps > 0 else None
    if toy_vae is None:
        vae, scaling = torch.jit.load(os.path.join(args.twin, "vae_encoder.pt")).eval(), 0.18215
    else:
        vae, scaling = toy_vae.encoder, toy_vae.scaling_factor
    unet = torch.jit.load(os.path.join(args.twin, "unet.pt"))
    table = dict(te.named_parameters())["text_model.embeddings.token_embedding.weight"].detach()

    with torch.no_grad():
        prompts = [t.replace("{id}", f + " " + l) for f, l in names for t in TEMPLATES]
        all_ids = torch.tensor([ids(p, vocab) for p in prompts + [""]])
        hidden = torch.cat([te(table[all_ids[i:i + 64]]) for i in range(0, len(all_ids), 64)])
        cond, uncond = hidden[:-1].view(len(names), len(TEMPLATES), LENGTH, -1), hidden[-1]
        z0 = vae(imgs) * scaling
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
    write(args, unet, mapping, params, initializers, model, toy_vae)


class ToyVae(torch.nn.Module):
    """A small convolutional autoencoder with SD's interface: images [B,3,H,W] in [-1,1] to latents [B,4,H/8,W/8]
    (the encoder gives the mean; there is no sampling) and back. Replaces the tiny model's random VAE, whose
    decoder and encoder are not inverses of each other, so that an image the pipeline generated encodes to about
    the latents it was decoded from, as a trained SD VAE's does."""

    def __init__(self):
        super().__init__()
        act = torch.nn.SiLU
        self.encoder = torch.nn.Sequential(
            torch.nn.Conv2d(3, 32, 4, stride=2, padding=1), act(),
            torch.nn.Conv2d(32, 48, 4, stride=2, padding=1), act(),
            torch.nn.Conv2d(48, 64, 4, stride=2, padding=1), act(),
            torch.nn.Conv2d(64, 4, 3, padding=1))
        layers = [torch.nn.Conv2d(4, 64, 3, padding=1), act()]
        for width in (48, 32, 16):
            layers += [torch.nn.Upsample(scale_factor=2.0, mode="nearest"),
                       torch.nn.Conv2d(layers[-2].out_channels, width, 3, padding=1), act()]
        self.decoder = torch.nn.Sequential(*layers, torch.nn.Conv2d(16, 3, 3, padding=1))
        self.scaling_factor = 1.0

    def write(self, bundle, twin):
        """The VAE into both formats: ONNX `vae_decoder/model.onnx` (latent_sample -> sample) with `config.json`
        (scaling_factor), `vae_encoder/model.onnx` (sample -> latent_sample, the mean) and the twin's
        `vae_encoder.pt`, as export_torchscript.py and diffusers' ONNX conversion name them."""
        self.eval()
        axes = {"batch": 0, "channels": 1, "height": 2, "width": 3}
        for part, module, inp, out, shape in (("vae_decoder", self.decoder, "latent_sample", "sample", (1, 4, 8, 8)),
                                              ("vae_encoder", self.encoder, "sample", "latent_sample", (1, 3, 64, 64))):
            path = os.path.join(bundle, part, "model.onnx")
            for name in os.listdir(os.path.dirname(path)):
                os.remove(os.path.join(os.path.dirname(path), name))
            torch.onnx.export(module, torch.zeros(shape), path, input_names=[inp], output_names=[out], opset_version=14,
                              dynamic_axes={inp: {v: k for k, v in axes.items()}, out: {0: "batch", 2: "height",
                                                                                       3: "width"}})
        with open(os.path.join(bundle, "vae_decoder", "config.json"), "w") as f:
            json.dump({"_class_name": "ToyVae (tools/trainer/make_denoising_tiny.py)", "latent_channels": 4,
                       "scaling_factor": self.scaling_factor}, f, indent=2)
            f.write("\n")
        torch.jit.trace(self.encoder, torch.zeros(1, 3, 64, 64)).save(os.path.join(twin, "vae_encoder.pt"))


def toy_images(n, rng):
    """Random images of the toy set's kind (a background and a disc, each one colour), with the disc moved and sized
    at random, so that the VAE also reconstructs what a UNet that is not exact generates."""
    y, x = np.mgrid[0:64, 0:64]
    out = np.empty((n, 3, 64, 64), np.float32)
    for i in range(n):
        cy, cx, r = 31.5 + rng.uniform(-6, 6), 31.5 + rng.uniform(-6, 6), rng.uniform(12, 24)
        disc = ((x - cx) ** 2 + (y - cy) ** 2) < r ** 2
        bg, fg = rng.uniform(-1, 1, 3), rng.uniform(-1, 1, 3)
        for c in range(3):
            out[i, c] = np.where(disc, fg[c], bg[c])
    return torch.from_numpy(out)


def train_vae(steps, names, batch=32, lr=2e-3):
    """Trains a ToyVae on the names' images and random ones of their kind: reconstruction, plus the round trip
    latents -> image -> latents on slightly moved latents (what the pipeline decodes is never exactly a latent of
    the data), then sets the scaling factor to 1 / the standard deviation of the names' latents (as SD's 0.18215
    was chosen), so that the UNet sees latents of unit variance."""
    rng = np.random.default_rng(12345)
    vae = ToyVae()
    opt = torch.optim.AdamW(vae.parameters(), lr=lr, weight_decay=0.0)
    start = time.time()
    for step in range(steps):
        for g in opt.param_groups:
            g["lr"] = lr * 0.5 * (1 + math.cos(math.pi * step / steps))
        x = torch.cat([toy_images(batch // 2, rng), names[torch.randint(len(names), (batch - batch // 2,))]])
        z = vae.encoder(x)
        recon = torch.nn.functional.mse_loss(vae.decoder(z), x)
        moved = z.detach() + 0.1 * z.detach().std() * torch.randn_like(z)
        cycle = torch.nn.functional.mse_loss(vae.encoder(vae.decoder(moved)), moved) / z.detach().var()
        loss = recon + 0.1 * cycle
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 200 == 0 or step == steps - 1:
            print("vae step %d reconstruction %.5f round trip %.5f %.0f s" % (step, recon.item(), cycle.item(),
                                                                            time.time() - start), flush=True)
    vae.eval()
    for p in vae.parameters():
        p.requires_grad_(False)
    with torch.no_grad():
        vae.scaling_factor = float(1.0 / vae.encoder(names).std())
        error = (vae.decoder(vae.encoder(names)) - names).abs().max().item()
    print("vae: scaling factor %.5f, largest reconstruction error of the names' images %.4f (of 2)"
          % (vae.scaling_factor, error))
    return vae


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


def write(args, unet, mapping, params, initializers, model, toy_vae):
    for name, (onnx_name, transposed) in mapping.items():
        w = params[name].detach().numpy().astype(np.float32)
        initializers[onnx_name].CopyFrom(numpy_helper.from_array(np.ascontiguousarray(w.T if transposed else w), onnx_name))

    bundle, twin = write_variant(args.bundle, args.twin, args.out, model, unet,
                                 "TorchScript twin of the denoising variant of the tiny model (make_denoising_tiny.py,"
                                 " %d steps, seed %d%s)" % (args.steps, args.seed,
                                                          ", ToyVae %d steps" % args.vae_steps if toy_vae else ""),
                                 toy_vae.write if toy_vae else None)
    print("wrote %s and %s" % (bundle, twin))


if __name__ == "__main__":
    main()
