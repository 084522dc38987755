// A test-only libnvidia-ml.so with NVML's ABI: the same symbols and signatures as NVIDIA's
// library, values set per test through fake_nvml_*, XID events injectable. Loaded by
// Navarch's real dlopen path in tests; never shipped.
#include "fake_nvml.h"
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

typedef int nvmlReturn_t;
typedef struct { unsigned long long total, free, used; } nvmlMemory_t;
typedef struct { unsigned int gpu, memory; } nvmlUtilization_t;
typedef struct {
    char busIdLegacy[16];
    unsigned int domain, bus, device, pciDeviceId, pciSubSystemId;
    char busId[32];
} nvmlPciInfo_t;
typedef struct fake_gpu *nvmlDevice_t;
typedef struct fake_set *nvmlEventSet_t;
typedef struct {
    nvmlDevice_t device;
    unsigned long long eventType, eventData;
    unsigned int gpuInstanceId, computeInstanceId;
} nvmlEventData_t;

#define MAX_GPUS 16
#define LINKS 18
#define MAX_EVENTS 256

struct fake_gpu {
    unsigned int index;
    unsigned long long temperature, slowdown, shutdown, power_mw, power_limit_mw, util_gpu, util_memory;
    unsigned long long memory_total, memory_used, clock_reasons, ecc_mode;
    unsigned long long ecc[2][2]; // [corrected, uncorrected][volatile, aggregate]
    unsigned long long retired_sbe, retired_dbe, retired_pending;
    unsigned long long remap_correctable, remap_uncorrectable, remap_pending, remap_failure;
    unsigned long long nvlinks, nvlink_down_mask, nvlink_errors[4], pcie_replays;
    unsigned long long lost;
    unsigned long long fabric_clique;
};

struct fake_set { int used; };

static struct fake_gpu gpus[MAX_GPUS];
static unsigned int gpu_count = 8;
static char gpu_name[96] = "NVIDIA H100 80GB HBM3";
static int init_result = 0;
static int initialized = 0;
static int init_calls = 0;
static struct fake_set the_set;
static nvmlEventData_t events[MAX_EVENTS];
static int event_head = 0, event_tail = 0;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t queued = PTHREAD_COND_INITIALIZER;

static const unsigned int bus_ids[8] = {0x18, 0x2a, 0x3a, 0x5d, 0x9a, 0xab, 0xba, 0xdb};

void fake_nvml_reset(unsigned int count, const char *name, int result) {
    pthread_mutex_lock(&lock);
    gpu_count = count > MAX_GPUS ? MAX_GPUS : count;
    snprintf(gpu_name, sizeof gpu_name, "%s", name);
    init_result = result;
    init_calls = 0;
    event_head = event_tail = 0;
    memset(gpus, 0, sizeof gpus);
    for (unsigned int i = 0; i < MAX_GPUS; i++) {
        struct fake_gpu *g = &gpus[i];
        g->index = i;
        g->temperature = 31 + i;
        g->slowdown = 87;
        g->shutdown = 92;
        g->power_mw = 70000 + i * 1000;
        g->power_limit_mw = 700000;
        g->memory_total = 81559ULL * 1024 * 1024;
        g->memory_used = 512ULL * 1024 * 1024;
        g->clock_reasons = 0x1;
        g->ecc_mode = 1;
        g->nvlinks = 18;
    }
    pthread_mutex_unlock(&lock);
}

void fake_nvml_set(unsigned int index, const char *field, unsigned long long value) {
    if (index >= MAX_GPUS) return;
    struct fake_gpu *g = &gpus[index];
    pthread_mutex_lock(&lock);
#define FIELD(n, target) if (strcmp(field, n) == 0) target = value;
    FIELD("temperature", g->temperature)
    FIELD("slowdown", g->slowdown)
    FIELD("shutdown", g->shutdown)
    FIELD("power_mw", g->power_mw)
    FIELD("power_limit_mw", g->power_limit_mw)
    FIELD("util_gpu", g->util_gpu)
    FIELD("util_memory", g->util_memory)
    FIELD("memory_used", g->memory_used)
    FIELD("clock_reasons", g->clock_reasons)
    FIELD("ecc_mode", g->ecc_mode)
    FIELD("ecc_sbe_volatile", g->ecc[0][0])
    FIELD("ecc_sbe_aggregate", g->ecc[0][1])
    FIELD("ecc_dbe_volatile", g->ecc[1][0])
    FIELD("ecc_dbe_aggregate", g->ecc[1][1])
    FIELD("retired_sbe", g->retired_sbe)
    FIELD("retired_dbe", g->retired_dbe)
    FIELD("retired_pending", g->retired_pending)
    FIELD("remap_correctable", g->remap_correctable)
    FIELD("remap_uncorrectable", g->remap_uncorrectable)
    FIELD("remap_pending", g->remap_pending)
    FIELD("remap_failure", g->remap_failure)
    FIELD("nvlinks", g->nvlinks)
    FIELD("nvlink_down_mask", g->nvlink_down_mask)
    FIELD("nvlink_crc_flit", g->nvlink_errors[2])
    FIELD("nvlink_replay", g->nvlink_errors[0])
    FIELD("pcie_replays", g->pcie_replays)
    FIELD("lost", g->lost)
    FIELD("fabric_clique", g->fabric_clique)
#undef FIELD
    pthread_mutex_unlock(&lock);
}

void fake_nvml_inject_xid(unsigned int index, unsigned long long xid) {
    pthread_mutex_lock(&lock);
    int next = (event_tail + 1) % MAX_EVENTS;
    if (next != event_head && index < gpu_count) {
        events[event_tail] = (nvmlEventData_t){&gpus[index], 0x8ULL, xid, 0xFFFFFFFF, 0xFFFFFFFF};
        event_tail = next;
        pthread_cond_broadcast(&queued);
    }
    pthread_mutex_unlock(&lock);
}

int fake_nvml_init_calls(void) { return init_calls; }

#define DEVICE_CHECK(d) \
    if (!initialized) return 1; \
    if ((d) == NULL) return 2; \
    if ((d)->lost) return 15;

static const char *messages[] = {
    [0] = "Success", [1] = "Uninitialized", [2] = "Invalid Argument", [3] = "Not Supported",
    [6] = "Not Found", [7] = "Insufficient Size", [9] = "Driver Not Loaded", [10] = "Timeout",
    [12] = "NVML Shared Library Not Found", [15] = "GPU is lost",
};

const char *nvmlErrorString(nvmlReturn_t result) {
    if (result >= 0 && result < (int)(sizeof messages / sizeof *messages) && messages[result]) return messages[result];
    return "Unknown Error";
}

nvmlReturn_t nvmlInit_v2(void) {
    init_calls++;
    if (init_result == 0) initialized = 1;
    return init_result;
}

nvmlReturn_t nvmlShutdown(void) {
    if (!initialized) return 1;
    initialized = 0;
    return 0;
}

static nvmlReturn_t copy_string(char *buffer, unsigned int length, const char *value) {
    if (buffer == NULL) return 2;
    if (strlen(value) + 1 > length) return 7;
    strcpy(buffer, value);
    return 0;
}

nvmlReturn_t nvmlSystemGetDriverVersion(char *version, unsigned int length) {
    if (!initialized) return 1;
    return copy_string(version, length, "570.172.08");
}

nvmlReturn_t nvmlSystemGetCudaDriverVersion_v2(int *version) {
    if (!initialized) return 1;
    *version = 12080;
    return 0;
}

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *count) {
    if (!initialized) return 1;
    *count = gpu_count;
    return 0;
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device) {
    if (!initialized) return 1;
    if (index >= gpu_count) return 2;
    *device = &gpus[index];
    return 0;
}

nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t d, char *uuid, unsigned int length) {
    DEVICE_CHECK(d)
    char value[96];
    snprintf(value, sizeof value, "GPU-0000fa4e-%04x-4000-8000-%012x", d->index, 0xabcdef + d->index);
    return copy_string(uuid, length, value);
}

nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t d, char *name, unsigned int length) {
    DEVICE_CHECK(d)
    return copy_string(name, length, gpu_name);
}

nvmlReturn_t nvmlDeviceGetSerial(nvmlDevice_t d, char *serial, unsigned int length) {
    DEVICE_CHECK(d)
    char value[32];
    snprintf(value, sizeof value, "165432100%04u", d->index);
    return copy_string(serial, length, value);
}

nvmlReturn_t nvmlDeviceGetPciInfo_v3(nvmlDevice_t d, nvmlPciInfo_t *pci) {
    DEVICE_CHECK(d)
    memset(pci, 0, sizeof *pci);
    pci->domain = 0;
    pci->bus = d->index < 8 ? bus_ids[d->index] : 0xe0 + d->index;
    pci->pciDeviceId = 0x233010de;
    snprintf(pci->busIdLegacy, sizeof pci->busIdLegacy, "0000:%02X:00.0", pci->bus);
    snprintf(pci->busId, sizeof pci->busId, "00000000:%02X:00.0", pci->bus);
    return 0;
}

nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t d, nvmlMemory_t *memory) {
    DEVICE_CHECK(d)
    memory->total = d->memory_total;
    memory->used = d->memory_used;
    memory->free = d->memory_total - d->memory_used;
    return 0;
}

nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t d, nvmlUtilization_t *utilization) {
    DEVICE_CHECK(d)
    utilization->gpu = (unsigned int)d->util_gpu;
    utilization->memory = (unsigned int)d->util_memory;
    return 0;
}

nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t d, int sensor, unsigned int *temperature) {
    DEVICE_CHECK(d)
    if (sensor != 0) return 2;
    *temperature = (unsigned int)d->temperature;
    return 0;
}

nvmlReturn_t nvmlDeviceGetTemperatureThreshold(nvmlDevice_t d, int threshold, unsigned int *temperature) {
    DEVICE_CHECK(d)
    if (threshold == 0) *temperature = (unsigned int)d->shutdown;
    else if (threshold == 1) *temperature = (unsigned int)d->slowdown;
    else return 3;
    return 0;
}

nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t d, unsigned int *milliwatts) {
    DEVICE_CHECK(d)
    *milliwatts = (unsigned int)d->power_mw;
    return 0;
}

nvmlReturn_t nvmlDeviceGetEnforcedPowerLimit(nvmlDevice_t d, unsigned int *milliwatts) {
    DEVICE_CHECK(d)
    *milliwatts = (unsigned int)d->power_limit_mw;
    return 0;
}

nvmlReturn_t nvmlDeviceGetCurrentClocksEventReasons(nvmlDevice_t d, unsigned long long *reasons) {
    DEVICE_CHECK(d)
    *reasons = d->clock_reasons;
    return 0;
}

nvmlReturn_t nvmlDeviceGetEccMode(nvmlDevice_t d, int *current, int *pending) {
    DEVICE_CHECK(d)
    *current = (int)d->ecc_mode;
    *pending = (int)d->ecc_mode;
    return 0;
}

nvmlReturn_t nvmlDeviceGetTotalEccErrors(nvmlDevice_t d, int errorType, int counterType, unsigned long long *count) {
    DEVICE_CHECK(d)
    if (!d->ecc_mode) return 3;
    if (errorType < 0 || errorType > 1 || counterType < 0 || counterType > 1) return 2;
    *count = d->ecc[errorType][counterType];
    return 0;
}

nvmlReturn_t nvmlDeviceGetRetiredPages(nvmlDevice_t d, int cause, unsigned int *count, unsigned long long *addresses) {
    DEVICE_CHECK(d)
    unsigned int actual = (unsigned int)(cause == 0 ? d->retired_sbe : d->retired_dbe);
    if (*count < actual) { *count = actual; return 7; }
    for (unsigned int i = 0; i < actual && addresses; i++) addresses[i] = 0x1000ULL * (i + 1);
    *count = actual;
    return 0;
}

nvmlReturn_t nvmlDeviceGetRetiredPagesPendingStatus(nvmlDevice_t d, int *pending) {
    DEVICE_CHECK(d)
    *pending = (int)d->retired_pending;
    return 0;
}

nvmlReturn_t nvmlDeviceGetRemappedRows(nvmlDevice_t d, unsigned int *corrected, unsigned int *uncorrected, unsigned int *pending, unsigned int *failure) {
    DEVICE_CHECK(d)
    *corrected = (unsigned int)d->remap_correctable;
    *uncorrected = (unsigned int)d->remap_uncorrectable;
    *pending = (unsigned int)d->remap_pending;
    *failure = (unsigned int)d->remap_failure;
    return 0;
}

typedef struct {
    unsigned char clusterUuid[16];
    nvmlReturn_t status;
    unsigned int cliqueId;
    unsigned char state;
} nvmlGpuFabricInfo_t;

/* A GPU in a multi-node NVLink fabric when its fabric_clique is set; NOT_SUPPORTED otherwise, as on
   HGX H100 machines without one. */
nvmlReturn_t nvmlDeviceGetGpuFabricInfo(nvmlDevice_t d, nvmlGpuFabricInfo_t *info) {
    DEVICE_CHECK(d)
    if (info == NULL) return 2;
    if (d->fabric_clique == 0) return 3;
    for (int i = 0; i < 16; i++) info->clusterUuid[i] = (unsigned char)(0x5a + i);
    info->status = 0;
    info->cliqueId = (unsigned int)d->fabric_clique;
    info->state = 3;
    return 0;
}

nvmlReturn_t nvmlDeviceGetNvLinkState(nvmlDevice_t d, unsigned int link, int *active) {
    DEVICE_CHECK(d)
    if (link >= LINKS) return 2;
    if (link >= d->nvlinks) return 3;
    *active = (d->nvlink_down_mask >> link) & 1 ? 0 : 1;
    return 0;
}

nvmlReturn_t nvmlDeviceGetNvLinkErrorCounter(nvmlDevice_t d, unsigned int link, int counter, unsigned long long *value) {
    DEVICE_CHECK(d)
    if (link >= d->nvlinks) return 3;
    if (counter < 0 || counter > 3) return 2;
    // The whole count sits on link 0.
    *value = link == 0 ? d->nvlink_errors[counter] : 0;
    return 0;
}

nvmlReturn_t nvmlDeviceGetPcieReplayCounter(nvmlDevice_t d, unsigned int *value) {
    DEVICE_CHECK(d)
    *value = (unsigned int)d->pcie_replays;
    return 0;
}

nvmlReturn_t nvmlEventSetCreate(nvmlEventSet_t *set) {
    if (!initialized) return 1;
    the_set.used = 1;
    *set = &the_set;
    return 0;
}

nvmlReturn_t nvmlDeviceRegisterEvents(nvmlDevice_t d, unsigned long long types, nvmlEventSet_t set) {
    DEVICE_CHECK(d)
    if (set == NULL || (types & ~0x8ULL)) return 3;
    return 0;
}

nvmlReturn_t nvmlEventSetWait_v2(nvmlEventSet_t set, nvmlEventData_t *data, unsigned int timeoutms) {
    if (!initialized) return 1;
    if (set == NULL) return 2;
    pthread_mutex_lock(&lock);
    if (event_head == event_tail) {
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += timeoutms / 1000;
        deadline.tv_nsec += (long)(timeoutms % 1000) * 1000000L;
        if (deadline.tv_nsec >= 1000000000L) { deadline.tv_sec++; deadline.tv_nsec -= 1000000000L; }
        while (event_head == event_tail) {
            if (pthread_cond_timedwait(&queued, &lock, &deadline) != 0) break;
        }
    }
    if (event_head == event_tail) { pthread_mutex_unlock(&lock); return 10; }
    *data = events[event_head];
    event_head = (event_head + 1) % MAX_EVENTS;
    pthread_mutex_unlock(&lock);
    return 0;
}

nvmlReturn_t nvmlEventSetFree(nvmlEventSet_t set) {
    if (set == NULL) return 2;
    return 0;
}

__attribute__((constructor)) static void fake_nvml_load(void) {
    fake_nvml_reset(8, "NVIDIA H100 80GB HBM3", 0);
    const char *count = getenv("NAVARCH_FAKE_NVML_GPUS");
    const char *result = getenv("NAVARCH_FAKE_NVML_INIT_RESULT");
    if (count || result) fake_nvml_reset(count ? (unsigned int)atoi(count) : 8, "NVIDIA H100 80GB HBM3", result ? atoi(result) : 0);
}
