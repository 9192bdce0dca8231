#include "samsa/storage/start_gate.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace samsa::storage {
namespace {

TEST(StartGate, OpenWithoutSteps) {
  StartGate gate;
  EXPECT_TRUE(gate.is_open());
  gate.arm({});
  EXPECT_TRUE(gate.is_open());
  EXPECT_TRUE(gate.pass());
}

TEST(StartGate, TheFirstPassRunsEveryStepInOrderOnce) {
  StartGate gate;
  std::vector<int> ran;
  gate.arm({[&] { ran.push_back(1); }, [&] { ran.push_back(2); }});
  EXPECT_FALSE(gate.is_open());
  EXPECT_TRUE(ran.empty());  // nothing before the first write
  EXPECT_TRUE(gate.pass());
  EXPECT_EQ(ran, (std::vector<int>{1, 2}));
  EXPECT_TRUE(gate.is_open());
  EXPECT_TRUE(gate.pass());
  EXPECT_EQ(ran.size(), 2u);
  EXPECT_EQ(gate.failure(), "");
}

TEST(StartGate, AFailedStepClosesTheGateForGood) {
  StartGate gate;
  bool later_step_ran = false;
  std::vector<std::string> reported;
  gate.arm({[] { throw std::runtime_error("fsync failed: EIO"); }, [&] { later_step_ran = true; }},
           [&](const std::string& why) { reported.push_back(why); });
  EXPECT_FALSE(gate.pass());
  EXPECT_FALSE(gate.pass());
  EXPECT_FALSE(gate.is_open());
  EXPECT_EQ(gate.failure(), "fsync failed: EIO");
  EXPECT_EQ(reported, (std::vector<std::string>{"fsync failed: EIO"}));  // once
  EXPECT_FALSE(later_step_ran);
}

}  // namespace
}  // namespace samsa::storage
