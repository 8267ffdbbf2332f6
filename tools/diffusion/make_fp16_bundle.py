"""An fp16 copy of a Stable Diffusion ONNX bundle, as an export with --fp16 / --dtype fp16 looks to the service.

diffusers' convert_stable_diffusion_checkpoint_to_onnx.py --fp16 (and optimum's --dtype fp16) trace the models in
half precision: every float tensor of the graphs is float16, inputs and outputs included (the UNet's sample, float
timestep and encoder_hidden_states, the text encoder's last_hidden_state, the VAE's latents and pixels). Those
exports need CUDA to trace; this tool gives the same I/O and the same float16 weights and arithmetic by converting
a float32 bundle's graphs with the onnx package alone: float initializers, Constant / ConstantOfShape values and
Cast targets become float16, float inputs and outputs float16, except what ONNX requires to stay float32 (Resize's
roi and scales). The UNet keeps its weights as external data if it had them. Every other file is copied; the
manifest is rewritten.

Run from the repository root with Debian's onnx: /usr/bin/python3 tools/diffusion/make_fp16_bundle.py SRC OUT
[--keep-vae-float32] (the flag converts all but the VAE, as exports that keep a float32 VAE against float16
overflow do).
"""
import json
import os
import shutil
import sys

import numpy as np
import onnx
from onnx import TensorProto, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_tiny_sd  # noqa: E402

# Inputs that ONNX operators require in float32 whatever the data type: (op type, input index).
FLOAT32_ONLY = {("Resize", 1), ("Resize", 2), ("Upsample", 1)}


def half(tensor):
    # Finite values beyond float16's range (CLIP's causal mask holds float32's lowest) become float16's extremes, as
    # torch.finfo(torch.float16).min is what a half-precision trace puts there.
    values = numpy_helper.to_array(tensor)
    limit = np.finfo(np.float16).max
    values = np.where(np.isfinite(values), np.clip(values, -limit, limit), values).astype(np.float16)
    tensor.CopyFrom(numpy_helper.from_array(values, tensor.name))


def convert(src, dst):
    model = onnx.load(src)  # external data is read in
    graph = model.graph
    keep = {node.input[i] for node in graph.node for (op, i) in FLOAT32_ONLY
            if node.op_type == op and len(node.input) > i}
    for init in graph.initializer:
        if init.data_type == TensorProto.FLOAT and init.name not in keep:
            half(init)
    for node in graph.node:
        for attr in node.attribute:
            if node.op_type == "Cast" and attr.name == "to" and attr.i == TensorProto.FLOAT:
                attr.i = TensorProto.FLOAT16
            if node.op_type in ("Constant", "ConstantOfShape") and attr.name == "value" \
                    and attr.t.data_type == TensorProto.FLOAT and node.output[0] not in keep:
                half(attr.t)
            if node.op_type in ("RandomNormalLike", "RandomUniformLike", "EyeLike", "RandomNormal", "RandomUniform") \
                    and attr.name == "dtype" and attr.i == TensorProto.FLOAT:
                attr.i = TensorProto.FLOAT16
    for value in list(graph.input) + list(graph.output):
        if value.type.tensor_type.elem_type == TensorProto.FLOAT:
            value.type.tensor_type.elem_type = TensorProto.FLOAT16
    # Shapes inferred for float32 would contradict the new types; ONNX Runtime infers them again.
    del graph.value_info[:]
    external = [name for name in os.listdir(os.path.dirname(src))
                if name != os.path.basename(src) and not name.endswith(".json")]
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    if external:
        onnx.save(model, dst, save_as_external_data=True, all_tensors_to_one_file=True, location=external[0],
                  size_threshold=0)
    else:
        onnx.save(model, dst)
    onnx.checker.check_model(dst)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 2:
        sys.exit("usage: make_fp16_bundle.py SRC OUT [--keep-vae-float32]")
    src, out = args
    keep_vae = "--keep-vae-float32" in sys.argv
    shutil.rmtree(out, ignore_errors=True)
    for folder, _, names in os.walk(src):
        rel = os.path.relpath(folder, src)
        os.makedirs(os.path.join(out, rel), exist_ok=True)
        converted = "model.onnx" in names and not (keep_vae and rel.startswith("vae_"))
        for name in names:
            source = os.path.join(folder, name)
            if converted and name == "model.onnx":
                convert(source, os.path.join(out, rel, name))
            elif converted and not name.endswith(".json"):
                continue  # the model's external data, written again by convert
            elif name != "manifest.json":
                shutil.copy(source, os.path.join(out, rel, name))
    index_path = os.path.join(out, "model_index.json")
    with open(index_path, encoding="utf-8") as f:
        index = json.load(f)
    if "_dreamid_note" in index:
        index["_dreamid_note"] += (", converted to float16 by tools/diffusion/make_fp16_bundle.py"
                                   + (" (VAE kept float32)" if keep_vae else ""))
        make_tiny_sd.write_json(index_path, index)
    make_tiny_sd.write_manifest(out)
    size = sum(os.path.getsize(os.path.join(d, n)) for d, _, ns in os.walk(out) for n in ns)
    print(f"{out}: fp16{' (VAE float32)' if keep_vae else ''}, {size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
