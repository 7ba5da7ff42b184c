// SPDX-License-Identifier: MIT
// data(h) in non-inlined functions, built at -O2 (bench/meson.build), for scripts/bench.sh to
// disassemble: objdump -d --no-show-raw-insn --disassemble=tinymem_bench_data16 ...
#include <cstddef>
#include <cstdio>
#include <span>
#include <vector>

#include "../tests/tinymem_under_test.hpp"

extern "C" {
[[gnu::noinline]] void* tinymem_bench_data16(tinymem::basic_pool<tinymem::config16>& p,
                                             tinymem::basic_handle<tinymem::config16> h) noexcept {
    return p.data(h);
}
[[gnu::noinline]] void* tinymem_bench_data32(tinymem::basic_pool<tinymem::config32>& p,
                                             tinymem::basic_handle<tinymem::config32> h) noexcept {
    return p.data(h);
}
}

int main() {
    std::vector<std::byte> a(4096), b(4096);
    tinymem::basic_pool<tinymem::config16> p16{std::span<std::byte>(a)};
    tinymem::basic_pool<tinymem::config32> p32{std::span<std::byte>(b)};
    const auto h16 = p16.allocate(40);
    const auto h32 = p32.allocate(40);
    void* volatile d16 = tinymem_bench_data16(p16, h16);
    void* volatile d32 = tinymem_bench_data32(p32, h32);
    const bool ok = d16 != nullptr && d32 != nullptr && tinymem_bench_data16(p16, {}) == nullptr;
    std::printf("data(h): %s\n", ok ? "ok" : "WRONG");
    return ok ? 0 : 1;
}
