/* Loaded into a service process (LD_PRELOAD) to make its wall clock jump, as a machine's does
 * when NTP or a person sets it: CLOCK_REALTIME, which time.time() reads, is shifted by the
 * seconds written in the file named by $WALLBOARD_CLOCK_SHIFT_FILE (read at every call, so
 * the test moves the clock while the process runs); the monotonic clock is left alone, as a
 * real jump leaves it. Only for tests. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int (*real_clock_gettime)(clockid_t, struct timespec *);

static long long shift_ns(void) {
    const char *path = getenv("WALLBOARD_CLOCK_SHIFT_FILE");
    double seconds = 0;
    if (path == NULL) return 0;
    FILE *file = fopen(path, "r");
    if (file == NULL) return 0;
    if (fscanf(file, "%lf", &seconds) != 1) seconds = 0;
    fclose(file);
    return (long long)(seconds * 1e9);
}

int clock_gettime(clockid_t id, struct timespec *ts) {
    if (real_clock_gettime == NULL)
        real_clock_gettime = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
    int result = real_clock_gettime(id, ts);
    if (result == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE)) {
        long long ns = (long long)ts->tv_sec * 1000000000LL + ts->tv_nsec + shift_ns();
        ts->tv_sec = ns / 1000000000LL;
        ts->tv_nsec = ns % 1000000000LL;
    }
    return result;
}
