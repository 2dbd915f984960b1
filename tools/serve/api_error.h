#pragma once
// Errors the server answers with: an HTTP status and OpenAI's error object
// {"error": {"message", "type", "code"}}.
#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>

namespace vkllm::serve {

class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string message, std::string type, std::string code)
      : std::runtime_error(message), status(status), type(std::move(type)), code(std::move(code)) {}

  int status;
  std::string type;  // "invalid_request_error", "authentication_error", ...
  std::string code;  // "invalid_json", "context_length_exceeded", ...
};

// 400 invalid_request_error with the given code.
inline ApiError bad_request(std::string message, std::string code = "invalid_request") {
  return ApiError(400, std::move(message), "invalid_request_error", std::move(code));
}

inline nlohmann::json error_body(const std::string& message, const std::string& type, const std::string& code) {
  return {{"error", {{"message", message}, {"type", type}, {"code", code}}}};
}

}  // namespace vkllm::serve
