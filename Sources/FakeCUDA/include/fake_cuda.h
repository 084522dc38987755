// Control functions of the test-only libcuda: tests choose the device count, cuInit's result
// and a device whose memory returns corrupted data. Not part of CUDA.
#ifndef NAVARCH_FAKE_CUDA_H
#define NAVARCH_FAKE_CUDA_H

/// `count` devices on the HGX buses 18, 2a, 3a, ...; cuInit returns `init_result`; reads back
/// from `corrupt_device` (or -1 for none) have one byte flipped.
void fake_cuda_configure(int count, int init_result, int corrupt_device);

#endif
