#pragma once
// Layer stages on different backends working at once. A pass of many tokens is cut into
// micro-batches that flow through the stages in order: while stage s+1 works on micro-batch m,
// stage s already works on m+1 (llama.cpp's pipeline parallelism). Every stage sees its
// micro-batches in token order, so each token's keys and values are in its cache before a later
// token of the same stage attends to them, as in one pass. Each stage runs on its own thread; a
// stage that throws stops the others before their next micro-batch, and the first exception is
// rethrown once all threads have ended.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "host/exec/stage.h"

namespace vkllm {

// Tokens per micro-batch for a pass of n_tokens through n_stages stages: the user's -ub (default
// 512, llama.cpp's, so passes of the default -b 512 are not cut), or n_tokens (no cutting) for a
// single stage. Cutting pays when the stages take similar times; smaller micro-batches also run the
// matmul kernels less efficiently, which on a slow stage can cost more than the overlap gains.
int64_t micro_batch_size(int64_t n_tokens, size_t n_stages, int n_ubatch);

// Runs the stages over x ([batch.size()][n_embd]) in micro-batches of `micro` tokens, overlapped as
// above; with one stage or micro >= batch.size() it is one plain pass per stage on this thread.
void run_stages(std::span<const std::unique_ptr<LayerStage>> stages, std::span<float> x, int64_t n_embd,
                const StageBatch& batch, int64_t micro);

}  // namespace vkllm
