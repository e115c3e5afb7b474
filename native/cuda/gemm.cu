// GEMM on the GPU: C (M,N) = alpha · op(A) (M,K) · op(B) (K,N) + beta · C (+ bias (N) per row),
// row-major with leading dimensions, all four transpose combinations (kerno_gemm_params).
//
// FP32 (the default): shared-memory tiling with register blocking. A thread block of 256
// threads computes a BM×BN tile of C; each K step stages a BM×BK slice of op(A) and a BK×BN
// slice of op(B) in shared memory (double-buffered: the next slice is fetched into registers
// while the current one is multiplied, one barrier per step), and every thread accumulates a
// TM×TN sub-tile in registers from float4 reads of shared memory. Two shapes:
//   128×128×8, 8×8 per thread: large products (enough tiles to fill every SM);
//   64×64×16, 4×4 per thread: smaller products, where 128-wide tiles would leave SMs idle.
// TF32 (opt-in, kerno_cuda_set_tf32): the same staging, inputs rounded to TF32 (round to
// nearest, ties away: cvt.rna) when stored to shared memory, and warp-level tensor-core
// products `mma.sync.m16n8k8` (sm_80+) accumulating in FP32: 128×128×16 tiles, 8 warps of
// 64×32 each. TF32 keeps 10 mantissa bits, so each product carries ~2^-11 relative error.
//
// Loads: op(A) and op(B) tiles are read along their contiguous dimension, as float4 when the
// base pointer is 16-byte aligned, the leading dimension a multiple of 4 and the chunk wholly
// inside the matrix; other chunks are read element by element with bounds checks (zeros
// outside), so any size, leading dimension and offset pointer is handled. Tiles whose
// orientation differs from the shared-memory layout are transposed on the store.
//
// BLAS conventions (kernels.h): beta == 0 never reads C (NaNs in C are ignored); alpha == 0 or
// K == 0 never reads A or B and gives beta·C. Every element of C is summed in a fixed order
// (its own k sequence), so results do not vary from run to run.
#include <cuda_runtime.h>

#include <atomic>
#include <cstdint>
#include <type_traits>

#include "cpu/arg_checks.h"
#include "cuda/common.cuh"
#include "cuda/dense_ops.h"

namespace kerno::cuda {

using checks::gemm_check;

namespace {

std::atomic<int> g_tf32{0};

constexpr int kThreads = 256;

struct GemmArgs {
  const float* A;
  const float* B;
  float* C;
  const float* bias;  // (N) or NULL
  int64_t M, N, K, lda, ldb, ldc;
  float alpha, beta;
  bool vecA, vecB, vecC;  // float4 access allowed (alignment of base and leading dimension)
};

__device__ __forceinline__ float to_tf32(float x) {
  uint32_t u;
  asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(u) : "f"(x));
  return __uint_as_float(u);
}

// A tile of R rows × CC columns of a row-major matrix, contiguous along the columns, fetched
// into registers as float4 chunks (chunk idx = thread + i·256) and later stored to shared
// memory in the same orientation or transposed. TF32 rounds on the store.
template <int R, int CC, bool TF32>
struct Tile {
  static constexpr int kChunks = R * CC / 4;
  static constexpr int kPerThread = (kChunks + kThreads - 1) / kThreads;
  static_assert(CC % 4 == 0, "chunks are 4 columns wide");
  float4 v[kPerThread];

  // base: the matrix; (r0, c0): the tile origin; rows/cols: the matrix bounds.
  __device__ __forceinline__ void load(const float* __restrict__ base, int64_t ld, int64_t r0, int64_t c0,
                                       int64_t rows, int64_t cols, bool vec, int tid) {
#pragma unroll
    for (int i = 0; i < kPerThread; ++i) {
      int idx = tid + i * kThreads;
      if (kChunks % kThreads != 0 && idx >= kChunks) continue;
      int r = idx / (CC / 4), c = (idx % (CC / 4)) * 4;
      int64_t gr = r0 + r, gc = c0 + c;
      if (vec && gr < rows && gc + 3 < cols) {
        v[i] = __ldg(reinterpret_cast<const float4*>(base + gr * ld + gc));
      } else {
        float t[4];
#pragma unroll
        for (int j = 0; j < 4; ++j) t[j] = (gr < rows && gc + j < cols) ? __ldg(base + gr * ld + gc + j) : 0.f;
        v[i] = make_float4(t[0], t[1], t[2], t[3]);
      }
    }
  }

  __device__ __forceinline__ static float4 cvt(float4 x) {
    if (TF32) return make_float4(to_tf32(x.x), to_tf32(x.y), to_tf32(x.z), to_tf32(x.w));
    return x;
  }

  // S[r][c..c+3] with row stride SS floats (SS·4 bytes a multiple of 16).
  template <int SS>
  __device__ __forceinline__ void store_same(float* S, int tid) const {
#pragma unroll
    for (int i = 0; i < kPerThread; ++i) {
      int idx = tid + i * kThreads;
      if (kChunks % kThreads != 0 && idx >= kChunks) continue;
      int r = idx / (CC / 4), c = (idx % (CC / 4)) * 4;
      *reinterpret_cast<float4*>(S + r * SS + c) = cvt(v[i]);
    }
  }

  // S[c + j][r] with row stride SS floats: the tile transposed.
  template <int SS>
  __device__ __forceinline__ void store_transposed(float* S, int tid) const {
#pragma unroll
    for (int i = 0; i < kPerThread; ++i) {
      int idx = tid + i * kThreads;
      if (kChunks % kThreads != 0 && idx >= kChunks) continue;
      int r = idx / (CC / 4), c = (idx % (CC / 4)) * 4;
      float4 x = cvt(v[i]);
      S[(c + 0) * SS + r] = x.x;
      S[(c + 1) * SS + r] = x.y;
      S[(c + 2) * SS + r] = x.z;
      S[(c + 3) * SS + r] = x.w;
    }
  }
};

// op(A) slice [bm, bm+BM) × [k0, k0+BK), stored k-major (S[k][m]) or m-major (S[m][k]).
// TA = 0: A is (M,K), contiguous along k; TA = 1: A is (K,M), contiguous along m.
template <int BM, int BK, int TA, bool TF32>
struct ATile {
  using T = Tile<TA ? BK : BM, TA ? BM : BK, TF32>;
  T t;
  __device__ __forceinline__ void load(const GemmArgs& g, int64_t bm, int64_t k0, int tid) {
    if (TA) t.load(g.A, g.lda, k0, bm, g.K, g.M, g.vecA, tid);
    else t.load(g.A, g.lda, bm, k0, g.M, g.K, g.vecA, tid);
  }
  template <int SS>
  __device__ __forceinline__ void store_k_major(float* S, int tid) const {  // S[k][m]
    if (TA) t.template store_same<SS>(S, tid);
    else t.template store_transposed<SS>(S, tid);
  }
  template <int SS>
  __device__ __forceinline__ void store_m_major(float* S, int tid) const {  // S[m][k]
    if (TA) t.template store_transposed<SS>(S, tid);
    else t.template store_same<SS>(S, tid);
  }
};

// op(B) slice [k0, k0+BK) × [bn, bn+BN), always stored k-major (S[k][n]).
// TB = 0: B is (K,N), contiguous along n; TB = 1: B is (N,K), contiguous along k.
template <int BN, int BK, int TB, bool TF32>
struct BTile {
  using T = Tile<TB ? BN : BK, TB ? BK : BN, TF32>;
  T t;
  __device__ __forceinline__ void load(const GemmArgs& g, int64_t bn, int64_t k0, int tid) {
    if (TB) t.load(g.B, g.ldb, bn, k0, g.N, g.K, g.vecB, tid);
    else t.load(g.B, g.ldb, k0, bn, g.K, g.N, g.vecB, tid);
  }
  template <int SS>
  __device__ __forceinline__ void store_k_major(float* S, int tid) const {
    if (TB) t.template store_transposed<SS>(S, tid);
    else t.template store_same<SS>(S, tid);
  }
};

// C[r][c..c+W) = alpha·acc + beta·C (+ bias), W = 4 or 2 consecutive columns of one row. The
// vector path needs the whole run inside C and g.vecC (the run's address aligned to 4·W bytes).
template <int W>
__device__ __forceinline__ void store_run(const GemmArgs& g, int64_t r, int64_t c, const float* acc) {
  static_assert(W == 2 || W == 4, "runs of 2 or 4 columns");
  using Vec = typename std::conditional<W == 4, float4, float2>::type;
  if (r >= g.M || c >= g.N) return;
  float* dst = g.C + r * g.ldc + c;
  const bool vec = g.vecC && c + W - 1 < g.N;
  float out[W];
#pragma unroll
  for (int j = 0; j < W; ++j) out[j] = g.alpha * acc[j];
  if (g.beta != 0.f) {  // beta == 0 never reads C
    float old[W];
    if (vec) {
      Vec o = *reinterpret_cast<const Vec*>(dst);
      old[0] = o.x, old[1] = o.y;
      if constexpr (W == 4) old[2] = o.z, old[3] = o.w;
    } else {
#pragma unroll
      for (int j = 0; j < W; ++j) old[j] = c + j < g.N ? dst[j] : 0.f;
    }
#pragma unroll
    for (int j = 0; j < W; ++j) out[j] += g.beta * old[j];
  }
  if (g.bias) {
#pragma unroll
    for (int j = 0; j < W; ++j)
      if (c + j < g.N) out[j] += __ldg(g.bias + c + j);
  }
  if (vec) {
    Vec o;
    o.x = out[0], o.y = out[1];
    if constexpr (W == 4) o.z = out[2], o.w = out[3];
    *reinterpret_cast<Vec*>(dst) = o;
  } else {
#pragma unroll
    for (int j = 0; j < W; ++j)
      if (c + j < g.N) dst[j] = out[j];
  }
}

// ---------------------------------------------------------------- FP32 kernel
// blockIdx.x: tile row (M), blockIdx.y: tile column (N). Threads form a 16×16 grid; thread
// (ty, tx) owns rows {g·BM/RG + 4·ty + i} and columns {h·BN/CG + 4·tx + j}, so its shared-memory
// reads are float4s that a warp shares (A) or reads as consecutive 16-byte words (B).
// The 128-wide shape is held to 128 registers so that two blocks (16 warps) share an SM.
// __grid_constant__: the helpers take the arguments by reference, which would otherwise copy
// them to local memory (ptxas then spilled 24 bytes in the NN kernel).
template <int BM, int BN, int BK, int TM, int TN, int TA, int TB>
__global__ void __launch_bounds__(kThreads, BM == 128 ? 2 : 1) sgemm_kernel(const __grid_constant__ GemmArgs g) {
  constexpr int RG = TM / 4, CG = TN / 4;  // row/column groups of 4 per thread
  constexpr int TX = BN / TN;
  static_assert((BM / TM) * (BN / TN) == kThreads, "one 256-thread block per tile");
  constexpr int SA = BM + 4, SB = BN + 4;  // padded rows: transposed stores spread over banks
  __shared__ __align__(16) float As[2][BK][SA];
  __shared__ __align__(16) float Bs[2][BK][SB];

  const int tid = threadIdx.x, tx = tid % TX, ty = tid / TX;
  const int64_t bm = static_cast<int64_t>(blockIdx.x) * BM, bn = static_cast<int64_t>(blockIdx.y) * BN;
  const int nk = static_cast<int>((g.K + BK - 1) / BK);  // the host keeps K / BK < 2^31

  ATile<BM, BK, TA, false> at;
  BTile<BN, BK, TB, false> bt;
  float acc[TM][TN];
#pragma unroll
  for (int i = 0; i < TM; ++i)
#pragma unroll
    for (int j = 0; j < TN; ++j) acc[i][j] = 0.f;

  at.load(g, bm, 0, tid);
  bt.load(g, bn, 0, tid);
  at.template store_k_major<SA>(&As[0][0][0], tid);
  bt.template store_k_major<SB>(&Bs[0][0][0], tid);
  __syncthreads();

  for (int kt = 0; kt < nk; ++kt) {
    const int cur = static_cast<int>(kt & 1);
    const bool more = kt + 1 < nk;
    if (more) {  // the next slice travels while this one is multiplied
      at.load(g, bm, static_cast<int64_t>(kt + 1) * BK, tid);
      bt.load(g, bn, static_cast<int64_t>(kt + 1) * BK, tid);
    }
#pragma unroll
    for (int k = 0; k < BK; ++k) {
      float a[TM], b[TN];
#pragma unroll
      for (int r = 0; r < RG; ++r) {
        float4 v = *reinterpret_cast<const float4*>(&As[cur][k][r * (BM / RG) + ty * 4]);
        a[r * 4 + 0] = v.x, a[r * 4 + 1] = v.y, a[r * 4 + 2] = v.z, a[r * 4 + 3] = v.w;
      }
#pragma unroll
      for (int c = 0; c < CG; ++c) {
        float4 v = *reinterpret_cast<const float4*>(&Bs[cur][k][c * (BN / CG) + tx * 4]);
        b[c * 4 + 0] = v.x, b[c * 4 + 1] = v.y, b[c * 4 + 2] = v.z, b[c * 4 + 3] = v.w;
      }
#pragma unroll
      for (int i = 0; i < TM; ++i)
#pragma unroll
        for (int j = 0; j < TN; ++j) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
    }
    if (more) {  // the other buffer was last read before the previous barrier
      at.template store_k_major<SA>(&As[cur ^ 1][0][0], tid);
      bt.template store_k_major<SB>(&Bs[cur ^ 1][0][0], tid);
    }
    __syncthreads();
  }

#pragma unroll
  for (int i = 0; i < TM; ++i) {
    int64_t r = bm + (i / 4) * (BM / RG) + ty * 4 + (i % 4);
#pragma unroll
    for (int c = 0; c < CG; ++c) store_run<4>(g, r, bn + c * (BN / CG) + tx * 4, &acc[i][c * 4]);
  }
}

// ---------------------------------------------------------------- TF32 tensor-core kernel
// 8 warps in a 2×4 grid, each owning a 64×32 piece of the 128×128 tile: 4×4 m16n8 fragments.
// Fragment layouts of mma.m16n8k8 .tf32 (PTX ISA, "Matrix fragments for mma.m16n8k8"), with
// g = lane/4 and t = lane%4: A a0 (g, t), a1 (g+8, t), a2 (g, t+4), a3 (g+8, t+4);
// B b0 (k t, n g), b1 (k t+4, n g); C c0,c1 (g, 2t..2t+1), c2,c3 (g+8, 2t..2t+1).
// Shared strides 20 (A, m-major) and 136 (B, k-major) make those reads bank-conflict free.
template <int TA, int TB>
__global__ void __launch_bounds__(kThreads) tf32_gemm_kernel(const __grid_constant__ GemmArgs g) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  constexpr int BM = 128, BN = 128, BK = 16, SA = BK + 4, SB = BN + 8;
  __shared__ __align__(16) float As[2][BM][SA];
  __shared__ __align__(16) float Bs[2][BK][SB];

  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int wm = warp / 4, wn = warp % 4, gq = lane >> 2, tq = lane & 3;
  const int64_t bm = static_cast<int64_t>(blockIdx.x) * BM, bn = static_cast<int64_t>(blockIdx.y) * BN;
  const int nk = static_cast<int>((g.K + BK - 1) / BK);  // the host keeps K / BK < 2^31

  ATile<BM, BK, TA, true> at;
  BTile<BN, BK, TB, true> bt;
  float acc[4][4][4];
#pragma unroll
  for (int i = 0; i < 4; ++i)
#pragma unroll
    for (int j = 0; j < 4; ++j)
#pragma unroll
      for (int q = 0; q < 4; ++q) acc[i][j][q] = 0.f;

  at.load(g, bm, 0, tid);
  bt.load(g, bn, 0, tid);
  at.template store_m_major<SA>(&As[0][0][0], tid);
  bt.template store_k_major<SB>(&Bs[0][0][0], tid);
  __syncthreads();

  for (int kt = 0; kt < nk; ++kt) {
    const int cur = static_cast<int>(kt & 1);
    const bool more = kt + 1 < nk;
    if (more) {
      at.load(g, bm, static_cast<int64_t>(kt + 1) * BK, tid);
      bt.load(g, bn, static_cast<int64_t>(kt + 1) * BK, tid);
    }
#pragma unroll
    for (int ks = 0; ks < BK; ks += 8) {
      uint32_t af[4][4], bf[4][2];
#pragma unroll
      for (int mi = 0; mi < 4; ++mi) {
        const int r = wm * 64 + mi * 16 + gq;
        af[mi][0] = __float_as_uint(As[cur][r][ks + tq]);
        af[mi][1] = __float_as_uint(As[cur][r + 8][ks + tq]);
        af[mi][2] = __float_as_uint(As[cur][r][ks + tq + 4]);
        af[mi][3] = __float_as_uint(As[cur][r + 8][ks + tq + 4]);
      }
#pragma unroll
      for (int ni = 0; ni < 4; ++ni) {
        const int c = wn * 32 + ni * 8 + gq;
        bf[ni][0] = __float_as_uint(Bs[cur][ks + tq][c]);
        bf[ni][1] = __float_as_uint(Bs[cur][ks + tq + 4][c]);
      }
#pragma unroll
      for (int mi = 0; mi < 4; ++mi)
#pragma unroll
        for (int ni = 0; ni < 4; ++ni)
          asm volatile(
              "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
              "{%0,%1,%2,%3};\n"
              : "+f"(acc[mi][ni][0]), "+f"(acc[mi][ni][1]), "+f"(acc[mi][ni][2]), "+f"(acc[mi][ni][3])
              : "r"(af[mi][0]), "r"(af[mi][1]), "r"(af[mi][2]), "r"(af[mi][3]), "r"(bf[ni][0]), "r"(bf[ni][1]));
    }
    if (more) {
      at.template store_m_major<SA>(&As[cur ^ 1][0][0], tid);
      bt.template store_k_major<SB>(&Bs[cur ^ 1][0][0], tid);
    }
    __syncthreads();
  }

#pragma unroll
  for (int mi = 0; mi < 4; ++mi)
#pragma unroll
    for (int ni = 0; ni < 4; ++ni) {
      const int64_t r = bm + wm * 64 + mi * 16 + gq, c = bn + wn * 32 + ni * 8 + 2 * tq;
      store_run<2>(g, r, c, &acc[mi][ni][0]);
      store_run<2>(g, r + 8, c, &acc[mi][ni][2]);
    }
#else
  __trap();  // built only for sm_80+; the host never launches it elsewhere
#endif
}

// C = beta·C (+ bias): the alpha == 0 / K == 0 case, which must not read A or B.
__global__ void scale_c_kernel(float* C, const float* bias, int64_t M, int64_t N, int64_t ldc, float beta) {
  const int64_t total = M * N;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < total;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    int64_t r = i / N, c = i % N;
    float* p = C + r * ldc + c;
    float v = beta == 0.f ? 0.f : beta * *p;
    *p = bias ? v + bias[c] : v;
  }
}

int sm_count() {
  static int n = [] {
    int dev = 0, v = 0;
    if (cudaGetDevice(&dev) != cudaSuccess || cudaDeviceGetAttribute(&v, cudaDevAttrMultiProcessorCount, dev) != cudaSuccess) {
      cudaGetLastError();
      return 1;
    }
    return v;
  }();
  return n;
}

bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15u) == 0; }

template <int BM, int BN, int BK, int TM, int TN>
void launch_fp32(const GemmArgs& g, dim3 grid, int ta, int tb) {
  cudaStream_t s = stream();
  if (!ta && !tb) sgemm_kernel<BM, BN, BK, TM, TN, 0, 0><<<grid, kThreads, 0, s>>>(g);
  else if (!ta && tb) sgemm_kernel<BM, BN, BK, TM, TN, 0, 1><<<grid, kThreads, 0, s>>>(g);
  else if (ta && !tb) sgemm_kernel<BM, BN, BK, TM, TN, 1, 0><<<grid, kThreads, 0, s>>>(g);
  else sgemm_kernel<BM, BN, BK, TM, TN, 1, 1><<<grid, kThreads, 0, s>>>(g);
}

void launch_tf32(const GemmArgs& g, dim3 grid, int ta, int tb) {
  cudaStream_t s = stream();
  if (!ta && !tb) tf32_gemm_kernel<0, 0><<<grid, kThreads, 0, s>>>(g);
  else if (!ta && tb) tf32_gemm_kernel<0, 1><<<grid, kThreads, 0, s>>>(g);
  else if (ta && !tb) tf32_gemm_kernel<1, 0><<<grid, kThreads, 0, s>>>(g);
  else tf32_gemm_kernel<1, 1><<<grid, kThreads, 0, s>>>(g);
}

kerno_status run(float* C, const float* A, const float* B, const float* bias, const kerno_gemm_params* p) {
  KERNO_CUDA_TRY(gemm_check(C, A, B, p));
  const int64_t M = p->M, N = p->N, K = p->K;
  if (M == 0 || N == 0) return KERNO_OK;
  if (K == 0 || p->alpha == 0.f) {
    scale_c_kernel<<<grid_for(M * N), 256, 0, stream()>>>(C, bias, M, N, p->ldc, p->beta);
    return launch_status();
  }
  const bool tf32 = g_tf32.load(std::memory_order_relaxed) != 0;
  // Big tiles only when they give every SM at least one; otherwise 64-wide tiles.
  const bool big = tf32 || ((M + 127) / 128) * ((N + 127) / 128) >= sm_count();
  const int64_t BM = big ? 128 : 64, BN = big ? 128 : 64;
  const int64_t m_tiles = (M + BM - 1) / BM;
  if (m_tiles > 0x7fffffff || K / 8 >= 0x7fffffff) return KERNO_ERR_UNSUPPORTED;  // grid and k-loop limits
  // gridDim.y is limited to 65535 tiles: wider products run as several column chunks.
  const int64_t chunk = 65535 * BN;
  for (int64_t n0 = 0; n0 < N; n0 += chunk) {
    GemmArgs g;
    g.A = A;
    g.B = p->trans_b ? B + n0 * p->ldb : B + n0;
    g.C = C + n0;
    g.bias = bias ? bias + n0 : nullptr;
    g.M = M;
    g.N = N - n0 < chunk ? N - n0 : chunk;
    g.K = K;
    g.lda = p->lda, g.ldb = p->ldb, g.ldc = p->ldc;
    g.alpha = p->alpha, g.beta = p->beta;
    g.vecA = aligned16(g.A) && p->lda % 4 == 0;
    g.vecB = aligned16(g.B) && p->ldb % 4 == 0;
    // float4 epilogue (FP32 kernel) needs 16-byte runs; the float2 one (TF32) 8-byte runs.
    g.vecC = tf32 ? (reinterpret_cast<uintptr_t>(g.C) & 7u) == 0 && p->ldc % 2 == 0
                  : aligned16(g.C) && p->ldc % 4 == 0;
    dim3 grid(static_cast<unsigned>(m_tiles), static_cast<unsigned>((g.N + BN - 1) / BN));
    if (tf32) launch_tf32(g, grid, p->trans_a, p->trans_b);
    else if (big) launch_fp32<128, 128, 8, 8, 8>(g, grid, p->trans_a, p->trans_b);
    else launch_fp32<64, 64, 16, 4, 4>(g, grid, p->trans_a, p->trans_b);
    KERNO_CUDA_TRY(launch_status());
  }
  return KERNO_OK;
}

}  // namespace

kerno_status gemm(float* C, const float* A, const float* B, const kerno_gemm_params* p) {
  return run(C, A, B, nullptr, p);
}

kerno_status gemm_bias(float* C, const float* A, const float* B, const float* bias, const kerno_gemm_params* p) {
  return run(C, A, B, bias, p);
}

bool tf32_enabled() { return g_tf32.load(std::memory_order_relaxed) != 0; }

}  // namespace kerno::cuda

extern "C" kerno_status kerno_cuda_set_tf32(int on) {
  kerno::cuda::g_tf32.store(on ? 1 : 0, std::memory_order_relaxed);
  return KERNO_OK;
}

extern "C" int kerno_cuda_get_tf32(void) { return kerno::cuda::tf32_enabled() ? 1 : 0; }
