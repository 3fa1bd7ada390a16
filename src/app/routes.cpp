// The route table: paths onto the handlers services built.
#include "tonearm/app/routes.hpp"

#include <memory>

#include "tonearm/app/openapi.hpp"
#include "tonearm/metrics/metrics.hpp"
#include "tonearm/web/static_files.hpp"

namespace tonearm::app {

namespace {

// Prometheus text exposition; no user data in any label.
http::response handle_metrics(http::request&) {
  http::response res;
  res.status = 200;
  res.body = metrics::expose();
  res.headers.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  res.headers.set("Cache-Control", "no-store");
  return res;
}

}  // namespace

http::router build_metrics_routes() {
  http::router r;
  r.add("GET", "/healthz", handle_healthz, http::execution::inline_io);
  r.add("GET", "/metrics", handle_metrics);
  return r;
}

http::router build_routes(services& s) {
  using http::execution;
  using http::request;
  http::router r;
  r.add("GET", "/healthz", handle_healthz, execution::inline_io);
  r.add("GET", "/readyz", [&h = s.readyz](request& q) { return h(q); });
  if (s.cfg.metrics_host.empty()) r.add("GET", "/metrics", handle_metrics);
  r.add("GET", "/v1/openapi.json", handle_openapi, execution::inline_io);

  // With anonymous_access off, search and streaming need a token too: with_auth
  // wraps a handler, recently_authed a fast path (on the I/O thread only when the
  // token was confirmed lately; else on to the blocking handler).
  const bool open = s.cfg.anonymous_access;
  auto& auth = s.auth;
  auto with_auth = [&auth, open](http::handler h) -> http::handler {
    if (open) return h;
    return [&auth, h = std::move(h)](request& q) {
      auth.require_id(q);
      return h(q);
    };
  };
  auto recently_authed = [&auth, open](http::fast_path f) -> http::fast_path {
    if (open) return f;
    return [&auth, f = std::move(f)](request& q) -> std::optional<http::response> {
      if (!auth.recent_id(q)) return std::nullopt;
      return f(q);
    };
  };

  auto& catalog = s.catalog_api;
  r.add("GET", "/v1/search", with_auth([&catalog](request& q) { return catalog.search(q); }));
  r.add("GET", "/v1/genres", with_auth([&catalog](request& q) { return catalog.genres(q); }));
  r.add("GET", "/v1/songs/{id}", with_auth([&catalog](request& q) { return catalog.song(q); }));
  r.add("GET", "/v1/authors/{id}", with_auth([&catalog](request& q) { return catalog.author(q); }));
  r.add("GET", "/v1/albums/{id}", with_auth([&catalog](request& q) { return catalog.album(q); }));
  auto& covers = s.covers;
  r.add("GET", "/v1/albums/{id}/cover", with_auth([&covers](request& q) { return covers.album(q); }));
  r.add("GET", "/v1/songs/{id}/cover", with_auth([&covers](request& q) { return covers.song(q); }));
  r.add("GET", "/v1/authors/{id}/cover", with_auth([&covers](request& q) { return covers.author(q); }));
  auto& streamer = s.streamer;
  r.add("GET", "/v1/songs/{id}/stream", recently_authed([&streamer](request& q) { return streamer.fast(q); }),
        with_auth([&streamer](request& q) { return streamer(q); }));
  r.limit_streams("GET", "/v1/songs/{id}/stream");
  // For an edge cache in front of the audio (deploy/nginx: auth_request): 204 when this
  // request may stream (anonymous access, or a valid token), else 401.
  auto may_stream = [](request&) {
    http::response res;
    res.status = 204;
    res.headers.set("Cache-Control", "no-store");
    return res;
  };
  r.add("GET", "/v1/access/stream", recently_authed(may_stream), with_auth(may_stream));
  r.add("POST", "/v1/songs/{id}/plays", with_auth([&streamer](request& q) { return streamer.report_play(q); }));
  r.add("GET", "/v1/charts/top", with_auth([&charts = s.charts](request& q) { return charts(q); }));

  auto& a = s.accounts_api;
  r.add("POST", "/v1/users", [&a](request& q) { return a.register_user(q); });
  r.add("GET", "/v1/users/{id}", [&a](request& q) { return a.user(q); });
  r.add("GET", "/v1/users/{id}/followers", [&a](request& q) { return a.followers(q); });
  r.add("GET", "/v1/users/{id}/following", [&a](request& q) { return a.following(q); });
  r.add("POST", "/v1/sessions", [&a](request& q) { return a.login(q); });
  r.add("DELETE", "/v1/sessions/current", [&a](request& q) { return a.logout(q); });
  r.add("GET", "/v1/me", [&a](request& q) { return a.me(q); });
  r.add("PUT", "/v1/me/following/users/{id}", [&a](request& q) { return a.follow_user(q, true); });
  r.add("DELETE", "/v1/me/following/users/{id}", [&a](request& q) { return a.follow_user(q, false); });
  r.add("PUT", "/v1/me/following/authors/{id}", [&a](request& q) { return a.follow_author(q, true); });
  r.add("DELETE", "/v1/me/following/authors/{id}", [&a](request& q) { return a.follow_author(q, false); });
  r.add("GET", "/v1/me/library/songs", [&a](request& q) { return a.liked_songs(q); });
  r.add("GET", "/v1/me/library/songs/contains", [&a](request& q) { return a.likes(q); });
  r.add("PUT", "/v1/me/library/songs/{id}", [&a](request& q) { return a.like_song(q, true); });
  r.add("DELETE", "/v1/me/library/songs/{id}", [&a](request& q) { return a.like_song(q, false); });

  auto& p = s.playlists_api;
  r.add("POST", "/v1/playlists", [&p](request& q) { return p.create(q); });
  r.add("GET", "/v1/playlists/{id}", [&p](request& q) { return p.get(q); });
  r.add("PATCH", "/v1/playlists/{id}", [&p](request& q) { return p.update(q); });
  r.add("DELETE", "/v1/playlists/{id}", [&p](request& q) { return p.remove(q); });
  r.add("GET", "/v1/playlists/{id}/items", [&p](request& q) { return p.items(q); });
  r.add("POST", "/v1/playlists/{id}/items", [&p](request& q) { return p.add_items(q); });
  r.add("DELETE", "/v1/playlists/{id}/items", [&p](request& q) { return p.remove_items(q); });
  r.add("PUT", "/v1/playlists/{id}/items", [&p](request& q) { return p.reorder_items(q); });
  r.add("PUT", "/v1/playlists/{id}/followers", [&p](request& q) { return p.follow(q, true); });
  r.add("DELETE", "/v1/playlists/{id}/followers", [&p](request& q) { return p.follow(q, false); });
  r.add("GET", "/v1/me/playlists", [&p](request& q) { return p.mine(q); });
  r.add("GET", "/v1/users/{id}/playlists", [&p](request& q) { return p.of_user(q); });

  auto& me = s.me_api;
  r.add("POST", "/v1/me/app-passwords", [&me](request& q) { return me.create_credential(q); });
  r.add("GET", "/v1/me/app-passwords", [&me](request& q) { return me.credentials(q); });
  r.add("DELETE", "/v1/me/app-passwords/{id}", [&me](request& q) { return me.revoke_credential(q); });
  r.add("GET", "/v1/me/player/queue", [&me](request& q) { return me.queue(q); });
  r.add("PUT", "/v1/me/player/queue", [&me](request& q) { return me.save_queue(q); });

  // The Subsonic API for existing music apps: every method with and without .view, by
  // GET or POST (formPost). The audio methods are streams, under max_streams.
  auto& sub = s.subsonic_api;
  auto subsonic = [&sub](request& q) { return sub(q); };
  for (const char* method : {"GET", "POST"}) {
    r.add(method, "/rest/{method}", subsonic);
    for (const char* audio : {"/rest/stream", "/rest/stream.view", "/rest/download", "/rest/download.view"}) {
      r.add(method, audio, subsonic);
      r.limit_streams(method, audio);
    }
  }

  // The web player: flat files of web_dir at "/" ("/healthz" and "/v1/..." win by
  // specificity and length). In memory, so it answers on the I/O thread.
  auto site = std::make_shared<web::static_files>(s.cfg.web_dir);
  r.add("GET", "/", [site](request& q) { return site->serve(q, ""); }, execution::inline_io);
  r.add("GET", "/{file}", [site](request& q) { return site->serve(q, q.param("file")); }, execution::inline_io);
  return r;
}

}  // namespace tonearm::app
