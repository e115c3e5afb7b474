"""Training-speed peers of bench/train.ts: the same configurations in PyTorch or Keras 3.

Same data (the Fashion-MNIST subset shipped in data/fashion-mnist, read from its IDX files), same
models (the tutorial's MLP: Rescaling 1/255 -> Flatten -> Dense 256 relu -> Dense 128 relu ->
Dense 10 softmax; the reference CNN: Conv2D 32 3x3 relu -> MaxPooling2D -> Conv2D 64 3x3 relu ->
MaxPooling2D -> Flatten -> Dense 128 relu -> Dense 10 softmax), Adam with Keras's defaults
(lr 1e-3, betas 0.9/0.999, epsilon 1e-7), sparse categorical crossentropy, shuffled batches,
the same thread count. Each configuration is warmed up on a probe (two batches, or a fiftieth of
the pass: tf.function tracing, allocator pools), then timed over --repeat passes or more, until
they add up to --min-timed-s seconds; a pass that the probe says would take longer than --max-s
is skipped with a note. One framework per process (their thread pools stay apart):

    python bench/peers/train_peers.py --peer torch|keras [--threads 2] [--steps 2000]
        [--cnn-samples 2000] [--max-s 60] [--configs mlp32,mlp1,mlpfull,cnn32,cnn256] [--repeat 1]
        [--min-timed-s 0]

Prints one JSON object on the last line of stdout:
    {"peer": "pytorch", "version": ..., "threads": 2, "results": {"mlp32": {"seconds": [...],
     "variant": ...} | {"note": ...}, ...}}
where "seconds" are the timed passes (bench/train.ts converts them to its units). PyTorch runs
each configuration with its default Adam (foreach) and with fused=True and reports the faster
("variant" says which); the model applies the 1/255 rescaling inside its forward, as kerno and
Keras do, on uint8 batches gathered from the whole array.
"""
import argparse
import gzip
import json
import os
import struct
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def read_idx(path):
    """An IDX file (gzip) as a numpy array (uint8 data, big-endian header)."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError(f"{path}: expected unsigned-byte IDX data")
    shape = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load_train(folder):
    x = read_idx(os.path.join(folder, "train-images-idx3-ubyte.gz"))
    y = read_idx(os.path.join(folder, "train-labels-idx1-ubyte.gz"))
    return x, y


ARGS = None


def more_passes(times):
    """At least --repeat passes, and until they add up to --min-timed-s seconds (at most 25)."""
    return len(times) < ARGS.repeat or (sum(times) < ARGS.min_timed_s and len(times) < 25)


def probe_size(samples, batch):
    """Samples of the probe pass: two batches, or a fiftieth of the pass when that is more, so a
    framework's fixed cost per fit call (Keras builds its data pipeline) does not dominate the
    extrapolated time of a pass of many small batches."""
    return min(samples, max(2 * batch, samples // 50))


def configs(n, steps, cnn_samples):
    """name -> (model kind, samples, batch size); the same list as bench/train.ts."""
    return {
        "mlp32": ("mlp", n, 32),
        "mlp1": ("mlp", steps, 1),
        "mlpfull": ("mlp", n, n),
        "cnn32": ("cnn", cnn_samples, 32),
        "cnn256": ("cnn", cnn_samples, 256),
    }


# ------------------------------------------------------------------------------------ PyTorch

def run_torch(args, x, y):
    import torch
    from torch import nn

    torch.set_num_threads(args.threads)
    torch.manual_seed(1)

    class Rescale(nn.Module):
        def forward(self, t):
            return t.float() * (1.0 / 255.0)

    def model_for(kind):
        if kind == "mlp":
            return nn.Sequential(Rescale(), nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                                 nn.Linear(128, 10))
        return nn.Sequential(Rescale(), nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(),
                             nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64 * 5 * 5, 128), nn.ReLU(), nn.Linear(128, 10))

    xs = torch.from_numpy(np.array(x))  # a writable copy (the IDX buffer is read-only)
    ys = torch.from_numpy(y.astype(np.int64))
    # CrossEntropyLoss on the logits = softmax + sparse categorical crossentropy (what Keras and
    # kerno fuse as well).
    loss_fn = nn.CrossEntropyLoss()

    def one_pass(model, opt, xd, yd, batch, shuffle):
        n = xd.shape[0]
        order = torch.randperm(n) if shuffle else torch.arange(n)
        for s in range(0, n, batch):
            idx = order[s:s + batch]
            xb, yb = xd[idx], yd[idx]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()

    def measure(kind, samples, batch, fused):
        model = model_for(kind)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7, fused=fused)
        xd = xs[:samples]
        if kind == "cnn":
            xd = xd.reshape(samples, 1, 28, 28)
        yd = ys[:samples]
        warm = probe_size(samples, batch)
        one_pass(model, opt, xd[:warm], yd[:warm], batch, False)
        t0 = time.perf_counter()
        one_pass(model, opt, xd[:warm], yd[:warm], batch, False)
        estimate = (time.perf_counter() - t0) * samples / warm
        if estimate > args.max_s:
            return None, estimate
        times = []
        while more_passes(times):
            t0 = time.perf_counter()
            one_pass(model, opt, xd, yd, batch, True)
            times.append(time.perf_counter() - t0)
        return times, estimate

    out = {}
    for name, (kind, samples, batch) in configs(x.shape[0], args.steps, args.cnn_samples).items():
        if name not in args.configs:
            continue
        best = None
        for variant, fused in (("Adam(foreach)", None), ("Adam(fused=True)", True)):
            try:
                times, estimate = measure(kind, samples, batch, fused)
            except Exception as e:  # e.g. a build without fused CPU Adam
                print(f"pytorch {name} {variant}: {e}", file=sys.stderr)
                continue
            if times is None:
                out[name] = {"note": f"skipped, estimated {estimate:.0f} s > {args.max_s:g} s"}
                break
            if best is None or sorted(times)[len(times) // 2] < sorted(best[0])[len(best[0]) // 2]:
                best = (times, variant)
        if best is not None:
            out[name] = {"seconds": best[0], "variant": best[1]}
        print(f"pytorch {name}: {out.get(name)}", file=sys.stderr)
    return {"peer": "pytorch", "version": torch.__version__, "threads": torch.get_num_threads(), "results": out}


# ------------------------------------------------------------------------------------ Keras

def run_keras(args, x, y):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    import keras
    from keras import layers

    keras.utils.set_random_seed(1)

    def model_for(kind):
        if kind == "mlp":
            stack = [keras.Input((28, 28)), layers.Rescaling(1 / 255), layers.Flatten(),
                     layers.Dense(256, activation="relu"), layers.Dense(128, activation="relu"),
                     layers.Dense(10, activation="softmax")]
        else:
            stack = [keras.Input((28, 28, 1)), layers.Rescaling(1 / 255), layers.Conv2D(32, 3, activation="relu"),
                     layers.MaxPooling2D(2), layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2),
                     layers.Flatten(), layers.Dense(128, activation="relu"), layers.Dense(10, activation="softmax")]
        model = keras.Sequential(stack)
        model.compile(optimizer=keras.optimizers.Adam(), loss="sparse_categorical_crossentropy")
        return model

    out = {}
    for name, (kind, samples, batch) in configs(x.shape[0], args.steps, args.cnn_samples).items():
        if name not in args.configs:
            continue
        model = model_for(kind)
        xd = x[:samples] if kind == "mlp" else x[:samples].reshape(samples, 28, 28, 1)
        yd = y[:samples]
        warm = probe_size(samples, batch)
        model.fit(xd[:warm], yd[:warm], batch_size=batch, epochs=1, verbose=0)
        t0 = time.perf_counter()
        model.fit(xd[:warm], yd[:warm], batch_size=batch, epochs=1, verbose=0)
        estimate = (time.perf_counter() - t0) * samples / warm
        if estimate > args.max_s:
            out[name] = {"note": f"skipped, estimated {estimate:.0f} s > {args.max_s:g} s"}
        else:
            times = []
            while more_passes(times):
                t0 = time.perf_counter()
                model.fit(xd, yd, batch_size=batch, epochs=1, verbose=0, shuffle=True)
                times.append(time.perf_counter() - t0)
            out[name] = {"seconds": times, "variant": "model.fit"}
        print(f"keras {name}: {out[name]}", file=sys.stderr)
    return {"peer": "keras", "version": f"keras {keras.__version__} / tensorflow {tf.__version__}",
            "threads": args.threads, "results": out}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--peer", choices=["torch", "keras"], required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--cnn-samples", type=int, default=2000)
    p.add_argument("--max-s", type=float, default=60)
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--min-timed-s", type=float, default=0)
    p.add_argument("--configs", default="mlp32,mlp1,mlpfull,cnn32")
    p.add_argument("--data", default=os.path.join(ROOT, "data", "fashion-mnist"))
    args = p.parse_args()
    args.configs = set(args.configs.split(","))
    global ARGS
    ARGS = args
    x, y = load_train(args.data)
    result = run_torch(args, x, y) if args.peer == "torch" else run_keras(args, x, y)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
