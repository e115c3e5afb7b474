/*
 * kerno's C ABI: status codes, kernel parameter structs and the backend table.
 *
 * Every backend (the scalar reference, the portable CPU code, the AVX2/AVX-512 CPU code, CUDA)
 * fills the same `kerno_backend` table, so the tests iterate over the table and the kernel that
 * ships is the kernel that is tested.
 *
 * Conventions shared by every kernel:
 *  - arguments are outputs, then inputs, then saved tensors, then sizes/params;
 *  - every tensor is dense row-major float32 unless stated;
 *  - backward kernels ACCUMULATE into gradient buffers (`+=`) unless their comment says "writes";
 *  - kernels return a status and never throw, exit or abort across this ABI;
 *  - pointers are device pointers for device backends and host pointers otherwise.
 */
#ifndef KERNO_KERNELS_H
#define KERNO_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum kerno_status {
  KERNO_OK = 0,
  KERNO_ERR_INVALID_ARGUMENT = 1, /* a size or parameter out of its domain */
  KERNO_ERR_OUT_OF_MEMORY = 2,    /* host or device allocation failed */
  KERNO_ERR_UNSUPPORTED = 3,      /* the backend lacks this op or parameter combination */
  KERNO_ERR_DEVICE = 4,           /* a CUDA runtime/launch failure */
  KERNO_ERR_INTERNAL = 5          /* a caught C++ exception or broken invariant */
} kerno_status;

/* A short English name for a status, for error messages. Never NULL. */
const char* kerno_status_string(kerno_status s);

/* ---------------------------------------------------------------- GEMM ---------------------- */
/* C (M,N) = alpha · op(A) · op(B) + beta · C, where op(A) is (M,K) and op(B) is (K,N).
 * A is stored (M,K) row-major with leading dimension lda when trans_a == 0, and (K,M) when 1;
 * B likewise (K,N) or (N,K). beta == 0 overwrites C without reading it (NaNs in C are ignored);
 * alpha == 0 returns beta·C without reading A or B (the BLAS convention). */
typedef struct kerno_gemm_params {
  int32_t trans_a, trans_b;
  int64_t M, N, K;
  int64_t lda, ldb, ldc;
  float alpha, beta;
} kerno_gemm_params;

/* ---------------------------------------------------------------- activations --------------- */
typedef enum kerno_activation_kind {
  KERNO_ACT_LINEAR = 0,
  KERNO_ACT_RELU = 1,
  KERNO_ACT_SIGMOID = 2,
  KERNO_ACT_TANH = 3,
  KERNO_ACT_LEAKY_RELU = 4, /* alpha: negative slope (Keras LeakyReLU default 0.3) */
  KERNO_ACT_ELU = 5,        /* alpha: Keras default 1.0 */
  KERNO_ACT_GELU_ERF = 6,   /* x·Φ(x), exact form (Keras approximate=False) */
  KERNO_ACT_GELU_TANH = 7,  /* tanh approximation (Keras approximate=True) */
  KERNO_ACT_SOFTPLUS = 8,
  KERNO_ACT_SILU = 9        /* x·sigmoid(x), a.k.a. swish */
} kerno_activation_kind;

typedef struct kerno_activation_params {
  int32_t kind; /* kerno_activation_kind */
  float alpha;
} kerno_activation_params;

/* ---------------------------------------------------------------- losses -------------------- */
typedef enum kerno_loss_kind {
  /* pred: probabilities (B,C); target: (B,C). Keras: pred normalised to sum 1 per row, clipped
   * to [1e-7, 1-1e-7]; loss_i = -Σ_c t·log(p). */
  KERNO_LOSS_CATEGORICAL_CROSSENTROPY = 0,
  /* pred: logits (B,C); target (B,C). loss_i = -Σ_c t·log_softmax(z). Used for softmax outputs. */
  KERNO_LOSS_SOFTMAX_CROSSENTROPY = 1,
  /* pred: probabilities (B,C); target (B) class indices stored as float. */
  KERNO_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY = 2,
  /* pred: logits (B,C); target (B) class indices stored as float. */
  KERNO_LOSS_SPARSE_SOFTMAX_CROSSENTROPY = 3,
  /* pred: probabilities (B,C); target (B,C). Clipped to [1e-7, 1-1e-7]; mean over C. */
  KERNO_LOSS_BINARY_CROSSENTROPY = 4,
  /* pred: logits (B,C); target (B,C). Mean over C. */
  KERNO_LOSS_SIGMOID_CROSSENTROPY = 5,
  /* mean over C of (p-t)^2 */
  KERNO_LOSS_MEAN_SQUARED_ERROR = 6,
  /* mean over C of |p-t| */
  KERNO_LOSS_MEAN_ABSOLUTE_ERROR = 7,
  /* Keras huber: e = p-t; mean over C of (|e| <= delta ? 0.5·e² : delta·|e| − 0.5·delta²). */
  KERNO_LOSS_HUBER = 8
} kerno_loss_kind;

typedef struct kerno_loss_params {
  int32_t kind; /* kerno_loss_kind */
  float label_smoothing; /* Keras label_smoothing for the (binary/categorical) crossentropies; 0 = off */
  float delta;           /* HUBER only (finite, > 0; Keras default 1.0); ignored by the other kinds */
} kerno_loss_params;

/* ---------------------------------------------------------------- optimizers ---------------- */
typedef enum kerno_optimizer_kind {
  KERNO_OPT_SGD = 0,     /* slots: [velocity] when momentum != 0 */
  KERNO_OPT_ADAGRAD = 1, /* slots: [accumulator] (initialised by the caller to initial_accumulator_value) */
  KERNO_OPT_RMSPROP = 2, /* slots: [velocity, momentum (if momentum>0), average_gradient (if centered)] */
  KERNO_OPT_ADAM = 3,    /* slots: [m, v, v_hat (if amsgrad)]; AdamW is Adam with weight_decay */
  KERNO_OPT_NADAM = 4,   /* slots: [m, v]; reads beta_1, beta_2, epsilon, step and u_product */
  KERNO_OPT_ADAMAX = 5   /* slots: [m, u (the exponentially weighted infinity norm)]; beta_1, beta_2, epsilon, step */
} kerno_optimizer_kind;

/* A weight whose gradient is the outer product u·vᵀ (rows × cols, row-major at param[offset]):
 * a Dense layer's kernel at one input row per step (u = the input row, v = the pre-activation
 * gradient), or its bias with u = NULL (read as all ones). The update takes element (r, c)'s
 * gradient to be u[r]·v[c] + 0, exactly what a backward pass accumulating into zeros would have
 * written, so the result is bit for bit the unfused one; grad[offset, offset + rows·cols) is
 * neither read nor written (zero_grad leaves it as it is). */
typedef struct kerno_outer_grad {
  int64_t offset, rows, cols;
  const float* u; /* rows, or NULL for ones */
  const float* v; /* cols */
} kerno_outer_grad;

/* The most outer-product weights one optimizer_update takes. */
#define KERNO_MAX_OUTER_GRADS 16

/* One update step over a flat parameter buffer, Keras 3 formulas (keras/src/optimizers/ in Keras 3).
 * The caller applies gradient clipping first. `weight_decay` is Keras's decoupled decay applied
 * before the update: w -= w·weight_decay·learning_rate. */
typedef struct kerno_optimizer_params {
  int32_t kind; /* kerno_optimizer_kind */
  float learning_rate;
  float weight_decay;  /* 0 = off */
  float momentum;      /* SGD, RMSprop */
  int32_t nesterov;    /* SGD */
  float rho;           /* RMSprop */
  int32_t centered;    /* RMSprop */
  float beta_1, beta_2;/* Adam, Nadam, Adamax */
  int32_t amsgrad;     /* Adam */
  float epsilon;       /* Adagrad, RMSprop, Adam, Nadam, Adamax */
  int64_t step;        /* 1-based step being applied (Keras iterations + 1); bias corrections */
  /* Nadam: Keras's scalar `_u_product` after this step's update, i.e. the float32 running product
   * Π_{i=1..step} β1·(1 − 0.5·0.96^i), each factor rounded as Keras does (u_product·β1 first).
   * It is state carried across steps, so the caller tracks it; in [0, 1]. Ignored by the others. */
  float u_product;
  /* Non-zero: grad is set to zero after the update, a block at a time while it is still in cache,
   * so a training step needs no separate zeroing pass before its next backward (which
   * accumulates into grad). grad is then written and must not overlap param or a slot. */
  int32_t zero_grad;
  /* n_outer (0..KERNO_MAX_OUTER_GRADS) weights whose gradients are outer products (see
   * kerno_outer_grad), sorted by offset, disjoint, inside [0, N). Zero-initialised = none. */
  const kerno_outer_grad* outer;
  int32_t n_outer;
} kerno_optimizer_params;

/* ---------------------------------------------------------------- random numbers ------------ */
typedef enum kerno_distribution {
  KERNO_DIST_UNIFORM = 0,          /* [a, b) */
  KERNO_DIST_NORMAL = 1,           /* mean a, stddev b */
  KERNO_DIST_TRUNCATED_NORMAL = 2  /* mean a, stddev b, redrawn outside a ± 2b (as TF/Keras) */
} kerno_distribution;

/* Element i of the output depends only on (seed, offset + i): any thread count, any backend,
 * and any split of one fill into several calls give the same numbers. */
typedef struct kerno_rng_params {
  int32_t distribution; /* kerno_distribution */
  float a, b;
  uint64_t seed;
  uint64_t offset;
} kerno_rng_params;

/* ---------------------------------------------------------------- convolution & pooling ----- */
/* Channels-last 2-D geometry shared by conv and pooling. B = batch, H, W = input spatial,
 * C = input channels, OH, OW = output spatial. Padding is explicit (the TS layer turns Keras
 * 'valid'/'same' into pad_top/pad_left and the output size; for odd total padding the extra pixel
 * is at the bottom/right, as TensorFlow). Taps outside the input read zero (conv) or are skipped
 * (pooling). */
typedef struct kerno_conv2d_params {
  int64_t B, H, W, C;
  int64_t OH, OW;
  int64_t KH, KW;                 /* kernel / pool window */
  int64_t K;                      /* conv: filters; depthwise: depth multiplier; pooling: unused */
  int64_t stride_h, stride_w;
  int64_t dilation_h, dilation_w; /* 1 for pooling */
  int64_t pad_top, pad_left;
  /* conv2d_forward and depthwise_conv2d_forward only: activation applied after the bias while the
   * output tile is hot (inference, and training where the derivative is computable from the
   * output). Zero-initialised = KERNO_ACT_LINEAR = none. Pooling and the backward kernels ignore it. */
  kerno_activation_params act;
} kerno_conv2d_params;

/* Batch normalization over the last axis: N = rows (B·H·W for NHWC, B for 2-D), C = channels. */
typedef struct kerno_batchnorm_params {
  int64_t N, C;
  float momentum; /* Keras: moving = moving·momentum + batch·(1 − momentum); default 0.99 */
  float epsilon;  /* default 1e-3 */
} kerno_batchnorm_params;

/* Zero padding (forward pads, backward crops) and cropping (the reverse) of NHWC tensors:
 * the larger tensor is (B, H + top + bottom, W + left + right, C), the smaller (B, H, W, C). */
typedef struct kerno_pad2d_params {
  int64_t B, H, W, C; /* the smaller tensor */
  int64_t top, bottom, left, right;
} kerno_pad2d_params;

/* ---------------------------------------------------------------- the backend table --------- */
typedef struct kerno_backend {
  const char* name; /* "reference", "cpu-portable", "cpu-avx2", "cpu-avx512", "cuda" */

  /* ---- memory. Host backends leave all of these NULL: their kernels take host pointers. A device
   * backend fills them, and every pointer its kernels take is one it allocated (or an offset into
   * one). All sizes in bytes. Transfers are ordered with the backend's kernels (one stream). */
  kerno_status (*mem_alloc)(void** out, size_t bytes);   /* *out = NULL when bytes == 0 */
  kerno_status (*mem_free)(void* p);                     /* NULL is a no-op */
  kerno_status (*mem_upload)(void* dst_dev, const void* src_host, size_t bytes);
  kerno_status (*mem_download)(void* dst_host, const void* src_dev, size_t bytes); /* synchronous */
  kerno_status (*mem_zero)(void* dst_dev, size_t bytes);
  kerno_status (*mem_copy)(void* dst_dev, const void* src_dev, size_t bytes);      /* device to device */
  kerno_status (*synchronize)(void);                     /* waits for queued work; reports its errors */

  kerno_status (*gemm)(float* C, const float* A, const float* B, const kerno_gemm_params* p);

  /* B = batch, I = input features, U = units.
   * out (B,U) = inp (B,I) · kernel (I,U) + bias (U); bias may be NULL. Writes out. */
  kerno_status (*dense_forward)(float* out, const float* inp, const float* kernel, const float* bias,
                                int64_t B, int64_t I, int64_t U);
  /* Accumulates: dinp (B,I) += dout · kernelᵀ; dkernel (I,U) += inpᵀ · dout; dbias (U) += Σ_B dout.
   * Any of dinp, dkernel, dbias may be NULL to skip it. */
  kerno_status (*dense_backward)(float* dinp, float* dkernel, float* dbias, const float* dout,
                                 const float* inp, const float* kernel, int64_t B, int64_t I, int64_t U);

  /* N = element count. out (N) = act(inp). out may alias inp. Writes out. */
  kerno_status (*activation_forward)(float* out, const float* inp, int64_t N,
                                     const kerno_activation_params* p);
  /* Accumulates dinp (N) += dout · act'(inp). `out` is the forward output (used where cheaper,
   * e.g. sigmoid/tanh); both inp and out must be given. */
  kerno_status (*activation_backward)(float* dinp, const float* dout, const float* inp,
                                      const float* out, int64_t N, const kerno_activation_params* p);

  /* R = rows, C = columns. Row-wise numerically stable softmax; out may alias inp. Writes out. */
  kerno_status (*softmax_forward)(float* out, const float* inp, int64_t R, int64_t C);
  /* Accumulates dinp (R,C) += out ⊙ (dout − Σ_c dout·out) using the forward output. */
  kerno_status (*softmax_backward)(float* dinp, const float* dout, const float* out, int64_t R, int64_t C);

  /* B = batch, C = classes/features. Writes loss (B): the unweighted per-sample loss. A sparse
   * target that is not an integer in [0, C) is KERNO_ERR_INVALID_ARGUMENT (both loss kernels); a
   * device backend, whose labels live on the device, writes that row as NaN and reports the status
   * at the next synchronize or mem_download. */
  kerno_status (*loss_forward)(float* loss, const float* pred, const float* target, int64_t B,
                               int64_t C, const kerno_loss_params* p);
  /* Writes dpred (B,C) = ∂/∂pred of Σ_i weight_i·loss_i / B (Keras "sum over batch size");
   * weight (B) may be NULL for all ones. */
  kerno_status (*loss_backward)(float* dpred, const float* pred, const float* target,
                                const float* weight, int64_t B, int64_t C, const kerno_loss_params* p);

  /* N = parameter count. Updates param (N) in place from grad (N) and the optimizer's slot
   * buffers (each N floats, layout per kerno_optimizer_kind; unused slots may be NULL). grad is
   * read only, unless p->zero_grad asks for it to be zeroed. */
  kerno_status (*optimizer_update)(float* param, float* grad, float* slot0, float* slot1,
                                   float* slot2, int64_t N, const kerno_optimizer_params* p);
  /* Writes *out = Σ x² accumulated in double (for clipnorm / global_clipnorm). */
  kerno_status (*sum_squares)(double* out, const float* x, int64_t N);
  /* x (N) *= s. */
  kerno_status (*scale)(float* x, int64_t N, float s);
  /* x (N) = clamp(x, -v, v). */
  kerno_status (*clip_by_value)(float* x, int64_t N, float v);

  /* Fills out (N) from the distribution in p (see kerno_rng_params). */
  kerno_status (*rng_fill)(float* out, int64_t N, const kerno_rng_params* p);
  /* ---- convolutional networks (see kerno_conv2d_params; NHWC activations, HWIO kernels) ---- */
  /* out (B,OH,OW,K) = conv(inp (B,H,W,C), kernel (KH,KW,C,K)) + bias (K); bias may be NULL. Writes out. */
  kerno_status (*conv2d_forward)(float* out, const float* inp, const float* kernel, const float* bias,
                                 const kerno_conv2d_params* p);
  /* Accumulates dinp (B,H,W,C) += conv2d transposed of dout (B,OH,OW,K) with kernel. */
  kerno_status (*conv2d_backward_data)(float* dinp, const float* dout, const float* kernel,
                                       const kerno_conv2d_params* p);
  /* Accumulates dkernel (KH,KW,C,K) and dbias (K, may be NULL) from dout and inp. */
  kerno_status (*conv2d_backward_filter)(float* dkernel, float* dbias, const float* dout, const float* inp,
                                         const kerno_conv2d_params* p);
  /* Depthwise: kernel (KH,KW,C,M) with M = p->K the depth multiplier; out (B,OH,OW,C·M), channel
   * c·M + m from input channel c (Keras DepthwiseConv2D). bias (C·M) may be NULL. Writes out. */
  kerno_status (*depthwise_conv2d_forward)(float* out, const float* inp, const float* kernel,
                                           const float* bias, const kerno_conv2d_params* p);
  /* Accumulates any non-NULL of dinp (B,H,W,C), dkernel (KH,KW,C,M), dbias (C·M). */
  kerno_status (*depthwise_conv2d_backward)(float* dinp, float* dkernel, float* dbias, const float* dout,
                                            const float* inp, const float* kernel,
                                            const kerno_conv2d_params* p);

  /* out (B,OH,OW,C) = max over the window (padding never wins). Writes out. */
  kerno_status (*max_pool2d_forward)(float* out, const float* inp, const kerno_conv2d_params* p);
  /* Accumulates dinp += dout routed to the first maximum of each window (recomputed from inp). */
  kerno_status (*max_pool2d_backward)(float* dinp, const float* dout, const float* inp,
                                      const kerno_conv2d_params* p);
  /* Writes dpre (B,H,W,C), every element: the gradient at the pre-activation of the ReLU whose
   * output `inp` is pooled, i.e. max_pool2d_backward into zeros followed by activation_backward
   * (RELU, with `inp` as its output) into zeros, bit for bit. Training runs this in place of those
   * two passes and the zeroing of both buffers (see MaxPooling2D.backwardFused). */
  kerno_status (*max_pool2d_relu_backward)(float* dpre, const float* dout, const float* inp,
                                           const kerno_conv2d_params* p);
  /* out = mean over the window's in-bounds taps (padding excluded, as Keras). Writes out. */
  kerno_status (*avg_pool2d_forward)(float* out, const float* inp, const kerno_conv2d_params* p);
  /* Accumulates dinp += dout / (in-bounds taps) over each window. */
  kerno_status (*avg_pool2d_backward)(float* dinp, const float* dout, const kerno_conv2d_params* p);
  /* S = spatial positions (H·W). out (B,C) = mean (or max) of inp (B,S,C) over S. Writes out. */
  kerno_status (*global_avg_pool_forward)(float* out, const float* inp, int64_t B, int64_t S, int64_t C);
  kerno_status (*global_avg_pool_backward)(float* dinp, const float* dout, int64_t B, int64_t S, int64_t C);
  kerno_status (*global_max_pool_forward)(float* out, const float* inp, int64_t B, int64_t S, int64_t C);
  /* Accumulates dinp += dout shared equally among tied maxima (TF's reduce_max gradient). */
  kerno_status (*global_max_pool_backward)(float* dinp, const float* dout, const float* inp, int64_t B,
                                           int64_t S, int64_t C);

  /* Training mode: normalises inp (N,C) with batch statistics (biased variance), writes out,
   * saved_mean (C) and saved_invstd (C) = 1/sqrt(var + eps) for backward, and updates
   * moving_mean/moving_var (C) in place with Keras's momentum, using the biased batch variance
   * as Keras does (PyTorch uses the unbiased one). gamma/beta may be NULL (scale/center False). */
  kerno_status (*batchnorm_forward_train)(float* out, float* saved_mean, float* saved_invstd,
                                          float* moving_mean, float* moving_var, const float* inp,
                                          const float* gamma, const float* beta,
                                          const kerno_batchnorm_params* p);
  /* Inference mode: out = (inp − moving_mean)/sqrt(moving_var + eps)·gamma + beta. Writes out. */
  kerno_status (*batchnorm_forward_infer)(float* out, const float* inp, const float* gamma, const float* beta,
                                          const float* moving_mean, const float* moving_var,
                                          const kerno_batchnorm_params* p);
  /* Accumulates any non-NULL of dinp (N,C), dgamma (C), dbeta (C) through the batch statistics. */
  kerno_status (*batchnorm_backward)(float* dinp, float* dgamma, float* dbeta, const float* dout,
                                     const float* inp, const float* gamma, const float* saved_mean,
                                     const float* saved_invstd, const kerno_batchnorm_params* p);

  /* Inverted dropout over N elements: mask (N) = keep ? 1/(1−rate) : 0 from the Philox stream
   * (seed, offset) as rng_fill numbers elements; out = inp·mask. Writes out and mask. */
  kerno_status (*dropout_forward)(float* out, float* mask, const float* inp, int64_t N, float rate,
                                  uint64_t seed, uint64_t offset);
  /* Accumulates dinp += dout·mask. */
  kerno_status (*dropout_backward)(float* dinp, const float* dout, const float* mask, int64_t N);

  /* ZeroPadding2D: out (larger) = inp (smaller) surrounded by zeros. Writes out. */
  kerno_status (*zero_pad2d_forward)(float* out, const float* inp, const kerno_pad2d_params* p);
  /* Accumulates dinp (smaller) += the interior of dout (larger). */
  kerno_status (*zero_pad2d_backward)(float* dinp, const float* dout, const kerno_pad2d_params* p);
  /* Cropping2D: out (smaller) = the interior of inp (larger). Writes out. */
  kerno_status (*crop2d_forward)(float* out, const float* inp, const kerno_pad2d_params* p);
  /* Accumulates the interior of dinp (larger) += dout (smaller). */
  kerno_status (*crop2d_backward)(float* dinp, const float* dout, const kerno_pad2d_params* p);
  /* UpSampling2D nearest: out (B,H·sh,W·sw,C) repeats each pixel; inp (B,H,W,C). Writes out. */
  kerno_status (*upsample2d_forward)(float* out, const float* inp, int64_t B, int64_t H, int64_t W,
                                     int64_t C, int64_t sh, int64_t sw);
  /* Accumulates dinp (B,H,W,C) += the sum of each pixel's sh·sw copies in dout. */
  kerno_status (*upsample2d_backward)(float* dinp, const float* dout, int64_t B, int64_t H, int64_t W,
                                      int64_t C, int64_t sh, int64_t sw);
} kerno_backend;

/* ---------------------------------------------------------------- registry & runtime -------- */
/* Number of backends compiled in and usable on this machine (CPU levels the CPU supports,
 * CUDA when a device is present). */
int kerno_backend_count(void);
/* Backend i in [0, count), or NULL. Index 0 is always "reference". */
const kerno_backend* kerno_backend_at(int i);
/* Backend by name, or NULL when not compiled in or not usable here. */
const kerno_backend* kerno_backend_by_name(const char* name);
/* The fastest CPU backend this CPU supports ("cpu-avx512" > "cpu-avx2" > "cpu-portable").
 * The environment variable KERNO_SIMD=portable|avx2|avx512 caps the level (read once). */
const kerno_backend* kerno_backend_cpu(void);

/* CPU features detected at run time. */
typedef struct kerno_cpu_features {
  int32_t avx2_fma;
  int32_t avx512f;
  int32_t physical_cores;
} kerno_cpu_features;
kerno_cpu_features kerno_cpu_detect(void);

/* Worker threads used by the CPU kernels (default: physical cores). n < 1 is an error. */
kerno_status kerno_set_num_threads(int n);
int kerno_get_num_threads(void);

/* CUDA: compiled in, and the number of devices found at run time (0 when no driver/device). */
int kerno_cuda_built(void);
int kerno_cuda_device_count(void);

/* What backendInfo() lists for one CUDA device. */
typedef struct kerno_cuda_device_props {
  char name[256];        /* NUL-terminated, e.g. "NVIDIA H100 80GB HBM3" */
  uint64_t memory_bytes; /* total global memory */
  int32_t major, minor;  /* compute capability, e.g. 9 and 0 */
} kerno_cuda_device_props;
/* Fills *out for device i in [0, kerno_cuda_device_count()). KERNO_ERR_INVALID_ARGUMENT for another
 * i or a NULL out, KERNO_ERR_UNSUPPORTED when CUDA is not built in, KERNO_ERR_DEVICE when the
 * runtime query fails. */
kerno_status kerno_cuda_device_properties(int i, kerno_cuda_device_props* out);

/* CUDA GEMM precision, process-wide. on != 0 lets the CUDA backend's gemm and dense kernels round
 * their inputs to TF32 (10-bit mantissa: ~2^-11 relative error per product, accumulation stays
 * FP32) and multiply on tensor cores; 0, the default, keeps full FP32. KERNO_ERR_UNSUPPORTED when
 * CUDA is not built in; get returns the current setting (0 or 1). */
kerno_status kerno_cuda_set_tf32(int on);
int kerno_cuda_get_tf32(void);

#ifdef __cplusplus
}
#endif

#endif /* KERNO_KERNELS_H */
