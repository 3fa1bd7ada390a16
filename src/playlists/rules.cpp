// Playlist rules: messages name the field and the bounds, as the API shows them.
#include "tonearm/playlists/rules.hpp"

#include <algorithm>

namespace tonearm::playlists {

namespace {

std::size_t characters(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

}  // namespace

std::string name_problem(const std::string& name) {
  if (name.find_first_not_of(" \t\r\n") == std::string::npos) return "name must not be empty";
  if (characters(name) > 200) return "name must be at most 200 characters long";
  return "";
}

std::string description_problem(const std::string& d) {
  if (characters(d) > 300) return "description must be at most 300 characters long";
  return "";
}


namespace {

refusal invalid(std::string message) { return {refusal::kind::invalid, std::move(message), std::nullopt, {}}; }

std::optional<refusal> outside(const char* what, std::int64_t value, std::int64_t lo, std::int64_t hi) {
  if (value >= lo && value <= hi) return std::nullopt;
  return invalid(std::string(what) + " must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
                 ", got " + std::to_string(value));
}

refusal empty() { return invalid("the playlist is empty"); }

}  // namespace

bool visible(bool is_public, std::int64_t owner, std::optional<std::int64_t> viewer) {
  return is_public || (viewer && *viewer == owner);
}

refusal no_playlist(std::int64_t id) {
  return {refusal::kind::not_found, "no playlist with id " + std::to_string(id), std::nullopt, {}};
}

refusal unknown_songs(std::vector<std::int64_t> sorted_ids) {
  std::string list;
  for (auto id : sorted_ids) list += (list.empty() ? "" : ", ") + std::to_string(id);
  auto r = invalid("unknown song ids: " + list);
  r.unknown_song_ids = std::move(sorted_ids);
  return r;
}

std::optional<refusal> check_edit(const playlist& p, const edit& e) {
  if (p.owner.id != e.user_id) {
    if (!p.is_public) return no_playlist(p.id);  // a private playlist does not exist for others
    return refusal{refusal::kind::not_owner, "only the owner can change playlist " + std::to_string(p.id),
                   std::nullopt, {}};
  }
  if (e.snapshot_id && *e.snapshot_id != std::to_string(p.snapshot))
    return refusal{refusal::kind::stale_snapshot,
                   "playlist changed since snapshot '" + e.snapshot_id->substr(0, 64) +
                       "'; reload it and apply the edit to the current snapshot",
                   std::to_string(p.snapshot), {}};
  return std::nullopt;
}

std::optional<refusal> check_add(const playlist& p, std::size_t count, std::int64_t at, std::int64_t max_items) {
  if (p.item_count + static_cast<std::int64_t>(count) > max_items)
    return invalid("a playlist holds at most " + std::to_string(max_items) + " items; this one has " +
                   std::to_string(p.item_count) + " and " + std::to_string(count) + " more would exceed that");
  return outside("position", at, 0, p.item_count);
}

outcome<std::vector<std::int64_t>> removal(const playlist& p, std::vector<std::int64_t> positions) {
  std::sort(positions.begin(), positions.end());
  for (std::size_t i = 0; i < positions.size(); ++i) {
    if (p.item_count == 0) return empty();
    if (auto r = outside("positions", positions[i], 0, p.item_count - 1)) return *r;
    if (i > 0 && positions[i] == positions[i - 1])
      return invalid("position " + std::to_string(positions[i]) + " is given twice");
  }
  return positions;
}

std::int64_t reorder_plan::after(std::int64_t position) const {
  if (position < lo || position >= hi) return position;
  return position + (position >= range_start && position < range_end ? range_shift : others_shift);
}

outcome<reorder_plan> plan_reorder(const playlist& p, std::int64_t range_start, std::int64_t range_length,
                                   std::int64_t insert_before) {
  if (p.item_count == 0) return empty();
  if (auto r = outside("range_start", range_start, 0, p.item_count - 1)) return *r;
  if (auto r = outside("range_length", range_length, 1, p.item_count - range_start)) return *r;
  if (auto r = outside("insert_before", insert_before, 0, p.item_count)) return *r;
  reorder_plan plan;
  const auto s = range_start, e = range_start + range_length, b = insert_before;
  plan.range_start = s;
  plan.range_end = e;
  if (b < s) {  // [b, s) moves down by the range's length; the range moves up to b
    plan.lo = b;
    plan.hi = e;
    plan.range_shift = b - s;
    plan.others_shift = range_length;
  } else if (b > e) {  // [e, b) moves up by the range's length; the range lands just before b
    plan.lo = s;
    plan.hi = b;
    plan.range_shift = b - e;
    plan.others_shift = -range_length;
  }  // else b is inside or right after the range: nothing moves
  return plan;
}

}  // namespace tonearm::playlists
