// SPDX-License-Identifier: MIT
// tinymem-layout: what the block layout gives at each pool size, for both engines. For each
// pool<Bytes> / bump_pool<Bytes> (the configuration chosen by size): the configuration, the
// bookkeeping per live block, how much of the pool 24-byte blocks fill (TLSF's 24-byte blocks
// fill 0.75), how many 1-byte blocks fit and what stops them, the stale-handle bound (reuses of a
// slot before a freed handle aliases) and the most pools alive at once. A markdown table on
// stdout; scripts/bench.sh writes it to bench/results/layout.md.
//
//   tinymem-layout [--quick]     (--quick: pools up to 1 MiB)
#include <cstdio>
#include <cstring>
#include <memory>
#include <type_traits>

#ifdef TINYMEM_USE_MODULE
import tinymem;
#else
#include <tinymem.hpp>
#endif

namespace {

template <class Config>
const char* config_name() {
    using namespace tinymem;
    if constexpr (std::is_same_v<Config, config16_small>) return "config16_small";
    else if constexpr (std::is_same_v<Config, config16>) return "config16";
    else if constexpr (std::is_same_v<Config, config16_g8>) return "config16_g8";
    else if constexpr (std::is_same_v<Config, config17>) return "config17";
    else if constexpr (std::is_same_v<Config, config32>) return "config32";
    else return "custom";
}

template <class Pool>
void row(const char* engine, std::size_t bytes) {
    using config = typename Pool::config_type;
    std::size_t n24 = 0, n1 = 0;
    {
        auto p = std::make_unique<Pool>();
        while (p->allocate(24)) ++n24;
    }
    const char* limit;
    {
        auto p = std::make_unique<Pool>();
        while (p->allocate(1)) ++n1;
        limit = tinymem::to_string(p->last_error());
    }
    const unsigned long long generations = (1ull << config::generation_bits) - 1;
    std::printf("| %zu | %s | %s | %zu | %zu | %.3f | %zu (%s) | %llu | %u |\n", bytes, engine, config_name<config>(),
                std::size_t(config::granule), 2 * sizeof(typename config::word_type), double(n24) * 24 / double(bytes), n1,
                limit, generations, (1u << config::tag_bits) - 1);
}

template <std::size_t Bytes>
void sizes() {
    row<tinymem::pool<Bytes>>("basic_pool", Bytes);
    row<tinymem::bump_pool<Bytes>>("bump_pool", Bytes);
}

} // namespace

int main(int argc, char** argv) {
    const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
    std::printf("| pool bytes | engine | configuration | granule | bookkeeping per block (B) | 24-byte blocks fill "
                "| 1-byte blocks (what stopped them) | stale handle reported for (reuses of its slot) "
                "| pools alive at once |\n");
    std::printf("|---|---|---|---|---|---|---|---|---|\n");
    sizes<256>();
    sizes<4096>();
    sizes<65536>();
    sizes<262144>();
    sizes<524288>();
    sizes<(1u << 20)>();
    if (!quick) {
        sizes<(4u << 20)>();
        sizes<(64u << 20)>();
    }
    return 0;
}
