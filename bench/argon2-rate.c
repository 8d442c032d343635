/* Baseline for bench/login-throughput: how many Argon2id verifications per second raw libargon2
 * does on THREADS threads at the given cost (m KiB, t, p), for SECONDS seconds. */
#include <argon2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char encoded[256];
static double seconds;
static long counts[64];

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *worker(void *arg) {
    long index = (long)arg;
    double end = now() + seconds;
    const char *password = "Soleil#Nord42";
    while (now() < end) {
        if (argon2id_verify(encoded, password, strlen(password)) != ARGON2_OK) abort();
        counts[index]++;
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: %s THREADS SECONDS M_KIB T P\n", argv[0]);
        return 2;
    }
    int threads = atoi(argv[1]);
    seconds = atof(argv[2]);
    uint32_t m = (uint32_t)atoi(argv[3]), t = (uint32_t)atoi(argv[4]), p = (uint32_t)atoi(argv[5]);
    const char *salt = "0123456789abcdef";
    const char *password = "Soleil#Nord42";
    if (argon2id_hash_encoded(t, m, p, password, strlen(password), salt, 16, 32, encoded, sizeof encoded) != ARGON2_OK) return 1;
    pthread_t ids[64];
    for (long i = 0; i < threads; i++) pthread_create(&ids[i], NULL, worker, (void *)i);
    long total = 0;
    for (long i = 0; i < threads; i++) {
        pthread_join(ids[i], NULL);
        total += counts[i];
    }
    printf("%.1f\n", total / seconds);
    return 0;
}
