#include "host/cpu/small_gemm.h"

#include <cmath>

#include "engine/util/check.h"

#if VKLLM_HAVE_X86
#include <immintrin.h>
#endif

namespace vkllm::cpu {
namespace {

void gemm_scalar(float* c, int64_t ldc, const float* a, int64_t lda, const float* b, int64_t ldb, int64_t m,
                 int64_t k, int64_t n) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      float acc = c[i * ldc + j];
      for (int64_t p = 0; p < k; ++p) acc = std::fma(b[p * ldb + j], a[i * lda + p], acc);
      c[i * ldc + j] = acc;
    }
}

#if VKLLM_HAVE_X86

// RM rows x RN vectors of 8 columns held in registers across the whole k loop. The loops over the
// tile are unrolled by the pragmas: without them GCC 12 kept acc in memory and stored all of it on
// every step of p (store-bound at about a third of the FMA rate).
template <int RM, int RN>
VKLLM_AVX2 inline void gemm_tile_avx2(float* c, int64_t ldc, const float* a, int64_t lda, const float* b,
                                      int64_t ldb, int64_t k) {
  __m256 acc[RM][RN];
#pragma GCC unroll 8
  for (int i = 0; i < RM; ++i)
#pragma GCC unroll 4
    for (int r = 0; r < RN; ++r) acc[i][r] = _mm256_loadu_ps(c + i * ldc + 8 * r);
  for (int64_t p = 0; p < k; ++p) {
    __m256 bv[RN];
#pragma GCC unroll 4
    for (int r = 0; r < RN; ++r) bv[r] = _mm256_loadu_ps(b + p * ldb + 8 * r);
#pragma GCC unroll 8
    for (int i = 0; i < RM; ++i) {
      const __m256 av = _mm256_broadcast_ss(a + i * lda + p);
#pragma GCC unroll 4
      for (int r = 0; r < RN; ++r) acc[i][r] = _mm256_fmadd_ps(bv[r], av, acc[i][r]);
    }
  }
#pragma GCC unroll 8
  for (int i = 0; i < RM; ++i)
#pragma GCC unroll 4
    for (int r = 0; r < RN; ++r) _mm256_storeu_ps(c + i * ldc + 8 * r, acc[i][r]);
}

template <int RM>
VKLLM_AVX2 void gemm_rows_avx2(float* c, int64_t ldc, const float* a, int64_t lda, const float* b, int64_t ldb,
                               int64_t k, int64_t n) {
  int64_t j = 0;
  for (; j + 16 <= n; j += 16) gemm_tile_avx2<RM, 2>(c + j, ldc, a, lda, b + j, ldb, k);
  for (; j < n; j += 8) gemm_tile_avx2<RM, 1>(c + j, ldc, a, lda, b + j, ldb, k);
}

VKLLM_AVX2 void gemm_avx2(float* c, int64_t ldc, const float* a, int64_t lda, const float* b, int64_t ldb,
                          int64_t m, int64_t k, int64_t n) {
  int64_t i = 0;
  for (; i + 6 <= m; i += 6) gemm_rows_avx2<6>(c + i * ldc, ldc, a + i * lda, lda, b, ldb, k, n);
  switch (m - i) {
    case 5: return gemm_rows_avx2<5>(c + i * ldc, ldc, a + i * lda, lda, b, ldb, k, n);
    case 4: return gemm_rows_avx2<4>(c + i * ldc, ldc, a + i * lda, lda, b, ldb, k, n);
    case 3: return gemm_rows_avx2<3>(c + i * ldc, ldc, a + i * lda, lda, b, ldb, k, n);
    case 2: return gemm_rows_avx2<2>(c + i * ldc, ldc, a + i * lda, lda, b, ldb, k, n);
    case 1: return gemm_rows_avx2<1>(c + i * ldc, ldc, a + i * lda, lda, b, ldb, k, n);
    default: return;
  }
}

#endif

}  // namespace

void gemm_accumulate(float* c, int64_t ldc, const float* a, int64_t lda, const float* b, int64_t ldb, int64_t m,
                     int64_t k, int64_t n, CpuPath path) {
  VKLLM_ASSERT(n % 8 == 0, "gemm_accumulate needs whole groups of 8 columns, not {}", n);
#if VKLLM_HAVE_X86
  if (path == CpuPath::Avx2) return gemm_avx2(c, ldc, a, lda, b, ldb, m, k, n);
#else
  (void)path;
#endif
  gemm_scalar(c, ldc, a, lda, b, ldb, m, k, n);
}

}  // namespace vkllm::cpu
