// The thread pool's contract (runtime/threadpool.h): every slot of a parallel region runs exactly
// once with its (tid, nt), whichever thread claims it; nested regions run inline; kernels can tell
// they are inside a region. Regions follow each other back to back, with and without work, so a
// worker arriving late (a region already finished by the caller) must not run a slot of the next.
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "harness.h"
#include "runtime/threadpool.h"

namespace {

struct Region {
  int nt = 0;
  std::atomic<int> runs[8];
  std::atomic<int> bad{0};
  std::atomic<int> outside{0};
  int spin_us = 0;
};

void record(void* ctx, int tid, int nt) {
  auto* r = static_cast<Region*>(ctx);
  if (nt != r->nt || tid < 0 || tid >= nt) r->bad.fetch_add(1);
  else r->runs[tid].fetch_add(1);
  if (!kerno::in_parallel_region()) r->outside.fetch_add(1);
  if (r->spin_us > 0) {
    auto t0 = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - t0 < std::chrono::microseconds(r->spin_us)) {
    }
  }
}

}  // namespace

KERNO_TEST(threadpool_runs_every_slot_once) {
  int saved = kerno_get_num_threads();
  for (int threads : {2, 3}) {
    KT_CHECK_OK(kerno_set_num_threads(threads));
    for (int spin : {0, 20}) {
      for (int i = 0; i < (spin ? 200 : 5000); ++i) {
        Region r;
        r.spin_us = spin;
        r.nt = threads;
        for (auto& c : r.runs) c.store(0);
        kerno::parallel_run(threads, record, &r);
        for (int t = 0; t < threads; ++t)
          KT_CHECK(r.runs[t].load() == 1, "threads %d, region %d: slot %d ran %d times", threads, i, t, r.runs[t].load());
        KT_CHECK(r.bad.load() == 0, "threads %d: a slot saw a wrong (tid, nt)", threads);
        KT_CHECK(r.outside.load() == 0, "threads %d: a slot ran outside a parallel region", threads);
        if (kt::current_failures()) break;
      }
    }
  }
  KT_CHECK(!kerno::in_parallel_region(), "the caller is still marked inside a region after it ended");
  KT_CHECK_OK(kerno_set_num_threads(saved));
}

KERNO_TEST(threadpool_nested_regions_run_inline) {
  int saved = kerno_get_num_threads();
  KT_CHECK_OK(kerno_set_num_threads(2));
  std::atomic<int> inner_nt_max{0}, inner_runs{0};
  struct Ctx {
    std::atomic<int>* max_nt;
    std::atomic<int>* runs;
  } ctx{&inner_nt_max, &inner_runs};
  kerno::parallel_run(
      2,
      [](void* c, int, int) {
        auto* x = static_cast<Ctx*>(c);
        kerno::parallel_run(
            2,
            [](void* c2, int, int nt) {
              auto* y = static_cast<Ctx*>(c2);
              y->runs->fetch_add(1);
              int m = y->max_nt->load();
              while (nt > m && !y->max_nt->compare_exchange_weak(m, nt)) {
              }
            },
            x);
      },
      &ctx);
  KT_CHECK(inner_runs.load() == 2, "expected one inline inner run per outer slot, got %d", inner_runs.load());
  KT_CHECK(inner_nt_max.load() == 1, "a nested region ran on %d threads", inner_nt_max.load());
  KT_CHECK_OK(kerno_set_num_threads(saved));
}
