#!/usr/bin/python3
"""Makes the "listening" variant of the tiny real-architecture model: the same checkpoint with the UNet's
cross-attention sharpened, so that the text conditioning changes its predictions as a trained model's does.

    /usr/bin/python3 make_listening_tiny.py ONNX_BUNDLE TWIN_DIR OUT_DIR [--key-scale 8] [--value-scale 8]

For example, from the project root:

    /usr/bin/python3 tools/trainer/make_listening_tiny.py \
        diffusion-service/src/main/resources/bundles/sd-real-arch-tiny trainer/src/test/resources/torchscript \
        /tmp/listening --key-scale 16 --value-scale 16

Why: the tiny model's weights are random. A random cross-attention's queries and keys are nearly orthogonal, so
every latent pixel attends to the 77 text states almost uniformly; the result is nearly the same vector at every
pixel, which the next GroupNorm removes. Two prompts that differ by a name then change the UNet's prediction by
about 6 % and the generated images by 2-4 of 255: too little for the trainer's two-people learning test
(trainer/README.md) to tell two people apart. Multiplying every `attn2.to_k` weight by --key-scale makes the
attention peaked (different pixels attend to different tokens) and every `attn2.to_v` weight by --value-scale makes
what they read count; with 8 and 8 the prediction changes by about 40 % between two such prompts. Nothing else
changes: text encoder, VAE, scheduler and tokenizer are the tiny model's.

Writes OUT_DIR/bundle (the ONNX serving bundle: the source's files, the UNet's external data `unet/weights.pb`
with the scaled weights, `manifest.json` with its new SHA-256) and OUT_DIR/torchscript (the twin: the source's
text encoder and VAE encoder, `unet.pt` with the same scaled weights, and `twin.json` written by write_twin.py),
which the trainer accepts as `--sd` and `--torchscript` (and TwoPeopleLearning as -Dlearning.sd and
-Dlearning.torchscript). The ONNX export names the
cross-attention's bias but not its MatMul weights, so each TorchScript weight W is found in the ONNX graph as the
initializer equal to W transposed (exactly one, checked). Needs Debian's python3-torch and python3-onnx.
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import onnx
import torch
from onnx import numpy_helper


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("bundle", help="the ONNX serving bundle (sd-real-arch-tiny)")
    parser.add_argument("twin", help="its TorchScript twin folder (unet.pt)")
    parser.add_argument("out")
    parser.add_argument("--key-scale", type=float, default=8.0)
    parser.add_argument("--value-scale", type=float, default=8.0)
    args = parser.parse_args()
    scales = {"attn2.to_k.weight": args.key_scale, "attn2.to_v.weight": args.value_scale}

    unet = torch.jit.load(os.path.join(args.twin, "unet.pt"))
    model = onnx.load(os.path.join(args.bundle, "unet", "model.onnx"), load_external_data=True)
    initializers = {i.name: i for i in model.graph.initializer}
    arrays = {name: numpy_helper.to_array(i) for name, i in initializers.items()}

    changed = 0
    with torch.no_grad():
        for name, param in unet.named_parameters():
            scale = next((s for suffix, s in scales.items() if name.endswith(suffix)), None)
            if scale is None:
                continue
            w = param.detach().numpy()
            matches = [n for n, a in arrays.items() if a.shape == w.T.shape and np.array_equal(a, w.T)]
            if len(matches) != 1:
                raise SystemExit("%s: %d ONNX initializers equal its transpose, expected exactly 1" % (name, len(matches)))
            onnx_name = matches[0]
            scaled = (arrays[onnx_name] * np.float32(scale)).astype(np.float32)
            initializers[onnx_name].CopyFrom(numpy_helper.from_array(scaled, onnx_name))
            param.mul_(scale)
            if not np.array_equal(param.detach().numpy().T, scaled):
                raise SystemExit("%s: the scaled weights of the two formats differ" % name)
            print("scaled %s (ONNX %s) by %g" % (name, onnx_name, scale))
            changed += 1
    if changed == 0:
        raise SystemExit("no cross-attention weights found in " + args.twin)

    bundle, twin = write_variant(args.bundle, args.twin, args.out, model, unet,
                                 "TorchScript twin of the listening variant of the tiny model (make_listening_tiny.py,"
                                 " key scale %g, value scale %g)" % (args.key_scale, args.value_scale))
    print("wrote %s and %s (%d weights scaled)" % (bundle, twin, changed))


def write_variant(source_bundle, source_twin, out, model, unet, description, vae=None):
    """Writes OUT/bundle (the source bundle with the UNet's ONNX graph `model` and its external data replaced,
    manifest.json listing every file with its SHA-256) and OUT/torchscript (the source twin's text encoder and VAE
    encoder, `unet`, twin.json). `vae`, when given, is called with the two folders after the UNet is written and
    before the hashes are, to write a VAE of its own into both."""
    bundle = os.path.join(out, "bundle")
    twin = os.path.join(out, "torchscript")
    shutil.copytree(source_bundle, bundle)
    os.remove(os.path.join(bundle, "unet", "weights.pb"))
    onnx.save_model(model, os.path.join(bundle, "unet", "model.onnx"), save_as_external_data=True,
                    all_tensors_to_one_file=True, location="weights.pb", size_threshold=1024)
    os.makedirs(twin)
    for name in ("text_encoder_embeds.pt", "vae_encoder.pt"):
        shutil.copy(os.path.join(source_twin, name), twin)
    unet.save(os.path.join(twin, "unet.pt"))
    if vae is not None:
        vae(bundle, twin)
    manifest = os.path.join(bundle, "manifest.json")
    if os.path.isfile(manifest):
        hashes = {}
        for root, _, files in os.walk(bundle):
            for name in files:
                path = os.path.join(root, name)
                if path != manifest:
                    with open(path, "rb") as f:
                        hashes[os.path.relpath(path, bundle)] = hashlib.sha256(f.read()).hexdigest()
        with open(manifest, "w") as f:
            f.write(json.dumps(dict(sorted(hashes.items())), indent=2) + "\n")
    subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "write_twin.py"), twin,
                    bundle, "--description", description], check=True)
    return bundle, twin


if __name__ == "__main__":
    main()
