#include "encryptor/legacy_vectors.h"

#include <simdjson.h>

#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <utility>

#include "ddbcrypt/encryptor/item_encryptor.h"
#include "ddbcrypt/error.h"
#include "ddbcrypt/item/dynamodb_json.h"
#include "ddbcrypt/materials/meta_store.h"
#include "ddbcrypt/materials/most_recent_provider.h"
#include "materials/key_spec.h"

namespace ddbcrypt::internal {
namespace {

using simdjson::dom::element;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string directory_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

// `file://x/y.json` is relative to the scenarios file; strip the prefix rather than parse a
// URL, in which `x` would be a host name (spec §15.3).
std::string relative_path(std::string_view uri) {
  constexpr std::string_view kPrefix = "file://";
  if (uri.substr(0, kPrefix.size()) != kPrefix) {
    throw ConfigError("scenario URI does not start with file://");
  }
  return std::string(uri.substr(kPrefix.size()));
}

std::string string_of(element e, const char* name, const std::string& where) {
  return std::string(string_member(e, name, where));
}

// A JSON document kept alive with its parser.
struct Document {
  std::string text;
  simdjson::dom::parser parser;
  element root;
  static std::unique_ptr<Document> load(const std::string& path) {
    auto doc = std::make_unique<Document>();
    doc->text = read_file(path);
    if (doc->parser.parse(doc->text).get(doc->root) != simdjson::SUCCESS) {
      throw FormatError(path + " is not valid JSON");
    }
    return doc;
  }
};

class Runner {
 public:
  explicit Runner(const std::string& scenarios_path)
      : base_(directory_of(scenarios_path)), scenarios_(Document::load(scenarios_path)) {
    keys_ = Document::load(base_ + "/" + relative_path(string_of(scenarios_->root, "keys", "scenarios")));
  }

  std::vector<ScenarioResult> run(const std::function<void(const ScenarioResult&)>& report) {
    std::vector<ScenarioResult> results;
    simdjson::dom::array scenarios;
    if (scenarios_->root["scenarios"].get_array().get(scenarios) != simdjson::SUCCESS) {
      throw FormatError("scenarios file has no scenarios array");
    }
    for (element scenario : scenarios) {
      ScenarioResult result = run_one(scenario);
      if (report) report(result);
      results.push_back(std::move(result));
    }
    return results;
  }

 private:
  ScenarioResult run_one(element scenario) {
    ScenarioResult result;
    try {
      result.ciphertext = relative_path(string_of(scenario, "ciphertext", "scenario"));
    } catch (const Error& e) {
      result.reason = e.what();
      return result;
    }
    bool network = false;
    if (scenario["network"].get_bool().get(network) == simdjson::SUCCESS && network) {
      result.status = ScenarioResult::Status::kSkip;
      result.reason = "needs network";
      return result;
    }
    try {
      check_scenario(scenario, result);
      result.status = ScenarioResult::Status::kPass;
    } catch (const std::exception& e) {
      result.status = ScenarioResult::Status::kFail;
      result.reason = e.what();
    }
    return result;
  }

  KeyRoles roles(element keys, const std::string& where) {
    KeyRoles out;
    simdjson::dom::object names;
    if (keys.get_object().get(names) != simdjson::SUCCESS) {
      throw ConfigError(where + " must be an object");
    }
    for (auto [role, name_json] : names) {
      std::string_view name;
      if (name_json.get_string().get(name) != simdjson::SUCCESS) {
        throw ConfigError(where + " values must be key names");
      }
      element entry;
      if (keys_->root[name].get(entry) != simdjson::SUCCESS) {
        throw ConfigError("keys.json has no key \"" + std::string(name) + "\"");
      }
      KeySpec spec = parse_key_spec(entry, "keys.json " + std::string(name));
      if (role == "encrypt") {
        out.encrypt = std::move(spec);
      } else if (role == "decrypt") {
        out.decrypt = std::move(spec);
      } else if (role == "sign") {
        out.sign = std::move(spec);
      } else if (role == "verify") {
        out.verify = std::move(spec);
      } else {
        throw ConfigError(where + " has an unknown role");
      }
    }
    return out;
  }

  std::shared_ptr<const MaterialsProvider> simple_provider(std::string_view kind, element keys,
                                                           const std::string& where) {
    if (kind != "static" && kind != "wrapped") {
      throw ConfigError("provider \"" + std::string(kind) + "\" cannot run offline");
    }
    return make_provider(kind, roles(keys, where), {});
  }

  std::shared_ptr<const MaterialsProvider> provider(element scenario) {
    const std::string kind = string_of(scenario, "provider", "scenario");
    if (kind != "most_recent") return simple_provider(kind, scenario["keys"], "scenario.keys");
    const element meta = scenario["metastore"];
    auto store = InMemoryMetaStore::create(
        string_of(meta, "table_name", "metastore"),
        simple_provider(string_of(meta, "provider", "metastore"), meta["keys"], "metastore.keys"));
    store->load_json(read_file(base_ + "/" + relative_path(string_of(meta, "ciphertext", "metastore"))));
    return MostRecentProvider::create(std::move(store), string_of(scenario, "material_name", "scenario"),
                                      std::chrono::minutes(15));
  }

  const Document& plaintext(const std::string& path) {
    auto& doc = plaintexts_[path];
    if (!doc) doc = Document::load(path);
    return *doc;
  }

  static AttributeActions actions_of(element action_set) {
    CryptoAction default_action = CryptoAction::kEncryptAndSign;
    std::string_view name;
    if (action_set["default"].get_string().get(name) == simdjson::SUCCESS) {
      default_action = parse_action(name);
    }
    std::map<std::string, CryptoAction> overrides;
    simdjson::dom::object entries;
    if (action_set["override"].get_object().get(entries) == simdjson::SUCCESS) {
      for (auto [attribute, action] : entries) {
        overrides.emplace(std::string(attribute), parse_action(std::string_view(action)));
      }
    }
    return AttributeActions::create(default_action, std::move(overrides));
  }

  static std::string describe_key(const Item& item, const std::string& pk,
                                  const std::optional<std::string>& sk) {
    std::string out = pk + "=" + (item.count(pk) ? to_json(item.at(pk)) : "?");
    if (sk) out += " " + *sk + "=" + (item.count(*sk) ? to_json(item.at(*sk)) : "?");
    return out;
  }

  void check_scenario(element scenario, ScenarioResult& result) {
    const auto provider_ptr = provider(scenario);
    const std::string version = string_of(scenario, "version", "scenario");
    const Document& plain =
        plaintext(base_ + "/" + relative_path(string_of(scenario, "plaintext", "scenario")));
    const auto ciphertext = Document::load(base_ + "/" + result.ciphertext);

    simdjson::dom::object tables;
    if (ciphertext->root.get_object().get(tables) != simdjson::SUCCESS) {
      throw FormatError("ciphertext file must be an object of tables");
    }
    for (auto [table_key, stored_items] : tables) {
      const std::string table(table_key);
      element table_plain;
      if (plain.root["items"][table].get(table_plain) != simdjson::SUCCESS) {
        throw ConfigError("plaintext has no table \"" + table + "\"");
      }
      const std::string pk = string_of(table_plain["index"], "partition", "index");
      std::optional<std::string> sk;
      std::string_view sort;
      if (table_plain["index"]["sort"].get_string().get(sort) == simdjson::SUCCESS) {
        sk = std::string(sort);
      }
      // Groups merged into non-exact items for this scenario's version.
      std::vector<element> groups;
      simdjson::dom::array group_names;
      if (plain.root["versions"][table][version].get_array().get(group_names) ==
          simdjson::SUCCESS) {
        for (element g : group_names) {
          groups.push_back(plain.root["attributes"][std::string_view(g)]);
        }
      }
      std::vector<std::pair<Item, element>> expected;  // expanded plaintext, its entry
      for (element entry : table_plain["items"].get_array()) {
        Item item = parse_item_json(simdjson::minify(entry["attributes"]));
        bool exact = false;
        if (entry["exact"].get_bool().get(exact) != simdjson::SUCCESS) exact = false;
        if (!exact) {
          for (element group : groups) {
            for (auto [name, value] : group.get_object()) {
              item.insert_or_assign(std::string(name),
                                    parse_attribute_value_json(simdjson::minify(value)));
            }
          }
        }
        expected.emplace_back(std::move(item), entry);
      }

      for (element stored_json : stored_items.get_array()) {
        const Item stored = parse_item_json(simdjson::minify(stored_json));
        const std::pair<Item, element>* match = nullptr;
        for (const auto& candidate : expected) {
          const auto same = [&](const std::string& name) {
            return stored.count(name) && candidate.first.count(name) &&
                   equivalent(stored.at(name), candidate.first.at(name));
          };
          if (same(pk) && (!sk || same(*sk))) {
            match = &candidate;
            break;
          }
        }
        // Java files carry extra items from other tests with no plaintext (spec §15.4).
        if (match == nullptr) continue;
        const std::string where = table + " item " + describe_key(stored, pk, sk);
        const CryptoConfig config{
            .provider = provider_ptr,
            .context = {.table_name = table, .partition_key_name = pk, .sort_key_name = sk},
            .actions = actions_of(plain.root["actions"][std::string_view(match->second["action"])]),
        };
        Item decrypted;
        try {
          decrypted = decrypt_item(stored, config);
        } catch (const Error& e) {
          throw DecryptionError(where + ": " + e.what());
        }
        compare(decrypted, match->first, where);
        ++result.items;
      }
    }
    if (result.items == 0) throw ConfigError("no ciphertext item matched a plaintext item");
  }

  static void compare(const Item& actual, const Item& expected, const std::string& where) {
    for (const auto& [name, value] : expected) {
      if (!actual.count(name)) throw DecryptionError(where + ": attribute " + name + " missing");
    }
    for (const auto& [name, value] : actual) {
      const auto it = expected.find(name);
      if (it == expected.end()) {
        throw DecryptionError(where + ": unexpected attribute " + name);
      }
      // Java's mapper stored `version` as 1 where the plaintext says 0; the stored value is
      // still covered by the signature (spec §15.4).
      if (name == "version") continue;
      if (!equivalent(value, it->second)) {
        throw DecryptionError(where + ": attribute " + name + " differs from the plaintext");
      }
    }
  }

  std::string base_;
  std::unique_ptr<Document> scenarios_;
  std::unique_ptr<Document> keys_;
  std::map<std::string, std::unique_ptr<Document>> plaintexts_;
};

}  // namespace

std::vector<ScenarioResult> run_legacy_vectors(
    const std::string& scenarios_path, const std::function<void(const ScenarioResult&)>& report) {
  Runner runner(scenarios_path);
  return runner.run(report);
}

}  // namespace ddbcrypt::internal
