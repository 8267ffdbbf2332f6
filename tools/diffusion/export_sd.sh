#!/usr/bin/env bash
# Exports real Stable Diffusion 1.5 or 2.1 weights to the ONNX layout DreamID loads, then imports them.
#
#   tools/diffusion/export_sd.sh MODEL OUT_DIR [--fp16] [--import]
#
# MODEL is a diffusers checkpoint: a local folder (model_index.json, unet/, text_encoder/, vae/, tokenizer/,
# scheduler/) or a model id on a machine that can reach its hub. The export is Hugging Face optimum's
# (`pip install "optimum[onnxruntime]"`), which writes exactly the standard layout: text_encoder/model.onnx with
# input_ids, unet/model.onnx (+ external weights), vae_decoder/model.onnx, tokenizer/, scheduler/. DreamID rewrites
# the text encoder to take inputs_embeds when it loads it, so the export needs no change.
# Needs a machine with Python, torch and optimum (the project's build machines have none of these and reach no
# model hub); the export of SD 1.5 takes a few minutes and about 8 GB of memory on CPU.
# With --fp16 the export is float16 (optimum's --dtype fp16, which traces on a CUDA device: run it on a GPU
# machine): the export to serve on GPU workers; it also runs on CPU workers, slower than float32.
# With --import, the folder is then uploaded to the local platform with ./dreamid models import (which writes
# the SHA-256 manifest.json) and the diffusion-service is restarted on it.
set -euo pipefail

if [[ $# -lt 2 ]]; then
  sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
model="$1" out="$2" import="" precision=()
for flag in "${@:3}"; do
  case "$flag" in
    --import) import=--import ;;
    --fp16) precision=(--dtype fp16 --device cuda) ;;
    *) echo "export_sd.sh: unknown option $flag (--fp16, --import)" >&2; exit 2 ;;
  esac
done
command -v optimum-cli >/dev/null \
  || { echo "export_sd.sh: optimum-cli not found; pip install \"optimum[onnxruntime]\" first" >&2; exit 1; }
[[ ! -e "$out" ]] || { echo "export_sd.sh: $out exists; give a new folder" >&2; exit 1; }

# float32 on CPU by default; --fp16 traces in half precision on CUDA. DreamID reads each model's precision.
optimum-cli export onnx --model "$model" --task text-to-image "${precision[@]}" "$out"
for part in model_index.json text_encoder/model.onnx unet/model.onnx vae_decoder/model.onnx \
  scheduler/scheduler_config.json; do
  [[ -f "$out/$part" ]] || { echo "export_sd.sh: the export has no $part; check optimum's output above" >&2; exit 1; }
done
echo "exported to $out"
if [[ "$import" == --import ]]; then
  "$(dirname "$0")/../../dreamid" models import --diffusion "$out" --name "$(basename "$out")"
else
  echo "import it with: ./dreamid models import --diffusion $out"
fi
