"""The PyTorch side of `npm run bench:train`: the same four networks as
loadtest/src/bench-train-models.ts (shapes passed in as JSON), trained with
torch.optim.AdamW on synthetic data, one thread (OPENBLAS_NUM_THREADS=1 and
torch.set_num_threads(1), set by the caller and here). Prints one JSON line per
model: {"framework":"pytorch","model":...,"samples_per_s":...,"steps":...}.
Bounded: each model stops after max_steps or max_seconds, whichever comes first.
"""
import json
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(1)
torch.manual_seed(42)


class Mlp(nn.Module):
    def __init__(self, s):
        super().__init__()
        self.l1 = nn.Linear(s["inputs"], s["hidden"])
        self.l2 = nn.Linear(s["hidden"], s["hidden"])
        self.l3 = nn.Linear(s["hidden"], s["classes"])

    def forward(self, x):
        return self.l3(F.relu(self.l2(F.relu(self.l1(x)))))


class Cnn(nn.Module):
    def __init__(self, s):
        super().__init__()
        self.c1 = nn.Conv2d(1, s["filters1"], 3)
        self.c2 = nn.Conv2d(s["filters1"], s["filters2"], 3)
        side = ((s["side"] - 2) // 2 - 2) // 2
        self.fc = nn.Linear(side * side * s["filters2"], s["classes"])

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        return self.fc(torch.flatten(x, 1))


class GruLm(nn.Module):
    def __init__(self, s):
        super().__init__()
        self.emb = nn.Embedding(s["vocab"], s["embedding"])
        self.gru = nn.GRU(s["embedding"], s["hidden"], batch_first=True)
        self.out = nn.Linear(s["hidden"], s["vocab"])

    def forward(self, ids):
        h, _ = self.gru(self.emb(ids))
        return self.out(h.reshape(-1, h.shape[-1]))


class Text(nn.Module):
    """Mean embedding bag over a padded id matrix with a mask (dense gradient, like the tfjs side)."""

    def __init__(self, s):
        super().__init__()
        self.emb = nn.Embedding(s["vocab"], s["embedding"])
        self.l1 = nn.Linear(s["embedding"], s["hidden"])
        self.l2 = nn.Linear(s["hidden"], s["classes"])

    def forward(self, ids, mask):
        rows = self.emb(ids) * mask.unsqueeze(2)
        bag = rows.sum(1) / mask.sum(1).clamp(min=1).unsqueeze(1)
        return self.l2(F.relu(self.l1(bag)))


def batches(name, s, count):
    g = torch.Generator().manual_seed(42)
    b = s["batch"]
    out = []
    for _ in range(count):
        if name == "mlp":
            out.append(((torch.rand(b, s["inputs"], generator=g),), torch.randint(0, s["classes"], (b,), generator=g)))
        elif name == "cnn":
            out.append(((torch.rand(b, 1, s["side"], s["side"], generator=g),), torch.randint(0, s["classes"], (b,), generator=g)))
        elif name == "gru_lm":
            seq = torch.randint(0, s["vocab"], (b, s["seq"] + 1), generator=g)
            out.append(((seq[:, :-1],), seq[:, 1:].reshape(-1)))
        else:
            lengths = torch.randint(s["minIds"], s["maxIds"] + 1, (b,), generator=g)
            ids = torch.randint(0, s["vocab"], (b, s["maxIds"]), generator=g)
            mask = (torch.arange(s["maxIds"]).unsqueeze(0) < lengths.unsqueeze(1)).float()
            out.append(((ids * mask.long(), mask), torch.randint(0, s["classes"], (b,), generator=g)))
    return out


def run(name, s, max_steps, max_seconds, warmup):
    model = {"mlp": Mlp, "cnn": Cnn, "gru_lm": GruLm, "text": Text}[name](s)
    opt = torch.optim.AdamW(model.parameters(), lr=5e-5, betas=(0.9, 0.98), weight_decay=0.01)
    data = batches(name, s, 16)
    params = sum(p.numel() for p in model.parameters())
    steps = 0
    started = None
    deadline = time.perf_counter() + max_seconds
    while steps < warmup + max_steps and time.perf_counter() < deadline:
        if steps == warmup:
            started = time.perf_counter()
        inputs, target = data[steps % len(data)]
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(*inputs), target)
        loss.backward()
        opt.step()
        loss.item()  # the tfjs loop reads the loss every step too
        steps += 1
    timed = steps - warmup
    seconds = time.perf_counter() - started if started is not None else 0.0
    return {
        "framework": "pytorch",
        "backend": "cpu-1thread",
        "version": torch.__version__,
        "model": name,
        "parameters": params,
        "batch": s["batch"],
        "steps": max(timed, 0),
        "seconds": round(seconds, 3),
        "samples_per_s": round(timed * s["batch"] / seconds, 1) if timed > 0 and seconds > 0 else None,
    }


def main():
    cfg = json.loads(sys.argv[1])
    for name in cfg["models"]:
        print(json.dumps(run(name, cfg["shapes"][name], cfg["max_steps"], cfg["max_seconds"], cfg["warmup"])), flush=True)


if __name__ == "__main__":
    main()
