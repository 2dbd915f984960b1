#include "tools/plan_report.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "host/exec/open_model.h"
#include "tools/format.h"

namespace vkllm::cli {

int print_plan(const ModelOptions& options, bool json) {
  const auto model = options.open_model();
  const auto exec = options.exec();
  const auto [devices, plan] = plan_without_loading(*model, exec);  // throws when an explicit -ngl does not fit
  const int n_ctx = resolve_context_size(model->hp, exec);

  if (json) {
    nlohmann::json out = {{"n_layer", model->hp.n_layer},
                          {"n_gpu_layers", plan.n_gpu_layers},
                          {"n_ctx", n_ctx},
                          {"layer_device", plan.layer_device},
                          {"output_device", plan.head_device},
                          {"host_bytes", plan.host_bytes},
                          {"stages", plan.describe(devices)},
                          {"devices", nlohmann::json::array()}};
    for (size_t i = 0; i < devices.size(); ++i)
      out["devices"].push_back(
          {{"name", devices[i].name}, {"budget_bytes", devices[i].budget}, {"bytes", plan.device_bytes[i]}});
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  fmt::print("plan for {} ({} layers, context {}, -ngl {}):\n", options.model, model->hp.n_layer, n_ctx,
             plan.n_gpu_layers);
  for (const auto& line : plan.describe(devices)) fmt::print("  {}\n", line);
  fmt::print("memory:\n");
  for (size_t i = 0; i < devices.size(); ++i)
    fmt::print("  {:<40} {:>12} of {:>12}\n", devices[i].name, format_bytes(plan.device_bytes[i]),
               format_bytes(devices[i].budget));
  fmt::print("  {:<40} {:>12}\n", "host", format_bytes(plan.host_bytes));
  return 0;
}

}  // namespace vkllm::cli
