// SPDX-License-Identifier: MIT
// tinymem::flat_map and tinymem::flat_set: the std::flat_map / std::flat_set interface member by
// member, heterogeneous lookup, contents across compaction (full, incremental, and at every
// allocation in stress mode), pinned views, exhaustion (the strong guarantee over both blocks,
// no block leaked), nesting, and a randomised differential test against std::map / std::set.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <new>
#include <optional>
#include <random>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "test_support.hpp"

#include "adapters_under_test.hpp"

namespace {

// A non-trivially-copyable value that opts in to relocation and counts live objects and
// constructions, so leaks, double destruction and needless constructions show.
struct counted {
    static inline int live = 0;
    static inline int made = 0;
    int value;
    explicit counted(int v = 0) : value(v) { ++live; ++made; }
    counted(const counted& o) : value(o.value) { ++live; ++made; }
    counted(counted&& o) noexcept : value(o.value) { ++live; }
    counted& operator=(const counted& o) = default;
    counted& operator=(counted&& o) noexcept = default;
    ~counted() { --live; }
    friend bool operator==(const counted& a, const counted& b) { return a.value == b.value; }
    friend bool operator<(const counted& a, const counted& b) { return a.value < b.value; }
};

// A large value: its block needs 16 times the room of the int key block.
struct big {
    int v[16];
    explicit big(int x = 0) { std::fill(std::begin(v), std::end(v), x); }
    friend bool operator==(const big& a, const big& b) { return std::equal(std::begin(a.v), std::end(a.v), std::begin(b.v)); }
};

} // namespace

template <>
struct tinymem::is_relocatable<counted> : std::true_type {};

namespace {

using imap = tinymem::flat_map<int, int>;
using iset = tinymem::flat_set<int>;
using tstring = tinymem::string;
using ivec = tinymem::vector<int>;
using smap = tinymem::flat_map<tstring, int, std::less<>>;

template <class M>
std::vector<std::pair<int, int>> contents(const M& m) {
    std::vector<std::pair<int, int>> out;
    for (auto [k, v] : m) out.emplace_back(k, v);
    return out;
}
template <class K, class V>
std::vector<std::pair<K, V>> contents(const std::map<K, V>& m) {
    return {m.begin(), m.end()};
}
std::vector<int> set_contents(const iset& s) { return {s.begin(), s.end()}; }

std::string text(std::size_t n, char first = 'a') {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s.push_back(char(first + char(i % 26)));
    return s;
}

// Fills `pool` with blocks of `bytes`, then smaller ones, until nothing fits; returns them.
template <class Pool>
std::vector<typename Pool::handle> fill(Pool& pool, std::size_t bytes) {
    std::vector<typename Pool::handle> hs;
    for (std::size_t b = bytes; b >= 4; b /= 2)
        while (auto h = pool.allocate(b)) hs.push_back(h);
    return hs;
}

// Fills `pool`, then gives back about `room` bytes in one stretch (no free handle).
template <class Pool>
std::vector<typename Pool::handle> fill_leaving(Pool& pool, std::size_t room) {
    auto hs = fill(pool, 1024);
    BOOST_REQUIRE(!hs.empty());
    BOOST_REQUIRE(pool.size(hs.front()) >= 1024u);
    BOOST_REQUIRE(pool.deallocate(hs.front()));
    hs.erase(hs.begin());
    const auto h = pool.allocate(1024 - room);
    BOOST_REQUIRE(h);
    hs.push_back(h);
    return hs;
}

} // namespace

BOOST_AUTO_TEST_SUITE(flat_map)

BOOST_AUTO_TEST_CASE(layout_and_traits) {
    std::printf("sizeof(tinymem::flat_map<int, int>) = %zu, with config32 %zu, sizeof(tinymem::flat_set<int>) = %zu, "
                "sizeof(std::map<int, int>) = %zu\n",
                sizeof(imap), sizeof(tinymem::flat_map<int, int, std::less<int>, tinymem::config32>), sizeof(iset),
                sizeof(std::map<int, int>));
    std::printf("stress mode (every allocation moves every block): %s\n",
                tinymem::pool<4096>::stress_mode ? "on" : "off");
    BOOST_TEST(sizeof(imap) == 2 * sizeof(ivec), "two vectors; an empty Compare takes no room");
    BOOST_TEST(sizeof(iset) == sizeof(ivec));
    static_assert(tinymem::is_relocatable_v<imap>);
    static_assert(tinymem::is_relocatable_v<iset>);
    static_assert(tinymem::is_relocatable_v<tinymem::flat_map<tstring, ivec>>);
    static_assert(tinymem::is_relocatable_v<tinymem::vector<imap>>);
    static_assert(std::random_access_iterator<imap::iterator>);
    static_assert(std::random_access_iterator<imap::const_iterator>);
    static_assert(std::random_access_iterator<iset::iterator>);
    static_assert(std::random_access_iterator<tinymem::pinned_flat_view<int, int>::iterator>);
    static_assert(std::is_convertible_v<imap::iterator, imap::const_iterator>);
    static_assert(!std::is_convertible_v<imap::const_iterator, imap::iterator>);
    static_assert(std::is_same_v<imap::key_container_type, tinymem::vector<int>>);
    static_assert(std::is_same_v<decltype(std::declval<imap::const_iterator>()->second), const int&>);
    static_assert(std::is_same_v<decltype(std::declval<imap::iterator>()->second), int&>);
    // A comparator that is not relocatable makes the map not relocatable.
    struct self_ref_less {
        self_ref_less* self = this;
        self_ref_less() = default;
        self_ref_less(const self_ref_less&) : self(this) {}
        bool operator()(int a, int b) const { return a < b; }
    };
    static_assert(!tinymem::is_relocatable_v<tinymem::flat_map<int, int, self_ref_less>>);
}

BOOST_AUTO_TEST_CASE(map_insertion_and_lookup) {
    tinymem::pool<8192> pool;
    imap m(pool);
    BOOST_TEST(m.empty());
    BOOST_TEST(m.size() == 0u);
    BOOST_TEST((m.begin() == m.end()));
    BOOST_TEST(!m.keys().handle(), "an empty map has no block");
    BOOST_TEST((m.find(1) == m.end()));
    BOOST_TEST(m.count(1) == 0u);

    auto [it, ins] = m.insert({5, 50});
    BOOST_TEST(ins);
    BOOST_TEST(it->first == 5);
    BOOST_TEST(it->second == 50);
    auto r = m.insert({5, 51});
    BOOST_TEST(!r.second);
    BOOST_TEST(r.first->second == 50, "insert keeps the existing value");
    BOOST_TEST(m.emplace(1, 10).second);
    BOOST_TEST(m.emplace(std::pair<int, int>(9, 90)).second);
    BOOST_TEST(m.emplace(std::piecewise_construct, std::forward_as_tuple(7), std::forward_as_tuple(70)).second);
    BOOST_TEST(!m.emplace(7, 71).second);
    m[3] = 30;
    BOOST_TEST(m[3] == 30);
    BOOST_TEST(m[4] == 0, "operator[] inserts a value-initialized value");
    m.erase(4);
    auto [ti, tins] = m.try_emplace(2, 20);
    BOOST_TEST(tins);
    BOOST_TEST(ti->second == 20);
    BOOST_TEST(!m.try_emplace(2, 21).second);
    BOOST_TEST(m.at(2) == 20);
    auto [ai, assigned_new] = m.insert_or_assign(2, 22);
    BOOST_TEST(!assigned_new);
    BOOST_TEST(ai->second == 22);
    BOOST_TEST(m.insert_or_assign(8, 80).second);
    BOOST_TEST(m.try_insert_or_assign(8, 81).first->second == 81);
    BOOST_TEST(contents(m) == (std::vector<std::pair<int, int>>{{1, 10}, {2, 22}, {3, 30}, {5, 50}, {7, 70}, {8, 81}, {9, 90}}));

    // Lookup.
    BOOST_TEST(m.contains(7));
    BOOST_TEST(!m.contains(6));
    BOOST_TEST(m.count(7) == 1u);
    BOOST_TEST(m.find(7)->second == 70);
    BOOST_TEST(m.lower_bound(6)->first == 7);
    BOOST_TEST(m.lower_bound(7)->first == 7);
    BOOST_TEST(m.upper_bound(7)->first == 8);
    BOOST_TEST((m.upper_bound(9) == m.end()));
    BOOST_TEST((m.lower_bound(0) == m.begin()));
    auto [lo, hi] = m.equal_range(5);
    BOOST_TEST((hi - lo == 1));
    BOOST_TEST(lo->first == 5);
    auto [lo2, hi2] = m.equal_range(6);
    BOOST_TEST((lo2 == hi2));
    BOOST_CHECK_THROW((void)m.at(6), std::out_of_range);
    const imap& cm = m;
    BOOST_CHECK_THROW((void)cm.at(100), std::out_of_range);
    BOOST_TEST(cm.at(9) == 90);
    BOOST_TEST(cm.find(3)->second == 30);
    BOOST_TEST((cm.find(4) == cm.end()));
    BOOST_TEST(cm.lower_bound(4)->first == 5);
    BOOST_TEST(cm.upper_bound(4)->first == 5);
    BOOST_TEST(cm.equal_range(3).first->second == 30);

    // Writing through iterators and references.
    m.find(3)->second = 33;
    (*m.find(5)).second += 5;
    m.at(9) = 99;
    BOOST_TEST(m[3] == 33);
    BOOST_TEST(m[5] == 55);
    BOOST_TEST(m[9] == 99);

    // keys() and values(): the two containers, index for index.
    BOOST_TEST(m.keys().size() == m.size());
    BOOST_TEST(m.values().size() == m.size());
    BOOST_TEST(std::is_sorted(m.keys().begin(), m.keys().end()));
    for (imap::size_type i = 0; i < m.size(); ++i) BOOST_TEST(m[m.keys()[i]] == m.values()[i]);
    BOOST_TEST(pool.check().ok());
}

BOOST_AUTO_TEST_CASE(map_iteration_hints_and_ranges) {
    tinymem::pool<16384> pool;
    imap m(pool, {{3, 30}, {1, 10}, {2, 20}, {1, 11}});
    BOOST_TEST(contents(m) == (std::vector<std::pair<int, int>>{{1, 10}, {2, 20}, {3, 30}}), "sorted, first wins");
    // Iteration: forward, reverse, random access, const.
    std::vector<int> rev;
    for (auto it = m.rbegin(); it != m.rend(); ++it) rev.push_back(it->first);
    BOOST_TEST(rev == (std::vector<int>{3, 2, 1}));
    BOOST_TEST(m.begin()[2].second == 30);
    BOOST_TEST((m.end() - m.begin() == 3));
    BOOST_TEST((m.cbegin() + 1)->first == 2);
    BOOST_TEST(std::distance(m.crbegin(), m.crend()) == 3);
    imap::const_iterator ci = m.begin();
    BOOST_TEST((ci == m.cbegin()));
    BOOST_TEST((ci < m.cend()));
    std::pair<const int&, int&> as_std = *m.begin();
    BOOST_TEST(as_std.second == 10);
    const std::pair<int, int> as_value = *m.begin();
    BOOST_TEST(as_value.first == 1);
    // Hints: right, wrong, at the ends.
    auto h = m.emplace_hint(m.end(), 4, 40);
    BOOST_TEST(h->first == 4);
    h = m.emplace_hint(m.begin(), 0, 0); // right
    BOOST_TEST((h == m.begin()));
    h = m.emplace_hint(m.begin(), 10, 100); // wrong: goes where it belongs
    BOOST_TEST(h->first == 10);
    BOOST_TEST((m.end() - 1)->first == 10);
    h = m.insert(m.begin() + 3, std::pair<int, int>(5, 50)); // wrong hint
    BOOST_TEST(h->first == 5);
    h = m.insert(m.end(), std::pair<int, int>(5, 51)); // present: the existing element
    BOOST_TEST(h->second == 50);
    const std::pair<int, int> p6(6, 60);
    h = m.insert(m.lower_bound(6), p6);
    BOOST_TEST(h->second == 60);
    auto t = m.try_emplace(m.lower_bound(7), 7, 70);
    BOOST_TEST(t->first == 7);
    BOOST_TEST((m.try_emplace(m.begin(), 7, 71) == m.find(7)));
    BOOST_TEST(m[7] == 70);
    // Ranges.
    const std::map<int, int> more{{20, 1}, {21, 2}, {1, 99}};
    m.insert(more.begin(), more.end());
    m.insert({{22, 3}, {0, 99}});
    BOOST_TEST(m.size() == 12u);
    BOOST_TEST(m[1] == 10);
    BOOST_TEST(m[22] == 3);
    BOOST_TEST(std::is_sorted(m.keys().begin(), m.keys().end()));
    // Ranges algorithms see a random-access range.
    BOOST_TEST(std::ranges::distance(m) == 12);
    BOOST_TEST(std::ranges::find_if(m, [](auto kv) { return kv.second == 60; })->first == 6);
    BOOST_TEST(std::ranges::is_sorted(m.keys()));
}

BOOST_AUTO_TEST_CASE(map_erasure_and_modifiers) {
    tinymem::pool<16384> pool;
    imap m(pool);
    std::map<int, int> ref;
    for (int i = 0; i < 40; ++i) {
        m.try_emplace(i * 3 % 40, i);
        ref.try_emplace(i * 3 % 40, i);
    }
    BOOST_TEST(contents(m) == contents(ref));
    BOOST_TEST(m.erase(5) == 1u);
    BOOST_TEST(m.erase(5) == 0u);
    ref.erase(5);
    auto it = m.erase(m.find(10));
    BOOST_TEST(it->first == 11, "erase returns the next element");
    ref.erase(10);
    it = m.erase(m.lower_bound(20), m.lower_bound(30));
    BOOST_TEST(it->first == 30);
    ref.erase(ref.lower_bound(20), ref.lower_bound(30));
    imap::iterator mit = m.begin();
    it = m.erase(mit); // the non-const iterator overload
    ref.erase(ref.begin());
    BOOST_TEST(it->first == 1);
    BOOST_TEST(contents(m) == contents(ref));
    // erase_if, keeping the order of the rest.
    BOOST_TEST(erase_if(m, [](auto kv) { return kv.first % 2 == 0; }) == std::erase_if(ref, [](auto kv) { return kv.first % 2 == 0; }));
    BOOST_TEST(contents(m) == contents(ref));
    BOOST_TEST(erase_if(m, [](auto) { return false; }) == 0u);
    // reserve, capacity, shrink_to_fit, clear.
    m.reserve(200);
    BOOST_TEST(m.capacity() >= 200u);
    BOOST_TEST(m.keys().capacity() >= 200u);
    BOOST_TEST(m.values().capacity() >= 200u);
    BOOST_CHECK_THROW(m.reserve(m.max_size() + 1), std::length_error);
    m.shrink_to_fit();
    BOOST_TEST(m.capacity() < 200u);
    BOOST_TEST(m.capacity() >= m.size());
    BOOST_TEST(contents(m) == contents(ref));
    m.clear();
    BOOST_TEST(m.empty());
    BOOST_TEST(m.capacity() > 0u, "clear keeps the blocks");
    m.shrink_to_fit();
    BOOST_TEST(pool.stats().live_blocks == 0u);
    // extract and replace.
    imap a(pool, {{1, 1}, {2, 4}});
    auto parts = std::move(a).extract();
    BOOST_TEST(a.empty());
    BOOST_TEST(parts.keys.size() == 2u);
    BOOST_TEST(parts.values[1] == 4);
    parts.values[1] = 5;
    m.replace(std::move(parts.keys), std::move(parts.values));
    BOOST_TEST(contents(m) == (std::vector<std::pair<int, int>>{{1, 1}, {2, 5}}));
    // swap and comparison.
    imap b(pool, {{7, 7}});
    m.swap(b);
    BOOST_TEST(contents(b) == (std::vector<std::pair<int, int>>{{1, 1}, {2, 5}}));
    swap(m, b);
    BOOST_TEST(m.size() == 2u);
    imap c(pool, {{1, 1}, {2, 5}}), d(pool, {{1, 1}, {2, 6}}), e(pool, {{1, 1}}), f(pool, {{0, 9}, {5, 5}});
    BOOST_TEST((m == c));
    BOOST_TEST(!(m == d));
    BOOST_TEST((m < d));
    BOOST_TEST((e < m));
    BOOST_TEST((f < e));
    BOOST_TEST(((m <=> c) == std::strong_ordering::equal));
    BOOST_TEST(((d <=> m) == std::strong_ordering::greater));
    BOOST_TEST((m != b));
    // A value type with only == and <: the synthesized three-way comparison.
    tinymem::flat_map<int, counted> x(pool), y(pool);
    x.try_emplace(1, 1);
    y.try_emplace(1, 2);
    BOOST_TEST(((x <=> y) == std::weak_ordering::less));
    // key_comp and value_comp.
    BOOST_TEST(m.key_comp()(1, 2));
    BOOST_TEST(m.value_comp()(*m.begin(), *(m.begin() + 1)));
    BOOST_TEST(pool.check().ok());
}

BOOST_AUTO_TEST_CASE(map_constructions_and_lifetimes) {
    tinymem::pool<16384> pool;
    {
        tinymem::flat_map<int, counted> m(pool);
        // try_emplace builds no value when the key is there; emplace builds the key only.
        BOOST_TEST(m.try_emplace(1, 10).second);
        const int made = counted::made;
        BOOST_TEST(!m.try_emplace(1, 11).second);
        BOOST_TEST(counted::made == made, "try_emplace on a present key built a value");
        BOOST_TEST(!m.emplace(1, 12).second);
        BOOST_TEST(counted::made == made, "emplace on a present key built a value");
        for (int i = 2; i < 30; ++i) m.try_emplace(i, i);
        BOOST_TEST(counted::live == 29);
        m.erase(m.begin() + 3, m.begin() + 10);
        BOOST_TEST(counted::live == 22);
        BOOST_TEST(m.insert_or_assign(2, counted(-2)).first->second.value == -2);
        const counted c(-3);
        BOOST_TEST(!m.insert_or_assign(2, c).second);
        BOOST_TEST(m.at(2).value == -3);
        BOOST_TEST(counted::live == 23);
        auto copy = m;
        BOOST_TEST(counted::live == 45);
        BOOST_TEST((copy == m));
        pool.defrag();
        BOOST_TEST((copy == m));
        erase_if(copy, [](auto kv) { return kv.second.value % 2 == 0; });
        BOOST_TEST(counted::live == 23 + int(copy.size()));
        copy = m; // copy assignment
        BOOST_TEST((copy == m));
        imap::size_type n = m.size();
        tinymem::flat_map<int, counted> moved(std::move(m));
        BOOST_TEST(moved.size() == n);
        BOOST_TEST(m.empty());
        m = std::move(moved);
        BOOST_TEST(m.size() == n);
        m.clear();
        BOOST_TEST(counted::live == 1 + int(copy.size()));
    }
    BOOST_TEST(counted::live == 0);
    BOOST_TEST(pool.stats().live_blocks == 0u);
}

BOOST_AUTO_TEST_CASE(set_interface) {
    tinymem::pool<16384> pool;
    iset s(pool, {5, 1, 3, 3});
    BOOST_TEST(set_contents(s) == (std::vector<int>{1, 3, 5}));
    auto [it, ins] = s.insert(4);
    BOOST_TEST(ins);
    BOOST_TEST(*it == 4);
    BOOST_TEST(!s.insert(4).second);
    BOOST_TEST(*s.emplace(0).first == 0);
    BOOST_TEST(*s.emplace_hint(s.end(), 9) == 9);
    BOOST_TEST(*s.emplace_hint(s.begin(), 8) == 8); // wrong hint
    BOOST_TEST(*s.insert(s.end(), 7) == 7);
    const int two = 2;
    BOOST_TEST(*s.insert(s.begin(), two) == 2);
    BOOST_TEST(s.try_insert(6).second);
    BOOST_TEST(s.try_emplace(10).second);
    BOOST_TEST(!s.try_emplace(10).second);
    BOOST_TEST(set_contents(s) == (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
    BOOST_TEST(s.contains(4));
    BOOST_TEST(s.count(11) == 0u);
    BOOST_TEST(*s.find(6) == 6);
    BOOST_TEST((s.find(11) == s.end()));
    BOOST_TEST(*s.lower_bound(5) == 5);
    BOOST_TEST(*s.upper_bound(5) == 6);
    BOOST_TEST((s.equal_range(5).second - s.equal_range(5).first == 1));
    BOOST_TEST(s.erase(5) == 1u);
    BOOST_TEST(s.erase(5) == 0u);
    BOOST_TEST(*s.erase(s.find(6)) == 7);
    BOOST_TEST(*s.erase(s.begin(), s.begin() + 2) == 2);
    const std::vector<int> more{20, 2, 30};
    s.insert(more.begin(), more.end());
    BOOST_TEST(set_contents(s) == (std::vector<int>{2, 3, 4, 7, 8, 9, 10, 20, 30}));
    BOOST_TEST(erase_if(s, [](int x) { return x % 2 == 1; }) == 3u);
    BOOST_TEST(set_contents(s) == (std::vector<int>{2, 4, 8, 10, 20, 30}));
    std::vector<int> rev(s.rbegin(), s.rend());
    BOOST_TEST(rev == (std::vector<int>{30, 20, 10, 8, 4, 2}));
    s.reserve(100);
    BOOST_TEST(s.capacity() >= 100u);
    s.shrink_to_fit();
    BOOST_TEST(s.capacity() < 100u);
    iset copy = s;
    BOOST_TEST((copy == s));
    copy.insert(1);
    BOOST_TEST((copy < s));
    BOOST_TEST(((s <=> copy) == std::strong_ordering::greater));
    swap(copy, s);
    BOOST_TEST(*s.begin() == 1);
    auto keys = std::move(s).extract();
    BOOST_TEST(s.empty());
    BOOST_TEST(keys.size() == 7u);
    s.replace(std::move(keys));
    BOOST_TEST(s.size() == 7u);
    BOOST_TEST(s.keys()[0] == 1);
    {
        auto view = s.pin();
        BOOST_REQUIRE(view);
        BOOST_TEST(std::equal(view.begin(), view.end(), s.begin(), s.end()));
    }
    s.clear();
    BOOST_TEST(s.empty());
    // A descending set.
    tinymem::flat_set<int, std::greater<int>> d(pool, {1, 3, 2});
    BOOST_TEST(*d.begin() == 3);
    BOOST_TEST(*d.lower_bound(2) == 2);
    BOOST_TEST(*d.upper_bound(2) == 1);
}

BOOST_AUTO_TEST_CASE(heterogeneous_lookup) {
    tinymem::pool<16384> pool;
    smap m(pool);
    const std::vector<std::string> words{"pear", "apple", "a key longer than the inline buffer of a string", "fig", "kiwi"};
    for (std::size_t i = 0; i < words.size(); ++i) BOOST_TEST(m.try_emplace(tstring(pool, words[i]), int(i)).second);
    BOOST_TEST(m.size() == words.size());
    // Probes by std::string_view and by const char*: no tinymem::string is made.
    const auto live = pool.stats().live_blocks;
    BOOST_TEST(m.contains(std::string_view("fig")));
    BOOST_TEST(!m.contains(std::string_view("figs")));
    BOOST_TEST(m.find(std::string_view("kiwi"))->second == 4);
    BOOST_TEST(m.find(std::string_view(words[2]))->second == 2);
    BOOST_TEST(m.count(std::string_view("apple")) == 1u);
    BOOST_TEST(m.at(std::string_view("pear")) == 0);
    BOOST_CHECK_THROW((void)m.at(std::string_view("plum")), std::out_of_range);
    BOOST_TEST(std::string_view(m.lower_bound(std::string_view("b"))->first) == "fig");
    BOOST_TEST(std::string_view(m.upper_bound(std::string_view("fig"))->first) == "kiwi");
    auto [lo, hi] = m.equal_range(std::string_view("kiwi"));
    BOOST_TEST((hi - lo == 1));
    const smap& cm = m;
    BOOST_TEST(cm.find(std::string_view("apple"))->second == 1);
    BOOST_TEST((cm.find(std::string_view("zzz")) == cm.end()));
    BOOST_TEST(pool.stats().live_blocks == live, "a lookup made a block");
    BOOST_TEST(m.erase(std::string_view("fig")) == 1u);
    BOOST_TEST(m.erase(std::string_view("fig")) == 0u);
    BOOST_TEST(!m.contains(std::string_view("fig")));
    // Keys in order, as std::string orders them.
    std::vector<std::string> sorted(words);
    sorted.erase(std::find(sorted.begin(), sorted.end(), "fig"));
    std::sort(sorted.begin(), sorted.end());
    std::vector<std::string> got;
    for (auto [k, v] : m) got.emplace_back(std::string_view(k));
    BOOST_TEST(got == sorted);
    // With a tinymem::string probe too (the same type).
    tstring probe(pool, "kiwi");
    BOOST_TEST(m.contains(probe));
    // A set of strings with transparent lookup.
    tinymem::flat_set<tstring, std::less<>> s(pool);
    for (const auto& w : words) BOOST_TEST(s.try_emplace(pool, std::string_view(w)).second);
    BOOST_TEST(!s.try_emplace(pool, std::string_view("kiwi")).second);
    BOOST_TEST(s.contains(std::string_view("apple")));
    BOOST_TEST(s.count(std::string_view("nope")) == 0u);
    BOOST_TEST(std::string_view(*s.find(std::string_view(words[2]))) == words[2]);
    BOOST_TEST(std::string_view(*s.lower_bound(std::string_view("b"))) == "fig");
    BOOST_TEST(std::string_view(*s.upper_bound(std::string_view("b"))) == "fig");
    BOOST_TEST((s.equal_range(std::string_view("pear")).second - s.equal_range(std::string_view("pear")).first == 1));
    BOOST_TEST(s.erase(std::string_view("pear")) == 1u);
    BOOST_TEST(s.size() == words.size() - 1);
    pool.defrag();
    BOOST_TEST(s.contains(std::string_view(words[2])));
    BOOST_TEST(m.contains(std::string_view(words[2])));
    BOOST_TEST(pool.check().ok());
}

BOOST_AUTO_TEST_CASE(iterators_survive_compaction) {
    tinymem::pool<16384> pool;
    std::vector<std::unique_ptr<imap>> maps;
    for (int i = 0; i < 6; ++i) maps.push_back(std::make_unique<imap>(pool));
    for (int r = 0; r < 60; ++r)
        for (int i = 0; i < 6; ++i) maps[std::size_t(i)]->try_emplace(r * 7 % 61, i * 1000 + r);
    maps[0].reset();
    maps[2].reset(); // holes: compaction moves the others
    imap& m = *maps[3];
    std::map<int, int> ref;
    for (auto [k, v] : m) ref.emplace(k, v);
    auto it = m.find(14);
    auto cit = m.cbegin() + 20;
    const int* keys0 = m.keys().data();
    const int* values0 = m.values().data();
    const auto moved0 = pool.stats().bytes_moved;
    pool.defrag();
    BOOST_TEST(pool.stats().bytes_moved > moved0);
    BOOST_TEST((m.keys().data() != keys0 || m.values().data() != values0), "m must have moved for this test to mean something");
    BOOST_TEST(it->first == 14);
    BOOST_TEST(it->second == ref[14]);
    BOOST_TEST(cit->first == std::next(ref.begin(), 20)->first);
    BOOST_TEST(contents(m) == contents(ref));
    // Incremental compaction with growth in between.
    int steps = 0;
    while (!pool.defrag_step(32)) {
        ++steps;
        maps[1]->try_emplace(1000 + steps, steps);
        BOOST_TEST(it->second == ref[14]);
        BOOST_REQUIRE(steps < 10000);
    }
    BOOST_TEST(contents(m) == contents(ref));
    BOOST_TEST(pool.check().ok());
}

BOOST_AUTO_TEST_CASE(pinned_view_stays_put) {
    tinymem::pool<16384> pool;
    tinymem::vector<int> gap(pool);
    gap.resize(300);
    imap m(pool);
    for (int i = 0; i < 50; ++i) m.try_emplace(i, -i);
    gap = tinymem::vector<int>(pool); // a hole before m's blocks: compaction moves them
    {
        auto view = m.pin();
        BOOST_REQUIRE(view);
        const int* k = view.keys().data();
        const int* v = view.values().data();
        pool.defrag();
        BOOST_TEST(view.keys().data() == k);
        BOOST_TEST(view.values().data() == v);
        BOOST_TEST(m.keys().data() == k);
        BOOST_TEST(pool.stats().pinned_bytes > 0u);
        BOOST_TEST(view.size() == 50u);
        int i = 0;
        for (auto [key, value] : view) {
            BOOST_TEST(key == i);
            BOOST_TEST(value == -i);
            ++i;
        }
        BOOST_TEST(i == 50);
        view[3].second = 333; // values are writable through a view of a non-const map
        BOOST_TEST(m[3] == 333);
        BOOST_TEST(view.begin()[4].first == 4);
        const imap& cm = m;
        auto cview = cm.pin(); // nests; values const
        static_assert(std::is_same_v<decltype(cview.values()), std::span<const int>>);
        BOOST_TEST(cview.size() == view.size());
        // Erasing under a view works (nothing moves); growth only in place.
        m.erase(49);
        BOOST_TEST(m.keys().data() == k);
    }
    BOOST_TEST(pool.stats().pinned_bytes == 0u);
    imap empty(pool);
    auto ev = empty.pin();
    BOOST_TEST(static_cast<bool>(ev));
    BOOST_TEST(ev.empty());
    BOOST_TEST((ev.begin() == ev.end()));
}

// A map whose blocks are pinned can grow only in place: when the block after its key block is
// taken, an insertion that needs growth fails (false / std::bad_alloc) and leaves it unchanged.
BOOST_AUTO_TEST_CASE(pinned_map_grows_only_in_place) {
    tinymem::pool<8192> pool;
    BOOST_REQUIRE(pool.reserve_handles(16)); // blocks placed one after the other
    imap m(pool);
    for (int i = 0; i < 4; ++i) m.try_emplace(i, i);
    tinymem::vector<int> after(pool, {1}); // right after m's value block
    while (m.size() < m.capacity()) m.try_emplace(int(m.size()), 0);
    const auto before = contents(m);
    const auto live = pool.stats().live_blocks;
    {
        auto view = m.pin();
        BOOST_REQUIRE(view);
        const int* k = view.keys().data();
        const auto r = m.try_emplace(1000, 1);
        if (!r.second) {
            BOOST_TEST((r.first == m.end()));
            BOOST_TEST(contents(m) == before);
            BOOST_CHECK_THROW(m.insert({1000, 1}), std::bad_alloc);
            BOOST_TEST(contents(m) == before);
        } else {
            BOOST_TEST(m.keys().data() == k, "a pinned block moved");
        }
        BOOST_TEST(view.keys().data() == k);
        BOOST_TEST(pool.stats().live_blocks == live);
    }
    BOOST_TEST(m.try_emplace(1001, 1).second, "unpinned, the map grows again");
    BOOST_TEST(pool.check().ok());
}

// The strong guarantee over both blocks: a failed insertion leaves the keys, the values and
// the pool's blocks as they were.
BOOST_AUTO_TEST_CASE(exhaustion_leaves_map_unchanged) {
    tinymem::pool<8192> pool;
    // Handles enough for every block below, so that only bytes run out (and stress mode, which
    // places blocks differently at every call, needs no table growth on a full pool).
    BOOST_REQUIRE(pool.reserve_handles(64));
    using bmap = tinymem::flat_map<int, big>;
    {   // An empty map: the key block fits, the value block does not. No block is left behind.
        bmap m(pool);
        auto filler = fill(pool, 1024);
        BOOST_REQUIRE(!filler.empty());
        BOOST_REQUIRE(pool.deallocate(filler.back())); // a small hole (and a free handle)
        filler.pop_back();
        BOOST_REQUIRE(pool.stats().largest_allocatable < sizeof(big));
        const auto live = pool.stats().live_blocks;
        const auto r = m.try_emplace(1, 7);
        BOOST_TEST(!r.second);
        BOOST_TEST((r.first == m.end()));
        BOOST_TEST(m.empty());
        BOOST_TEST(!m.keys().handle(), "the key block made for the failed insert was kept");
        BOOST_TEST(!m.values().handle());
        BOOST_TEST(pool.stats().live_blocks == live);
        BOOST_CHECK_THROW(m.insert({1, big(7)}), std::bad_alloc);
        BOOST_CHECK_THROW(m[1], std::bad_alloc);
        BOOST_TEST(!m.try_reserve(4));
        BOOST_TEST(pool.stats().live_blocks == live);
        BOOST_TEST(pool.check().ok());
        for (auto h : filler) pool.deallocate(h);
    }
    BOOST_TEST(pool.stats().live_blocks == 0u);
    {   // A full map: the key block grows, the value block cannot.
        bmap m(pool);
        for (int i = 0; i < 8; ++i) BOOST_REQUIRE(m.try_emplace(i * 2, i).second);
        while (m.size() < m.values().capacity()) BOOST_REQUIRE(m.try_emplace(int(m.size()) * 2, 0).second);
        m.shrink_to_fit(); // both blocks exactly full
        std::vector<int> keys_before(m.keys().begin(), m.keys().end());
        std::vector<big> values_before(m.values().begin(), m.values().end());
        // Room for a grown key block (a few ints more), not for one more value (a block grows
        // in place, or slides, when the bytes it needs are free: one big is too many).
        auto filler = fill_leaving(pool, 40);
        BOOST_REQUIRE(pool.stats().free_bytes < sizeof(big));
        const auto live = pool.stats().live_blocks;
        const auto key_cap = m.keys().capacity();
        auto unchanged = [&](const char* what) {
            BOOST_TEST(std::equal(m.keys().begin(), m.keys().end(), keys_before.begin(), keys_before.end()), what);
            BOOST_TEST(std::equal(m.values().begin(), m.values().end(), values_before.begin(), values_before.end()), what);
            BOOST_TEST(pool.stats().live_blocks == live, what);
            BOOST_TEST(pool.check().ok(), what);
        };
        BOOST_TEST((m.try_emplace(1, 1).first == m.end()));
        BOOST_TEST(m.keys().capacity() > key_cap, "the key block grew before the value block failed");
        unchanged("try_emplace");
        BOOST_TEST((m.try_insert(std::pair<int, big>(3, big(3))).first == m.end()));
        unchanged("try_insert");
        BOOST_TEST((m.try_insert_or_assign(5, big(5)).first == m.end()));
        unchanged("try_insert_or_assign (new key)");
        BOOST_TEST(m.try_insert_or_assign(4, big(44)).first->second.v[0] == 44, "assigning needs no room");
        values_before[2] = big(44);
        unchanged("try_insert_or_assign (present key)");
        BOOST_CHECK_THROW(m.emplace(7, 7), std::bad_alloc);
        BOOST_CHECK_THROW(m.insert_or_assign(7, big(7)), std::bad_alloc);
        BOOST_CHECK_THROW(m[7], std::bad_alloc);
        BOOST_CHECK_THROW(m.emplace_hint(m.end(), 99, 1), std::bad_alloc);
        BOOST_CHECK_THROW(m.reserve(m.size() + 20), std::bad_alloc);
        BOOST_CHECK_THROW(bmap copy(m), std::bad_alloc);
        unchanged("throwing members");
        BOOST_TEST(m.find(4)->second.v[0] == 44);
        BOOST_TEST(m.try_emplace(4, 1).first->second.v[0] == 44, "a present key needs no room");
        for (auto h : filler) pool.deallocate(h);
        BOOST_TEST(m.try_emplace(1, 1).second, "with room again the same insert works");
    }
    BOOST_TEST(pool.stats().live_blocks == 0u);
    {   // A set: unchanged, no block left.
        iset s(pool);
        for (int i = 0; i < 10; ++i) s.insert(i);
        s.shrink_to_fit();
        const auto before = set_contents(s);
        auto filler = fill(pool, 1024);
        const auto live = pool.stats().live_blocks;
        BOOST_TEST((s.try_insert(100).first == s.end()));
        BOOST_TEST((s.try_emplace(101).first == s.end()));
        BOOST_CHECK_THROW(s.insert(102), std::bad_alloc);
        BOOST_TEST((s.try_insert(5).first - s.begin() == 5), "a present key needs no room");
        BOOST_TEST(set_contents(s) == before);
        BOOST_TEST(pool.stats().live_blocks == live);
        for (auto h : filler) pool.deallocate(h);
    }
    BOOST_TEST(pool.stats().live_blocks == 0u);
    BOOST_TEST(pool.check().ok());
}

// Keys and values that allocate from the pool themselves: a copy that finds the pool exhausted
// makes the try_ members return a failed result (never throw), the map unchanged, no block leaked.
BOOST_AUTO_TEST_CASE(nested_copies_never_throw) {
    tinymem::pool<16384> pool;
    BOOST_REQUIRE(pool.reserve_handles(64)); // only bytes run out (see exhaustion_leaves_map_unchanged)
    using nmap = tinymem::flat_map<tstring, ivec>;
    nmap m(pool);
    m.reserve(8); // room for elements: a failure must come from a nested copy
    BOOST_REQUIRE(m.try_emplace(tstring(pool, "a"), pool).second);
    m.modify(m.begin(), [](ivec& v) { v.push_back(1); });
    ivec big_vec(pool);
    big_vec.resize(300, 7); // 1200 bytes to copy
    tstring long_key(pool, text(500));
    auto filler = fill_leaving(pool, 256); // a little room, less than a copy needs
    BOOST_REQUIRE(pool.stats().largest_allocatable < 500u);
    const auto live = pool.stats().live_blocks;
    auto unchanged = [&](const char* what) {
        BOOST_TEST(m.size() == 1u, what);
        BOOST_TEST(std::string_view(m.begin()->first) == "a", what);
        BOOST_TEST(m.begin()->second.size() == 1u, what);
        BOOST_TEST(pool.stats().live_blocks == live, what);
        BOOST_TEST(pool.check().ok(), what);
    };
    std::pair<nmap::iterator, bool> r{m.begin(), true};
    BOOST_CHECK_NO_THROW(r = m.try_emplace(tstring(pool, "b"), big_vec));
    BOOST_TEST((!r.second && r.first == m.end()));
    unchanged("try_emplace with a value copy");
    BOOST_CHECK_NO_THROW(r = m.try_insert(long_key, big_vec));
    BOOST_TEST((!r.second && r.first == m.end()));
    unchanged("try_insert with a key copy");
    BOOST_CHECK_NO_THROW(r = m.try_emplace(long_key, pool));
    BOOST_TEST((!r.second && r.first == m.end()));
    unchanged("try_emplace with a key copy");
    const tstring a(pool, "a");
    BOOST_CHECK_NO_THROW(r = m.try_insert_or_assign(a, big_vec));
    BOOST_TEST((!r.second && r.first == m.end()));
    unchanged("try_insert_or_assign of a present key (the value's try_assign fails)");
    nmap copy(pool);
    BOOST_CHECK_THROW(m.insert_or_assign(a, big_vec), std::bad_alloc);
    unchanged("insert_or_assign");
    for (auto h : filler) pool.deallocate(h);
    copy = nmap(pool);
    BOOST_TEST(m.try_insert_or_assign(a, big_vec).first->second.size() == 300u);
    BOOST_TEST(m.try_emplace(long_key, big_vec).second);
    BOOST_TEST(m.find(long_key)->second[299] == 7);
    BOOST_TEST(copy.try_assign(m));
    BOOST_TEST((copy == m));
    BOOST_TEST(pool.check().ok());
}

BOOST_AUTO_TEST_CASE(nesting) {
    tinymem::pool<32768> pool;
    {   // A vector of maps: inner maps grow through outer.modify.
        tinymem::vector<imap> outer(pool);
        std::vector<std::map<int, int>> ref(10);
        for (int i = 0; i < 10; ++i) BOOST_REQUIRE(outer.try_emplace_back(pool));
        for (int r = 0; r < 40; ++r)
            for (tinymem::vector<imap>::size_type i = 0; i < outer.size(); ++i) {
                const int k = (r * 13 + int(i)) % 50;
                outer.modify(i, [&](imap& m) { m.insert_or_assign(k, r); });
                ref[i][k] = r;
            }
        outer.erase(outer.begin() + 2);
        ref.erase(ref.begin() + 2);
        pool.defrag();
        for (std::size_t i = 0; i < ref.size(); ++i) BOOST_TEST(contents(outer[tinymem::vector<imap>::size_type(i)]) == contents(ref[i]));
        tinymem::vector<imap> copy = outer; // deep copy: each map through its construct_element
        BOOST_TEST((copy == outer));
        copy.modify(0, [](imap& m) { m[-1] = -1; });
        BOOST_TEST((copy < outer)); // (-1, -1) comes first
        BOOST_TEST((outer[0].find(-1) == outer[0].end()));
        tinymem::vector<imap> assigned(pool);
        BOOST_TEST(assigned.try_assign(outer));
        BOOST_TEST((assigned == outer));
    }
    BOOST_TEST(pool.stats().live_blocks == 0u);
    {   // A map of strings to vectors: values grow through modify.
        tinymem::flat_map<tstring, ivec> m(pool);
        std::map<std::string, std::vector<int>> ref;
        for (int i = 0; i < 30; ++i) {
            const std::string key = text(std::size_t(3 + i % 25), char('a' + i % 26));
            m.try_emplace(tstring(pool, key), pool);
            ref[key];
        }
        for (int r = 0; r < 10; ++r)
            for (auto it = m.begin(); it != m.end(); ++it) {
                m.modify(it, [&](ivec& v) { v.push_back(r); });
                ref[std::string(std::string_view(it->first))].push_back(r);
            }
        pool.defrag();
        auto check = [&](const tinymem::flat_map<tstring, ivec>& x) {
            BOOST_REQUIRE(x.size() == ref.size());
            auto rit = ref.begin();
            for (auto [k, v] : x) {
                BOOST_TEST(std::string_view(k) == rit->first);
                BOOST_TEST(std::vector<int>(v.begin(), v.end()) == rit->second);
                ++rit;
            }
        };
        check(m);
        auto copy = m;
        check(copy);
        BOOST_TEST((copy == m));
        m.erase(m.begin() + 5, m.begin() + 10);
        ref.erase(std::next(ref.begin(), 5), std::next(ref.begin(), 10));
        check(m);
        erase_if(m, [](auto kv) { return kv.first.size() > 20; });
        std::erase_if(ref, [](const auto& kv) { return kv.first.size() > 20; });
        check(m);
        // A map of maps.
        tinymem::flat_map<int, imap> mm(pool);
        for (int i = 0; i < 5; ++i) {
            mm.try_emplace(i, pool);
            mm.modify(mm.find(i), [&](imap& inner) {
                for (int j = 0; j < 20; ++j) inner[j] = i * j;
            });
        }
        pool.defrag();
        BOOST_TEST(mm.at(3).at(7) == 21);
        auto mm2 = mm;
        BOOST_TEST((mm2 == mm));
        // A set of strings, a vector of sets.
        tinymem::vector<tinymem::flat_set<tstring>> sets(pool);
        sets.emplace_back(pool);
        sets.modify(0, [&](tinymem::flat_set<tstring>& s) {
            for (int i = 0; i < 20; ++i) s.emplace(pool, text(std::size_t(10 + i)));
        });
        pool.defrag();
        BOOST_TEST(sets[0].size() == 20u);
        BOOST_TEST(std::string_view(*sets[0].begin()) == text(10));
    }
    BOOST_TEST(pool.stats().live_blocks == 0u, "every block of every nested container was freed");
    BOOST_TEST(pool.check().ok());
}

// Copy assignment into a map whose blocks are pinned: the copy goes into them.
BOOST_AUTO_TEST_CASE(assignment_under_a_view) {
    tinymem::pool<16384> pool;
    // A pinned block right after the handle table stops the table from growing (out_of_handles,
    // see README): in stress mode the map's blocks may sit there, so the handles come first.
    BOOST_REQUIRE(pool.reserve_handles(16));
    imap m(pool, {{1, 1}, {2, 2}, {3, 3}, {4, 4}});
    imap small(pool, {{9, 9}});
    {
        auto view = m.pin();
        const int* k = view.keys().data();
        m = small;
        BOOST_TEST(contents(m) == contents(small));
        BOOST_TEST(m.keys().data() == k, "the pinned block stays the map's");
        BOOST_TEST(view.keys()[0] == 9);
    }
    BOOST_TEST(pool.stats().live_blocks == 4u);
    m = imap(pool);
    small = imap(pool);
    BOOST_TEST(pool.stats().live_blocks == 0u);
}

// A differential test: maps and sets (int keys; one map with tinymem::string keys looked up by
// std::string_view) driven by random operations mirrored on std::map / std::set, among other
// blocks allocated and freed to force compaction, with defrag and defrag_step calls and pinned
// views, in a pool small enough to fill up. Contents are checked after every group of steps.
BOOST_AUTO_TEST_CASE(randomised_against_std_map) {
    const std::uint64_t seed = adapter_test::seed("flat_map/randomised_against_std_map");
    std::mt19937_64 rng(seed);
    const std::uint64_t ops = std::max<std::uint64_t>(2000, TINYMEM_RANDOM_OPS); // also in stress mode
    tinymem::pool<49152> pool;
    constexpr std::size_t nm = 4, ns = 2;
    std::vector<imap> maps;
    std::vector<std::map<int, int>> mref(nm);
    std::vector<iset> sets;
    std::vector<std::set<int>> sref(ns);
    for (std::size_t i = 0; i < nm; ++i) maps.emplace_back(pool);
    for (std::size_t i = 0; i < ns; ++i) sets.emplace_back(pool);
    smap words(pool);
    std::map<std::string, int, std::less<>> wref;
    std::vector<std::optional<tinymem::pinned_flat_view<int, int>>> views(nm);
    std::vector<tinymem::vector<char>> ballast; // other blocks of the pool
    auto pick = [&](std::size_t m) { return std::size_t(rng() % (m ? m : 1)); };
    auto key = [&] { return int(rng() % 500) - 50; };
    std::uint64_t refused = 0, inserted = 0, erased = 0, lookups = 0, defrags = 0, checks = 0, compared = 0;
    auto check_map = [&](std::size_t i) {
        BOOST_REQUIRE(maps[i].size() == mref[i].size());
        BOOST_REQUIRE(std::equal(maps[i].begin(), maps[i].end(), mref[i].begin(), mref[i].end(),
                                 [](auto a, const auto& b) { return a.first == b.first && a.second == b.second; }));
        compared += mref[i].size();
    };
    auto check_all = [&] {
        for (std::size_t i = 0; i < nm; ++i) check_map(i);
        for (std::size_t i = 0; i < ns; ++i) {
            BOOST_REQUIRE(std::equal(sets[i].begin(), sets[i].end(), sref[i].begin(), sref[i].end()));
            compared += sref[i].size();
        }
        BOOST_REQUIRE(words.size() == wref.size());
        auto w = wref.begin();
        for (auto [k, v] : words) {
            BOOST_REQUIRE(std::string_view(k) == w->first);
            BOOST_REQUIRE(v == w->second);
            ++w;
        }
        ++checks;
    };
    for (std::uint64_t step = 0; step < ops; ++step) {
        const std::size_t i = pick(nm);
        imap& m = maps[i];
        std::map<int, int>& r = mref[i];
        const int k = key(), v = int(rng() % 1000);
        const int op = int(rng() % 24);
        switch (op) {
        case 0: case 1: case 2: { // try_emplace
            const auto res = m.try_emplace(k, v);
            const bool present = r.count(k) != 0;
            if (!res.second && res.first == m.end()) {
                BOOST_REQUIRE(!present);
                ++refused;
            } else {
                BOOST_REQUIRE(res.second == !present);
                if (!present) { r[k] = v; ++inserted; }
                BOOST_REQUIRE(res.first->first == k);
                BOOST_REQUIRE(res.first->second == r[k]);
            }
            break;
        }
        case 3: { // try_insert_or_assign
            const auto res = m.try_insert_or_assign(k, v);
            if (!res.second && res.first == m.end()) {
                BOOST_REQUIRE(r.count(k) == 0u);
                ++refused;
            } else {
                BOOST_REQUIRE(res.second == (r.count(k) == 0));
                r[k] = v;
                inserted += res.second;
            }
            break;
        }
        case 4: { // emplace / insert with a hint, throwing on exhaustion
            try {
                const auto hint = m.lower_bound(k + int(pick(3)) - 1);
                const auto it = rng() % 2 ? m.emplace_hint(hint, k, v) : m.insert(hint, std::pair<int, int>(k, v));
                BOOST_REQUIRE(it->first == k);
                inserted += r.try_emplace(k, v).second;
            } catch (const std::bad_alloc&) {
                BOOST_REQUIRE(r.count(k) == 0u);
                ++refused;
            }
            break;
        }
        case 5: case 6: { // erase by key
            const auto n = r.erase(k);
            BOOST_REQUIRE(m.erase(k) == n);
            erased += n;
            break;
        }
        case 7: // erase by iterator
            if (!r.empty()) {
                const std::size_t at = pick(r.size());
                const auto it = m.erase(m.begin() + std::ptrdiff_t(at));
                r.erase(std::next(r.begin(), std::ptrdiff_t(at)));
                BOOST_REQUIRE(it.index() == at);
                ++erased;
            }
            break;
        case 8: { // erase a key range
            const int a = key(), b = a + int(pick(12));
            const auto it = m.erase(m.lower_bound(a), m.lower_bound(b));
            const auto n = std::distance(r.lower_bound(a), r.lower_bound(b));
            const auto rit = r.erase(r.lower_bound(a), r.lower_bound(b));
            BOOST_REQUIRE(it.index() == std::size_t(std::distance(r.begin(), rit)));
            erased += std::uint64_t(n);
            break;
        }
        case 9: case 10: case 11: { // lookups
            BOOST_REQUIRE(m.contains(k) == (r.count(k) != 0));
            BOOST_REQUIRE(m.count(k) == r.count(k));
            const auto f = m.find(k);
            BOOST_REQUIRE((f == m.end()) == (r.find(k) == r.end()));
            if (f != m.end()) BOOST_REQUIRE(f->second == r[k]);
            const auto lb = m.lower_bound(k);
            const auto rlb = r.lower_bound(k);
            BOOST_REQUIRE(lb.index() == std::size_t(std::distance(r.begin(), rlb)));
            const auto ub = m.upper_bound(k);
            BOOST_REQUIRE(ub.index() == std::size_t(std::distance(r.begin(), r.upper_bound(k))));
            const auto [e1, e2] = m.equal_range(k);
            BOOST_REQUIRE(std::size_t(e2 - e1) == r.count(k));
            ++lookups;
            break;
        }
        case 12: // writes through iterators / at
            if (!r.empty()) {
                const std::size_t at = pick(r.size());
                auto it = m.begin() + std::ptrdiff_t(at);
                it->second = v;
                std::next(r.begin(), std::ptrdiff_t(at))->second = v;
                if (m.contains(k)) {
                    m.at(k) = v + 1;
                    r[k] = v + 1;
                }
            }
            break;
        case 13: // compaction: full or incremental
            ++defrags;
            if (rng() % 16 == 0) pool.defrag();
            else pool.defrag_step(std::size_t(rng() % 512));
            break;
        case 14: // other blocks come and go (their allocation may compact the pool)
            if (ballast.size() < 16 && rng() % 2) {
                tinymem::vector<char> b(pool);
                if (b.try_resize(tinymem::vector<char>::size_type(16 + pick(1500)), 'x')) ballast.push_back(std::move(b));
            } else if (!ballast.empty()) {
                ballast.erase(ballast.begin() + std::ptrdiff_t(pick(ballast.size())));
            }
            break;
        case 15: { // a view of the map begins or ends (while it lives the map grows only in place)
            if (views[i]) {
                views[i].reset();
            } else if (rng() % 4 == 0) {
                views[i].emplace(m.pin());
                BOOST_REQUIRE(views[i]->size() == r.size());
            }
            break;
        }
        case 16: { // copy from another map, or swap with it
            const std::size_t j = pick(nm);
            if (j == i) break;
            if (rng() % 4 == 0) {
                if (!views[i] && !views[j]) { // a swap hands pinned blocks over: only unpinned ones
                    maps[i].swap(maps[j]);
                    std::swap(mref[i], mref[j]);
                }
            } else if (m.try_assign(maps[j])) {
                r = mref[j];
            } else {
                ++refused;
            }
            break;
        }
        case 17: // erase_if, clear, shrink_to_fit
            if (rng() % 16 == 0) {
                const int mod = 3 + int(pick(8));
                const auto n = std::erase_if(r, [mod](const auto& kv) { return kv.second % mod == 0; });
                BOOST_REQUIRE(erase_if(m, [mod](auto kv) { return kv.second % mod == 0; }) == n);
                erased += n;
            } else if (rng() % 128 == 0) {
                erased += r.size();
                m.clear();
                r.clear();
            } else {
                m.shrink_to_fit();
            }
            break;
        case 18: { // try_reserve
            const auto n = imap::size_type(pick(700));
            if (m.try_reserve(n)) BOOST_REQUIRE(m.capacity() >= n);
            else ++refused;
            break;
        }
        case 19: case 20: { // sets
            const std::size_t s = pick(ns);
            switch (rng() % 5) {
            case 0: case 1: {
                const auto res = sets[s].try_insert(k);
                if (!res.second && res.first == sets[s].end()) {
                    BOOST_REQUIRE(sref[s].count(k) == 0u);
                    ++refused;
                } else {
                    BOOST_REQUIRE(res.second == sref[s].insert(k).second);
                    BOOST_REQUIRE(*res.first == k);
                }
                break;
            }
            case 2:
                BOOST_REQUIRE(sets[s].erase(k) == sref[s].erase(k));
                break;
            case 3:
                BOOST_REQUIRE(sets[s].contains(k) == (sref[s].count(k) != 0));
                BOOST_REQUIRE(sets[s].lower_bound(k).index() == std::size_t(std::distance(sref[s].begin(), sref[s].lower_bound(k))));
                ++lookups;
                break;
            default: {
                const int a = key(), b = a + int(pick(60));
                sets[s].erase(sets[s].lower_bound(a), sets[s].upper_bound(b));
                sref[s].erase(sref[s].lower_bound(a), sref[s].upper_bound(b));
                break;
            }
            }
            break;
        }
        case 21: case 22: { // string keys, probed by std::string_view
            // Short words (at most 340 of them), and now and then one too long for the inline
            // buffer (a string with a block of its own).
            std::string w(1 + pick(4), ' ');
            for (char& c : w) c = char('a' + pick(4));
            if (rng() % 8 == 0) w += std::string(20 + pick(20), 'z');
            const std::string_view sv(w);
            switch (rng() % 5) {
            case 0: case 1: {
                if (words.contains(sv)) {
                    BOOST_REQUIRE(words.find(sv)->second == wref.find(sv)->second);
                    break;
                }
                tstring t(pool);
                if (!t.try_assign(sv)) { ++refused; break; }
                const auto res = words.try_emplace(std::move(t), v);
                if (!res.second) {
                    BOOST_REQUIRE((res.first == words.end()));
                    ++refused;
                } else {
                    wref.emplace(w, v);
                }
                break;
            }
            case 2:
                BOOST_REQUIRE(words.erase(sv) == wref.erase(w));
                break;
            case 3: { // the first word not less than w
                const auto it = words.lower_bound(sv);
                const auto rit = wref.lower_bound(sv);
                BOOST_REQUIRE((it == words.end()) == (rit == wref.end()));
                if (rit != wref.end()) {
                    BOOST_REQUIRE(std::string_view(it->first) == rit->first);
                    words.erase(it);
                    wref.erase(rit);
                }
                break;
            }
            default:
                BOOST_REQUIRE(words.contains(sv) == (wref.find(sv) != wref.end()));
                BOOST_REQUIRE(words.lower_bound(sv).index() == std::size_t(std::distance(wref.begin(), wref.lower_bound(sv))));
                ++lookups;
                break;
            }
            break;
        }
        default: // iteration in order, forward and backward
            check_map(i);
            BOOST_REQUIRE(std::equal(m.rbegin(), m.rend(), r.rbegin(), r.rend(),
                                     [](auto a, const auto& b) { return a.first == b.first && a.second == b.second; }));
            break;
        }
        BOOST_REQUIRE(m.size() == r.size());
        if (step % 64 == 63) {
            check_all();
            for (std::size_t j = 0; j < nm; ++j)
                if (views[j] && !views[j]->empty()) {
                    BOOST_REQUIRE(views[j]->keys().data() == maps[j].keys().data());
                    BOOST_REQUIRE(views[j]->values().data() == maps[j].values().data());
                }
        }
        if (step % 4096 == 0) BOOST_REQUIRE(pool.check().ok());
    }
    check_all();
    BOOST_TEST(pool.check().ok());
    std::printf("flat_map/randomised_against_std_map: %llu operations (%llu inserts, %llu erases, %llu lookups, "
                "%llu refused for lack of room, %llu defrag calls), %llu full checks comparing %llu elements\n",
                (unsigned long long)ops, (unsigned long long)inserted, (unsigned long long)erased,
                (unsigned long long)lookups, (unsigned long long)refused, (unsigned long long)defrags,
                (unsigned long long)checks, (unsigned long long)compared);
    BOOST_TEST(refused > 0u, "the pool never filled up: exhaustion went untested");
    views.clear(); // views end before their maps
    maps.clear();
    sets.clear();
    ballast.clear();
    words = smap(pool);
    BOOST_TEST(pool.stats().live_blocks == 0u, "a block outlived every container");
}

BOOST_AUTO_TEST_SUITE_END()
