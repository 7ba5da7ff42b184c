// SPDX-License-Identifier: MIT
// tinymem's containers against the standard ones on the default allocator (issue 22): inserts,
// lookups (hits and misses) and iteration, as ratios measured side by side in one run.
//
//   tinymem-containers [--quick] [--reps N]
//
// Each figure is the fastest of N rounds (default 7); a round times the tinymem container and the
// std one back to back on the same keys, so machine noise hits both alike. The pool is a
// tinymem::pool large enough that nothing compacts (the speed of the containers, not of
// compaction). Prints a Markdown table; the goal is within 1.5x of std on lookups and iteration.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <type_traits>
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

using clock_type = std::chrono::steady_clock;

// A 64 MiB pool is a config32 pool (tinymem::pool<Bytes> chooses it): the containers name it.
using cfg = tinymem::config32;
using pool_type = tinymem::pool<std::size_t(64) << 20>;
static_assert(std::is_same_v<pool_type::config_type, cfg>);
template <class K, class V>
using umap = tinymem::unordered_map<K, V, tinymem::hash<K>, tinymem::key_equal<K>, cfg>;
template <class K, class V>
using fmap = tinymem::flat_map<K, V, std::less<K>, cfg>;
using tstring = tinymem::basic_string<char, cfg>;
template <class T>
using tvec = tinymem::vector<T, cfg>;

// Keeps a result alive so the optimiser cannot drop the work that made it.
volatile std::uint64_t g_sink = 0;

template <class F>
double ns_per(std::size_t ops, F&& f) {
    const auto t0 = clock_type::now();
    f();
    const auto t1 = clock_type::now();
    return double(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count()) / double(ops);
}

struct row {
    std::string what;
    double tinymem = 1e300, std_ = 1e300;
};

// Keys: n distinct random ints, and n others that are missing.
struct int_keys {
    std::vector<int> present, missing, order;
};
int_keys make_int_keys(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<int> all;
    std::unordered_map<int, bool> seen;
    while (all.size() < 2 * n) {
        const int k = int(rng() & 0x3fffffff);
        if (seen.emplace(k, true).second) all.push_back(k);
    }
    int_keys out;
    out.present.assign(all.begin(), all.begin() + std::ptrdiff_t(n));
    out.missing.assign(all.begin() + std::ptrdiff_t(n), all.end());
    out.order = out.present;
    std::shuffle(out.order.begin(), out.order.end(), rng);
    return out;
}

std::vector<std::string> make_words(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<std::string> out;
    std::unordered_map<std::string, bool> seen;
    while (out.size() < n) {
        std::string w;
        const std::size_t len = 3 + rng() % 22; // 3..24 characters: most short, some long
        for (std::size_t i = 0; i < len; ++i) w.push_back(char('a' + rng() % 26));
        if (seen.emplace(w, true).second) out.push_back(w);
    }
    return out;
}

// Times `f` on the tinymem container, then on the std one, keeping each side's fastest round.
template <class T, class S, class F>
void time_both(row& r, std::size_t ops, T& t, S& s, F f) {
    r.tinymem = std::min(r.tinymem, ns_per(ops, [&] { f(t); }));
    r.std_ = std::min(r.std_, ns_per(ops, [&] { f(s); }));
}

// The sum of the values at `keys` (each present).
template <class Keys>
auto sum_found(const Keys& keys) {
    return [&keys](auto& m) {
        std::uint64_t sum = 0;
        for (const auto& k : keys) sum += std::uint64_t(m.find(k)->second);
        g_sink = g_sink + sum;
    };
}

// How many of `keys` the container holds.
template <class Keys>
auto count_contained(const Keys& keys) {
    return [&keys](auto& m) {
        std::uint64_t c = 0;
        for (const auto& k : keys) c += m.contains(k);
        g_sink = g_sink + c;
    };
}

// The sum of every value, in iteration order.
inline void sum_values(const auto& m) {
    std::uint64_t sum = 0;
    for (const auto& kv : m) sum += std::uint64_t(kv.second);
    g_sink = g_sink + sum;
}

template <class Pool>
void bench_int_maps(Pool& pool, std::size_t n, int reps, std::vector<row>& rows) {
    const auto keys = make_int_keys(n, 1);
    row ins{"unordered_map<int, int>: insert " + std::to_string(n)}, hit{"unordered_map<int, int>: find (hit)"},
        miss{"unordered_map<int, int>: find (miss)"}, iter{"unordered_map<int, int>: iterate"},
        iter_pinned{"unordered_map<int, int>: iterate a pin() view"}, er{"unordered_map<int, int>: erase all"};
    row fins{"flat_map<int, int> vs std::map: insert " + std::to_string(n)}, fhit{"flat_map<int, int> vs std::map: find (hit)"},
        fiter{"flat_map<int, int> vs std::map: iterate"}, flb{"flat_map<int, int> vs std::map: lower_bound"};
    for (int r = 0; r < reps; ++r) {
        {
            umap<int, int> t(pool);
            std::unordered_map<int, int> s;
            time_both(ins, n, t, s, [&](auto& m) { for (int k : keys.present) m.emplace(k, k); });
            time_both(hit, n, t, s, sum_found(keys.order));
            time_both(miss, n, t, s, count_contained(keys.missing));
            time_both(iter, n, t, s, [](auto& m) { sum_values(m); });
            // The pinned view against the same std iteration (timed once more).
            auto pinned = t.pin();
            time_both(iter_pinned, n, pinned, s, [](auto& m) { sum_values(m); });
            pinned = {};
            time_both(er, n, t, s, [&](auto& m) { for (int k : keys.order) m.erase(k); });
        }
        {
            fmap<int, int> t(pool);
            std::map<int, int> s;
            // Sorted input, as a flat_map is usually built (a random order costs it O(n) per insert).
            std::vector<int> sorted = keys.present;
            std::sort(sorted.begin(), sorted.end());
            time_both(fins, n, t, s, [&](auto& m) { for (int k : sorted) m.emplace(k, k); });
            time_both(fhit, n, t, s, sum_found(keys.order));
            time_both(flb, n, t, s, [&](auto& m) {
                std::uint64_t c = 0;
                for (int k : keys.missing) c += m.lower_bound(k) != m.end();
                g_sink = g_sink + c;
            });
            time_both(fiter, n, t, s, [](auto& m) { sum_values(m); });
        }
    }
    for (auto* x : {&ins, &hit, &miss, &iter, &iter_pinned, &er, &fins, &fhit, &flb, &fiter}) rows.push_back(*x);
}

// For std: a transparent hash, so std::string_view probes build no std::string either.
struct sv_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

template <class Pool>
void bench_string_map(Pool& pool, std::size_t n, int reps, std::vector<row>& rows) {
    const auto words = make_words(2 * n, 2);
    std::vector<std::string_view> present(words.begin(), words.begin() + std::ptrdiff_t(n));
    std::vector<std::string_view> missing(words.begin() + std::ptrdiff_t(n), words.end());
    std::vector<std::string_view> order = present;
    std::shuffle(order.begin(), order.end(), std::mt19937_64(3));
    row ins{"unordered_map<string, int>: insert " + std::to_string(n)},
        hit{"unordered_map<string, int>: find(string_view) (hit)"}, miss{"unordered_map<string, int>: find(string_view) (miss)"};
    for (int r = 0; r < reps; ++r) {
        umap<tstring, int> t(pool);
        std::unordered_map<std::string, int, sv_hash, std::equal_to<>> s;
        ins.tinymem = std::min(ins.tinymem, ns_per(n, [&] {
            int i = 0;
            for (std::string_view w : present) t.emplace(tstring(pool, w), i++);
        }));
        ins.std_ = std::min(ins.std_, ns_per(n, [&] {
            int i = 0;
            for (std::string_view w : present) s.emplace(std::string(w), i++);
        }));
        time_both(hit, n, t, s, sum_found(order));
        time_both(miss, n, t, s, count_contained(missing));
    }
    for (auto* x : {&ins, &hit, &miss}) rows.push_back(*x);
}

template <class Pool>
void bench_vector(Pool& pool, std::size_t n, int reps, std::vector<row>& rows) {
    row push{"vector<int>: push_back " + std::to_string(n)}, idx{"vector<int>: operator[] sum"},
        pinned{"vector<int>: pin() view sum"};
    auto sum_indexed = [n](auto& v) {
        std::uint64_t sum = 0;
        for (std::size_t i = 0; i < n; ++i) sum += std::uint64_t(v[typename std::remove_cvref_t<decltype(v)>::size_type(i)]);
        g_sink = g_sink + sum;
    };
    for (int r = 0; r < reps; ++r) {
        tvec<int> t(pool);
        std::vector<int> s;
        time_both(push, n, t, s, [n](auto& v) { for (std::size_t i = 0; i < n; ++i) v.push_back(int(i)); });
        time_both(idx, n, t, s, sum_indexed);
        auto view = t.pin();
        time_both(pinned, n, view, s, [](auto& v) {
            std::uint64_t sum = 0;
            for (int x : v) sum += std::uint64_t(x);
            g_sink = g_sink + sum;
        });
    }
    for (auto* x : {&push, &idx, &pinned}) rows.push_back(*x);
}

} // namespace

int main(int argc, char** argv) {
    int reps = 7;
    bool quick = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--quick") quick = true;
        else if (a == "--reps" && i + 1 < argc) reps = std::max(1, std::atoi(argv[++i]));
        else {
            std::fprintf(stderr, "usage: %s [--quick] [--reps N]\n", argv[0]);
            return 2;
        }
    }
    if (quick) reps = 1;
    const std::size_t n = quick ? 2000 : 100000;
    // 64 MiB: room for every container here at once, so nothing compacts.
    static pool_type pool;
    std::vector<row> rows;
    bench_int_maps(pool, n, reps, rows);
    bench_string_map(pool, n, reps, rows);
    bench_vector(pool, n * 10, reps, rows);
    std::printf("| operation | tinymem ns/op | std ns/op | tinymem / std |\n|---|---|---|---|\n");
    bool ok = true;
    for (const auto& r : rows) {
        std::printf("| %s | %.2f | %.2f | %.2f |\n", r.what.c_str(), r.tinymem, r.std_, r.tinymem / r.std_);
        ok = ok && r.tinymem > 0 && r.std_ > 0;
    }
    std::printf("\nfastest of %d rounds, %zu keys; std on the default allocator; pool %zu bytes, %u compactions "
                "(nothing should compact)\n",
                reps, n, pool.capacity(), unsigned(pool.compactions()));
    return ok && pool.compactions() == 0 ? 0 : 1;
}
