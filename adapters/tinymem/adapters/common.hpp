// SPDX-License-Identifier: MIT
// Shared by tinymem's hosted adapters (memory_resource, vector): the exception switch and the
// relocation trait. Same single-source rule as the core: TINYMEM_EXPORT is `export` inside the
// module interface unit (adapters/tinymem.adapters.cppm) and nothing in the header build.
#include "tinymem/version.hpp" // first: the C++20 check (see tinymem/version.hpp)
#ifndef TINYMEM_ADAPTERS_COMMON_HPP
#define TINYMEM_ADAPTERS_COMMON_HPP

#include "tinymem/export.hpp"

#ifndef TINYMEM_MODULE
#include <cstdio>
#include <cstdlib>
#include <tinymem.hpp>
#include <type_traits>
#endif

// Whether the adapters are built with exceptions. With them off (-fno-exceptions), the throwing
// members of tinymem::vector do not exist (use the try_ members), and tinymem::memory_resource
// reports every error to its handler and then calls std::abort().
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
#define TINYMEM_ADAPTERS_EXCEPTIONS 1
#else
#define TINYMEM_ADAPTERS_EXCEPTIONS 0
#endif

namespace tinymem {

// True when the adapters were compiled with exceptions (visible to module importers, who do not
// see the macro).
TINYMEM_EXPORT inline constexpr bool adapters_throw = TINYMEM_ADAPTERS_EXCEPTIONS != 0;

// Whether a T may be moved by copying its bytes (memmove) and forgetting the source, which is
// what compaction and reallocation do to the elements of a tinymem::vector.
// True for trivially copyable types. Opt a type in by specialising it:
//     template <> struct tinymem::is_relocatable<my_type> : std::true_type {};
// Only do so when no pointer into the object itself exists (no self-references, no sentinel
// nodes inside the object, nobody outside keeping a pointer to it). libstdc++'s std::string
// (short strings point into the object) and std::list (its sentinel node is inside) are NOT
// relocatable; std::unique_ptr and std::vector with the default allocator are, in practice.
TINYMEM_EXPORT template <class T>
struct is_relocatable : std::bool_constant<std::is_trivially_copyable_v<T>> {};

TINYMEM_EXPORT template <class T>
inline constexpr bool is_relocatable_v = is_relocatable<T>::value;

namespace detail {
// A mistake an adapter cannot report through its result (a reference must refer to something):
// one line on stderr, then std::abort().
[[noreturn]] inline void adapter_misuse(const char* what) noexcept {
    std::fprintf(stderr, "tinymem: %s\n", what);
    std::abort();
}
} // namespace detail

} // namespace tinymem

#endif
