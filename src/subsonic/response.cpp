// The Subsonic response tree rendered as XML and JSON (see response.hpp).
#include "tonearm/subsonic/response.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>

namespace tonearm::subsonic {

element& element::set_value(std::string key, value v) {
  attributes.emplace_back(std::move(key), std::move(v));
  return *this;
}

element& element::add(std::string child_name) { return children.emplace_back(std::move(child_name), false); }

element& element::add_item(std::string child_name) { return children.emplace_back(std::move(child_name), true); }

element& element::add(element child) { return children.emplace_back(std::move(child)); }

element& element::add_value(std::string child_name, value v) {
  auto& e = children.emplace_back(std::move(child_name), true);
  e.text = std::move(v);
  e.bare = true;
  return e;
}

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\t': out += "&#9;"; break;
      case '\n': out += "&#10;"; break;
      case '\r': out += "&#13;"; break;
      default:
        if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) out += c;
    }
  }
  return out;
}

namespace {

std::string number_text(double d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  // The shortest text that reads back the same.
  for (int precision = 1; precision < 17; ++precision) {
    char shorter[32];
    std::snprintf(shorter, sizeof shorter, "%.*g", precision, d);
    if (std::strtod(shorter, nullptr) == d) return shorter;
  }
  return buf;
}

std::string attribute_text(const value& v) {
  struct {
    std::string operator()(const std::string& s) const { return s; }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return number_text(d); }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
  } text;
  return std::visit(text, v);
}

void write_xml(const element& e, std::string& out) {
  out += '<';
  out += e.name;
  for (const auto& [k, v] : e.attributes) {
    out += ' ';
    out += k;
    out += "=\"";
    out += xml_escape(attribute_text(v));
    out += '"';
  }
  if (e.children.empty() && !e.text) {
    out += "/>";
    return;
  }
  out += '>';
  if (e.text) out += xml_escape(attribute_text(*e.text));
  for (const auto& c : e.children) write_xml(c, out);
  out += "</";
  out += e.name;
  out += '>';
}

using ordered = nlohmann::ordered_json;

void fill_json(const element& e, ordered& obj) {
  for (const auto& [k, v] : e.attributes) {
    std::visit([&obj, &k = k](const auto& x) { obj[k] = x; }, v);
  }
  if (e.text) std::visit([&obj](const auto& x) { obj["value"] = x; }, *e.text);
  for (const auto& c : e.children) {
    ordered child = ordered::object();
    if (c.bare && c.text)
      std::visit([&child](const auto& x) { child = x; }, *c.text);
    else
      fill_json(c, child);
    if (c.repeated) {
      auto& list = obj[c.name];
      if (!list.is_array()) list = ordered::array();
      list.push_back(std::move(child));
    } else {
      obj[c.name] = std::move(child);
    }
  }
}

std::string envelope_xml(const element& body, bool ok, std::string_view server_version) {
  element root("subsonic-response");
  root.set("xmlns", "http://subsonic.org/restapi");
  root.set("status", ok ? "ok" : "failed");
  root.set("version", api_version);
  root.set("type", server_type);
  root.set("serverVersion", server_version);
  root.set("openSubsonic", true);
  for (const auto& a : body.attributes) root.attributes.push_back(a);
  root.children = body.children;
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  write_xml(root, out);
  out += '\n';
  return out;
}

std::string envelope_json(const element& body, bool ok, std::string_view server_version) {
  ordered inner = ordered::object();
  inner["status"] = ok ? "ok" : "failed";
  inner["version"] = api_version;
  inner["type"] = server_type;
  inner["serverVersion"] = server_version;
  inner["openSubsonic"] = true;
  fill_json(body, inner);
  ordered whole = ordered::object();
  whole["subsonic-response"] = std::move(inner);
  // Text that is not UTF-8 (a tag read from an old file) is replaced, never a throw.
  return whole.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string render(const element& body, bool ok, format f, std::string_view server_version,
                   std::string_view callback) {
  switch (f) {
    case format::xml: return envelope_xml(body, ok, server_version);
    case format::json: return envelope_json(body, ok, server_version);
    case format::jsonp:
      return std::string(callback) + "(" + envelope_json(body, ok, server_version) + ");";
  }
  return {};
}

std::string render_error(error_code code, std::string_view message, format f, std::string_view server_version,
                         std::string_view callback) {
  element body("");
  body.add("error").set("code", static_cast<int>(code)).set("message", message);
  return render(body, false, f, server_version, callback);
}

std::string_view content_type(format f) {
  switch (f) {
    case format::xml: return "text/xml; charset=utf-8";
    case format::json: return "application/json; charset=utf-8";
    case format::jsonp: return "application/javascript; charset=utf-8";
  }
  return "text/plain";
}

}  // namespace tonearm::subsonic
