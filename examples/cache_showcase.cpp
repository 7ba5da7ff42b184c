// SPDX-License-Identifier: MIT
// The containers' showcase (issue 22): a key-value cache of strings with churn, in a fixed pool,
// twice over the same pool size:
//   - tinymem::unordered_map<tinymem::string, tinymem::string>: one movable block for the table,
//     a movable block for every string too long for the small-string buffer;
//   - std::pmr::unordered_map<std::pmr::string, std::pmr::string> on tinymem::memory_resource:
//     the same engine, but pmr hands out raw pointers, so every block is pinned (never moves);
//   - for reference, the same pmr containers on the standard library's
//     std::pmr::unsynchronized_pool_resource over a monotonic buffer of the same size.
// Each step sets a random key (replacing its value, evicting a random entry when the cache is
// full) or gets one and checks its value, which is a pattern of the key and its version. The
// run stops at the first request that fails (std::bad_alloc) or after `steps` steps.
// Prints how long each lasted and the pool map at the end.
//
//   tinymem-cache-showcase [--steps N] [--seed S] [--entries N]
//
// Exit status 0 when the tinymem cache ran every step with every value intact and both pmr
// caches ran out of memory first (the point of the showcase); 1 otherwise.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory_resource>
#include <new>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#ifdef TINYMEM_USE_MODULE
import tinymem;
import tinymem.adapters;
#else
#include <tinymem.hpp>
#include <tinymem_adapters.hpp>
#endif

namespace {

constexpr std::size_t pool_bytes = 65536;
std::size_t max_entries = 140;             // the cache evicts beyond this (--entries)
constexpr std::uint32_t key_space = 600;   // keys k0 .. k599: about a quarter are cached
constexpr std::size_t min_value = 16, max_value = 400;

// The key of id: "k<id>" padded with a pattern to 6..33 characters, so some fit the
// small-string buffers (tinymem's 18, libstdc++'s 15) and some do not.
std::string key_of(std::uint32_t id) {
    std::string k = "k" + std::to_string(id) + "-";
    const std::size_t len = 6 + (id * 7u) % 28u;
    while (k.size() < len) k.push_back(char('a' + (k.size() * 31u + id) % 26u));
    return k;
}

// Version `version` of key id's value: its length and bytes follow from both.
std::string value_of(std::uint32_t id, std::uint32_t version) {
    std::uint64_t x = (std::uint64_t(id) << 32 | version) * 0x9E3779B97F4A7C15ull;
    const std::size_t len = min_value + std::size_t(x >> 40) % (max_value - min_value + 1);
    std::string v(len, ' ');
    for (std::size_t i = 0; i < len; ++i) {
        x ^= x >> 29;
        x *= 0xBF58476D1CE4E5B9ull;
        v[i] = char('!' + (x >> 58));
    }
    return v;
}

struct outcome {
    long steps = 0;        // steps completed
    bool ran_out = false;  // a request failed with std::bad_alloc
    bool corrupt = false;  // a value read back was not what was stored
    std::size_t entries = 0;
    std::size_t value_bytes = 0; // characters of the cached values
};

// The workload, on any cache with set(key, value) / get(key, out) / erase(key) / size().
template <class Cache>
outcome run(Cache& cache, long steps, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<std::uint32_t> version(key_space, 0); // 0: not cached
    std::vector<std::uint32_t> cached;                // the cached ids
    std::vector<std::size_t> where(key_space, 0);     // index in `cached`
    outcome out;
    std::string got;
    try {
        for (; out.steps < steps; ++out.steps) {
            const std::uint32_t id = std::uint32_t(rng() % key_space);
            const std::string key = key_of(id);
            if (rng() % 2 == 0) { // set
                if (version[id] == 0 && cached.size() >= max_entries) {
                    const std::uint32_t victim = cached[rng() % cached.size()];
                    cache.erase(key_of(victim));
                    version[victim] = 0;
                    cached[where[victim]] = cached.back();
                    where[cached.back()] = where[victim];
                    cached.pop_back();
                }
                const std::uint32_t v = version[id] + 1;
                cache.set(key, value_of(id, v));
                if (version[id] == 0) {
                    where[id] = cached.size();
                    cached.push_back(id);
                }
                version[id] = v;
            } else { // get
                const bool hit = cache.get(key, got);
                if (hit != (version[id] != 0) || (hit && got != value_of(id, version[id]))) {
                    out.corrupt = true;
                    break;
                }
            }
        }
    } catch (const std::bad_alloc&) {
        out.ran_out = true;
    }
    out.entries = cache.size();
    for (std::uint32_t id : cached) out.value_bytes += value_of(id, version[id]).size();
    return out;
}

// The cache in tinymem's containers: the table and the long strings move when the pool compacts.
struct tinymem_cache {
    using string = tinymem::string;
    explicit tinymem_cache(tinymem::pool<pool_bytes>& p) : pool(p), map(p) {}
    void set(std::string_view key, std::string_view value) {
        const auto it = map.find(key);
        if (it != map.end()) {
            // A new value of another length: replace it through modify(), which keeps the table
            // block's contents valid while the string allocates (the table may move).
            map.modify(it, [&](auto& v) { v.assign(value); });
            return;
        }
        map.emplace(string(pool, key), string(pool, value));
    }
    bool get(std::string_view key, std::string& out) const {
        const auto it = map.find(key); // no tinymem::string built for the probe
        if (it == map.end()) return false;
        out.assign(std::string_view(it->second));
        return true;
    }
    void erase(std::string_view key) { map.erase(key); }
    std::size_t size() const { return map.size(); }
    tinymem::pool<pool_bytes>& pool;
    tinymem::unordered_map<string, string> map;
};

// The same cache in std::pmr containers over the pool: every block pinned, as pmr requires.
struct pmr_cache {
    struct sv_hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    explicit pmr_cache(std::pmr::memory_resource* r) : map(r) {}
    void set(std::string_view key, std::string_view value) {
        const auto it = map.find(key);
        if (it != map.end()) {
            it->second.assign(value);
            return;
        }
        map.emplace(std::pmr::string(key, map.get_allocator()), std::pmr::string(value, map.get_allocator()));
    }
    bool get(std::string_view key, std::string& out) const {
        const auto it = map.find(key);
        if (it == map.end()) return false;
        out.assign(it->second);
        return true;
    }
    void erase(std::string_view key) {
        const auto it = map.find(key);
        if (it != map.end()) map.erase(it);
    }
    std::size_t size() const { return map.size(); }
    std::pmr::unordered_map<std::pmr::string, std::pmr::string, sv_hash, std::equal_to<>> map;
};

// The pmr resource's last failure (its error handler records it before it throws).
tinymem::resource_failure g_failure{};
void record_failure(const tinymem::resource_failure& f) { g_failure = f; }

template <class P>
void print_pool(const char* title, const P& pool) {
    std::array<char, 1024> chart{};
    pool.map(chart.data(), chart.size(), 256); // one cell per 256 bytes: '#' pinned, '-' free
    const auto s = pool.stats();
    std::printf("%s: %zu live blocks, %zu B used, %zu B free in holes of at most %zu B, %zu B pinned, "
                "%u compactions, %llu B moved\n  %s\n",
                title, s.live_blocks, s.used_bytes, s.free_bytes, s.largest_free_bytes, s.pinned_bytes,
                unsigned(s.compactions), static_cast<unsigned long long>(s.bytes_moved), chart.data());
}

void print_outcome(const char* name, const outcome& o, long steps) {
    std::printf("%s: %s after %ld of %ld steps; %zu entries, %zu value bytes cached\n", name,
                o.corrupt ? "CORRUPT VALUE" : o.ran_out ? "ran out of memory" : "completed", o.steps, steps,
                o.entries, o.value_bytes);
}

} // namespace

int main(int argc, char** argv) {
    long steps = 1000000;
    std::uint64_t seed = 2026;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--steps") == 0) steps = std::atol(argv[i + 1]);
        else if (std::strcmp(argv[i], "--seed") == 0) seed = std::strtoull(argv[i + 1], nullptr, 10);
        else if (std::strcmp(argv[i], "--entries") == 0) max_entries = std::size_t(std::atol(argv[i + 1]));
    }
    std::printf("A string cache with churn in a %zu-byte pool: at most %zu entries of %u keys, values of %zu-%zu "
                "characters, seed %llu\n\n",
                pool_bytes, max_entries, key_space, min_value, max_value, static_cast<unsigned long long>(seed));

    static tinymem::pool<pool_bytes> tm_pool;
    outcome tm;
    {
        tinymem_cache cache(tm_pool);
        tm = run(cache, steps, seed);
        print_outcome("tinymem::unordered_map<tinymem::string, tinymem::string>", tm, steps);
        print_pool("  its pool at the end", tm_pool);
    }

    static tinymem::pool<pool_bytes> pmr_pool;
    outcome pm;
    {
        tinymem::memory_resource res(pmr_pool);
        res.set_error_handler(record_failure);
        pmr_cache cache(&res);
        pm = run(cache, steps, seed);
        print_outcome("std::pmr::unordered_map on tinymem::memory_resource", pm, steps);
        if (pm.ran_out)
            std::printf("  the request that failed: %zu bytes, %s\n", g_failure.bytes, tinymem::to_string(g_failure.pool_error));
        print_pool("  its pool at the end", pmr_pool);
    }

    // For reference, the standard library's own non-moving resources over the same bytes.
    outcome std_pmr;
    {
        static std::byte buffer[pool_bytes];
        std::pmr::monotonic_buffer_resource mono(buffer, sizeof buffer, std::pmr::null_memory_resource());
        std::pmr::unsynchronized_pool_resource pools(&mono);
        pmr_cache cache(&pools);
        std_pmr = run(cache, steps, seed);
        print_outcome("std::pmr::unordered_map on std::pmr::unsynchronized_pool_resource", std_pmr, steps);
    }
    const bool expected = !tm.corrupt && !tm.ran_out && tm.steps == steps && !pm.corrupt && pm.ran_out &&
                          !std_pmr.corrupt && std_pmr.ran_out;
    std::printf("\n%s\n", expected ? "tinymem's containers kept going; the non-moving pmr containers ran out first."
                                   : "UNEXPECTED OUTCOME");
    return expected ? 0 : 1;
}
