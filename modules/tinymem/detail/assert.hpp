// SPDX-License-Identifier: MIT
// TINYMEM_ASSERT: checks of the preconditions the documentation states ("Requires:") and of the
// internal ones, in builds that ask for them. Touches nothing but the failure report.
//
// A failed check is a bug in the caller (a public precondition) or in tinymem (an internal one):
// the public API reports every *input* error as an `error` value and never asserts on one; an
// assertion fires only where continuing would corrupt the pool or read outside it.
#ifndef TINYMEM_DETAIL_ASSERT_HPP
#define TINYMEM_DETAIL_ASSERT_HPP

// TINYMEM_ASSERTIONS: 1 compiles the checks in, 0 leaves them out (their conditions are then not
// evaluated). Default: on where NDEBUG is not defined, except on Cortex-M, where flash and the
// time limits are tight; define it to choose. Meson's option `assertions` sets it for the module
// and for every target of the project (on in debug builds and in the test suite).
#ifndef TINYMEM_ASSERTIONS
#if !defined(NDEBUG) && !(defined(__ARM_ARCH_PROFILE) && __ARM_ARCH_PROFILE == 'M')
#define TINYMEM_ASSERTIONS 1
#else
#define TINYMEM_ASSERTIONS 0
#endif
#endif

// What a failed check does: by default, on a hosted platform, print "tinymem: assertion failed"
// with the condition, file and line to stderr and abort(); freestanding, trap. Define
// TINYMEM_ASSERT_FAILED(condition_text, file, line) (an expression that does not return) to route
// it elsewhere, e.g. to a board's fault handler. Header build only: the module unit is compiled
// with the default.
#if TINYMEM_ASSERTIONS && !defined(TINYMEM_ASSERT_FAILED)
#if defined(__STDC_HOSTED__) && __STDC_HOSTED__ == 1 && !(defined(__ARM_ARCH_PROFILE) && __ARM_ARCH_PROFILE == 'M')
#ifndef TINYMEM_MODULE
#include <cstdio>
#include <cstdlib>
#endif
namespace tinymem::detail {
[[noreturn, gnu::cold, gnu::noinline]] inline void assertion_failed(const char* condition, const char* file,
                                                                  int line) noexcept {
    std::fprintf(stderr, "tinymem: assertion failed: %s (%s:%d)\n", condition, file, line);
    std::abort();
}
} // namespace tinymem::detail
#define TINYMEM_ASSERT_FAILED(condition, file, line) ::tinymem::detail::assertion_failed(condition, file, line)
#else
#define TINYMEM_ASSERT_FAILED(condition, file, line) __builtin_trap()
#endif
#endif

// TINYMEM_ASSERT(condition): checks `condition` when TINYMEM_ASSERTIONS is 1. Costs one test and
// branch when on, nothing when off. Usable in constexpr functions: a failed check in constant
// evaluation is a compile-time error.
#if TINYMEM_ASSERTIONS
#define TINYMEM_ASSERT(condition)                                                                  \
    do {                                                                                           \
        if (!(condition)) [[unlikely]]                                                             \
            TINYMEM_ASSERT_FAILED(#condition, __FILE__, __LINE__);                                 \
    } while (false)
#else
#define TINYMEM_ASSERT(condition)                                                                  \
    do {                                                                                           \
        (void)sizeof(!(condition));                                                                \
    } while (false)
#endif

#endif
