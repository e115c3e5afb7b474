// kerno_cuda_bench: the CUDA backend on the GPU it finds, without Node.
//   1. GEMM TFLOP/s, FP32 and TF32 (kerno_cuda_set_tf32), square 1024..8192, as a fraction of the
//      card's peak computed from cudaGetDeviceProperties (SMs × lanes × 2 × boost clock);
//   2. training steps of the reference MLP (784-256-128-10, relu, Adam) and the reference CNN
//      (Conv 32 3×3 relu → MaxPool 2 → Conv 64 3×3 relu → MaxPool 2 → Flatten → Dense 128 relu →
//      Dense 10, Adam), softmax crossentropy on the logits with integer labels, at batch
//      32 / 256 / 1024, as samples/s — built only from backend-table calls (forward, loss,
//      backward, one fused optimizer update over the parameter arena). The same steps run on the
//      CPU backend (kerno_backend_cpu()) of this machine for the ratio.
// Each step uploads its batch (images and labels) as fit does; parameters, gradients, optimizer
// slots and activations stay on the device. Timings are wall time over repeated steps after a
// warm-up, synchronized at the end; GEMM reports the median of its timed calls.
//
// Usage: kerno_cuda_bench [--skip-gemm] [--skip-train] [--skip-cpu] [--seconds S]
//   --seconds  minimum wall time per training measurement (default 1.0; GEMM uses half of it)
// Exits 0 with one line when no usable CUDA device exists.
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "kerno/kernels.h"

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

#define CHECK(expr)                                                                                  \
  do {                                                                                               \
    kerno_status s_ = (expr);                                                                        \
    if (s_ != KERNO_OK) {                                                                            \
      std::fprintf(stderr, "kerno_cuda_bench: %s failed: %s (line %d)\n", #expr, kerno_status_string(s_), \
                   __LINE__);                                                                        \
      std::exit(1);                                                                                  \
    }                                                                                                \
  } while (0)

// ---------------------------------------------------------------- the card and its peaks
struct Card {
  std::string name;
  int sms = 0, major = 0, minor = 0;
  double clock_hz = 0;
  double fp32_peak = 0;  // FLOP/s
  double tf32_peak = 0;  // dense tensor-core FLOP/s, 0 when unknown for this architecture
};

Card describe_card() {
  Card c;
  int dev = 0;
  cudaGetDevice(&dev);
  cudaDeviceProp prop;
  if (cudaGetDeviceProperties(&prop, dev) == cudaSuccess) c.name = prop.name;
  int khz = 0;
  cudaDeviceGetAttribute(&c.sms, cudaDevAttrMultiProcessorCount, dev);
  cudaDeviceGetAttribute(&c.major, cudaDevAttrComputeCapabilityMajor, dev);
  cudaDeviceGetAttribute(&c.minor, cudaDevAttrComputeCapabilityMinor, dev);
  cudaDeviceGetAttribute(&khz, cudaDevAttrClockRate, dev);  // the boost clock
  c.clock_hz = khz * 1e3;
  // FP32 lanes per SM: 64 on sm_80 (A100), 128 on sm_86/89/90 and later.
  int lanes = c.major == 8 && c.minor == 0 ? 64 : 128;
  c.fp32_peak = static_cast<double>(c.sms) * lanes * 2 * c.clock_hz;
  // Dense TF32 tensor FLOP per SM per clock: A100 1024 (156 TFLOP/s), H100 2048 (495 TFLOP/s SXM;
  // reached with wgmma, of which mma.sync gets a fraction).
  int tf32_per_clk = c.major == 8 && c.minor == 0 ? 1024 : (c.major == 9 ? 2048 : 0);
  c.tf32_peak = static_cast<double>(c.sms) * tf32_per_clk * c.clock_hz;
  return c;
}

// ---------------------------------------------------------------- memory on either backend
// Host backends compute on host memory, the CUDA backend on its own: one interface for both, so
// the training steps below are the same code on each.
struct Mem {
  const kerno_backend* be;
  std::vector<void*> owned;
  explicit Mem(const kerno_backend* b) : be(b) {}
  ~Mem() {
    for (void* p : owned) device() ? (void)be->mem_free(p) : std::free(p);
  }
  bool device() const { return be->mem_alloc != nullptr; }
  float* alloc(size_t n) {
    void* p = nullptr;
    if (device()) CHECK(be->mem_alloc(&p, n * sizeof(float)));
    else p = std::aligned_alloc(64, ((n * sizeof(float) + 63) / 64) * 64);
    if (!p) {
      std::fprintf(stderr, "kerno_cuda_bench: out of memory\n");
      std::exit(1);
    }
    owned.push_back(p);
    return static_cast<float*>(p);
  }
  void zero(float* p, size_t n) {
    if (device()) CHECK(be->mem_zero(p, n * sizeof(float)));
    else std::memset(p, 0, n * sizeof(float));
  }
  void upload(float* dst, const float* src, size_t n) {
    if (device()) CHECK(be->mem_upload(dst, src, n * sizeof(float)));
    else std::memcpy(dst, src, n * sizeof(float));
  }
  void sync() {
    if (device()) CHECK(be->synchronize());
  }
  void fill_normal(float* p, size_t n, float stddev, uint64_t seed) {
    kerno_rng_params r{};
    r.distribution = KERNO_DIST_NORMAL;
    r.a = 0.f;
    r.b = stddev;
    r.seed = seed;
    CHECK(be->rng_fill(p, static_cast<int64_t>(n), &r));
  }
};

// ---------------------------------------------------------------- GEMM
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void bench_gemm(const kerno_backend* cuda, const Card& card, double min_seconds) {
  std::printf("\nGEMM C = A·B (row-major, no transposes), square n, median of timed calls\n");
  std::printf("%6s  %12s %9s  %12s %9s\n", "n", "FP32 TFLOP/s", "of peak", "TF32 TFLOP/s", "of peak");
  for (int64_t n : {1024, 2048, 4096, 8192}) {
    Mem mem(cuda);
    size_t nn = static_cast<size_t>(n * n);
    float *A = mem.alloc(nn), *B = mem.alloc(nn), *C = mem.alloc(nn);
    kerno_rng_params r{};
    r.distribution = KERNO_DIST_UNIFORM;
    r.a = -1.f;
    r.b = 1.f;
    r.seed = 1;
    CHECK(cuda->rng_fill(A, n * n, &r));
    r.seed = 2;
    CHECK(cuda->rng_fill(B, n * n, &r));
    kerno_gemm_params p{0, 0, n, n, n, n, n, n, 1.f, 0.f};
    double tflops[2];
    for (int tf32 = 0; tf32 < 2; ++tf32) {
      CHECK(kerno_cuda_set_tf32(tf32));
      CHECK(cuda->gemm(C, A, B, &p));  // warm-up
      mem.sync();
      std::vector<double> times;
      Clock::time_point start = Clock::now();
      while (times.size() < 3 || (seconds_since(start) < min_seconds && times.size() < 200)) {
        Clock::time_point t0 = Clock::now();
        CHECK(cuda->gemm(C, A, B, &p));
        mem.sync();
        times.push_back(seconds_since(t0));
      }
      tflops[tf32] = 2.0 * n * n * n / median(times) / 1e12;
    }
    CHECK(kerno_cuda_set_tf32(0));
    char tf32_share[16] = "?";
    if (card.tf32_peak > 0) std::snprintf(tf32_share, sizeof tf32_share, "%.0f%%", 100 * tflops[1] * 1e12 / card.tf32_peak);
    std::printf("%6lld  %12.2f %8.0f%%  %12.2f %9s\n", static_cast<long long>(n), tflops[0],
                100 * tflops[0] * 1e12 / card.fp32_peak, tflops[1], tf32_share);
  }
}

// ---------------------------------------------------------------- training steps
// Host data every backend's step reads its batches from: MNIST-shaped random images in [0, 1)
// and labels in [0, 10).
struct Data {
  int64_t n = 2048;
  std::vector<float> x, y;
  Data() : x(static_cast<size_t>(n * 784)), y(static_cast<size_t>(n)) {
    uint32_t s = 12345;
    for (float& v : x) v = ((s = s * 1664525u + 1013904223u) >> 8) / 16777216.f;
    for (int64_t i = 0; i < n; ++i) y[static_cast<size_t>(i)] = static_cast<float>(i % 10);
  }
};

// A dense layer's views into the parameter and gradient arenas.
struct DenseLayer {
  int64_t in, out;
  float *w, *b, *gw, *gb;
};

// Adam over the whole arena: one call per step.
void adam(const kerno_backend* be, float* p, float* g, float* m, float* v, int64_t n, int64_t step) {
  kerno_optimizer_params o{};
  o.kind = KERNO_OPT_ADAM;
  o.learning_rate = 1e-3f;
  o.beta_1 = 0.9f;
  o.beta_2 = 0.999f;
  o.epsilon = 1e-7f;
  o.step = step;
  CHECK(be->optimizer_update(p, g, m, v, nullptr, n, &o));
}

// Parameters, gradients and Adam slots as three arenas of the same layout.
struct Arenas {
  int64_t size = 0;
  float *p = nullptr, *g = nullptr, *m = nullptr, *v = nullptr;
  void create(Mem& mem, int64_t n) {
    size = n;
    p = mem.alloc(n), g = mem.alloc(n), m = mem.alloc(n), v = mem.alloc(n);
    mem.zero(m, n), mem.zero(v, n);
  }
};

class Model {
 public:
  virtual ~Model() = default;
  virtual void step(const Data& d, int64_t first, int64_t t) = 0;
  virtual Mem& mem() = 0;
};

// 784-256-128-10.
class Mlp : public Model {
 public:
  Mlp(const kerno_backend* be, int64_t batch) : be_(be), mem_(be), B_(batch) {
    const int64_t sizes[4] = {784, 256, 128, 10};
    int64_t total = 0;
    for (int l = 0; l < 3; ++l) total += sizes[l] * sizes[l + 1] + sizes[l + 1];
    ar_.create(mem_, total);
    int64_t off = 0;
    for (int l = 0; l < 3; ++l) {
      DenseLayer& L = layer_[l];
      L.in = sizes[l], L.out = sizes[l + 1];
      L.w = ar_.p + off, L.gw = ar_.g + off, off += L.in * L.out;
      L.b = ar_.p + off, L.gb = ar_.g + off, off += L.out;
      mem_.fill_normal(L.w, static_cast<size_t>(L.in * L.out), 0.05f, 7 + l);
      mem_.zero(L.b, static_cast<size_t>(L.out));
    }
    x_ = mem_.alloc(B_ * 784), y_ = mem_.alloc(B_);
    h1_ = mem_.alloc(B_ * 256), a1_ = mem_.alloc(B_ * 256), h2_ = mem_.alloc(B_ * 128), a2_ = mem_.alloc(B_ * 128);
    z_ = mem_.alloc(B_ * 10), dz_ = mem_.alloc(B_ * 10), loss_ = mem_.alloc(B_);
    // Accumulated activation gradients, zeroed in one call per step.
    scratch_n_ = B_ * (256 + 256 + 128 + 128);
    scratch_ = mem_.alloc(scratch_n_);
    da1_ = scratch_, dh1_ = da1_ + B_ * 256, da2_ = dh1_ + B_ * 256, dh2_ = da2_ + B_ * 128;
  }
  Mem& mem() override { return mem_; }

  void step(const Data& d, int64_t first, int64_t t) override {
    mem_.upload(x_, d.x.data() + first * 784, static_cast<size_t>(B_ * 784));
    mem_.upload(y_, d.y.data() + first, static_cast<size_t>(B_));
    kerno_activation_params relu{KERNO_ACT_RELU, 0.f};
    kerno_loss_params lp{KERNO_LOSS_SPARSE_SOFTMAX_CROSSENTROPY, 0.f, 1.f};
    DenseLayer &l1 = layer_[0], &l2 = layer_[1], &l3 = layer_[2];
    CHECK(be_->dense_forward(h1_, x_, l1.w, l1.b, B_, 784, 256));
    CHECK(be_->activation_forward(a1_, h1_, B_ * 256, &relu));
    CHECK(be_->dense_forward(h2_, a1_, l2.w, l2.b, B_, 256, 128));
    CHECK(be_->activation_forward(a2_, h2_, B_ * 128, &relu));
    CHECK(be_->dense_forward(z_, a2_, l3.w, l3.b, B_, 128, 10));
    CHECK(be_->loss_forward(loss_, z_, y_, B_, 10, &lp));
    CHECK(be_->loss_backward(dz_, z_, y_, nullptr, B_, 10, &lp));
    mem_.zero(ar_.g, static_cast<size_t>(ar_.size));
    mem_.zero(scratch_, static_cast<size_t>(scratch_n_));
    CHECK(be_->dense_backward(da2_, l3.gw, l3.gb, dz_, a2_, l3.w, B_, 128, 10));
    CHECK(be_->activation_backward(dh2_, da2_, h2_, a2_, B_ * 128, &relu));
    CHECK(be_->dense_backward(da1_, l2.gw, l2.gb, dh2_, a1_, l2.w, B_, 256, 128));
    CHECK(be_->activation_backward(dh1_, da1_, h1_, a1_, B_ * 256, &relu));
    CHECK(be_->dense_backward(nullptr, l1.gw, l1.gb, dh1_, x_, l1.w, B_, 784, 256));
    adam(be_, ar_.p, ar_.g, ar_.m, ar_.v, ar_.size, t);
  }

 private:
  const kerno_backend* be_;
  Mem mem_;
  int64_t B_;
  Arenas ar_;
  DenseLayer layer_[3];
  float *x_, *y_, *h1_, *a1_, *h2_, *a2_, *z_, *dz_, *loss_, *scratch_;
  float *da1_, *dh1_, *da2_, *dh2_;
  int64_t scratch_n_;
};

kerno_conv2d_params conv_geo(int64_t B, int64_t H, int64_t C, int64_t K, bool relu) {
  kerno_conv2d_params p{};
  p.B = B, p.H = H, p.W = H, p.C = C, p.OH = H - 2, p.OW = H - 2, p.KH = 3, p.KW = 3, p.K = K;
  p.stride_h = p.stride_w = 1, p.dilation_h = p.dilation_w = 1;
  p.act.kind = relu ? KERNO_ACT_RELU : KERNO_ACT_LINEAR;
  return p;
}
kerno_conv2d_params pool_geo(int64_t B, int64_t H, int64_t C) {
  kerno_conv2d_params p{};
  p.B = B, p.H = H, p.W = H, p.C = C, p.OH = H / 2, p.OW = H / 2, p.KH = 2, p.KW = 2;
  p.stride_h = p.stride_w = 2, p.dilation_h = p.dilation_w = 1;
  return p;
}

// Conv 32 3×3 relu → MaxPool 2 → Conv 64 3×3 relu → MaxPool 2 → Flatten → Dense 128 relu → Dense 10.
// 28×28×1 → 26×26×32 → 13×13×32 → 11×11×64 → 5×5×64 = 1600 → 128 → 10.
class Cnn : public Model {
 public:
  Cnn(const kerno_backend* be, int64_t batch)
      : be_(be), mem_(be), B_(batch), c1_(conv_geo(batch, 28, 1, 32, true)), p1_(pool_geo(batch, 26, 32)),
        c2_(conv_geo(batch, 13, 32, 64, true)), p2_(pool_geo(batch, 11, 64)) {
    const int64_t k1 = 9 * 1 * 32, k2 = 9 * 32 * 64, w3 = 1600 * 128, w4 = 128 * 10;
    ar_.create(mem_, k1 + 32 + k2 + 64 + w3 + 128 + w4 + 10);
    float *p = ar_.p, *g = ar_.g;
    auto take = [&](int64_t n, float** pp, float** gg) {
      *pp = p, *gg = g, p += n, g += n;
    };
    take(k1, &k1_, &gk1_), take(32, &b1_, &gb1_), take(k2, &k2_, &gk2_), take(64, &b2_, &gb2_);
    take(w3, &w3_, &gw3_), take(128, &b3_, &gb3_), take(w4, &w4_, &gw4_), take(10, &b4_, &gb4_);
    mem_.fill_normal(ar_.p, static_cast<size_t>(ar_.size), 0.05f, 11);
    mem_.zero(b1_, 32), mem_.zero(b2_, 64), mem_.zero(b3_, 128), mem_.zero(b4_, 10);
    x_ = mem_.alloc(B_ * 784), y_ = mem_.alloc(B_);
    a1_ = mem_.alloc(B_ * 26 * 26 * 32), q1_ = mem_.alloc(B_ * 13 * 13 * 32);
    a2_ = mem_.alloc(B_ * 11 * 11 * 64), q2_ = mem_.alloc(B_ * 1600);
    h3_ = mem_.alloc(B_ * 128), a3_ = mem_.alloc(B_ * 128), z_ = mem_.alloc(B_ * 10), dz_ = mem_.alloc(B_ * 10);
    loss_ = mem_.alloc(B_);
    // Accumulated activation gradients, zeroed in one call per step.
    const int64_t sizes[] = {B_ * 128, B_ * 128, B_ * 1600, B_ * 11 * 11 * 64, B_ * 11 * 11 * 64,
                             B_ * 13 * 13 * 32, B_ * 26 * 26 * 32, B_ * 26 * 26 * 32};
    scratch_n_ = 0;
    for (int64_t s : sizes) scratch_n_ += s;
    scratch_ = mem_.alloc(scratch_n_);
    float* s = scratch_;
    float** views[] = {&da3_, &dh3_, &dq2_, &da2_, &dh2_, &dq1_, &da1_, &dh1_};
    for (int i = 0; i < 8; ++i) *views[i] = s, s += sizes[i];
  }
  Mem& mem() override { return mem_; }

  void step(const Data& d, int64_t first, int64_t t) override {
    mem_.upload(x_, d.x.data() + first * 784, static_cast<size_t>(B_ * 784));
    mem_.upload(y_, d.y.data() + first, static_cast<size_t>(B_));
    kerno_activation_params relu{KERNO_ACT_RELU, 0.f};
    kerno_loss_params lp{KERNO_LOSS_SPARSE_SOFTMAX_CROSSENTROPY, 0.f, 1.f};
    CHECK(be_->conv2d_forward(a1_, x_, k1_, b1_, &c1_));  // relu fused
    CHECK(be_->max_pool2d_forward(q1_, a1_, &p1_));
    CHECK(be_->conv2d_forward(a2_, q1_, k2_, b2_, &c2_));
    CHECK(be_->max_pool2d_forward(q2_, a2_, &p2_));
    CHECK(be_->dense_forward(h3_, q2_, w3_, b3_, B_, 1600, 128));
    CHECK(be_->activation_forward(a3_, h3_, B_ * 128, &relu));
    CHECK(be_->dense_forward(z_, a3_, w4_, b4_, B_, 128, 10));
    CHECK(be_->loss_forward(loss_, z_, y_, B_, 10, &lp));
    CHECK(be_->loss_backward(dz_, z_, y_, nullptr, B_, 10, &lp));
    mem_.zero(ar_.g, static_cast<size_t>(ar_.size));
    mem_.zero(scratch_, static_cast<size_t>(scratch_n_));
    CHECK(be_->dense_backward(da3_, gw4_, gb4_, dz_, a3_, w4_, B_, 128, 10));
    CHECK(be_->activation_backward(dh3_, da3_, h3_, a3_, B_ * 128, &relu));
    CHECK(be_->dense_backward(dq2_, gw3_, gb3_, dh3_, q2_, w3_, B_, 1600, 128));
    CHECK(be_->max_pool2d_backward(da2_, dq2_, a2_, &p2_));
    // relu'(pre) from the fused output: relu(x) > 0 exactly where x > 0.
    CHECK(be_->activation_backward(dh2_, da2_, a2_, a2_, B_ * 11 * 11 * 64, &relu));
    CHECK(be_->conv2d_backward_data(dq1_, dh2_, k2_, &c2_));
    CHECK(be_->conv2d_backward_filter(gk2_, gb2_, dh2_, q1_, &c2_));
    CHECK(be_->max_pool2d_backward(da1_, dq1_, a1_, &p1_));
    CHECK(be_->activation_backward(dh1_, da1_, a1_, a1_, B_ * 26 * 26 * 32, &relu));
    CHECK(be_->conv2d_backward_filter(gk1_, gb1_, dh1_, x_, &c1_));
    adam(be_, ar_.p, ar_.g, ar_.m, ar_.v, ar_.size, t);
  }

 private:
  const kerno_backend* be_;
  Mem mem_;
  int64_t B_;
  kerno_conv2d_params c1_, p1_, c2_, p2_;
  Arenas ar_;
  float *k1_, *b1_, *k2_, *b2_, *w3_, *b3_, *w4_, *b4_;
  float *gk1_, *gb1_, *gk2_, *gb2_, *gw3_, *gb3_, *gw4_, *gb4_;
  float *x_, *y_, *a1_, *q1_, *a2_, *q2_, *h3_, *a3_, *z_, *dz_, *loss_, *scratch_;
  float *da3_, *dh3_, *dq2_, *da2_, *dh2_, *dq1_, *da1_, *dh1_;
  int64_t scratch_n_;
};

// Samples/s of `model` over at least `min_seconds` and 3 steps, after 2 warm-up steps.
double samples_per_second(Model& model, const Data& d, int64_t batch, double min_seconds) {
  int64_t t = 1, next = 0;
  auto one = [&] {
    if (next + batch > d.n) next = 0;
    model.step(d, next, t++);
    next += batch;
  };
  one(), one();
  model.mem().sync();
  Clock::time_point t0 = Clock::now();
  int64_t steps = 0;
  while (steps < 3 || seconds_since(t0) < min_seconds) {
    one();
    ++steps;
    if (steps % 8 == 0) model.mem().sync();  // bound the queue; the final sync is below
  }
  model.mem().sync();
  return static_cast<double>(steps * batch) / seconds_since(t0);
}

void bench_training(const kerno_backend* cuda, bool with_cpu, double min_seconds) {
  const kerno_backend* cpu = kerno_backend_cpu();
  Data d;
  std::printf("\nTraining steps (forward, loss, backward, Adam), samples/s; CPU backend \"%s\" with %d threads\n",
              cpu->name, kerno_get_num_threads());
  std::printf("%-4s %6s  %14s  %14s  %8s\n", "net", "batch", "cuda", "cpu", "ratio");
  for (int net = 0; net < 2; ++net)
    for (int64_t batch : {32, 256, 1024}) {
      double gpu_rate, cpu_rate = 0;
      {
        Model* m = net == 0 ? static_cast<Model*>(new Mlp(cuda, batch)) : new Cnn(cuda, batch);
        gpu_rate = samples_per_second(*m, d, batch, min_seconds);
        delete m;
      }
      if (with_cpu) {
        Model* m = net == 0 ? static_cast<Model*>(new Mlp(cpu, batch)) : new Cnn(cpu, batch);
        cpu_rate = samples_per_second(*m, d, batch, min_seconds);
        delete m;
      }
      char cpu_col[32] = "-", ratio[32] = "-";
      if (with_cpu) {
        std::snprintf(cpu_col, sizeof cpu_col, "%.0f", cpu_rate);
        std::snprintf(ratio, sizeof ratio, "%.1fx", gpu_rate / cpu_rate);
      }
      std::printf("%-4s %6lld  %14.0f  %14s  %8s\n", net == 0 ? "mlp" : "cnn", static_cast<long long>(batch), gpu_rate,
                  cpu_col, ratio);
      std::fflush(stdout);
    }
}

}  // namespace

int main(int argc, char** argv) {
  bool gemm = true, train = true, with_cpu = true;
  double min_seconds = 1.0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--skip-gemm") gemm = false;
    else if (a == "--skip-train") train = false;
    else if (a == "--skip-cpu") with_cpu = false;
    else if (a == "--seconds" && i + 1 < argc) min_seconds = std::atof(argv[++i]);
    else {
      std::printf("usage: kerno_cuda_bench [--skip-gemm] [--skip-train] [--skip-cpu] [--seconds S]\n");
      return 2;
    }
  }
  const kerno_backend* cuda = kerno_backend_by_name("cuda");
  if (!cuda) {
    std::printf("kerno_cuda_bench: no usable CUDA device (devices found: %d; compute capability 8.0+ needed); "
                "nothing to measure\n",
                kerno_cuda_device_count());
    return 0;
  }
  Card card = describe_card();
  std::printf("kerno_cuda_bench on %s (sm_%d%d, %d SMs, %.2f GHz boost): FP32 peak %.1f TFLOP/s", card.name.c_str(),
              card.major, card.minor, card.sms, card.clock_hz / 1e9, card.fp32_peak / 1e12);
  if (card.tf32_peak > 0) std::printf(", dense TF32 tensor peak %.0f TFLOP/s", card.tf32_peak / 1e12);
  std::printf("\n");
  if (gemm) bench_gemm(cuda, card, min_seconds / 2);
  if (train) bench_training(cuda, with_cpu, min_seconds);
  return 0;
}
