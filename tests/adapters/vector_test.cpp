// SPDX-License-Identifier: MIT
// tinymem::vector: contents survive compaction (full and incremental), reallocation (in place
// and moving) and nesting; the std::vector interface against std::vector; exhaustion.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <new>
#include <numeric>
#include <optional>
#include <random>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "test_support.hpp"

#include "adapters_under_test.hpp"

namespace {

// A non-trivially-copyable type that opts in to relocation: it counts live objects, so leaks
// and double destruction show.
struct counted {
    static inline int live = 0;
    int value;
    explicit counted(int v = 0) : value(v) { ++live; }
    counted(const counted& o) : value(o.value) { ++live; }
    counted& operator=(const counted& o) = default;
    ~counted() { --live; }
    friend bool operator==(const counted& a, const counted& b) { return a.value == b.value; }
    friend bool operator<(const counted& a, const counted& b) { return a.value < b.value; }
};

} // namespace

template <>
struct tinymem::is_relocatable<counted> : std::true_type {};

namespace {

using ivec = tinymem::vector<int>;

template <class V>
std::vector<int> contents(const V& v) {
    std::vector<int> out;
    for (std::size_t i = 0; i < v.size(); ++i) out.push_back(v[typename V::size_type(i)]);
    return out;
}

// Many vectors growing interleaved, a third of them destroyed: the pool is full of holes.
struct churned {
    tinymem::pool<16384>& pool;
    std::vector<std::unique_ptr<ivec>> vecs;
    std::vector<std::vector<int>> expect;

    explicit churned(tinymem::pool<16384>& p, int count = 24, int rounds = 40) : pool(p) {
        for (int i = 0; i < count; ++i) {
            vecs.push_back(std::make_unique<ivec>(pool));
            expect.emplace_back();
        }
        for (int r = 0; r < rounds; ++r)
            for (int i = 0; i < count; ++i) {
                const int x = i * 1000 + r;
                vecs[std::size_t(i)]->push_back(x);
                expect[std::size_t(i)].push_back(x);
            }
        for (std::size_t i = 0; i < vecs.size(); i += 3) {
            vecs[i].reset();
            expect[i].clear();
        }
    }
    void verify() const {
        for (std::size_t i = 0; i < vecs.size(); ++i)
            if (vecs[i]) BOOST_TEST(contents(*vecs[i]) == expect[i], "vector " << i);
        BOOST_TEST(pool.check().ok(), (pool.check().problem ? pool.check().problem : ""));
    }
};

} // namespace

BOOST_AUTO_TEST_SUITE(vector)

BOOST_AUTO_TEST_CASE(size_of_vector) {
    std::printf("sizeof(tinymem::vector<int>) = %zu, sizeof(tinymem::vector<int, tinymem::config32>) = %zu, "
                "sizeof(std::vector<int>) = %zu\n",
                sizeof(tinymem::vector<int>), sizeof(tinymem::vector<int, tinymem::config32>), sizeof(std::vector<int>));
    BOOST_TEST(sizeof(tinymem::vector<int>) <= 2 * sizeof(void*));
    static_assert(tinymem::is_relocatable_v<tinymem::vector<int>>);
    static_assert(tinymem::is_relocatable_v<counted>);
    static_assert(!tinymem::is_relocatable_v<std::vector<int>>, "not opted in here");
    static_assert(std::random_access_iterator<ivec::iterator>);
    static_assert(std::random_access_iterator<ivec::const_iterator>);
}

BOOST_AUTO_TEST_CASE(basic_interface) {
    tinymem::pool<8192> pool;
    ivec v(pool);
    BOOST_TEST(v.empty());
    BOOST_TEST(v.capacity() == 0u);
    BOOST_TEST(!v.handle());
    for (int i = 0; i < 100; ++i) v.push_back(i);
    BOOST_TEST(v.size() == 100u);
    BOOST_TEST(v.capacity() >= 100u);
    BOOST_TEST(v.front() == 0);
    BOOST_TEST(v.back() == 99);
    BOOST_TEST(v.at(42) == 42);
    BOOST_CHECK_THROW(v.at(100), std::out_of_range);
    BOOST_TEST(v.emplace_back(7) == 7);
    v.pop_back();
    BOOST_TEST(v.size() == 100u);
    v.resize(150);
    BOOST_TEST(v[149] == 0);
    v.resize(10, 5);
    BOOST_TEST(v.size() == 10u);
    v.resize(12, 5);
    BOOST_TEST(v[11] == 5);
    v.clear();
    BOOST_TEST(v.empty());
    BOOST_TEST(v.capacity() >= 100u);
    v.shrink_to_fit();
    BOOST_TEST(v.capacity() == 0u);
    BOOST_TEST(pool.stats().live_blocks == 0u);
    ivec w(pool, {1, 2, 3, 4});
    auto it = w.insert(w.begin() + 1, 9);
    BOOST_TEST(it.index() == 1u);
    BOOST_TEST(contents(w) == (std::vector<int>{1, 9, 2, 3, 4}));
    w.insert(w.end(), 2, 8);
    w.insert(w.begin(), {6, 6});
    BOOST_TEST(contents(w) == (std::vector<int>{6, 6, 1, 9, 2, 3, 4, 8, 8}));
    it = w.erase(w.begin() + 2, w.begin() + 4);
    BOOST_TEST(*it == 2);
    w.erase(w.begin());
    BOOST_TEST(contents(w) == (std::vector<int>{6, 2, 3, 4, 8, 8}));
    // push_back of one of its own elements while growing.
    w.shrink_to_fit();
    w.push_back(w[0]);
    w.insert(w.begin(), 3, w[5]);
    BOOST_TEST(contents(w) == (std::vector<int>{8, 8, 8, 6, 2, 3, 4, 8, 8, 6}));
    ivec copy = w;
    BOOST_TEST((copy == w));
    ivec moved = std::move(copy);
    BOOST_TEST(copy.empty());
    BOOST_TEST((moved == w));
    BOOST_TEST(pool.check().ok());
}

BOOST_AUTO_TEST_CASE(comparison) {
    tinymem::pool<4096> pool;
    ivec a(pool, {1, 2, 3}), b(pool, {1, 2, 4}), c(pool, {1, 2});
    BOOST_TEST((a == a));
    BOOST_TEST(!(a == b));
    BOOST_TEST((a < b));
    BOOST_TEST((c < a));
    BOOST_TEST(((a <=> b) == std::strong_ordering::less));
    BOOST_TEST(((b <=> a) == std::strong_ordering::greater));
    ivec a2(pool, {1, 2, 3});
    BOOST_TEST(((a <=> a2) == std::strong_ordering::equal));
    // An element type with only < (the synthesized three-way comparison).
    tinymem::vector<counted> x(pool), y(pool);
    x.emplace_back(1);
    y.emplace_back(2);
    BOOST_TEST(((x <=> y) == std::weak_ordering::less));
}

BOOST_AUTO_TEST_CASE(survives_full_defrag) {
    tinymem::pool<16384> pool;
    churned c(pool);
    std::vector<const int*> before;
    for (auto& v : c.vecs) before.push_back(v ? v->data() : nullptr);
    const auto moved0 = pool.stats().bytes_moved;
    pool.defrag();
    BOOST_TEST(pool.stats().bytes_moved > moved0, "defrag moved nothing: the test would prove nothing");
    std::size_t relocated = 0;
    for (std::size_t i = 0; i < c.vecs.size(); ++i)
        if (c.vecs[i] && c.vecs[i]->data() != before[i]) ++relocated;
    BOOST_TEST(relocated > 0u);
    c.verify();
    BOOST_TEST(pool.stats().fragmentation_percent == 0u);
}

BOOST_AUTO_TEST_CASE(survives_incremental_defrag_with_growth) {
    tinymem::pool<16384> pool;
    churned c(pool);
    const auto moved0 = pool.stats().bytes_moved;
    int steps = 0, r = 0;
    while (!pool.defrag_step(64)) {
        ++steps;
        c.verify();
        // Growth between steps.
        for (std::size_t i = 1; i < c.vecs.size(); i += 4)
            if (c.vecs[i]) {
                c.vecs[i]->push_back(-r);
                c.expect[i].push_back(-r);
            }
        ++r;
        BOOST_REQUIRE(steps < 10000);
    }
    std::printf("incremental defrag: %d steps of 64 bytes\n", steps);
    BOOST_TEST(steps > 1);
    BOOST_TEST(pool.stats().bytes_moved > moved0);
    c.verify();
}

BOOST_AUTO_TEST_CASE(iterators_survive_compaction) {
    tinymem::pool<16384> pool;
    churned c(pool);
    ivec& v = *c.vecs[1];
    auto it = v.begin() + 5;
    auto cit = v.cbegin() + 7;
    const int* p0 = v.data();
    pool.defrag();
    BOOST_TEST(v.data() != p0, "v must have moved for this test to mean something");
    BOOST_TEST(*it == c.expect[1][5]);
    BOOST_TEST(*cit == c.expect[1][7]);
    BOOST_TEST((cit - it == 2));
    BOOST_TEST((it < cit));
    // Standard algorithms over index-based iterators.
    std::sort(v.begin(), v.end(), std::greater<>());
    std::sort(c.expect[1].begin(), c.expect[1].end(), std::greater<>());
    BOOST_TEST(std::accumulate(v.cbegin(), v.cend(), 0L) ==
               std::accumulate(c.expect[1].begin(), c.expect[1].end(), 0L));
    BOOST_TEST(std::equal(v.rbegin(), v.rend(), c.expect[1].rbegin(), c.expect[1].rend()));
    c.verify();
}

BOOST_AUTO_TEST_CASE(reallocation_in_place_and_moving) {
    tinymem::pool<8192> pool;
    {
        // Grow the handle table first (it grows into the first block, which would move a).
        ivec t1(pool, {1}), t2(pool, {1}), t3(pool, {1}), t4(pool, {1});
    }
    pool.defrag(); // merge the freed (cached) blocks, so a and b are placed one after the other
    ivec a(pool);
    a.reserve(8);
    for (int i = 0; i < 8; ++i) a.push_back(i);
    const int* p = a.data();
    a.reserve(64); // the space after a is free: grows in place
    BOOST_TEST(a.data() == p);
    ivec b(pool, {42});
    // b sits right after a now; a's growth must move it.
    const auto cap = a.capacity();
    while (a.size() < cap) a.push_back(int(a.size()));
    const int* q = a.data();
    a.push_back(-1);
    BOOST_TEST(a.data() != q);
    for (ivec::size_type i = 0; i < a.size() - 1; ++i) BOOST_TEST(a[i] == int(i));
    BOOST_TEST(a.back() == -1);
    BOOST_TEST(b[0] == 42);
    BOOST_TEST(pool.check().ok());
}

BOOST_AUTO_TEST_CASE(nested_vectors) {
    tinymem::pool<16384> pool;
    using nvec = tinymem::vector<ivec>;
    nvec outer(pool);
    std::vector<std::vector<int>> expect;
    for (int i = 0; i < 12; ++i) {
        outer.emplace_back(pool);
        expect.emplace_back();
    }
    // Grow the inner vectors interleaved, through modify() (the inner object sits on the stack
    // while it grows, so compaction may move the outer block meanwhile).
    for (int r = 0; r < 30; ++r)
        for (nvec::size_type i = 0; i < outer.size(); ++i) {
            outer.modify(i, [&](ivec& inner) { inner.push_back(int(i) * 100 + r); });
            expect[i].push_back(int(i) * 100 + r);
        }
    BOOST_TEST(pool.stats().compactions + pool.stats().bytes_moved > 0u);
    // Outer growth relocates inner vector objects (memmove): they keep working.
    for (int i = 0; i < 20; ++i) {
        ivec inner(pool, {i, i + 1});
        outer.push_back(std::move(inner));
        expect.push_back({i, i + 1});
    }
    auto check = [&] {
        BOOST_REQUIRE(outer.size() == expect.size());
        for (std::size_t i = 0; i < expect.size(); ++i) BOOST_TEST(contents(outer[nvec::size_type(i)]) == expect[i]);
        BOOST_TEST(pool.check().ok());
    };
    check();
    outer.erase(outer.begin() + 3, outer.begin() + 7);
    expect.erase(expect.begin() + 3, expect.begin() + 7);
    const auto moved0 = pool.stats().bytes_moved;
    pool.defrag();
    BOOST_TEST(pool.stats().bytes_moved > moved0);
    check();
    while (!pool.defrag_step(32)) {
    }
    // Deep copy, then compare.
    nvec copy = outer;
    BOOST_TEST((copy == outer));
    BOOST_TEST(copy.modify(0, [](ivec& inner) { inner.push_back(-5); return inner.size(); }) == expect[0].size() + 1);
    {
        auto view = copy.pin(); // reading through a pinned view
        BOOST_TEST(view[0].back() == -5);
    }
    BOOST_TEST(!(copy == outer));
    BOOST_TEST(((outer <=> copy) == std::strong_ordering::less));
    check();
    const auto live = pool.stats().live_blocks;
    BOOST_TEST(live == 2 * (expect.size() + 1)); // every inner, plus the two outers
    copy = nvec(pool);
    outer.clear();
    outer.shrink_to_fit();
    BOOST_TEST(pool.stats().live_blocks == 0u);
    BOOST_TEST(pool.check().ok());
}

BOOST_AUTO_TEST_CASE(opted_in_type_lifetimes) {
    tinymem::pool<8192> pool;
    {
        tinymem::vector<counted> v(pool);
        for (int i = 0; i < 50; ++i) v.emplace_back(i);
        BOOST_TEST(counted::live == 50);
        v.erase(v.begin() + 10, v.begin() + 20);
        BOOST_TEST(counted::live == 40);
        v.insert(v.begin(), counted(-1));
        BOOST_TEST(counted::live == 41);
        v.resize(60);
        BOOST_TEST(counted::live == 60);
        auto w = v;
        BOOST_TEST(counted::live == 120);
        pool.defrag();
        BOOST_TEST((w == v));
        v.resize(5);
        BOOST_TEST(counted::live == 65);
    }
    BOOST_TEST(counted::live == 0);
    BOOST_TEST(pool.stats().live_blocks == 0u);
}

BOOST_AUTO_TEST_CASE(pinned_view_stays_put) {
    tinymem::pool<16384> pool;
    churned c(pool);
    ivec& v = *c.vecs[2];
    {
        auto view = v.pin();
        BOOST_REQUIRE(view);
        int* p = view.data();
        pool.defrag();
        BOOST_TEST(view.data() == p);
        BOOST_TEST(v.data() == p);
        BOOST_TEST(std::equal(view.begin(), view.end(), c.expect[2].begin(), c.expect[2].end()));
        BOOST_TEST(pool.stats().pinned_bytes > 0u);
        const ivec& cv = v;
        auto cview = cv.pin(); // nests
        BOOST_TEST(cview.size() == view.size());
    }
    BOOST_TEST(pool.stats().pinned_bytes == 0u);
    ivec empty(pool);
    auto ev = empty.pin();
    BOOST_TEST(static_cast<bool>(ev));
    BOOST_TEST(ev.empty());
    c.verify();
}

BOOST_AUTO_TEST_CASE(exhaustion_leaves_vector_unchanged) {
    tinymem::pool<4096> pool;
    ivec other(pool);
    other.resize(200);
    ivec v(pool);
    while (v.try_push_back(int(v.size()))) {
    }
    const auto size = v.size();
    const auto cap = v.capacity();
    BOOST_TEST(size > 100u);
    const std::vector<int> before = contents(v);
    BOOST_CHECK_THROW(v.resize(v.size() + 200), std::bad_alloc);
    // Fill the capacity, then one more must throw and change nothing.
    while (v.size() < v.capacity()) v.push_back(1);
    const auto full = contents(v);
    BOOST_CHECK_THROW(v.push_back(5), std::bad_alloc);
    BOOST_CHECK_THROW(v.insert(v.begin(), 5), std::bad_alloc);
    BOOST_CHECK_THROW(v.reserve(v.capacity() + 200), std::bad_alloc);
    BOOST_TEST(!v.try_reserve(v.capacity() + 200));
    BOOST_TEST(!v.try_resize(v.capacity() + 200));
    BOOST_CHECK_THROW(v.reserve(v.max_size() + 1), std::length_error);
    BOOST_TEST(contents(v) == full);
    BOOST_TEST(v.capacity() >= cap);
    BOOST_TEST(std::equal(before.begin(), before.end(), full.begin()));
    BOOST_TEST(pool.check().ok());
    // Freeing the other vector makes room: the same push now works (after compaction).
    other = ivec(pool);
    v.push_back(5);
    BOOST_TEST(v.back() == 5);
    BOOST_TEST(pool.check().ok());
}

BOOST_AUTO_TEST_CASE(randomised_against_std_vector) {
    std::mt19937_64 rng(adapter_test::seed("vector/randomised_against_std_vector"));
    tinymem::pool<32768> pool;
    constexpr int n = 8;
    std::vector<ivec> vs;
    std::vector<std::vector<int>> ref(n);
    for (int i = 0; i < n; ++i) vs.emplace_back(pool);
    // A pinned view per vector, and the handle of the block it pinned (issue 18, item 6: views
    // live across clear, shrink_to_fit and assignments).
    std::vector<std::optional<tinymem::pinned_view<int>>> views(n);
    std::vector<ivec::handle_type> viewed(n);
    auto pick = [&](std::size_t m) { return std::size_t(rng() % (m ? m : 1)); };
    for (int step = 0; step < 20000; ++step) {
        const std::size_t k = pick(n);
        ivec& v = vs[k];
        std::vector<int>& r = ref[k];
        const int x = int(rng() % 100000);
        switch (rng() % 15) {
        case 0: case 1: case 2:
            if (v.try_push_back(x)) r.push_back(x);
            break;
        case 3:
            if (!r.empty()) { v.pop_back(); r.pop_back(); }
            break;
        case 4: {
            const std::size_t at = pick(r.size() + 1);
            if (v.try_insert(v.begin() + std::ptrdiff_t(at), x)) r.insert(r.begin() + std::ptrdiff_t(at), x);
            break;
        }
        case 5:
            if (!r.empty()) {
                const std::size_t a = pick(r.size()), b = a + pick(r.size() - a + 1);
                v.erase(v.begin() + std::ptrdiff_t(a), v.begin() + std::ptrdiff_t(b));
                r.erase(r.begin() + std::ptrdiff_t(a), r.begin() + std::ptrdiff_t(b));
            }
            break;
        case 6: {
            const std::size_t m = pick(300);
            if (v.try_resize(ivec::size_type(m), x)) r.resize(m, x);
            break;
        }
        case 7:
            if (rng() % 8 == 0) { v.clear(); r.clear(); }
            break;
        case 8:
            v.shrink_to_fit();
            break;
        case 9:
            pool.defrag_step(std::size_t(rng() % 256));
            break;
        case 10:
            if (!r.empty()) {
                const std::size_t at = pick(r.size());
                v[ivec::size_type(at)] = x;
                r[at] = x;
            }
            break;
        case 11:
            if (rng() % 64 == 0) pool.defrag();
            break;
        case 12: // a view of v begins or ends
            if (views[k]) {
                views[k].reset();
            } else {
                views[k].emplace(v.pin());
                viewed[k] = v.handle();
            }
            break;
        case 13: { // copy or move assignment from another vector, maybe under views
            const std::size_t from = pick(n);
            if (from == k) break;
            if (rng() % 2) {
                v = std::move(vs[from]);
                r = std::move(ref[from]);
                ref[from].clear();
            } else if (v.try_assign(vs[from])) {
                r = ref[from];
            }
            break;
        }
        case 14: { // empty ranges, also on a vector with no block (issue 18, item 8)
            const auto at = std::ptrdiff_t(pick(r.size() + 1));
            v.insert(v.begin() + at, {});
            v.erase(v.begin() + at, v.begin() + at);
            break;
        }
        }
        BOOST_REQUIRE(v.size() == r.size());
        if (step % 500 == 0) {
            for (int i = 0; i < n; ++i) BOOST_REQUIRE(contents(vs[std::size_t(i)]) == ref[std::size_t(i)]);
            for (int i = 0; i < n; ++i)
                if (views[std::size_t(i)] && !views[std::size_t(i)]->empty())
                    BOOST_REQUIRE(pool.data(viewed[std::size_t(i)]) == views[std::size_t(i)]->data());
            BOOST_REQUIRE(pool.check().ok());
        }
    }
    for (int i = 0; i < n; ++i) BOOST_TEST(contents(vs[std::size_t(i)]) == ref[std::size_t(i)]);
    BOOST_TEST(pool.check().ok());
    // Views end, then the vectors: no block is left (none orphaned).
    views.clear();
    vs.clear();
    BOOST_TEST(pool.stats().live_blocks == 0u);
}

// Issue 18, item 6: a block pinned by a live pinned_view is never dropped (and so never
// orphaned: the pool refuses to free a pinned block). clear() and shrink_to_fit() keep it,
// assignments keep it with the vector (or hand it to the moved-from vector); once the view has
// ended, the vector frees it as usual. Each sequence must bring live_blocks back to its start.
BOOST_AUTO_TEST_CASE(pinned_block_never_orphaned) {
    tinymem::pool<8192> pool;
    const auto base = pool.stats().live_blocks;
    auto live = [&] { return pool.stats().live_blocks; };
    {   // clear + shrink_to_fit while pinned, then the view ends, then the vector.
        ivec v(pool);
        v.push_back(1);
        {
            auto view = v.pin();
            BOOST_REQUIRE(view);
            v.clear();
            v.shrink_to_fit();
            BOOST_TEST(pool.valid(v.handle()), "shrink_to_fit dropped a pinned block");
            BOOST_TEST(v.capacity() >= 1u);
        }
        v.shrink_to_fit(); // the view has ended: now it frees the block
        BOOST_TEST(!v.handle());
        BOOST_TEST(live() == base);
    }
    BOOST_TEST(live() == base, "clear + shrink_to_fit under a view");
    {   // the same, but the vector is destroyed with the (kept, empty) block after the view
        ivec v(pool);
        v.push_back(1);
        {
            auto view = v.pin();
            v.clear();
            v.shrink_to_fit();
        }
    }
    BOOST_TEST(live() == base, "clear + shrink_to_fit under a view, then destruction");
    {   // shrink_to_fit of a non-empty vector under a view keeps the block as it is (the view's
        // span covers the elements it was made with)
        ivec v(pool, {1, 2, 3, 4, 5, 6, 7, 8});
        v.reserve(64);
        const auto cap = v.capacity();
        {
            auto view = v.pin();
            v.resize(2);
            v.shrink_to_fit();
            BOOST_TEST(v.capacity() == cap);
            BOOST_TEST(view.size() == 8u);
        }
        v.shrink_to_fit();
        BOOST_TEST(v.capacity() < cap);
    }
    BOOST_TEST(live() == base, "shrink_to_fit of a non-empty pinned vector");
    {   // move assignment from an empty temporary under a view: the pinned block stays v's
        ivec v(pool, {1, 2, 3});
        {
            auto view = v.pin();
            const int* p = view.data();
            v = ivec(pool);
            BOOST_TEST(v.empty());
            BOOST_TEST(view.data() == p);
            BOOST_TEST(pool.pin_count(v.handle()) == 1u);
        }
    }
    BOOST_TEST(live() == base, "move assignment under a view");
    {   // move assignment of a non-empty vector that fits the pinned block: its elements move in,
        // its own block is freed
        ivec v(pool, {1, 2, 3});
        {
            ivec src(pool, {7, 8});
            auto view = v.pin();
            const int* p = view.data();
            v = std::move(src);
            BOOST_TEST(contents(v) == (std::vector<int>{7, 8}));
            BOOST_TEST(v.data() == p);
            BOOST_TEST(view[0] == 7);
            BOOST_TEST(!src.handle());
            BOOST_TEST(live() == base + 1);
        }
        BOOST_TEST(live() == base + 1);
    }
    BOOST_TEST(live() == base, "move assignment of a non-empty vector under a view");
    // The next two need v's block followed by a live block (so that it cannot grow in place):
    // a fresh pool whose handle table is grown first places blocks one after the other.
    tinymem::pool<8192> fresh;
    BOOST_REQUIRE(fresh.reserve_handles(16));
    {   // move assignment of a vector the pinned block cannot hold (it cannot grow in place):
        // the blocks swap, src keeps v's old block, emptied, and frees it when it goes
        ivec v(fresh, {1, 2});
        ivec after(fresh, {0}); // right after v's block
        ivec src(fresh);
        src.resize(100, 3);
        {
            auto view = v.pin();
            v = std::move(src);
            BOOST_TEST(v.size() == 100u);
            BOOST_TEST(src.empty());
            BOOST_TEST(fresh.pin_count(src.handle()) == 1u);
        }
    }
    BOOST_TEST(fresh.stats().live_blocks == 0u, "move assignment of a larger vector under a view");
    {   // copy assignment under a view: the copy goes into the pinned block (it fits)
        ivec v(pool, {1, 2, 3, 4});
        ivec w(pool, {5, 6});
        {
            auto view = v.pin();
            const int* p = view.data();
            v = w;
            BOOST_TEST(contents(v) == (std::vector<int>{5, 6}));
            BOOST_TEST(v.data() == p);
            BOOST_TEST(view[0] == 5);
            BOOST_TEST(v.try_assign(ivec(pool, {9})));
            BOOST_TEST(contents(v) == (std::vector<int>{9}));
        }
        BOOST_TEST(live() == base + 2);
    }
    BOOST_TEST(live() == base, "copy assignment under a view");
    tinymem::pool<8192> fresh2;
    BOOST_REQUIRE(fresh2.reserve_handles(16));
    {   // copy assignment under a view that needs more than the pinned block and cannot grow
        // it in place: refused, the vector unchanged, nothing leaked
        ivec v(fresh2, {1, 2});
        ivec after(fresh2, {0}); // right after v's block
        ivec w(fresh2);
        w.resize(100, 3);
        const auto blocks = fresh2.stats().live_blocks;
        {
            auto view = v.pin();
            BOOST_TEST(!v.try_assign(w));
            BOOST_CHECK_THROW(v = w, std::bad_alloc);
            BOOST_TEST(contents(v) == (std::vector<int>{1, 2}));
            BOOST_TEST(fresh2.stats().live_blocks == blocks);
        }
        v = w; // the view has ended: the copy moves the block
        BOOST_TEST((v == w));
    }
    BOOST_TEST(fresh2.stats().live_blocks == 0u, "refused copy assignment under a view");
    BOOST_TEST(fresh2.check().ok());
    {   // nested: an inner vector emptied and reassigned under a view of it
        tinymem::vector<ivec> outer(pool);
        outer.emplace_back(pool);
        outer.modify(0, [](ivec& in) { in.push_back(4); });
        {
            auto view = outer[0].pin();
            outer.modify(0, [&](ivec& in) {
                in.clear();
                in.shrink_to_fit();
                in = ivec(pool);
            });
        }
    }
    BOOST_TEST(live() == base, "nested vector under a view");
    BOOST_TEST(pool.check().ok());
}

// Issue 18, item 7: the try_ members of a vector of vectors never throw: an inner copy that
// cannot get its block makes them return false, with the outer vector unchanged (strong
// guarantee) and no block leaked.
BOOST_AUTO_TEST_CASE(nested_try_members_never_throw) {
    using nvec = tinymem::vector<ivec>;
    tinymem::pool<4096> pool;
    nvec src(pool);
    src.emplace_back(pool);
    src.modify(0, [](ivec& in) { in.resize(200, 7); }); // 800 bytes to copy
    nvec dst(pool);
    dst.reserve(8); // room for outer elements: the failure must come from an inner copy
    dst.emplace_back(pool);
    dst.modify(0, [](ivec& in) { in.push_back(1); });
    // Exhaust the pool, then give back less than an inner copy needs, and one handle (the
    // table may have no room to grow).
    const auto spare = pool.allocate(64);
    BOOST_REQUIRE(spare);
    ivec filler(pool);
    while (filler.try_push_back(0)) {
    }
    filler.resize(filler.size() - 80);
    filler.shrink_to_fit();
    BOOST_REQUIRE(pool.deallocate(spare));
    {   // the outer copy's block (and its handle) fit: a failure must come from an inner copy
        const auto h = pool.allocate(64);
        BOOST_REQUIRE(h);
        BOOST_REQUIRE(pool.deallocate(h));
    }
    BOOST_REQUIRE(pool.stats().largest_allocatable < 800u);
    const auto live = pool.stats().live_blocks;
    const auto dst_handle = dst.handle();
    auto unchanged = [&](const char* what) {
        BOOST_TEST(dst.size() == 1u, what);
        BOOST_TEST(contents(dst[0]) == (std::vector<int>{1}), what);
        BOOST_TEST(bool(dst.handle() == dst_handle), what);
        BOOST_TEST(pool.stats().live_blocks == live, what);
        BOOST_TEST(pool.check().ok(), what);
    };
    bool r = true;
    BOOST_CHECK_NO_THROW(r = dst.try_assign(src));
    BOOST_TEST(!r);
    unchanged("try_assign");
    r = true;
    BOOST_CHECK_NO_THROW(r = dst.try_push_back(src[0]));
    BOOST_TEST(!r);
    unchanged("try_push_back");
    r = true;
    BOOST_CHECK_NO_THROW(r = dst.try_emplace_back(src[0]));
    BOOST_TEST(!r);
    unchanged("try_emplace_back");
    r = true;
    BOOST_CHECK_NO_THROW(r = dst.try_insert(dst.begin(), src[0]));
    BOOST_TEST(!r);
    unchanged("try_insert");
    r = true;
    BOOST_CHECK_NO_THROW(r = dst.try_emplace_at(0, src[0]));
    BOOST_TEST(!r);
    unchanged("try_emplace_at");
    r = true;
    BOOST_CHECK_NO_THROW(r = dst.try_resize(3, src[0]));
    BOOST_TEST(!r);
    unchanged("try_resize");
    r = true;
    BOOST_CHECK_NO_THROW(r = dst.try_emplace_back(pool, ivec::size_type(300)));
    BOOST_TEST(!r);
    unchanged("try_emplace_back(pool, n)");
    r = true;
    BOOST_CHECK_NO_THROW(r = dst.try_emplace_back(pool, ivec::size_type(300), 5));
    BOOST_TEST(!r);
    unchanged("try_emplace_back(pool, n, value)");
    // The throwing members throw std::bad_alloc and leak nothing either.
    BOOST_CHECK_THROW(dst.push_back(src[0]), std::bad_alloc);
    BOOST_CHECK_THROW(dst = src, std::bad_alloc);
    BOOST_CHECK_THROW(nvec copy(src), std::bad_alloc);
    unchanged("push_back, copy assignment, copy construction");
    // With room again, the same calls succeed.
    filler = ivec(pool);
    BOOST_TEST(dst.try_push_back(src[0]));
    BOOST_TEST(dst.try_emplace_back(pool, ivec::size_type(3), 5));
    BOOST_TEST(contents(dst[2]) == (std::vector<int>{5, 5, 5}));
    BOOST_TEST(dst.try_assign(src));
    BOOST_TEST((dst == src));
    BOOST_TEST(pool.check().ok());
}

// Issue 18, item 8: empty ranges on a vector with no block pass no null pointer to memmove or
// memcpy (UBSan catches it in the sanitizer build).
BOOST_AUTO_TEST_CASE(empty_ranges_without_block) {
    tinymem::pool<4096> pool;
    ivec v(pool);
    auto it = v.insert(v.begin(), {});
    BOOST_TEST(it.index() == 0u);
    BOOST_TEST(v.empty());
    BOOST_TEST(!v.handle());
    v.insert(v.end(), 0, 5);
    v.insert(v.begin(), std::initializer_list<int>{});
    v.erase(v.begin(), v.end());
    v.erase(v.begin(), v.begin());
    v.resize(0);
    BOOST_TEST(v.try_resize(0, 1));
    BOOST_TEST(v.try_reserve(0));
    v.clear();
    v.shrink_to_fit();
    const ivec w(pool);
    BOOST_TEST(v.try_assign(w));
    v = w;
    BOOST_TEST((v == w));
    BOOST_TEST(((v <=> w) == std::strong_ordering::equal));
    std::sort(v.begin(), v.end());
    BOOST_TEST(v.pin().empty());
    ivec x(pool, {1, 2});
    x.insert(x.begin() + 1, {}); // a block, an empty range
    BOOST_TEST(contents(x) == (std::vector<int>{1, 2}));
    BOOST_TEST(!v.handle());
    BOOST_TEST(pool.stats().live_blocks == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
