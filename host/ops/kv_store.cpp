#include "host/ops/check_shapes.h"
#include "host/ops/ops.h"
#include "host/vulkan/recorder.h"
#include "shaders/params.h"

namespace vkllm::ops {

void kv_store(vk::Recorder& rec, const Tensor& src, const Tensor& cells, const Tensor& cache) {
  shaders::ShaderId shader{};
  switch (cache.type) {
    case GgmlType::F16: shader = shaders::ShaderId::kv_store_f16; break;
    case GgmlType::Q8_0: shader = shaders::ShaderId::kv_store_q8_0; break;
    case GgmlType::F32: shader = shaders::ShaderId::kv_store_f32; break;
    default: fail("kv_store: cache type {} is not supported (f16, q8_0, f32)", type_name(cache.type));
  }
  expect_type("kv_store", src, GgmlType::F32);
  expect_type("kv_store cells", cells, GgmlType::I32);
  for (const Tensor* t : {&src, &cells, &cache}) expect_contiguous("kv_store", *t);
  const uint64_t row_len = cache.ne[0];
  if (cache.ne[2] != 1 || cache.ne[3] != 1 || src.elements() % row_len != 0 || src.elements() / row_len != cells.elements())
    fail("kv_store: {} rows of {} into cache {}", cells.elements(), src.describe(), cache.describe());
  const params::KvStoreParams p{u32("kv_store", row_len), u32("kv_store", cells.elements()),
                                u32("kv_store", cache.ne[1])};
  u32("kv_store", cache.ne[1] * row_len);
  rec.dispatch(shader, {vk::reads(src.data), vk::reads(cells.data), vk::writes(cache.data)}, p,
               vk::workgroups(p.n_rows));
}

}  // namespace vkllm::ops
