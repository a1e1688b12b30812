#include "testing/legacy_vector_items.h"

#include <simdjson.h>

#include <map>
#include <stdexcept>

#include "ddbcrypt/item/dynamodb_json.h"
#include "legacy/vector_files.h"

namespace ddbcrypt::testing {

std::vector<VectorItem> legacy_vector_items(std::string_view ciphertext) {
  const std::string base = legacy_vector_path("encrypted_item/");
  simdjson::dom::parser sp, pp, cp;
  const std::string scenarios_text = read_text_file(base + "scenarios.json");
  const std::string plain_text = read_text_file(base + "plaintext.json");
  const std::string cipher_text = read_text_file(base + std::string(ciphertext));
  std::string version;
  for (simdjson::dom::element s : sp.parse(scenarios_text)["scenarios"].get_array()) {
    if (std::string_view(s["ciphertext"]) == "file://" + std::string(ciphertext)) {
      version = std::string(std::string_view(s["version"]));
    }
  }
  if (version.empty()) throw std::runtime_error("no scenario for " + std::string(ciphertext));
  const simdjson::dom::element plain = pp.parse(plain_text);
  std::vector<VectorItem> out;
  for (auto [table_key, stored_items] : cp.parse(cipher_text).get_object()) {
    const std::string table(table_key);
    const simdjson::dom::element t = plain["items"][table];
    const std::string pk{std::string_view(t["index"]["partition"])};
    std::optional<std::string> sk;
    std::string_view sort;
    if (t["index"]["sort"].get_string().get(sort) == simdjson::SUCCESS) sk = std::string(sort);
    std::vector<simdjson::dom::element> groups;
    simdjson::dom::array names;
    if (plain["versions"][table][version].get_array().get(names) == simdjson::SUCCESS) {
      for (simdjson::dom::element g : names) {
        groups.push_back(plain["attributes"][std::string_view(g)]);
      }
    }
    for (simdjson::dom::element stored_json : stored_items.get_array()) {
      const Item stored = parse_item_json(simdjson::minify(stored_json));
      for (simdjson::dom::element entry : t["items"].get_array()) {
        Item item = parse_item_json(simdjson::minify(entry["attributes"]));
        const auto same = [&](const std::string& n) {
          return stored.count(n) && item.count(n) && equivalent(stored.at(n), item.at(n));
        };
        if (!same(pk) || (sk && !same(*sk))) continue;
        const std::string_view action_name = entry["action"];
        if (action_name == "nothing") break;
        bool exact = false;
        if (entry["exact"].get_bool().get(exact) != simdjson::SUCCESS || !exact) {
          for (simdjson::dom::element g : groups) {
            for (auto [n, v] : g.get_object()) {
              item.insert_or_assign(std::string(n),
                                    parse_attribute_value_json(simdjson::minify(v)));
            }
          }
        }
        // Java's mapper stored version 1 where the plaintext says 0 (spec §15.4): keep what
        // the reference signed.
        if (stored.count("version")) item["version"] = stored.at("version");
        const simdjson::dom::element a = plain["actions"][action_name];
        std::map<std::string, CryptoAction> overrides;
        simdjson::dom::object o;
        if (a["override"].get_object().get(o) == simdjson::SUCCESS) {
          for (auto [n, v] : o) {
            overrides.emplace(std::string(n), parse_action(std::string_view(v)));
          }
        }
        out.push_back({table, pk, sk, std::move(item),
                       AttributeActions::create(parse_action(std::string_view(a["default"])),
                                                std::move(overrides)),
                       stored});
        break;
      }
    }
  }
  return out;
}

}  // namespace ddbcrypt::testing
