// SPDX-License-Identifier: MIT
// The examples of docs/adapters.md (the adapters' guide), built by `meson compile` so they stay true.
#include <cstdio>
#include <functional>
#include <iterator>
#include <map>
#include <memory_resource>
#include <string>
#include <string_view>

#ifdef TINYMEM_USE_MODULE
import tinymem;
import tinymem.adapters;
#else
#include <tinymem.hpp>
#include <tinymem_adapters.hpp>
#endif

// [readme-pmr]
void pmr_example() {
    static tinymem::pool<65536> pool;
    tinymem::memory_resource res(pool); // a std::pmr::memory_resource; its blocks are pinned
    std::pmr::map<int, std::pmr::string> names(&res);
    names[1] = "one";
    names[2] = "a string too long for the small-string buffer";
    pool.defrag(); // pmr blocks never move: the map stays valid
    std::printf("%s, %zu bytes pinned\n", names[2].c_str(), pool.stats().pinned_bytes);
}
// [readme-pmr]

// [readme-vector]
struct point {
    float x, y;
};

void vector_example() {
    static tinymem::pool<16384> pool;
    tinymem::vector<point> pts(pool);   // elements in one movable block
    for (int i = 0; i < 100; ++i) pts.push_back({float(i), 0.5f});
    auto it = pts.begin() + 10;         // iterators are indices: they survive compaction
    pool.defrag();                      // may move the elements
    std::printf("%g %g\n", it->x, pts[99].x);
    {
        auto view = pts.pin();          // a std::span that stays put while `view` lives
        float sum = 0;
        for (const point& p : view) sum += p.x;
        std::printf("sum %g\n", sum);
    }
    if (!pts.try_push_back({1, 2}))     // never throws; the only way with -fno-exceptions
        std::printf("pool full\n");
    tinymem::vector<tinymem::vector<int>> nested(pool); // vectors nest: they relocate
    nested.emplace_back(pool);
    nested.modify(0, [](tinymem::vector<int>& inner) { inner.push_back(7); }); // grow inner ones so
}
// [readme-vector]

// [readme-string]
void string_box_example() {
    static tinymem::pool<16384> pool;
    tinymem::string s(pool, "hello");     // 18 chars or fewer: inline, no block
    s += ", a string long enough to live in a movable block";
    s.insert(0, s.substr(0, 5));          // substr: a tinymem::string of the same pool
    pool.defrag();                        // may move s's block
    std::printf("%s (%zu chars, found at %zu)\n", s.c_str(), s.size(), s.find("long"));
    if (s.starts_with("hello") && s == std::string_view(s) && !s.try_append(std::string(20000, 'x')))
        std::printf("no room: s unchanged, %zu chars\n", s.size());
    tinymem::vector<tinymem::string> words(pool); // strings nest: they relocate
    words.emplace_back(pool, "word");
    words.modify(0, [](tinymem::string& w) { w += "s that grow go through modify"; });

    auto b = tinymem::make_box<point>(pool, point{1, 2}); // one object in a movable block
    pool.defrag();
    std::printf("%g %g\n", b->x, b.get()->y); // get(): valid until the next moving call
    auto pinned = b.pin();                   // stays put while `pinned` lives
    auto none = tinymem::try_make_box<point>(pool, point{3, 4}); // empty when the pool is full
    std::printf("%s\n", none ? "boxed" : "pool full");
}
// [readme-string]

// [readme-flat_map]
void flat_map_example() {
    static tinymem::pool<16384> pool;
    tinymem::flat_map<tinymem::string, int, std::less<>> ages(pool); // std::less<>: transparent
    ages.try_emplace(tinymem::string(pool, "ada"), 36);
    ages.insert_or_assign(tinymem::string(pool, "alan"), 41);
    ages[tinymem::string(pool, "grace")] = 85;
    auto it = ages.find(std::string_view("alan")); // no tinymem::string made for the probe
    pool.defrag();                                 // may move both blocks; `it` is an index
    std::printf("%s is %d\n", it->first.c_str(), it->second);
    for (auto [name, age] : ages.pin())            // both blocks stay put while the view lives
        std::printf("%s %d\n", name.c_str(), age);
    auto r = ages.try_emplace(tinymem::string(pool, "edsger"), 72); // never throws
    if (!r.second && r.first == ages.end())
        std::printf("pool full: the map is unchanged\n");
    tinymem::flat_set<int> primes(pool, {7, 2, 5, 3});
    std::printf("%d primes, the smallest %d\n", int(primes.size()), *primes.begin());
}
// [readme-flat_map]
// [readme-unordered]
void unordered_example() {
    static tinymem::pool<32768> pool;
    tinymem::unordered_map<tinymem::string, int> counts(pool); // one movable block: a handle
    for (std::string_view w : {"to", "be", "or", "not", "to", "be", "a word long enough for a block"})
        ++counts[w];                              // builds a tinymem::string only to insert
    pool.defrag();                                // may move the table (and the long key)
    std::printf("to: %d, be: %d\n", counts.at("to"), counts.find(std::string_view("be"))->second);
    if (!counts.contains("missing") && counts.try_emplace("new", 1).first != counts.end())
        std::printf("%zu words\n", std::size_t(counts.size())); // try_emplace: {end(), false} when full
    for (auto it = counts.begin(); it != counts.end();) // iterators are slots: they survive defrag
        it = it->second > 1 ? counts.erase(it) : std::next(it);
    tinymem::unordered_set<int> seen(pool, {1, 2, 3});
    auto view = seen.pin();                       // raw-pointer iteration; the block stays put
    int sum = 0;
    for (int x : view) sum += x;
    std::printf("%zu left, sum %d\n", std::size_t(counts.size()), sum);
}
// [readme-unordered]

int main() {
    pmr_example();
    vector_example();
    string_box_example();
    flat_map_example();
    unordered_example();
}
