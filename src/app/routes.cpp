// The route table.
#include "routes.hpp"

#include <memory>

#include "accounts/account_handlers.hpp"
#include "accounts/playlist_handlers.hpp"
#include "catalog/catalog_handlers.hpp"
#include "health_handlers.hpp"
#include "stream/stream_handler.hpp"
#include "tonearm/web/static_files.hpp"

namespace tonearm::app {

namespace {
// A handler calling `fn` on the shared object `obj`.
template <class T, class F>
http::handler bind(std::shared_ptr<T> obj, F fn) {
  return [obj, fn](http::request& q) { return fn(*obj, q); };
}
}  // namespace

http::router build_routes(services& s) {
  using http::execution;
  using http::request;
  http::router r;
  r.add("GET", "/healthz", handle_healthz, execution::inline_io);
  r.add("GET", "/readyz", readyz_handler(s));

  auto acct = std::make_shared<tonearm::accounts::account_handlers>(
      s.users, s.catalog, s.limiter, s.hasher,
      tonearm::accounts::account_settings{s.cfg.session_ttl, s.cfg.login_attempts_per_user, s.cfg.login_attempts_per_address,
                                 s.cfg.password_hash_concurrency},
      &s.tokens);
  // With anonymous_access off, search and streaming need a token too.
  auto gate = [acct, open = s.cfg.anonymous_access](http::handler h) -> http::handler {
    if (open) return h;
    return [acct, h](request& q) {
      acct->auth().require_id(q);
      return h(q);
    };
  };

  auto catalog = std::make_shared<catalog::catalog_handlers>(s.catalog, s.search);
  r.add("GET", "/v1/search", gate(bind(catalog, [](auto& c, request& q) { return c.search(q); })));
  r.add("GET", "/v1/genres", gate(bind(catalog, [](auto& c, request& q) { return c.genres(q); })));
  r.add("GET", "/v1/songs/{id}", gate(bind(catalog, [](auto& c, request& q) { return c.song(q); })));
  r.add("GET", "/v1/authors/{id}", gate(bind(catalog, [](auto& c, request& q) { return c.author(q); })));
  r.add("GET", "/v1/albums/{id}", gate(bind(catalog, [](auto& c, request& q) { return c.album(q); })));
  auto streamer = std::make_shared<stream::stream_handler>(s.catalog, s.directory, s.blobs, s.recorder, s.hot);
  auto stream = gate([streamer](request& q) { return (*streamer)(q); });
  if (s.cfg.anonymous_access)
    r.add("GET", "/v1/songs/{id}/stream", [streamer](request& q) { return streamer->fast(q); }, stream);
  else  // on the I/O thread when the token was confirmed lately too
    r.add("GET", "/v1/songs/{id}/stream",
          [acct, streamer](request& q) -> std::optional<http::response> {
            if (!acct->auth().recent_id(q)) return std::nullopt;
            return streamer->fast(q);
          },
          stream);
  r.add("GET", "/v1/charts/top", gate(stream::charts_handler(s.catalog, s.plays, s.recorder)));

  auto a = [&](auto fn) { return bind(acct, fn); };
  r.add("POST", "/v1/users", a([](auto& h, request& q) { return h.register_user(q); }));
  r.add("GET", "/v1/users/{id}", a([](auto& h, request& q) { return h.user(q); }));
  r.add("GET", "/v1/users/{id}/followers", a([](auto& h, request& q) { return h.followers(q); }));
  r.add("GET", "/v1/users/{id}/following", a([](auto& h, request& q) { return h.following(q); }));
  r.add("POST", "/v1/sessions", a([](auto& h, request& q) { return h.login(q); }));
  r.add("DELETE", "/v1/sessions/current", a([](auto& h, request& q) { return h.logout(q); }));
  r.add("GET", "/v1/me", a([](auto& h, request& q) { return h.me(q); }));
  r.add("PUT", "/v1/me/following/users/{id}", a([](auto& h, request& q) { return h.follow_user(q, true); }));
  r.add("DELETE", "/v1/me/following/users/{id}", a([](auto& h, request& q) { return h.follow_user(q, false); }));
  r.add("PUT", "/v1/me/following/authors/{id}", a([](auto& h, request& q) { return h.follow_author(q, true); }));
  r.add("DELETE", "/v1/me/following/authors/{id}", a([](auto& h, request& q) { return h.follow_author(q, false); }));
  r.add("GET", "/v1/me/library/songs", a([](auto& h, request& q) { return h.liked_songs(q); }));
  r.add("GET", "/v1/me/library/songs/contains", a([](auto& h, request& q) { return h.likes(q); }));
  r.add("PUT", "/v1/me/library/songs/{id}", a([](auto& h, request& q) { return h.like_song(q, true); }));
  r.add("DELETE", "/v1/me/library/songs/{id}", a([](auto& h, request& q) { return h.like_song(q, false); }));

  auto playlists = std::make_shared<tonearm::accounts::playlist_handlers>(s.playlists, s.users, s.catalog, acct->auth());
  auto p = [&](auto fn) { return bind(playlists, fn); };
  r.add("POST", "/v1/playlists", p([](auto& h, request& q) { return h.create(q); }));
  r.add("GET", "/v1/playlists/{id}", p([](auto& h, request& q) { return h.get(q); }));
  r.add("PATCH", "/v1/playlists/{id}", p([](auto& h, request& q) { return h.update(q); }));
  r.add("DELETE", "/v1/playlists/{id}", p([](auto& h, request& q) { return h.remove(q); }));
  r.add("GET", "/v1/playlists/{id}/items", p([](auto& h, request& q) { return h.items(q); }));
  r.add("POST", "/v1/playlists/{id}/items", p([](auto& h, request& q) { return h.add_items(q); }));
  r.add("DELETE", "/v1/playlists/{id}/items", p([](auto& h, request& q) { return h.remove_items(q); }));
  r.add("PUT", "/v1/playlists/{id}/items", p([](auto& h, request& q) { return h.reorder_items(q); }));
  r.add("PUT", "/v1/playlists/{id}/followers", p([](auto& h, request& q) { return h.follow(q, true); }));
  r.add("DELETE", "/v1/playlists/{id}/followers", p([](auto& h, request& q) { return h.follow(q, false); }));
  r.add("GET", "/v1/me/playlists", p([](auto& h, request& q) { return h.mine(q); }));
  r.add("GET", "/v1/users/{id}/playlists", p([](auto& h, request& q) { return h.of_user(q); }));

  // The web player: flat files of web_dir at "/" ("/healthz" and "/v1/..." win by
  // specificity and length). In memory, so it answers on the I/O thread.
  auto site = std::make_shared<web::static_files>(s.cfg.web_dir);
  r.add("GET", "/", [site](request& q) { return site->serve(q, ""); }, execution::inline_io);
  r.add("GET", "/{file}", [site](request& q) { return site->serve(q, q.param("file")); }, execution::inline_io);
  return r;
}

}  // namespace tonearm::app
