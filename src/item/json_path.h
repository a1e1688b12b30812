// Where in a JSON document a parser is, kept cheaply while parsing and rendered as text
// ("$.address.M.zip", "$.tags.L[2]") only when an error is reported.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ddbcrypt::internal {

class JsonPath {
 public:
  // `key` must outlive the segment (parsers push views into their document).
  void push_key(std::string_view key) { segments_.push_back({key, 0, false}); }
  void push_index(std::size_t index) { segments_.push_back({{}, index, true}); }
  void pop() noexcept { segments_.pop_back(); }

  // Simple names render as ".name"; others as ["..."] with JSON escapes, shortened, so a
  // message stays one readable line whatever the name holds.
  std::string render() const;

 private:
  struct Segment {
    std::string_view key;
    std::size_t index;
    bool is_index;
  };
  std::vector<Segment> segments_;
};

// Pushes a segment for the lifetime of the guard.
class JsonPathScope {
 public:
  JsonPathScope(JsonPath& path, std::string_view key) : path_(path) { path_.push_key(key); }
  JsonPathScope(JsonPath& path, std::size_t index) : path_(path) { path_.push_index(index); }
  ~JsonPathScope() { path_.pop(); }
  JsonPathScope(const JsonPathScope&) = delete;
  JsonPathScope& operator=(const JsonPathScope&) = delete;

 private:
  JsonPath& path_;
};

}  // namespace ddbcrypt::internal
