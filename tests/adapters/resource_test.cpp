// SPDX-License-Identifier: MIT
// tinymem::memory_resource: pmr containers over a pool, pinned-block placement, exhaustion and
// recovery, alignment, and refused deallocations.
#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <list>
#include <map>
#include <memory_resource>
#include <new>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "test_support.hpp"

#include "adapters_under_test.hpp"

namespace {

using pool16k = tinymem::pool<16384>;

void print_stats(const char* what, const tinymem::pool_stats& s) {
    std::printf("%s: used %zu, free %zu, pinned %zu, largest allocatable %zu, live %zu, fragmentation %u%%\n", what,
                s.used_bytes, s.free_bytes, s.pinned_bytes, s.largest_allocatable, s.live_blocks,
                s.fragmentation_percent);
}

int failures_seen = 0;
void count_failure(const tinymem::resource_failure&) { ++failures_seen; }

} // namespace

BOOST_AUTO_TEST_SUITE(resource)

BOOST_AUTO_TEST_CASE(pmr_containers_contents_and_stats) {
    static tinymem::pool<131072> pool;
    tinymem::memory_resource res(pool);
    {
        std::pmr::vector<int> v(&res);
        std::pmr::string s(&res);
        std::pmr::map<int, std::pmr::string> m(&res);
        std::pmr::unordered_map<int, int> um(&res);
        std::pmr::list<int> l(&res);
        std::pmr::deque<int> d(&res);
        for (int i = 0; i < 300; ++i) {
            v.push_back(i);
            s += char('a' + i % 26);
            m.emplace(i, std::pmr::string(std::size_t(i % 40), char('A' + i % 26)));
            um[i * 7] = i;
            l.push_front(i);
            d.push_back(-i);
        }
        const auto st = pool.stats();
        print_stats("six pmr containers", st);
        BOOST_TEST(st.pinned_bytes > 300u * sizeof(int));
        BOOST_TEST(st.pinned_bytes == st.used_bytes, "every block of the resource is pinned");
        BOOST_TEST(res.outstanding_blocks() == st.live_blocks);
        // Defragmenting moves nothing that pmr containers point into.
        pool.defrag();
        for (int i = 0; i < 300; ++i) {
            BOOST_TEST(v[std::size_t(i)] == i);
            BOOST_TEST(s[std::size_t(i)] == char('a' + i % 26));
            BOOST_TEST((std::string_view(m.at(i)) == std::string(std::size_t(i % 40), char('A' + i % 26))));
            BOOST_TEST(um.at(i * 7) == i);
            BOOST_TEST(d[std::size_t(i)] == -i);
        }
        int expect = 299;
        for (int x : l) BOOST_TEST(x == expect--);
        BOOST_TEST(pool.check().ok());
    }
    BOOST_TEST(pool.stats().pinned_bytes == 0u);
    BOOST_TEST(pool.stats().live_blocks == 0u);
    BOOST_TEST(res.outstanding_blocks() == 0u);
    BOOST_TEST(pool.check().ok());
}

BOOST_AUTO_TEST_CASE(exhaustion_and_recovery) {
    pool16k pool;
    tinymem::memory_resource res(pool);
    failures_seen = 0;
    res.set_error_handler(count_failure);
    std::pmr::list<std::pmr::vector<int>> lists(&res);
    bool threw = false;
    try {
        for (int i = 0; i < 100000; ++i) {
            lists.emplace_back();
            lists.back().resize(50, i);
        }
    } catch (const std::bad_alloc&) {
        threw = true;
    }
    BOOST_TEST(threw);
    BOOST_TEST(failures_seen == 1);
    BOOST_TEST(pool.check().ok());
    BOOST_TEST((pool.last_error() != tinymem::error::none));
    const std::size_t n = lists.size();
    BOOST_TEST(n > 10u);
    // The containers that were built are intact.
    for (const auto& v : lists)
        if (!v.empty()) BOOST_TEST(v.front() == v.back());
    lists.clear();
    BOOST_TEST(pool.stats().live_blocks == 0u);
    // The pool keeps working: the same amount fits again.
    for (std::size_t i = 0; i + 1 < n; ++i) {
        lists.emplace_back();
        lists.back().resize(50, int(i));
    }
    BOOST_TEST(pool.check().ok());
    // Impossible requests: too large, bad alignment.
    volatile std::size_t odd_alignment = 3; // volatile: compilers warn about a literal one
    BOOST_CHECK_THROW((void)res.allocate(1u << 20), std::bad_alloc);
    BOOST_CHECK_THROW((void)res.allocate(16, odd_alignment), std::bad_alloc);
    BOOST_CHECK_THROW((void)res.allocate(16, 1u << 20), std::bad_alloc);
    BOOST_TEST(failures_seen == 4);
    BOOST_TEST(pool.check().ok());
}

BOOST_AUTO_TEST_CASE(alignments_and_zero_size) {
    pool16k pool;
    tinymem::memory_resource res(pool);
    std::vector<std::pair<void*, std::size_t>> blocks;
    for (std::size_t a = 1; a <= 1024; a *= 2) {
        void* p = res.allocate(24, a);
        BOOST_TEST(reinterpret_cast<std::uintptr_t>(p) % a == 0u, "alignment " << a);
        blocks.emplace_back(p, a);
    }
    void* z1 = res.allocate(0);
    void* z2 = res.allocate(0);
    BOOST_TEST(z1 != z2);
    BOOST_TEST(pool.check().ok());
    for (auto [p, a] : blocks) res.deallocate(p, 24, a);
    res.deallocate(z1, 0);
    res.deallocate(z2, 0);
    BOOST_TEST(pool.stats().live_blocks == 0u);
    BOOST_TEST(pool.check().ok());
}

BOOST_AUTO_TEST_CASE(bad_deallocations_are_refused) {
    pool16k pool;
    tinymem::memory_resource res(pool);
    void* p = res.allocate(64);
    int on_stack = 0;
    BOOST_CHECK_THROW(res.deallocate(&on_stack, sizeof on_stack), tinymem::invalid_deallocation);
    BOOST_CHECK_THROW(res.deallocate(static_cast<char*>(p) + 8, 8), tinymem::invalid_deallocation);
    BOOST_CHECK_THROW(res.deallocate(p, 4096), tinymem::invalid_deallocation); // larger than the block
    // (nullptr is not tested: libstdc++ declares deallocate's pointer nonnull.)
    volatile std::size_t odd_alignment = 3;
    BOOST_CHECK_THROW(res.deallocate(p, 64, odd_alignment), std::invalid_argument); // p stays live
    BOOST_CHECK_THROW(res.deallocate(static_cast<char*>(p) + 4, 4, 1), tinymem::invalid_deallocation);
    // A movable block's data is not the resource's.
    const auto h = pool.allocate(64);
    BOOST_CHECK_THROW(res.deallocate(pool.data(h), 64), tinymem::invalid_deallocation);
    BOOST_TEST(pool.valid(h));
    {   // Nor is a movable block pinned by pin() (a tinymem::vector's block under a pinned_view):
        // refused, it stays live and pinned.
        const auto guard = pool.pin(h);
        BOOST_REQUIRE(guard);
        BOOST_CHECK_THROW(res.deallocate(pool.data(h), 64), tinymem::invalid_deallocation);
        BOOST_TEST(pool.pin_count(h) == 1u);
        BOOST_TEST(res.outstanding_blocks() == 1u);
    }
    BOOST_TEST(pool.valid(h));
    // Another pool's block.
    pool16k other;
    tinymem::memory_resource other_res(other);
    void* q = other_res.allocate(64);
    BOOST_CHECK_THROW(res.deallocate(q, 64), tinymem::invalid_deallocation);
    other_res.deallocate(q, 64);
    // Double free.
    res.deallocate(p, 64);
    BOOST_CHECK_THROW(res.deallocate(p, 64), tinymem::invalid_deallocation);
    BOOST_TEST(pool.check().ok());
    BOOST_TEST(pool.stats().live_blocks == 1u);
    pool.deallocate(h);
    BOOST_TEST(pool.check().ok());
}

BOOST_AUTO_TEST_CASE(is_equal_is_identity) {
    pool16k pool;
    tinymem::memory_resource a(pool), b(pool);
    BOOST_TEST(a.is_equal(a));
    BOOST_TEST(!a.is_equal(b));
    BOOST_TEST(!a.is_equal(*std::pmr::new_delete_resource()));
}

// pmr blocks interleaved with handle churn: the pinned blocks gather at the top, so after the
// churn a request for nearly all the free bytes still succeeds (compaction gathers them).
BOOST_AUTO_TEST_CASE(pinned_blocks_do_not_defeat_compaction) {
    std::mt19937_64 rng(adapter_test::seed("resource/pinned_blocks_do_not_defeat_compaction"));
    tinymem::pool<32768> pool;
    tinymem::memory_resource res(pool);
    std::pmr::vector<std::pmr::vector<char>> pinned(&res);
    pinned.reserve(64);
    std::vector<tinymem::basic_handle<tinymem::config16>> handles;
    for (int round = 0; round < 400; ++round) {
        const std::size_t bytes = 16 + rng() % 200;
        if (rng() % 3 == 0 && pinned.size() < 64) {
            pinned.emplace_back(std::size_t(8 + rng() % 64), char(round));
        } else if (rng() % 2 == 0 || handles.empty()) {
            if (auto h = pool.allocate(bytes)) handles.push_back(h);
        } else {
            const std::size_t k = std::size_t(rng() % handles.size());
            pool.deallocate(handles[k]);
            handles[k] = handles.back();
            handles.pop_back();
        }
        if (round % 50 == 0 && !pinned.empty() && rng() % 2) pinned.erase(pinned.begin());
    }
    // Free every other handle: holes everywhere in the movable part.
    for (std::size_t i = 0; i < handles.size(); i += 2) pool.deallocate(handles[i]);
    const auto st = pool.stats();
    print_stats("after churn", st);
    BOOST_TEST(st.pinned_bytes > 0u);
    BOOST_TEST(st.fragmentation_percent > 0u);
    std::printf("largest free hole %zu of %zu free bytes\n", st.largest_free_bytes, st.free_bytes);
    // Nearly all free bytes in one request: all that lies below the pinned blocks, which is
    // nearly all free bytes because pinned blocks stack at the top.
    BOOST_TEST(st.largest_allocatable * 10 >= st.free_bytes * 9);
    const std::size_t want = st.largest_allocatable;
    BOOST_TEST(st.largest_free_bytes < want, "the request must need compaction");
    const auto big = pool.allocate(want);
    BOOST_TEST(static_cast<bool>(big), "allocate(" << want << ") failed: " << tinymem::to_string(pool.last_error()));
    BOOST_TEST(pool.check().ok());
    for (const auto& v : pinned) BOOST_TEST(v.size() >= 8u);
}

BOOST_AUTO_TEST_SUITE_END()
