/* Force-included into mlx-c's C++ sources and bindgen's parse on targets without Arm's
 * half-precision types. mlx-c's half.h only defines float16_t/bfloat16_t (and HAS_FLOAT16,
 * HAS_BFLOAT16, which guard the float16/bfloat16 accessors) on Arm, but mlx-rs calls those
 * accessors on every target. Both are 16-bit storage types here: the accessors only move
 * bits (data pointers, scalar items), and mlx-rs converts the bits with half::f16/bf16.
 * bindgen turns __fp16 into `__BindgenFloat16(u16)` and uint16_t into `u16`, the shapes
 * mlx-rs expects (the same as on Arm). */
#pragma once
#if !defined(__aarch64__) && !defined(__ARM_FEATURE_FP16_SCALAR_ARITHMETIC)
#include <stdint.h>
#define HAS_FLOAT16
#define HAS_BFLOAT16
#if defined(__clang__) && !defined(__cplusplus)
typedef __fp16 float16_t; /* clang accepts __fp16 as a storage-only type on every target */
#else
typedef uint16_t float16_t;
#endif
typedef uint16_t bfloat16_t;
#endif
