#include "client/projection.h"

#include <algorithm>
#include <map>
#include <utility>

#include "ddbcrypt/error.h"

namespace ddbcrypt::internal {
namespace {

// Attributes verification and decryption need when the default action is DO_NOTHING.
std::set<std::string> needed_attributes(const CryptoConfig& config) {
  std::set<std::string> needed{std::string(kMaterialDescriptionAttribute),
                               std::string(kSignatureAttribute)};
  // Key-dependent providers (Direct KMS) read the primary key from the item.
  if (config.context.partition_key_name) needed.insert(*config.context.partition_key_name);
  if (config.context.sort_key_name) needed.insert(*config.context.sort_key_name);
  for (const auto& [name, action] : config.actions.overrides()) {
    if (action != CryptoAction::kDoNothing) needed.insert(name);
  }
  return needed;
}

bool index_projects(const IndexInfo& index, const CryptoConfig& config, const std::string& name) {
  if (index.projection == aws::ProjectionType::kAll) return true;
  if (config.context.partition_key_name == name || config.context.sort_key_name == name) {
    return true;
  }
  if (std::find(index.key_attributes.begin(), index.key_attributes.end(), name) !=
      index.key_attributes.end()) {
    return true;
  }
  return index.projection == aws::ProjectionType::kInclude &&
         std::find(index.non_key_attributes.begin(), index.non_key_attributes.end(), name) !=
             index.non_key_attributes.end();
}

const char* projection_name(aws::ProjectionType type) {
  switch (type) {
    case aws::ProjectionType::kAll:
      return "ALL";
    case aws::ProjectionType::kKeysOnly:
      return "KEYS_ONLY";
    case aws::ProjectionType::kInclude:
      return "INCLUDE";
  }
  return "?";
}

[[noreturn]] void refuse_index(const RequestSite& site, const IndexInfo& index, bool needs_all,
                               const std::vector<std::string>& missing) {
  std::string what;
  if (needs_all) {
    what = "every attribute of its items (the default action signs every attribute, so "
           "verifying an item needs all of it)";
  } else {
    for (const std::string& name : missing) {
      if (!what.empty()) what += ", ";
      what += "\"" + name + "\"";
    }
    what += " (needed to verify its items' signatures)";
  }
  throw ConfigError(site.describe() + ": global secondary index \"" + index.name +
                    "\" (projection " + projection_name(index.projection) +
                    ") does not project " + what +
                    ", and DynamoDB cannot fetch them from the table for a global index. "
                    "Project them into the index, query the table, or read the items by key");
}

aws::ExpressionAttributeNames prune_names(const aws::ExpressionAttributeNames& names,
                                          const std::set<std::string>& used) {
  aws::ExpressionAttributeNames out;
  for (const auto& [placeholder, name] : names) {
    if (used.count(placeholder) != 0) out.emplace(placeholder, name);
  }
  return out;
}

// A tree of requested paths.
struct PathNode {
  bool whole = false;
  std::map<std::string, PathNode> names;
  std::map<std::size_t, PathNode> indexes;
};

std::optional<AttributeValue> extract(const AttributeValue& value, const PathNode& node) {
  if (node.whole) return value;
  if (value.is(AttributeValue::Type::kM) && !node.names.empty()) {
    AttributeValue::Map out;
    const AttributeValue::Map& map = value.as_m();
    for (const auto& [key, child] : node.names) {
      const auto it = map.find(key);
      if (it == map.end()) continue;
      if (auto part = extract(it->second, child)) out.emplace(key, std::move(*part));
    }
    if (out.empty()) return std::nullopt;
    return AttributeValue::M(std::move(out));
  }
  if (value.is(AttributeValue::Type::kL) && !node.indexes.empty()) {
    AttributeValue::List out;
    const AttributeValue::List& list = value.as_l();
    for (const auto& [index, child] : node.indexes) {
      if (index >= list.size()) break;
      if (auto part = extract(list[index], child)) out.push_back(std::move(*part));
    }
    if (out.empty()) return std::nullopt;
    return AttributeValue::L(std::move(out));
  }
  return std::nullopt;
}

}  // namespace

ProjectionPlan plan_projection(const RequestSite& site, const CryptoConfig& config,
                               const IndexInfo* index, ReadShape asked,
                               const std::set<std::string>& other_placeholders) {
  ProjectionPlan plan{std::move(asked), std::nullopt};
  ReadShape& send = plan.send;
  if (config.actions.is_noop() || send.select == aws::Select::kCount) return plan;
  if (send.projection_expression && !send.attributes_to_get.empty()) {
    throw ConfigError(site.describe() +
                      ": a request cannot have both ProjectionExpression and AttributesToGet");
  }

  std::optional<std::vector<DocumentPath>> requested;
  const bool legacy = !send.attributes_to_get.empty();
  if (send.projection_expression) {
    requested.emplace();
    for (PathReference& ref :
         parse_projection_expression(*send.projection_expression, send.names,
                                     "ProjectionExpression")
             .paths) {
      requested->push_back(std::move(ref.path));
    }
  } else if (legacy) {
    requested.emplace();
    for (const std::string& name : send.attributes_to_get) {
      requested->push_back(DocumentPath{{PathElement{name, std::nullopt}}});
    }
  } else if (send.select == aws::Select::kSpecificAttributes) {
    return plan;  // DynamoDB refuses SPECIFIC_ATTRIBUTES without a projection
  }

  const bool needs_all = config.actions.default_action() != CryptoAction::kDoNothing;
  const std::set<std::string> needed = needed_attributes(config);
  std::vector<std::string> missing;
  bool index_covers = true;
  if (index != nullptr && index->projection != aws::ProjectionType::kAll) {
    if (needs_all) {
      index_covers = false;
    } else {
      for (const std::string& name : needed) {
        if (!index_projects(*index, config, name)) missing.push_back(name);
      }
      index_covers = missing.empty();
    }
  }

  if (requested) {
    if (index != nullptr && index->global && !index_covers) {
      refuse_index(site, *index, needs_all, missing);
    }
    plan.keep = *requested;
    if (needs_all) {
      send.projection_expression.reset();
      send.attributes_to_get.clear();
      // A local index reads the rest of the item from the table; a global one projects ALL.
      if (index == nullptr) {
        send.select.reset();
      } else {
        send.select = index->global ? aws::Select::kAllProjectedAttributes
                                    : aws::Select::kAllAttributes;
      }
      send.names = prune_names(send.names, other_placeholders);
      return plan;
    }
    // The caller's paths into attributes that are read whole anyway would overlap them,
    // which DynamoDB refuses.
    std::vector<DocumentPath> server;
    for (const DocumentPath& path : *requested) {
      if (needed.count(path.attribute()) != 0) continue;
      if (std::find(server.begin(), server.end(), path) == server.end()) server.push_back(path);
    }
    for (const std::string& name : needed) {
      server.push_back(DocumentPath{{PathElement{name, std::nullopt}}});
    }
    if (legacy) {
      send.attributes_to_get.clear();
      for (const DocumentPath& path : server) send.attributes_to_get.push_back(path.attribute());
      return plan;
    }
    PlaceholderWriter writer("ddbcrypt_p", send.names);
    std::string text;
    for (const DocumentPath& path : server) {
      if (!text.empty()) text += ", ";
      text += writer.write(path);
    }
    send.projection_expression = std::move(text);
    send.names = prune_names(send.names, other_placeholders);
    for (const auto& [placeholder, name] : writer.names()) send.names.emplace(placeholder, name);
    return plan;
  }

  // The whole item, or what an index projects.
  if (index == nullptr || index_covers) return plan;
  if (send.select.value_or(aws::Select::kAllProjectedAttributes) == aws::Select::kAllAttributes) {
    return plan;  // DynamoDB itself refuses ALL_ATTRIBUTES on a global index without ALL
  }
  if (index->global) refuse_index(site, *index, needs_all, missing);
  send.select = aws::Select::kAllAttributes;
  std::vector<DocumentPath> keep;
  std::set<std::string> projected;
  if (config.context.partition_key_name) projected.insert(*config.context.partition_key_name);
  if (config.context.sort_key_name) projected.insert(*config.context.sort_key_name);
  projected.insert(index->key_attributes.begin(), index->key_attributes.end());
  if (index->projection == aws::ProjectionType::kInclude) {
    projected.insert(index->non_key_attributes.begin(), index->non_key_attributes.end());
  }
  for (const std::string& name : projected) {
    keep.push_back(DocumentPath{{PathElement{name, std::nullopt}}});
  }
  plan.keep = std::move(keep);
  return plan;
}

Item project_item(const Item& item, const std::vector<DocumentPath>& paths) {
  PathNode root;
  for (const DocumentPath& path : paths) {
    PathNode* node = &root;
    for (const PathElement& e : path.elements) {
      node = e.index ? &node->indexes[*e.index] : &node->names[e.name];
    }
    node->whole = true;
  }
  Item out;
  for (const auto& [name, child] : root.names) {
    const auto it = item.find(name);
    if (it == item.end()) continue;
    if (auto part = extract(it->second, child)) out.emplace(name, std::move(*part));
  }
  return out;
}

}  // namespace ddbcrypt::internal
