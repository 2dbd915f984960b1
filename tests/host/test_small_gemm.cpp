// gemm_accumulate (host/cpu/small_gemm.h): C += A·B agrees with a double-precision product for
// shapes that do and do not fill the AVX2 kernel's 6-row, 16-column tiles, with strided operands;
// the scalar and AVX2 paths give the same floats.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "host/cpu/small_gemm.h"

namespace vkllm::cpu {
namespace {

TEST(SmallGemm, AccumulatesTheProduct) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  struct Shape {
    int64_t m, k, n;
  };
  for (Shape s : {Shape{1, 1, 8}, Shape{6, 64, 64}, Shape{7, 80, 24}, Shape{64, 128, 64}, Shape{13, 3, 40}}) {
    SCOPED_TRACE(testing::Message() << s.m << "x" << s.k << "x" << s.n);
    const int64_t lda = s.k + 3, ldb = s.n + 8, ldc = s.n + 5;  // rows wider than the operands
    std::vector<float> a(size_t(s.m * lda)), b(size_t(s.k * ldb)), c0(size_t(s.m * ldc));
    for (auto* v : {&a, &b, &c0})
      for (auto& x : *v) x = uniform(rng);
    std::vector<float> got[2];
    for (CpuPath path : {CpuPath::Scalar, CpuPath::Avx2}) {
      if (path == CpuPath::Avx2 && !cpu_has_avx2()) continue;
      auto& c = got[path == CpuPath::Avx2];
      c = c0;
      gemm_accumulate(c.data(), ldc, a.data(), lda, b.data(), ldb, s.m, s.k, s.n, path);
      for (int64_t i = 0; i < s.m; ++i)
        for (int64_t j = 0; j < ldc; ++j) {
          double want = c0[size_t(i * ldc + j)];
          if (j < s.n) {  // columns past n stay as they were
            for (int64_t p = 0; p < s.k; ++p) want += double(a[size_t(i * lda + p)]) * double(b[size_t(p * ldb + j)]);
          }
          ASSERT_NEAR(c[size_t(i * ldc + j)], want, 1e-5 * double(s.k + 1)) << "row " << i << " column " << j;
        }
    }
    if (cpu_has_avx2()) {
      EXPECT_EQ(got[0], got[1]);
    }
  }
}

}  // namespace
}  // namespace vkllm::cpu
