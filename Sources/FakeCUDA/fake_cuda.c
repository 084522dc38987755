// A test-only libcuda.so with the CUDA driver API's ABI for the calls Navarch's boot check
// makes: device memory is host memory, and one device can be made to return corrupted data.
#include "fake_cuda.h"
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;
typedef struct fake_context { int device; } *CUcontext;

static int device_count = 8, init_result = 0, corrupt_device = -1, initialized = 0;
static const unsigned int buses[8] = {0x18, 0x2a, 0x3a, 0x5d, 0x9a, 0xab, 0xba, 0xdb};
static struct fake_context contexts[16];
static CUcontext current = NULL;

void fake_cuda_configure(int count, int result, int corrupt) {
    device_count = count;
    init_result = result;
    corrupt_device = corrupt;
    initialized = 0;
}

CUresult cuInit(unsigned int flags) {
    if (flags != 0) return 1;
    if (init_result == 0) initialized = 1;
    return init_result;
}

CUresult cuGetErrorString(CUresult error, const char **text) {
    switch (error) {
    case 0: *text = "no error"; break;
    case 2: *text = "out of memory"; break;
    case 3: *text = "initialization error"; break;
    case 100: *text = "no CUDA-capable device is detected"; break;
    default: *text = "unknown error"; break;
    }
    return 0;
}

CUresult cuDeviceGetCount(int *count) {
    if (!initialized) return 3;
    *count = device_count;
    return 0;
}

CUresult cuDeviceGet(CUdevice *device, int ordinal) {
    if (!initialized) return 3;
    if (ordinal < 0 || ordinal >= device_count) return 101;
    *device = ordinal;
    return 0;
}

CUresult cuDeviceGetPCIBusId(char *bus_id, int length, CUdevice device) {
    if (device < 0 || device >= device_count) return 101;
    snprintf(bus_id, (size_t)length, "0000:%02X:00.0", device < 8 ? buses[device] : 0xe0 + device);
    return 0;
}

CUresult cuCtxCreate_v2(CUcontext *context, unsigned int flags, CUdevice device) {
    (void)flags;
    if (device < 0 || device >= device_count || device >= 16) return 101;
    contexts[device].device = device;
    current = &contexts[device];
    *context = current;
    return 0;
}

CUresult cuCtxDestroy_v2(CUcontext context) {
    if (context == NULL) return 1;
    if (current == context) current = NULL;
    return 0;
}

CUresult cuMemAlloc_v2(CUdeviceptr *pointer, size_t bytes) {
    if (current == NULL) return 201;
    void *memory = malloc(bytes);
    if (memory == NULL) return 2;
    *pointer = (CUdeviceptr)(uintptr_t)memory;
    return 0;
}

CUresult cuMemFree_v2(CUdeviceptr pointer) {
    free((void *)(uintptr_t)pointer);
    return 0;
}

CUresult cuMemcpyHtoD_v2(CUdeviceptr destination, const void *source, size_t bytes) {
    if (current == NULL) return 201;
    memcpy((void *)(uintptr_t)destination, source, bytes);
    return 0;
}

CUresult cuMemcpyDtoH_v2(void *destination, CUdeviceptr source, size_t bytes) {
    if (current == NULL) return 201;
    memcpy(destination, (const void *)(uintptr_t)source, bytes);
    if (current->device == corrupt_device && bytes > 4096) ((unsigned char *)destination)[4096] ^= 0x10;
    return 0;
}

__attribute__((constructor)) static void fake_cuda_load(void) {
    const char *corrupt = getenv("NAVARCH_FAKE_CUDA_CORRUPT_DEVICE");
    const char *count = getenv("NAVARCH_FAKE_CUDA_DEVICES");
    if (corrupt) corrupt_device = atoi(corrupt);
    if (count) device_count = atoi(count);
}
