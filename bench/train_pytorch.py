"""The CNN training step of bench_train.cc in Python PyTorch (Debian's python3-torch, the same
LibTorch version and BLAS), for bench/train_vs_pytorch.sh. Same layers, same loss (MSE + BCE of
the soft status + lambda * mean L1 over O), same Adam, same batch.
  /usr/bin/python3 bench/train_pytorch.py THREADS BATCH STEPS
Prints "RESULT impl=pytorch_python ... samples_per_s=..."."""
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Cnn(nn.Module):
    def __init__(self):
        super().__init__()
        filters, kernels = [16, 32, 64, 128, 256], [5, 3, 3, 3, 3]
        convs, cin = [], 1
        for f, k in zip(filters, kernels):
            convs.append(nn.Conv1d(cin, f, k, padding=k // 2))
            cin = f
        self.convs = nn.ModuleList(convs)
        self.dense1 = nn.Linear(38 * 256, 1024)
        self.dense2 = nn.Linear(1024, 512)
        self.out = nn.Linear(512, 1)

    def forward(self, x):
        x = x.unsqueeze(1)
        for i, c in enumerate(self.convs):
            x = F.relu(c(x))
            if i + 1 < len(self.convs):
                x = F.max_pool1d(x, 2, 2, ceil_mode=True)
        x = x.permute(0, 2, 1).flatten(1)
        x = F.relu(self.dense1(x))
        x = F.relu(self.dense2(x))
        return self.out(x).squeeze(1)


def loss_fn(pred, target, status, threshold, lam, temperature):
    diff = pred - target
    bce = F.binary_cross_entropy_with_logits((pred - threshold) / temperature, status)
    on = (status > 0.5) | (pred.detach() >= threshold)
    count = on.sum()
    l1 = (diff.abs() * on).sum() / count.clamp(min=1)
    return diff.square().mean() + bce + lam * l1


def main():
    threads, batch, steps = (int(a) for a in sys.argv[1:4])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = Cnn()
    model.train()
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.Adam(model.parameters(), lr=1e-4, betas=(0.9, 0.999), eps=1e-8)
    threshold = 1500.0 / 3100.0
    x = torch.randn(batch, 599)
    target = torch.rand(batch) * 0.6
    status = (target > threshold).float()

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), target, status, threshold, 1.0, 0.05)
        loss.backward()
        opt.step()
        return loss.item()

    step()  # warm-up
    t0 = time.perf_counter()
    for _ in range(steps):
        loss = step()
    seconds = time.perf_counter() - t0
    print(f"RESULT impl=pytorch_python model=cnn threads={threads} batch={batch} steps={steps} "
          f"seconds={seconds:.3f} samples_per_s={batch * steps / seconds:.1f} parameters={params} "
          f"last_loss={loss:.5f} torch={torch.__version__}")


if __name__ == "__main__":
    main()
