// SPDX-License-Identifier: MIT
// tinymem::box: ownership (make_box, reset, release, move), the object across compaction,
// pinning, exhaustion (empty box, nothing leaked, the object built for it destroyed), objects
// that allocate from the pool themselves (modify, pin), nesting in tinymem::vector.
#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

#include "test_support.hpp"

#include "adapters_under_test.hpp"

namespace {

// Counts live objects (leaks and double destruction show); relocatable by opt-in.
struct tracked {
    static inline int live = 0;
    int a, b;
    tracked(int x, int y) : a(x), b(y) { ++live; }
    tracked(const tracked& o) : a(o.a), b(o.b) { ++live; }
    ~tracked() { --live; }
};

struct alignas(32) wide {
    double v[4];
};

} // namespace

template <>
struct tinymem::is_relocatable<tracked> : std::true_type {};

BOOST_AUTO_TEST_SUITE(box)

BOOST_AUTO_TEST_CASE(ownership) {
    static_assert(tinymem::is_relocatable_v<tinymem::box<int>>);
    static_assert(!std::is_copy_constructible_v<tinymem::box<int>>);
    static_assert(std::is_nothrow_move_constructible_v<tinymem::box<int>>);
    std::printf("sizeof(tinymem::box<int>) = %zu\n", sizeof(tinymem::box<int>));
    BOOST_TEST(sizeof(tinymem::box<int>) <= 2 * sizeof(void*));
    tinymem::pool<4096> pool;
    {
        auto b = tinymem::make_box<tracked>(pool, 1, 2);
        BOOST_TEST(static_cast<bool>(b));
        BOOST_TEST(tracked::live == 1);
        BOOST_TEST(b->a == 1);
        BOOST_TEST((*b).b == 2);
        BOOST_TEST(b.get() == pool.data(b.handle()));
        BOOST_TEST(pool.stats().live_blocks == 1u);
        tinymem::box<tracked> c = std::move(b);
        BOOST_TEST(!b);
        BOOST_TEST((b == nullptr));
        BOOST_TEST(b.get() == nullptr);
        BOOST_TEST(c->a == 1);
        BOOST_TEST(tracked::live == 1);
        c = tinymem::make_box<tracked>(pool, 3, 4); // the old object is destroyed
        BOOST_TEST(tracked::live == 1);
        BOOST_TEST(c->a == 3);
        BOOST_TEST(pool.stats().live_blocks == 1u);
        const auto h = c.release();
        BOOST_TEST(!c);
        BOOST_TEST(tracked::live == 1, "release does not destroy");
        tinymem::box<tracked> adopted(pool, h);
        BOOST_TEST(adopted->b == 4);
        BOOST_TEST(adopted.try_emplace(pool, 5, 6));
        BOOST_TEST(adopted->a == 5);
        BOOST_TEST(tracked::live == 1);
        adopted.reset();
        BOOST_TEST(tracked::live == 0);
        BOOST_TEST(pool.stats().live_blocks == 0u);
        adopted.reset(); // twice: nothing
        auto w = tinymem::make_box<wide>(pool, wide{{1, 2, 3, 4}});
        BOOST_TEST(reinterpret_cast<std::uintptr_t>(w.get()) % 32 == 0u, "T's alignment is kept");
        pool.defrag();
        BOOST_TEST(reinterpret_cast<std::uintptr_t>(w.get()) % 32 == 0u);
        BOOST_TEST(w->v[3] == 4.0);
        tinymem::box<int> x = tinymem::make_box<int>(pool, 7), y = tinymem::make_box<int>(pool, 8);
        swap(x, y);
        BOOST_TEST(*x == 8);
        BOOST_TEST(*y == 7);
        BOOST_TEST(!(x == y));
    }
    BOOST_TEST(tracked::live == 0);
    BOOST_TEST(pool.stats().live_blocks == 0u);
    BOOST_TEST(pool.check().ok());
}

BOOST_AUTO_TEST_CASE(object_survives_compaction_and_pin_holds_it) {
    tinymem::pool<8192> pool;
    std::vector<tinymem::box<tracked>> boxes;
    for (int i = 0; i < 40; ++i) boxes.push_back(tinymem::make_box<tracked>(pool, i, -i));
    for (std::size_t i = 0; i < boxes.size(); i += 2) boxes[i].reset();
    std::vector<const tracked*> before;
    for (auto& b : boxes) before.push_back(b.get());
    {
        auto pinned = boxes[1].pin();
        BOOST_REQUIRE(pinned);
        const tracked* p = pinned.get();
        const auto moved0 = pool.stats().bytes_moved;
        pool.defrag();
        BOOST_TEST(pool.stats().bytes_moved > moved0);
        BOOST_TEST(pinned.get() == p, "a pinned box does not move");
        BOOST_TEST(boxes[1].get() == p);
        BOOST_TEST(pinned->a == 1);
    }
    std::size_t relocated = 0;
    for (std::size_t i = 1; i < boxes.size(); i += 2) {
        if (boxes[i].get() != before[i]) ++relocated;
        BOOST_TEST(boxes[i]->a == int(i));
        BOOST_TEST(boxes[i]->b == -int(i));
    }
    BOOST_TEST(relocated > 0u);
    BOOST_TEST(tracked::live == 20);
    tinymem::box<int> empty(pool);
    BOOST_TEST(!empty.pin());
    BOOST_TEST(!tinymem::box<int>().pin());
    boxes.clear();
    BOOST_TEST(tracked::live == 0);
    BOOST_TEST(pool.check().ok());
}

BOOST_AUTO_TEST_CASE(exhaustion_gives_an_empty_box) {
    tinymem::pool<4096> pool;
    tinymem::vector<int> filler(pool);
    while (filler.try_push_back(1)) {
    }
    while (pool.allocate(4)) { // the last granules
    }
    const auto live = pool.stats().live_blocks;
    auto b = tinymem::try_make_box<tracked>(pool, 1, 2);
    BOOST_TEST(!b);
    BOOST_TEST(tracked::live == 0, "the object built for the box is destroyed");
    BOOST_TEST(pool.stats().live_blocks == live);
    BOOST_CHECK_THROW((void)tinymem::make_box<tracked>(pool, 1, 2), std::bad_alloc);
    BOOST_TEST(tracked::live == 0);
    // try_emplace on a full box: unchanged on failure.
    tinymem::box<int> full(pool);
    BOOST_TEST(!full.try_emplace(pool, 5));
    BOOST_TEST(!full);
    BOOST_TEST(filler.try_resize(filler.size() - 32));
    filler.shrink_to_fit(); // room for one box
    auto c = tinymem::try_make_box<tracked>(pool, 3, 4);
    BOOST_TEST(static_cast<bool>(c));
    while (pool.allocate(4)) {
    }
    BOOST_TEST(!c.try_emplace(pool, 9, 9), "no room for a second object");
    BOOST_TEST(tracked::live == 1, "the object built for the failed emplace is destroyed");
    BOOST_TEST(c->a == 3, "the old object stays");
    BOOST_TEST(tracked::live == 1);
    BOOST_TEST(pool.check().ok());
}

// A box holding an object that allocates from the pool itself: change it through modify() or
// while pinned; its growth compacts the pool (in stress mode: moves every other block).
BOOST_AUTO_TEST_CASE(objects_that_allocate_from_the_pool) {
    tinymem::pool<16384> pool;
    using ivec = tinymem::vector<int>;
    auto bv = tinymem::make_box<ivec>(pool, pool);
    auto bs = tinymem::make_box<tinymem::string>(pool, pool, "start");
    std::vector<int> expect;
    std::string sexpect = "start";
    for (int i = 0; i < 300; ++i) {
        bv.modify([&](ivec& v) { v.push_back(i); });
        expect.push_back(i);
        if (i % 3 == 0) {
            auto pinned = bs.pin(); // the string object stays put, its block may move
            pinned->append("ab");
            sexpect += "ab";
        }
        if (i % 50 == 0) pool.defrag();
    }
    BOOST_REQUIRE(bv->size() == expect.size());
    for (std::size_t i = 0; i < expect.size(); ++i) BOOST_TEST((*bv)[ivec::size_type(i)] == expect[i]);
    BOOST_TEST(std::string_view(*bs) == sexpect);
    BOOST_TEST(bv.modify([](ivec& v) { return v.size(); }) == expect.size());
    // A box whose object's constructor allocates (a copy of a vector): built on the stack first.
    ivec src(pool, {10, 20, 30});
    auto copy = tinymem::make_box<ivec>(pool, src);
    BOOST_TEST((*copy == src));
    // Boxes in a vector relocate with it.
    tinymem::vector<tinymem::box<int>> vb(pool);
    for (int i = 0; i < 50; ++i) vb.push_back(tinymem::make_box<int>(pool, i * i));
    vb.erase(vb.begin(), vb.begin() + 10);
    pool.defrag();
    for (int i = 10; i < 50; ++i) BOOST_TEST(*vb[tinymem::vector<int>::size_type(i - 10)] == i * i);
    bv.reset();
    bs.reset();
    copy.reset();
    src = ivec(pool);
    vb = tinymem::vector<tinymem::box<int>>(pool);
    BOOST_TEST(pool.stats().live_blocks == 0u);
    BOOST_TEST(pool.check().ok());
}

BOOST_AUTO_TEST_SUITE_END()
