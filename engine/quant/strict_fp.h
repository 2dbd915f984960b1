#pragma once
// Include LAST in a codec .cpp: from here to the end of the file, every float multiply and add is
// rounded on its own. Bit-exactness with ggml's reference code (built without FMA) depends on it,
// and GCC otherwise fuses a*b+c into an FMA in C++ whenever the target CPU has one (-march=native).
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif
