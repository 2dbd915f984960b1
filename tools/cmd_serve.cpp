// `vkllm serve -m MODEL [--host H] [--port P] [-np N] ...`: an OpenAI-compatible HTTP server with
// continuous batching over N slots of one loaded model (tools/serve/ holds the pieces).
#include <httplib.h>
#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "engine/util/check.h"
#include "engine/util/log.h"
#include "host/exec/open_model.h"
#include "tools/commands.h"
#include "tools/model_options.h"
#include "tools/serve/chat_template.h"
#include "tools/serve/metrics.h"
#include "tools/serve/routes.h"
#include "tools/serve/scheduler.h"

namespace vkllm::cli {
namespace {

struct ServeOptions {
  ModelOptions model;
  std::string host = "127.0.0.1";
  int port = 8080;
  int parallel = 1;
  int queue_size = 64;
  size_t max_body = size_t(8) << 20;
  std::string api_key;
  std::string alias;
  std::string chat_template;
  SamplingParams sampling;
};

// The chat format: --chat-template NAME, else recognised from tokenizer.chat_template, else (no
// template in the file) ChatML, as llama-server does.
void choose_chat_style(const ServeOptions& options, const ModelFile& model, serve::RouteConfig& config) {
  if (!options.chat_template.empty()) {
    config.chat_style = serve::chat_style_from_name(options.chat_template);
    if (!config.chat_style)
      fail("--chat-template: unknown style '{}' (chatml, llama2, llama3, mistral, zephyr or phi3)", options.chat_template);
    return;
  }
  const auto* value = model.file.find("tokenizer.chat_template");
  const auto* jinja = value ? value->as_string() : nullptr;
  if (!jinja) {
    config.chat_style = serve::ChatStyle::ChatML;
    spdlog::info("serve: the model has no chat template; chat requests use ChatML");
    return;
  }
  config.chat_style = serve::detect_chat_style(*jinja);
  if (config.chat_style) {
    spdlog::info("serve: chat template recognised as {}", serve::chat_style_name(*config.chat_style));
  } else {
    config.chat_problem =
        "the model's chat template (tokenizer.chat_template) is not one vkllm recognises (chatml, llama2, llama3, "
        "mistral, zephyr, phi3); restart the server with --chat-template NAME";
    spdlog::warn("serve: {}", config.chat_problem);
  }
}

// Memory per device as planned for this model (weights, KV cache, scratch); best effort.
void publish_planned_memory(const ModelFile& model, const ExecOptions& exec, serve::Metrics& metrics) {
  try {
    const auto [devices, plan] = plan_without_loading(model, exec);
    for (size_t i = 0; i < devices.size(); ++i) metrics.device_memory(devices[i].name, double(plan.device_bytes[i]));
    metrics.device_memory("host", double(plan.host_bytes));
  } catch (const std::exception& e) {
    spdlog::warn("serve: no per-device memory metrics: {}", e.what());
  }
}

// SIGTERM/SIGINT: refuse new requests, let the running and queued ones finish, then stop listening.
// A second signal stops at once.
void wait_for_shutdown(httplib::Server& server, serve::ServerState& state, const std::atomic<bool>& done) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  const timespec tick{0, 50'000'000};
  while (!done && sigtimedwait(&signals, nullptr, &tick) < 0) {
  }
  if (done) return;
  spdlog::info("serve: draining: finishing {} running and {} queued requests", state.scheduler.load().busy,
               state.scheduler.load().queued);
  state.scheduler.drain();
  while (true) {
    const auto load = state.scheduler.load();
    if (load.busy == 0 && load.queued == 0 && state.in_flight == 0) break;
    if (sigtimedwait(&signals, nullptr, &tick) >= 0) {
      spdlog::warn("serve: second signal: stopping now");
      break;
    }
  }
  // httplib's stop() does nothing until listen has begun: a signal that came while the model loaded
  // would otherwise be lost, and with the signals blocked the server could not be stopped.
  while (!done) {
    server.stop();
    nanosleep(&tick, nullptr);
  }
}

int run_serve(const ServeOptions& options) {
  // Signals go to the shutdown thread only: block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  if (options.parallel < 1) fail("--parallel must be at least 1, got {}", options.parallel);
  if (options.queue_size < 0) fail("--queue-size must not be negative, got {}", options.queue_size);
  const auto model_file = options.model.open_model();
  const auto exec = options.model.exec();

  serve::RouteConfig config;
  config.api_key = options.api_key;
  config.model_name = options.alias.empty() ? std::filesystem::path(options.model.model).filename().string()
                                            : options.alias;
  config.sampling = options.sampling;
  choose_chat_style(options, *model_file, config);

  serve::Metrics metrics(options.parallel);
  publish_planned_memory(*model_file, exec, metrics);
  auto model = open_batched_model(*model_file, exec, options.parallel);
  serve::Scheduler scheduler(*model, model_file->tokenizer, {exec.n_batch, options.queue_size}, metrics);
  serve::ServerState state{*model_file, scheduler, metrics, config};

  httplib::Server server;
  // A connection thread per slot and queued request, and a few for health checks and rejections.
  const size_t n_threads = size_t(options.parallel + std::min(options.queue_size, 256) + 4);
  server.new_task_queue = [n_threads] { return new httplib::ThreadPool(n_threads); };
  server.set_payload_max_length(options.max_body);
  server.set_read_timeout(60);
  server.set_keep_alive_timeout(1);  // an idle keep-alive connection holds a thread of the pool
  server.set_write_timeout(60);
  serve::install_routes(server, state);

  int port = options.port;
  const bool bound = port == 0 ? (port = server.bind_to_any_port(options.host)) > 0
                               : server.bind_to_port(options.host, port);
  if (!bound) fail("cannot listen on {}:{} (in use, or not an address of this machine?)", options.host, options.port);
  fmt::print("vkllm serve: listening on http://{}:{} ({} slots of {} tokens, model {})\n", options.host, port,
             scheduler.n_slots(), scheduler.n_ctx_per_slot(), config.model_name);
  std::fflush(stdout);

  std::atomic<bool> done{false};
  std::thread shutdown([&] { wait_for_shutdown(server, state, done); });
  const bool ok = server.listen_after_bind();
  done = true;
  shutdown.join();
  spdlog::info("serve: stopped");
  return ok ? 0 : 1;
}

}  // namespace

Command add_serve_command(CLI::App& app) {
  auto options = std::make_shared<ServeOptions>();
  auto* sub = app.add_subcommand("serve", "OpenAI-compatible HTTP server with continuous batching");
  add_model_options(sub, options->model);
  sub->add_option("--host", options->host, "Address to listen on")->capture_default_str();
  sub->add_option("--port", options->port, "Port to listen on (0: any free port)")->capture_default_str();
  sub->add_option("--parallel", options->parallel, "Slots (-np): requests decoded together; -c is split between them")
      ->capture_default_str();
  sub->add_option("--queue-size", options->queue_size, "Requests that may wait for a slot before 503")
      ->capture_default_str();
  sub->add_option("--max-body", options->max_body, "Largest request body in bytes (413 above)")->capture_default_str();
  sub->add_option("--api-key", options->api_key, "Require 'Authorization: Bearer KEY'");
  sub->add_option("--alias", options->alias, "Model name in responses and /v1/models (default: the file name)");
  sub->add_option("--chat-template", options->chat_template,
                  "Chat format: chatml, llama2, llama3, mistral, zephyr or phi3 (default: from the model)");
  add_sampling_options(sub, options->sampling);
  return {sub, [options] { return run_serve(*options); }};
}

}  // namespace vkllm::cli
