// SPDX-License-Identifier: MIT
// tinymem's hosted adapters, header build: #include <tinymem_adapters.hpp>.
// The module build (import tinymem; import tinymem.adapters;) compiles the same headers through
// adapters/tinymem.adapters.cppm.
//   tinymem::memory_resource<Config>  a std::pmr::memory_resource over a pool (pinned blocks)
//   tinymem::vector<T, Config>        a vector in one movable block of a pool
//   tinymem::string (basic_string<CharT, Config>)  a string in one movable block (or inline)
//   tinymem::box<T, Config>           an owning handle to one T in a movable block (make_box)
//   tinymem::flat_map<K, V, Compare, Config>, flat_set<K, Compare, Config>  sorted, in movable blocks
//   tinymem::unordered_map<K, V>, unordered_set<K>  hash tables (Robin Hood) in one movable block
//   tinymem::is_relocatable<T>        the opt-in trait for vector elements
#include <tinymem/version.hpp> // first: the C++20 check (see tinymem/version.hpp)
#ifndef TINYMEM_ADAPTERS_HPP
#define TINYMEM_ADAPTERS_HPP

#include <tinymem.hpp>

#include "tinymem/adapters/common.hpp"
#include "tinymem/adapters/memory_resource.hpp"
#include "tinymem/adapters/vector.hpp"
#include "tinymem/adapters/string.hpp"
#include "tinymem/adapters/box.hpp"
#include "tinymem/adapters/flat_map.hpp"
#include "tinymem/adapters/unordered_map.hpp"

#endif
