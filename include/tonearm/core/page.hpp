// One page of a longer list: the items asked for and how many there are in all.
#pragma once

#include <cstdint>
#include <vector>

namespace tonearm {

template <class T>
struct page {
  std::vector<T> items;
  std::int64_t total = 0;
};

}  // namespace tonearm
