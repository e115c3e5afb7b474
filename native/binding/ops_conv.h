// Registration of the convolutional-network kernel wrappers (ops_conv.cc), kept out of args.h so
// that family can grow without touching the shared marshalling header.
#ifndef KERNO_BINDING_OPS_CONV_H
#define KERNO_BINDING_OPS_CONV_H

#include <napi.h>

namespace kerno_binding {

// conv2d, depthwise conv, pooling, batch normalization, dropout, padding/cropping/upsampling.
void register_conv_ops(Napi::Env env, Napi::Object exports);

}  // namespace kerno_binding

#endif
