// The hot-cache rules as tables of cases, shared by the unit test of the C++ rules
// (tests/unit/stream/hot_policy_test.cpp) and the test that runs the Lua scripts in a
// real Redis on the same cases (tests/db/hot_policy_pgtest.cpp): the two must agree.
#pragma once

#include <cstdint>
#include <optional>

namespace tonearm::testing::hot_cases {

// One play of a song: the plays already counted in this and the previous window, the
// cache's state, and what the play must answer.
struct play_case {
  const char* name;
  int current_before;    // plays already in this window
  int previous;          // plays in the previous window
  double weight;         // the previous window's share still inside the last window
  std::int64_t threshold;
  long long bytes;       // the cache's byte tally
  std::uint64_t max_bytes;
  std::optional<double> coldest;  // the coldest cached song's heat; nullopt: none cached
  bool cached;           // the song itself is cached already
  double heat;           // expected heat after this play
  bool admit;            // expected: queued for promotion
};

inline constexpr play_case play_cases[] = {
    {"BelowTheThreshold", 0, 0, 0.5, 2, 0, 1000, std::nullopt, false, 1.0, false},
    {"ReachesTheThresholdWithRoom", 1, 0, 0.5, 2, 0, 1000, std::nullopt, false, 2.0, true},
    {"ThePreviousWindowCountsByItsShare", 0, 4, 0.25, 2, 0, 1000, std::nullopt, false, 2.0, true},
    {"TooLittleOfThePreviousWindowLeft", 0, 4, 0.2, 2, 0, 1000, std::nullopt, false, 1.8, false},
    {"AllOfThePreviousWindowAtItsStart", 0, 3, 1.0, 5, 0, 1000, std::nullopt, false, 4.0, false},
    {"RoomLeftEvenWhenTheColdestIsHotter", 2, 0, 0.0, 2, 999, 1000, 50.0, false, 3.0, true},
    {"FullAndHotterThanTheColdest", 1, 0, 0.5, 2, 1000, 1000, 1.5, false, 2.0, true},
    {"FullAndAsHotAsTheColdest", 1, 0, 0.5, 2, 1000, 1000, 2.0, false, 2.0, true},
    {"FullAndColderThanTheColdest", 1, 0, 0.5, 2, 1000, 1000, 3.0, false, 2.0, false},
    {"FullWithNothingCachedAfterADrift", 1, 0, 0.5, 2, 5000, 1000, std::nullopt, false, 2.0, true},
    {"ATallyBelowZeroIsRoom", 1, 0, 0.5, 2, -300, 1000, 9.0, false, 2.0, true},
    {"AlreadyCachedIsNotAdmittedAgain", 9, 2, 0.5, 2, 0, 1000, std::nullopt, true, 11.0, false},
    {"ManyPlaysInBothWindows", 99, 40, 0.75, 20, 1000, 1000, 120.0, false, 130.0, true},
};

// A sweep over one cached song: its plays, the TTL left on it, and whether the sweep
// must renew the TTL (and rescore the song to `heat`).
struct renew_case {
  const char* name;
  int current;
  int previous;
  double weight;
  std::int64_t threshold;
  long long ttl_left;
  long long ttl;
  double heat;
  bool renew;
};

inline constexpr renew_case renew_cases[] = {
    {"HotAndLessThanHalfLeft", 3, 0, 0.5, 2, 10, 60, 3.0, true},
    {"HotWithMoreThanHalfLeft", 3, 0, 0.5, 2, 40, 60, 3.0, false},
    {"HotWithJustUnderHalfLeft", 2, 0, 0.5, 2, 29, 60, 2.0, true},
    {"HotWithJustOverHalfLeft", 2, 0, 0.5, 2, 31, 60, 2.0, false},
    {"CooledBelowTheThreshold", 1, 1, 0.5, 2, 5, 60, 1.5, false},
    {"HotFromThePreviousWindow", 0, 8, 0.25, 2, 5, 60, 2.0, true},
    {"NobodyPlaysItAnyMore", 0, 0, 0.9, 2, 5, 60, 0.0, false},
};

}  // namespace tonearm::testing::hot_cases
