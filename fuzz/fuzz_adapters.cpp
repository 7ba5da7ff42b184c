// libFuzzer target for the hosted adapters: three tinymem::vector<std::uint32_t> and a
// std::pmr::vector<std::uint64_t> (through tinymem::memory_resource) share one pool; the input
// drives random operations, each mirrored on a std::vector reference. After every operation:
// every container equals its reference, and pool.check() holds. Allocation failures must leave
// the container unchanged (try_* return false; pmr throws std::bad_alloc).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory_resource>
#include <new>
#include <span>
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
    tinymem::memory_resource<Config> resource(pool);
    std::vector<tinymem::vector<std::uint32_t, Config>> vecs;
    for (int i = 0; i < 3; ++i) vecs.emplace_back(pool);
    std::vector<std::uint32_t> refs[3];
    std::pmr::vector<std::uint64_t> pv(&resource);
    std::vector<std::uint64_t> pref;
    unsigned op_ = 0;
    auto verify = [&]() {
        const auto r = pool.check();
        if (!r.ok()) fuzz::fail_at(FUZZ_TARGET, op_, "check()", r.problem);
        for (int i = 0; i < 3; ++i) {
            FUZZ_CHECK(vecs[i].size() == refs[i].size());
            for (std::size_t k = 0; k < refs[i].size(); ++k) FUZZ_CHECK(vecs[i][k] == refs[i][k]);
        }
        FUZZ_CHECK(pv.size() == pref.size());
        for (std::size_t k = 0; k < pref.size(); ++k) FUZZ_CHECK(pv[k] == pref[k]);
    };
    while (!in.empty() && op_ < 3000) {
        const std::uint8_t code = in.u8();
        const int which = code % 3;
        auto& v = vecs[which];
        auto& ref = refs[which];
        const std::uint32_t value = std::uint32_t(in.u16()) * 2654435761u;
        switch ((code >> 2) % 11) {
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
        default:
            pool.defrag();
            break;
        }
        ++op_;
        verify();
    }
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
