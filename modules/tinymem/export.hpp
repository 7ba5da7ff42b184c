// SPDX-License-Identifier: MIT
// The one switch between the two builds of tinymem's single source of truth.
// Inside the module interface unit (modules/tinymem.cppm) TINYMEM_MODULE is defined and every
// public declaration is exported; in the header build the macro expands to nothing.
//
// Two macros, two sides (docs/building.md, "One source of truth, two builds"):
//   TINYMEM_MODULE      tinymem's own: defined only by its module interface units
//                       (tinymem.cppm, tinymem.adapters.cppm) while they compile the headers in
//                       the module purview. It makes TINYMEM_EXPORT `export` and leaves out the
//                       standard #includes (the units' global fragments hold them). Never define
//                       it yourself.
//   TINYMEM_USE_MODULE  the consumer's: the build defines it (Meson's tinymem dependency, CMake's
//                       tinymem_module target) for code that should `import tinymem;` instead of
//                       #include <tinymem.hpp>. tinymem's headers never read it.
#ifndef TINYMEM_EXPORT_HPP
#define TINYMEM_EXPORT_HPP

#ifdef TINYMEM_MODULE
#define TINYMEM_EXPORT export
#else
#define TINYMEM_EXPORT
#endif

#endif
