// SPDX-License-Identifier: MIT
// Under random churn above 90 % use, every request no larger than what stats() says is
// allocatable succeeds, and that figure stays within a header and a granule or two of the free
// bytes: fragmentation never refuses a request the free bytes could serve.
#include "test_support.hpp"

using namespace tinymem;

BOOST_AUTO_TEST_SUITE(fill)

template <class Config>
void churn(std::size_t pool_bytes, std::size_t min_size, std::size_t max_size, std::uint64_t ops) {
    using pool_type = basic_pool<Config>;
    std::vector<std::byte> buffer(pool_bytes);
    pool_type p{buffer};
    std::mt19937_64 rng(test::seed_for("fill churn"));
    struct live {
        typename pool_type::handle h;
        std::uint32_t id;
        std::size_t size;
    };
    std::vector<live> blocks;
    std::uint32_t next_id = 0;
    std::uint64_t requests_above_90 = 0, compactions_needed = 0;
    // Slack between the free bytes and the largest request: one header, plus the granules a
    // new handle-table entry may take.
    const std::size_t slack = 4 * Config::granule + sizeof(typename Config::word_type);
    for (std::uint64_t op = 0; op < ops; ++op) {
        const auto s = p.stats();
        const double use = double(s.used_bytes + s.table_bytes) / double(s.capacity_bytes);
        const std::size_t size = min_size + rng() % (max_size - min_size + 1);
        if (use < 0.97 && size <= s.largest_allocatable) {
            if (use > 0.90) ++requests_above_90;
            if (size > s.largest_free_bytes) ++compactions_needed;
            const auto h = p.allocate(size);
            BOOST_REQUIRE_MESSAGE(h, "op " << op << ": allocate(" << size << ") with " << s.free_bytes
                                           << " bytes free failed: " << to_string(p.last_error()));
            test::fill(p, h, next_id, size);
            blocks.push_back({h, next_id++, size});
        } else if (!blocks.empty()) {
            const std::size_t i = rng() % blocks.size();
            BOOST_REQUIRE(test::holds(p, blocks[i].h, blocks[i].id, blocks[i].size));
            BOOST_REQUIRE(p.deallocate(blocks[i].h));
            blocks[i] = blocks.back();
            blocks.pop_back();
        }
        if (use > 0.90) BOOST_REQUIRE_GE(s.largest_allocatable + slack, s.free_bytes);
        if (op % 1024 == 0) {
            test::require_ok(p);
            for (const auto& b : blocks) BOOST_REQUIRE(test::holds(p, b.h, b.id, b.size));
        }
    }
    test::require_ok(p);
    BOOST_TEST_MESSAGE("  " << requests_above_90 << " requests above 90 % use, " << compactions_needed
                            << " of them larger than the largest hole; " << p.stats().compactions << " compactions");
    BOOST_TEST(requests_above_90 > ops / 10);
    BOOST_TEST(compactions_needed > 0u);
}

BOOST_AUTO_TEST_CASE(pool_64_KiB_small_blocks) { churn<config16>(65536, 8, 256, 150000); }
BOOST_AUTO_TEST_CASE(pool_16_KiB_mixed_blocks) { churn<config16_g8>(16384, 8, 1024, 60000); }
BOOST_AUTO_TEST_CASE(pool_1_MiB_config32) { churn<config32>(std::size_t(1) << 20, 16, 4096, 60000); }

BOOST_AUTO_TEST_SUITE_END()
