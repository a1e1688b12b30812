// MostRecentProvider (spec §12.4).
#include "ddbcrypt/materials/most_recent_provider.h"

#include <future>
#include <list>
#include <map>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "ddbcrypt/error.h"
#include "legacy/format.h"

namespace ddbcrypt {
namespace {

using ProviderPtr = std::shared_ptr<const MaterialsProvider>;
using TimePoint = std::chrono::steady_clock::time_point;

// One store call that other callers may wait for instead of making their own.
struct Flight {
  std::promise<ProviderPtr> promise;
  std::shared_future<ProviderPtr> result = promise.get_future().share();
};

}  // namespace

struct MostRecentProvider::State {
  std::shared_ptr<const MetaStore> store;
  std::string material_name;
  MostRecentOptions options;

  mutable std::mutex mu;
  // The version encryption uses, its materials and when the store last named it newest.
  // Guarded by mu.
  mutable std::optional<std::uint64_t> current_version;
  mutable ProviderPtr current_provider;
  mutable TimePoint current_read_at;
  mutable std::shared_ptr<Flight> refreshing;  // guarded by mu; the newest-version refresh
  // Materials of versions, most recently used first, with when they were loaded. Guarded by mu.
  struct Entry {
    std::uint64_t version;
    ProviderPtr provider;
    TimePoint loaded_at;
  };
  mutable std::list<Entry> lru;
  mutable std::unordered_map<std::uint64_t, std::list<Entry>::iterator> index;
  mutable std::map<std::uint64_t, std::shared_ptr<Flight>> loading;  // guarded by mu

  TimePoint now() const {
    return options.clock ? options.clock() : std::chrono::steady_clock::now();
  }
  // Whether cached data of this age may be used without asking the store.
  bool live(TimePoint read_at, TimePoint t) const { return t - read_at < options.version_ttl; }
  bool in_grace(TimePoint read_at, TimePoint t) const {
    return t - read_at < options.version_ttl + options.grace_period;
  }

  void remember(std::uint64_t version, ProviderPtr provider, TimePoint loaded_at) const {
    // REQUIRES: mu held.
    if (const auto it = index.find(version); it != index.end()) {
      it->second->provider = std::move(provider);
      it->second->loaded_at = loaded_at;
      lru.splice(lru.begin(), lru, it->second);
      return;
    }
    lru.push_front(Entry{version, std::move(provider), loaded_at});
    index.emplace(version, lru.begin());
    while (lru.size() > options.cache_entries) {
      index.erase(lru.back().version);
      lru.pop_back();
    }
  }

  // Runs `load` as the flight's leader: publishes its result or error to the waiters and
  // clears the flight (through `finish`, under mu) either way.
  template <class Load, class Finish>
  static ProviderPtr lead(Flight& flight, Load&& load, Finish&& finish) {
    try {
      ProviderPtr provider = load();
      finish(&provider);
      flight.promise.set_value(provider);
      return provider;
    } catch (...) {
      finish(nullptr);
      flight.promise.set_exception(std::current_exception());
      throw;
    }
  }

  ProviderPtr version_provider(std::uint64_t version) const {
    std::shared_ptr<Flight> leader;
    std::shared_future<ProviderPtr> in_flight;
    {
      const std::lock_guard lock(mu);
      const TimePoint t = now();
      if (const auto it = index.find(version); it != index.end()) {
        const Entry& e = *it->second;
        if (live(e.loaded_at, t) || (in_grace(e.loaded_at, t) && loading.count(version) != 0)) {
          lru.splice(lru.begin(), lru, it->second);
          return e.provider;
        }
      }
      if (const auto f = loading.find(version); f != loading.end()) {
        in_flight = f->second->result;
      } else {
        leader = std::make_shared<Flight>();
        loading.emplace(version, leader);
      }
    }
    if (!leader) return in_flight.get();  // the leader's materials, or its error
    return lead(
        *leader, [&] { return store->load_version(material_name, version); },
        [&](const ProviderPtr* loaded) {
          const std::lock_guard lock(mu);
          if (loaded) remember(version, *loaded, now());
          loading.erase(version);
        });
  }

  // The newest version's materials, from the store.
  std::pair<std::uint64_t, ProviderPtr> read_newest() const {
    const std::optional<std::uint64_t> max = store->max_version(material_name);
    if (!max) return {0, store->create_version(material_name, 0)};
    {
      const std::lock_guard lock(mu);
      // Unchanged: keep the materials in hand instead of loading them again (as Java does).
      if (current_version == max && current_provider) return {*max, current_provider};
    }
    return {*max, version_provider(*max)};
  }

  ProviderPtr provider_to_encrypt() const {
    std::shared_ptr<Flight> leader;
    std::shared_future<ProviderPtr> in_flight;
    {
      const std::lock_guard lock(mu);
      const TimePoint t = now();
      if (current_provider && (live(current_read_at, t) ||
                               (in_grace(current_read_at, t) && refreshing != nullptr))) {
        return current_provider;
      }
      if (refreshing) {
        in_flight = refreshing->result;
      } else {
        leader = std::make_shared<Flight>();
        refreshing = leader;
      }
    }
    if (!leader) return in_flight.get();
    std::uint64_t version = 0;
    return lead(
        *leader,
        [&] {
          auto [v, provider] = read_newest();
          version = v;
          return provider;
        },
        [&](const ProviderPtr* provider) {
          const std::lock_guard lock(mu);
          refreshing.reset();
          if (!provider) return;
          // A concurrent rotate() may have moved past what this refresh read.
          if (!current_version || version >= *current_version) {
            current_version = version;
            current_provider = *provider;
          }
          current_read_at = now();
          remember(version, *provider, current_read_at);
        });
  }
};

std::unique_ptr<MostRecentProvider> MostRecentProvider::create(
    std::shared_ptr<const MetaStore> store, std::string material_name,
    MostRecentOptions options) {
  if (!store) throw ConfigError("a most-recent provider needs a meta store");
  if (material_name.empty()) throw ConfigError("a most-recent provider needs a material name");
  if (material_name.find('#') != std::string::npos) {
    throw ConfigError("material names must not contain '#' (it separates the version)");
  }
  if (options.version_ttl < std::chrono::steady_clock::duration::zero() ||
      options.grace_period < std::chrono::steady_clock::duration::zero()) {
    throw ConfigError("a most-recent provider's version_ttl and grace_period must not be "
                      "negative");
  }
  if (options.cache_entries == 0) {
    throw ConfigError("a most-recent provider's cache_entries must be at least 1");
  }
  auto state = std::make_unique<State>();
  state->store = std::move(store);
  state->material_name = std::move(material_name);
  state->options = std::move(options);
  return std::unique_ptr<MostRecentProvider>(new MostRecentProvider(std::move(state)));
}

std::unique_ptr<MostRecentProvider> MostRecentProvider::create(
    std::shared_ptr<const MetaStore> store, std::string material_name,
    std::chrono::steady_clock::duration version_ttl, std::size_t cache_entries) {
  return create(std::move(store), std::move(material_name),
                MostRecentOptions{.version_ttl = version_ttl,
                                  .cache_entries = cache_entries == 0 ? 1 : cache_entries});
}

MostRecentProvider::MostRecentProvider(std::unique_ptr<State> state) : state_(std::move(state)) {}
MostRecentProvider::~MostRecentProvider() = default;

EncryptionMaterials MostRecentProvider::encryption_materials(
    const EncryptionContext& context) const {
  return state_->provider_to_encrypt()->encryption_materials(context);
}

DecryptionMaterials MostRecentProvider::decryption_materials(
    const EncryptionContext& context) const {
  const auto it =
      context.material_description.find(std::string(internal::legacy::kMetaIdKey));
  if (it == context.material_description.end()) {
    throw DecryptionError("item has no amzn-ddb-meta-id: it was not written by a most-recent "
                          "provider");
  }
  // The name in the item is not used for the lookup: the configured one is (spec §12.4).
  const std::uint64_t version = parse_meta_id(it->second).second;
  return state_->version_provider(version)->decryption_materials(context);
}

std::uint64_t MostRecentProvider::rotate() const {
  State& s = *state_;
  const auto max = s.store->max_version(s.material_name);
  const std::uint64_t version = max ? *max + 1 : 0;
  ProviderPtr provider = s.store->create_version(s.material_name, version);
  const std::lock_guard lock(s.mu);
  if (!s.current_version || version >= *s.current_version) {
    s.current_version = version;
    s.current_provider = provider;
  }
  s.current_read_at = s.now();
  s.remember(version, std::move(provider), s.current_read_at);
  return version;
}

std::optional<std::uint64_t> MostRecentProvider::current_version() const {
  const std::lock_guard lock(state_->mu);
  return state_->current_version;
}

void MostRecentProvider::clear_cache() const {
  State& s = *state_;
  const std::lock_guard lock(s.mu);
  s.current_version.reset();
  s.current_provider.reset();
  s.lru.clear();
  s.index.clear();
}

const std::string& MostRecentProvider::material_name() const noexcept {
  return state_->material_name;
}

}  // namespace ddbcrypt
