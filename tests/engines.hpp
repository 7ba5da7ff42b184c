// SPDX-License-Identifier: MIT
// The two engines as Boost.Test type lists, for the typed cases of what both promise (errors,
// handles, pins, steps, limits, stats: BOOST_AUTO_TEST_CASE_TEMPLATE over these lists), and the
// few traits where the engines differ by design. Include it last, like test_support.hpp.
#ifndef TINYMEM_TEST_ENGINES_HPP
#define TINYMEM_TEST_ENGINES_HPP

#include <boost/mpl/list.hpp>

#include "test_support.hpp"

namespace test {

// basic_pool and the lean engine basic_bump_pool on one configuration.
template <class Config>
using engines_of = boost::mpl::list<tinymem::basic_pool<Config>, tinymem::basic_bump_pool<Config>>;

// The engines on config16, the configuration of the three-block fixture.
using engines = engines_of<tinymem::config16>;

// Both engines on config16 and config32 (32-bit offsets, 8-byte granules).
using engines_16_32 = boost::mpl::list<tinymem::basic_pool<tinymem::config16>, tinymem::basic_pool<tinymem::config32>,
                                       tinymem::basic_bump_pool<tinymem::config16>,
                                       tinymem::basic_bump_pool<tinymem::config32>>;

// basic_pool on each standard configuration, the lean engine on config16 and config32.
using engines_by_configuration =
    boost::mpl::list<tinymem::basic_pool<tinymem::config16>, tinymem::basic_pool<tinymem::config16_g8>,
                     tinymem::basic_pool<tinymem::config17>, tinymem::basic_pool<tinymem::config32>,
                     tinymem::basic_bump_pool<tinymem::config16>, tinymem::basic_bump_pool<tinymem::config32>>;

// True for the lean engine. It differs by design where the typed cases ask it: it serves only
// the granule's alignment (max_alignment == granule); it grows a pinned block only when that
// block is the topmost one (basic_pool shifts the blocks after it); its largest buffer is one
// granule smaller; its table holds exactly the slots in use; and it has no allocate_pinned,
// handle_of, reserve_handles, map or symbol_of.
template <class Pool>
inline constexpr bool is_lean = false;
template <class Config>
inline constexpr bool is_lean<tinymem::basic_bump_pool<Config>> = true;

// The number of calls that failed with `e`.
inline std::size_t failed_of(const tinymem::pool_stats& s, tinymem::error e) { return s.failed[std::size_t(e)]; }

// The counts that describe the pool's blocks (not its history) are the same.
inline bool same_blocks(const tinymem::pool_stats& a, const tinymem::pool_stats& b) {
    return a.used_bytes == b.used_bytes && a.free_bytes == b.free_bytes && a.table_bytes == b.table_bytes &&
           a.live_blocks == b.live_blocks && a.free_handles == b.free_handles && a.pinned_bytes == b.pinned_bytes;
}

// The engine and its configuration, for messages and seeds: "basic_pool, 4-byte granules, 16-bit words".
template <class Pool>
std::string engine_name() {
    using config = typename Pool::config_type;
    return std::string(is_lean<Pool> ? "basic_bump_pool" : "basic_pool") + ", " + std::to_string(config::granule) +
           "-byte granules, " + std::to_string(8 * sizeof(typename config::word_type)) + "-bit words";
}

// Fills `p` with blocks of 1 to `max_block` bytes (each filled with test::pattern of its index,
// its size in `sizes`), then frees about every other one at random: the null handle marks a
// freed one. Cost: one allocation per block.
template <class Pool>
std::vector<typename Pool::handle> fragment(Pool& p, std::mt19937& rng, std::size_t max_block,
                                            std::vector<std::size_t>& sizes) {
    std::vector<typename Pool::handle> hs;
    for (;;) {
        const std::size_t n = 1 + rng() % max_block;
        const auto h = p.allocate(n);
        if (!h) break;
        fill(p, h, std::uint32_t(hs.size()), n);
        hs.push_back(h);
        sizes.push_back(n);
    }
    for (std::size_t i = 0; i < hs.size(); ++i) {
        if (rng() % 2 == 0) {
            BOOST_REQUIRE(p.deallocate(hs[i]));
            hs[i] = {};
        }
    }
    return hs;
}

} // namespace test

#endif
