// Named (prepared) statements of the catalog, registered on every pooled connection.
#pragma once

#include <pqxx/connection>

namespace tonearm::store {

namespace statement {
inline constexpr const char* search_analyse = "search_analyse";
inline constexpr const char* songs_by_ids = "songs_by_ids";
inline constexpr const char* authors_by_ids = "authors_by_ids";
inline constexpr const char* albums_by_ids = "albums_by_ids";
}  // namespace statement

void prepare_catalog_statements(pqxx::connection& c);

}  // namespace tonearm::store
