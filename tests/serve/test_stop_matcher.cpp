// Stop strings: the client never sees any part of one, even when it arrives split across tokens.
#include <gtest/gtest.h>

#include "tools/serve/stop_matcher.h"

namespace vkllm::serve {
namespace {

std::string run(StopMatcher& m, const std::vector<std::string>& pieces, bool* stopped) {
  std::string out;
  *stopped = false;
  for (const auto& p : pieces) {
    auto o = m.push(p);
    out += o.text;
    if (o.stopped) {
      *stopped = true;
      return out;
    }
  }
  return out + m.flush();
}

TEST(StopMatcher, CutsBeforeAStopSplitAcrossPieces) {
  StopMatcher m({"\n\n", "END"});
  bool stopped = false;
  EXPECT_EQ(run(m, {"Hello", " E", "N", "D!"}, &stopped), "Hello ");
  EXPECT_TRUE(stopped);
}

TEST(StopMatcher, HoldsBackOnlyWhatCouldStillMatch) {
  StopMatcher m({"END"});
  EXPECT_EQ(m.push("abcE").text, "abc");
  EXPECT_EQ(m.push("N").text, "");
  EXPECT_EQ(m.push("x").text, "ENx");  // not a stop after all
  bool stopped = false;
  StopMatcher n({"END"});
  EXPECT_EQ(run(n, {"ab", "EN"}, &stopped), "abEN");  // flushed at the end
  EXPECT_FALSE(stopped);
}

TEST(StopMatcher, EarliestStopWins) {
  StopMatcher m({"cd", "b"});
  const auto o = m.push("abcd");
  EXPECT_TRUE(o.stopped);
  EXPECT_EQ(o.text, "a");
}

TEST(StopMatcher, NoStopsPassesEverything) {
  StopMatcher m({});
  EXPECT_EQ(m.push("any").text, "any");
  EXPECT_EQ(m.flush(), "");
}

}  // namespace
}  // namespace vkllm::serve
