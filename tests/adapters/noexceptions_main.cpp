// SPDX-License-Identifier: MIT
// The adapters with exceptions off (built with -fno-exceptions, header build, no Boost):
// tinymem::vector, tinymem::string, tinymem::box, tinymem::flat_map / flat_set and
// tinymem::unordered_map / unordered_set through their try_ members, and
// tinymem::memory_resource's policy: on an error it calls the error handler, then
// std::abort(). Exit 0 when all checks pass.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory_resource>
#include <string>
#include <string_view>

#include <tinymem.hpp>
#include <tinymem_adapters.hpp>

static_assert(!tinymem::adapters_throw, "this program must be built with -fno-exceptions");

namespace {

int failures = 0;
#define CHECK(x)                                                          \
    do {                                                                  \
        if (!(x)) {                                                       \
            std::printf("FAILED line %d: %s\n", __LINE__, #x);            \
            ++failures;                                                   \
        }                                                                 \
    } while (0)

volatile std::sig_atomic_t handler_called = 0;

void on_resource_error(const tinymem::resource_failure& f) {
    std::printf("handler: %s (pool error %s)\n", tinymem::to_string(f.what), tinymem::to_string(f.pool_error));
    handler_called = f.what == tinymem::resource_error::out_of_memory ? 1 : 2;
    std::fflush(stdout);
}

extern "C" void on_abort(int) {
    // The expected end of the abort check: the handler ran first, then std::abort().
    std::_Exit(handler_called == 1 && failures == 0 ? 0 : 3);
}

} // namespace

int main() {
    static tinymem::pool<4096> pool;
    tinymem::vector<int> v(pool);
    while (v.try_push_back(int(v.size()))) {
    }
    std::printf("try_push_back filled %u ints before failing\n", unsigned(v.size()));
    CHECK(v.size() > 500u);
    for (tinymem::vector<int>::size_type i = 0; i < v.size(); ++i) CHECK(v[i] == int(i));
    CHECK(!v.try_reserve(v.capacity() + 100));
    CHECK(!v.try_resize(v.capacity() + 100, 1));
    CHECK(pool.check().ok());
    tinymem::vector<int> w(pool);
    CHECK(!w.try_assign(v)); // no room for a copy
    v.try_resize(100);
    v.shrink_to_fit();
    CHECK(w.try_assign(v));
    CHECK(w == v);
    CHECK(v.try_emplace_at(0, -1) && v[0] == -1);

    // Nested vectors (issue 18, item 7): the inner copies go through the inner try_assign, so
    // the try_ members compile without exceptions and report an exhausted pool by false, the
    // outer vector unchanged and no block leaked.
    {
        using nvec = tinymem::vector<tinymem::vector<int>>;
        tinymem::vector<int> big(pool);
        CHECK(big.try_resize(150, 9)); // 600 bytes
        nvec src(pool), dst(pool);
        CHECK(src.try_push_back(tinymem::vector<int>(pool)));
        CHECK(src.modify(0, [&](tinymem::vector<int>& in) { return in.try_assign(big); }));
        CHECK(dst.try_reserve(4));
        CHECK(dst.try_push_back(tinymem::vector<int>(pool)));
        const auto spare = pool.allocate(64); // a handle to give back (the table may not grow)
        CHECK(spare);
        tinymem::vector<int> filler(pool);
        while (filler.try_push_back(0)) {
        }
        CHECK(filler.try_resize(filler.size() - 80));
        filler.shrink_to_fit();
        CHECK(pool.deallocate(spare));
        // The outer copy's block (and its handle) fit: a failure must come from an inner copy.
        const auto h = pool.allocate(64);
        CHECK(h && pool.deallocate(h));
        CHECK(pool.stats().largest_allocatable < 600u);
        const auto live = pool.stats().live_blocks;
        CHECK(!dst.try_assign(src));
        CHECK(!dst.try_push_back(src[0]));
        CHECK(!dst.try_emplace_back(src[0]));
        CHECK(!dst.try_insert(dst.begin(), src[0]));
        CHECK(!dst.try_resize(3, src[0]));
        CHECK(!dst.try_emplace_back(pool, 300u));
        CHECK(dst.size() == 1u && dst[0].empty());
        CHECK(pool.stats().live_blocks == live);
        filler = tinymem::vector<int>(pool);
        CHECK(dst.try_push_back(src[0]) && dst[1] == big);
        CHECK(dst.try_emplace_back(pool, 3u, 4) && dst[2].size() == 3u && dst[2][2] == 4);
        CHECK(dst.try_assign(src) && dst == src);
        CHECK(pool.check().ok());
    }
    CHECK(pool.stats().live_blocks == 2u); // v and w


    // tinymem::string and tinymem::box: try_ members only (the throwing ones do not exist).
    {
        v = tinymem::vector<int>(pool); // free the vectors' blocks
        w = tinymem::vector<int>(pool);
        tinymem::string s(pool);
        CHECK(s.try_assign("hello"));
        CHECK(s.try_append(", a string longer than the inline buffer"));
        CHECK(s.try_insert(0, 2, '>'));
        CHECK(s.try_replace(2, 5, "HELLO"));
        CHECK(s.try_push_back('!'));
        CHECK(std::string_view(s) == ">>HELLO, a string longer than the inline buffer!");
        tinymem::string sub(pool);
        CHECK(s.try_substr(sub, 2, 5) && sub == "HELLO");
        CHECK(s.find("longer") == 18u);
        std::size_t grown = 0;
        while (s.try_append(s)) ++grown; // doubles until the pool cannot hold a second copy
        const std::string before(s); // a copy: a failed call may still compact and move s's block
        const std::size_t size = s.size();
        CHECK(grown > 2);
        CHECK(!s.try_append(s));
        CHECK(!s.try_resize(s.capacity() + 4096, 'x'));
        CHECK(s.size() == size && std::string_view(s) == before);
        auto b = tinymem::try_make_box<tinymem::vector<int>>(pool, pool);
        while (b && b->size() < 100000 && b.modify([](tinymem::vector<int>& x) { return x.try_push_back(7); })) {
        }
        CHECK(b && b->size() > 0);
        tinymem::box<int> full(pool);
        while (pool.allocate(4)) {
        } // the last granules; freed with the pool
        CHECK(!tinymem::try_make_box<int>(pool, 1));
        CHECK(!full.try_emplace(pool, 2));
        std::printf("string: %zu chars after %zu doublings; box<vector<int>>: %u ints\n", size, grown, unsigned(b->size()));
    }
    CHECK(pool.check().ok());

    {   // A vector of strings copies through the strings' try_assign: no exceptions needed.
        static tinymem::pool<4096> pool3;
        tinymem::vector<tinymem::string> a(pool3), b(pool3);
        tinymem::string s(pool3);
        CHECK(s.try_assign("a string longer than the inline buffer"));
        CHECK(a.try_push_back(s) && a.try_emplace_back(pool3, std::string_view("x")));
        CHECK(b.try_assign(a) && b.size() == 2u && b[0] == s);
        CHECK(pool3.check().ok());
    }

    {   // tinymem::flat_map / flat_set: try_ members only; exhaustion is a failed result, the
        // map unchanged (both blocks), no block left behind; nested copies never throw.
        static tinymem::pool<8192> pool4;
        using imap = tinymem::flat_map<int, int>;
        imap m(pool4);
        int n = 0;
        while (m.try_emplace(n * 7 % 100003, n).second) ++n;
        std::printf("flat_map: try_emplace filled %d elements before failing\n", n);
        CHECK(n > 300);
        CHECK(m.size() == imap::size_type(n));
        const auto live = pool4.stats().live_blocks;
        const auto failed = m.try_emplace(-1, -1);
        CHECK(!failed.second && failed.first == m.end());
        CHECK(!m.try_insert_or_assign(-2, 0).second);
        CHECK(!m.try_reserve(m.capacity() + 500));
        CHECK(m.try_emplace(7, 99).first->second == 1); // present: no room needed, value kept
        CHECK(m.try_insert_or_assign(7, 70).first->second == 70);
        CHECK(m.size() == imap::size_type(n) && pool4.stats().live_blocks == live);
        CHECK(std::is_sorted(m.keys().begin(), m.keys().end()));
        CHECK(m.contains(14) && !m.contains(-1) && m.find(21)->second == 3);
        CHECK(m.erase(7) == 1u && m.try_emplace(-1, -1).second);
        imap copy(pool4);
        CHECK(!copy.try_assign(m)); // no room for a copy
        erase_if(m, [](auto kv) { return kv.first > 50; });
        m.shrink_to_fit();
        CHECK(copy.try_assign(m) && copy == m);
        {
            auto view = m.pin();
            int sum = 0;
            for (auto [k, v] : view) sum += m.find(k)->second == v ? 1 : 0;
            CHECK(view && sum == int(m.size()));
        }
        tinymem::flat_set<int> s(pool4);
        CHECK(s.try_insert(3).second && s.try_emplace(1).second && !s.try_insert(3).second);
        CHECK(*s.begin() == 1 && s.size() == 2u);
        // Nested: string keys looked up by string_view, vector values built and copied without
        // exceptions.
        tinymem::flat_map<tinymem::string, tinymem::vector<int>, std::less<>> nm(pool4);
        tinymem::string key(pool4);
        CHECK(key.try_assign("a key longer than the inline buffer"));
        CHECK(nm.try_emplace(std::move(key), pool4).second);
        CHECK(nm.modify(nm.begin(), [](tinymem::vector<int>& v) { return v.try_push_back(5); }));
        tinymem::flat_map<tinymem::string, tinymem::vector<int>, std::less<>> nm2(pool4);
        CHECK(nm2.try_assign(nm) && nm2 == nm);
        CHECK(nm2.find(std::string_view("a key longer than the inline buffer"))->second[0] == 5);
        tinymem::vector<int> big(pool4);
        while (big.try_push_back(1)) {
        }
        CHECK(!nm2.try_assign(nm)); // no room for a second copy of the map: unchanged
        CHECK(nm2 == nm);
        CHECK(pool4.check().ok());
    }
    {   // tinymem::unordered_map / unordered_set: try_ members only (operator[], at, insert,
        // emplace and the copy constructor do not exist); a full pool is a {end(), false}.
        static tinymem::pool<8192> pool4;
        tinymem::unordered_map<tinymem::string, tinymem::vector<int>> words(pool4);
        CHECK(words.try_emplace("short").second);
        CHECK(words.try_emplace(std::string_view("a key long enough to need its own block")).second);
        CHECK(!words.try_emplace("short").second);
        auto it = words.find("short");
        CHECK(it != words.end());
        CHECK(words.modify(it, [](tinymem::vector<int>& v) { return v.try_push_back(7); }));
        CHECK(words.find(std::string_view("short"))->second.size() == 1u);
        CHECK(words.try_insert_or_assign("short", tinymem::vector<int>(pool4)).first != words.end());
        CHECK(words.find("short")->second.empty());
        tinymem::unordered_map<tinymem::string, tinymem::vector<int>> copy(pool4);
        CHECK(copy.try_assign(words) && copy == words);
        tinymem::unordered_set<int> set(pool4);
        int n = 0;
        while (set.try_insert(n).first != set.end()) ++n;
        std::printf("unordered_set: %d ints before the pool was full\n", n);
        CHECK(n > 100);
        const auto size = set.size();
        CHECK(set.try_insert(n).first == set.end());
        CHECK(!set.try_reserve(set.capacity() + 1));
        CHECK(set.size() == size);
        for (int i = 0; i < n; ++i) CHECK(set.contains(i));
        CHECK(set.erase(0) == 1u && set.try_insert(n).second);
        tinymem::vector<tinymem::unordered_set<int>> nested(pool4);
        CHECK(nested.try_reserve(2));
        while (pool4.allocate(16)) {
        } // the last granules; freed with the pool
        CHECK(!nested.try_push_back(set)); // no room for the copy: false, nothing thrown
        CHECK(nested.try_emplace_back(pool4) && nested[0].empty()); // an empty set needs no block
        nested.pop_back();
        CHECK(nested.empty());
        CHECK(pool4.check().ok());
    }

    static tinymem::pool<4096> pool2; // the first is full of stray blocks now
    tinymem::vector<int> keep(pool2);   // half full, so the request below fits the pool only
    CHECK(keep.try_resize(500));
    tinymem::memory_resource res(pool2);
    void* p = res.allocate(64, 16);
    CHECK(p != nullptr);
    res.deallocate(p, 64, 16);
    CHECK(pool2.check().ok());

    // Exhaustion: the handler runs, then std::abort() (caught here by a SIGABRT handler).
    std::signal(SIGABRT, on_abort);
    res.set_error_handler(on_resource_error);
    if (failures != 0) return 1;
    (void)res.allocate(pool2.stats().free_bytes + 64); // fits the pool, not its free space
    std::printf("FAILED: allocate returned after exhaustion\n");
    return 2;
}
