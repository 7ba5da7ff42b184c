// SPDX-License-Identifier: MIT
// The one switch between the two builds of tinymem's single source of truth.
// Inside the module interface unit (modules/tinymem.cppm) TINYMEM_MODULE is defined and every
// public declaration is exported; in the header build the macro expands to nothing.
#ifndef TINYMEM_EXPORT_HPP
#define TINYMEM_EXPORT_HPP

#ifdef TINYMEM_MODULE
#define TINYMEM_EXPORT export
#else
#define TINYMEM_EXPORT
#endif

#endif
