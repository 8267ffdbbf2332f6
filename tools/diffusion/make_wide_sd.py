"""A wider toy Stable Diffusion bundle for the batching benchmark (issue 18), written outside the repository.

tools/diffusion/make_tiny_sd.py's SD1-like bundle (epsilon, PNDM, float32 timestep [batch], the same tokenizer and
text encoder) with a UNet of CHANNELS channels instead of 16, so that at 512x512 the UNet dominates a job's time as
it does with real weights, while the VAE decoder stays the tiny one. Random weights: its images are noise. Nothing
is committed; the benchmark reads it from the folder given.

Run from the repository root with Debian's torch: /usr/bin/python3 tools/diffusion/make_wide_sd.py [OUT] [CHANNELS]
(defaults diffusion-service/target/bench-bundles/wide-sd1 and 128); CLIP_DIR=... names the CLIP vocabulary folder
if it is not ../shared/testdata/clip.
"""
import functools
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_tiny_sd  # noqa: E402


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join("diffusion-service", "target", "bench-bundles",
                                                             "wide-sd1")
    channels = int(sys.argv[2]) if len(sys.argv) > 2 else 128
    # The vocabulary sits beside the repository on the build machines; CLIP_DIR points elsewhere (a worktree).
    make_tiny_sd.CLIP_DIR = os.environ.get("CLIP_DIR", make_tiny_sd.CLIP_DIR)
    if not os.path.isdir(make_tiny_sd.CLIP_DIR):
        sys.exit(f"the real CLIP vocabulary is expected at {make_tiny_sd.CLIP_DIR}")
    make_tiny_sd.UNet = functools.partial(make_tiny_sd.UNet, ch=channels)
    make_tiny_sd.make_bundle(out, "sd1", 18)
    with open(os.path.join(out, "model_index.json"), encoding="utf-8") as f:
        index = f.read()
    index = index.replace("made by tools/diffusion/make_tiny_sd.py",
                          f"made by tools/diffusion/make_wide_sd.py, UNet {channels} channels")
    with open(os.path.join(out, "model_index.json"), "w", encoding="utf-8") as f:
        f.write(index)
    make_tiny_sd.write_manifest(out)
    size = sum(os.path.getsize(os.path.join(d, n)) for d, _, ns in os.walk(out) for n in ns)
    print(f"{out}: UNet {channels} channels, {size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
