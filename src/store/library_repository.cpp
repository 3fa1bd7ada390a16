// The Subsonic API's SQL (see library_repository.hpp). Every list reads its page of
// ids first (from the front of an index where there is one) and only then joins the
// rows and counts of those ids: ARRAY(...) keeps the page's order, unnest WITH
// ORDINALITY carries it through the joins. $1 is always the user whose stars and
// ratings come with the rows.
#include "tonearm/store/library_repository.hpp"

#include <pqxx/pqxx>

#include <algorithm>

#include "sql_text.hpp"

namespace tonearm::store {

namespace {

const std::string song_columns =
    "s.id, s.title, s.author_id, a.name, s.album_id, al.title, s.genre, COALESCE(s.release_year, 0), "
    "s.track_number, s.duration_ms, s.bitrate_kbps, s.byte_size, s.mime_type, s.play_count, " +
    sql::iso("s.created_at") + ", " + sql::iso("l.added_at") + ", COALESCE(r.rating, 0), "
    "COALESCE(s.cover_key, al.cover_blob) IS NOT NULL";
const std::string song_joins =
    " JOIN songs s ON s.id = ids.id JOIN authors a ON a.id = s.author_id LEFT JOIN albums al ON al.id = s.album_id"
    " LEFT JOIN liked_songs l ON l.user_id = $1 AND l.song_id = s.id"
    " LEFT JOIN ratings r ON r.user_id = $1 AND r.kind = 's' AND r.item_id = s.id";

const std::string album_columns =
    "al.id, al.title, al.author_id, a.name, COALESCE(extract(year FROM al.release_date)::int, 0), st.genre, st.n, "
    "st.duration, al.play_count, " + sql::iso("al.created_at") + ", " + sql::iso("sa.starred_at") +
    ", COALESCE(r.rating, 0), al.cover_blob IS NOT NULL";
const std::string album_joins =
    " JOIN albums al ON al.id = ids.id JOIN authors a ON a.id = al.author_id"
    " CROSS JOIN LATERAL (SELECT count(*)::int AS n, COALESCE(sum(t.duration_ms), 0)::bigint AS duration,"
    "   min(t.genre) AS genre FROM songs t WHERE t.album_id = al.id) st"
    " LEFT JOIN starred_albums sa ON sa.user_id = $1 AND sa.album_id = al.id"
    " LEFT JOIN ratings r ON r.user_id = $1 AND r.kind = 'l' AND r.item_id = al.id";

const std::string artist_columns = "a.id, a.name, (SELECT count(*)::int FROM albums x WHERE x.author_id = a.id), " +
                                   sql::iso("sa.starred_at") + ", COALESCE(r.rating, 0), " +
                                   "EXISTS (SELECT 1 FROM albums y WHERE y.author_id = a.id AND y.cover_blob IS NOT NULL)";
const std::string artist_joins =
    " JOIN authors a ON a.id = ids.id"
    " LEFT JOIN starred_authors sa ON sa.user_id = $1 AND sa.author_id = a.id"
    " LEFT JOIN ratings r ON r.user_id = $1 AND r.kind = 'a' AND r.item_id = a.id";

// The rows of the ids `id_query` selects, in its order.
std::string page(const std::string& columns, const std::string& joins, const std::string& id_query) {
  return "SELECT " + columns + " FROM unnest(ARRAY(" + id_query + ")) WITH ORDINALITY AS ids(id, ord)" + joins +
         " ORDER BY ids.ord";
}
std::string songs_of(const std::string& id_query) { return page(song_columns, song_joins, id_query); }
std::string albums_of(const std::string& id_query) { return page(album_columns, album_joins, id_query); }
std::string artists_of(const std::string& id_query) { return page(artist_columns, artist_joins, id_query); }

const std::string given_ids = "SELECT unnest($2::bigint[])";

const std::string select_songs = songs_of(given_ids);
const std::string select_album_songs =
    songs_of("SELECT id FROM songs WHERE album_id = $2 ORDER BY track_number NULLS LAST, id");
const std::string select_albums = albums_of(given_ids);
const std::string select_artists = artists_of(given_ids);
const std::string select_all_artists = artists_of("SELECT id FROM authors ORDER BY name_fold, id");
const std::string select_artist_albums =
    albums_of("SELECT id FROM albums WHERE author_id = $2 ORDER BY release_date DESC NULLS LAST, id DESC");
const std::string select_loose_songs =
    songs_of("SELECT id FROM songs WHERE author_id = $2 AND album_id IS NULL ORDER BY id");

// getAlbumList2: $2 size, $3 offset (random has none), then the order's own.
const std::string albums_random = albums_of(
    "SELECT id FROM albums WHERE id IN (SELECT (b.lo + floor(random() * (b.hi - b.lo + 1)))::bigint"
    " FROM (SELECT min(id) AS lo, max(id) AS hi FROM albums) b, generate_series(1, $2 * 4))"
    " ORDER BY random() LIMIT $2");
const std::string albums_newest =
    albums_of("SELECT id FROM albums ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3");
const std::string albums_frequent =
    albums_of("SELECT id FROM albums ORDER BY play_count DESC, id LIMIT $2 OFFSET $3");
const std::string albums_highest = albums_of(
    "SELECT item_id FROM ratings WHERE user_id = $1 AND kind = 'l' ORDER BY rating DESC, item_id LIMIT $2 OFFSET $3");
const std::string albums_recent = albums_of(
    "SELECT album_id FROM listened_albums WHERE user_id = $1 ORDER BY listened_at DESC, album_id LIMIT $2 OFFSET $3");
const std::string albums_starred = albums_of(
    "SELECT album_id FROM starred_albums WHERE user_id = $1 ORDER BY starred_at DESC, album_id LIMIT $2 OFFSET $3");
const std::string albums_by_name =
    albums_of("SELECT id FROM albums ORDER BY tonearm_fold(title), id LIMIT $2 OFFSET $3");
const std::string albums_by_artist = albums_of(
    "SELECT x.id FROM albums x JOIN authors y ON y.id = x.author_id"
    " ORDER BY y.name_fold, tonearm_fold(x.title), x.id LIMIT $2 OFFSET $3");
const std::string albums_by_year_up = albums_of(
    "SELECT id FROM albums WHERE release_date >= make_date($4, 1, 1) AND release_date < make_date($5 + 1, 1, 1)"
    " ORDER BY release_date, id LIMIT $2 OFFSET $3");
const std::string albums_by_year_down = albums_of(
    "SELECT id FROM albums WHERE release_date >= make_date($5, 1, 1) AND release_date < make_date($4 + 1, 1, 1)"
    " ORDER BY release_date DESC, id DESC LIMIT $2 OFFSET $3");
const std::string albums_by_genre = albums_of(
    "SELECT DISTINCT album_id FROM songs WHERE genre_fold = tonearm_fold($4) AND album_id IS NOT NULL"
    " ORDER BY album_id LIMIT $2 OFFSET $3");

const std::string select_artists_changed =
    "SELECT COALESCE((extract(epoch FROM max(created_at)) * 1000)::bigint, 0) FROM authors";
const std::string select_playlist_durations =
    "SELECT COALESCE((SELECT sum(s.duration_ms) FROM playlist_items i JOIN songs s ON s.id = i.song_id"
    "                 WHERE i.playlist_id = ids.id), 0)::bigint"
    " FROM unnest($1::bigint[]) WITH ORDINALITY AS ids(id, ord) ORDER BY ids.ord";
const std::string select_genres =
    "SELECT min(genre), count(*)::int, count(DISTINCT album_id)::int FROM songs WHERE genre IS NOT NULL"
    " GROUP BY genre_fold ORDER BY count(*) DESC, min(genre)";
const std::string select_songs_by_genre =
    songs_of("SELECT id FROM songs WHERE genre_fold = tonearm_fold($2) ORDER BY id LIMIT $3 OFFSET $4");
// Without filters: ids drawn at random (a few times the size, so holes left by
// deleted songs matter little); with a filter, a random order of what it matches.
const std::string select_random_songs = songs_of(
    "SELECT id FROM songs WHERE id IN (SELECT (b.lo + floor(random() * (b.hi - b.lo + 1)))::bigint"
    " FROM (SELECT min(id) AS lo, max(id) AS hi FROM songs) b, generate_series(1, $2 * 4))"
    " ORDER BY random() LIMIT $2");
const std::string select_random_filtered = songs_of(
    "SELECT id FROM songs WHERE ($3::text IS NULL OR genre_fold = tonearm_fold($3))"
    " AND ($4::int IS NULL OR release_year >= $4) AND ($5::int IS NULL OR release_year <= $5)"
    " ORDER BY random() LIMIT $2");
const std::string select_top_songs = songs_of(
    "SELECT s.id FROM songs s JOIN authors a ON a.id = s.author_id WHERE a.name_fold = tonearm_fold($2)"
    " ORDER BY s.play_count DESC, s.id LIMIT $3");
const std::string select_starred_songs =
    songs_of("SELECT song_id FROM liked_songs WHERE user_id = $1 ORDER BY added_at DESC, song_id");
const std::string select_starred_albums =
    albums_of("SELECT album_id FROM starred_albums WHERE user_id = $1 ORDER BY starred_at DESC, album_id");
const std::string select_starred_artists =
    artists_of("SELECT author_id FROM starred_authors WHERE user_id = $1 ORDER BY starred_at DESC, author_id");
const std::string select_artists_page = artists_of("SELECT id FROM authors ORDER BY id LIMIT $2 OFFSET $3");
const std::string select_albums_page = albums_of("SELECT id FROM albums ORDER BY id LIMIT $2 OFFSET $3");
const std::string select_songs_page = songs_of("SELECT id FROM songs ORDER BY id LIMIT $2 OFFSET $3");

// Stars: how many of the given ids exist, then the change.
const std::string count_known =
    "SELECT (SELECT count(*) FROM songs WHERE id = ANY($1::bigint[]))"
    " + (SELECT count(*) FROM albums WHERE id = ANY($2::bigint[]))"
    " + (SELECT count(*) FROM authors WHERE id = ANY($3::bigint[]))";
const std::string star_songs =
    "INSERT INTO liked_songs (user_id, song_id) SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING";
const std::string star_albums =
    "INSERT INTO starred_albums (user_id, album_id) SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING";
const std::string star_artists =
    "INSERT INTO starred_authors (user_id, author_id) SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING";
const std::string unstar_songs = "DELETE FROM liked_songs WHERE user_id = $1 AND song_id = ANY($2::bigint[])";
const std::string unstar_albums = "DELETE FROM starred_albums WHERE user_id = $1 AND album_id = ANY($2::bigint[])";
const std::string unstar_artists = "DELETE FROM starred_authors WHERE user_id = $1 AND author_id = ANY($2::bigint[])";

const std::string item_exists =
    "SELECT CASE $1::\"char\" WHEN 's' THEN EXISTS (SELECT 1 FROM songs WHERE id = $2)"
    " WHEN 'l' THEN EXISTS (SELECT 1 FROM albums WHERE id = $2) ELSE EXISTS (SELECT 1 FROM authors WHERE id = $2) END";
const std::string upsert_rating =
    "INSERT INTO ratings (user_id, kind, item_id, rating) VALUES ($1, $2, $3, $4)"
    " ON CONFLICT (user_id, kind, item_id) DO UPDATE SET rating = excluded.rating";
const std::string delete_rating = "DELETE FROM ratings WHERE user_id = $1 AND kind = $2 AND item_id = $3";

const std::string upsert_listen =
    "INSERT INTO listened_albums (user_id, album_id) SELECT $1, album_id FROM songs WHERE id = $2 AND album_id IS NOT NULL"
    " ON CONFLICT (user_id, album_id) DO UPDATE SET listened_at = now()";

const std::string select_queue = "SELECT song_ids::text, current_id, position_ms, " + sql::iso("changed_at") +
                                 ", changed_by FROM play_queues WHERE user_id = $1";
// Unknown songs are left out, the order and repeats of the others kept.
const std::string upsert_queue =
    "INSERT INTO play_queues (user_id, song_ids, current_id, position_ms, changed_by)"
    " SELECT $1, ARRAY(SELECT q.id FROM unnest($2::bigint[]) WITH ORDINALITY AS q(id, ord)"
    "                  WHERE EXISTS (SELECT 1 FROM songs s WHERE s.id = q.id) ORDER BY q.ord), $3, $4, $5"
    " ON CONFLICT (user_id) DO UPDATE SET song_ids = excluded.song_ids, current_id = excluded.current_id,"
    " position_ms = excluded.position_ms, changed_by = excluded.changed_by, changed_at = now()"
    " RETURNING song_ids::text, current_id, position_ms, " + sql::iso("changed_at") + ", changed_by";

template <class T>
std::optional<T> opt(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<T>();
}

subsonic::song_row song_from(const pqxx::row& r) {
  subsonic::song_row s;
  s.id = r[0].as<std::int64_t>();
  s.title = r[1].as<std::string>();
  s.artist_id = r[2].as<std::int64_t>();
  s.artist = r[3].as<std::string>();
  s.album_id = opt<std::int64_t>(r[4]);
  s.album = opt<std::string>(r[5]);
  s.genre = opt<std::string>(r[6]);
  s.year = r[7].as<int>();
  s.track = opt<int>(r[8]);
  s.duration_ms = r[9].as<int>();
  s.bitrate_kbps = opt<int>(r[10]);
  s.size = r[11].as<std::int64_t>();
  s.mime_type = r[12].as<std::string>();
  s.play_count = r[13].as<std::int64_t>();
  s.created = r[14].as<std::string>();
  s.starred = opt<std::string>(r[15]);
  s.rating = r[16].as<int>();
  s.cover = r[17].as<bool>();
  return s;
}

subsonic::album_row album_from(const pqxx::row& r) {
  subsonic::album_row a;
  a.id = r[0].as<std::int64_t>();
  a.name = r[1].as<std::string>();
  a.artist_id = r[2].as<std::int64_t>();
  a.artist = r[3].as<std::string>();
  a.year = r[4].as<int>();
  a.genre = opt<std::string>(r[5]);
  a.song_count = r[6].as<int>();
  a.duration_ms = r[7].as<std::int64_t>();
  a.play_count = r[8].as<std::int64_t>();
  a.created = r[9].as<std::string>();
  a.starred = opt<std::string>(r[10]);
  a.rating = r[11].as<int>();
  a.cover = r[12].as<bool>();
  return a;
}

subsonic::artist_row artist_from(const pqxx::row& r) {
  subsonic::artist_row a;
  a.id = r[0].as<std::int64_t>();
  a.name = r[1].as<std::string>();
  a.album_count = r[2].as<int>();
  a.starred = opt<std::string>(r[3]);
  a.rating = r[4].as<int>();
  a.cover = r[5].as<bool>();
  return a;
}

template <class F>
auto rows_of(const pqxx::result& result, F from) {
  std::vector<decltype(from(result[0]))> out;
  out.reserve(result.size());
  for (const auto& row : result) out.push_back(from(row));
  return out;
}

// The rows of one read-only statement through `from`.
template <class F, class... Args>
auto read_rows(pg_pool& db, const std::string& sql, F from, const Args&... args) {
  return db.with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    return rows_of(tx.exec_params(sql, args...), from);
  });
}

// "{1,2,3}" -> ids.
std::vector<std::int64_t> parse_int_array(const std::string& text) {
  std::vector<std::int64_t> out;
  std::int64_t v = 0;
  bool in = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      v = v * 10 + (c - '0');
      in = true;
    } else if (in) {
      out.push_back(v);
      v = 0;
      in = false;
    }
  }
  return out;
}

subsonic::play_queue queue_from(const pqxx::row& r) {
  subsonic::play_queue q;
  q.song_ids = parse_int_array(r[0].as<std::string>());
  q.current = opt<std::int64_t>(r[1]);
  q.position_ms = r[2].as<std::int64_t>();
  q.changed = r[3].as<std::string>();
  q.changed_by = r[4].as<std::string>();
  return q;
}

}  // namespace

std::vector<subsonic::song_row> library_repository::songs(std::int64_t user,
                                                          const std::vector<std::int64_t>& ids) const {
  if (ids.empty()) return {};
  return read_rows(db_, select_songs, song_from, user, sql::int_array(ids));
}

std::vector<subsonic::song_row> library_repository::album_songs(std::int64_t user, std::int64_t album) const {
  return read_rows(db_, select_album_songs, song_from, user, album);
}

std::optional<subsonic::album_row> library_repository::album(std::int64_t user, std::int64_t id) const {
  auto v = albums_by_ids(user, {id});
  if (v.empty()) return std::nullopt;
  return v.front();
}

std::optional<subsonic::artist_row> library_repository::artist(std::int64_t user, std::int64_t id) const {
  auto v = artists_by_ids(user, {id});
  if (v.empty()) return std::nullopt;
  return v.front();
}

std::vector<subsonic::artist_row> library_repository::artists(std::int64_t user) const {
  return read_rows(db_, select_all_artists, artist_from, user);
}

std::int64_t library_repository::artists_changed_ms() const {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    return tx.exec(select_artists_changed)[0][0].as<std::int64_t>();
  });
}

std::vector<std::int64_t> library_repository::playlist_durations(const std::vector<std::int64_t>& ids) const {
  if (ids.empty()) return {};
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    std::vector<std::int64_t> out;
    for (const auto& row : tx.exec_params(select_playlist_durations, sql::int_array(ids)))
      out.push_back(row[0].as<std::int64_t>());
    return out;
  });
}

std::vector<subsonic::album_row> library_repository::artist_albums(std::int64_t user, std::int64_t artist) const {
  return read_rows(db_, select_artist_albums, album_from, user, artist);
}

std::vector<subsonic::song_row> library_repository::artist_loose_songs(std::int64_t user, std::int64_t artist) const {
  return read_rows(db_, select_loose_songs, song_from, user, artist);
}

std::vector<subsonic::album_row> library_repository::album_list(std::int64_t user,
                                                                const subsonic::album_query& q) const {
  using subsonic::album_order;
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    pqxx::result r;
    switch (q.order) {
      case album_order::random: r = tx.exec_params(albums_random, user, q.size); break;
      case album_order::newest: r = tx.exec_params(albums_newest, user, q.size, q.offset); break;
      case album_order::highest: r = tx.exec_params(albums_highest, user, q.size, q.offset); break;
      case album_order::frequent: r = tx.exec_params(albums_frequent, user, q.size, q.offset); break;
      case album_order::recent: r = tx.exec_params(albums_recent, user, q.size, q.offset); break;
      case album_order::starred: r = tx.exec_params(albums_starred, user, q.size, q.offset); break;
      case album_order::by_name: r = tx.exec_params(albums_by_name, user, q.size, q.offset); break;
      case album_order::by_artist: r = tx.exec_params(albums_by_artist, user, q.size, q.offset); break;
      case album_order::by_year:
        r = tx.exec_params(q.from_year <= q.to_year ? albums_by_year_up : albums_by_year_down, user, q.size, q.offset,
                           q.from_year, q.to_year);
        break;
      case album_order::by_genre: r = tx.exec_params(albums_by_genre, user, q.size, q.offset, q.genre); break;
    }
    return rows_of(r, album_from);
  });
}

std::vector<subsonic::genre_row> library_repository::genres() const {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    return rows_of(tx.exec(select_genres), [](const pqxx::row& r) {
      return subsonic::genre_row{r[0].as<std::string>(), r[1].as<int>(), r[2].as<int>()};
    });
  });
}

std::vector<subsonic::song_row> library_repository::songs_by_genre(std::int64_t user, const std::string& genre,
                                                                   int count, int offset) const {
  return read_rows(db_, select_songs_by_genre, song_from, user, genre, count, offset);
}

std::vector<subsonic::song_row> library_repository::random_songs(std::int64_t user, int size,
                                                                 const std::optional<std::string>& genre,
                                                                 std::optional<int> from_year,
                                                                 std::optional<int> to_year) const {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    if (!genre && !from_year && !to_year) return rows_of(tx.exec_params(select_random_songs, user, size), song_from);
    auto year = [](std::optional<int> y) { return y ? std::optional(std::to_string(*y)) : std::nullopt; };
    auto from = year(from_year), to = year(to_year);
    return rows_of(tx.exec_params(select_random_filtered, user, size, genre ? genre->c_str() : nullptr,
                                  from ? from->c_str() : nullptr, to ? to->c_str() : nullptr),
                   song_from);
  });
}

std::vector<subsonic::song_row> library_repository::top_songs(std::int64_t user, const std::string& artist,
                                                              int count) const {
  return read_rows(db_, select_top_songs, song_from, user, artist, count);
}

std::vector<subsonic::song_row> library_repository::starred_songs(std::int64_t user) const {
  return read_rows(db_, select_starred_songs, song_from, user);
}

std::vector<subsonic::album_row> library_repository::starred_albums(std::int64_t user) const {
  return read_rows(db_, select_starred_albums, album_from, user);
}

std::vector<subsonic::artist_row> library_repository::starred_artists(std::int64_t user) const {
  return read_rows(db_, select_starred_artists, artist_from, user);
}

std::vector<subsonic::artist_row> library_repository::artists_page(std::int64_t user, int count, int offset) const {
  return read_rows(db_, select_artists_page, artist_from, user, count, offset);
}

std::vector<subsonic::album_row> library_repository::albums_page(std::int64_t user, int count, int offset) const {
  return read_rows(db_, select_albums_page, album_from, user, count, offset);
}

std::vector<subsonic::song_row> library_repository::songs_page(std::int64_t user, int count, int offset) const {
  return read_rows(db_, select_songs_page, song_from, user, count, offset);
}

std::vector<subsonic::artist_row> library_repository::artists_by_ids(std::int64_t user,
                                                                     const std::vector<std::int64_t>& ids) const {
  if (ids.empty()) return {};
  return read_rows(db_, select_artists, artist_from, user, sql::int_array(ids));
}

std::vector<subsonic::album_row> library_repository::albums_by_ids(std::int64_t user,
                                                                   const std::vector<std::int64_t>& ids) const {
  if (ids.empty()) return {};
  return read_rows(db_, select_albums, album_from, user, sql::int_array(ids));
}

bool library_repository::set_stars(std::int64_t user, const std::vector<std::int64_t>& songs,
                                   const std::vector<std::int64_t>& albums, const std::vector<std::int64_t>& artists,
                                   bool on) const {
  auto unique = [](std::vector<std::int64_t> v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
  };
  auto s = unique(songs), l = unique(albums), a = unique(artists);
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto s_text = sql::int_array(s), l_text = sql::int_array(l), a_text = sql::int_array(a);
    if (on) {
      auto known = tx.exec_params(count_known, s_text, l_text, a_text)[0][0].as<std::int64_t>();
      if (known != static_cast<std::int64_t>(s.size() + l.size() + a.size())) return false;
    }
    tx.exec_params(on ? star_songs : unstar_songs, user, s_text);
    tx.exec_params(on ? star_albums : unstar_albums, user, l_text);
    tx.exec_params(on ? star_artists : unstar_artists, user, a_text);
    tx.commit();
    return true;
  });
}

bool library_repository::set_rating(std::int64_t user, char kind, std::int64_t id, int rating) const {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    std::string k(1, kind);
    if (!tx.exec_params(item_exists, k, id)[0][0].as<bool>()) return false;
    if (rating == 0)
      tx.exec_params(delete_rating, user, k, id);
    else
      tx.exec_params(upsert_rating, user, k, id, rating);
    tx.commit();
    return true;
  });
}

void library_repository::record_listen(std::int64_t user, std::int64_t song) const {
  db_.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    tx.exec_params(upsert_listen, user, song);
    tx.commit();
  });
}

std::optional<subsonic::play_queue> library_repository::play_queue(std::int64_t user) const {
  return db_.with_connection([&](pqxx::connection& c) -> std::optional<subsonic::play_queue> {
    pqxx::read_transaction tx(c);
    auto r = tx.exec_params(select_queue, user);
    if (r.empty()) return std::nullopt;
    return queue_from(r[0]);
  });
}

subsonic::play_queue library_repository::save_play_queue(std::int64_t user, const subsonic::play_queue& q) const {
  return db_.with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto current = q.current ? std::optional(std::to_string(*q.current)) : std::nullopt;
    auto r = tx.exec_params(upsert_queue, user, sql::int_array(q.song_ids), current ? current->c_str() : nullptr,
                            q.position_ms, q.changed_by);
    tx.commit();
    return queue_from(r[0]);
  });
}

}  // namespace tonearm::store
