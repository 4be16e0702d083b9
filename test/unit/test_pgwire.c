/*
 * test/unit/test_pgwire.c — the wire protocol pieces that SQL cannot reach:
 * the bounds-checked message reader, the startup packet decoder on malformed
 * input, SCRAM-SHA-256 against the test vector of RFC 7677, the verifier's
 * stored form, and the binary encodings of results and parameters.
 */
#include <stdlib.h>

#include "net/pgwire.h"
#include "unit.h"

static void test_reader(void)
{
    static const uint8_t msg[] = {0, 5, 0, 0, 1, 0, 'a', 'b', 0, 'x'};
    PgReader r;
    pgr_init(&r, msg, sizeof msg);
    CHECK_INT(pgr_int16(&r), 5);
    CHECK_INT(pgr_int32(&r), 256);
    CHECK_STR(pgr_cstr(&r), "ab");
    CHECK(!pgr_done(&r));
    CHECK(pgr_bytes(&r, 1)[0] == 'x');
    CHECK(pgr_done(&r));
    /* reading past the end marks the reader bad and returns zero values */
    CHECK_INT(pgr_int32(&r), 0);
    CHECK(r.bad);
    CHECK(!pgr_done(&r));
    /* a string without its NUL, a negative or oversized byte count */
    pgr_init(&r, "abc", 3);
    CHECK_STR(pgr_cstr(&r), "");
    CHECK(r.bad);
    pgr_init(&r, "abc", 3);
    CHECK(pgr_bytes(&r, -1) == NULL && r.bad);
    pgr_init(&r, "abc", 3);
    CHECK(pgr_bytes(&r, 4) == NULL && r.bad);
    pgr_init(&r, "abc", 3);
    CHECK(pgr_bytes(&r, 0x7fffffff) == NULL && r.bad);
}

static void test_writer(void)
{
    PgBuf b = {0};
    pgb_begin(&b, 'C');
    pgb_cstr(&b, "SELECT 1");
    pgb_end(&b);
    CHECK_INT(b.len, 1 + 4 + 9);
    CHECK(b.data[0] == 'C' && b.data[4] == 13);
    pgb_free(&b);
}

static void test_startup(void)
{
    PgStartup su;
    const char *why = NULL;
    static const uint8_t ok[] = {0, 3, 0, 0, 'u', 's', 'e', 'r', 0, 'b', 'o', 'b', 0, 0};
    CHECK(pgwire_parse_startup(ok, sizeof ok, &su, &why));
    CHECK_INT(su.code, PGWIRE_PROTOCOL_3);
    CHECK_INT(su.nparams, 1);
    CHECK_STR(su.values[0], "bob");
    /* missing final terminator, value without NUL, protocol 2 */
    CHECK(!pgwire_parse_startup(ok, sizeof ok - 1, &su, &why));
    CHECK(!pgwire_parse_startup(ok, sizeof ok - 2, &su, &why));
    static const uint8_t v2[] = {0, 2, 0, 0, 0};
    CHECK(!pgwire_parse_startup(v2, sizeof v2, &su, &why));
    static const uint8_t cancel[] = {0x04, 0xd2, 0x16, 0x2e, 0, 0, 0, 7, 0, 0, 0, 9};
    CHECK(pgwire_parse_startup(cancel, sizeof cancel, &su, &why));
    CHECK_INT(su.code, PGWIRE_CANCEL_REQUEST);
    CHECK_INT(su.cancel_pid, 7);
    CHECK_INT(su.cancel_key, 9);
    CHECK(!pgwire_parse_startup(cancel, sizeof cancel - 1, &su, &why));
    CHECK(!pgwire_parse_startup(cancel, 2, &su, &why));
}

/* RFC 7677 section 3: user "user", password "pencil". */
static void test_scram_rfc7677(void)
{
    uint8_t salt[32];
    long n = pgwire_base64_decode("W22ZaJ0SNY7soEsUEjb6gQ==", 24, salt, sizeof salt);
    CHECK_INT(n, 16);
    ScramState st = {0};
    CHECK_INT(scram_verifier_make("pencil", salt, (int)n, 4096, &st.v), 0);
    char out[600];
    const char *first = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
    CHECK_INT(scram_server_first(&st, first, strlen(first), "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0", out, sizeof out), SCRAM_OK);
    CHECK_STR(out, "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
    const char *final = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    ScramState copy = st;
    CHECK_INT(scram_server_final(&st, final, strlen(final), out, sizeof out), SCRAM_OK);
    CHECK_STR(out, "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
    /* a proof off by one bit, a wrong nonce, a changed channel binding, an unknown user */
    const char *badp = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVU=";
    st = copy;
    CHECK_INT(scram_server_final(&st, badp, strlen(badp), out, sizeof out), SCRAM_BAD_PASSWORD);
    const char *badn = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k1,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    st = copy;
    CHECK_INT(scram_server_final(&st, badn, strlen(badn), out, sizeof out), SCRAM_PROTOCOL);
    const char *badc = "c=eSws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    st = copy;
    CHECK_INT(scram_server_final(&st, badc, strlen(badc), out, sizeof out), SCRAM_PROTOCOL);
    st = copy;
    st.mock = true;
    CHECK_INT(scram_server_final(&st, final, strlen(final), out, sizeof out), SCRAM_BAD_PASSWORD);
    /* malformed first messages */
    ScramState s2 = {0};
    s2.v = copy.v;
    CHECK_INT(scram_server_first(&s2, "p=tls-server-end-point,,n=,r=abc", 32, "xyz", out, sizeof out), SCRAM_PROTOCOL);
    CHECK_INT(scram_server_first(&s2, "n,,n=user", 9, "xyz", out, sizeof out), SCRAM_PROTOCOL);
    CHECK_INT(scram_server_first(&s2, "n", 1, "xyz", out, sizeof out), SCRAM_PROTOCOL);
    CHECK_INT(scram_server_final(&s2, "garbage", 7, out, sizeof out), SCRAM_PROTOCOL);

    /* the stored form parses back to the same keys */
    char text[256];
    ScramVerifier back;
    scram_verifier_format(&copy.v, text, sizeof text);
    CHECK(!strncmp(text, "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$", 44));
    CHECK(scram_verifier_parse(text, &back));
    CHECK(!memcmp(back.stored_key, copy.v.stored_key, 32) && !memcmp(back.server_key, copy.v.server_key, 32));
    CHECK_INT(back.iterations, 4096);
    CHECK(!scram_verifier_parse("SCRAM-SHA-256$x:abc$def:ghi", &back));
    CHECK(!scram_verifier_parse("md5abc", &back));
    CHECK_INT(pgwire_base64_decode("abc", 3, salt, sizeof salt), -1);
    CHECK_INT(pgwire_base64_decode("a*c=", 4, salt, sizeof salt), -1);
}

/* Encodes text as binary of oid, decodes it back, and compares with want. */
static void roundtrip(uint32_t oid, const char *text, const char *want)
{
    PgBuf b = {0};
    char *back = NULL;
    size_t n = 0;
    CHECK(pgwire_encode_binary(oid, text, strlen(text), &b));
    CHECK(pgwire_decode_binary(oid, b.data, b.len, &back, &n));
    if (back) CHECK_STR(back, want);
    free(back);
    pgb_free(&b);
}

static void test_binary(void)
{
    roundtrip(23, "-42", "-42");
    roundtrip(20, "9223372036854775807", "9223372036854775807");
    roundtrip(16, "t", "true");
    roundtrip(701, "0.1", "0.10000000000000001");
    roundtrip(1700, "-123456.7800", "-123456.7800");
    roundtrip(1700, "0.0001", "0.0001");
    roundtrip(1700, "10000", "10000");
    roundtrip(1700, "0", "0");
    roundtrip(1700, "NaN", "NaN");
    roundtrip(1082, "2000-01-01", "2000-01-01");
    roundtrip(1082, "1999-12-31", "1999-12-31");
    roundtrip(1082, "0044-03-15 BC", "0044-03-15 BC");
    roundtrip(1114, "2024-02-29 12:34:56.5", "2024-02-29 12:34:56.500000");
    roundtrip(1184, "2024-01-01 01:00:00+01", "2024-01-01 00:00:00.000000+00");
    roundtrip(1083, "23:59:59.999999", "23:59:59.999999");
    roundtrip(1186, "1 year 2 mons 3 days -04:05:06.5", "14 mons 3 days -04:05:06.500000");
    roundtrip(2950, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
    roundtrip(17, "\\x00ff", "\\x00ff");
    roundtrip(25, "héllo", "héllo");
    /* arrays: elements in their binary forms, quoting restored on the way back */
    roundtrip(1007, "{1,NULL,-3}", "{1,NULL,-3}");
    roundtrip(1009, "{a,\"b c\",NULL,\"q\\\"x\",\"\",\"null\"}", "{a,\"b c\",NULL,\"q\\\"x\",\"\",\"null\"}");
    roundtrip(1007, "{}", "{}");
    roundtrip(1231, "{1.25,-3}", "{1.25,-3}");
    roundtrip(1182, "{2020-01-01,infinity}", "{2020-01-01,infinity}");
    roundtrip(1001, "{\"\\\\x00ff\"}", "{\"\\\\x00ff\"}");
    /* numeric -3.00 in PostgreSQL's layout */
    PgBuf b = {0};
    CHECK(pgwire_encode_binary(1700, "-3.00", 5, &b));
    static const uint8_t want[] = {0, 1, 0, 0, 0x40, 0, 0, 2, 0, 3};
    CHECK(b.len == sizeof want && !memcmp(b.data, want, sizeof want));
    pgb_free(&b);
    /* numeric beyond 35 digits (base-10000 digits, weight up to 32767) */
    roundtrip(1700, "-123456789012345678901234567890123456789.000000000000000000000000000000000000000001",
              "-123456789012345678901234567890123456789.000000000000000000000000000000000000000001");
    roundtrip(1700, "10000000000000000000000000000000000000000000000000000000000000000000000000000000.0000000000000000",
              "10000000000000000000000000000000000000000000000000000000000000000000000000000000.0000000000000000");
    /* bit / varbit: int32 bit count, bits packed most significant first (PostgreSQL's varbit_send) */
    roundtrip(1560, "10101", "10101");
    roundtrip(1562, "", "");
    roundtrip(1562, "1111000011", "1111000011");
    CHECK(pgwire_encode_binary(1560, "10101", 5, &b));
    static const uint8_t want_bits[] = {0, 0, 0, 5, 0xA8};
    CHECK(b.len == sizeof want_bits && !memcmp(b.data, want_bits, sizeof want_bits));
    pgb_free(&b);
    CHECK(!pgwire_encode_binary(1560, "102", 3, &b));
    pgb_free(&b);
    /* malformed binary parameters are refused, not trusted */
    char *out = NULL;
    size_t n;
    CHECK(!pgwire_decode_binary(23, (const uint8_t *)"abc", 3, &out, &n));
    CHECK(!pgwire_decode_binary(1700, (const uint8_t *)"\0\5\0\0\0\0\0\0", 8, &out, &n));
    CHECK(!pgwire_decode_binary(25, (const uint8_t *)"a\0b", 3, &out, &n));
    CHECK(!pgwire_decode_binary(1560, (const uint8_t *)"\0\0\0\x11\xff", 5, &out, &n)); /* 17 bits need 3 bytes */
    CHECK(!pgwire_decode_binary(9999, (const uint8_t *)"a", 1, &out, &n));
    {
        /* int4[]: one dimension of 2 with one element missing; a wrong element type; ndim 7 */
        static const uint8_t shortarr[] = {0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 23, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 5};
        static const uint8_t wrongelem[] = {0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 5};
        static const uint8_t deep[] = {0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 23};
        static const uint8_t huge[] = {0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 23, 0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 1};
        CHECK(!pgwire_decode_binary(1007, shortarr, sizeof shortarr, &out, &n));
        CHECK(!pgwire_decode_binary(1007, wrongelem, sizeof wrongelem, &out, &n));
        CHECK(!pgwire_decode_binary(1007, deep, sizeof deep, &out, &n));
        CHECK(!pgwire_decode_binary(1007, huge, sizeof huge, &out, &n));
        static const uint8_t two_d[] = {0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 23, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 1,
                                        0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 4};
        CHECK(pgwire_decode_binary(1007, two_d, sizeof two_d, &out, &n));
        if (out) CHECK_STR(out, "{{1,2},{3,4}}");
        free(out);
        out = NULL;
        PgBuf ab = {0};
        CHECK(!pgwire_encode_binary(1007, "{1,{2}}", 7, &ab));
        CHECK(!pgwire_encode_binary(1007, "1,2", 3, &ab));
        pgb_free(&ab);
    }
    CHECK(out == NULL);
}

static void test_types(void)
{
    PgTypeInfo t = pgwire_type_from_name("numeric(10,2)");
    CHECK_INT(t.oid, 1700);
    CHECK_INT(t.typmod, (10 << 16 | 2) + 4);
    t = pgwire_type_from_name("character varying(20)");
    CHECK_INT(t.oid, 1043);
    CHECK_INT(t.typmod, 24);
    CHECK_INT(pgwire_type_from_name("timestamp with time zone").oid, 1184);
    CHECK_INT(pgwire_type_from_name("integer[]").oid, 1007);
    CHECK_INT(pgwire_type_from_name("bigint").typlen, 8);
    CHECK_INT(pgwire_type_from_name("unknown").oid, 25);
    CHECK_INT(pgwire_mdb_type_of_oid(1043), MDB_TYPE_TEXT);
    CHECK_INT(pgwire_mdb_type_of_oid(0), MDB_TYPE_NULL);
}

void suite_pgwire(void)
{
    test_reader();
    test_writer();
    test_startup();
    test_scram_rfc7677();
    test_binary();
    test_types();
}
