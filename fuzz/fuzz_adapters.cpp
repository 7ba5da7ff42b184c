// SPDX-License-Identifier: MIT
// libFuzzer target for the hosted adapters: three tinymem::vector<std::uint32_t>, a vector of
// such vectors and a std::pmr::vector<std::uint64_t> (through tinymem::memory_resource) share
// one pool; the input drives random operations, each mirrored on a std::vector reference. After
// every operation: every container equals its reference, every live pinned_view's block is where
// the view saw it, and pool.check() holds. Allocation failures must leave the container unchanged
// (try_* return false, also for nested copies; pmr throws std::bad_alloc). Pinned views live
// across clear, shrink_to_fit, copy and move assignment: when every container is gone, so is
// every block (live_blocks 0: none orphaned). A tinymem::flat_map<std::uint16_t, std::uint32_t>
// and a tinymem::flat_set<std::uint16_t> of the same pool are mirrored on std::map / std::set
// the same way (a failed try_ insertion must leave them unchanged), the map pinned by a view
// now and then; a tinymem::unordered_map<std::uint32_t, std::uint32_t> shares the pool too,
// mirrored on a std::unordered_map: a failed insert or rehash leaves it unchanged, and every
// entry is found and iterated once after every operation.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iterator>
#include <map>
#include <memory_resource>
#include <new>
#include <optional>
#include <set>
#include <span>
#include <unordered_map>
#include <vector>

#define FUZZ_TARGET "fuzz_adapters"
#include "fuzz_support.hpp"

#include <tinymem_adapters.hpp>

namespace {

using fuzz::reader;


template <class Config>
void run(reader& in, std::size_t bytes) {
    using pool_t = tinymem::basic_pool<Config>;
    std::vector<std::byte> storage(bytes);
    pool_t pool(std::span<std::byte>(storage.data(), storage.size()));
    if (!pool.usable()) return;
    using vec_t = tinymem::vector<std::uint32_t, Config>;
    tinymem::memory_resource<Config> resource(pool);
    unsigned op_ = 0;
    {
    std::vector<vec_t> vecs;
    for (int i = 0; i < 3; ++i) vecs.emplace_back(pool);
    std::vector<std::uint32_t> refs[3];
    tinymem::vector<vec_t, Config> nested(pool);
    std::vector<std::vector<std::uint32_t>> nref;
    // A pinned view per vector slot, and the handle of the block it pinned (the block may since
    // belong to another vector: a move assignment hands a pinned block to the moved-from one).
    std::optional<tinymem::pinned_view<std::uint32_t, Config>> views[3];
    typename pool_t::handle view_handles[3];
    std::pmr::vector<std::uint64_t> pv(&resource);
    std::vector<std::uint64_t> pref;
    using fmap_t = tinymem::flat_map<std::uint16_t, std::uint32_t, std::less<>, Config>;
    fmap_t fmap(pool);
    std::map<std::uint16_t, std::uint32_t> fmref;
    tinymem::flat_set<std::uint16_t, std::less<std::uint16_t>, Config> fset(pool);
    std::set<std::uint16_t> fsref;
    std::optional<tinymem::pinned_flat_view<std::uint16_t, std::uint32_t, Config>> fview;
    typename pool_t::handle fview_keys;
    using map_t = tinymem::unordered_map<std::uint32_t, std::uint32_t, tinymem::hash<std::uint32_t>,
                                         tinymem::key_equal<std::uint32_t>, Config>;
    map_t table(pool);
    std::unordered_map<std::uint32_t, std::uint32_t> tref;
    auto verify = [&]() {
        const auto r = pool.check();
        if (!r.ok()) fuzz::fail_at(FUZZ_TARGET, op_, "check()", r.problem);
        for (int i = 0; i < 3; ++i) {
            FUZZ_CHECK(vecs[i].size() == refs[i].size());
            for (std::size_t k = 0; k < refs[i].size(); ++k) FUZZ_CHECK(vecs[i][k] == refs[i][k]);
            if (views[i] && !views[i]->empty()) {
                FUZZ_CHECK(pool.pin_count(view_handles[i]) != 0, "a viewed block is no longer pinned");
                FUZZ_CHECK(pool.data(view_handles[i]) == views[i]->data(), "a viewed block moved");
            }
        }
        FUZZ_CHECK(nested.size() == nref.size());
        for (std::size_t j = 0; j < nref.size(); ++j) {
            const vec_t& inner = nested[typename vec_t::size_type(j)];
            FUZZ_CHECK(inner.size() == nref[j].size());
            for (std::size_t k = 0; k < nref[j].size(); ++k) FUZZ_CHECK(inner[typename vec_t::size_type(k)] == nref[j][k]);
        }
        FUZZ_CHECK(pv.size() == pref.size());
        for (std::size_t k = 0; k < pref.size(); ++k) FUZZ_CHECK(pv[k] == pref[k]);
        FUZZ_CHECK(fmap.size() == fmref.size());
        FUZZ_CHECK(std::equal(fmap.begin(), fmap.end(), fmref.begin(), fmref.end(),
                              [](auto a, const auto& b) { return a.first == b.first && a.second == b.second; }));
        FUZZ_CHECK(std::equal(fset.begin(), fset.end(), fsref.begin(), fsref.end()));
        if (fview && !fview->empty()) FUZZ_CHECK(pool.data(fview_keys) == fview->keys().data(), "a viewed block moved");
        FUZZ_CHECK(table.size() == tref.size());
        std::size_t seen = 0;
        for (const auto& kv : table) {
            const auto r = tref.find(kv.first);
            FUZZ_CHECK(r != tref.end() && r->second == kv.second, "a table entry differs from the model");
            ++seen;
        }
        FUZZ_CHECK(seen == tref.size(), "table iteration saw an entry twice or missed one");
    };
    while (!in.empty() && op_ < 3000) {
        const std::uint8_t code = in.u8();
        const int which = code % 3;
        auto& v = vecs[which];
        auto& ref = refs[which];
        const std::uint32_t value = std::uint32_t(in.u16()) * 2654435761u;
        switch ((code >> 2) % 14) {
        case 0:
        case 1:
            if (v.try_push_back(value)) ref.push_back(value);
            break;
        case 2:
            if (!ref.empty()) {
                v.pop_back();
                ref.pop_back();
            }
            break;
        case 3: {
            const std::size_t at = ref.empty() ? 0 : in.u16() % (ref.size() + 1);
            if (v.try_insert(v.begin() + std::ptrdiff_t(at), value)) ref.insert(ref.begin() + std::ptrdiff_t(at), value);
            break;
        }
        case 4:
            if (!ref.empty()) {
                const std::size_t at = in.u16() % ref.size();
                const std::size_t len = 1 + in.u8() % (ref.size() - at);
                v.erase(v.begin() + std::ptrdiff_t(at), v.begin() + std::ptrdiff_t(at + len));
                ref.erase(ref.begin() + std::ptrdiff_t(at), ref.begin() + std::ptrdiff_t(at + len));
            }
            break;
        case 5: {
            const std::size_t n = in.u16() % 600;
            if (v.try_resize(typename tinymem::vector<std::uint32_t, Config>::size_type(n), value)) ref.resize(n, value);
            break;
        }
        case 6:
            if (code & 0x80) {
                v.clear();
                ref.clear();
            } else {
                v.shrink_to_fit();
            }
            break;
        case 7:
            pool.defrag_step(std::size_t(in.u8()) * 16);
            break;
        case 8:
            try {
                pv.push_back(value);
                pref.push_back(value);
            } catch (const std::bad_alloc&) {
            }
            break;
        case 9:
            if (!pref.empty()) {
                const std::size_t at = in.u16() % pref.size();
                pv.erase(pv.begin() + std::ptrdiff_t(at));
                pref.erase(pref.begin() + std::ptrdiff_t(at));
            } else {
                try {
                    pv.shrink_to_fit();
                } catch (const std::bad_alloc&) {
                }
            }
            break;
        case 10: {
            if (which == 2) { // flat_map / flat_set, mirrored on std::map / std::set
                const std::uint8_t sub = in.u8();
                const auto key = std::uint16_t(in.u16() % 512);
                switch (sub % 8) {
                case 0:
                case 1: {
                    const auto r = fmap.try_emplace(key, value);
                    if (r.first != fmap.end()) {
                        FUZZ_CHECK(r.second == fmref.try_emplace(key, value).second);
                        FUZZ_CHECK(r.first->first == key && r.first->second == fmref[key]);
                    } else {
                        FUZZ_CHECK(!r.second && fmref.count(key) == 0, "a failed try_emplace of a present key");
                    }
                    break;
                }
                case 2: { // the result first: end() is read after the call
                    const auto r = fmap.try_insert_or_assign(key, value);
                    if (r.first != fmap.end()) fmref[key] = value;
                    else FUZZ_CHECK(fmref.count(key) == 0, "a failed assignment of a present key");
                    break;
                }
                case 3:
                    FUZZ_CHECK(fmap.erase(key) == fmref.erase(key));
                    break;
                case 4: { // a key range, and lookups against the reference
                    const auto hi = std::uint16_t(key + sub / 8);
                    fmap.erase(fmap.lower_bound(key), fmap.upper_bound(hi));
                    fmref.erase(fmref.lower_bound(key), fmref.upper_bound(hi));
                    const auto probe = std::uint16_t(in.u16() % 512);
                    FUZZ_CHECK(fmap.contains(probe) == (fmref.count(probe) != 0));
                    FUZZ_CHECK(fmap.lower_bound(probe).index() ==
                               std::size_t(std::distance(fmref.begin(), fmref.lower_bound(probe))));
                    break;
                }
                case 5: {
                    const auto r = fset.try_insert(key);
                    if (r.first != fset.end()) FUZZ_CHECK(r.second == fsref.insert(key).second);
                    else FUZZ_CHECK(fsref.count(key) == 0, "a failed try_insert of a present key");
                    break;
                }
                case 6:
                    FUZZ_CHECK(fset.erase(key) == fsref.erase(key));
                    break;
                default: // a view of the map begins or ends; or the map is copied and dropped
                    if (sub & 0x80) {
                        fmap_t copy(pool);
                        if (copy.try_assign(fmap)) FUZZ_CHECK(copy == fmap);
                    } else if (fview) {
                        fview.reset();
                    } else {
                        fview.emplace(fmap.pin());
                        fview_keys = fmap.keys().handle();
                        FUZZ_CHECK(fview->size() == fmref.size());
                    }
                    break;
                }
                break;
            }
            // The hash table: keys from a small range, so inserts and erases meet.
            const std::uint32_t key = in.u8() % 97u;
            switch (code >> 6) {
            case 0: {
                const auto r = table.try_emplace(key, value);
                if (r.first != table.end()) {
                    FUZZ_CHECK(r.second == tref.emplace(key, value).second);
                } else {
                    FUZZ_CHECK(tref.count(key) == 0, "a present key reported as a failed insert");
                }
                break;
            }
            case 1:
                FUZZ_CHECK(table.erase(key) == tref.erase(key));
                break;
            case 2: {
                const auto it = table.find(key);
                FUZZ_CHECK((it == table.end()) == (tref.count(key) == 0));
                if (it != table.end()) {
                    table.erase(it);
                    tref.erase(key);
                } else if (table.try_insert_or_assign(key, value).first != table.end()) {
                    tref[key] = value;
                }
                break;
            }
            default:
                if (value & 1) { // what case 10 did before the table came (default: below)
                    pool.defrag();
                } else if (value & 2) {
                    (void)table.try_rehash(typename map_t::size_type(in.u8()));
                } else if (value & 4) {
                    table.clear();
                    tref.clear();
                } else {
                    (void)table.try_reserve(typename map_t::size_type(in.u8()));
                }
                break;
            }
            break;
        }
        case 11: // a pinned view of this vector begins, or the one there ends
            if (views[which]) {
                views[which].reset();
            } else {
                views[which].emplace(v.pin());
                view_handles[which] = v.handle();
                FUZZ_CHECK(views[which]->size() == ref.size());
            }
            break;
        case 12: { // copy or move assignment from the next vector, maybe under views
            const int from = (which + 1) % 3;
            if (code & 0x80) {
                v = std::move(vecs[from]);
                ref = refs[from];
                refs[from].clear();
                FUZZ_CHECK(vecs[from].empty());
            } else if (v.try_assign(vecs[from])) {
                ref = refs[from];
            }
            break;
        }
        case 13:
            switch (in.u8() % 5) {
            case 0: // a nested copy of this vector (may fail in the inner copy: false, no throw)
                if (nested.try_push_back(v)) nref.push_back(ref);
                break;
            case 1:
                if (!nref.empty()) {
                    nested.pop_back();
                    nref.pop_back();
                }
                break;
            case 2: { // a copy of the whole nested vector, made and dropped
                tinymem::vector<vec_t, Config> copy(pool);
                if (copy.try_assign(nested)) FUZZ_CHECK(copy == nested);
                break;
            }
            case 3:
                if (nested.try_assign(tinymem::vector<vec_t, Config>(pool))) nref.clear();
                break;
            default: { // empty ranges, also on a vector with no block
                const std::size_t at = ref.empty() ? 0 : in.u16() % (ref.size() + 1);
                v.insert(v.begin() + std::ptrdiff_t(at), {});
                v.insert(v.begin() + std::ptrdiff_t(at), 0, value);
                v.erase(v.begin() + std::ptrdiff_t(at), v.begin() + std::ptrdiff_t(at));
                break;
            }
            }
            break;
        default:
            pool.defrag();
            break;
        }
        ++op_;
        verify();
    }
    for (auto& view : views) view.reset(); // views end before their vectors
    fview.reset();
    }
    FUZZ_CHECK(pool.stats().live_blocks == 0, "a block outlived every container (orphaned)");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    reader in{data, size};
    const std::uint8_t cfg = in.u8();
    static constexpr std::size_t sizes[4] = {512, 2048, 8192, 65536};
    switch (cfg & 3) {
    case 0:
    case 1: run<tinymem::config16>(in, sizes[(cfg >> 2) & 3]); break;
    case 2: run<tinymem::config16_g8>(in, sizes[(cfg >> 2) & 3]); break;
    default: run<tinymem::config32>(in, sizes[(cfg >> 2) & 3]); break;
    }
    return 0;
}
