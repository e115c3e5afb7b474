// The host-pointer adapter of device backends for the native tests (see cuda_staged.h): one
// function per kernel, staging its buffers through Stage (cuda_stage.h).
#include "cuda_staged.h"
#include "cuda_stage.h"

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace kt {
namespace {

using namespace staging;

constexpr int kSlots = 4;  // distinct device backends an executable can adapt
const kerno_backend* g_device[kSlots] = {};


// One table per slot: its functions reach their device backend through the slot number.
template <int Slot>
struct Adapter {
  static const kerno_backend* d() { return g_device[Slot]; }
  static void* scratch() {
    static void* p = [] {
      void* q = nullptr;
      if (d()->mem_alloc(&q, 256) == KERNO_OK) d()->mem_zero(q, 256);
      return q;
    }();
    return p;
  }

  static kerno_status gemm(float* C, const float* A, const float* B, const kerno_gemm_params* p) {
    Stage st(d(), scratch());
    // An empty product reads nothing (M or N zero: not even C; K zero: not A or B).
    if (p && p->M > 0 && p->N > 0 && p->K > 0) {
      st.in(A, p->trans_a ? span(p->K, p->M, p->lda) : span(p->M, p->K, p->lda));
      st.in(B, p->trans_b ? span(p->N, p->K, p->ldb) : span(p->K, p->N, p->ldb));
    }
    if (p && p->M > 0 && p->N > 0) st.io(C, span(p->M, p->N, p->ldc));
    return st.call([&] { return d()->gemm(st.dev(C), st.dev(A), st.dev(B), p); });
  }

  static kerno_status dense_forward(float* out, const float* inp, const float* kernel, const float* bias, int64_t B,
                                    int64_t I, int64_t U) {
    Stage st(d(), scratch());
    if (B != 0 && U != 0) {  // otherwise nothing is read or written
      st.io(out, count({B, U}));
      st.in(inp, count({B, I}));
      st.in(kernel, count({I, U}));
      st.in(bias, U);
    }
    return st.call([&] { return d()->dense_forward(st.dev(out), st.dev(inp), st.dev(kernel), st.dev(bias), B, I, U); });
  }

  static kerno_status dense_backward(float* dinp, float* dkernel, float* dbias, const float* dout, const float* inp,
                                     const float* kernel, int64_t B, int64_t I, int64_t U) {
    Stage st(d(), scratch());
    if (B != 0 && U != 0) {  // otherwise nothing is read or written
      st.io(dinp, count({B, I}));
      st.io(dkernel, count({I, U}));
      st.io(dbias, U);
      st.in(dout, count({B, U}));
      st.in(inp, count({B, I}));
      st.in(kernel, count({I, U}));
    }
    return st.call([&] {
      return d()->dense_backward(st.dev(dinp), st.dev(dkernel), st.dev(dbias), st.dev(dout), st.dev(inp),
                                 st.dev(kernel), B, I, U);
    });
  }

  static kerno_status activation_forward(float* out, const float* inp, int64_t N, const kerno_activation_params* p) {
    Stage st(d(), scratch());
    st.io(out, N);
    st.in(inp, N);
    return st.call([&] { return d()->activation_forward(st.dev(out), st.dev(inp), N, p); });
  }

  static kerno_status activation_backward(float* dinp, const float* dout, const float* inp, const float* out,
                                          int64_t N, const kerno_activation_params* p) {
    Stage st(d(), scratch());
    st.io(dinp, N);
    st.in(dout, N);
    st.in(inp, N);
    st.in(out, N);
    return st.call(
        [&] { return d()->activation_backward(st.dev(dinp), st.dev(dout), st.dev(inp), st.dev(out), N, p); });
  }

  static kerno_status softmax_forward(float* out, const float* inp, int64_t R, int64_t C) {
    Stage st(d(), scratch());
    st.io(out, count({R, C}));
    st.in(inp, count({R, C}));
    return st.call([&] { return d()->softmax_forward(st.dev(out), st.dev(inp), R, C); });
  }

  static kerno_status softmax_backward(float* dinp, const float* dout, const float* out, int64_t R, int64_t C) {
    Stage st(d(), scratch());
    st.io(dinp, count({R, C}));
    st.in(dout, count({R, C}));
    st.in(out, count({R, C}));
    return st.call([&] { return d()->softmax_backward(st.dev(dinp), st.dev(dout), st.dev(out), R, C); });
  }

  static int64_t target_count(int64_t B, int64_t C, const kerno_loss_params* p) {
    bool sparse = p && (p->kind == KERNO_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY ||
                        p->kind == KERNO_LOSS_SPARSE_SOFTMAX_CROSSENTROPY);
    return sparse ? B : count({B, C});
  }

  static kerno_status loss_forward(float* loss, const float* pred, const float* target, int64_t B, int64_t C,
                                   const kerno_loss_params* p) {
    Stage st(d(), scratch());
    st.io(loss, B);
    st.in(pred, count({B, C}));
    st.in(target, target_count(B, C, p));
    return st.call([&] { return d()->loss_forward(st.dev(loss), st.dev(pred), st.dev(target), B, C, p); });
  }

  static kerno_status loss_backward(float* dpred, const float* pred, const float* target, const float* weight,
                                    int64_t B, int64_t C, const kerno_loss_params* p) {
    Stage st(d(), scratch());
    st.io(dpred, count({B, C}));
    st.in(pred, count({B, C}));
    st.in(target, target_count(B, C, p));
    st.in(weight, B);
    return st.call([&] {
      return d()->loss_backward(st.dev(dpred), st.dev(pred), st.dev(target), st.dev(weight), B, C, p);
    });
  }

  static kerno_status optimizer_update(float* param, float* grad, float* s0, float* s1, float* s2, int64_t N,
                                       const kerno_optimizer_params* p) {
    Stage st(d(), scratch());
    st.io(param, N);
    if (p && p->zero_grad) st.io(grad, N);  // zeroed on the device: bring the zeros back
    else st.in(grad, N);
    st.io(s0, N);
    st.io(s1, N);
    st.io(s2, N);
    // The outer-product weights' vectors go up too, and the copy of p points at them.
    kerno_optimizer_params q = p ? *p : kerno_optimizer_params{};
    kerno_outer_grad outer[KERNO_MAX_OUTER_GRADS];
    const bool staged = p && p->outer && p->n_outer > 0 && p->n_outer <= KERNO_MAX_OUTER_GRADS;
    for (int32_t i = 0; staged && i < p->n_outer; ++i) {
      outer[i] = p->outer[i];
      st.in(outer[i].u, outer[i].rows);
      st.in(outer[i].v, outer[i].cols);
    }
    return st.call([&] {
      for (int32_t i = 0; staged && i < p->n_outer; ++i) {
        outer[i].u = st.dev(p->outer[i].u);
        outer[i].v = st.dev(p->outer[i].v);
      }
      if (staged) q.outer = outer;
      return d()->optimizer_update(st.dev(param), st.dev(grad), st.dev(s0), st.dev(s1), st.dev(s2), N, p ? &q : nullptr);
    });
  }

  static kerno_status sum_squares(double* out, const float* x, int64_t N) {
    Stage st(d(), scratch());
    st.io(out, 1, sizeof(double));
    st.in(x, N);
    return st.call([&] { return d()->sum_squares(st.dev(out), st.dev(x), N); });
  }

  static kerno_status scale(float* x, int64_t N, float s) {
    Stage st(d(), scratch());
    st.io(x, N);
    return st.call([&] { return d()->scale(st.dev(x), N, s); });
  }

  static kerno_status clip_by_value(float* x, int64_t N, float v) {
    Stage st(d(), scratch());
    st.io(x, N);
    return st.call([&] { return d()->clip_by_value(st.dev(x), N, v); });
  }

  static kerno_status rng_fill(float* out, int64_t N, const kerno_rng_params* p) {
    Stage st(d(), scratch());
    st.io(out, N);
    return st.call([&] { return d()->rng_fill(st.dev(out), N, p); });
  }

  static kerno_status conv2d_forward(float* out, const float* inp, const float* kernel, const float* bias,
                                     const kerno_conv2d_params* p) {
    ConvSizes z = conv_sizes(p, false);
    Stage st(d(), scratch());
    st.io(out, z.out);
    st.in(inp, z.inp);
    st.in(kernel, z.kernel);
    st.in(bias, z.bias);
    return st.call([&] { return d()->conv2d_forward(st.dev(out), st.dev(inp), st.dev(kernel), st.dev(bias), p); });
  }

  static kerno_status conv2d_backward_data(float* dinp, const float* dout, const float* kernel,
                                           const kerno_conv2d_params* p) {
    ConvSizes z = conv_sizes(p, false);
    Stage st(d(), scratch());
    st.io(dinp, z.inp);
    st.in(dout, z.out);
    st.in(kernel, z.kernel);
    return st.call([&] { return d()->conv2d_backward_data(st.dev(dinp), st.dev(dout), st.dev(kernel), p); });
  }

  static kerno_status conv2d_backward_filter(float* dkernel, float* dbias, const float* dout, const float* inp,
                                             const kerno_conv2d_params* p) {
    ConvSizes z = conv_sizes(p, false);
    Stage st(d(), scratch());
    st.io(dkernel, z.kernel);
    st.io(dbias, z.bias);
    st.in(dout, z.out);
    st.in(inp, z.inp);
    return st.call(
        [&] { return d()->conv2d_backward_filter(st.dev(dkernel), st.dev(dbias), st.dev(dout), st.dev(inp), p); });
  }

  static kerno_status depthwise_conv2d_forward(float* out, const float* inp, const float* kernel, const float* bias,
                                               const kerno_conv2d_params* p) {
    ConvSizes z = conv_sizes(p, true);
    Stage st(d(), scratch());
    st.io(out, z.out);
    st.in(inp, z.inp);
    st.in(kernel, z.kernel);
    st.in(bias, z.bias);
    return st.call(
        [&] { return d()->depthwise_conv2d_forward(st.dev(out), st.dev(inp), st.dev(kernel), st.dev(bias), p); });
  }

  static kerno_status depthwise_conv2d_backward(float* dinp, float* dkernel, float* dbias, const float* dout,
                                                const float* inp, const float* kernel, const kerno_conv2d_params* p) {
    ConvSizes z = conv_sizes(p, true);
    Stage st(d(), scratch());
    st.io(dinp, z.inp);
    st.io(dkernel, z.kernel);
    st.io(dbias, z.bias);
    st.in(dout, z.out);
    st.in(inp, z.inp);
    st.in(kernel, z.kernel);
    return st.call([&] {
      return d()->depthwise_conv2d_backward(st.dev(dinp), st.dev(dkernel), st.dev(dbias), st.dev(dout), st.dev(inp),
                                            st.dev(kernel), p);
    });
  }

  static kerno_status max_pool2d_forward(float* out, const float* inp, const kerno_conv2d_params* p) {
    Stage st(d(), scratch());
    st.io(out, pool_out(p));
    st.in(inp, pool_in(p));
    return st.call([&] { return d()->max_pool2d_forward(st.dev(out), st.dev(inp), p); });
  }

  // max_pool2d_backward and max_pool2d_relu_backward: the same arguments, two table entries.
  using MaxPoolBackward = kerno_status (*)(float*, const float*, const float*, const kerno_conv2d_params*);
  template <MaxPoolBackward kerno_backend::*Op>
  static kerno_status max_pool_backward(float* dinp, const float* dout, const float* inp, const kerno_conv2d_params* p) {
    Stage st(d(), scratch());
    st.io(dinp, pool_in(p));
    st.in(dout, pool_out(p));
    st.in(inp, pool_in(p));
    return st.call([&] { return (d()->*Op)(st.dev(dinp), st.dev(dout), st.dev(inp), p); });
  }

  static kerno_status avg_pool2d_forward(float* out, const float* inp, const kerno_conv2d_params* p) {
    Stage st(d(), scratch());
    st.io(out, pool_out(p));
    st.in(inp, pool_in(p));
    return st.call([&] { return d()->avg_pool2d_forward(st.dev(out), st.dev(inp), p); });
  }

  static kerno_status avg_pool2d_backward(float* dinp, const float* dout, const kerno_conv2d_params* p) {
    Stage st(d(), scratch());
    st.io(dinp, pool_in(p));
    st.in(dout, pool_out(p));
    return st.call([&] { return d()->avg_pool2d_backward(st.dev(dinp), st.dev(dout), p); });
  }

  static kerno_status global_avg_pool_forward(float* out, const float* inp, int64_t B, int64_t S, int64_t C) {
    Stage st(d(), scratch());
    st.io(out, count({B, C}));
    st.in(inp, count({B, S, C}));
    return st.call([&] { return d()->global_avg_pool_forward(st.dev(out), st.dev(inp), B, S, C); });
  }

  static kerno_status global_avg_pool_backward(float* dinp, const float* dout, int64_t B, int64_t S, int64_t C) {
    Stage st(d(), scratch());
    st.io(dinp, count({B, S, C}));
    st.in(dout, count({B, C}));
    return st.call([&] { return d()->global_avg_pool_backward(st.dev(dinp), st.dev(dout), B, S, C); });
  }

  static kerno_status global_max_pool_forward(float* out, const float* inp, int64_t B, int64_t S, int64_t C) {
    Stage st(d(), scratch());
    st.io(out, count({B, C}));
    st.in(inp, count({B, S, C}));
    return st.call([&] { return d()->global_max_pool_forward(st.dev(out), st.dev(inp), B, S, C); });
  }

  static kerno_status global_max_pool_backward(float* dinp, const float* dout, const float* inp, int64_t B,
                                               int64_t S, int64_t C) {
    Stage st(d(), scratch());
    st.io(dinp, count({B, S, C}));
    st.in(dout, count({B, C}));
    st.in(inp, count({B, S, C}));
    return st.call([&] { return d()->global_max_pool_backward(st.dev(dinp), st.dev(dout), st.dev(inp), B, S, C); });
  }

  static kerno_status batchnorm_forward_train(float* out, float* smean, float* sinv, float* mmean, float* mvar,
                                              const float* inp, const float* gamma, const float* beta,
                                              const kerno_batchnorm_params* p) {
    const int64_t nc = p ? count({p->N, p->C}) : -1, c = p ? p->C : -1;
    Stage st(d(), scratch());
    st.io(out, nc);
    st.io(smean, c);
    st.io(sinv, c);
    st.io(mmean, c);
    st.io(mvar, c);
    st.in(inp, nc);
    st.in(gamma, c);
    st.in(beta, c);
    return st.call([&] {
      return d()->batchnorm_forward_train(st.dev(out), st.dev(smean), st.dev(sinv), st.dev(mmean), st.dev(mvar),
                                          st.dev(inp), st.dev(gamma), st.dev(beta), p);
    });
  }

  static kerno_status batchnorm_forward_infer(float* out, const float* inp, const float* gamma, const float* beta,
                                              const float* mmean, const float* mvar, const kerno_batchnorm_params* p) {
    const int64_t nc = p ? count({p->N, p->C}) : -1, c = p ? p->C : -1;
    Stage st(d(), scratch());
    st.io(out, nc);
    st.in(inp, nc);
    st.in(gamma, c);
    st.in(beta, c);
    st.in(mmean, c);
    st.in(mvar, c);
    return st.call([&] {
      return d()->batchnorm_forward_infer(st.dev(out), st.dev(inp), st.dev(gamma), st.dev(beta), st.dev(mmean),
                                          st.dev(mvar), p);
    });
  }

  static kerno_status batchnorm_backward(float* dinp, float* dgamma, float* dbeta, const float* dout,
                                         const float* inp, const float* gamma, const float* smean, const float* sinv,
                                         const kerno_batchnorm_params* p) {
    const int64_t nc = p ? count({p->N, p->C}) : -1, c = p ? p->C : -1;
    Stage st(d(), scratch());
    st.io(dinp, nc);
    st.io(dgamma, c);
    st.io(dbeta, c);
    st.in(dout, nc);
    st.in(inp, nc);
    st.in(gamma, c);
    st.in(smean, c);
    st.in(sinv, c);
    return st.call([&] {
      return d()->batchnorm_backward(st.dev(dinp), st.dev(dgamma), st.dev(dbeta), st.dev(dout), st.dev(inp),
                                     st.dev(gamma), st.dev(smean), st.dev(sinv), p);
    });
  }

  static kerno_status dropout_forward(float* out, float* mask, const float* inp, int64_t N, float rate,
                                      uint64_t seed, uint64_t offset) {
    Stage st(d(), scratch());
    st.io(out, N);
    st.io(mask, N);
    st.in(inp, N);
    return st.call(
        [&] { return d()->dropout_forward(st.dev(out), st.dev(mask), st.dev(inp), N, rate, seed, offset); });
  }

  static kerno_status dropout_backward(float* dinp, const float* dout, const float* mask, int64_t N) {
    Stage st(d(), scratch());
    st.io(dinp, N);
    st.in(dout, N);
    st.in(mask, N);
    return st.call([&] { return d()->dropout_backward(st.dev(dinp), st.dev(dout), st.dev(mask), N); });
  }

  static kerno_status zero_pad2d_forward(float* out, const float* inp, const kerno_pad2d_params* p) {
    Stage st(d(), scratch());
    st.io(out, pad_large(p));
    st.in(inp, pad_small(p));
    return st.call([&] { return d()->zero_pad2d_forward(st.dev(out), st.dev(inp), p); });
  }

  static kerno_status zero_pad2d_backward(float* dinp, const float* dout, const kerno_pad2d_params* p) {
    Stage st(d(), scratch());
    st.io(dinp, pad_small(p));
    st.in(dout, pad_large(p));
    return st.call([&] { return d()->zero_pad2d_backward(st.dev(dinp), st.dev(dout), p); });
  }

  static kerno_status crop2d_forward(float* out, const float* inp, const kerno_pad2d_params* p) {
    Stage st(d(), scratch());
    st.io(out, pad_small(p));
    st.in(inp, pad_large(p));
    return st.call([&] { return d()->crop2d_forward(st.dev(out), st.dev(inp), p); });
  }

  static kerno_status crop2d_backward(float* dinp, const float* dout, const kerno_pad2d_params* p) {
    Stage st(d(), scratch());
    st.io(dinp, pad_large(p));
    st.in(dout, pad_small(p));
    return st.call([&] { return d()->crop2d_backward(st.dev(dinp), st.dev(dout), p); });
  }

  static kerno_status upsample2d_forward(float* out, const float* inp, int64_t B, int64_t H, int64_t W, int64_t C,
                                         int64_t sh, int64_t sw) {
    Stage st(d(), scratch());
    st.io(out, count({B, H, sh, W, sw, C}));
    st.in(inp, count({B, H, W, C}));
    return st.call([&] { return d()->upsample2d_forward(st.dev(out), st.dev(inp), B, H, W, C, sh, sw); });
  }

  static kerno_status upsample2d_backward(float* dinp, const float* dout, int64_t B, int64_t H, int64_t W, int64_t C,
                                          int64_t sh, int64_t sw) {
    Stage st(d(), scratch());
    st.io(dinp, count({B, H, W, C}));
    st.in(dout, count({B, H, sh, W, sw, C}));
    return st.call([&] { return d()->upsample2d_backward(st.dev(dinp), st.dev(dout), B, H, W, C, sh, sw); });
  }

  // The table: an entry only where the device backend has one. Memory entries stay NULL: this
  // table takes host pointers.
  static const kerno_backend* table() {
    static std::string name = std::string("staged-") + d()->name;
    static const kerno_backend t = [] {
      const kerno_backend& s = *d();
      kerno_backend b{};
      b.name = name.c_str();
#define KT_STAGED(field) b.field = s.field ? &Adapter::field : nullptr
      KT_STAGED(gemm);
      KT_STAGED(dense_forward);
      KT_STAGED(dense_backward);
      KT_STAGED(activation_forward);
      KT_STAGED(activation_backward);
      KT_STAGED(softmax_forward);
      KT_STAGED(softmax_backward);
      KT_STAGED(loss_forward);
      KT_STAGED(loss_backward);
      KT_STAGED(optimizer_update);
      KT_STAGED(sum_squares);
      KT_STAGED(scale);
      KT_STAGED(clip_by_value);
      KT_STAGED(rng_fill);
      KT_STAGED(conv2d_forward);
      KT_STAGED(conv2d_backward_data);
      KT_STAGED(conv2d_backward_filter);
      KT_STAGED(depthwise_conv2d_forward);
      KT_STAGED(depthwise_conv2d_backward);
      KT_STAGED(max_pool2d_forward);
      b.max_pool2d_backward = s.max_pool2d_backward ? &Adapter::max_pool_backward<&kerno_backend::max_pool2d_backward> : nullptr;
      b.max_pool2d_relu_backward =
          s.max_pool2d_relu_backward ? &Adapter::max_pool_backward<&kerno_backend::max_pool2d_relu_backward> : nullptr;
      KT_STAGED(avg_pool2d_forward);
      KT_STAGED(avg_pool2d_backward);
      KT_STAGED(global_avg_pool_forward);
      KT_STAGED(global_avg_pool_backward);
      KT_STAGED(global_max_pool_forward);
      KT_STAGED(global_max_pool_backward);
      KT_STAGED(batchnorm_forward_train);
      KT_STAGED(batchnorm_forward_infer);
      KT_STAGED(batchnorm_backward);
      KT_STAGED(dropout_forward);
      KT_STAGED(dropout_backward);
      KT_STAGED(zero_pad2d_forward);
      KT_STAGED(zero_pad2d_backward);
      KT_STAGED(crop2d_forward);
      KT_STAGED(crop2d_backward);
      KT_STAGED(upsample2d_forward);
      KT_STAGED(upsample2d_backward);
#undef KT_STAGED
      return b;
    }();
    return &t;
  }
};

}  // namespace

const kerno_backend* staged_backend(const kerno_backend* device) {
  if (!device || !device->mem_alloc) return device;
  int slot = 0;
  while (slot < kSlots && g_device[slot] && g_device[slot] != device) ++slot;
  if (slot == kSlots) return nullptr;
  g_device[slot] = device;
  switch (slot) {
    case 0: return Adapter<0>::table();
    case 1: return Adapter<1>::table();
    case 2: return Adapter<2>::table();
    default: return Adapter<3>::table();
  }
}

}  // namespace kt
