// The playlist rules as tables: who may edit, which edits are valid, and where a
// reorder puts every item (checked against moving the items of a vector).
#include "tonearm/playlists/rules.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

namespace tonearm::playlists {
namespace {

using kind = refusal::kind;

playlist owned(std::int64_t owner, bool is_public, std::int64_t items = 0, std::int64_t snapshot = 7) {
  playlist p;
  p.id = 42;
  p.owner = {owner, "owner"};
  p.is_public = is_public;
  p.item_count = items;
  p.snapshot = snapshot;
  return p;
}

template <class T>
std::optional<kind> refused(const outcome<T>& o) {
  if (auto* r = std::get_if<refusal>(&o)) return r->what;
  return std::nullopt;
}

TEST(PlaylistRules, VisibleToEveryoneWhenPublicElseToTheOwnerOnly) {
  EXPECT_TRUE(visible(owned(1, true), std::nullopt));
  EXPECT_TRUE(visible(owned(1, true), 2));
  EXPECT_TRUE(visible(owned(1, false), 1));
  EXPECT_FALSE(visible(owned(1, false), 2));
  EXPECT_FALSE(visible(owned(1, false), std::nullopt));
}

struct edit_case {
  bool is_public;
  std::int64_t user;
  std::optional<std::string> snapshot;
  std::optional<kind> outcome;
};

class CheckEdit : public ::testing::TestWithParam<edit_case> {};

TEST_P(CheckEdit, MatchesTheTable) {
  const auto& c = GetParam();
  auto r = check_edit(owned(1, c.is_public), {42, c.user, c.snapshot});
  EXPECT_EQ(r ? std::optional(r->what) : std::nullopt, c.outcome);
}

INSTANTIATE_TEST_SUITE_P(
    Owners, CheckEdit,
    ::testing::Values(edit_case{true, 1, std::nullopt, std::nullopt},      // the owner, current state
                      edit_case{false, 1, std::nullopt, std::nullopt},     // private: still the owner's
                      edit_case{true, 1, "7", std::nullopt},               // the current snapshot
                      edit_case{true, 1, "6", kind::stale_snapshot},       // an older one
                      edit_case{true, 1, "07", kind::stale_snapshot},      // compared as text
                      edit_case{true, 1, "", kind::stale_snapshot},
                      edit_case{true, 2, std::nullopt, kind::not_owner},   // someone else's public one
                      edit_case{true, 2, "6", kind::not_owner},            // ownership before snapshots
                      edit_case{false, 2, std::nullopt, kind::not_found},  // private: does not exist for others
                      edit_case{false, 2, "7", kind::not_found}));

TEST(PlaylistRules, AStaleSnapshotNamesTheCurrentOne) {
  auto r = check_edit(owned(1, true), {42, 1, std::string(100, 'x')});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->current_snapshot, "7");
  EXPECT_EQ(r->message, "playlist changed since snapshot '" + std::string(64, 'x') +
                            "'; reload it and apply the edit to the current snapshot");
  auto other = check_edit(owned(1, true), {42, 2, std::nullopt});
  ASSERT_TRUE(other);
  EXPECT_EQ(other->message, "only the owner can change playlist 42");
  EXPECT_EQ(no_playlist(42).message, "no playlist with id 42");
}

TEST(PlaylistRules, AddingChecksTheCapThenThePosition) {
  auto p = owned(1, true, 3);
  EXPECT_FALSE(check_add(p, 2, 0, 5));
  EXPECT_FALSE(check_add(p, 2, 3, 5));  // at the end
  auto full = check_add(p, 3, 0, 5);
  ASSERT_TRUE(full);
  EXPECT_EQ(full->message, "a playlist holds at most 5 items; this one has 3 and 3 more would exceed that");
  auto far = check_add(p, 1, 4, 5);
  ASSERT_TRUE(far);
  EXPECT_EQ(far->message, "position must be between 0 and 3, got 4");
  EXPECT_TRUE(check_add(p, 1, -1, 5));
  EXPECT_TRUE(check_add(p, 3, 9, 5));  // the cap is named first
  EXPECT_EQ(check_add(p, 3, 9, 5)->message.rfind("a playlist holds", 0), 0u);
  auto unknown = unknown_songs({3, 9});
  EXPECT_EQ(unknown.message, "unknown song ids: 3, 9");
  EXPECT_EQ(unknown.unknown_song_ids, (std::vector<std::int64_t>{3, 9}));
}

TEST(PlaylistRules, RemovalSortsAndRefusesRepeatsAndOutOfRange) {
  auto p = owned(1, true, 5);
  auto ok = removal(p, {4, 0, 2});
  ASSERT_FALSE(refused(ok));
  EXPECT_EQ(std::get<std::vector<std::int64_t>>(ok), (std::vector<std::int64_t>{0, 2, 4}));
  auto twice = removal(p, {2, 1, 2});
  ASSERT_TRUE(refused(twice));
  EXPECT_EQ(std::get<refusal>(twice).message, "position 2 is given twice");
  EXPECT_EQ(std::get<refusal>(removal(p, {5})).message, "positions must be between 0 and 4, got 5");
  EXPECT_EQ(std::get<refusal>(removal(p, {-1})).message, "positions must be between 0 and 4, got -1");
  EXPECT_EQ(std::get<refusal>(removal(owned(1, true, 0), {0})).message, "the playlist is empty");
}

// Moving items of a vector the obvious way: what a reorder must do.
std::vector<int> moved(int n, int start, int length, int before) {
  std::vector<int> v(n);
  std::iota(v.begin(), v.end(), 0);
  std::vector<int> range(v.begin() + start, v.begin() + start + length);
  std::vector<int> out;
  for (int i = 0; i <= n; ++i) {
    if (i == before) out.insert(out.end(), range.begin(), range.end());
    if (i < n && (i < start || i >= start + length)) out.push_back(v[i]);
  }
  return out;
}

TEST(PlaylistRules, EveryReorderOfSmallPlaylistsMatchesMovingTheItems) {
  int checked = 0;
  for (int n = 1; n <= 7; ++n)
    for (int start = 0; start < n; ++start)
      for (int length = 1; start + length <= n; ++length)
        for (int before = 0; before <= n; ++before) {
          auto planned = plan_reorder(owned(1, true, n), start, length, before);
          ASSERT_FALSE(refused(planned)) << n << " " << start << " " << length << " " << before;
          const auto& plan = std::get<reorder_plan>(planned);
          std::vector<int> got(n, -1);
          for (int pos = 0; pos < n; ++pos) {
            auto to = plan.after(pos);
            ASSERT_GE(to, 0);
            ASSERT_LT(to, n);
            ASSERT_EQ(got[to], -1) << "two items moved to " << to;
            got[to] = pos;
          }
          EXPECT_EQ(got, moved(n, start, length, before)) << n << " " << start << " " << length << " " << before;
          // Only [lo, hi) moves: the rows the UPDATE touches.
          for (int pos = 0; pos < n; ++pos) {
            if (pos < plan.lo || pos >= plan.hi) {
              EXPECT_EQ(plan.after(pos), pos);
            }
          }
          std::vector<int> identity(n);
          std::iota(identity.begin(), identity.end(), 0);
          EXPECT_EQ(plan.moves(), got != identity);  // no UPDATE when nothing moves
          ++checked;
        }
  EXPECT_GT(checked, 300);
}

TEST(PlaylistRules, AReorderInsideOrJustAfterItsRangeMovesNothing) {
  for (int before : {2, 3, 4, 5}) {
    auto plan = std::get<reorder_plan>(plan_reorder(owned(1, true, 8), 2, 3, before));
    EXPECT_FALSE(plan.moves()) << before;
  }
  EXPECT_TRUE(std::get<reorder_plan>(plan_reorder(owned(1, true, 8), 2, 3, 1)).moves());
  EXPECT_TRUE(std::get<reorder_plan>(plan_reorder(owned(1, true, 8), 2, 3, 6)).moves());
}

struct bad_reorder {
  std::int64_t items, start, length, before;
  const char* message;
};

class BadReorder : public ::testing::TestWithParam<bad_reorder> {};

TEST_P(BadReorder, IsRefusedNamingTheField) {
  const auto& c = GetParam();
  auto planned = plan_reorder(owned(1, true, c.items), c.start, c.length, c.before);
  ASSERT_TRUE(refused(planned));
  EXPECT_EQ(std::get<refusal>(planned).what, kind::invalid);
  EXPECT_EQ(std::get<refusal>(planned).message, c.message);
}

INSTANTIATE_TEST_SUITE_P(
    Bounds, BadReorder,
    ::testing::Values(bad_reorder{0, 0, 1, 0, "the playlist is empty"},
                      bad_reorder{5, 5, 1, 0, "range_start must be between 0 and 4, got 5"},
                      bad_reorder{5, -1, 1, 0, "range_start must be between 0 and 4, got -1"},
                      bad_reorder{5, 3, 3, 0, "range_length must be between 1 and 2, got 3"},
                      bad_reorder{5, 3, 0, 0, "range_length must be between 1 and 2, got 0"},
                      bad_reorder{5, 0, 1, 6, "insert_before must be between 0 and 5, got 6"},
                      bad_reorder{5, 0, 1, -1, "insert_before must be between 0 and 5, got -1"}));

}  // namespace
}  // namespace tonearm::playlists
