// hiredis wrapper: pooled blocking contexts with timeouts behind a circuit breaker.
#include "tonearm/store/redis_client.hpp"

#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <stdexcept>

#include "tonearm/core/request_context.hpp"
#include "tonearm/metrics/metrics.hpp"

namespace tonearm::store {

namespace {

struct redis_metrics {
  prometheus::Counter& round_trips =
      metrics::counter("tonearm_redis_round_trips_total", "Redis round trips (a pipeline is one).").Add({});
  prometheus::Family<prometheus::Counter>& errors =
      metrics::counter("tonearm_redis_errors_total", "Redis round trips that failed, by kind.");
  prometheus::Counter& timeouts = errors.Add({{"kind", "timeout"}});
  prometheus::Counter& failures = errors.Add({{"kind", "connection"}});
  prometheus::Counter& refused = metrics::counter("tonearm_redis_fast_failures_total",
                                                  "Round trips not tried because the circuit breaker was open.")
                                     .Add({});
  prometheus::Gauge& breaker = metrics::gauge("tonearm_redis_breaker_state",
                                              "The Redis circuit breaker: 0 closed, 1 open, 2 half open.")
                                   .Add({});
};

redis_metrics& stats() {
  static redis_metrics m;
  return m;
}
// Registered at start, so every family is exposed before its first event.
[[maybe_unused]] const auto& registered = stats();

void record_breaker(const circuit_breaker& b) {
  switch (b.current()) {
    case circuit_breaker::state::closed: stats().breaker.Set(0); break;
    case circuit_breaker::state::open: stats().breaker.Set(1); break;
    case circuit_breaker::state::half_open: stats().breaker.Set(2); break;
  }
}

bool is_timeout(std::string_view message) {
  return message.find("timed out") != std::string_view::npos || message.find("timeout") != std::string_view::npos ||
         message.find("temporarily unavailable") != std::string_view::npos;
}

struct context_deleter {
  void operator()(redisContext* c) const noexcept { redisFree(c); }
};
struct reply_deleter {
  void operator()(redisReply* r) const noexcept { freeReplyObject(r); }
};
using context_ptr = std::unique_ptr<redisContext, context_deleter>;
using reply_ptr = std::unique_ptr<redisReply, reply_deleter>;

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

redis_reply convert(const redisReply* r) {
  redis_reply out;
  switch (r->type) {
    case REDIS_REPLY_STRING: out.type = redis_reply::kind::string; out.str.assign(r->str, r->len); break;
    case REDIS_REPLY_STATUS: out.type = redis_reply::kind::status; out.str.assign(r->str, r->len); break;
    case REDIS_REPLY_ERROR: out.type = redis_reply::kind::error; out.str.assign(r->str, r->len); break;
    case REDIS_REPLY_INTEGER: out.type = redis_reply::kind::integer; out.integer = r->integer; break;
    case REDIS_REPLY_ARRAY:
      out.type = redis_reply::kind::array;
      out.elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i) out.elements.push_back(convert(r->element[i]));
      break;
    default: out.type = redis_reply::kind::nil; break;
  }
  return out;
}

void append(redisContext* c, const std::vector<std::string>& argv) {
  std::vector<const char*> ptrs;
  std::vector<std::size_t> lens;
  ptrs.reserve(argv.size());
  lens.reserve(argv.size());
  for (const auto& a : argv) {
    ptrs.push_back(a.data());
    lens.push_back(a.size());
  }
  redisAppendCommandArgv(c, static_cast<int>(argv.size()), ptrs.data(), lens.data());
}

}  // namespace

// One hiredis context. A context that saw an I/O error is discarded, never reused.
class redis_connection {
 public:
  explicit redis_connection(context_ptr ctx) : ctx_(std::move(ctx)) {}
  redisContext* get() const { return ctx_.get(); }
  bool failed() const { return ctx_->err != 0; }
  std::string error() const { return ctx_->errstr; }

 private:
  context_ptr ctx_;
};

redis_options parse_redis_url(std::string_view url) {
  redis_options o;
  constexpr std::string_view scheme = "redis://";
  if (url.substr(0, scheme.size()) != scheme) throw std::invalid_argument("expected redis://host:port/db");
  url.remove_prefix(scheme.size());
  if (auto at = url.rfind('@'); at != std::string_view::npos) {
    auto userinfo = url.substr(0, at);
    auto colon = userinfo.find(':');
    o.password = std::string(colon == std::string_view::npos ? userinfo : userinfo.substr(colon + 1));
    url.remove_prefix(at + 1);
  }
  auto slash = url.find('/');
  auto hostport = url.substr(0, slash);
  if (slash != std::string_view::npos) {
    auto db = url.substr(slash + 1);
    if (!db.empty()) {
      auto [p, ec] = std::from_chars(db.data(), db.data() + db.size(), o.db);
      if (ec != std::errc{} || p != db.data() + db.size() || o.db < 0)
        throw std::invalid_argument("bad database number in redis URL");
    }
  }
  auto colon = hostport.rfind(':');
  if (colon != std::string_view::npos) {
    auto port = hostport.substr(colon + 1);
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), o.port);
    if (ec != std::errc{} || p != port.data() + port.size() || o.port < 1 || o.port > 65535)
      throw std::invalid_argument("bad port in redis URL");
    hostport = hostport.substr(0, colon);
  }
  if (hostport.empty()) throw std::invalid_argument("missing host in redis URL");
  o.host = std::string(hostport);
  return o;
}

redis_client::redis_client(redis_options options)
    : options_(std::move(options)), breaker_(options_.breaker_threshold, options_.breaker_cooldown) {}

redis_client::~redis_client() = default;

std::string redis_client::last_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

std::unique_ptr<redis_connection> redis_client::checkout() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
  }
  context_ptr ctx(redisConnectWithTimeout(options_.host.c_str(), options_.port, to_timeval(options_.timeout)));
  if (!ctx) throw std::runtime_error("cannot allocate redis context");
  if (ctx->err) throw std::runtime_error(std::string("connect: ") + ctx->errstr);
  redisSetTimeout(ctx.get(), to_timeval(options_.timeout));
  auto conn = std::make_unique<redis_connection>(std::move(ctx));
  auto setup = [&](const std::vector<std::string>& argv) {
    append(conn->get(), argv);
    redisReply* raw = nullptr;
    if (redisGetReply(conn->get(), reinterpret_cast<void**>(&raw)) != REDIS_OK)
      throw std::runtime_error("setup: " + conn->error());
    reply_ptr r(raw);
    if (r->type == REDIS_REPLY_ERROR) throw std::runtime_error("setup: " + std::string(r->str, r->len));
  };
  if (!options_.password.empty()) setup({"AUTH", options_.password});
  if (options_.db != 0) setup({"SELECT", std::to_string(options_.db)});
  return conn;
}

void redis_client::checkin(std::unique_ptr<redis_connection> conn) {
  if (conn->failed()) return;
  std::lock_guard lock(mutex_);
  if (idle_.size() < options_.pool_size) idle_.push_back(std::move(conn));
}

std::optional<std::vector<redis_reply>> redis_client::pipeline(
    const std::vector<std::vector<std::string>>& commands) {
  core::time_spent<&core::request_context::redis_seconds> timing;  // for the slow-request log
  if (!breaker_.allow()) {
    stats().refused.Increment();
    return std::nullopt;
  }
  stats().round_trips.Increment();
  std::unique_ptr<redis_connection> conn;
  try {
    conn = checkout();
    for (const auto& argv : commands) append(conn->get(), argv);
    std::vector<redis_reply> replies;
    replies.reserve(commands.size());
    for (std::size_t i = 0; i < commands.size(); ++i) {
      redisReply* raw = nullptr;
      if (redisGetReply(conn->get(), reinterpret_cast<void**>(&raw)) != REDIS_OK)
        throw std::runtime_error(conn->error());
      reply_ptr r(raw);
      replies.push_back(convert(r.get()));
    }
    breaker_.on_success();
    record_breaker(breaker_);
    checkin(std::move(conn));
    return replies;
  } catch (const std::exception& e) {
    bool was_closed = breaker_.current() == circuit_breaker::state::closed;
    breaker_.on_failure();
    record_breaker(breaker_);
    (is_timeout(e.what()) ? stats().timeouts : stats().failures).Increment();
    {
      std::lock_guard lock(mutex_);
      last_error_ = e.what();
      idle_.clear();  // other pooled contexts likely point at the same dead server
    }
    if (was_closed && breaker_.current() == circuit_breaker::state::open)
      spdlog::warn("redis unavailable ({}); failing fast for {} ms", e.what(), options_.breaker_cooldown.count());
    return std::nullopt;
  }
}

std::optional<std::vector<redis_reply>> redis_client::eval_many(const redis_script& script,
                                                                const std::vector<std::vector<std::string>>& calls) {
  if (calls.empty()) return std::vector<redis_reply>{};
  std::string sha;
  {
    std::lock_guard lock(script.mutex_);
    sha = script.sha_;
  }
  if (sha.empty()) {
    auto loaded = command({"SCRIPT", "LOAD", script.text_});
    if (!loaded) return std::nullopt;
    if (!loaded->is_error()) {
      sha = loaded->str;
      std::lock_guard lock(script.mutex_);
      script.sha_ = sha;
    }
  }
  auto with = [&](const std::string& verb, const std::string& what, const std::vector<std::size_t>* only) {
    std::vector<std::vector<std::string>> commands;
    auto add = [&](const std::vector<std::string>& call) {
      std::vector<std::string> c{verb, what};
      c.insert(c.end(), call.begin(), call.end());
      commands.push_back(std::move(c));
    };
    if (only)
      for (auto i : *only) add(calls[i]);
    else
      for (const auto& call : calls) add(call);
    return pipeline(commands);
  };
  if (sha.empty()) return with("EVAL", script.text_, nullptr);  // SCRIPT LOAD refused: send the text
  auto replies = with("EVALSHA", sha, nullptr);
  if (!replies) return std::nullopt;
  std::vector<std::size_t> unknown;
  for (std::size_t i = 0; i < replies->size(); ++i)
    if ((*replies)[i].is_error() && (*replies)[i].str.rfind("NOSCRIPT", 0) == 0) unknown.push_back(i);
  if (unknown.empty()) return replies;
  // Not run (Redis did not know the script), so safe to send again.
  auto again = with("EVAL", script.text_, &unknown);
  if (again)
    for (std::size_t j = 0; j < unknown.size() && j < again->size(); ++j) (*replies)[unknown[j]] = std::move((*again)[j]);
  return replies;
}

std::optional<redis_reply> redis_client::eval(const redis_script& script, const std::vector<std::string>& call) {
  auto replies = eval_many(script, {call});
  if (!replies || replies->empty()) return std::nullopt;
  return std::move(replies->front());
}

std::optional<redis_reply> redis_client::command(const std::vector<std::string>& argv) {
  auto replies = pipeline({argv});
  if (!replies) return std::nullopt;
  return std::move(replies->front());
}

std::size_t redis_client::warm(std::size_t n) {
  std::vector<std::unique_ptr<redis_connection>> held;  // held, so that each checkout opens another
  try {
    while (held.size() < std::min(n, options_.pool_size)) held.push_back(checkout());
  } catch (const std::exception& e) {
    spdlog::debug("Redis pool warm-up stopped after {} connections: {}", held.size(), e.what());
  }
  auto opened = held.size();
  for (auto& c : held) checkin(std::move(c));
  return opened;
}

bool redis_client::ping() {
  auto r = command({"PING"});
  return r && !r->is_error();
}

}  // namespace tonearm::store
