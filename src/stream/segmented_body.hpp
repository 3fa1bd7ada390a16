// A response body made of literal text and ranges of one audio blob, produced in order
// in caller-sized pieces; subclasses say where range bytes come from.
#pragma once

#include <cstring>
#include <optional>
#include <stdexcept>
#include <variant>
#include <vector>

#include "tonearm/http/response.hpp"
#include "tonearm/stream/hot_cache.hpp"

namespace tonearm::stream {

class segmented_body : public http::body_source {
 public:
  explicit segmented_body(std::vector<body_segment> segments) : segments_(std::move(segments)) {
    for (const auto& s : segments_)
      size_ += std::holds_alternative<std::string>(s) ? std::get<std::string>(s).size() : std::get<byte_range>(s).length();
  }
  std::uint64_t size() const override { return size_; }

  std::optional<file_region> next_region(std::uint64_t max) final {
    if (index_ >= segments_.size() || max == 0) return std::nullopt;
    const auto* r = std::get_if<byte_range>(&segments_[index_]);
    if (!r) return std::nullopt;  // literal text: next() copies it
    auto got = region_at(r->first + offset_, std::min<std::uint64_t>(max, r->length() - offset_));
    if (!got || got->length == 0) return std::nullopt;
    offset_ += got->length;
    if (offset_ == r->length()) {
      ++index_;
      offset_ = 0;
    }
    return got;
  }

  std::size_t next(char* out, std::size_t max) final {
    std::size_t filled = 0;
    while (filled < max && index_ < segments_.size()) {
      const auto& s = segments_[index_];
      std::uint64_t length;
      if (const auto* text = std::get_if<std::string>(&s)) {
        auto n = std::min<std::size_t>(max - filled, text->size() - offset_);
        std::memcpy(out + filled, text->data() + offset_, n);
        filled += n;
        offset_ += n;
        length = text->size();
      } else {
        const auto& r = std::get<byte_range>(s);
        if (filled > 0 && !can_continue(r.first + offset_)) break;  // the rest in the next piece
        auto want = static_cast<std::size_t>(std::min<std::uint64_t>(max - filled, r.length() - offset_));
        auto got = read(r.first + offset_, out + filled, want);
        if (got == 0) throw std::runtime_error("audio shorter than recorded");
        filled += got;
        offset_ += got;
        length = r.length();
      }
      if (offset_ == length) {
        ++index_;
        offset_ = 0;
      }
    }
    return filled;
  }

 protected:
  // Whether a read at `pos` may follow in the same piece (a piece that started without
  // blocking must not block half-way). Default: always.
  virtual bool can_continue(std::uint64_t /*pos*/) { return true; }
  // Where in the audio the next read will be; nullopt when no range is left.
  std::optional<std::uint64_t> upcoming_position() const {
    for (auto i = index_; i < segments_.size(); ++i)
      if (const auto* r = std::get_if<byte_range>(&segments_[i])) return r->first + (i == index_ ? offset_ : 0);
    return std::nullopt;
  }
  // The range when the body is exactly one range of the audio (no multipart parts).
  std::optional<byte_range> single_range() const {
    if (segments_.size() != 1 || !std::holds_alternative<byte_range>(segments_[0])) return std::nullopt;
    return std::get<byte_range>(segments_[0]);
  }
  // Reads up to `want` (> 0) bytes of the audio at `pos`; returns how many (0: error).
  virtual std::size_t read(std::uint64_t pos, char* out, std::size_t want) = 0;
  // Up to `want` bytes of the audio at `pos` as a region of an open file, when they are
  // on local disk now (see body_source::next_region). Default: never.
  virtual std::optional<file_region> region_at(std::uint64_t /*pos*/, std::uint64_t /*want*/) { return std::nullopt; }

 private:
  std::vector<body_segment> segments_;
  std::uint64_t size_ = 0;
  std::size_t index_ = 0;
  std::uint64_t offset_ = 0;
};

}  // namespace tonearm::stream
