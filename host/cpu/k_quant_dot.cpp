// Scalar K-quant kernels: unpacking of Q2_K..Q6_K super-blocks, their integer dot products with
// q8_K activations, and the q8_K quantizer.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/util/check.h"
#include "engine/util/fp16.h"
#include "host/cpu/k_quant_decode.h"
#include "host/cpu/row_dot.h"

namespace vkllm::cpu {
namespace kq {
namespace {

template <class B>
B load(const uint8_t* p) {
  B b;
  std::memcpy(&b, p, sizeof(B));
  return b;
}

}  // namespace

void unpack_levels_scalar(GgmlType type, const uint8_t* p, int8_t* q) {
  switch (type) {
    case GgmlType::Q2_K: {
      const auto b = load<BlockQ2_K>(p);
      for (int half = 0; half < 2; ++half)
        for (int j = 0; j < 4; ++j)
          for (int l = 0; l < 32; ++l) q[128 * half + 32 * j + l] = int8_t((b.qs[32 * half + l] >> (2 * j)) & 3);
      return;
    }
    case GgmlType::Q3_K: {
      const auto b = load<BlockQ3_K>(p);
      for (int half = 0; half < 2; ++half)
        for (int j = 0; j < 4; ++j)
          for (int l = 0; l < 32; ++l) {
            const int high = (b.hmask[l] >> (4 * half + j)) & 1;
            q[128 * half + 32 * j + l] = int8_t(((b.qs[32 * half + l] >> (2 * j)) & 3) - (high ? 0 : 4));
          }
      return;
    }
    case GgmlType::Q4_K: {
      const auto b = load<BlockQ4_K>(p);
      for (int g = 0; g < 4; ++g)
        for (int l = 0; l < 32; ++l) {
          q[64 * g + l] = int8_t(b.qs[32 * g + l] & 0xF);
          q[64 * g + 32 + l] = int8_t(b.qs[32 * g + l] >> 4);
        }
      return;
    }
    case GgmlType::Q5_K: {
      const auto b = load<BlockQ5_K>(p);
      for (int g = 0; g < 4; ++g)
        for (int l = 0; l < 32; ++l) {
          q[64 * g + l] = int8_t((b.qs[32 * g + l] & 0xF) | (((b.qh[l] >> (2 * g)) & 1) << 4));
          q[64 * g + 32 + l] = int8_t((b.qs[32 * g + l] >> 4) | (((b.qh[l] >> (2 * g + 1)) & 1) << 4));
        }
      return;
    }
    case GgmlType::Q6_K: {
      const auto b = load<BlockQ6_K>(p);
      for (int half = 0; half < 2; ++half) {
        const uint8_t* ql = b.ql + 64 * half;
        const uint8_t* qh = b.qh + 32 * half;
        int8_t* out = q + 128 * half;
        for (int l = 0; l < 32; ++l) {
          out[l] = int8_t(((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32);
          out[l + 32] = int8_t(((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32);
          out[l + 64] = int8_t(((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32);
          out[l + 96] = int8_t(((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32);
        }
      }
      return;
    }
    default: VKLLM_ASSERT(false, "{} is not a K-quant", type_name(type));
  }
}

}  // namespace kq

namespace {

// Each 32-element chunk k's scaled integer sum, split into ggml's eight lanes (lane l: elements
// 4l..4l+3 of the chunk); and mins8[l] = min[2l]*bsums[2l] + min[2l+1]*bsums[2l+1] (chunk l's min term).
void integer_sums(const kq::Unpacked& b, const BlockQ8_K* y, int32_t (&lanes)[8][8], int32_t (&mins8)[8]) {
  for (int k = 0; k < 8; ++k)
    for (int l = 0; l < 8; ++l) {
      const int e = 32 * k + 4 * l;
      int32_t s = 0;
      for (int j = 0; j < 4; ++j) s += int32_t(b.q[e + j]) * int32_t(y->qs[e + j]);
      lanes[k][l] = int32_t(b.scale[e / 16]) * s;
    }
  for (int l = 0; l < 8; ++l)
    mins8[l] = int32_t(b.min[2 * l]) * y->bsums[2 * l] + int32_t(b.min[2 * l + 1]) * y->bsums[2 * l + 1];
}

template <GgmlType T>
void dot_k_row(const uint8_t* row, const uint8_t* x, size_t x_stride, int n_tokens, int64_t n, float* out) {
  const size_t bytes = kq::block_bytes(T);
  kq::Unpacked b;
  kq::LaneSums sums[kMaxDotTokens];
  for (int t = 0; t < n_tokens; ++t) sums[t] = {};
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    kq::unpack_scales<T>(row + size_t(i) * bytes, b);
    kq::unpack_levels_scalar(T, row + size_t(i) * bytes, b.q);
    for (int t = 0; t < n_tokens; ++t) {
      const auto* y = reinterpret_cast<const BlockQ8_K*>(x + size_t(t) * x_stride) + i;
      int32_t lanes[8][8], mins8[8], sumi[8] = {};
      integer_sums(b, y, lanes, mins8);
      for (int k = 0; k < 8; ++k)
        for (int l = 0; l < 8; ++l) sumi[l] += lanes[k][l];
      kq::add_super_block(T, sums[t], y->d, b, sumi, mins8);
    }
  }
  for (int t = 0; t < n_tokens; ++t) out[t] = kq::finish(T, sums[t]);
}

template <GgmlType T>
void dot_k_scalar(const uint8_t* w, size_t w_stride, int n_rows, const uint8_t* x, size_t x_stride, int n_tokens,
                  int64_t n, float* out) {
  for (int r = 0; r < n_rows; ++r) dot_k_row<T>(w + r * w_stride, x, x_stride, n_tokens, n, out + r * n_tokens);
}

template <GgmlType T, kq::RepackedOrder Order>
void dot_k_repacked_scalar(const uint8_t* w, size_t w_stride, int n_rows, const uint8_t* x, size_t x_stride,
                           int n_tokens, int64_t n, float* out) {
  constexpr int chunks_per_fma = Order == kq::RepackedOrder::Gemm ? kq::repacked_gemm_group(T) / 32 : 8;
  kq::Unpacked b;
  for (int r = 0; r < n_rows; ++r) {
    const uint8_t* row = w + r * w_stride;
    kq::RepackedSums sums[kMaxDotTokens];
    for (int64_t i = 0; i < n / kQK_K; ++i) {
      kq::unpack_scales<T>(row + size_t(i) * sizeof(Block<T>), b);
      kq::unpack_levels_scalar(T, row + size_t(i) * sizeof(Block<T>), b.q);
      for (int t = 0; t < n_tokens; ++t) {
        const auto* y = reinterpret_cast<const BlockQ8_K*>(x + size_t(t) * x_stride) + i;
        int32_t lanes[8][8], mins8[8];
        integer_sums(b, y, lanes, mins8);
        for (int k0 = 0; k0 < 8; k0 += chunks_per_fma) {
          int32_t isum = 0, imin = 0;
          for (int k = k0; k < k0 + chunks_per_fma; ++k) {
            for (int l = 0; l < 8; ++l) isum += lanes[k][l];
            imin += mins8[k];
          }
          sums[t].add(b.d * y->d, b.dmin * y->d, isum, imin);
        }
      }
    }
    for (int t = 0; t < n_tokens; ++t) out[r * n_tokens + t] = sums[t].value();
  }
}

}  // namespace

RowDot k_quant_dot_scalar(GgmlType weight_type) {
  switch (weight_type) {
    case GgmlType::Q2_K: return dot_k_scalar<GgmlType::Q2_K>;
    case GgmlType::Q3_K: return dot_k_scalar<GgmlType::Q3_K>;
    case GgmlType::Q4_K: return dot_k_scalar<GgmlType::Q4_K>;
    case GgmlType::Q5_K: return dot_k_scalar<GgmlType::Q5_K>;
    case GgmlType::Q6_K: return dot_k_scalar<GgmlType::Q6_K>;
    default: return nullptr;
  }
}

RowDot k_repacked_dot_scalar(GgmlType weight_type, bool gemm) {
  using enum kq::RepackedOrder;
  switch (weight_type) {
    case GgmlType::Q2_K: return gemm ? dot_k_repacked_scalar<GgmlType::Q2_K, Gemm> : dot_k_repacked_scalar<GgmlType::Q2_K, Gemv>;
    case GgmlType::Q4_K: return gemm ? dot_k_repacked_scalar<GgmlType::Q4_K, Gemm> : dot_k_repacked_scalar<GgmlType::Q4_K, Gemv>;
    default: return nullptr;
  }
}

// ggml's quantize_row_q8_K_ref: scale -127/(the signed extreme), round half to even, clamp at 127.
void quantize_q8_k(const float* x, int64_t n, void* out) {
  VKLLM_ASSERT(n % kQK_K == 0, "activation row of {} is not a multiple of 256", n);
  auto* blocks = static_cast<BlockQ8_K*>(out);
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const float* xb = x + i * kQK_K;
    BlockQ8_K& b = blocks[i];
    float amax = 0, max = 0;
    for (int j = 0; j < kQK_K; ++j)
      if (std::fabs(xb[j]) > amax) amax = std::fabs(xb[j]), max = xb[j];
    if (amax == 0) {
      std::memset(&b, 0, sizeof(b));
      continue;
    }
    const float iscale = -127.0f / max;
    for (int j = 0; j < kQK_K; ++j) b.qs[j] = int8_t(std::min(127.0f, std::nearbyint(iscale * xb[j])));
    for (int j = 0; j < 16; ++j) {
      int sum = 0;
      for (int l = 0; l < 16; ++l) sum += b.qs[16 * j + l];
      b.bsums[j] = int16_t(sum);
    }
    b.d = 1.0f / iscale;
  }
}

}  // namespace vkllm::cpu
