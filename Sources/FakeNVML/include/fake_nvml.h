// Control functions of the test-only libnvidia-ml: tests set the values every NVML call
// returns and inject XID events. Not part of NVML.
#ifndef NAVARCH_FAKE_NVML_H
#define NAVARCH_FAKE_NVML_H

/// Resets the fake to `count` healthy GPUs of `name` and makes nvmlInit_v2 return `init_result`.
void fake_nvml_reset(unsigned int count, const char *name, int init_result);
/// Sets a named value on a GPU (see fake_nvml.c for the names).
void fake_nvml_set(unsigned int gpu, const char *field, unsigned long long value);
/// Queues an XID critical-error event on a GPU.
void fake_nvml_inject_xid(unsigned int gpu, unsigned long long xid);
/// How many times nvmlInit_v2 was called.
int fake_nvml_init_calls(void);

#endif
