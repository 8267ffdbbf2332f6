#!/usr/bin/python3
"""Golden safetensors files for common's tests, written independently of the Java code.

The bytes follow the published format (huggingface/safetensors, "Format" in its README, and the reference
serializer's rules): an unsigned little-endian u64 header length N, N bytes of compact UTF-8 JSON padded with
spaces to a multiple of 8, then the tensors' little-endian bytes. "__metadata__" comes first; tensors are ordered
by descending dtype alignment, then by name (UTF-8 bytes). The format leaves the order of metadata keys open:
this script sorts them, as the Java writer does. There is no `safetensors` Python package here, so the file is
built with struct and json; torch does the F16/BF16 rounding and widening, which the Java reader must match.

Run with Debian's python (torch 1.13): /usr/bin/python3 tools/testdata/safetensors_golden.py
It rewrites common/src/test/resources/safetensors/.
"""
import json
import pathlib
import struct

import torch

OUT = pathlib.Path(__file__).resolve().parents[2] / "common" / "src" / "test" / "resources" / "safetensors"

# The reference's Dtype enum, in increasing alignment order.
DTYPES = ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64",
          "I64", "U64"]


def raw(tensor):
    """dtype name and little-endian bytes of a torch tensor."""
    if tensor.dtype == torch.float32:
        return "F32", tensor.contiguous().numpy().astype("<f4").tobytes()
    if tensor.dtype == torch.float16:
        return "F16", tensor.contiguous().numpy().astype("<f2").tobytes()
    if tensor.dtype == torch.bfloat16:
        # numpy has no bfloat16: reinterpret the same 16 bits as int16
        return "BF16", tensor.contiguous().view(torch.int16).numpy().astype("<i2").tobytes()
    raise ValueError(tensor.dtype)


def serialize(tensors, metadata):
    entries = {name: raw(t) + (list(t.shape),) for name, t in tensors.items()}
    order = sorted(entries, key=lambda n: (-DTYPES.index(entries[n][0]), n.encode("utf-8")))
    header = {}
    if metadata:
        header["__metadata__"] = {k: metadata[k] for k in sorted(metadata, key=lambda k: k.encode("utf-8"))}
    offset = 0
    for name in order:
        dtype, data, shape = entries[name]
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(entries[n][1] for n in order)


def main():
    OUT.mkdir(parents=True, exist_ok=True)

    # F32 only: the Java writer must produce exactly these bytes for the same tensors and metadata.
    f32 = {
        "words": torch.tensor([[0.1, -0.2, 0.3, 1e-8], [3.4028235e38, -1.0, 0.0, 123.456]], dtype=torch.float32),
        "bias": torch.tensor([-1.5, 0.0, 3.25e-5], dtype=torch.float32),
        "scale": torch.tensor(0.125, dtype=torch.float32),
        "\u00fcnicode.\u540d": torch.tensor([7.0], dtype=torch.float32),
        "empty": torch.zeros((0, 3), dtype=torch.float32),
    }
    f32_metadata = {
        "format": "pt",
        "encoder": "tiny-1",
        "prompt": "a \"photo\" of {id}\n\tback\\slash \u00fc \u5199\u771f \u0001",
    }
    (OUT / "golden_f32.safetensors").write_bytes(serialize(f32, f32_metadata))

    # Mixed dtypes: the Java reader must widen F16 and BF16 exactly as torch does.
    mixed = {
        "half": torch.tensor([[1.0, -2.5, 2.0 ** -10], [65504.0, 2.0 ** -24, -0.0]], dtype=torch.float16),
        "brain": torch.tensor([1.0, -3.140625, 1.0e38, 2.0 ** -130, 0.1], dtype=torch.bfloat16),
        "full": torch.tensor([0.5, -7.25], dtype=torch.float32),
    }
    (OUT / "golden_mixed.safetensors").write_bytes(serialize(mixed, {"source": "torch " + torch.__version__}))
    expected = {name: {"shape": list(t.shape), "values": t.float().flatten().tolist()} for name, t in mixed.items()}
    (OUT / "golden_mixed.expected.json").write_text(json.dumps(expected, indent=1) + "\n")


if __name__ == "__main__":
    main()
