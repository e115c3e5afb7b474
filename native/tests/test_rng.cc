// rng_fill on every backend: Philox4x32-10 known answers, the element → counter mapping of
// native/cpu/rng.cc (a reproducibility contract), thread-count and split invariance, moments.
// N = element count.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "cpu/philox.h"
#include "harness.h"

namespace {

kerno_rng_params rng(int32_t dist, float a, float b, uint64_t seed, uint64_t offset = 0) {
  kerno_rng_params p;
  std::memset(&p, 0, sizeof p);
  p.distribution = dist;
  p.a = a;
  p.b = b;
  p.seed = seed;
  p.offset = offset;
  return p;
}

std::vector<float> fill(const kerno_backend* be, int64_t n, const kerno_rng_params& p) {
  std::vector<float> out(n, -12345.f);
  KT_CHECK_OK(be->rng_fill(out.data(), n, &p));
  return out;
}

const kerno_rng_params kDists[] = {
    rng(KERNO_DIST_UNIFORM, -0.05f, 0.05f, 42),
    rng(KERNO_DIST_NORMAL, 0.f, 1.f, 0x123456789abcdefull),
    rng(KERNO_DIST_TRUNCATED_NORMAL, 0.5f, 2.f, 7),
};

// The mapping documented in rng.cc, written out independently.
float expected_element(const kerno_rng_params& p, uint64_t j) {
  const uint32_t k0 = static_cast<uint32_t>(p.seed), k1 = static_cast<uint32_t>(p.seed >> 32);
  const double inv24 = 1.0 / 16777216.0;
  if (p.distribution == KERNO_DIST_UNIFORM) {
    uint64_t q = j / 4;
    kerno::Philox4x32 x = kerno::philox4x32_10({{uint32_t(q), uint32_t(q >> 32), 0, 0}}, k0, k1);
    return static_cast<float>(p.a + (static_cast<double>(p.b) - p.a) * ((x.v[j % 4] >> 8) * inv24));
  }
  for (uint32_t r = 0; r < 64; ++r) {
    uint64_t q = j / 2;
    kerno::Philox4x32 x = kerno::philox4x32_10({{uint32_t(q), uint32_t(q >> 32), r, 1}}, k0, k1);
    int w = 2 * static_cast<int>(j % 2);
    double u1 = ((x.v[w] >> 8) + 1) * inv24, u2 = (x.v[w + 1] >> 8) * inv24;
    double z = std::sqrt(-2 * std::log(u1)) * std::cos(2 * M_PI * u2);
    if (p.distribution == KERNO_DIST_NORMAL || std::fabs(z) < 2) return static_cast<float>(p.a + p.b * z);
  }
  return p.a;
}

struct Moments {
  double mean, sd, lo, hi;
};

Moments moments(const std::vector<float>& x) {
  double s = 0, s2 = 0, lo = x[0], hi = x[0];
  for (float v : x) {
    s += v;
    s2 += static_cast<double>(v) * v;
    lo = std::min<double>(lo, v);
    hi = std::max<double>(hi, v);
  }
  double n = static_cast<double>(x.size()), mean = s / n;
  return {mean, std::sqrt(s2 / n - mean * mean), lo, hi};
}

}  // namespace

KERNO_TEST(philox4x32_10_known_answers) {
  // Random123 tests/kat_vectors, the three "philox4x32 10" lines: counter, key → output.
  struct Kat {
    uint32_t ctr[4], key[2], out[4];
  } kats[] = {
      {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
      {{~0u, ~0u, ~0u, ~0u}, {~0u, ~0u}, {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
      {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
       {0xa4093822, 0x299f31d0},
       {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
  };
  for (const Kat& k : kats) {
    kerno::Philox4x32 c{{k.ctr[0], k.ctr[1], k.ctr[2], k.ctr[3]}};
    kerno::Philox4x32 r = kerno::philox4x32_10(c, k.key[0], k.key[1]);
    for (int w = 0; w < 4; ++w)
      KT_CHECK(r.v[w] == k.out[w], "philox word %d: got %08x want %08x", w, r.v[w], k.out[w]);
  }
}

KERNO_TEST(rng_fill_follows_the_documented_counter_mapping) {
  for (const kerno_backend* be : kt::backends()) {
    if (!be->rng_fill) continue;
    // Seed 0, offset 0, uniform [0, 1): the first four elements are the top 24 bits of the
    // first known-answer block.
    std::vector<float> u = fill(be, 4, rng(KERNO_DIST_UNIFORM, 0.f, 1.f, 0));
    const uint32_t kat[4] = {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8};
    for (int w = 0; w < 4; ++w)
      KT_CHECK(u[w] == (kat[w] >> 8) / 16777216.f, "%s uniform[%d] = %.9g", be->name, w, u[w]);
    for (kerno_rng_params p : kDists) {
      p.offset = (uint64_t{1} << 33) + 3;  // the block index crosses into counter word 1
      const int64_t n = 1000;
      std::vector<float> x = fill(be, n, p);
      for (int64_t i = 0; i < n; ++i) {
        float want = expected_element(p, p.offset + i);
        if (x[i] != want) {
          KT_CHECK(false, "%s dist %d element %lld: %.9g, mapping gives %.9g", be->name, p.distribution,
                   static_cast<long long>(i), x[i], want);
          break;
        }
      }
    }
  }
}

KERNO_TEST(rng_fill_same_numbers_for_any_thread_count_and_backend) {
  const int saved = kerno_get_num_threads();
  const int64_t n = (1 << 20) + 13;
  for (const kerno_rng_params& base : kDists) {
    kerno_rng_params p = base;
    p.offset = 5;
    std::vector<float> first;
    for (const kerno_backend* be : kt::backends()) {
      if (!be->rng_fill) continue;
      for (int threads = 1; threads <= 2; ++threads) {
        KT_CHECK_OK(kerno_set_num_threads(threads));
        std::vector<float> x = fill(be, n, p);
        if (first.empty()) first = x;
        KT_CHECK(x == first, "%s, %d thread(s), dist %d: differs from the first backend", be->name, threads,
                 p.distribution);
      }
    }
  }
  kerno_set_num_threads(saved);
}

KERNO_TEST(rng_fill_split_into_calls_gives_the_same_numbers) {
  const int64_t n = 70001;
  const int64_t cuts[] = {0, 1, 2, 7, 64, 65, 4099, 40000, n};
  for (const kerno_backend* be : kt::backends()) {
    if (!be->rng_fill) continue;
    for (kerno_rng_params p : kDists) {
      for (uint64_t offset : {uint64_t{0}, uint64_t{3}, ~uint64_t{0} - 10}) {  // the last one wraps
        p.offset = offset;
        std::vector<float> whole = fill(be, n, p), parts(n);
        for (size_t c = 0; c + 1 < sizeof cuts / sizeof cuts[0]; ++c) {
          kerno_rng_params q = p;
          q.offset = offset + static_cast<uint64_t>(cuts[c]);
          KT_CHECK_OK(be->rng_fill(parts.data() + cuts[c], cuts[c + 1] - cuts[c], &q));
        }
        KT_CHECK(parts == whole, "%s dist %d offset %llu: split fill differs", be->name, p.distribution,
                 static_cast<unsigned long long>(offset));
      }
    }
  }
}

KERNO_TEST(rng_fill_distribution_moments) {
  const int64_t n = 1000000;
  const double z5 = 5.0 / std::sqrt(static_cast<double>(n));  // five standard errors, per unit σ
  for (const kerno_backend* be : kt::backends()) {
    if (!be->rng_fill) continue;
    // Uniform [-2, 3), σ = 5/√12. Bounds are five standard errors of the mean, σ/√n; the sample
    // sd's own standard error is smaller (σ/√(2n) for a normal), so the same bound is loose for it.
    Moments u = moments(fill(be, n, rng(KERNO_DIST_UNIFORM, -2.f, 3.f, 1)));
    double su = 5 / std::sqrt(12.0);
    KT_CHECK(std::fabs(u.mean - 0.5) < z5 * su, "%s uniform mean %.6f", be->name, u.mean);
    KT_CHECK(std::fabs(u.sd - su) < z5 * su, "%s uniform sd %.6f want %.6f", be->name, u.sd, su);
    KT_CHECK(u.lo >= -2 && u.hi < 3 && u.lo < -1.999 && u.hi > 2.999, "%s uniform range [%g, %g]",
             be->name, u.lo, u.hi);
    // Normal(1.5, 0.5).
    std::vector<float> nx = fill(be, n, rng(KERNO_DIST_NORMAL, 1.5f, 0.5f, 2));
    Moments g = moments(nx);
    KT_CHECK(std::fabs(g.mean - 1.5) < z5 * 0.5, "%s normal mean %.6f", be->name, g.mean);
    KT_CHECK(std::fabs(g.sd - 0.5) < z5 * 0.5, "%s normal sd %.6f", be->name, g.sd);
    KT_CHECK(g.lo < 1.5 - 4 * 0.5 && g.hi > 1.5 + 4 * 0.5, "%s normal tails [%g, %g]", be->name, g.lo, g.hi);
    // Truncated normal(1.5, 0.5) within ±2σ; its sd is 0.87962σ (normal truncated at ±2).
    std::vector<float> tx = fill(be, n, rng(KERNO_DIST_TRUNCATED_NORMAL, 1.5f, 0.5f, 2));
    Moments t = moments(tx);
    KT_CHECK(t.lo >= 0.5 && t.hi <= 2.5, "%s truncated range [%.9g, %.9g]", be->name, t.lo, t.hi);
    KT_CHECK(std::fabs(t.mean - 1.5) < z5 * 0.5, "%s truncated mean %.6f", be->name, t.mean);
    KT_CHECK(std::fabs(t.sd - 0.87962 * 0.5) < z5 * 0.5, "%s truncated sd %.6f", be->name, t.sd);
    // Same seed: values already inside ±2σ are the normal fill's (only outliers are redrawn).
    int64_t same = 0;
    for (int64_t i = 0; i < n; ++i) same += tx[i] == nx[i];
    KT_CHECK(std::fabs(same / static_cast<double>(n) - 0.9545) < 0.002, "%s kept %lld of %lld", be->name,
             static_cast<long long>(same), static_cast<long long>(n));
  }
}

KERNO_TEST(rng_fill_edge_cases_and_bad_arguments) {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  for (const kerno_backend* be : kt::backends()) {
    if (!be->rng_fill) continue;
    auto all_equal = [](const std::vector<float>& x, float v) {
      return std::all_of(x.begin(), x.end(), [v](float e) { return e == v; });
    };
    KT_CHECK(all_equal(fill(be, 100, rng(KERNO_DIST_UNIFORM, 0.25f, 0.25f, 3)), 0.25f), "%s: a == b",
             be->name);
    KT_CHECK(all_equal(fill(be, 100, rng(KERNO_DIST_NORMAL, -1.f, 0.f, 3)), -1.f), "%s: stddev 0", be->name);
    // Uniform [1, 1 + 2^-23) can only be 1: b itself is excluded even where a + (b − a)·u rounds to b.
    float b = std::nextafter(1.f, 2.f);
    KT_CHECK(all_equal(fill(be, 1000, rng(KERNO_DIST_UNIFORM, 1.f, b, 3)), 1.f), "%s: b excluded", be->name);
    float out[4];
    const kerno_status bad = KERNO_ERR_INVALID_ARGUMENT;
    const kerno_rng_params bads[] = {
        rng(7, 0, 1, 0),
        rng(KERNO_DIST_UNIFORM, 1, 0, 0),
        rng(KERNO_DIST_UNIFORM, nan, 1, 0),
        rng(KERNO_DIST_UNIFORM, 0, inf, 0),
        rng(KERNO_DIST_NORMAL, 0, -1, 0),
        rng(KERNO_DIST_TRUNCATED_NORMAL, 0, nan, 0),
    };
    for (const kerno_rng_params& p : bads)
      KT_CHECK(be->rng_fill(out, 4, &p) == bad, "%s: dist %d a %g b %g accepted", be->name, p.distribution,
               p.a, p.b);
    kerno_rng_params ok = rng(KERNO_DIST_UNIFORM, 0, 1, 0);
    KT_CHECK(be->rng_fill(nullptr, 4, &ok) == bad, "%s: NULL out", be->name);
    KT_CHECK(be->rng_fill(out, -1, &ok) == bad, "%s: N < 0", be->name);
    KT_CHECK(be->rng_fill(out, 4, nullptr) == bad, "%s: NULL params", be->name);
    KT_CHECK(be->rng_fill(nullptr, 0, &ok) == KERNO_OK, "%s: N = 0 is a no-op", be->name);
  }
}
