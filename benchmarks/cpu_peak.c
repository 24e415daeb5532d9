/* The two numbers a peak-rate estimate needs, measured on one core (chapter 13):
 *   the clock: a chain of dependent integer additions, one cycle each;
 *   float32 FLOP per cycle: 12 independent chains of fused multiply-adds on the widest vectors
 *   the compiler was given (-march=native), enough to keep every FMA unit busy.
 * Build and run: make peak */
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

#if defined(__AVX512F__)
typedef __m512 vec;
#define LANES 16
#define SET1 _mm512_set1_ps
#define FMA _mm512_fmadd_ps
#define STORE _mm512_storeu_ps
#else
typedef __m256 vec;
#define LANES 8
#define SET1 _mm256_set1_ps
#define FMA _mm256_fmadd_ps
#define STORE _mm256_storeu_ps
#endif
#define CHAINS 12

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(void) {
    long adds = 1000000000L, x = 0;
    double start = now();
    for (long i = 0; i < adds; i++)  /* 4 dependent adds: 4 cycles per iteration */
        __asm__ volatile("add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0" : "+r"(x));
    double ghz = 4.0 * adds / (now() - start) / 1e9;

    vec acc[CHAINS], b = SET1(1.0000001f), c = SET1(1e-7f);
    for (int k = 0; k < CHAINS; k++) acc[k] = SET1((float)k);
    long steps = 100000000L;
    start = now();
    for (long i = 0; i < steps; i++)
        for (int k = 0; k < CHAINS; k++) acc[k] = FMA(acc[k], b, c);
    double gflops = 2.0 * LANES * CHAINS * steps / (now() - start) / 1e9;

    float sink[LANES];
    volatile float keep = 0;  /* use the results, so the compiler keeps the work */
    for (int k = 0; k < CHAINS; k++) { STORE(sink, acc[k]); keep += sink[0]; }
    printf("clock: %.2f GHz (dependent additions)\n", ghz);
    printf("%d-bit FMA: %.0f GFLOP/s on one core = %.1f float32 FLOP per cycle\n", LANES * 32,
           gflops, gflops / ghz);
    return 0;
}
