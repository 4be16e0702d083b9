/*
 * src/net/pgwire.h — the PostgreSQL wire protocol (v3) server behind
 * `megadb serve`: message framing and decoding, SCRAM-SHA-256, type OIDs and
 * binary formats, and the server entry point.  The pieces that SQL cannot
 * reach (decoder, SCRAM, binary encodings) are declared here so that
 * test/unit/test_pgwire.c can test them directly.
 */
#ifndef MDB_PGWIRE_H
#define MDB_PGWIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "megadb.h"

/* Largest message a client may send (PostgreSQL's own limit is 1 GiB too). */
#define PGWIRE_MAX_MESSAGE (1u << 30)
/* Largest startup packet (as in PostgreSQL). */
#define PGWIRE_MAX_STARTUP 10000

#define PGWIRE_PROTOCOL_3 196608u   /* 3.0 */
#define PGWIRE_SSL_REQUEST 80877103u
#define PGWIRE_GSSENC_REQUEST 80877104u
#define PGWIRE_CANCEL_REQUEST 80877102u

/* ---- reading a message's fields (bounds-checked) ------------------------------ */

/* A cursor over one message body.  Every read checks the bounds; a read past
 * the end sets `bad` and returns a zero value, so a decoder may read all its
 * fields and check `bad` once. */
typedef struct PgReader {
    const uint8_t *p;
    size_t len, pos;
    bool bad;
} PgReader;

void pgr_init(PgReader *r, const void *p, size_t len);
uint8_t pgr_byte(PgReader *r);
int16_t pgr_int16(PgReader *r);
int32_t pgr_int32(PgReader *r);
/* A NUL-terminated string inside the message (pointer into it). */
const char *pgr_cstr(PgReader *r);
/* n bytes (pointer into the message); n < 0 is an error. */
const uint8_t *pgr_bytes(PgReader *r, int32_t n);
/* True when every byte was consumed and nothing was bad. */
bool pgr_done(const PgReader *r);

/* ---- writing messages ------------------------------------------------------- */

typedef struct PgBuf {
    uint8_t *data;
    size_t len, cap;
    size_t msg_start; /* where the open message's length field is */
} PgBuf;

void pgb_free(PgBuf *b);
void pgb_begin(PgBuf *b, char type);   /* type byte + length placeholder */
void pgb_end(PgBuf *b);                /* patches the length */
void pgb_byte(PgBuf *b, uint8_t v);
void pgb_int16(PgBuf *b, int16_t v);
void pgb_int32(PgBuf *b, int32_t v);
void pgb_bytes(PgBuf *b, const void *p, size_t n);
void pgb_cstr(PgBuf *b, const char *s);

/* ---- startup packet ------------------------------------------------------------ */

typedef struct PgStartup {
    uint32_t code;       /* protocol version or a special request code */
    int nparams;
    const char *names[64];
    const char *values[64];
    uint32_t cancel_pid, cancel_key; /* CancelRequest */
} PgStartup;

/* Decodes a startup packet body (after its length word).  Returns false with
 * *why set on malformed input. */
bool pgwire_parse_startup(const uint8_t *p, size_t len, PgStartup *out, const char **why);

/* ---- SCRAM-SHA-256 (RFC 5802, RFC 7677) ------------------------------------------ */

typedef struct ScramVerifier {
    int iterations;
    uint8_t salt[64];
    int salt_len;
    uint8_t stored_key[32];
    uint8_t server_key[32];
} ScramVerifier;

int scram_verifier_make(const char *password, const uint8_t *salt, int salt_len, int iterations, ScramVerifier *out);
/* "SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>" (base64), as PostgreSQL stores it. */
void scram_verifier_format(const ScramVerifier *v, char *buf, size_t cap);
bool scram_verifier_parse(const char *s, ScramVerifier *out);

typedef struct ScramState {
    ScramVerifier v;
    bool mock;                  /* unknown user: run the exchange, then fail */
    char gs2_header[64];
    char client_first_bare[512];
    char server_first[512];
    char nonce[256];            /* client nonce + server nonce */
} ScramState;

enum { SCRAM_OK = 0, SCRAM_PROTOCOL = -1, SCRAM_BAD_PASSWORD = -2 };

/* client-first-message → server-first-message in out.  server_nonce is
 * printable base64 text. */
int scram_server_first(ScramState *st, const char *msg, size_t len, const char *server_nonce, char *out, size_t cap);
/* client-final-message → server-final-message ("v=…") in out. */
int scram_server_final(ScramState *st, const char *msg, size_t len, char *out, size_t cap);

size_t pgwire_base64_encode(const uint8_t *in, size_t n, char *out);
/* Returns the decoded length, or -1 on invalid input. */
long pgwire_base64_decode(const char *in, size_t n, uint8_t *out, size_t cap);

/* ---- types ---------------------------------------------------------------------- */

typedef struct PgTypeInfo {
    uint32_t oid;
    int16_t typlen;
    int32_t typmod;
} PgTypeInfo;

/* The PostgreSQL type of a column from the engine's type name. */
PgTypeInfo pgwire_type_from_name(const char *type_name);
/* The engine type a client's parameter OID asks for (MDB_TYPE_NULL: infer). */
MdbType pgwire_mdb_type_of_oid(uint32_t oid);
uint32_t pgwire_oid_of_mdb_type(MdbType t);

/* Binary result: encodes the value whose text form is `text` (as the engine
 * prints it) in PostgreSQL's binary format of type `oid` into b.  Returns false
 * when the type has no binary form here. */
bool pgwire_encode_binary(uint32_t oid, const char *text, size_t len, PgBuf *b);
/* Whether oid is an array type with a binary form (its elements' type has one). */
bool pgwire_array_has_binary(uint32_t oid);
/* Binary parameter → PostgreSQL text form in out (malloc'd).  Returns false
 * on malformed input or an unsupported type. */
bool pgwire_decode_binary(uint32_t oid, const uint8_t *p, size_t len, char **out, size_t *out_len);

/* ---- the server -------------------------------------------------------------------- */

/* `megadb serve …`: argv[0] is "serve".  Returns the exit status. */
int pgwire_serve_main(int argc, char **argv);

#endif
