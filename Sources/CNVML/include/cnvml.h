// The parts of NVML's C ABI that Navarch uses, declared from NVIDIA's public nvml.h
// documentation. Navarch never links libnvidia-ml: the agent loads it with dlopen and looks
// each function up with dlsym, so these are only types and constants.
#ifndef NAVARCH_CNVML_H
#define NAVARCH_CNVML_H

typedef int nvmlReturn_t;
typedef struct nvmlDevice_st *nvmlDevice_t;
typedef struct nvmlEventSet_st *nvmlEventSet_t;

enum {
    NAVARCH_NVML_SUCCESS = 0,
    NAVARCH_NVML_ERROR_UNINITIALIZED = 1,
    NAVARCH_NVML_ERROR_INVALID_ARGUMENT = 2,
    NAVARCH_NVML_ERROR_NOT_SUPPORTED = 3,
    NAVARCH_NVML_ERROR_NOT_FOUND = 6,
    NAVARCH_NVML_ERROR_INSUFFICIENT_SIZE = 7,
    NAVARCH_NVML_ERROR_DRIVER_NOT_LOADED = 9,
    NAVARCH_NVML_ERROR_TIMEOUT = 10,
    NAVARCH_NVML_ERROR_LIBRARY_NOT_FOUND = 12,
    NAVARCH_NVML_ERROR_GPU_IS_LOST = 15,
};

/// nvmlMemory_t
typedef struct {
    unsigned long long total;
    unsigned long long free;
    unsigned long long used;
} navarch_nvmlMemory_t;

/// nvmlUtilization_t
typedef struct {
    unsigned int gpu;
    unsigned int memory;
} navarch_nvmlUtilization_t;

/// nvmlPciInfo_t (the v3 layout used by nvmlDeviceGetPciInfo_v3)
typedef struct {
    char busIdLegacy[16];
    unsigned int domain;
    unsigned int bus;
    unsigned int device;
    unsigned int pciDeviceId;
    unsigned int pciSubSystemId;
    char busId[32];
} navarch_nvmlPciInfo_t;

/// nvmlEventData_t
typedef struct {
    nvmlDevice_t device;
    unsigned long long eventType;
    unsigned long long eventData;
    unsigned int gpuInstanceId;
    unsigned int computeInstanceId;
} navarch_nvmlEventData_t;

/// nvmlGpuFabricInfo_t: the GPU's place in a multi-node NVLink (NVSwitch) fabric.
typedef struct {
    unsigned char clusterUuid[16];
    int status;
    unsigned int cliqueId;
    unsigned char state;
} navarch_nvmlGpuFabricInfo_t;

/// NVML_GPU_FABRIC_STATE_COMPLETED: the GPU has joined its fabric.
#define NAVARCH_NVML_GPU_FABRIC_STATE_COMPLETED 3

/// nvmlEventTypeXidCriticalError
#define NAVARCH_NVML_EVENT_TYPE_XID_CRITICAL_ERROR 0x0000000000000008LL
/// NVML_NVLINK_MAX_LINKS
#define NAVARCH_NVML_NVLINK_MAX_LINKS 18

#endif
