#include "ddbcrypt/aws/dynamodb_streams.h"

#include <simdjson.h>

#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "ddbcrypt/error.h"
#include "ddbcrypt/item/dynamodb_json.h"

namespace ddbcrypt::aws {
namespace {

namespace od = simdjson::ondemand;

constexpr std::array<std::string_view, 4> kStreamViewTypes = {"KEYS_ONLY", "NEW_IMAGE",
                                                              "OLD_IMAGE", "NEW_AND_OLD_IMAGES"};

[[noreturn]] void fail(const std::string& path, std::string_view what) {
  throw FormatError("invalid DynamoDB stream record at " + path + ": " + std::string(what));
}

// Raw members are copied into the output unchecked, so the whole document is validated with
// the DOM parser first; the On-Demand walk that follows then only meets well-formed JSON.
void validate_json(const simdjson::padded_string& json) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (const auto error = parser.parse(json).get(root)) {
    throw FormatError(std::string("invalid DynamoDB stream JSON: ") +
                      simdjson::error_message(error));
  }
}

od::parser& thread_parser() {
  thread_local od::parser parser;
  return parser;
}

std::string_view trim_right(std::string_view text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\n' || text.back() == '\r' ||
                           text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

// The raw text of any value, consuming it.
std::string raw_text(od::value value, const std::string& path) {
  od::json_type type;
  if (value.type().get(type)) fail(path, "not valid JSON");
  std::string_view raw;
  if (type == od::json_type::object) {
    od::object object;
    if (value.get_object().get(object) || object.raw_json().get(raw)) fail(path, "bad object");
  } else if (type == od::json_type::array) {
    od::array array;
    if (value.get_array().get(array) || array.raw_json().get(raw)) fail(path, "bad array");
  } else {
    raw = trim_right(value.raw_json_token());
  }
  return std::string(raw);
}

std::string string_of(od::value value, const std::string& path) {
  std::string_view s;
  if (value.get_string().get(s)) fail(path, "expected a string");
  return std::string(s);
}

Item item_of(od::value value, const std::string& path) {
  od::object object;
  std::string_view raw;
  if (value.get_object().get(object) || object.raw_json().get(raw)) {
    fail(path, "expected an item (an object of attribute values)");
  }
  try {
    return parse_item_json(raw);
  } catch (const FormatError& e) {
    fail(path, e.what());
  }
}

template <class F>
void for_each_member(od::value value, const std::string& path, F&& f) {
  od::object object;
  if (value.get_object().get(object)) fail(path, "expected an object");
  for (auto field_result : object) {
    od::field field;
    std::string_view key;
    if (std::move(field_result).get(field) || field.unescaped_key().get(key)) {
      fail(path, "not valid JSON");
    }
    f(key, field.value());
  }
}

// ApproximateCreationDateTime's unit depends on a member that may come after it, so the
// number is kept until the whole object has been read.
TimePoint to_time_point(double number, const std::optional<std::string>& precision,
                        const std::string& path) {
  using std::chrono::duration;
  using std::chrono::microseconds;
  if (!std::isfinite(number)) fail(path, "timestamp out of range");
  double seconds = number;
  if (precision == "MILLISECOND") seconds = number / 1e3;
  else if (precision == "MICROSECOND") seconds = number / 1e6;
  else if (precision) fail(path, "unknown ApproximateCreationDateTimePrecision");
  if (std::fabs(seconds) > 1e11) fail(path, "timestamp out of range");
  const auto micros = std::chrono::round<microseconds>(duration<double>(seconds));
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(micros));
}

StreamRecordData parse_data(od::value value, const std::string& path) {
  StreamRecordData data;
  std::optional<double> creation;
  bool have_keys = false;
  for_each_member(value, path, [&](std::string_view key, od::value v) {
    const std::string at = path + "." + std::string(key);
    if (key == "ApproximateCreationDateTime") {
      double number = 0;
      if (v.get_double().get(number)) fail(at, "expected a number");
      creation = number;
    } else if (key == "ApproximateCreationDateTimePrecision") {
      data.approximate_creation_date_time_precision = string_of(v, at);
    } else if (key == "Keys") {
      data.keys = item_of(v, at);
      have_keys = true;
    } else if (key == "NewImage") {
      data.new_image = item_of(v, at);
    } else if (key == "OldImage") {
      data.old_image = item_of(v, at);
    } else if (key == "SequenceNumber") {
      data.sequence_number = string_of(v, at);
    } else if (key == "SizeBytes") {
      std::int64_t size = 0;
      if (v.get_int64().get(size)) fail(at, "expected an integer");
      data.size_bytes = size;
    } else if (key == "StreamViewType") {
      const std::string type = string_of(v, at);
      std::size_t i = 0;
      while (i < kStreamViewTypes.size() && kStreamViewTypes[i] != type) ++i;
      if (i == kStreamViewTypes.size()) fail(at, "unknown StreamViewType");
      data.stream_view_type = static_cast<StreamViewType>(i);
    } else {
      data.other_members.emplace_back(key, raw_text(v, at));
    }
  });
  if (!have_keys) fail(path, "missing Keys");
  if (creation) {
    data.approximate_creation_date_time =
        to_time_point(*creation, data.approximate_creation_date_time_precision,
                      path + ".ApproximateCreationDateTime");
  }
  return data;
}

StreamRecord parse_record(od::value value, const std::string& path) {
  StreamRecord record;
  bool have_data = false;
  for_each_member(value, path, [&](std::string_view key, od::value v) {
    const std::string at = path + "." + std::string(key);
    if (key == "eventID") record.event_id = string_of(v, at);
    else if (key == "eventName") record.event_name = string_of(v, at);
    else if (key == "eventVersion") record.event_version = string_of(v, at);
    else if (key == "eventSource") record.event_source = string_of(v, at);
    else if (key == "awsRegion") record.aws_region = string_of(v, at);
    else if (key == "eventSourceARN") record.event_source_arn = string_of(v, at);
    else if (key == "dynamodb") {
      record.dynamodb = parse_data(v, at);
      have_data = true;
    } else {
      record.other_members.emplace_back(key, raw_text(v, at));
    }
  });
  if (!have_data) fail(path, "missing dynamodb");
  return record;
}

template <class F>
auto parse_root(std::string_view json, F&& f) {
  const simdjson::padded_string padded(json);
  validate_json(padded);
  od::document doc;
  od::value root;
  if (thread_parser().iterate(padded).get(doc) || doc.get_value().get(root)) {
    fail("$", "not valid JSON");
  }
  return f(root);
}

// ----- Writing --------------------------------------------------------------------------------

void put_key(std::string& out, bool& first, std::string_view name) {
  if (!first) out.push_back(',');
  first = false;
  append_json_string(out, name);
  out.push_back(':');
}
void put_string(std::string& out, bool& first, std::string_view name,
                const std::optional<std::string>& value) {
  if (!value) return;
  put_key(out, first, name);
  append_json_string(out, *value);
}
void put_item(std::string& out, bool& first, std::string_view name, const Item& item) {
  put_key(out, first, name);
  append_json(out, item);
}
void put_raw(std::string& out, bool& first, const RawJsonMembers& members) {
  for (const auto& [name, raw] : members) {
    put_key(out, first, name);
    out += raw;
  }
}

// Writes the timestamp back in the unit it was read in: integer milli- or microseconds for
// Kinesis, epoch seconds with only the fractional digits needed for DynamoDB Streams.
std::string time_text(TimePoint time, const std::optional<std::string>& precision) {
  using namespace std::chrono;
  const auto micros = duration_cast<microseconds>(time.time_since_epoch()).count();
  if (precision == "MICROSECOND") return std::to_string(micros);
  if (precision == "MILLISECOND") {
    return std::to_string(duration_cast<milliseconds>(time.time_since_epoch()).count());
  }
  const long long whole = micros / 1000000;
  long long fraction = micros % 1000000;
  if (fraction == 0) return std::to_string(whole);
  std::string text = (micros < 0 && whole == 0) ? "-0" : std::to_string(whole);
  if (fraction < 0) fraction = -fraction;
  std::array<char, 8> digits{};
  std::snprintf(digits.data(), digits.size(), "%06lld", fraction);
  std::string_view f(digits.data(), 6);
  while (f.back() == '0') f.remove_suffix(1);
  text += '.';
  text += f;
  return text;
}

void append_record(std::string& out, const StreamRecord& record) {
  bool first = true;
  out.push_back('{');
  put_string(out, first, "eventID", record.event_id);
  put_string(out, first, "eventName", record.event_name);
  put_string(out, first, "eventVersion", record.event_version);
  put_string(out, first, "eventSource", record.event_source);
  put_string(out, first, "awsRegion", record.aws_region);

  const StreamRecordData& data = record.dynamodb;
  put_key(out, first, "dynamodb");
  bool inner_first = true;
  out.push_back('{');
  if (data.approximate_creation_date_time) {
    put_key(out, inner_first, "ApproximateCreationDateTime");
    out += time_text(*data.approximate_creation_date_time,
                     data.approximate_creation_date_time_precision);
  }
  put_item(out, inner_first, "Keys", data.keys);
  if (data.new_image) put_item(out, inner_first, "NewImage", *data.new_image);
  if (data.old_image) put_item(out, inner_first, "OldImage", *data.old_image);
  put_string(out, inner_first, "SequenceNumber", data.sequence_number);
  if (data.size_bytes) {
    put_key(out, inner_first, "SizeBytes");
    out += std::to_string(*data.size_bytes);
  }
  if (data.stream_view_type) {
    const auto index = static_cast<std::size_t>(*data.stream_view_type);
    if (index >= kStreamViewTypes.size()) throw ConfigError("invalid StreamViewType value");
    put_key(out, inner_first, "StreamViewType");
    append_json_string(out, kStreamViewTypes[index]);
  }
  put_string(out, inner_first, "ApproximateCreationDateTimePrecision",
             data.approximate_creation_date_time_precision);
  put_raw(out, inner_first, data.other_members);
  out.push_back('}');

  put_string(out, first, "eventSourceARN", record.event_source_arn);
  put_raw(out, first, record.other_members);
  out.push_back('}');
}

}  // namespace

StreamEvent parse_stream_event_json(std::string_view json) {
  return parse_root(json, [](od::value root) {
    StreamEvent event;
    bool have_records = false;
    for_each_member(root, "$", [&](std::string_view key, od::value v) {
      if (key == "Records") {
        od::array array;
        if (v.get_array().get(array)) fail("$.Records", "expected an array");
        std::size_t i = 0;
        for (auto element_result : array) {
          const std::string at = "$.Records[" + std::to_string(i++) + "]";
          od::value element;
          if (std::move(element_result).get(element)) fail(at, "not valid JSON");
          event.records.push_back(parse_record(element, at));
        }
        have_records = true;
      } else {
        event.other_members.emplace_back(key, raw_text(v, "$." + std::string(key)));
      }
    });
    if (!have_records) fail("$", "missing Records");
    return event;
  });
}

StreamRecord parse_stream_record_json(std::string_view json) {
  return parse_root(json, [](od::value root) { return parse_record(root, "$"); });
}

std::string to_json(const StreamRecord& record) {
  std::string out;
  append_record(out, record);
  return out;
}

std::string to_json(const StreamEvent& event) {
  std::string out;
  out += "{\"Records\":[";
  bool first_record = true;
  for (const StreamRecord& record : event.records) {
    if (!first_record) out.push_back(',');
    first_record = false;
    append_record(out, record);
  }
  out.push_back(']');
  bool first = false;
  put_raw(out, first, event.other_members);
  out.push_back('}');
  return out;
}

}  // namespace ddbcrypt::aws
