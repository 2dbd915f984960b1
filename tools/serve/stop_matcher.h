#pragma once
// Stop strings over streamed text: text that could still turn out to be the start of a stop string
// is held back, so a client never receives part of a stop string.
#include <string>
#include <vector>

namespace vkllm::serve {

class StopMatcher {
 public:
  explicit StopMatcher(std::vector<std::string> stops) : stops_(std::move(stops)) {}

  struct Output {
    std::string text;      // safe to send now
    bool stopped = false;  // a stop string was found; text ends just before it
  };
  // Adds generated text; after `stopped`, nothing more should be pushed.
  Output push(const std::string& piece);
  // The held-back text, when generation ends for another reason.
  std::string flush();

 private:
  std::vector<std::string> stops_;
  std::string held_;
};

}  // namespace vkllm::serve
