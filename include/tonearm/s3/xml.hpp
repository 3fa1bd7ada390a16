// The little XML that S3 answers with (errors, multipart uploads, listings): elements
// found by name, text with its entities decoded. Not a general XML parser: S3's
// answers are flat documents of simple elements, and nothing here trusts more.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tonearm::s3 {

// The inner text of each <name ...>...</name> (or "" for <name/>) in document order,
// entities still encoded. Elements of the same name nested in one another are not
// supported (S3 has none).
std::vector<std::string_view> xml_elements(std::string_view xml, std::string_view name);

// The decoded text of the first <name> element; nullopt when there is none.
std::optional<std::string> xml_text(std::string_view xml, std::string_view name);

// &amp; &lt; &gt; &quot; &apos; and numeric references (&#38; &#x26;) decoded, as
// UTF-8; an unknown or malformed reference is kept as written.
std::string xml_unescape(std::string_view text);

// & < > " ' as entities, for text put into a request body (ETags hold quotes).
std::string xml_escape(std::string_view text);

// An S3 error document: <Error><Code>NoSuchKey</Code><Message>...</Message></Error>.
struct error_document {
  std::string code;
  std::string message;
};
std::optional<error_document> parse_error_document(std::string_view xml);

}  // namespace tonearm::s3
