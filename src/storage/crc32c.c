/*
 * src/storage/crc32c.c — CRC-32C with the SSE 4.2 instruction when the CPU has
 * it (checked once at run time) and a slicing-by-8 table otherwise.  Both give
 * the standard CRC-32C (reflected polynomial 0x82F63B78, initial and final
 * XOR with ~0), so files written on one machine verify on another.
 */
#include "storage/crc32c.h"

#include <pthread.h>

#define CRC32C_POLY 0x82F63B78u

static u32 crc_table[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;
static bool crc_hw;

static void crc_init(void)
{
    for (u32 i = 0; i < 256; i++) {
        u32 c = i;
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (CRC32C_POLY & (0u - (c & 1)));
        crc_table[0][i] = c;
    }
    for (u32 i = 0; i < 256; i++)
        for (int t = 1; t < 8; t++) crc_table[t][i] = (crc_table[t - 1][i] >> 8) ^ crc_table[0][crc_table[t - 1][i] & 0xff];
#if defined(__x86_64__)
    __builtin_cpu_init();
    crc_hw = __builtin_cpu_supports("sse4.2");
#endif
}

static u32 crc_sw(u32 crc, const u8 *p, size_t n)
{
    while (n >= 8) {
        u64 w;
        memcpy(&w, p, 8);
        w ^= crc;
        crc = crc_table[7][w & 0xff] ^ crc_table[6][(w >> 8) & 0xff] ^ crc_table[5][(w >> 16) & 0xff] ^
              crc_table[4][(w >> 24) & 0xff] ^ crc_table[3][(w >> 32) & 0xff] ^ crc_table[2][(w >> 40) & 0xff] ^
              crc_table[1][(w >> 48) & 0xff] ^ crc_table[0][w >> 56];
        p += 8;
        n -= 8;
    }
    while (n--) crc = (crc >> 8) ^ crc_table[0][(crc ^ *p++) & 0xff];
    return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) static u32 crc_hw_run(u32 crc, const u8 *p, size_t n)
{
    u64 c = crc;
    while (n >= 8) {
        u64 w;
        memcpy(&w, p, 8);
        c = __builtin_ia32_crc32di(c, w);
        p += 8;
        n -= 8;
    }
    u32 c32 = (u32)c;
    while (n--) c32 = __builtin_ia32_crc32qi(c32, *p++);
    return c32;
}
#endif

u32 crc32c_extend(u32 crc, const void *data, size_t n)
{
    pthread_once(&crc_once, crc_init);
    crc = ~crc;
#if defined(__x86_64__)
    if (crc_hw) return ~crc_hw_run(crc, data, n);
#endif
    return ~crc_sw(crc, data, n);
}
