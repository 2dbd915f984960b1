#include "tools/serve/routes.h"

#include "engine/util/log.h"

#include <chrono>
#include <memory>
#include <random>

#include "tools/serve/api_error.h"
#include "tools/serve/request.h"
#include "tools/serve/responses.h"

namespace vkllm::serve {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr auto kPoll = 100ms;  // how often a waiting request looks for output
// A non-streaming request still running after kAnswerAtOnce gets a chunked body: a space every
// kHeartbeat, then the JSON (which may start with whitespace). httplib 0.11 tells a handler nothing
// about its client, so those writes are how a client that went away is noticed: the second write
// after it closed fails, and its generation is cancelled and its slot freed.
constexpr auto kAnswerAtOnce = 500ms;
constexpr auto kHeartbeat = 250ms;

void reply_error(httplib::Response& res, const ApiError& e) {
  res.status = e.status;
  res.set_content(json_text(error_body(e.what(), e.type, e.code)), "application/json");
}

void check_key(const ServerState& state, const httplib::Request& req) {
  const auto& key = state.config.api_key;
  if (key.empty()) return;
  if (req.get_header_value("Authorization") != "Bearer " + key)
    throw ApiError(401, "invalid or missing API key (send 'Authorization: Bearer KEY')", "authentication_error",
                   "invalid_api_key");
}

// Counts a request as in flight (SIGTERM waits for them) for as long as a copy lives.
std::shared_ptr<void> in_flight_token(ServerState& state) {
  ++state.in_flight;
  return {nullptr, [&state](void*) { --state.in_flight; }};
}

std::vector<int32_t> prompt_tokens(const ServerState& state, const CompletionRequest& r) {
  const auto& tok = state.model.tokenizer;
  std::vector<int32_t> prompt;
  if (r.chat) {
    if (!state.config.chat_style) throw bad_request(state.config.chat_problem, "unsupported_chat_template");
    prompt = tok.tokenize(render_chat(*state.config.chat_style, r.messages), true, true);
  } else if (r.prompt_is_tokens) {
    prompt = r.prompt_tokens;
    for (const auto id : prompt)
      if (id >= state.scheduler.n_vocab())
        throw bad_request(fmt::format("prompt token {} is outside the vocabulary ({} tokens)", id,
                                      state.scheduler.n_vocab()));
  } else {
    prompt = tok.tokenize(r.prompt_text, true, true);
  }
  if (prompt.empty()) throw bad_request("the prompt is empty");
  const int n_ctx = state.scheduler.n_ctx_per_slot();
  if (int64_t(prompt.size()) > n_ctx)
    throw bad_request(fmt::format("the prompt has {} tokens but a slot's context holds {} (raise -c or lower -np)",
                                  prompt.size(), n_ctx),
                      "context_length_exceeded");
  return prompt;
}

std::shared_ptr<Job> submit(ServerState& state, const CompletionRequest& r, std::vector<int32_t> prompt) {
  JobSpec spec;
  spec.prompt = std::move(prompt);
  spec.max_tokens = r.max_tokens;
  spec.sampling = r.sampling;
  spec.sampling.seed = r.seed ? *r.seed : std::random_device{}();
  spec.stop = r.stop;
  spec.ignore_eos = r.ignore_eos;
  spec.n_top = std::max(r.logprobs, r.n_probs > 0 ? r.n_probs : -1);
  spec.stream = r.stream;
  auto job = std::make_shared<Job>(std::move(spec));
  switch (state.scheduler.submit(job)) {
    case Scheduler::Admission::Accepted: return job;
    case Scheduler::Admission::QueueFull:
      throw ApiError(503, "the server is busy: every slot is taken and the queue is full; retry later",
                     "server_error", "queue_full");
    case Scheduler::Admission::Draining:
      throw ApiError(503, "the server is shutting down", "server_error", "shutting_down");
  }
  return job;
}

void stream(httplib::Response& res, std::shared_ptr<Job> job,
            std::shared_ptr<CompletionFormatter> format, std::shared_ptr<void> token) {
  auto started = std::make_shared<bool>(false);
  auto finished = std::make_shared<bool>(false);
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider(
      "text/event-stream",
      [job, format, started, finished, token](size_t, httplib::DataSink& sink) {
        std::string out;
        if (!*started) {
          out = format->stream_start();
          *started = true;
        }
        for (const auto& event : job->take(kPoll)) {
          out += format->stream_event(event);
          *finished = *finished || !event.finish_reason.empty();
        }
        // A client that went away makes the write fail: give its slot back.
        if (!out.empty() && !sink.write(out.data(), out.size())) {
          job->cancel();
          return false;
        }
        if (*finished) sink.done();
        return true;
      },
      [job](bool) { job->cancel(); });  // no-op after the last event; frees the slot on any early end
}

// Gives the events of a whole-response job to format; true once the job has finished.
bool collect(Job& job, CompletionFormatter& format, std::chrono::milliseconds wait) {
  bool done = false;
  for (const auto& event : job.take(wait)) {
    if (event.finish_reason == "error") throw ApiError(500, event.error, "server_error", "decode_failed");
    format.add(event);
    done = done || !event.finish_reason.empty();
  }
  return done;
}

// The rest of a non-streaming response, as a chunked body with heartbeats (see kHeartbeat). The
// status is sent with the first heartbeat, so a later decode failure comes as an error object
// with status 200.
void answer_later(httplib::Response& res, std::shared_ptr<Job> job, std::shared_ptr<CompletionFormatter> format,
                  std::shared_ptr<void> token) {
  res.set_chunked_content_provider(
      "application/json",
      [job, format, token](size_t, httplib::DataSink& sink) {
        std::string out = " ";
        bool done = false;
        try {
          done = collect(*job, *format, kHeartbeat);
          if (done) out = json_text(format->body());
        } catch (const ApiError& e) {
          done = true;
          out = json_text(error_body(e.what(), e.type, e.code));
        }
        if (!sink.write(out.data(), out.size())) {
          job->cancel();
          return false;
        }
        if (done) sink.done();
        return true;
      },
      [job](bool) { job->cancel(); });
}

void complete(ServerState& state, const httplib::Request& req, httplib::Response& res, bool chat) {
  auto token = in_flight_token(state);
  check_key(state, req);
  auto request = std::make_shared<CompletionRequest>(parse_completion_request(req.body, chat, state.config.sampling));
  auto prompt = prompt_tokens(state, *request);
  const int n_prompt = int(prompt.size());
  auto job = submit(state, *request, std::move(prompt));
  // The formatter keeps a reference to the request: the provider owns both.
  auto format = std::shared_ptr<CompletionFormatter>(
      new CompletionFormatter(*request, state.model.tokenizer, state.config.model_name, n_prompt),
      [request](CompletionFormatter* f) { delete f; });
  if (request->stream) {
    stream(res, std::move(job), std::move(format), std::move(token));
    return;
  }
  const auto deadline = std::chrono::steady_clock::now() + kAnswerAtOnce;
  while (std::chrono::steady_clock::now() < deadline)
    if (collect(*job, *format, kPoll)) {
      res.set_content(json_text(format->body()), "application/json");
      return;
    }
  answer_later(res, std::move(job), std::move(format), std::move(token));
}

// Wraps a handler: counts it, answers ApiError (and anything unexpected) with an error object.
httplib::Server::Handler guarded(ServerState& state, std::string endpoint,
                                 std::function<void(const httplib::Request&, httplib::Response&)> handler) {
  return [&state, endpoint, handler](const httplib::Request& req, httplib::Response& res) {
    state.metrics.request(endpoint);
    try {
      handler(req, res);
    } catch (const ApiError& e) {
      reply_error(res, e);
    } catch (const std::exception& e) {
      spdlog::error("serve: {} failed: {}", endpoint, e.what());
      reply_error(res, ApiError(500, e.what(), "server_error", "internal_error"));
    }
    if (res.status >= 400) state.metrics.rejected(res.status);
  };
}

}  // namespace

void install_routes(httplib::Server& server, ServerState& state) {
  auto health = guarded(state, "/health", [&state](const httplib::Request&, httplib::Response& res) {
    const auto load = state.scheduler.load();
    json body = {{"status", "ok"},
                 {"slots_idle", state.scheduler.n_slots() - load.busy},
                 {"slots_processing", load.busy},
                 {"queue", load.queued}};
    res.set_content(json_text(body), "application/json");
  });
  auto models = guarded(state, "/v1/models", [&state](const httplib::Request& req, httplib::Response& res) {
    check_key(state, req);
    const auto created =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    json model = {{"id", state.config.model_name},
                  {"object", "model"},
                  {"created", created},
                  {"owned_by", "vkllm"},
                  {"meta", {{"n_vocab", state.scheduler.n_vocab()},
                            {"n_ctx_slot", state.scheduler.n_ctx_per_slot()},
                            {"n_slots", state.scheduler.n_slots()}}}};
    res.set_content(json_text({{"object", "list"}, {"data", json::array({model})}}), "application/json");
  });
  auto metrics = guarded(state, "/metrics", [&state](const httplib::Request& req, httplib::Response& res) {
    check_key(state, req);
    res.set_content(state.metrics.scrape(), "text/plain; version=0.0.4");
  });
  auto completions = guarded(state, "/v1/completions", [&state](const httplib::Request& req, httplib::Response& res) {
    complete(state, req, res, false);
  });
  auto chat = guarded(state, "/v1/chat/completions", [&state](const httplib::Request& req, httplib::Response& res) {
    complete(state, req, res, true);
  });

  server.Get("/health", health);
  server.Get("/v1/health", health);
  server.Get("/v1/models", models);
  server.Get("/models", models);
  server.Get("/metrics", metrics);
  server.Post("/v1/completions", completions);
  server.Post("/completions", completions);
  server.Post("/v1/chat/completions", chat);
  server.Post("/chat/completions", chat);

  // httplib's own errors (404, 413 for a body over the limit, 400 for a bad request line) get an
  // OpenAI error object too; ours already carry one.
  server.set_error_handler([&state](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    std::string message = fmt::format("HTTP {}", res.status), code = "http_error";
    std::string type = "invalid_request_error";
    if (res.status == 404) message = "no such endpoint", code = "not_found";
    if (res.status == 413) message = "the request body is larger than the server accepts", code = "payload_too_large";
    if (res.status >= 500) type = "server_error";
    res.set_content(json_text(error_body(message, type, code)), "application/json");
    state.metrics.rejected(res.status);
  });
}

}  // namespace vkllm::serve
