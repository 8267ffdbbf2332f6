#!/usr/bin/env python3
"""Writes twin.json (dreamid-torchscript-twin/1) into a TorchScript twin folder: the SHA-256 of its three .pt files
and of the ONNX serving bundle's files they were exported with, which the trainer checks before it trains
(trainer/README.md, "Training bundle").

    python3 write_twin.py TWIN_DIR ONNX_BUNDLE_DIR [--description TEXT]

Run it right after export_torchscript.py CKPT_DIR TWIN_DIR --bundle ONNX_BUNDLE_DIR. Needs only the standard library.
"""
import argparse
import hashlib
import json
import os
import sys

TORCHSCRIPT = ["text_encoder_embeds.pt", "unet.pt", "vae_encoder.pt"]
# unet/weights.pb (external weights of a UNet over 2 GB) is hashed when the bundle has it.
ONNX = ["text_encoder/model.onnx", "unet/model.onnx", "unet/weights.pb", "vae_encoder/model.onnx"]


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("twin")
    parser.add_argument("bundle")
    parser.add_argument("--description", default=None)
    args = parser.parse_args()
    twin = {"format": "dreamid-torchscript-twin/1",
            "description": args.description or ("TorchScript twin of the ONNX bundle " + os.path.basename(
                os.path.abspath(args.bundle)) + " (same diffusers checkpoint)"),
            "torchscript": {}, "onnx": {}}
    for name in TORCHSCRIPT:
        path = os.path.join(args.twin, name)
        if not os.path.isfile(path):
            sys.exit("write_twin.py: %s is missing; run export_torchscript.py first" % path)
        twin["torchscript"][name] = sha256(path)
    for name in ONNX:
        path = os.path.join(args.bundle, name)
        if os.path.isfile(path):
            twin["onnx"][name] = sha256(path)
        elif name != "unet/weights.pb":
            sys.exit("write_twin.py: %s is missing: not an ONNX Stable Diffusion bundle" % path)
    with open(os.path.join(args.twin, "twin.json"), "w") as f:
        json.dump(twin, f, indent=2)
        f.write("\n")
    print("wrote", os.path.join(args.twin, "twin.json"))


if __name__ == "__main__":
    main()
