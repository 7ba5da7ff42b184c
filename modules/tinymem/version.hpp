// SPDX-License-Identifier: MIT
// tinymem's version, and the one check that the compiler speaks C++20.
//
// Every public header includes this file first, before its own include guard, so it is the
// first tinymem code any route (headers, copied headers, `import tinymem;`) compiles.
//
// This file (preprocessor only: it is also read by CMake) is the single source of the version number: CMakeLists.txt parses the three
// TINYMEM_VERSION_* lines below, meson.build stops at configure time when its project version
// differs from them, and the .pc file and the CMake package take theirs from the build files.
#ifndef TINYMEM_VERSION_HPP
#define TINYMEM_VERSION_HPP

// Without C++20 the headers would fail on std::span, std::bit_width, concepts and the like with
// dozens of unrelated errors. One clear message instead; then every other tinymem header is
// skipped (its include guard is defined here) so that this stays the only error tinymem emits.
#if !defined(__cplusplus) || (__cplusplus < 202002L && !(defined(_MSVC_LANG) && _MSVC_LANG >= 202002L))
#error "tinymem needs C++20: compile with -std=c++20 (or -std=gnu++20) or later"
#define TINYMEM_EXPORT_HPP
#define TINYMEM_CONFIG_HPP
#define TINYMEM_POOL_HPP
#define TINYMEM_POOL_IMPL_HPP
#define TINYMEM_BUMP_POOL_HPP
#define TINYMEM_POISON_HPP
#define TINYMEM_SYNCHRONIZED_HPP
#define TINYMEM_HPP
#define TINYMEM_ADAPTERS_HPP
#define TINYMEM_ADAPTERS_COMMON_HPP
#define TINYMEM_ADAPTERS_MEMORY_RESOURCE_HPP
#define TINYMEM_ADAPTERS_VECTOR_HPP
#else

// The release this header belongs to (semantic versioning; see CHANGELOG.md).
#define TINYMEM_VERSION_MAJOR 0
#define TINYMEM_VERSION_MINOR 1
#define TINYMEM_VERSION_PATCH 0
// One number that grows with every release, for #if tests:
// major * 10000 + minor * 100 + patch (0.1.0 is 100, 1.2.3 would be 10203).
#define TINYMEM_VERSION \
    (TINYMEM_VERSION_MAJOR * 10000 + TINYMEM_VERSION_MINOR * 100 + TINYMEM_VERSION_PATCH)

#endif // C++20
#endif // TINYMEM_VERSION_HPP
