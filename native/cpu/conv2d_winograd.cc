// Conv2D 3×3, stride 1, by Winograd's minimal filtering F(2×2, 3×3) (Lavin & Gray, "Fast
// Algorithms for Convolutional Neural Networks", 2016), AVX2 + FMA level. conv2d.cc picks it for
// the forward and, as the forward of dout on the flipped and transposed kernel, the backward-data
// of 3×3 stride-1 convolutions with enough channels (the reference CNN's second conv).
//
// Each 2×2 block of outputs ("tile") comes from a 4×4 block of input: with the input tile d, the
// kernel g (3×3) and the fixed matrices B (4×4), G (4×3), A (4×2),
//   Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A,
// 16 multiplications per channel pair for 4 outputs instead of 36. Over channels, the ⊙ at each
// of the 16 positions ξ becomes a product M[ξ] (tiles, K) = V[ξ] (tiles, C) · U[ξ] (C, K), V the
// transformed input tiles and U the transformed kernel: 2.25× fewer multiply-adds than the
// direct conv, whose rows are 9·C long, at the cost of the transforms (adds only). The matrices'
// entries are 0, ±1 and ±½, so rounding differs from the direct sum by a few ulps of the
// magnitudes (tests hold it to the same float64 bounds as the other paths).
//
// Work goes out in blocks of kTilesPerBlock tiles: each thread transforms a block's input into
// its own V (16·12·C floats), runs the 16 products with a 6-tile × 16-filter register block
// (U[ξ] stays in L1 across the block), and transforms M back to outputs with the bias and ReLU,
// so nothing but the input, the kernel and the output leaves L1/L2. B = batch, H, W = input
// spatial, C = input channels, OH, OW = output spatial, K = filters (HWIO kernel).
#include "cpu/conv2d_winograd.h"

#include <algorithm>
#include <atomic>

#include "runtime/aligned_alloc.h"
#include "runtime/threadpool.h"

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define KERNO_AVX2 __attribute__((target("avx2,fma")))

namespace kerno {
namespace {

constexpr int64_t kTilesPerBlock = 12;  // two 6-tile register rows
constexpr int64_t kMr = 6, kNr = 16;    // register block: tiles × filters
// Floats between the transforms' 16 ξ slices (a cache line), so that a tile's 16 stores do not
// share one L1 set when a slice is a multiple of 4 KB.
constexpr int64_t kPad = 16;

// One correlation: y (B,OH,OW,Cout) [+]= act(Σ x (B,H,W,Cin) windows · kernel + bias), the
// window of output (oh, ow) starting at input (oh − pt, ow − pl), zeros outside the input.
struct Job {
  const float* x;
  int64_t B, H, W, Cin;
  float* y;
  int64_t OH, OW, Cout;
  int64_t pt, pl;
  const float* U;     // transformed kernel: U[ξ] (Cin, Cout) at ξ·Cin·Cout
  const float* bias;  // (Cout) or null
  bool relu;          // max(0, ·) after the bias (activation.cc's ReLU: NaN kept, −0 kept)
  bool accumulate;    // y += the correlation (backward-data); no bias or activation then
  int64_t TH, TW;     // tiles per image
};

// u[ξ] = G g Gᵀ for 8 lanes (consecutive output channels of one input channel) of the 3×3 taps g.
KERNO_AVX2 inline void kernel_tile(const __m256 (&g)[3][3], __m256 (&u)[16]) {
  const __m256 half = _mm256_set1_ps(0.5f);
  __m256 t[4][3];  // G g: rows of the 4×3 intermediate
  for (int b = 0; b < 3; ++b) {
    t[0][b] = g[0][b];
    t[1][b] = _mm256_mul_ps(half, _mm256_add_ps(_mm256_add_ps(g[0][b], g[1][b]), g[2][b]));
    t[2][b] = _mm256_mul_ps(half, _mm256_add_ps(_mm256_sub_ps(g[0][b], g[1][b]), g[2][b]));
    t[3][b] = g[2][b];
  }
  for (int i = 0; i < 4; ++i) {
    u[i * 4 + 0] = t[i][0];
    u[i * 4 + 1] = _mm256_mul_ps(half, _mm256_add_ps(_mm256_add_ps(t[i][0], t[i][1]), t[i][2]));
    u[i * 4 + 2] = _mm256_mul_ps(half, _mm256_add_ps(_mm256_sub_ps(t[i][0], t[i][1]), t[i][2]));
    u[i * 4 + 3] = t[i][2];
  }
}

// U for input channels [c0, c1) from the HWIO kernel (3,3,C,K): the forward's U[ξ] (C, K), or
// (`transposed`, backward-data) the kernel flipped in space with its channel axes swapped,
// U[ξ] (K, C).
KERNO_AVX2 void transform_kernel_rows(float* U, const float* kernel, int64_t C, int64_t K, bool transposed,
                                      int64_t c0, int64_t c1) {
  alignas(32) float lane[8];
  __m256 g[3][3], u[16];
  for (int64_t c = c0; c < c1; ++c)
    for (int64_t k = 0; k < K; k += 8) {
      for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 3; ++b) {
          const int tap = transposed ? (2 - a) * 3 + (2 - b) : a * 3 + b;
          g[a][b] = _mm256_loadu_ps(kernel + (tap * C + c) * K + k);
        }
      kernel_tile(g, u);
      for (int xi = 0; xi < 16; ++xi) {
        if (!transposed) {
          _mm256_storeu_ps(U + (xi * C + c) * K + k, u[xi]);
          continue;
        }
        _mm256_store_ps(lane, u[xi]);
        for (int l = 0; l < 8; ++l) U[(xi * K + k + l) * C + c] = lane[l];
      }
    }
}

void transform_kernel(float* U, const float* kernel, int64_t C, int64_t K, bool transposed) {
  parallel_for(C, 8, [&](int64_t c0, int64_t c1) { transform_kernel_rows(U, kernel, C, K, transposed, c0, c1); });
}

// V[ξ] row `row` (Cin) = Bᵀ d B for the tile whose top-left input is (b, ih0, iw0).
KERNO_AVX2 void input_tile(float* V, int64_t ldv, int64_t row, const Job& j, int64_t b, int64_t ih0, int64_t iw0) {
  const float* rows[4];
  bool row_in[4], col_in[4];
  for (int i = 0; i < 4; ++i) {
    const int64_t ih = ih0 + i, iw = iw0 + i;
    row_in[i] = ih >= 0 && ih < j.H;
    col_in[i] = iw >= 0 && iw < j.W;
    rows[i] = row_in[i] ? j.x + (b * j.H + ih) * j.W * j.Cin : nullptr;
  }
  const __m256 zero = _mm256_setzero_ps();
  for (int64_t c = 0; c < j.Cin; c += 8) {
    __m256 d[4][4];
#pragma GCC unroll 4
    for (int i = 0; i < 4; ++i)
#pragma GCC unroll 4
      for (int q = 0; q < 4; ++q)
        d[i][q] = row_in[i] && col_in[q] ? _mm256_loadu_ps(rows[i] + (iw0 + q) * j.Cin + c) : zero;
    __m256 t[4][4];
#pragma GCC unroll 4
    for (int q = 0; q < 4; ++q) {
      t[0][q] = _mm256_sub_ps(d[0][q], d[2][q]);
      t[1][q] = _mm256_add_ps(d[1][q], d[2][q]);
      t[2][q] = _mm256_sub_ps(d[2][q], d[1][q]);
      t[3][q] = _mm256_sub_ps(d[1][q], d[3][q]);
    }
    float* v = V + row * j.Cin + c;
#pragma GCC unroll 4
    for (int i = 0; i < 4; ++i) {
      _mm256_storeu_ps(v + (i * 4 + 0) * ldv, _mm256_sub_ps(t[i][0], t[i][2]));
      _mm256_storeu_ps(v + (i * 4 + 1) * ldv, _mm256_add_ps(t[i][1], t[i][2]));
      _mm256_storeu_ps(v + (i * 4 + 2) * ldv, _mm256_sub_ps(t[i][2], t[i][1]));
      _mm256_storeu_ps(v + (i * 4 + 3) * ldv, _mm256_sub_ps(t[i][1], t[i][3]));
    }
  }
}

// The products' register block: out (R, 16) [+]= Σ_k a[r·ar + k·ak] · b (k, 16), k < n, the
// rows of out and b `ldo` and `ldb` floats apart. The forward reduces over input channels
// (a = V rows), backward-filter over tiles (a = V columns), which it adds onto its partial sums.
template <int R, bool kAccumulate>
KERNO_AVX2 inline void fma_block(float* out, int64_t ldo, const float* a, int64_t ar, int64_t ak, const float* b,
                                 int64_t ldb, int64_t n) {
  __m256 acc[R][2];
#pragma GCC unroll 6
  for (int r = 0; r < R; ++r) {
    acc[r][0] = kAccumulate ? _mm256_loadu_ps(out + r * ldo) : _mm256_setzero_ps();
    acc[r][1] = kAccumulate ? _mm256_loadu_ps(out + r * ldo + 8) : _mm256_setzero_ps();
  }
  for (int64_t k = 0; k < n; ++k) {
    const __m256 b0 = _mm256_loadu_ps(b + k * ldb), b1 = _mm256_loadu_ps(b + k * ldb + 8);
#pragma GCC unroll 6
    for (int r = 0; r < R; ++r) {
      const __m256 v = _mm256_broadcast_ss(a + r * ar + k * ak);
      acc[r][0] = _mm256_fmadd_ps(v, b0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(v, b1, acc[r][1]);
    }
  }
#pragma GCC unroll 6
  for (int r = 0; r < R; ++r) {
    _mm256_storeu_ps(out + r * ldo, acc[r][0]);
    _mm256_storeu_ps(out + r * ldo + 8, acc[r][1]);
  }
}

// The tile's outputs from M[ξ] row `row` (Cout): Aᵀ m A, then bias and ReLU, or added to y.
KERNO_AVX2 void output_tile(const float* M, int64_t ldm, int64_t row, const Job& j, int64_t b, int64_t oh0,
                            int64_t ow0) {
  const bool down = oh0 + 1 < j.OH, right = ow0 + 1 < j.OW;
  const __m256 zero = _mm256_setzero_ps();
  float* y0 = j.y + ((b * j.OH + oh0) * j.OW + ow0) * j.Cout;
  float* y1 = y0 + j.OW * j.Cout;
  for (int64_t k = 0; k < j.Cout; k += 8) {
    const float* m = M + row * j.Cout + k;
    __m256 s[2][4];
#pragma GCC unroll 4
    for (int q = 0; q < 4; ++q) {
      const __m256 m0 = _mm256_loadu_ps(m + (0 * 4 + q) * ldm), m1 = _mm256_loadu_ps(m + (1 * 4 + q) * ldm);
      const __m256 m2 = _mm256_loadu_ps(m + (2 * 4 + q) * ldm), m3 = _mm256_loadu_ps(m + (3 * 4 + q) * ldm);
      s[0][q] = _mm256_add_ps(_mm256_add_ps(m0, m1), m2);
      s[1][q] = _mm256_sub_ps(_mm256_sub_ps(m1, m2), m3);
    }
    __m256 o[2][2];
#pragma GCC unroll 2
    for (int r = 0; r < 2; ++r) {
      o[r][0] = _mm256_add_ps(_mm256_add_ps(s[r][0], s[r][1]), s[r][2]);
      o[r][1] = _mm256_sub_ps(_mm256_sub_ps(s[r][1], s[r][2]), s[r][3]);
    }
    float* dst[2][2] = {{y0 + k, y0 + j.Cout + k}, {y1 + k, y1 + j.Cout + k}};
    const bool keep[2][2] = {{true, right}, {down, down && right}};
#pragma GCC unroll 2
    for (int r = 0; r < 2; ++r)
#pragma GCC unroll 2
      for (int q = 0; q < 2; ++q) {
        if (!keep[r][q]) continue;
        __m256 v = o[r][q];
        if (j.accumulate) {
          v = _mm256_add_ps(_mm256_loadu_ps(dst[r][q]), v);
        } else {
          if (j.bias) v = _mm256_add_ps(v, _mm256_loadu_ps(j.bias + k));
          if (j.relu) v = _mm256_max_ps(zero, v);  // x < 0 ? 0 : x, NaN kept (max_ps returns v then)
        }
        _mm256_storeu_ps(dst[r][q], v);
      }
  }
}

// One block of tiles [t0, t0 + n) in (image, tile row, tile column) order; s holds V then M.
KERNO_AVX2 void run_block(const Job& j, int64_t t0, int64_t n, float* s) {
  const int64_t ld_v = kTilesPerBlock * j.Cin + kPad, ld_m = kTilesPerBlock * j.Cout + kPad;  // per ξ
  float* V = s;
  float* M = s + 16 * ld_v;
  const int64_t per_image = j.TH * j.TW;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t t = t0 + i, b = t / per_image, r = t % per_image;
    input_tile(V, ld_v, i, j, b, 2 * (r / j.TW) - j.pt, 2 * (r % j.TW) - j.pl);
  }
  // Rows past n hold stale values: their products are computed and never read.
  const int64_t rows = n <= kMr ? kMr : kTilesPerBlock;
  for (int xi = 0; xi < 16; ++xi)
    for (int64_t r0 = 0; r0 < rows; r0 += kMr)
      for (int64_t k = 0; k < j.Cout; k += kNr)
        // M[ξ] (6 tiles, 16 filters) = V[ξ] (6 tiles, Cin) · U[ξ] (Cin, 16 filters)
        fma_block<kMr, false>(M + xi * ld_m + r0 * j.Cout + k, j.Cout, V + xi * ld_v + r0 * j.Cin, j.Cin, 1,
                              j.U + xi * j.Cin * j.Cout + k, j.Cout, j.Cin);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t t = t0 + i, b = t / per_image, r = t % per_image;
    output_tile(M, ld_m, i, j, b, 2 * (r / j.TW), 2 * (r % j.TW));
  }
}

// Runs body(i, s) for i in [0, n) over the pool, s being the running thread's `floats` of
// scratch (its transformed tiles); out of memory when a thread cannot get them.
template <class F>
kerno_status parallel_with_scratch(int64_t n, size_t floats, F&& body) {
  std::atomic<bool> failed{false};
  parallel_for(n, 1, [&](int64_t i0, int64_t i1) {
    float* s = thread_scratch(kScratchTile, floats);
    if (!s) {
      failed.store(true, std::memory_order_relaxed);
      return;
    }
    for (int64_t i = i0; i < i1; ++i) body(i, s);
  });
  return failed.load() ? KERNO_ERR_OUT_OF_MEMORY : KERNO_OK;
}

kerno_status run(const Job& j) {
  const int64_t tiles = j.B * j.TH * j.TW, blocks = (tiles + kTilesPerBlock - 1) / kTilesPerBlock;
  const size_t scratch = static_cast<size_t>(16 * (kTilesPerBlock * (j.Cin + j.Cout) + 2 * kPad));
  return parallel_with_scratch(blocks, scratch, [&](int64_t blk, float* s) {
    const int64_t t0 = blk * kTilesPerBlock;
    run_block(j, t0, std::min(kTilesPerBlock, tiles - t0), s);
  });
}

// ---- backward-filter: F(3×3, 2×2), the same trilinear form read for the kernel -------------
// With the forward's Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A, the gradient of Σ Y·dy with respect to g
// is dg = Gᵀ [(A dy Aᵀ) ⊙ (Bᵀ d B)] G: per 2×2 tile of dout, 16 products per channel pair for
// the 9 taps. Summed over tiles, each ξ is a product S[ξ] (C, K) = V[ξ]ᵀ (C, tiles) · E[ξ]
// (tiles, K), E the transformed dout tiles; Gᵀ · Gᵀ of S gives the (3,3,C,K) gradient.

constexpr int64_t kFilterTiles = 32;  // tiles per block: V and E (16·32·(C + K) floats) in L2
constexpr int64_t kFilterParts = 4;   // partial sums S, each 16·C·K floats (4 MiB at C·K = 16384)

// E[ξ] row `row` (K) = A dy Aᵀ for the 2×2 dout tile at (b, oh0, ow0) (zeros past OH, OW).
KERNO_AVX2 void dout_tile(float* E, int64_t lde, int64_t row, const float* dy, int64_t OH, int64_t OW, int64_t K,
                          int64_t b, int64_t oh0, int64_t ow0) {
  const bool down = oh0 + 1 < OH, right = ow0 + 1 < OW;
  const float* d0 = dy + ((b * OH + oh0) * OW + ow0) * K;
  const float* d1 = d0 + OW * K;
  const __m256 zero = _mm256_setzero_ps();
  for (int64_t k = 0; k < K; k += 8) {
    const __m256 y00 = _mm256_loadu_ps(d0 + k), y01 = right ? _mm256_loadu_ps(d0 + K + k) : zero;
    const __m256 y10 = down ? _mm256_loadu_ps(d1 + k) : zero, y11 = down && right ? _mm256_loadu_ps(d1 + K + k) : zero;
    // A = [1 0; 1 1; 1 −1; 0 −1]: rows of A dy, then A applied to each row's two columns
    const __m256 r[4][2] = {{y00, y01},
                            {_mm256_add_ps(y00, y10), _mm256_add_ps(y01, y11)},
                            {_mm256_sub_ps(y00, y10), _mm256_sub_ps(y01, y11)},
                            {_mm256_sub_ps(zero, y10), _mm256_sub_ps(zero, y11)}};
    float* e = E + row * K + k;
#pragma GCC unroll 4
    for (int i = 0; i < 4; ++i) {
      _mm256_storeu_ps(e + (i * 4 + 0) * lde, r[i][0]);
      _mm256_storeu_ps(e + (i * 4 + 1) * lde, _mm256_add_ps(r[i][0], r[i][1]));
      _mm256_storeu_ps(e + (i * 4 + 2) * lde, _mm256_sub_ps(r[i][0], r[i][1]));
      _mm256_storeu_ps(e + (i * 4 + 3) * lde, _mm256_sub_ps(zero, r[i][1]));
    }
  }
}

// One block of tiles into the partial S (16, C, K); s holds V then E.
KERNO_AVX2 void filter_run_block(float* S, const Job& j, const float* dy, int64_t t0, int64_t n, float* s) {
  // Unpadded, the reference conv's slices are 4 and 8 KB (kPad): 1.7 against 1.1 ms.
  const int64_t C = j.Cin, K = j.Cout, ld_v = kFilterTiles * C + kPad, ld_e = kFilterTiles * K + kPad;
  float* V = s;
  float* E = s + 16 * ld_v;
  const int64_t per_image = j.TH * j.TW;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t t = t0 + i, b = t / per_image, r = t % per_image, oh0 = 2 * (r / j.TW), ow0 = 2 * (r % j.TW);
    input_tile(V, ld_v, i, j, b, oh0 - j.pt, ow0 - j.pl);
    dout_tile(E, ld_e, i, dy, j.OH, j.OW, K, b, oh0, ow0);
  }
  for (int xi = 0; xi < 16; ++xi)
    for (int64_t c = 0; c < C; c += kMr)
      for (int64_t k = 0; k < K; k += kNr) {
        float* out = S + (xi * C + c) * K + k;
        const float* v = V + xi * ld_v + c;
        const float* e = E + xi * ld_e + k;
        // S[ξ] (R channels, 16 filters) += V[ξ]ᵀ (R channels, n tiles) · E[ξ] (n tiles, 16 filters)
        switch (std::min<int64_t>(kMr, C - c)) {  // C % 8 == 0: 6, then 2 or 4 at the end
          case 6: fma_block<6, true>(out, K, v, 1, C, e, K, n); break;
          case 4: fma_block<4, true>(out, K, v, 1, C, e, K, n); break;
          default: fma_block<2, true>(out, K, v, 1, C, e, K, n); break;
        }
      }
}

// dkernel (3,3,C,K) += Gᵀ S Gᵀᵀ over each (c, k), S the sum of the parts in order.
KERNO_AVX2 void filter_output_rows(float* dkernel, const float* S, int parts, int64_t C, int64_t K, int64_t c0,
                                   int64_t c1) {
  const int64_t slice = 16 * C * K;
  const __m256 half = _mm256_set1_ps(0.5f);
  for (int64_t c = c0; c < c1; ++c)
    for (int64_t k = 0; k < K; k += 8) {
      __m256 m[16];
      for (int xi = 0; xi < 16; ++xi) {
        m[xi] = _mm256_loadu_ps(S + (xi * C + c) * K + k);
        for (int q = 1; q < parts; ++q) m[xi] = _mm256_add_ps(m[xi], _mm256_loadu_ps(S + q * slice + (xi * C + c) * K + k));
      }
      // Gᵀ = [1 ½ ½ 0; 0 ½ −½ 0; 0 ½ ½ 1] on the rows, then on the columns
      __m256 t[3][4];
      for (int q = 0; q < 4; ++q) {
        const __m256 a = m[q], b = m[4 + q], c2 = m[8 + q], d = m[12 + q];
        const __m256 sum = _mm256_mul_ps(half, _mm256_add_ps(b, c2));
        t[0][q] = _mm256_add_ps(a, sum);
        t[1][q] = _mm256_mul_ps(half, _mm256_sub_ps(b, c2));
        t[2][q] = _mm256_add_ps(sum, d);
      }
      for (int a = 0; a < 3; ++a) {
        const __m256 sum = _mm256_mul_ps(half, _mm256_add_ps(t[a][1], t[a][2]));
        const __m256 g[3] = {_mm256_add_ps(t[a][0], sum), _mm256_mul_ps(half, _mm256_sub_ps(t[a][1], t[a][2])),
                             _mm256_add_ps(sum, t[a][3])};
        for (int b = 0; b < 3; ++b) {
          float* dst = dkernel + ((a * 3 + b) * C + c) * K + k;
          _mm256_storeu_ps(dst, _mm256_add_ps(_mm256_loadu_ps(dst), g[b]));
        }
      }
    }
}

// A transformed kernel slice U[ξ] (Cin·Cout floats) the products keep in L1/L2 across a block: at
// 64 KB (128 → 128 channels) Winograd ran 1.7× the direct kernel, at 256 KB (256 → 256) 0.6×
// (kerno_conv_bench --paths, Zen 3, two threads).
constexpr int64_t kMaxSliceFloats = 16384;

// Common conditions: 3×3, stride 1, no dilation; channel counts the vector loops take.
bool shape_fits(const kerno_conv2d_params* p, int64_t cin, int64_t cout) {
  return p->KH == 3 && p->KW == 3 && p->stride_h == 1 && p->stride_w == 1 && p->dilation_h == 1 &&
         p->dilation_w == 1 && cin % 8 == 0 && cout % kNr == 0 && cin >= 16 && cout >= 16 &&
         cin * cout <= kMaxSliceFloats;
}

}  // namespace

bool conv2d_winograd_forward_fits(const kerno_conv2d_params* p) {
  return shape_fits(p, p->C, p->K) && (p->act.kind == KERNO_ACT_LINEAR || p->act.kind == KERNO_ACT_RELU);
}

bool conv2d_winograd_backward_data_fits(const kerno_conv2d_params* p) { return shape_fits(p, p->K, p->C); }

bool conv2d_winograd_backward_filter_fits(const kerno_conv2d_params* p) { return shape_fits(p, p->C, p->K); }

kerno_status conv2d_winograd_forward(float* out, const float* inp, const float* kernel, const float* bias,
                                     const kerno_conv2d_params* p) {
  float* U = thread_scratch(kScratchCall, static_cast<size_t>(16 * p->C * p->K));
  if (!U) return KERNO_ERR_OUT_OF_MEMORY;
  transform_kernel(U, kernel, p->C, p->K, false);
  Job j{inp, p->B, p->H, p->W, p->C, out, p->OH, p->OW, p->K, p->pad_top, p->pad_left, U, bias,
        p->act.kind == KERNO_ACT_RELU, false, (p->OH + 1) / 2, (p->OW + 1) / 2};
  return run(j);
}

kerno_status conv2d_winograd_backward_data(float* dinp, const float* dout, const float* kernel,
                                           const kerno_conv2d_params* p) {
  float* U = thread_scratch(kScratchCall, static_cast<size_t>(16 * p->C * p->K));
  if (!U) return KERNO_ERR_OUT_OF_MEMORY;
  transform_kernel(U, kernel, p->C, p->K, true);
  // dinp (h, w) gathers dout (h + pt − 2 + a, w + pl − 2 + b) · kernel (2 − a, 2 − b): a
  // correlation of dout with the flipped kernel whose window starts 2 − pt rows above.
  Job j{dout, p->B, p->OH, p->OW, p->K, dinp, p->H, p->W, p->C, 2 - p->pad_top, 2 - p->pad_left, U, nullptr,
        false, true, (p->H + 1) / 2, (p->W + 1) / 2};
  return run(j);
}

kerno_status conv2d_winograd_backward_filter(float* dkernel, const float* dout, const float* inp,
                                             const kerno_conv2d_params* p) {
  Job j{inp, p->B, p->H, p->W, p->C, nullptr, p->OH, p->OW, p->K, p->pad_top, p->pad_left, nullptr, nullptr,
        false, false, (p->OH + 1) / 2, (p->OW + 1) / 2};
  const int64_t tiles = j.B * j.TH * j.TW, blocks = (tiles + kFilterTiles - 1) / kFilterTiles;
  // A fixed number of partial sums over contiguous runs of blocks, added in order: results do not
  // depend on the thread count, and threads claim parts as they go (a core that other processes
  // hold back takes fewer).
  const int parts = static_cast<int>(std::min<int64_t>(kFilterParts, blocks));
  const int64_t slice = 16 * p->C * p->K;
  float* S = thread_scratch(kScratchCall, static_cast<size_t>(slice * parts));
  if (!S) return KERNO_ERR_OUT_OF_MEMORY;
  std::fill(S, S + slice * parts, 0.f);
  const size_t scratch = static_cast<size_t>(16 * (kFilterTiles * (p->C + p->K) + 2 * kPad));
  kerno_status st = parallel_with_scratch(parts, scratch, [&](int64_t q, float* s) {
    for (int64_t blk = blocks * q / parts; blk < blocks * (q + 1) / parts; ++blk) {
      const int64_t t0 = blk * kFilterTiles;
      filter_run_block(S + q * slice, j, dout, t0, std::min(kFilterTiles, tiles - t0), s);
    }
  });
  if (st != KERNO_OK) return st;
  parallel_for(p->C, 4, [&](int64_t c0, int64_t c1) { filter_output_rows(dkernel, S, parts, p->C, p->K, c0, c1); });
  return KERNO_OK;
}

}  // namespace kerno

#else  // not x86-64 GCC/Clang: never chosen

namespace kerno {
bool conv2d_winograd_forward_fits(const kerno_conv2d_params*) { return false; }
bool conv2d_winograd_backward_data_fits(const kerno_conv2d_params*) { return false; }
kerno_status conv2d_winograd_forward(float*, const float*, const float*, const float*, const kerno_conv2d_params*) {
  return KERNO_ERR_UNSUPPORTED;
}
kerno_status conv2d_winograd_backward_data(float*, const float*, const float*, const kerno_conv2d_params*) {
  return KERNO_ERR_UNSUPPORTED;
}
bool conv2d_winograd_backward_filter_fits(const kerno_conv2d_params*) { return false; }
kerno_status conv2d_winograd_backward_filter(float*, const float*, const float*, const kerno_conv2d_params*) {
  return KERNO_ERR_UNSUPPORTED;
}
}  // namespace kerno

#endif
