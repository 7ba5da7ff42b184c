// SPDX-License-Identifier: MIT
// The showcase as a test: interleaved growth in one small pool. std::pmr::vectors over
// non-moving resources of the same size run out; tinymem::vectors succeed because the pool
// compacts. Then pmr containers and tinymem::vectors share one pool.
#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <cstdio>
#include <map>
#include <memory>
#include <memory_resource>
#include <new>
#include <vector>

#include "adapters_under_test.hpp"

#include "showcase_workload.hpp" // examples/

namespace {

using showcase::final_length;
using showcase::pool_bytes;
using showcase::wanted;

// The showcase workload, checking every survivor's contents when it completes.
template <class Vec, class Make>
long workload(Make make, bool& failed) {
    return showcase::run<Vec>(make, failed, [](auto& vecs) {
        for (auto& v : vecs)
            if (v) {
                BOOST_TEST(v->size() == std::size_t(final_length));
                for (int i = 0; i < final_length; ++i) BOOST_TEST((*v)[typename Vec::size_type(i)] == i);
            }
    });
}

} // namespace

BOOST_AUTO_TEST_SUITE(showcase)

BOOST_AUTO_TEST_CASE(pmr_over_non_moving_resource_runs_out) {
    static std::byte buffer[pool_bytes];
    std::pmr::monotonic_buffer_resource mono(buffer, sizeof buffer, std::pmr::null_memory_resource());
    std::pmr::unsynchronized_pool_resource pools(&mono);
    bool failed = false;
    const long pushed = workload<std::pmr::vector<int>>([&] { return std::make_unique<std::pmr::vector<int>>(&pools); }, failed);
    std::printf("pmr (pool over monotonic, %zu bytes): %s after %ld of %ld push_backs\n", pool_bytes,
                failed ? "bad_alloc" : "ok", pushed, wanted);
    BOOST_TEST(failed);
}

BOOST_AUTO_TEST_CASE(pmr_over_pinned_tinymem_blocks_runs_out) {
    static tinymem::pool<pool_bytes> pool;
    tinymem::memory_resource res(pool);
    bool failed = false;
    const long pushed = workload<std::pmr::vector<int>>([&] { return std::make_unique<std::pmr::vector<int>>(&res); }, failed);
    std::printf("pmr (tinymem::memory_resource, pinned, %zu bytes): %s after %ld of %ld push_backs\n", pool_bytes,
                failed ? "bad_alloc" : "ok", pushed, wanted);
    BOOST_TEST(failed);
    BOOST_TEST(pool.check().ok());
    BOOST_TEST(pool.stats().live_blocks == 0u);
}

BOOST_AUTO_TEST_CASE(tinymem_vectors_succeed_by_compaction) {
    static tinymem::pool<pool_bytes> pool;
    bool failed = false;
    const long pushed = workload<tinymem::vector<int>>([&] { return std::make_unique<tinymem::vector<int>>(pool); }, failed);
    const auto s = pool.stats();
    std::printf("tinymem::vector (%zu bytes): %s after %ld of %ld push_backs, %u compactions, %llu bytes moved\n",
                pool_bytes, failed ? "bad_alloc" : "ok", pushed, wanted, unsigned(s.compactions),
                (unsigned long long)s.bytes_moved);
    BOOST_TEST(!failed);
    BOOST_TEST(pushed == wanted);
    BOOST_TEST(s.compactions > 0u, "the workload must need compaction for the comparison to mean anything");
    BOOST_TEST(pool.check().ok());
}

BOOST_AUTO_TEST_CASE(pmr_and_tinymem_vectors_share_a_pool) {
    static tinymem::pool<pool_bytes> pool;
    tinymem::memory_resource res(pool);
    std::pmr::map<int, std::pmr::vector<int>> index(&res);
    std::vector<std::unique_ptr<tinymem::vector<int>>> vecs;
    for (int i = 0; i < 8; ++i) vecs.push_back(std::make_unique<tinymem::vector<int>>(pool));
    for (int round = 0; round < 200; ++round) {
        for (auto& v : vecs)
            if (v) v->push_back(round);
        if (round % 10 == 0) index[round].assign(std::size_t(8), round);
        if (round == 60)
            for (std::size_t i = 0; i < vecs.size(); i += 3) vecs[i].reset();
        if (round % 7 == 0) pool.defrag_step(128);
    }
    pool.defrag();
    const auto s = pool.stats();
    std::printf("shared pool: used %zu, free %zu, pinned %zu, largest free %zu, live %zu, fragmentation %u%%, "
                "compactions %u\n",
                s.used_bytes, s.free_bytes, s.pinned_bytes, s.largest_free_bytes, s.live_blocks,
                s.fragmentation_percent, unsigned(s.compactions));
    char chart[600];
    pool.map(chart, sizeof chart, 128);
    std::printf("  %s\n", chart);
    BOOST_TEST(s.pinned_bytes > 0u);
    BOOST_TEST(s.fragmentation_percent == 0u, "pinned blocks at the top leave one free hole");
    for (const auto& v : vecs)
        if (v)
            for (tinymem::vector<int>::size_type i = 0; i < v->size(); ++i) BOOST_TEST((*v)[i] == int(i));
    for (const auto& [k, v] : index) BOOST_TEST((v.size() == 8u && v[0] == k && v[7] == k));
    BOOST_TEST(index.size() == 20u);
    BOOST_TEST(pool.check().ok());
}

BOOST_AUTO_TEST_SUITE_END()
