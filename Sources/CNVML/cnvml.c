// Types only; see include/cnvml.h.
