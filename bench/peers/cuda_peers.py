"""GPU peers of bench/native/cuda_bench.cu, in PyTorch (cuBLAS/cuDNN) on the same card.

Same work as kerno_cuda_bench: square FP32 and TF32 GEMMs (median of timed calls), and training
steps of the reference MLP (784-256-128-10, relu) and CNN (Conv2D 32 3x3 relu -> MaxPool 2 ->
Conv2D 64 3x3 relu -> MaxPool 2 -> Dense 128 relu -> Dense 10) with sparse softmax cross-entropy
and Adam (Keras defaults), each batch copied from host memory every step, at batch 32/256/1024.

    python3 bench/peers/cuda_peers.py [--seconds 0.5]

Prints the same tables as kerno_cuda_bench so the two can be read side by side.
"""
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def gemm_tflops(n, tf32, seconds):
    torch.backends.cuda.matmul.allow_tf32 = tf32
    a = torch.rand(n, n, device="cuda")
    b = torch.rand(n, n, device="cuda")
    for _ in range(3):
        a @ b
    torch.cuda.synchronize()
    times = []
    t_end = time.perf_counter() + seconds
    while len(times) < 5 or time.perf_counter() < t_end:
        start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        a @ b
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop) / 1e3)
    times.sort()
    return 2 * n**3 / times[len(times) // 2] / 1e12


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1, self.l2, self.l3 = nn.Linear(784, 256), nn.Linear(256, 128), nn.Linear(128, 10)

    def forward(self, x):
        return self.l3(F.relu(self.l2(F.relu(self.l1(x.flatten(1))))))


class Cnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1, self.c2 = nn.Conv2d(1, 32, 3), nn.Conv2d(32, 64, 3)
        self.d1, self.d2 = nn.Linear(1600, 128), nn.Linear(128, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x.view(-1, 1, 28, 28))), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        return self.d2(F.relu(self.d1(x.flatten(1))))


def samples_per_second(model, batch, seconds):
    n = 2048
    x = torch.rand(n, 784)
    y = torch.arange(n) % 10
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    pos = 0

    def step():
        nonlocal pos
        if pos + batch > n:
            pos = 0
        xb = x[pos:pos + batch].to("cuda", non_blocking=False)
        yb = y[pos:pos + batch].to("cuda", non_blocking=False)
        pos += batch
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(xb), yb).backward()
        opt.step()

    step(), step()
    torch.cuda.synchronize()
    t0, steps = time.perf_counter(), 0
    while steps < 3 or time.perf_counter() - t0 < seconds:
        step()
        steps += 1
    torch.cuda.synchronize()
    return steps * batch / (time.perf_counter() - t0)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--seconds", type=float, default=0.5)
    args = p.parse_args()
    torch.backends.cudnn.benchmark = True
    print(f"PyTorch {torch.__version__} on {torch.cuda.get_device_name()} "
          f"(cuDNN {torch.backends.cudnn.version()})")
    print("\nGEMM C = A·B, square n, median of timed calls")
    print(f"{'n':>6}  {'FP32 TFLOP/s':>12}  {'TF32 TFLOP/s':>12}")
    for n in (1024, 2048, 4096, 8192):
        print(f"{n:>6}  {gemm_tflops(n, False, args.seconds / 2):>12.2f}  "
              f"{gemm_tflops(n, True, args.seconds / 2):>12.2f}", flush=True)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    print("\nTraining steps (forward, loss, backward, Adam), samples/s, FP32 (TF32 off)")
    print(f"{'net':<4} {'batch':>6}  {'pytorch':>14}")
    for name, cls in (("mlp", Mlp), ("cnn", Cnn)):
        for batch in (32, 256, 1024):
            torch.manual_seed(0)
            rate = samples_per_second(cls().cuda(), batch, args.seconds)
            print(f"{name:<4} {batch:>6}  {rate:>14.0f}", flush=True)


if __name__ == "__main__":
    main()
