// Persistent worker threads: kernels run many short parallel regions per training step, so
// threads are started once and woken per region rather than created per call.
#include "runtime/threadpool.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "runtime/cpu_features.h"
#include "runtime/float_mode.h"

namespace kerno {
namespace {

class Pool {
 public:
  static Pool& instance() {
    // Leaked on purpose: joining workers from a static destructor at process exit can deadlock
    // when the addon is unloaded after Node has torn down its own threads.
    static Pool* pool = new Pool();
    return *pool;
  }

  int size() const { return size_; }

  static bool inside() { return in_worker_; }

  kerno_status resize(int n) {
    if (n < 1) return KERNO_ERR_INVALID_ARGUMENT;
    std::lock_guard<std::mutex> run_lock(run_mutex_);
    stop_workers();
    size_ = n;
    try {
      start_workers();
    } catch (...) {
      stop_workers();
      size_ = 1;
      return KERNO_ERR_OUT_OF_MEMORY;
    }
    return KERNO_OK;
  }

  // The region's nt slots (fn's tid argument) are claimed, not assigned: a worker runs the slots
  // it claims, and the caller, once done with slot 0, runs every slot no worker has claimed yet.
  // So a worker that the OS has not scheduled (other processes on the machine, or this process's
  // own threads outnumbering the cores) delays nothing: the caller does its share and waits only
  // for slots a worker has actually started. Which thread runs a slot never changes what the slot
  // computes, so results stay those of an nt-thread run.
  void run(int nt, void (*fn)(void*, int, int), void* ctx) {
    // One parallel region at a time; a region started from inside a worker (nested) or while
    // another region runs on another JS worker thread falls back to running inline.
    if (in_worker_ || nt <= 1 || !run_mutex_.try_lock()) {
      fn(ctx, 0, 1);
      return;
    }
    std::lock_guard<std::mutex> run_lock(run_mutex_, std::adopt_lock);
    if (nt > size_) nt = size_;
    if (nt <= 1) {
      fn(ctx, 0, 1);
      return;
    }
    uint64_t region;
    {
      std::lock_guard<std::mutex> lk(m_);
      fn_ = fn;
      ctx_ = ctx;
      nt_ = nt;
      region = generation_.load(std::memory_order_relaxed) + 1;
      slots_.store(slot_word(region, 1), std::memory_order_relaxed);  // slot 0 is the caller's
      generation_.store(region, std::memory_order_release);
    }
    wake_.notify_all();
    in_worker_ = true;
    fn(ctx, 0, nt);
    for (int s; (s = claim(region, nt)) >= 0;) fn(ctx, s, nt);
    in_worker_ = false;
    // Wait for the slots workers started: spin briefly (regions are short), then sleep.
    for (int i = 0; i < 4000 && busy_.load(std::memory_order_acquire) != 0; ++i) std::this_thread::yield();
    if (busy_.load(std::memory_order_acquire) != 0) {
      std::unique_lock<std::mutex> lk(m_);
      done_.wait(lk, [&] { return busy_.load(std::memory_order_acquire) == 0; });
    }
  }

 private:
  Pool() {
    int cores = cpu_features().physical_cores;
    size_ = cores > 0 ? cores : 1;
    try {
      start_workers();
    } catch (...) {
      size_ = 1;
    }
  }

  void start_workers() {
    quit_ = false;
    uint64_t gen;
    {
      std::lock_guard<std::mutex> lk(m_);
      gen = generation_.load(std::memory_order_relaxed);
    }
    for (int t = 1; t < size_; ++t) workers_.emplace_back([this, gen] { worker_loop(gen); });
  }

  void stop_workers() {
    {
      std::lock_guard<std::mutex> lk(m_);
      quit_ = true;
      ++generation_;
    }
    wake_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  // Training runs many short parallel regions back to back (one per layer and step); a worker
  // that sleeps after each one pays a futex wake-up (5-25 us) on the next, which is as long as an
  // MLP-sized GEMM. Spinning briefly first catches the next region without the kernel's help.
  // After a few microseconds of pause-spinning the worker yields its CPU on every check: when
  // other processes load the machine, the OS may put this worker on the caller's core, and a
  // worker that only pauses would hold that core for the whole spin while the caller, the one
  // thread that can start the next region or finish this one, waits (measured: every region of a
  // training step then cost the full 50 us spin).
  void spin_for_work(uint64_t seen) const {
    auto start = std::chrono::steady_clock::now();
    for (int i = 1;; ++i) {
      if (generation_.load(std::memory_order_acquire) != seen) return;
      if (i < kPauseSpins) cpu_relax();
      else std::this_thread::yield();
      if ((i & 15) == 0 && std::chrono::steady_clock::now() - start > std::chrono::microseconds(kSpinMicros)) return;
    }
  }

  static void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
  }

  static constexpr int kSpinMicros = 50;
  // Pause-spins (about 40 ns each) before the spin starts yielding.
  static constexpr int kPauseSpins = 64;

  // slots_ packs the region (the low 32 bits of its generation) with the next unclaimed slot, so
  // a worker still holding an old region cannot claim a slot of the next one.
  static uint64_t slot_word(uint64_t region, uint64_t slot) { return (region << 32) | slot; }

  // Claims the next slot of `region`; -1 when every slot is taken or the region is over.
  int claim(uint64_t region, int nt) {
    uint64_t word = slots_.load(std::memory_order_acquire);
    for (;;) {
      if ((word >> 32) != (region & 0xffffffffu)) return -1;
      uint64_t slot = word & 0xffffffffu;
      if (slot >= static_cast<uint64_t>(nt)) return -1;
      if (slots_.compare_exchange_weak(word, word + 1, std::memory_order_acq_rel, std::memory_order_acquire))
        return static_cast<int>(slot);
    }
  }

  void worker_loop(uint64_t seen) {
    in_worker_ = true;
    flush_denormals_forever();
    for (;;) {
      void (*fn)(void*, int, int);
      void* ctx;
      int nt;
      spin_for_work(seen);
      {
        std::unique_lock<std::mutex> lk(m_);
        wake_.wait(lk, [&] { return generation_.load(std::memory_order_relaxed) != seen; });
        seen = generation_.load(std::memory_order_relaxed);
        if (quit_) return;
        fn = fn_;
        ctx = ctx_;
        nt = nt_;
      }
      // Counted busy before claiming: the caller, seeing every slot claimed, then waits for us.
      busy_.fetch_add(1, std::memory_order_seq_cst);
      for (int s; (s = claim(seen, nt)) >= 0;) fn(ctx, s, nt);
      if (busy_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> lk(m_);
        done_.notify_one();
      }
    }
  }

  int size_ = 1;
  std::vector<std::thread> workers_;
  std::mutex run_mutex_;
  std::mutex m_;
  std::condition_variable wake_, done_;
  // Written under m_ (so condition-variable waits cannot miss it), read lock-free by spinners.
  std::atomic<uint64_t> generation_{0};
  bool quit_ = false;
  void (*fn_)(void*, int, int) = nullptr;
  void* ctx_ = nullptr;
  int nt_ = 1;
  std::atomic<uint64_t> slots_{0};
  // Workers between claiming and finishing the current region's slots.
  std::atomic<int> busy_{0};
  static thread_local bool in_worker_;
};

thread_local bool Pool::in_worker_ = false;

}  // namespace

int num_threads() { return Pool::instance().size(); }

bool in_parallel_region() { return Pool::inside(); }

void parallel_run(int max_threads, void (*fn)(void* ctx, int tid, int nt), void* ctx) {
  Pool::instance().run(max_threads, fn, ctx);
}

}  // namespace kerno

extern "C" kerno_status kerno_set_num_threads(int n) {
  if (n < 1 || n > 1024) return KERNO_ERR_INVALID_ARGUMENT;
  return kerno::Pool::instance().resize(n);
}

extern "C" int kerno_get_num_threads(void) { return kerno::num_threads(); }
