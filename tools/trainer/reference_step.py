#!/usr/bin/python3
"""PyTorch reference of one trainer step, independent of the Java code: from the first batch the Java trainer draws
(inputs and initial projector weights, written by FirstBatchDump) it computes the loss and the projector's
gradients with torch autograd through the same TorchScript twins, and writes them as the golden that
trainer's FirstStepGradientTest compares with. With --bench it also times a full training step (forward, backward,
clipping, AdamW) as the Java benchmark measures it.

Needs only torch and numpy (Debian: apt-get install python3-torch; run with /usr/bin/python3).
Usage: reference_step.py BATCH.safetensors TORCHSCRIPT_DIR OUT.safetensors [--bench N]
"""
import json
import struct
import sys
import time

import numpy as np
import torch


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    meta = header.pop("__metadata__", {})
    out = {}
    for name, info in header.items():
        assert info["dtype"] == "F32", name
        a, b = info["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(data[8 + n + a:8 + n + b], dtype="<f4").copy()).reshape(info["shape"])
    return out, meta


def write_safetensors(path, tensors, meta):
    header, blobs, offset = {"__metadata__": meta}, [], 0
    for name, t in tensors.items():
        b = t.detach().contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


class Projector(torch.nn.Module):
    """encoder-service README's M² projector: per-tap LayerNorm, concat, Linear-GELU-Linear, per-word LayerNorm."""

    def __init__(self, params, words, eps, output_norm):
        super().__init__()
        layers = sum(1 for k in params if k.startswith("param/norms.") and k.endswith(".weight"))
        d = params["param/norms.0.weight"].shape[0]
        hidden, width_k = params["param/mlp.0.weight"].shape[0], params["param/mlp.2.weight"].shape[0]
        self.words, self.width = words, width_k // words
        self.norms = torch.nn.ModuleList([torch.nn.LayerNorm(d, eps=eps) for _ in range(layers)])
        self.mlp = torch.nn.Sequential(torch.nn.Linear(layers * d, hidden), torch.nn.GELU(),
                                       torch.nn.Linear(hidden, width_k))
        self.out_norm = torch.nn.LayerNorm(self.width, eps=eps) if output_norm else None
        self.load_state_dict({k[len("param/"):]: v for k, v in params.items() if k.startswith("param/")})

    def forward(self, features):
        x = torch.cat([norm(features[:, i]) for i, norm in enumerate(self.norms)], dim=1)
        y = self.mlp(x).reshape(features.shape[0], self.words, self.width)
        return self.out_norm(y) if self.out_norm is not None else y


def loss_of(proj, te, unet, t):
    words = proj(t["features"])
    rows = []
    for j in range(words.shape[0]):
        s = int(t["starts"][j])
        e = t["embeds"][j]
        rows.append(torch.cat([e[:s], words[j], e[s + proj.words:]], dim=0))
    hidden = te(torch.stack(rows))
    pred = unet(t["noisy"], t["timesteps"], hidden)
    return torch.nn.functional.mse_loss(pred, t["target"])


def main():
    batch, meta = read_safetensors(sys.argv[1])
    ts, out = sys.argv[2], sys.argv[3]
    te = torch.jit.load(f"{ts}/text_encoder_embeds.pt").eval()
    unet = torch.jit.load(f"{ts}/unet.pt").eval()
    for p in list(te.parameters()) + list(unet.parameters()):
        p.requires_grad_(False)
    proj = Projector(batch, int(meta["words"]), float(meta["layerNormEps"]), meta["outputNorm"] == "true")
    loss = loss_of(proj, te, unet, batch)
    loss.backward()
    golden = {"loss": loss.detach().reshape(1)}
    for name, p in proj.named_parameters():
        golden["grad/" + name] = p.grad
    write_safetensors(out, golden, {"torch": torch.__version__, "threads": str(torch.get_num_threads())})
    print(f"loss {loss.item():.7f}; grad norms " + ", ".join(
        f"{n} {p.grad.norm().item():.4e}" for n, p in proj.named_parameters()))
    if "--bench" in sys.argv:
        steps = int(sys.argv[sys.argv.index("--bench") + 1])
        opt = torch.optim.AdamW(proj.parameters(), lr=1e-4, weight_decay=0.01)
        times = []
        for i in range(steps + 5):
            t0 = time.perf_counter()
            opt.zero_grad()
            loss_of(proj, te, unet, batch).backward()
            torch.nn.utils.clip_grad_norm_(proj.parameters(), 1.0)
            opt.step()
            if i >= 5:
                times.append(time.perf_counter() - t0)
        import resource
        print(f"pytorch {torch.__version__}, {torch.get_num_threads()} threads: training step median "
              f"{1000 * sorted(times)[len(times) // 2]:.2f} ms, min {1000 * min(times):.2f} ms over {steps} steps;"
              f" peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
