// A persistent pool of worker threads for the CPU kernels.
// The calling thread takes part as worker 0, so a pool of n threads starts n-1 workers.
#ifndef KERNO_RUNTIME_THREADPOOL_H
#define KERNO_RUNTIME_THREADPOOL_H

#include <cstdint>
#include <utility>

namespace kerno {

// Threads the kernels use (set by kerno_set_num_threads; default: physical cores).
int num_threads();

// Runs fn(ctx, tid, nt) on nt = min(max_threads, num_threads()) threads, tid in [0, nt),
// and returns when all are done. Nested calls from inside a worker run serially (nt = 1).
void parallel_run(int max_threads, void (*fn)(void* ctx, int tid, int nt), void* ctx);

// Whether the calling thread is inside a parallel region (a worker, or the caller while it takes
// part as thread 0): a parallel_run from here runs serially, so kernels plan for one thread.
bool in_parallel_region();

// Splits [0, n) into contiguous chunks of at least `grain` items, one per thread, and calls
// body(begin, end) for each. Small ranges run inline on the caller.
template <class F>
void parallel_for(int64_t n, int64_t grain, F&& body) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  int64_t max_chunks = (n + grain - 1) / grain;
  int want = max_chunks > 1024 ? 1024 : static_cast<int>(max_chunks);
  if (want <= 1 || num_threads() <= 1) {
    body(int64_t{0}, n);
    return;
  }
  struct Ctx {
    F* body;
    int64_t n;
  } ctx{&body, n};
  parallel_run(
      want,
      [](void* c, int tid, int nt) {
        auto* x = static_cast<Ctx*>(c);
        int64_t begin = x->n * tid / nt, end = x->n * (tid + 1) / nt;
        if (begin < end) (*x->body)(begin, end);
      },
      &ctx);
}

}  // namespace kerno

#endif
