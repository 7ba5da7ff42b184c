// SPDX-License-Identifier: MIT
// Every public header in one translation unit, and every public class template instantiated in
// full (explicit instantiation definitions compile every member), so that a user's strict
// warning flags see all of tinymem's code. tests/headers/check.sh compiles it with
//   -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow -Wold-style-cast -Werror
// (plus -Wshorten-64-to-32 with clang). TINYMEM_CORE_ONLY leaves out the hosted adapters (bare
// metal: newlib has no <memory_resource>).
#include <tinymem.hpp>
#include <tinymem/version.hpp>
#include <tinymem/config.hpp>
#include <tinymem/pool.hpp>
#include <tinymem/bump_pool.hpp>
#include <tinymem/synchronized.hpp>
#ifndef TINYMEM_CORE_ONLY
#include <tinymem_adapters.hpp>
#include <tinymem/adapters/common.hpp>
#include <tinymem/adapters/memory_resource.hpp>
#include <tinymem/adapters/vector.hpp>
#include <tinymem/adapters/string.hpp>
#include <tinymem/adapters/box.hpp>
#include <tinymem/adapters/flat_map.hpp>
#include <tinymem/adapters/unordered_map.hpp>
#endif

#include <cstdint>
#include <functional>
#include <string_view>

// Both engines with every predefined configuration.
template class tinymem::basic_pool<tinymem::config16>;
template class tinymem::basic_pool<tinymem::config16_g8>;
template class tinymem::basic_pool<tinymem::config17>;
template class tinymem::basic_pool<tinymem::config32>;
template class tinymem::basic_pool<tinymem::config32_g16>;
template class tinymem::basic_pool<tinymem::basic_config<std::uint16_t, 4, 0>>; // no quick lists
template class tinymem::basic_bump_pool<tinymem::config16>;
template class tinymem::basic_bump_pool<tinymem::config16_g8>;
template class tinymem::basic_bump_pool<tinymem::config17>;
template class tinymem::basic_bump_pool<tinymem::config32>;
template class tinymem::basic_bump_pool<tinymem::config32_g16>;

// The locking wrapper in full around the main engine (the lean engine lacks some calls it
// forwards, such as reserve_handles, so main() uses that one member by member).
template class tinymem::synchronized_pool<tinymem::pool<4096>>;

#ifndef TINYMEM_CORE_ONLY
template class tinymem::memory_resource<tinymem::config16>;
template class tinymem::memory_resource<tinymem::config32>;
template class tinymem::vector<int, tinymem::config16>;
template class tinymem::vector<double, tinymem::config32>;
template class tinymem::vector<std::uint8_t, tinymem::config17>;
template class tinymem::flat_map<int, double, std::less<int>, tinymem::config16>;
template class tinymem::flat_map<std::uint16_t, std::uint64_t, std::greater<>, tinymem::config32>;
template class tinymem::flat_set<int, std::less<int>, tinymem::config16>;
template class tinymem::flat_set<std::uint8_t, std::less<>, tinymem::config17>;
template class tinymem::hash_table<int, int, tinymem::hash<int>, tinymem::key_equal<int>, tinymem::config16>;
template class tinymem::hash_table<std::uint64_t, void, tinymem::hash<std::uint64_t>, tinymem::key_equal<std::uint64_t>,
                                   tinymem::config32>;
template class tinymem::hash_table<tinymem::string, tinymem::vector<int>, tinymem::hash<tinymem::string>,
                                   tinymem::key_equal<tinymem::string>, tinymem::config16>;
#endif

// Calls through the storage-carrying pools, so their constructors and the templates members
// (get<T>, allocate_for) compile too.
int main() {
    static tinymem::pool<4096> heap;
    static tinymem::bump_pool<4096> lean;
    static tinymem::synchronized_pool<tinymem::pool<4096>> shared;
    static tinymem::synchronized_pool<tinymem::bump_pool<4096, tinymem::config32>> shared_lean;
    auto h = heap.allocate(16);
    auto b = lean.allocate(16);
    auto s = shared.allocate(16);
    auto sl = shared_lean.allocate(16);
    shared_lean.defrag_steps(64);
    int ok = h && b && s && sl && heap.check().ok() && lean.check().ok() &&
                     shared_lean.with_lock([](auto& p) { return p.check().ok(); })
                 ? 0
                 : 1;
#ifndef TINYMEM_CORE_ONLY
    static tinymem::pool<8192> vheap;
    tinymem::vector<int> v(vheap);
    v.push_back(1);
    v.insert(v.begin(), 3, 2);
    v.insert(v.end(), {4, 5});
    v.insert(v.begin() + 1, 3, 6);
    tinymem::memory_resource<> res(vheap);
    void* p = res.allocate(32);
    res.deallocate(p, 32);
    ok |= v.size() == 9 ? 0 : 1;
    // The template members of flat_map / flat_set, with nested and heterogeneous use.
    tinymem::flat_map<tinymem::string, tinymem::vector<int>, std::less<>> fm(vheap);
    fm.try_emplace(tinymem::string(vheap, "k"), vheap);
    fm.emplace(std::piecewise_construct, std::forward_as_tuple(vheap, "a key longer than inline"), std::forward_as_tuple(vheap));
    fm.modify(fm.begin(), [](tinymem::vector<int>& x) { x.push_back(1); });
    auto fm2 = fm;
    ok |= fm2 == fm && fm.contains(std::string_view("k")) && fm.count(std::string_view("z")) == 0 ? 0 : 1;
    tinymem::flat_set<tinymem::string, std::less<>> fs(vheap);
    fs.emplace(vheap, "x");
    ok |= fs.contains(std::string_view("x")) ? 0 : 1;
    tinymem::flat_map<int, int> im(vheap, {{1, 2}});
    im[3] = 4;
    im.insert_or_assign(1, 5);
    ok |= erase_if(im, [](auto kv) { return kv.second == 4; }) == 1 && im.at(1) == 5 ? 0 : 1;
    tinymem::unordered_map<tinymem::string, int> words(vheap);
    words["word"] = 1;
    words.insert_or_assign(std::string_view("word"), 2);
    words.emplace(tinymem::string(vheap, "other"), 3);
    tinymem::unordered_set<int> set(vheap, {1, 2, 3});
    set.erase(set.begin());
    ok |= words.at("word") == 2 && words.contains("other") && set.size() == 2 ? 0 : 1;
#endif
    return ok;
}
