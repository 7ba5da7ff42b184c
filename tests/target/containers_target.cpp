// SPDX-License-Identifier: MIT
// tinymem's relocatable containers on a bare-metal target (Cortex-M under QEMU): tinymem::vector,
// tinymem::string, tinymem::unordered_map and tinymem::flat_map, through their try_ members only
// (-fno-exceptions), each against a model in static arrays, in one pool shared with raw blocks
// that are allocated and freed at random so that compaction moves the containers' blocks all
// the time. No heap, no exceptions, no RTTI. Output through printf (semihosting); exit status 0
// when every check passed.
//
// Arguments (cross/qemu-semihost.sh forwards TINYMEM_* variables as NAME=VALUE arguments):
//   TINYMEM_SEED=N   seed (default: the host's time, printed)
//   TINYMEM_OPS=N    operations per container (default 6000)
//   TINYMEM_ONLY=X   one container only: vector, string, unordered_map or flat_map
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string_view>

#include <tinymem.hpp>
#include <tinymem/adapters/flat_map.hpp>
#include <tinymem/adapters/string.hpp>
#include <tinymem/adapters/unordered_map.hpp>
#include <tinymem/adapters/vector.hpp>

#ifndef TINYMEM_TARGET_POOL_BYTES
#define TINYMEM_TARGET_POOL_BYTES 16384
#endif

namespace {

unsigned long g_checks = 0, g_failures = 0;
const char* g_context = "";
bool check_(bool ok, const char* what, int line) {
    ++g_checks;
    if (!ok && ++g_failures <= 20) std::printf("FAIL [%s] line %d: %s\n", g_context, line, what);
    return ok;
}
#define CHECK(cond) check_(static_cast<bool>(cond), #cond, __LINE__)

struct rng {
    std::uint64_t state;
    std::uint32_t below(std::uint32_t n) {
        std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return std::uint32_t((z ^ (z >> 31)) % n);
    }
};

constexpr std::size_t pool_bytes = TINYMEM_TARGET_POOL_BYTES;
using pool_t = tinymem::pool<pool_bytes>;
pool_t g_pool;

// Raw blocks beside the containers: allocating and freeing them at random leaves holes that the
// containers' growth must compact away, so their blocks move under them.
constexpr int filler_count = 24;
pool_t::handle g_filler[filler_count];
void churn_fillers(rng& r) {
    const int i = int(r.below(filler_count));
    if (g_filler[i]) {
        CHECK(g_pool.deallocate(g_filler[i]));
        g_filler[i] = {};
    } else if (g_pool.stats().free_bytes > pool_bytes / 2) {
        g_filler[i] = g_pool.allocate(8 + r.below(pool_bytes / 64));
    }
    switch (r.below(16)) {
    case 0: g_pool.defrag(); break;
    case 1: g_pool.defrag_step(r.below(512)); break;
    default: break;
    }
}
void free_fillers() {
    for (auto& h : g_filler)
        if (h) {
            CHECK(g_pool.deallocate(h));
            h = {};
        }
}

// ---- tinymem::vector<std::uint32_t> ---------------------------------------------------------
constexpr std::uint32_t vec_max = pool_bytes / 32;
std::uint32_t g_vec_model[vec_max];

void test_vector(rng& r, unsigned ops) {
    g_context = "vector";
    tinymem::vector<std::uint32_t> v(g_pool);
    std::uint32_t n = 0;
    for (unsigned op = 0; op < ops; ++op) {
        churn_fillers(r);
        const std::uint32_t x = r.below(1u << 30);
        switch (r.below(5)) {
        case 0:
        case 1:
            if (n < vec_max && v.try_push_back(x)) g_vec_model[n++] = x;
            break;
        case 2:
            if (n != 0) {
                v.pop_back();
                --n;
            }
            break;
        case 3:
            if (n < vec_max) {
                const std::uint32_t at = r.below(n + 1);
                if (v.try_insert(v.begin() + std::ptrdiff_t(at), x)) {
                    std::memmove(g_vec_model + at + 1, g_vec_model + at, (n - at) * sizeof x);
                    g_vec_model[at] = x;
                    ++n;
                }
            }
            break;
        default:
            if (n != 0) {
                const std::uint32_t at = r.below(n);
                v.erase(v.begin() + std::ptrdiff_t(at));
                std::memmove(g_vec_model + at, g_vec_model + at + 1, (n - at - 1) * sizeof x);
                --n;
            }
            break;
        }
        if (!CHECK(v.size() == n)) return;
        if (op % 16 == 0 || op + 1 == ops) {
            const auto view = v.pin();
            bool same = view.size() == n;
            for (std::uint32_t i = 0; same && i < n; ++i) same = view[i] == g_vec_model[i];
            CHECK(same);
        }
    }
}

// ---- tinymem::string --------------------------------------------------------------------------
constexpr std::uint32_t str_max = pool_bytes / 16;
char g_str_model[str_max];

void test_string(rng& r, unsigned ops) {
    g_context = "string";
    tinymem::string s(g_pool);
    std::uint32_t n = 0;
    char chunk[40];
    for (unsigned op = 0; op < ops; ++op) {
        churn_fillers(r);
        const std::uint32_t len = 1 + r.below(sizeof chunk);
        for (std::uint32_t i = 0; i < len; ++i) chunk[i] = char('a' + r.below(26));
        const std::string_view piece(chunk, len);
        switch (r.below(4)) {
        case 0:
        case 1:
            if (n + len <= str_max && s.try_append(piece)) {
                std::memcpy(g_str_model + n, chunk, len);
                n += len;
            }
            break;
        case 2:
            if (n + len <= str_max) {
                const std::uint32_t at = r.below(n + 1);
                if (s.try_insert(at, piece)) {
                    std::memmove(g_str_model + at + len, g_str_model + at, n - at);
                    std::memcpy(g_str_model + at, chunk, len);
                    n += len;
                }
            }
            break;
        default:
            if (n != 0) {
                const std::uint32_t at = r.below(n), count = 1 + r.below(n - at);
                s.erase(at, count);
                std::memmove(g_str_model + at, g_str_model + at + count, n - at - count);
                n -= count;
            }
            break;
        }
        if (!CHECK(s.size() == n)) return;
        CHECK(std::string_view(s) == std::string_view(g_str_model, n));
        CHECK(s.c_str()[n] == '\0');
    }
}

// ---- tinymem::unordered_map and flat_map (keys 0 .. key_space - 1) ---------------------------
constexpr std::uint32_t key_space = pool_bytes / 64;
std::uint32_t g_value[key_space];
bool g_present[key_space];

template <class Map, bool Sorted>
void test_map(rng& r, unsigned ops, const char* name) {
    g_context = name;
    Map m(g_pool);
    std::memset(g_present, 0, sizeof g_present);
    std::uint32_t count = 0;
    for (unsigned op = 0; op < ops; ++op) {
        churn_fillers(r);
        const auto k = typename Map::key_type(r.below(key_space));
        const std::uint32_t v = r.below(1u << 30);
        switch (r.below(4)) {
        case 0:
        case 1: {
            const auto res = m.try_insert_or_assign(k, v);
            if (res.first != m.end()) {
                CHECK(res.second == !g_present[k]);
                if (!g_present[k]) ++count;
                g_present[k] = true;
                g_value[k] = v;
            }
            break;
        }
        case 2: {
            const std::size_t erased = m.erase(k);
            CHECK(erased == (g_present[k] ? 1u : 0u));
            if (g_present[k]) --count;
            g_present[k] = false;
            break;
        }
        default: {
            const auto it = m.find(k);
            CHECK((it != m.end()) == g_present[k]);
            if (it != m.end()) CHECK((*it).second == g_value[k]);
            break;
        }
        }
        if (!CHECK(m.size() == count)) return;
        if (op % 32 == 0 || op + 1 == ops) {
            std::uint32_t seen = 0;
            long previous = -1;
            bool ok = true;
            for (auto it = m.begin(); it != m.end(); ++it) {
                const auto key = (*it).first;
                ok = ok && key < key_space && g_present[key] && (*it).second == g_value[key];
                if (Sorted) ok = ok && long(key) > previous;
                previous = long(key);
                ++seen;
            }
            CHECK(ok && seen == count);
        }
    }
}

} // namespace

int main(int argc, char** argv) {
    // The host's clock fits an unsigned long here; newlib-nano's printf has no %llu.
    unsigned long seed = static_cast<unsigned long>(std::time(nullptr));
    unsigned ops = 6000;
    const char* only = "";
    for (int i = 1; i < argc; ++i) {
        if (std::strncmp(argv[i], "TINYMEM_SEED=", 13) == 0) seed = std::strtoul(argv[i] + 13, nullptr, 10);
        if (std::strncmp(argv[i], "TINYMEM_OPS=", 12) == 0) ops = unsigned(std::strtoul(argv[i] + 12, nullptr, 10));
        if (std::strncmp(argv[i], "TINYMEM_ONLY=", 13) == 0) only = argv[i] + 13; // one container
    }
    std::printf("tinymem containers on the target: pool %u bytes, %u operations per container, seed %lu "
                "(TINYMEM_SEED=%lu repeats it)\n",
                unsigned(pool_bytes), ops, seed, seed);
    rng r{seed};
    auto wanted = [&](const char* name) { return *only == '\0' || std::strcmp(only, name) == 0; };
    if (wanted("vector")) test_vector(r, ops);
    free_fillers();
    if (wanted("string")) test_string(r, ops);
    free_fillers();
    if (wanted("unordered_map")) test_map<tinymem::unordered_map<std::uint16_t, std::uint32_t>, false>(r, ops, "unordered_map");
    free_fillers();
    if (wanted("flat_map")) test_map<tinymem::flat_map<std::uint16_t, std::uint32_t>, true>(r, ops, "flat_map");
    free_fillers();
    g_context = "end";
    const auto st = g_pool.stats();
    CHECK(st.live_blocks == 0 && g_pool.check().ok());
    std::printf("%lu checks, %lu failed, %u compactions, %lu bytes moved: %s\n", g_checks, g_failures,
                unsigned(st.compactions), static_cast<unsigned long>(st.bytes_moved), g_failures ? "FAIL" : "PASS");
    return g_failures ? 1 : 0;
}
