// Tensors larger than maxStorageBufferRange: a binding declared with WINDOWED_BUFFER is an array of
// WINDOW_COUNT descriptors; window k starts WINDOW_STRIDE bytes after window k-1 and is longer than
// the stride, so the windows overlap (host/vulkan/window.h says by how much). A workgroup chooses
// one window from the first byte it touches, which keeps the index dynamically uniform, and may read
// up to the overlap beyond that byte. On devices whose range covers the tensor only window 0 is used.
layout(constant_id = 0) const uint WINDOW_STRIDE = 0x7f000000;
#define WINDOW_COUNT 8

#define WINDOWED_BUFFER(binding_, access, Type, name) \
  layout(binding = binding_) access buffer name##_window { Type data[]; } name[WINDOW_COUNT]

uint window_index(uint first_byte) { return first_byte / WINDOW_STRIDE; }

// Index of the window's first element, for elements of elem_bytes (a divisor of the stride).
uint window_first_element(uint window, uint elem_bytes) { return window * (WINDOW_STRIDE / elem_bytes); }
