// SPDX-License-Identifier: MIT
// tinymem::unordered_map / unordered_set: every member against the std containers, contents
// across compaction (full, incremental, and in stress mode every allocation), exhaustion (the
// table unchanged), nesting, heterogeneous lookup of string keys, long churn at a fixed size
// (probe lengths must not degrade), and a randomised differential test against
// std::unordered_map / std::unordered_set.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <map>
#include <memory>
#include <new>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "test_support.hpp"

#include "adapters_under_test.hpp"

namespace {

// A relocatable, non-trivially-copyable value that counts live objects: leaks and double
// destruction show.
struct counted {
    static inline int live = 0;
    int value;
    explicit counted(int v = 0) : value(v) { ++live; }
    counted(const counted& o) : value(o.value) { ++live; }
    counted(counted&& o) noexcept : value(o.value) { ++live; }
    counted& operator=(const counted& o) = default;
    ~counted() { --live; }
    friend bool operator==(const counted& a, const counted& b) { return a.value == b.value; }
};

// Every key to one home: the worst a user's hash can do.
struct constant_hash {
    std::size_t operator()(int) const noexcept { return 42; }
};

} // namespace

template <>
struct tinymem::is_relocatable<counted> : std::true_type {};

namespace {

using imap = tinymem::unordered_map<int, int>;
using iset = tinymem::unordered_set<int>;
using tstring = tinymem::string;
using smap = tinymem::unordered_map<tstring, int>;
using ivec = tinymem::vector<int>;

template <class M, class A>
concept finds_by = requires(M& m, const A& a) {
    m.find(a);
    m.contains(a);
    m.count(a);
    m.erase(a);
};

std::string text(std::size_t n, char c = 'k') { return std::string(n, c); }
// A key long enough that a tinymem::string of it needs a block.
std::string long_key(int i) { return "a key long enough for a block #" + std::to_string(i); }

template <class Map>
std::map<int, int> as_std(const Map& m) {
    std::map<int, int> out;
    for (const auto& kv : m) {
        const bool fresh = out.emplace(kv.first, kv.second).second;
        BOOST_REQUIRE_MESSAGE(fresh, "key " << kv.first << " iterated twice");
    }
    return out;
}
template <class Set>
std::set<int> as_std_set(const Set& s) {
    std::set<int> out;
    for (int k : s) {
        const bool fresh = out.insert(k).second;
        BOOST_REQUIRE_MESSAGE(fresh, "key " << k << " iterated twice");
    }
    return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(unordered_map)

BOOST_AUTO_TEST_CASE(size_and_traits) {
    std::printf("sizeof(tinymem::unordered_map<int, int>) = %zu, with config32 %zu, sizeof(std::unordered_map<int, int>) "
                "= %zu\n",
                sizeof(imap), sizeof(tinymem::unordered_map<int, int, tinymem::hash<int>, tinymem::key_equal<int>, tinymem::config32>),
                sizeof(std::unordered_map<int, int>));
    BOOST_TEST(sizeof(imap) <= 3 * sizeof(void*));
    static_assert(tinymem::is_relocatable_v<imap>);
    static_assert(tinymem::is_relocatable_v<iset>);
    static_assert(tinymem::is_relocatable_v<tinymem::unordered_map<tstring, ivec>>);
    static_assert(std::forward_iterator<imap::iterator>);
    static_assert(std::forward_iterator<imap::const_iterator>);
    static_assert(std::forward_iterator<iset::iterator>);
    static_assert(std::is_same_v<imap::value_type, std::pair<const int, int>>);
    static_assert(std::is_same_v<iset::value_type, int>);
    static_assert(std::is_const_v<std::remove_reference_t<iset::iterator::reference>>, "set keys are const");
    static_assert(std::is_convertible_v<imap::iterator, imap::const_iterator>);
    // Heterogeneous lookup is there for string keys, not for others.
    static_assert(finds_by<smap, std::string_view> && finds_by<smap, const char*> && finds_by<smap, std::string>);
    static_assert(!finds_by<imap, std::string_view>);
}

BOOST_AUTO_TEST_CASE(string_hash_agrees) {
    tinymem::pool<4096> pool;
    for (const std::string& s : {std::string("short"), std::string(""), long_key(7)}) {
        const tstring t(pool, s);
        const std::size_t want = std::hash<std::string_view>{}(s);
        BOOST_TEST(tinymem::hash<tstring>{}(t) == want);
        BOOST_TEST(tinymem::hash<tstring>{}(std::string_view(s)) == want);
        BOOST_TEST(tinymem::hash<tstring>{}(s) == want);
        BOOST_TEST(tinymem::hash<tstring>{}(s.c_str()) == want);
        BOOST_TEST(std::hash<tstring>{}(t) == want);
        BOOST_TEST(tinymem::string_hash{}(t) == want);
        BOOST_TEST(tinymem::key_equal<tstring>{}(t, std::string_view(s)));
    }
}

BOOST_AUTO_TEST_CASE(map_interface) {
    tinymem::pool<131072> pool;
    imap m(pool);
    const auto end0 = m.end(); // end() is the same whatever the table's size
    BOOST_TEST(m.empty());
    BOOST_TEST(m.bucket_count() == 0u);
    BOOST_TEST(m.load_factor() == 0.0f);
    BOOST_TEST((m.begin() == m.end()));
    BOOST_TEST(!m.contains(1));
    BOOST_TEST((m.find(1) == m.end()));
    BOOST_TEST(m.erase(1) == 0u);
    BOOST_TEST(pool.stats().live_blocks == 0u, "an empty table allocates nothing");

    auto [it, ins] = m.insert({1, 10});
    BOOST_TEST(ins);
    BOOST_TEST(it->first == 1);
    BOOST_TEST(it->second == 10);
    BOOST_TEST(!m.insert({1, 11}).second);
    BOOST_TEST(m.at(1) == 10, "insert of a present key changes nothing");
    BOOST_TEST(m.emplace(2, 20).second);
    BOOST_TEST(!m.emplace(2, 21).second);
    BOOST_TEST(m.emplace(std::make_pair(3, 30)).second);
    auto te = m.try_emplace(4, 40);
    BOOST_TEST(te.second);
    BOOST_TEST(te.first->second == 40);
    BOOST_TEST(!m.try_emplace(4, 41).second);
    BOOST_TEST(m[4] == 40);
    BOOST_TEST(m[5] == 0, "operator[] value-initialises");
    m[5] = 50;
    auto ia = m.insert_or_assign(5, 55);
    BOOST_TEST(!ia.second);
    BOOST_TEST(ia.first->second == 55);
    BOOST_TEST(m.insert_or_assign(6, 60).second);
    BOOST_TEST(m.try_insert(std::pair<const int, int>(7, 70)).second);
    BOOST_TEST(m.try_insert_or_assign(7, 77).first->second == 77);
    BOOST_TEST(m.size() == 7u);
    BOOST_TEST(m.count(7) == 1u);
    BOOST_TEST(m.count(8) == 0u);
    BOOST_TEST(m.contains(6));
    BOOST_CHECK_THROW(m.at(99), std::out_of_range);
    const imap& cm = m;
    BOOST_TEST(cm.at(2) == 20);
    BOOST_CHECK_THROW(cm.at(99), std::out_of_range);
    BOOST_TEST((cm.find(3)->second == 30));
    auto range = m.equal_range(3);
    BOOST_TEST(std::distance(range.first, range.second) == 1);
    BOOST_TEST((m.equal_range(98).first == m.end()));

    // Iteration sees each entry once.
    std::map<int, int> expect{{1, 10}, {2, 20}, {3, 30}, {4, 40}, {5, 55}, {6, 60}, {7, 77}};
    BOOST_TEST((as_std(m) == expect));
    for (auto& kv : m) kv.second += 1;
    for (auto& kv : expect) kv.second += 1;
    BOOST_TEST((as_std(m) == expect));

    // erase by key, by iterator, by range.
    BOOST_TEST(m.erase(3) == 1u);
    BOOST_TEST(m.erase(3) == 0u);
    expect.erase(3);
    auto e = m.find(4);
    auto next = m.erase(e);
    expect.erase(4);
    BOOST_TEST((as_std(m) == expect));
    (void)next;
    m.insert({100, 1});
    m.erase(m.begin(), m.end());
    BOOST_TEST(m.empty());
    BOOST_TEST(m.bucket_count() > 0u, "erase keeps the block");

    // Capacity: reserve, max_load_factor, rehash.
    m.max_load_factor(0.25f);
    BOOST_TEST(m.max_load_factor() == 0.25f);
    m.reserve(1000);
    const auto buckets = m.bucket_count();
    BOOST_TEST(m.capacity() >= 1000u);
    for (int i = 0; i < 1000; ++i) m[i] = i;
    BOOST_TEST(m.bucket_count() == buckets, "reserve(n) then n inserts: no rehash");
    BOOST_TEST(m.load_factor() <= m.max_load_factor());
    m.max_load_factor(5.0f);
    BOOST_TEST(m.max_load_factor() <= 0.95f);
    m.max_load_factor(0.875f);
    m.rehash(0); // the fewest slots that hold 1000 entries
    BOOST_TEST(m.bucket_count() < buckets);
    BOOST_TEST(m.size() == 1000u);
    for (int i = 0; i < 1000; ++i) BOOST_REQUIRE(m.at(i) == i);
    m.rehash(5000);
    BOOST_TEST(m.bucket_count() >= 5000u);
    BOOST_TEST((m.end() == end0));
    for (int i = 0; i < 1000; ++i) BOOST_REQUIRE(m.at(i) == i);
    // Lowering the maximum load factor: the next insert grows far enough to respect it.
    m.max_load_factor(0.95f);
    m.rehash(0);
    m.max_load_factor(0.125f);
    m[-1] = -1;
    BOOST_TEST(m.size() <= m.capacity());
    BOOST_TEST(m.load_factor() <= m.max_load_factor());
    m.erase(-1);
    m.max_load_factor(0.875f);
    m.clear();
    BOOST_TEST(m.empty());
    BOOST_TEST(pool.stats().live_blocks == 1u);
    m.rehash(0); // empty: frees the block
    BOOST_TEST(pool.stats().live_blocks == 0u);
    BOOST_TEST(m.bucket_count() == 0u);
    BOOST_TEST(m.max_size() > 1000u);
    BOOST_CHECK_THROW(m.reserve(m.max_size() + 1), std::length_error);
    BOOST_TEST(pool.check().ok());
}

BOOST_AUTO_TEST_CASE(copy_move_swap_equality) {
    tinymem::pool<65536> pool;
    imap a(pool, {{1, 1}, {2, 2}, {3, 3}});
    imap b(pool);
    for (int i = 3; i >= 1; --i) b.emplace(i, i); // another insertion order
    BOOST_TEST((a == b));
    b[2] = 5;
    BOOST_TEST(!(a == b));
    b.erase(2);
    BOOST_TEST(!(a == b));
    imap c(a);
    BOOST_TEST((c == a));
    c[4] = 4;
    BOOST_TEST(a.size() == 3u, "the copy is separate");
    imap d(std::move(c));
    BOOST_TEST(c.empty());
    BOOST_TEST(d.size() == 4u);
    c = d;
    BOOST_TEST((c == d));
    a.swap(d);
    BOOST_TEST(a.size() == 4u);
    BOOST_TEST(d.size() == 3u);
    swap(a, d);
    BOOST_TEST(a.size() == 3u);
    d = std::move(a);
    BOOST_TEST(d.size() == 3u);
    BOOST_TEST(a.empty());
    BOOST_TEST(d.try_assign(c));
    BOOST_TEST((d == c));
    BOOST_TEST(d.try_assign(d));

    // A set: insert, emplace, erase, equality.
    iset s(pool, {5, 6, 7});
    BOOST_TEST(!s.insert(5).second);
    BOOST_TEST(s.insert(8).second);
    BOOST_TEST(s.emplace(9).second);
    BOOST_TEST(!s.try_emplace(9).second);
    BOOST_TEST(s.try_insert(10).second);
    BOOST_TEST(s.contains(10));
    BOOST_TEST(s.erase(5) == 1u);
    BOOST_TEST((as_std_set(s) == std::set<int>{6, 7, 8, 9, 10}));
    iset t(pool, {10, 9, 8, 7, 6});
    BOOST_TEST((s == t));
    const int vals[] = {1, 2, 3, 1};
    t.insert(std::begin(vals), std::end(vals));
    BOOST_TEST(t.size() == 8u);

    // Non-trivial values: every object destroyed exactly once.
    {
        tinymem::unordered_map<int, counted> cm(pool);
        for (int i = 0; i < 300; ++i) cm.try_emplace(i, i);
        BOOST_TEST(counted::live == 300);
        auto cc = cm;
        BOOST_TEST(counted::live == 600);
        BOOST_TEST((cc == cm));
        for (int i = 0; i < 300; i += 2) cc.erase(i);
        BOOST_TEST(counted::live == 450);
        cc.insert_or_assign(1, counted(-1));
        BOOST_TEST(cc.at(1).value == -1);
        cm = std::move(cc);
        BOOST_TEST(counted::live == 150);
    }
    BOOST_TEST(counted::live == 0);
    BOOST_TEST(pool.check().ok());
}

// erase(it) returns where to go on: every entry is visited exactly once, also when erasing shifts
// later entries back into the erased slot.
BOOST_AUTO_TEST_CASE(erase_while_iterating) {
    tinymem::pool<65536> pool;
    for (int round = 0; round < 20; ++round) {
        iset s(pool);
        std::mt19937 rng{unsigned(round)};
        std::set<int> keys;
        while (keys.size() < 600) keys.insert(int(rng() % 100000));
        for (int k : keys) s.insert(k);
        std::multiset<int> visited;
        for (auto it = s.begin(); it != s.end();) {
            visited.insert(*it);
            if (*it % 3 != 0)
                it = s.erase(it);
            else
                ++it;
        }
        BOOST_REQUIRE((std::set<int>(visited.begin(), visited.end()) == keys));
        BOOST_REQUIRE(visited.size() == keys.size());
        for (int k : keys) BOOST_REQUIRE(s.contains(k) == (k % 3 == 0));
    }
}

BOOST_AUTO_TEST_CASE(heterogeneous_lookup) {
    tinymem::pool<16384> pool;
    smap m(pool);
    m["short"] = 1;                          // const char* key: built only to insert
    m[std::string_view(long_key(1))] = 2;    // a long key (a block)
    m.try_emplace(std::string(long_key(2)), 3);
    m.emplace(tstring(pool, "owned"), 4);
    BOOST_TEST(m.size() == 4u);
    BOOST_TEST(m.at("short") == 1);
    BOOST_TEST(m.find(std::string_view(long_key(1)))->second == 2);
    BOOST_TEST(m.contains(long_key(2)));
    BOOST_TEST(m.count("owned") == 1u);
    BOOST_TEST(m.count(tstring(pool, "owned")) == 1u);
    BOOST_TEST(!m.contains("absent"));
    BOOST_CHECK_THROW(m.at(std::string_view("absent")), std::out_of_range);
    BOOST_TEST(!m.try_emplace("short", 9).second);
    m.insert_or_assign("short", 10);
    BOOST_TEST(m.at("short") == 10);

    // Lookups build no string: with the pool full (no block for a long key), a long key is still
    // found, and nothing is allocated.
    std::vector<tinymem::pool<16384>::handle> fill;
    while (auto h = pool.allocate(16)) fill.push_back(h);
    const auto live = pool.stats().live_blocks;
    BOOST_TEST(m.contains(std::string_view(long_key(1))));
    BOOST_TEST((m.find(long_key(2).c_str()) != m.end()));
    BOOST_TEST(m.erase(std::string_view(long_key(2))) == 1u);
    BOOST_TEST(pool.stats().live_blocks == live - 1, "erasing frees the key's block, allocates nothing");
    // Inserting a new key longer than the freed block needs a block: no room, nothing changes.
    const std::string longer = long_key(3) + text(200);
    BOOST_TEST((m.try_emplace(std::string_view(longer), 5).first == m.end()));
    BOOST_TEST(m.size() == 3u);
    for (auto h : fill) pool.deallocate(h);
    BOOST_TEST(m.try_emplace(std::string_view(longer), 5).second);
    BOOST_TEST(m.at(longer) == 5);
    BOOST_TEST(pool.check().ok());
}

BOOST_AUTO_TEST_CASE(survives_compaction) {
    tinymem::pool<65536> pool;
    std::vector<std::unique_ptr<imap>> maps;
    std::vector<std::unordered_map<int, int>> expect(12);
    std::vector<std::unique_ptr<ivec>> others;
    for (int i = 0; i < 12; ++i) maps.push_back(std::make_unique<imap>(pool));
    for (int r = 0; r < 120; ++r)
        for (std::size_t i = 0; i < maps.size(); ++i) {
            (*maps[i])[r * 7 + int(i)] = r;
            expect[i][r * 7 + int(i)] = r;
            if (r % 10 == 0) {
                others.push_back(std::make_unique<ivec>(pool));
                others.back()->resize(ivec::size_type(r % 37 + 1));
            }
        }
    for (std::size_t i = 0; i < maps.size(); i += 3) maps[i].reset();
    for (std::size_t i = 0; i < others.size(); i += 2) others[i].reset();
    // Iterators resolve through the handle: they survive compaction.
    auto it = maps[1]->find(7 * 50 + 1);
    const auto moved = pool.stats().bytes_moved;
    pool.defrag();
    BOOST_TEST(pool.stats().bytes_moved > moved, "defrag moved nothing: the test would prove nothing");
    BOOST_TEST(it->second == 50);
    auto check_all = [&] {
        for (std::size_t i = 0; i < maps.size(); ++i) {
            if (!maps[i]) continue;
            BOOST_REQUIRE(maps[i]->size() == expect[i].size());
            for (auto& kv : expect[i]) BOOST_REQUIRE(maps[i]->at(kv.first) == kv.second);
        }
    };
    check_all();
    // Growth between incremental steps.
    int steps = 0;
    for (std::size_t i = 0; i < others.size(); i += 2) others[i] = nullptr;
    for (std::size_t i = 1; i < others.size(); i += 4) others[i].reset();
    // (In stress mode every step scatters the blocks again and never finishes: at most 300.)
    while (!pool.defrag_step(64) && steps < 300) {
        for (std::size_t i = 1; i < maps.size(); i += 3) {
            (*maps[i])[100000 + steps] = steps;
            expect[i][100000 + steps] = steps;
        }
        ++steps;
    }
    BOOST_TEST(steps > 1);
    check_all();
    BOOST_TEST(pool.check().ok());
}

// A failed insert, rehash or copy leaves the table as it was (the strong guarantee), with no
// block left behind.
BOOST_AUTO_TEST_CASE(exhaustion_leaves_table_unchanged) {
    tinymem::pool<32768> pool;
    ivec ballast(pool, 2000u); // 8 KB: the table's next size fits the pool, not next to it
    imap m(pool);
    int n = 0;
    while (m.try_emplace(n, n * 3).first != m.end()) ++n;
    BOOST_TEST(n > 100);
    const auto before = as_std(m);
    const auto buckets = m.bucket_count();
    // The table is at its growth point (size() == capacity()): the rest of the pool is filled
    // too, so that neither a larger table nor a copy fits.
    BOOST_TEST(m.size() == m.capacity());
    std::vector<tinymem::pool<32768>::handle> others;
    while (auto h = pool.allocate(16)) others.push_back(h);
    const auto full = as_std(m);
    BOOST_TEST(full.size() == before.size());
    const auto live = pool.stats().live_blocks;
    BOOST_TEST((m.try_emplace(n, 0).first == m.end()));
    BOOST_TEST((m.try_insert({n, 0}).first == m.end()));
    BOOST_TEST((m.try_insert_or_assign(n, 0).first == m.end()));
    BOOST_CHECK_THROW(m.insert({n, 0}), std::bad_alloc);
    BOOST_CHECK_THROW(m[n], std::bad_alloc);
    BOOST_CHECK_THROW(m.emplace(n, 0), std::bad_alloc);
    BOOST_CHECK_THROW(m.insert_or_assign(n, 0), std::bad_alloc);
    // The next size would fit the pool's capacity (max_size), just not next to the full table.
    BOOST_REQUIRE(m.capacity() + 1 <= m.max_size());
    BOOST_TEST(!m.try_reserve(m.capacity() + 1));
    BOOST_CHECK_THROW(m.reserve(m.capacity() + 1), std::bad_alloc);
    BOOST_TEST(!m.try_rehash(m.bucket_count() * 2));
    BOOST_CHECK_THROW(m.rehash(m.bucket_count() * 2), std::bad_alloc);
    BOOST_TEST((as_std(m) == full));
    BOOST_TEST(m.bucket_count() == buckets);
    BOOST_TEST(pool.stats().live_blocks == live);
    // A present key still works (no allocation needed), and so does erase.
    BOOST_TEST(!m.try_emplace(0, 1).second);
    BOOST_TEST(m.insert_or_assign(0, 7).first->second == 7);
    imap copy(pool);
    BOOST_TEST(!copy.try_assign(m));
    BOOST_TEST(copy.empty());
    BOOST_CHECK_THROW(imap{m}, std::bad_alloc);
    BOOST_TEST(pool.stats().live_blocks == live);
    m.erase(0);
    BOOST_TEST(m.try_emplace(n, 1).second, "erase made room in the table");
    for (auto h : others) pool.deallocate(h);
    BOOST_TEST(pool.check().ok());

    // String keys: the key's own block cannot be had; the table is unchanged.
    tinymem::pool<8192> spool;
    smap sm(spool);
    sm.reserve(16);
    for (int i = 0; i < 4; ++i) sm[long_key(i)] = i;
    std::vector<tinymem::pool<8192>::handle> fill;
    while (auto h = spool.allocate(16)) fill.push_back(h);
    const auto slive = spool.stats().live_blocks;
    BOOST_TEST((sm.try_emplace(std::string_view(long_key(9)), 9).first == sm.end()));
    BOOST_CHECK_THROW(sm[long_key(9)], std::bad_alloc);
    BOOST_TEST(sm.try_emplace("short", 1).second, "a short key needs no block");
    BOOST_TEST(sm.size() == 5u);
    for (int i = 0; i < 4; ++i) BOOST_TEST(sm.at(long_key(i)) == i);
    BOOST_TEST(spool.stats().live_blocks == slive);
    for (auto h : fill) spool.deallocate(h);
    BOOST_TEST(spool.check().ok());
}

// Keys that all share one hash: the table places as many as it can, then refuses with
// std::length_error instead of growing without end; lookups stay correct.
BOOST_AUTO_TEST_CASE(colliding_hashes) {
    tinymem::pool<65536> pool;
    tinymem::unordered_set<int, constant_hash> s(pool);
    int n = 0;
    while (s.try_insert(n).second) ++n;
    std::printf("constant hash: %d keys placed before refusing (bucket_count %u)\n", n, unsigned(s.bucket_count()));
    BOOST_TEST(n >= 8);
    BOOST_TEST(n < 300);
    BOOST_CHECK_THROW(s.insert(n), std::length_error);
    for (int i = 0; i < n; ++i) BOOST_REQUIRE(s.contains(i));
    BOOST_TEST(!s.contains(n));
    BOOST_TEST(s.size() == unsigned(n));
    BOOST_TEST(s.erase(0) == 1u);
    BOOST_TEST(s.insert(n).second);
    BOOST_TEST(pool.check().ok());
}

BOOST_AUTO_TEST_CASE(nested_containers) {
    tinymem::pool<131072> pool;
    // string keys, vector values: the values grow through modify().
    tinymem::unordered_map<tstring, ivec> words(pool);
    std::unordered_map<std::string, std::vector<int>> expect;
    for (int i = 0; i < 60; ++i) {
        const std::string k = i % 2 ? long_key(i) : "w" + std::to_string(i);
        auto r = words.try_emplace(std::string_view(k));
        BOOST_REQUIRE(r.second);
        expect[k];
    }
    for (int round = 0; round < 20; ++round)
        for (auto& [k, v] : expect) {
            auto it = words.find(std::string_view(k));
            BOOST_REQUIRE(it != words.end());
            BOOST_REQUIRE(words.modify(it, [&](ivec& x) { return x.try_push_back(round); }));
            v.push_back(round);
        }
    pool.defrag();
    for (auto& [k, v] : expect) {
        const ivec& x = words.at(k);
        BOOST_REQUIRE(std::vector<int>(x.begin(), x.end()) == v);
    }
    auto copy = words; // keys and vectors copied through their own try_assign
    BOOST_TEST((copy == words));
    words.insert_or_assign(std::string_view("w0"), ivec(pool, {9, 9}));
    BOOST_TEST(words.at("w0").size() == 2u);
    BOOST_TEST(copy.at("w0").size() == 20u);

    // Sets inside a vector, and sets inside a map.
    tinymem::vector<iset> sets(pool);
    for (int i = 0; i < 20; ++i) sets.emplace_back(pool);
    for (int i = 0; i < 20; ++i)
        for (int k = 0; k < 50 * (i % 3); ++k)
            BOOST_REQUIRE(sets.modify(tinymem::vector<iset>::size_type(i), [&](iset& s) { return s.try_insert(k * i).second; }));
    auto sets_copy = sets;
    pool.defrag();
    BOOST_TEST((sets_copy == sets));
    for (int i = 0; i < 20; ++i) BOOST_TEST(sets[tinymem::vector<iset>::size_type(i)].size() == unsigned(50 * (i % 3)));
    tinymem::unordered_map<int, iset> groups(pool);
    for (int g = 0; g < 10; ++g) {
        auto it = groups.try_emplace(g).first;
        for (int k = 0; k < 30; ++k) groups.modify(it, [&](iset& s) { return s.try_insert(g * 100 + k).second; });
    }
    auto groups_copy = groups;
    BOOST_TEST((groups_copy == groups));
    BOOST_TEST(groups.at(3).contains(317));
    BOOST_TEST(pool.check().ok());
}

// Exhaustion inside a nested copy or a nested value build: false / end(), never an exception
// from the try_ members, no block left behind.
BOOST_AUTO_TEST_CASE(nested_try_members_never_throw) {
    tinymem::pool<8192> pool;
    tinymem::unordered_map<int, ivec> m(pool);
    BOOST_TEST(m.try_emplace(1, pool, 100u).second); // a 400-byte vector value
    BOOST_TEST(m.try_reserve(8));
    ivec src(pool, 100u, 7);
    std::vector<tinymem::pool<8192>::handle> fill;
    while (auto h = pool.allocate(64)) fill.push_back(h);
    const auto live = pool.stats().live_blocks;
    BOOST_TEST((m.try_emplace(2, pool, 100u).first == m.end()));
    BOOST_TEST((m.try_emplace(2, src).first == m.end()));
    BOOST_TEST((m.try_insert_or_assign(1, src).first == m.end()));
    BOOST_TEST(m.at(1)[0] == 0, "a failed assignment leaves the old value");
    ivec big(pool);
    BOOST_TEST((m.try_emplace(3, big).second), "an empty vector value needs no block");
    tinymem::unordered_map<int, ivec> copy(pool);
    BOOST_TEST(!copy.try_assign(m));
    BOOST_TEST(pool.stats().live_blocks == live);
    BOOST_TEST(m.size() == 2u);
    BOOST_TEST(m.at(1).size() == 100u);
    for (auto h : fill) pool.deallocate(h);
    BOOST_TEST(copy.try_assign(m));
    BOOST_TEST((copy == m));
    BOOST_TEST(pool.check().ok());
}

BOOST_AUTO_TEST_CASE(pinned_view_stays_put) {
    tinymem::pool<65536> pool;
    imap m(pool);
    for (int i = 0; i < 100; ++i) m[i] = -i;
    ivec other(pool);
    other.resize(500);
    {
        imap moved_in(pool, {{1, 1}}); // outlives the view below (it will own the pinned block)
        const auto pinned_handle = m.handle();
        auto view = m.pin();
        BOOST_TEST(bool(view));
        BOOST_TEST(view.size() == 100u);
        const auto* first = &*view.begin();
        other = ivec(pool); // a hole before the table, maybe
        pool.defrag();
        BOOST_TEST(&*view.begin() == first, "a pinned table does not move");
        std::map<int, int> seen;
        for (auto& kv : view) seen[kv.first] = kv.second;
        BOOST_TEST(seen.size() == 100u);
        for (auto& kv : seen) BOOST_REQUIRE(kv.second == -kv.first);
        // Inserts that fit stay in the block; one that needs a rehash fails while pinned.
        while (m.size() < m.capacity()) m[int(m.size()) + 1000] = 0;
        BOOST_TEST((m.try_emplace(-1, 0).first == m.end()));
        BOOST_CHECK_THROW(m[-1], std::bad_alloc);
        BOOST_TEST(!m.try_rehash(m.bucket_count() * 2));
        // Copies into a pinned table go into its block (same capacity), or fail.
        imap same(pool);
        same.max_load_factor(m.max_load_factor());
        BOOST_TEST(same.try_rehash(m.bucket_count()));
        BOOST_REQUIRE(same.bucket_count() == m.bucket_count());
        same[12345] = 1;
        const auto saved = as_std(m);
        BOOST_TEST(m.try_assign(same));
        BOOST_TEST((m.handle() == pinned_handle));
        BOOST_TEST(m.size() == 1u);
        BOOST_TEST(m.at(12345) == 1);
        imap bigger(pool);
        BOOST_TEST(bigger.try_reserve(m.capacity() * 2));
        bigger[1] = 1;
        BOOST_TEST(!m.try_assign(bigger), "a pinned block cannot change size");
        BOOST_TEST(m.at(12345) == 1);
        BOOST_TEST(m.try_assign(imap(pool)));
        BOOST_TEST(m.empty());
        BOOST_TEST((m.handle() == pinned_handle));
        for (auto& kv : saved) m[kv.first] = kv.second; // fits: the same capacity as before
        m = std::move(moved_in); // m's pinned block goes to moved_in, emptied
        BOOST_TEST(m.size() == 1u);
        BOOST_TEST(m.at(1) == 1);
        BOOST_TEST(moved_in.empty());
        BOOST_TEST((moved_in.handle() == pinned_handle), "the pinned block stays with a table");
        BOOST_TEST((m.handle() != pinned_handle));
        std::size_t n = 0;
        for (auto it = view.begin(); it != view.end(); ++it) ++n;
        BOOST_TEST(n == 0u, "the view's block was emptied");
    }
    BOOST_TEST(m.try_emplace(-1, 0).second);
    iset empty(pool);
    auto v = empty.pin();
    BOOST_TEST(bool(v));
    BOOST_TEST((v.begin() == v.end()));
    BOOST_TEST(pool.check().ok());
}

// Millions of insert/erase at a fixed size: with backward-shift deletion nothing degrades. The
// probe lengths after the churn are those of a table built fresh from the same keys, and the
// table did not grow.
BOOST_AUTO_TEST_CASE(long_churn_does_not_degrade) {
    tinymem::pool<262144> pool;
    imap m(pool);
    constexpr int live = 3000;
    m.reserve(live);
    const auto buckets = m.bucket_count();
    std::vector<int> keys;
    std::mt19937_64 rng(adapter_test::seed("unordered_map/long_churn_does_not_degrade"));
    std::unordered_set<int> present;
    while (keys.size() < std::size_t(live)) {
        const int k = int(rng() >> 33);
        if (present.insert(k).second) {
            keys.push_back(k);
            m[k] = k;
        }
    }
    const auto fresh0 = m.probe_stats();
    const std::uint64_t ops = std::max<std::uint64_t>(200000, TINYMEM_RANDOM_OPS * 2);
    for (std::uint64_t i = 0; i < ops; ++i) {
        const std::size_t at = std::size_t(rng() % keys.size());
        BOOST_REQUIRE(m.erase(keys[at]) == 1u);
        present.erase(keys[at]);
        int k;
        do k = int(rng() >> 33);
        while (!present.insert(k).second);
        keys[at] = k;
        m[k] = k;
    }
    BOOST_TEST(m.size() == unsigned(live));
    for (int k : keys) BOOST_REQUIRE(m.at(k) == k);
    for (int i = 0; i < 10000; ++i) {
        const int k = int(rng() >> 33);
        BOOST_REQUIRE(m.contains(k) == (present.count(k) == 1));
    }
    const auto churned = m.probe_stats();
    imap fresh(pool);
    fresh.reserve(live);
    for (int k : keys) fresh[k] = k;
    const auto rebuilt = fresh.probe_stats();
    const double mean_churned = double(churned.total) / live, mean_fresh = double(rebuilt.total) / live;
    std::printf("churn: %llu erase+insert pairs at %d keys; mean probe distance %.3f (fresh table %.3f, before "
                "%.3f), longest %zu (fresh %zu), bucket_count %u -> %u\n",
                (unsigned long long)ops, live, mean_churned, mean_fresh, double(fresh0.total) / live, churned.longest,
                rebuilt.longest, unsigned(buckets), unsigned(m.bucket_count()));
    BOOST_TEST(m.bucket_count() == buckets, "the churn made the table grow");
    // Robin Hood with backward shift: the layout is a function of the keys alone, whatever the
    // history (same home order in every cluster), so the distances are exactly the fresh ones.
    BOOST_TEST(churned.total == rebuilt.total);
    BOOST_TEST(churned.longest == rebuilt.longest);
    BOOST_TEST(mean_churned < 4.0);
}

// The randomised differential test: three tables (int -> int, string -> int, a set of ints) in
// one pool with other blocks coming and going, against the std containers.
BOOST_AUTO_TEST_CASE(randomised_against_std) {
    const std::uint64_t seed = adapter_test::seed("unordered_map/randomised_against_std");
    std::mt19937_64 rng(seed);
    const std::uint64_t ops = std::max<std::uint64_t>(20000, TINYMEM_RANDOM_OPS);
    tinymem::pool<131072> pool;
    imap m(pool);
    std::unordered_map<int, int> rm;
    smap sm(pool);
    std::unordered_map<std::string, int> rsm;
    iset s(pool);
    std::unordered_set<int> rs;
    std::vector<std::pair<tinymem::pool<131072>::handle, std::uint8_t>> others; // blocks that force compaction
    std::optional<imap::view_type> view;
    std::uint64_t failed_inserts = 0, compactions = 0;
    auto key = [&] { return int(rng() % (rng() % 8 == 0 ? 5000 : 600)); };
    auto skey = [&](int k) { return k % 3 == 0 ? long_key(k) : "k" + std::to_string(k); };
    auto verify = [&](std::uint64_t step) {
        BOOST_REQUIRE_MESSAGE(m.size() == rm.size(), "step " << step << " (seed " << seed << ")");
        std::size_t n = 0;
        for (const auto& kv : m) {
            auto r = rm.find(kv.first);
            BOOST_REQUIRE_MESSAGE(r != rm.end() && r->second == kv.second, "step " << step << " (seed " << seed << ")");
            ++n;
        }
        BOOST_REQUIRE(n == rm.size());
        BOOST_REQUIRE(sm.size() == rsm.size());
        for (const auto& [k, v] : rsm) BOOST_REQUIRE_MESSAGE(sm.at(k) == v, "step " << step << " key " << k);
        n = 0;
        for (const auto& kv : sm) {
            BOOST_REQUIRE(rsm.count(std::string(std::string_view(kv.first))) == 1u);
            ++n;
        }
        BOOST_REQUIRE(n == rsm.size());
        BOOST_REQUIRE(s.size() == rs.size());
        for (int k : s) BOOST_REQUIRE(rs.count(k) == 1u);
        BOOST_REQUIRE(pool.check().ok());
    };
    for (std::uint64_t step = 0; step < ops; ++step) {
        const int k = key();
        const int x = int(rng() % 1000000);
        switch (rng() % 24) {
        case 0: case 1: case 2: {
            auto r = m.try_emplace(k, x);
            if (r.first == m.end()) {
                ++failed_inserts;
                BOOST_REQUIRE(!rm.count(k));
            } else {
                BOOST_REQUIRE(r.second == rm.emplace(k, x).second);
                BOOST_REQUIRE(r.first->second == rm.at(k));
            }
            break;
        }
        case 3: {
            auto r = m.try_insert_or_assign(k, x);
            if (r.first != m.end()) rm[k] = x;
            else ++failed_inserts;
            break;
        }
        case 4: case 5:
            BOOST_REQUIRE(m.erase(k) == rm.erase(k));
            break;
        case 6: {
            auto it = m.find(k);
            auto r = rm.find(k);
            BOOST_REQUIRE((it == m.end()) == (r == rm.end()));
            if (it != m.end()) {
                BOOST_REQUIRE(it->second == r->second);
                if (x % 2) { // erase through the iterator
                    m.erase(it);
                    rm.erase(r);
                } else {
                    it->second = x;
                    r->second = x;
                }
            }
            break;
        }
        case 7:
            BOOST_REQUIRE(m.contains(k) == (rm.count(k) == 1));
            BOOST_REQUIRE(m.count(k) == rm.count(k));
            break;
        case 8: case 9: { // string keys: heterogeneous insert and lookup
            const std::string sk = skey(k);
            auto r = sm.try_emplace(std::string_view(sk), x);
            if (r.first == sm.end()) {
                ++failed_inserts;
                BOOST_REQUIRE(!rsm.count(sk));
            } else {
                BOOST_REQUIRE(r.second == rsm.emplace(sk, x).second);
            }
            break;
        }
        case 10: {
            const std::string sk = skey(k);
            BOOST_REQUIRE(sm.erase(std::string_view(sk)) == rsm.erase(sk));
            break;
        }
        case 11: {
            const std::string sk = skey(k);
            auto it = sm.find(sk.c_str());
            BOOST_REQUIRE((it == sm.end()) == (rsm.count(sk) == 0));
            if (it != sm.end()) BOOST_REQUIRE(it->second == rsm.at(sk));
            break;
        }
        case 12: case 13: {
            auto r = s.try_insert(k);
            if (r.first == s.end()) ++failed_inserts;
            else BOOST_REQUIRE(r.second == rs.insert(k).second);
            break;
        }
        case 14:
            BOOST_REQUIRE(s.erase(k) == rs.erase(k));
            BOOST_REQUIRE(!s.contains(k));
            break;
        case 15: { // erase a run while iterating
            int left = int(rng() % 8);
            for (auto it = s.begin(); it != s.end() && left > 0; --left)
                if (*it % 2) {
                    rs.erase(*it);
                    it = s.erase(it);
                } else {
                    ++it;
                }
            break;
        }
        case 16: // other blocks come and go: holes, so allocations compact
            if (others.size() < 40 && rng() % 2) {
                const auto bytes = std::size_t(16 + rng() % 2000);
                if (auto h = pool.allocate(bytes)) others.emplace_back(h, std::uint8_t(x));
            } else if (!others.empty()) {
                const std::size_t at = std::size_t(rng() % others.size());
                pool.deallocate(others[at].first);
                others.erase(others.begin() + std::ptrdiff_t(at));
            }
            break;
        case 17:
            pool.defrag_step(std::size_t(rng() % 512));
            break;
        case 18:
            if (rng() % 32 == 0) {
                pool.defrag();
                ++compactions;
            }
            break;
        case 19: // views begin and end; while one lives the table must not rehash
            if (view)
                view.reset();
            else if (rng() % 4 == 0)
                view.emplace(m.pin());
            break;
        case 20:
            switch (rng() % 6) {
            case 0:
                if (rng() % 16 == 0) { m.clear(); rm.clear(); }
                break;
            case 1:
                (void)m.try_reserve(imap::size_type(rng() % 1500));
                break;
            case 2:
                (void)m.try_rehash(imap::size_type(rng() % 3000));
                break;
            case 3:
                m.max_load_factor(0.5f + float(rng() % 45) / 100.0f);
                break;
            case 4: { // a copy, compared and dropped
                imap copy(pool);
                if (copy.try_assign(m)) BOOST_REQUIRE((copy == m));
                break;
            }
            default:
                if (rng() % 16 == 0) { sm.clear(); rsm.clear(); }
                break;
            }
            break;
        case 21: { // operator[] and at
            if (rm.count(k)) {
                BOOST_REQUIRE(m.at(k) == rm.at(k));
            } else {
                BOOST_CHECK_THROW(m.at(k), std::out_of_range);
            }
            try {
                m[k] += 1;
                rm[k] += 1;
            } catch (const std::bad_alloc&) {
                ++failed_inserts;
                BOOST_REQUIRE(!rm.count(k));
            }
            break;
        }
        default:
            BOOST_REQUIRE(s.contains(k) == (rs.count(k) == 1));
            break;
        }
        if (view && !view->empty()) BOOST_REQUIRE(pool.pin_count(m.handle()) != 0);
        if (step % 4096 == 0) verify(step);
    }
    verify(ops);
    view.reset();
    std::printf("unordered_map/randomised_against_std: %llu operations, seed %llu: %zu, %zu and %zu entries at the "
                "end, %llu inserts refused by a full pool, %llu full compactions\n",
                (unsigned long long)ops, (unsigned long long)seed, std::size_t(m.size()), std::size_t(sm.size()),
                std::size_t(s.size()), (unsigned long long)failed_inserts, (unsigned long long)compactions);
}

BOOST_AUTO_TEST_SUITE_END()
