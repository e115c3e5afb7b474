// The GEMM driver shared by every CPU level (portable, AVX2, AVX-512): Goto/BLIS blocking,
// packing, threading and edges. A level only supplies a micro-kernel description `Ukr`:
//
//   struct Ukr {
//     static constexpr int MR, NR;          // register block: MR rows of C by NR columns
//     static constexpr int64_t MC, KC;      // cache blocks: Ã (MC,KC) in L2, B̂ (KC,NR) in L1
//     // C (mr,NR) = alpha · Â (mr,kc) · B̂ (kc,NR) + beta · C for 1 <= mr <= MR, touching only
//     // those mr rows of A and C; beta == 0 must not read C.
//     // Â[i][k] = a[i*rsa + k*csa]; B̂[k][j] = b[k*rsb + j] (rows of NR contiguous floats).
//     static void ukr(int mr, int64_t kc, const float* a, int64_t rsa, int64_t csa, const float* b,
//                     int64_t rsb, float* c, int64_t ldc, float alpha, float beta);
//     // Packing: the generic pack_a_sliver<MR> / pack_b_panel<NR> below, or faster SIMD ones.
//     static void pack_a(float* dst, const float* src, int64_t rsa, int64_t csa, int64_t mr,
//                        int64_t kc);
//     static void pack_b(float* dst, const float* src, int64_t ldb, bool trans, int64_t nr,
//                        int64_t kc);
//   };
//
// M, N, K: C is (M,N), op(A) is (M,K), op(B) is (K,N); all row-major with leading dimensions.
//
// Work is cut into C tiles ("items") of at most MC rows, grabbed by the threads from an atomic
// counter. Per item:  pc (KC slices of K) → [pack Ã (rows, kc)] → jr (NR panels) → ir (MR) → ukr
// (ir outside jr when K is short, see macro_kernel). B is packed once per call into B̃ (all of
// K × N, a group of panels at a time) by whichever thread first needs the group; the others reuse
// it. So there are no barriers: a thread that the OS preempts (this library shares machines with
// other work) delays only its current item, and the other threads take the rest. The K × N
// buffer is bounded: wider problems run as several column chunks.
//
// Packing is chosen per operand: it pays when the operand is reused many times (B when M is large,
// A when an item spans many panels) or when its layout does not suit the micro-kernel (transposed
// B). Otherwise the micro-kernel reads the operand where it lies ("in place"); only a ragged right
// edge of B is copied (the micro-kernel handles short row counts itself). None of these choices
// changes the arithmetic: every C element is summed in the same order (KC slices, k ascending
// within), so results do not depend on the thread count.
//
// This header is included by one translation unit per level and compiled without SIMD flags: the
// driver is generic code; only the Ukr functions carry target attributes. Each level instantiates
// the templates with its own Ukr, so no SIMD instruction can leak into another level through ODR.
#ifndef KERNO_CPU_GEMM_DRIVER_H
#define KERNO_CPU_GEMM_DRIVER_H

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <thread>
#include <type_traits>

#include "cpu/ops.h"
#include "runtime/aligned_alloc.h"
#include "runtime/threadpool.h"

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#include <immintrin.h>
#define KERNO_CPU_RELAX() _mm_pause()
#else
#define KERNO_CPU_RELAX() ((void)0)
#endif

namespace kerno {
namespace gemm_detail {

// The GEMM holds thread_scratch slots kScratchGemmA (per thread: a packed Ã block and a direct-B
// edge panel) and kScratchGemmB (the shared packed B̃, in the calling thread's slot): callers must
// not hold pointers to these slots across a GEMM call.

// Below this many flops per thread a second thread costs more (wake-up, duplicated A packing)
// than it saves. Workers spin between the regions of a training step, so a region costs about a
// microsecond; on a quiet machine (2-core Zen 3) the MLP's 32×256×128 products (2.1 MFLOP) ran
// at 124 GFLOP/s on two threads against 66 on one. (The threshold was 4 MFLOP while a region
// could cost a worker's whole 50 µs spin: see runtime/threadpool.cc.)
constexpr double kMinFlopsPerThread = 1e6;
// Or below this many elements of A, B and C together per thread (see plan_threads).
constexpr double kMinElemsPerThread = 65536;
// B̃ holds K × N floats at most this many (64 MiB); wider problems run in column chunks.
constexpr int64_t kMaxPackedB = int64_t{1} << 24;
// B is read in place (not packed) when each panel serves at most this many rows: the copy would
// cost about as much as the reads it saves.
constexpr int64_t kDirectBMaxRows = 48;
// A B̃ slice of at most this many floats (64 KiB) stays in L2: see macro_kernel.
constexpr int64_t kRowOrderMaxFloats = 16384;
// B̃ is packed and shared in groups of this many panels (64 columns for NR = 16).
constexpr int64_t kPanelGroup = 4;
// Items per thread to aim for, so dynamic scheduling can even out unequal progress.
constexpr int64_t kItemsPerThread = 4;

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
inline int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }

// Splits `total` into equal blocks no larger than `cap`, each a multiple of `unit`: K=784 with
// KC=256 becomes 264+264+256 rather than 256·3+16, so no block is a nearly empty tail.
inline int64_t balanced_block(int64_t total, int64_t cap, int64_t unit) {
  int64_t blocks = ceil_div(total, cap);
  return std::min(round_up(cap, unit), round_up(ceil_div(total, blocks), unit));
}

// C (M,N) = beta · C, without reading C when beta == 0 (the K == 0 and alpha == 0 cases).
inline void scale_c(float* C, int64_t M, int64_t N, int64_t ldc, float beta) {
  for (int64_t i = 0; i < M; ++i) {
    float* c = C + i * ldc;
    if (beta == 0.f) std::memset(c, 0, static_cast<size_t>(N) * sizeof(float));
    else if (beta != 1.f)
      for (int64_t j = 0; j < N; ++j) c[j] *= beta;
  }
}

// ------------------------------------------------------------------------------ packing
// Ã sliver: MR rows × kc, stored k-major: dst[k*MR + i] = op(A)[i][k]; rows past mr are zeroed
// (the micro-kernel reads only mr rows, but the buffer stays fully defined). src points at
// op(A)[0][0] of the sliver.
template <int MR>
void pack_a_sliver(float* dst, const float* src, int64_t rsa, int64_t csa, int64_t mr, int64_t kc) {
  if (mr == MR && rsa == 1) {
    for (int64_t k = 0; k < kc; ++k) std::memcpy(dst + k * MR, src + k * csa, MR * sizeof(float));
    return;
  }
  if (csa == 1) {
    // A stored (M,K): read each row contiguously, scatter with stride MR.
    for (int64_t i = 0; i < mr; ++i) {
      const float* s = src + i * rsa;
      for (int64_t k = 0; k < kc; ++k) dst[k * MR + i] = s[k];
    }
  } else {
    // A stored (K,M): each k is mr contiguous floats.
    for (int64_t k = 0; k < kc; ++k) {
      const float* s = src + k * csa;
      for (int64_t i = 0; i < mr; ++i) dst[k * MR + i] = s[i];
    }
  }
  for (int64_t i = mr; i < MR; ++i)
    for (int64_t k = 0; k < kc; ++k) dst[k * MR + i] = 0.f;
}

// B̃ panel: kc × NR, dst[k*NR + j] = op(B)[k][j]; columns past nr are zero.
// B stored (K,N) when !trans (rows contiguous), (N,K) when trans.
template <int NR>
void pack_b_panel(float* dst, const float* src, int64_t ldb, bool trans, int64_t nr, int64_t kc) {
  if (!trans && nr == NR) {
    for (int64_t k = 0; k < kc; ++k) std::memcpy(dst + k * NR, src + k * ldb, NR * sizeof(float));
    return;
  }
  if (!trans) {
    for (int64_t k = 0; k < kc; ++k) {
      const float* s = src + k * ldb;
      float* d = dst + k * NR;
      int64_t j = 0;
      for (; j < nr; ++j) d[j] = s[j];
      for (; j < NR; ++j) d[j] = 0.f;
    }
    return;
  }
  // Transposed: column j of op(B) is row j of the stored matrix. Walk the stored rows in blocks
  // of 8 k so reads stay contiguous while the writes fill eight NR-rows at a time.
  int64_t k0 = 0;
  for (; k0 + 8 <= kc; k0 += 8) {
    for (int64_t j = 0; j < nr; ++j) {
      const float* s = src + j * ldb + k0;
      for (int64_t k = 0; k < 8; ++k) dst[(k0 + k) * NR + j] = s[k];
    }
    for (int64_t j = nr; j < NR; ++j)
      for (int64_t k = 0; k < 8; ++k) dst[(k0 + k) * NR + j] = 0.f;
  }
  for (int64_t k = k0; k < kc; ++k)
    for (int64_t j = 0; j < NR; ++j) dst[k * NR + j] = j < nr ? src[j * ldb + k] : 0.f;
}

// ------------------------------------------------------------------------------ shared state
// Readiness of each group of B̃ panels. The array is owned by the calling thread and grown on
// demand, so steady-state calls allocate nothing.
enum PanelState : int { kPanelEmpty = 0, kPanelPacking = 1, kPanelReady = 2 };

inline std::atomic<int>* panel_states(size_t n) {
  thread_local std::unique_ptr<std::atomic<int>[]> states;
  thread_local size_t capacity = 0;
  if (n > capacity) {
    states.reset(new (std::nothrow) std::atomic<int>[n]);
    capacity = states ? n : 0;
    if (!states) return nullptr;
  }
  for (size_t i = 0; i < n; ++i) states[i].store(kPanelEmpty, std::memory_order_relaxed);
  return states.get();
}

// Everything the threads share for one column chunk of one call.
struct Job {
  const float* A;  // op(A) (M,K): element (i,k) at A[i*rsa + k*csa]
  const float* B;  // op(B) (K,N): stored (K,N) with ldb, or (N,K) when trans_b
  float* C;        // (M,N) with ldc
  int64_t M, K, rsa, csa, ldb, ldc;
  int64_t n0, n1;  // this chunk's columns of C and op(B)
  bool trans_b;
  float alpha, beta;
  int64_t kc;                     // K slice (the last may be shorter)
  int64_t item_rows, item_cols;   // item size (multiples of MR and NR)
  int64_t items_m, items;         // items down M, and in all
  bool pack_a, pack_b;            // packed operands; the others are read in place
  float* b_packed;                // B̃ (K, panels·NR): slice pc at pc·panels·NR, panel p at +p·NR·kc
  std::atomic<int>* panel_state;  // per (slice, panel group)
  int64_t panels;                 // panels per slice
  float* scratch;                 // per thread: scratch_stride floats
  int64_t scratch_stride;
  // Its own cache line: taking an item must not evict the fields above from the other cores.
  alignas(64) std::atomic<int64_t> next_item{0};
};

// Packs B̃ panel group g (panels [g·G, g·G+G)) of the K slice starting at pc (length kc). With B
// stored (K,N) the copy walks whole rows of the group: one contiguous G·NR-float read per k lets
// the hardware prefetchers stream B, where a single panel (one cache line per row, rows a
// leading dimension apart) would miss on every row.
template <class U>
void pack_b_group(const Job& j, int64_t pc, int64_t kc, int64_t g) {
  constexpr int NR = U::NR;
  int64_t p0 = g * kPanelGroup, p1 = std::min(j.panels, p0 + kPanelGroup);
  float* slice = j.b_packed + pc * j.panels * NR;
  if (j.trans_b) {
    for (int64_t p = p0; p < p1; ++p) {
      int64_t col = j.n0 + p * NR;
      int64_t nr = std::min<int64_t>(NR, j.n1 - col);
      U::pack_b(slice + p * NR * kc, j.B + col * j.ldb + pc, j.ldb, true, nr, kc);
    }
    return;
  }
  int64_t full = std::min(p1, (j.n1 - j.n0) / NR);  // panels without a ragged edge
  for (int64_t k = 0; k < kc; ++k) {
    const float* src = j.B + (pc + k) * j.ldb + j.n0;
    for (int64_t p = p0; p < full; ++p)
      std::memcpy(slice + (p * kc + k) * NR, src + p * NR, NR * sizeof(float));
  }
  for (int64_t p = std::max(p0, full); p < p1; ++p) {
    int64_t col = j.n0 + p * NR;
    U::pack_b(slice + p * NR * kc, j.B + pc * j.ldb + col, j.ldb, false, j.n1 - col, kc);
  }
}

inline bool claim(std::atomic<int>& state) {
  int expected = kPanelEmpty;
  return state.load(std::memory_order_relaxed) == kPanelEmpty &&
         state.compare_exchange_strong(expected, kPanelPacking, std::memory_order_acquire);
}

// Returns B̃ panel p of the slice at pc, packing its group first if no thread has. While another
// thread packs it, help by packing the next groups of the slice rather than waiting idle.
template <class U>
const float* shared_panel(const Job& j, int64_t pc, int64_t kc, int64_t p) {
  constexpr int NR = U::NR;
  int64_t groups = ceil_div(j.panels, kPanelGroup), g = p / kPanelGroup;
  std::atomic<int>* state = j.panel_state + (pc / j.kc) * groups;
  for (int spins = 0;; ++spins) {
    int s = state[g].load(std::memory_order_acquire);
    if (s == kPanelReady) return j.b_packed + pc * j.panels * NR + p * NR * kc;
    int64_t mine = -1;
    if (s == kPanelEmpty && claim(state[g])) mine = g;
    for (int64_t q = g + 1; mine < 0 && q < std::min(groups, g + 3); ++q)
      if (claim(state[q])) mine = q;
    if (mine >= 0) {
      pack_b_group<U>(j, pc, kc, mine);
      state[mine].store(kPanelReady, std::memory_order_release);
      continue;
    }
    // Yield soon: on a loaded machine the packing thread may be waiting for this core.
    if (spins < 64) KERNO_CPU_RELAX();
    else std::this_thread::yield();
  }
}

// ------------------------------------------------------------------------------ one item
// Operands of one K slice of one item, as the macro-kernel reads them.
struct SliceOperands {
  const float* a;       // rows of op(A) at column pc: packed slivers (MR×kc each) or in place
  const float* b;       // B columns at row pc when B is in place (row stride ldb)
  const float* b_edge;  // packed last panel when B is in place and the chunk ends mid-panel
};

// B̂ panel for the item's columns [jr, jr+NR) in the K slice at pc, and its row stride.
template <class U>
inline const float* panel_at(const Job& j, const SliceOperands& op, int64_t j0, int64_t cols,
                             int64_t pc, int64_t kc, int64_t jr, int64_t* rsb) {
  constexpr int NR = U::NR;
  *rsb = NR;
  if (j.pack_b) return shared_panel<U>(j, pc, kc, (j0 + jr - j.n0) / NR);
  if (cols - jr < NR) return op.b_edge;
  *rsb = j.ldb;
  return op.b + (j0 + jr - j.n0);
}

// One MR × NR tile of C at (ir, jr) within the item (rows × cols at i0, j0), for the K slice at
// pc, with B̂ panel bp of row stride rsb.
template <class U>
inline void micro_tile(const Job& j, const SliceOperands& op, int64_t i0, int64_t rows, int64_t j0,
                       int64_t cols, int64_t kc, float beta, int64_t ir, int64_t jr, const float* bp,
                       int64_t rsb) {
  constexpr int MR = U::MR, NR = U::NR;
  int64_t nr = std::min<int64_t>(NR, cols - jr);
  int mr = static_cast<int>(std::min<int64_t>(MR, rows - ir));
  const float* ap = j.pack_a ? op.a + ir * kc : op.a + ir * j.rsa;
  int64_t rsa = j.pack_a ? 1 : j.rsa, csa = j.pack_a ? MR : j.csa;
  float* cp = j.C + (i0 + ir) * j.ldc + j0 + jr;
  if (nr == NR) {
    U::ukr(mr, kc, ap, rsa, csa, bp, rsb, cp, j.ldc, j.alpha, beta);
    return;
  }
  // Ragged right edge: compute the tile aside, then merge only the valid mr × nr part.
  alignas(64) float tile[MR * NR];
  U::ukr(mr, kc, ap, rsa, csa, bp, rsb, tile, NR, 1.f, 0.f);
  for (int64_t i = 0; i < mr; ++i)
    for (int64_t q = 0; q < nr; ++q) {
      float* c = cp + i * j.ldc + q;
      float v = j.alpha * tile[i * NR + q];
      *c = beta == 0.f ? v : v + beta * *c;
    }
}

// Optional in a Ukr: `row4(kc, a, csa, b[4], rsb, c, alpha, beta)`, one row of C across four
// full panels (4·NR columns; panel q at b[q], row k at b[q] + k·rsb), with the arithmetic of
// ukr(1, ...) column for column. A one-row tile of ukr keeps only NR/8 accumulators, too few to
// cover the FMA latency; four panels give it enough. A batch-1 Dense layer is all such rows.
template <class U, class = void>
struct HasRow4 : std::false_type {};
template <class U>
struct HasRow4<U, std::void_t<decltype(&U::row4)>> : std::true_type {};

// A one-row item (M = 1): four panels at a time through U::row4, the ragged rest as tiles.
template <class U>
void row_sweep(const Job& j, const SliceOperands& op, int64_t i0, int64_t j0, int64_t cols, int64_t pc,
               int64_t kc, float beta) {
  constexpr int MR = U::MR, NR = U::NR;
  const int64_t csa = j.pack_a ? MR : j.csa;
  int64_t jr = 0, rsb = 0;
  for (; jr + 4 * NR <= cols; jr += 4 * NR) {
    const float* bp[4];
    for (int q = 0; q < 4; ++q) bp[q] = panel_at<U>(j, op, j0, cols, pc, kc, jr + q * NR, &rsb);
    U::row4(kc, op.a, csa, bp, rsb, j.C + i0 * j.ldc + j0 + jr, j.alpha, beta);
  }
  for (; jr < cols; jr += NR) {
    const float* bp = panel_at<U>(j, op, j0, cols, pc, kc, jr, &rsb);
    micro_tile<U>(j, op, i0, 1, j0, cols, kc, beta, 0, jr, bp, rsb);
  }
}

// C[i0.., j0..] (rows × cols) = alpha · op(A) · op(B) + beta · C over the K slice at pc.
// Normally panels outer, rows inner: each B̂ panel stays in L1 while the Ã block streams from L2.
// When the slice's B̃ is small enough to stay in L2 (short K), rows go outer instead: C is then
// swept along its rows, contiguous streams the prefetchers follow, rather than down its columns
// one cache line per row, which matters once the C update dominates a short micro-kernel.
template <class U>
void macro_kernel(const Job& j, const SliceOperands& op, int64_t i0, int64_t rows, int64_t j0,
                  int64_t cols, int64_t pc, int64_t kc, float beta) {
  constexpr int MR = U::MR, NR = U::NR;
  if constexpr (HasRow4<U>::value) {
    if (rows == 1) return row_sweep<U>(j, op, i0, j0, cols, pc, kc, beta);
  }
  int64_t rsb;
  if (j.pack_b && kc * cols <= kRowOrderMaxFloats) {
    for (int64_t ir = 0; ir < rows; ir += MR)
      for (int64_t jr = 0; jr < cols; jr += NR) {
        const float* bp = panel_at<U>(j, op, j0, cols, pc, kc, jr, &rsb);
        micro_tile<U>(j, op, i0, rows, j0, cols, kc, beta, ir, jr, bp, rsb);
      }
    return;
  }
  for (int64_t jr = 0; jr < cols; jr += NR) {
    const float* bp = panel_at<U>(j, op, j0, cols, pc, kc, jr, &rsb);
    for (int64_t ir = 0; ir < rows; ir += MR)
      micro_tile<U>(j, op, i0, rows, j0, cols, kc, beta, ir, jr, bp, rsb);
  }
}

// One item: C rows [i0, i0+rows) × columns [j0, j0+cols), all of K. `buf` is this thread's scratch.
template <class U>
void run_item(const Job& j, float* buf, int64_t i0, int64_t rows, int64_t j0, int64_t cols) {
  constexpr int MR = U::MR, NR = U::NR;
  for (int64_t pc = 0; pc < j.K; pc += j.kc) {
    int64_t kc = std::min(j.kc, j.K - pc);
    float beta = pc == 0 ? j.beta : 1.f;  // later slices accumulate onto the first
    const float* a = j.A + i0 * j.rsa + pc * j.csa;
    SliceOperands op{a, nullptr, nullptr};
    if (j.pack_a) {
      for (int64_t ir = 0; ir < rows; ir += MR)
        U::pack_a(buf + ir * kc, a + ir * j.rsa, j.rsa, j.csa, std::min<int64_t>(MR, rows - ir), kc);
      op.a = buf;
    }
    if (!j.pack_b) {
      op.b = j.B + pc * j.ldb + j.n0;
      if (cols % NR) {
        int64_t jr = cols - cols % NR;
        float* edge = buf + round_up(j.item_rows, MR) * j.kc;
        U::pack_b(edge, op.b + (j0 - j.n0) + jr, j.ldb, false, cols - jr, kc);
        op.b_edge = edge;
      }
    }
    macro_kernel<U>(j, op, i0, rows, j0, cols, pc, kc, beta);
  }
}

template <class U>
void thread_main(void* ctx, int tid, int /*nt*/) {
  Job& j = *static_cast<Job*>(ctx);
  float* buf = j.scratch + tid * j.scratch_stride;
  for (;;) {
    int64_t it = j.next_item.fetch_add(1, std::memory_order_relaxed);
    if (it >= j.items) return;
    // Consecutive items go down M, so concurrent threads share the same B̃ panels in cache.
    int64_t i0 = (it % j.items_m) * j.item_rows, j0 = j.n0 + (it / j.items_m) * j.item_cols;
    run_item<U>(j, buf, i0, std::min(j.item_rows, j.M - i0), j0, std::min(j.item_cols, j.n1 - j0));
  }
}

// ------------------------------------------------------------------------------ the plan
// Threads for a problem: enough work per thread to pay for waking it. Work is the larger of the
// arithmetic and the memory traffic: a product with a short side (a batch-1 GEMV, or a weight
// gradient from a few samples, K = batch) does little arithmetic per element it streams, and
// two cores stream about twice as fast as one. Inside a parallel region (dense backward runs its
// two products side by side) a product gets one thread.
inline int plan_threads(int64_t M, int64_t N, int64_t K) {
  if (in_parallel_region()) return 1;
  double flops = 2.0 * static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K);
  double elems = static_cast<double>(M) * N + static_cast<double>(K) * N + static_cast<double>(M) * K;
  double useful = std::max(1.0, std::max(flops / kMinFlopsPerThread, elems / kMinElemsPerThread));
  return static_cast<int>(std::min<double>(std::max(1, num_threads()), useful));
}

// Item shape, packing choices and the K slice for the columns [n0, n1) on nt threads.
template <class U>
void plan_items(Job* j, int nt) {
  constexpr int MR = U::MR, NR = U::NR;
  int64_t width = j->n1 - j->n0;
  j->kc = balanced_block(j->K, U::KC, 8);
  j->item_rows = balanced_block(j->M, U::MC, MR);
  j->items_m = ceil_div(j->M, j->item_rows);
  j->item_cols = width;
  int64_t want = kItemsPerThread * nt;
  if (nt > 1 && j->items_m < want && j->M >= want * MR) {
    // Too few row blocks for the threads: cut the rows finer, which costs nothing extra (every
    // item packs only its own rows of A and B̃ is shared) while items keep several tiles.
    j->item_rows = balanced_block(j->M, std::max<int64_t>(4 * MR, ceil_div(j->M, want)), MR);
    j->items_m = ceil_div(j->M, j->item_rows);
  }
  if (nt > 1 && j->items_m < want) {
    // Still too few (small M): cut the columns as well, no narrower than 4 panels so each A
    // sliver is reused. Each column item re-reads (or re-packs) the item's rows of A.
    int64_t pieces = ceil_div(want, j->items_m);
    int64_t narrowest = std::min<int64_t>(width, 4 * NR);
    j->item_cols = std::max(narrowest, round_up(ceil_div(width, pieces), NR));
  }
  j->items = j->items_m * ceil_div(width, j->item_cols);
  j->pack_b = j->trans_b || j->M > kDirectBMaxRows;
  // Ã is reused by every panel of the item; read in place it costs MR strided streams per tile.
  j->pack_a = j->item_cols >= 8 * NR && j->K > 16;
}

// Runs the columns [n0, n1) of the call on up to nt threads.
template <class U>
kerno_status run_chunk(const float* A, const float* B, float* C, const kerno_gemm_params* p, int64_t n0,
                       int64_t n1, int nt) {
  constexpr int MR = U::MR, NR = U::NR;
  Job j;
  j.A = A;
  j.B = B;
  j.C = C;
  j.M = p->M;
  j.K = p->K;
  j.rsa = p->trans_a ? 1 : p->lda;
  j.csa = p->trans_a ? p->lda : 1;
  j.ldb = p->ldb;
  j.ldc = p->ldc;
  j.n0 = n0;
  j.n1 = n1;
  j.trans_b = p->trans_b != 0;
  j.alpha = p->alpha;
  j.beta = p->beta;
  plan_items<U>(&j, nt);
  nt = static_cast<int>(std::min<int64_t>(nt, j.items));

  // Buffers come from the calling thread's scratch, so a failed allocation is reported here,
  // before any thread starts, and steady-state calls allocate nothing.
  j.panels = ceil_div(n1 - n0, NR);
  j.scratch_stride = round_up(round_up(j.item_rows, MR) * j.kc + NR * j.kc, 16);
  j.scratch = thread_scratch(kScratchGemmA, static_cast<size_t>(j.scratch_stride * nt));
  if (!j.scratch) return KERNO_ERR_OUT_OF_MEMORY;
  j.b_packed = nullptr;
  j.panel_state = nullptr;
  if (j.pack_b) {
    j.b_packed = thread_scratch(kScratchGemmB, static_cast<size_t>(j.K * j.panels * NR));
    int64_t groups = ceil_div(j.K, j.kc) * ceil_div(j.panels, kPanelGroup);
    j.panel_state = panel_states(static_cast<size_t>(groups));
    if (!j.b_packed || !j.panel_state) return KERNO_ERR_OUT_OF_MEMORY;
  }
  if (nt <= 1) thread_main<U>(&j, 0, 1);
  else parallel_run(nt, thread_main<U>, &j);
  return KERNO_OK;
}

// The whole GEMM for one micro-kernel: validation, trivial cases, column chunks.
template <class U>
kerno_status gemm_run(float* C, const float* A, const float* B, const kerno_gemm_params* p) {
  kerno_status s = gemm_check(C, A, B, p);
  if (s != KERNO_OK || p->M == 0 || p->N == 0) return s;
  if (p->K == 0 || p->alpha == 0.f) {
    scale_c(C, p->M, p->N, p->ldc, p->beta);
    return KERNO_OK;
  }
  int nt = plan_threads(p->M, p->N, p->K);
  int64_t chunk = std::max<int64_t>(U::NR, kMaxPackedB / p->K / U::NR * U::NR);
  for (int64_t n0 = 0; n0 < p->N && s == KERNO_OK; n0 += chunk)
    s = run_chunk<U>(A, B, C, p, n0, std::min(p->N, n0 + chunk), nt);
  return s;
}

}  // namespace gemm_detail
}  // namespace kerno

#endif
