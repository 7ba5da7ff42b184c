// SPDX-License-Identifier: MIT
// Memory poisoning for tinymem's free blocks: defines TINYMEM_POISON / TINYMEM_UNPOISON (and
// TINYMEM_POISONED, a query) before pool.hpp's no-op fallbacks.
//
//   AddressSanitizer (clang/gcc -fsanitize=address): ASAN_(UN)POISON_MEMORY_REGION.
//   Valgrind (define TINYMEM_VALGRIND, Meson option `valgrind`): VALGRIND_MAKE_MEM_NOACCESS on
//     poisoning, VALGRIND_MAKE_MEM_DEFINED on unpoisoning (an unpoisoned range also covers the
//     header, footer and links the pool reads next, so "undefined" would give false reports).
//   Otherwise nothing is defined here and the hooks stay no-ops.
//
// What the pool poisons: the interior of every free block (between its two free-list links and
// its footer), so a raw pointer kept into a freed block, or into the old place of a moved block,
// faults on access. Headers, footers, links, the handle table and live or pinned blocks are never
// poisoned. ASan tracks 8-byte granules as "the first k bytes are addressable": poisoning is exact
// at the start of a range and may leave up to 7 bytes at its end unpoisoned; unpoisoning may
// unpoison up to 7 bytes before a range. Both err towards "addressable": no false reports.
//
// Header build: pool.hpp includes this file. Module build: the build passes
// -DTINYMEM_POISON_HEADER="tinymem/poison.hpp" so modules/tinymem.cppm includes it in its global
// module fragment (a sanitizer header must not land in the module purview).
#ifndef TINYMEM_POISON_HPP
#define TINYMEM_POISON_HPP

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TINYMEM_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(TINYMEM_ASAN)
#define TINYMEM_ASAN 1
#endif

#if defined(TINYMEM_ASAN)
#include <sanitizer/asan_interface.h>
#define TINYMEM_POISON(ptr, bytes) ASAN_POISON_MEMORY_REGION((ptr), (bytes))
#define TINYMEM_UNPOISON(ptr, bytes) ASAN_UNPOISON_MEMORY_REGION((ptr), (bytes))
// Whether any of the bytes is poisoned (the pool then knows they are a free block's interior).
#define TINYMEM_POISONED(ptr, bytes) (__asan_region_is_poisoned((void*)(ptr), (bytes)) != nullptr)
#define TINYMEM_POISONING 1
#elif defined(TINYMEM_VALGRIND) && TINYMEM_VALGRIND
#include <valgrind/memcheck.h>
#define TINYMEM_POISON(ptr, bytes) ((void)VALGRIND_MAKE_MEM_NOACCESS((ptr), (bytes)))
#define TINYMEM_UNPOISON(ptr, bytes) ((void)VALGRIND_MAKE_MEM_DEFINED((ptr), (bytes)))
// Asks memcheck without letting it report: the query itself must not count as an error.
#define TINYMEM_POISONED(ptr, bytes) (::tinymem_valgrind_poisoned((const void*)(ptr), (bytes)))
inline bool tinymem_valgrind_poisoned(const void* p, unsigned long n) noexcept {
    if (!RUNNING_ON_VALGRIND) return false;
    VALGRIND_DISABLE_ERROR_REPORTING;
    const bool bad = VALGRIND_CHECK_MEM_IS_ADDRESSABLE(p, n) != 0;
    VALGRIND_ENABLE_ERROR_REPORTING;
    return bad;
}
#define TINYMEM_POISONING 1
#endif

#endif
