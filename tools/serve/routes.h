#pragma once
// The HTTP endpoints: /v1/completions, /v1/chat/completions, /v1/models, /health, /metrics, with
// bearer-key checks and OpenAI-style error objects.
#include <httplib.h>

#include <atomic>
#include <optional>
#include <string>

#include "engine/model/model_file.h"
#include "tools/serve/chat_template.h"
#include "tools/serve/metrics.h"
#include "tools/serve/scheduler.h"

namespace vkllm::serve {

struct RouteConfig {
  std::string api_key;                  // empty: no authentication
  std::string model_name;               // what /v1/models lists and responses name
  std::optional<ChatStyle> chat_style;  // none: chat requests get 400 with chat_problem
  std::string chat_problem;
  SamplingParams sampling;              // defaults for requests
};

struct ServerState {
  const ModelFile& model;
  Scheduler& scheduler;
  Metrics& metrics;
  RouteConfig config;
  std::atomic<int> in_flight{0};        // completion requests not yet fully answered
};

void install_routes(httplib::Server& server, ServerState& state);

}  // namespace vkllm::serve
