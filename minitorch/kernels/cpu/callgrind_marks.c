// Markers for counting instructions under valgrind's callgrind (not a compute kernel): a program run with
// --instr-atstart=no starts instrumenting after its imports and warm-up, zeroes the counts, and dumps
// them after each measured segment, so start-up never enters a count. Outside valgrind they do nothing.
#include <valgrind/callgrind.h>

void start_instrumentation(void) { CALLGRIND_START_INSTRUMENTATION; }
void zero_stats(void) { CALLGRIND_ZERO_STATS; }
void dump_stats(const char* name) { CALLGRIND_DUMP_STATS_AT(name); }
int running_on_valgrind(void) { return RUNNING_ON_VALGRIND; }
