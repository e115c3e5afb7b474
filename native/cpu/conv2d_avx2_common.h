// Shared by the AVX2 direct conv kernels (conv2d_avx2.cc: forward and the transposed
// backward-data; conv2d_avx2_backward.cc: backward-filter and the gathered backward-data): the
// geometry, pixel stepping and the window row tables. Include only where KERNO_AVX2 code is
// compiled (x86-64, GCC/Clang).
#ifndef KERNO_CPU_CONV2D_AVX2_COMMON_H
#define KERNO_CPU_CONV2D_AVX2_COMMON_H

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "cpu/conv2d_direct.h"
#include "kerno/kernels.h"

// Only the functions carrying this are compiled for AVX2, so the files link into any x86-64 binary.
#define KERNO_AVX2 __attribute__((target("avx2,fma")))

namespace kerno::conv2d_avx2 {

constexpr int64_t kChunk = 48;                    // output pixels per block of row pointers
constexpr int64_t kMaxD = kConv2dDirectMaxD;      // D < kMaxD, so KH, KWC < kMaxD too
alignas(32) inline constexpr float kZeros[kMaxD + 8] = {};   // the row of a window above/below the image

struct Geo {
  int64_t B, H, W, C, OH, OW, KH, KW, K, sh, sw, dh, dw, pt, pl, P, D, OHW, KWC;
  kerno_activation_params act;  // forward's fused activation
  bool relu;                    // act is ReLU: applied in registers
  const float* zeros = kZeros;  // zeros for a window's rows above/below the image
  int64_t zeros_len = kMaxD + 8;  // ≥ KWC; when ≥ W·C, whole zero image rows (see row_runs)
  bool accumulate = false;        // forward adds into out instead of starting from the bias
  int32_t tap_row[kMaxD], tap_col[kMaxD];  // tap t = (kh, j): its kernel row and place in it
  explicit Geo(const kerno_conv2d_params& p)
      : B(p.B), H(p.H), W(p.W), C(p.C), OH(p.OH), OW(p.OW), KH(p.KH), KW(p.KW), K(p.K),
        sh(p.stride_h), sw(p.stride_w), dh(p.dilation_h), dw(p.dilation_w), pt(p.pad_top),
        pl(p.pad_left), P(p.B * p.OH * p.OW), D(p.KH * p.KW * p.C), OHW(p.OH * p.OW), KWC(p.KW * p.C),
        act(p.act), relu(p.act.kind == KERNO_ACT_RELU) {
    for (int64_t t = 0; t < D && t < kMaxD; ++t)
      tap_row[t] = static_cast<int32_t>(t / KWC), tap_col[t] = static_cast<int32_t>(t % KWC);
  }
};

// Output pixel (b,oh,ow), stepped in P order.
struct Pixel {
  int64_t b, oh, ow;
  Pixel(const Geo& g, int64_t m) : b(m / g.OHW), oh((m % g.OHW) / g.OW), ow(m % g.OW) {}
  void next(const Geo& g) {
    if (++ow == g.OW) {
      ow = 0;
      if (++oh == g.OH) oh = 0, ++b;
    }
  }
};

// Row pointers of n pixels' windows from pixel m on: rows[i·KH + kh] → the KWC floats of pixel
// i's kernel row kh. Rows cut by the padding (or dilated) are gathered into buf (n·D floats).
inline void window_rows(const float** rows, float* buf, const float* inp, const Geo& g, int64_t m, int64_t n) {
  Pixel q(g, m);
  for (int64_t i = 0; i < n; ++i, q.next(g)) {
    const int64_t iw0 = q.ow * g.sw - g.pl;
    const bool inside = g.dw == 1 && iw0 >= 0 && iw0 + g.KW <= g.W;
    for (int64_t kh = 0; kh < g.KH; ++kh) {
      const int64_t ih = q.oh * g.sh - g.pt + kh * g.dh;
      const float*& r = rows[i * g.KH + kh];
      if (ih < 0 || ih >= g.H) {
        r = g.zeros;
        continue;
      }
      const float* src = inp + (q.b * g.H + ih) * g.W * g.C;
      if (inside) {
        r = src + iw0 * g.C;
        continue;
      }
      float* dst = buf + (i * g.KH + kh) * g.KWC;
      for (int64_t kw = 0; kw < g.KW; ++kw) {
        int64_t iw = iw0 + kw * g.dw;
        if (iw >= 0 && iw < g.W) std::memcpy(dst + kw * g.C, src + iw * g.C, static_cast<size_t>(g.C) * sizeof(float));
        else std::memset(dst + kw * g.C, 0, static_cast<size_t>(g.C) * sizeof(float));
      }
      r = dst;
    }
  }
}

// Where each pixel's kernel rows start. Strided: pixels along one output row whose windows lie
// inside the image, read in place: pixel i's row kh at rp[kh] + off + i·step. Gathered: any
// pixels, through the table of window_rows.
struct Strided {
  const float* const* rp;
  int64_t off, step;
  const float* at(int64_t i, int64_t kh) const { return rp[kh] + off + i * step; }
  Strided skip(int64_t i) const { return {rp, off + i * step, step}; }
};
struct Gathered {
  const float* const* rows;
  int64_t KH;
  const float* at(int64_t i, int64_t kh) const { return rows[i * KH + kh]; }
  Gathered skip(int64_t i) const { return {rows + i * KH, KH}; }
};

// Calls fast(ow0, n, Strided) for the runs of output row (b,oh) whose windows lie inside the
// image, and slow(m, n) for the pixels m .. m+n−1 around them (padding, dilated columns). With
// a zero row as long as an image row (g.zeros_len ≥ W·C), kernel rows above/below the image read
// it in place, so only the left/right borders need the slow path.
template <class Fast, class Slow>
void row_runs(const Geo& g, const float* inp, int64_t b, int64_t oh, Fast&& fast, Slow&& slow) {
  const int64_t m = (b * g.OH + oh) * g.OW;
  const float* rp[kMaxD];
  const bool zero_rows = g.zeros_len >= g.W * g.C;
  bool rows_in = true;
  for (int64_t kh = 0; kh < g.KH; ++kh) {
    int64_t ih = oh * g.sh - g.pt + kh * g.dh;
    bool in = ih >= 0 && ih < g.H;
    rows_in = rows_in && (in || zero_rows);
    rp[kh] = in ? inp + (b * g.H + ih) * g.W * g.C : g.zeros;
  }
  // Columns ow with 0 ≤ ow·sw − pl and ow·sw − pl + KW ≤ W (unit dilation only).
  int64_t lo = (g.pl + g.sw - 1) / g.sw, hi = g.W - g.KW + g.pl >= 0 ? (g.W - g.KW + g.pl) / g.sw + 1 : 0;
  hi = std::min(hi, g.OW);
  auto slow_run = [&](int64_t o0, int64_t o1) {  // in blocks of at most kChunk pixels
    for (int64_t o = o0; o < o1; o += kChunk) slow(m + o, std::min(kChunk, o1 - o));
  };
  if (!rows_in || g.dw != 1 || lo >= hi) return slow_run(0, g.OW);
  slow_run(0, lo);
  fast(lo, hi - lo, Strided{rp, (lo * g.sw - g.pl) * g.C, g.sw * g.C});
  slow_run(hi, g.OW);
}

}  // namespace kerno::conv2d_avx2

#endif
