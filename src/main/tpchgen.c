/*
 * src/main/tpchgen.c — the TPC-H data generator behind CALL tpch_generate and
 * `megadb tpch-gen` (see tpchgen.h for the contract, and
 * /work/shared/tpch/GENERATION.md for the rules it follows).
 *
 * Layout: value lists and the text grammar; the comment text pool (built once
 * per process); the per-row random stream; one function per row kind that
 * writes a row into an `Out` (a list of DataChunks and/or .tbl text); and a
 * small ordered pipeline: worker threads claim jobs (ranges of rows) and fill
 * slots, the calling thread hands the slots to the sink strictly in job order,
 * so the tables come out in key order whatever the thread count.
 */
#include "main/tpchgen.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "types/datetime.h"
#include "types/numeric.h"

/* ---- value lists (GENERATION.md §5, dists.md §1) ---------------------------------- */

static const char *const REGIONS[5] = {"AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST"};
static const struct {
    const char *name;
    int region;
} NATIONS[25] = {
    {"ALGERIA", 0}, {"ARGENTINA", 1}, {"BRAZIL", 1}, {"CANADA", 1}, {"EGYPT", 4}, {"ETHIOPIA", 0}, {"FRANCE", 3},
    {"GERMANY", 3}, {"INDIA", 2}, {"INDONESIA", 2}, {"IRAN", 4}, {"IRAQ", 4}, {"JAPAN", 2}, {"JORDAN", 4},
    {"KENYA", 0}, {"MOROCCO", 0}, {"MOZAMBIQUE", 0}, {"PERU", 1}, {"CHINA", 2}, {"ROMANIA", 3},
    {"SAUDI ARABIA", 4}, {"VIETNAM", 2}, {"RUSSIA", 3}, {"UNITED KINGDOM", 3}, {"UNITED STATES", 1},
};
static const char *const SEGMENTS[5] = {"AUTOMOBILE", "BUILDING", "FURNITURE", "HOUSEHOLD", "MACHINERY"};
static const char *const PRIORITIES[5] = {"1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW"};
static const char *const SHIPMODES[7] = {"REG AIR", "AIR", "RAIL", "TRUCK", "MAIL", "FOB", "SHIP"};
static const char *const INSTRUCTS[4] = {"DELIVER IN PERSON", "COLLECT COD", "TAKE BACK RETURN", "NONE"};
static const char *const TYPE1[6] = {"STANDARD", "SMALL", "MEDIUM", "LARGE", "ECONOMY", "PROMO"};
static const char *const TYPE2[5] = {"ANODIZED", "BURNISHED", "PLATED", "POLISHED", "BRUSHED"};
static const char *const TYPE3[5] = {"TIN", "NICKEL", "BRASS", "STEEL", "COPPER"};
static const char *const CONT1[5] = {"SM", "LG", "MED", "JUMBO", "WRAP"};
static const char *const CONT2[8] = {"CASE", "BOX", "BAG", "JAR", "PACK", "PKG", "CAN", "DRUM"};
static const char *const COLORS[92] = {
    "almond", "antique", "aquamarine", "azure", "beige", "bisque", "black", "blanched", "blue", "blush",
    "brown", "burlywood", "burnished", "chartreuse", "chiffon", "chocolate", "coral", "cornflower", "cornsilk",
    "cream", "cyan", "dark", "deep", "dim", "dodger", "drab", "firebrick", "floral", "forest", "frosted",
    "gainsboro", "ghost", "goldenrod", "green", "grey", "honeydew", "hot", "indian", "ivory", "khaki", "lace",
    "lavender", "lawn", "lemon", "light", "lime", "linen", "magenta", "maroon", "medium", "metallic", "midnight",
    "mint", "misty", "moccasin", "navajo", "navy", "olive", "orange", "orchid", "pale", "papaya", "peach", "peru",
    "pink", "plum", "powder", "puff", "purple", "red", "rose", "rosy", "royal", "saddle", "salmon", "sandy",
    "seashell", "sienna", "sky", "slate", "smoke", "snow", "spring", "steel", "tan", "thistle", "tomato",
    "turquoise", "violet", "wheat", "white", "yellow",
};
/* address characters (§3.1 item 3): 64 symbols */
static const char ADDR_CHARS[65] = "0123456789abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ,";

/* ---- pseudo-text grammar (dists.md §2) --------------------------------------------- */

typedef struct Word {
    const char *w;
    int wt;
} Word;
typedef struct WordList {
    const Word *items;
    int n;
    int total; /* filled at start-up */
} WordList;

static const Word NOUNS[] = {
    {"packages", 40}, {"requests", 40}, {"accounts", 40}, {"deposits", 40}, {"foxes", 20}, {"ideas", 20},
    {"theodolites", 20}, {"pinto beans", 20}, {"instructions", 20}, {"dependencies", 10}, {"excuses", 10},
    {"platelets", 10}, {"asymptotes", 10}, {"courts", 5}, {"dolphins", 5}, {"multipliers", 1}, {"sauternes", 1},
    {"warthogs", 1}, {"frets", 1}, {"dinos", 1}, {"attainments", 1}, {"somas", 1}, {"Tiresias", 1}, {"patterns", 1},
    {"forges", 1}, {"braids", 1}, {"frays", 1}, {"warhorses", 1}, {"dugouts", 1}, {"notornis", 1}, {"epitaphs", 1},
    {"pearls", 1}, {"tithes", 1}, {"waters", 1}, {"orbits", 1}, {"gifts", 1}, {"sheaves", 1}, {"depths", 1},
    {"sentiments", 1}, {"decoys", 1}, {"realms", 1}, {"pains", 1}, {"grouches", 1}, {"escapades", 1},
    {"hockey players", 1},
};
static const Word VERBS[] = {
    {"sleep", 20}, {"wake", 20}, {"are", 20}, {"cajole", 20}, {"haggle", 20}, {"nag", 10}, {"use", 10},
    {"boost", 10}, {"affix", 5}, {"detect", 5}, {"integrate", 5}, {"maintain", 1}, {"nod", 1}, {"was", 1},
    {"lose", 1}, {"sublate", 1}, {"solve", 1}, {"thrash", 1}, {"promise", 1}, {"engage", 1}, {"hinder", 1},
    {"print", 1}, {"x-ray", 1}, {"breach", 1}, {"eat", 1}, {"grow", 1}, {"impress", 1}, {"mold", 1}, {"poach", 1},
    {"serve", 1}, {"run", 1}, {"dazzle", 1}, {"snooze", 1}, {"doze", 1}, {"unwind", 1}, {"kindle", 1}, {"play", 1},
    {"hang", 1}, {"believe", 1}, {"doubt", 1},
};
static const Word ADJECTIVES[] = {
    {"special", 20}, {"pending", 20}, {"unusual", 20}, {"express", 20}, {"furious", 1}, {"sly", 1}, {"careful", 1},
    {"blithe", 1}, {"quick", 1}, {"fluffy", 1}, {"slow", 1}, {"quiet", 1}, {"ruthless", 1}, {"thin", 1},
    {"close", 1}, {"dogged", 1}, {"daring", 1}, {"brave", 1}, {"stealthy", 1}, {"permanent", 1}, {"enticing", 1},
    {"idle", 1}, {"busy", 1}, {"regular", 50}, {"final", 40}, {"ironic", 40}, {"even", 30}, {"bold", 20},
    {"silent", 10},
};
static const Word ADVERBS[] = {
    {"sometimes", 1}, {"always", 1}, {"never", 1}, {"furiously", 50}, {"slyly", 50}, {"carefully", 50},
    {"blithely", 40}, {"quickly", 30}, {"fluffily", 20}, {"slowly", 1}, {"quietly", 1}, {"ruthlessly", 1},
    {"thinly", 1}, {"closely", 1}, {"doggedly", 1}, {"daringly", 1}, {"bravely", 1}, {"stealthily", 1},
    {"permanently", 1}, {"enticingly", 1}, {"idly", 1}, {"busily", 1}, {"regularly", 1}, {"finally", 1},
    {"ironically", 1}, {"evenly", 1}, {"boldly", 1}, {"silently", 1},
};
static const Word PREPOSITIONS[] = {
    {"about", 50}, {"above", 50}, {"according to", 50}, {"across", 50}, {"after", 50}, {"against", 40},
    {"along", 40}, {"alongside of", 30}, {"among", 30}, {"around", 20}, {"at", 10}, {"atop", 1}, {"before", 1},
    {"behind", 1}, {"beneath", 1}, {"beside", 1}, {"besides", 1}, {"between", 1}, {"beyond", 1}, {"by", 1},
    {"despite", 1}, {"during", 1}, {"except", 1}, {"for", 1}, {"from", 1}, {"in place of", 1}, {"inside", 1},
    {"instead of", 1}, {"into", 1}, {"near", 1}, {"of", 1}, {"on", 1}, {"outside", 1}, {"over", 1}, {"past", 1},
    {"since", 1}, {"through", 1}, {"throughout", 1}, {"to", 1}, {"toward", 1}, {"under", 1}, {"until", 1},
    {"up", 1}, {"upon", 1}, {"whithout", 1}, {"with", 1}, {"within", 1},
};
static const Word AUXILIARIES[] = {
    {"do", 1}, {"may", 1}, {"might", 1}, {"shall", 1}, {"will", 1}, {"would", 1}, {"can", 1}, {"could", 1},
    {"should", 1}, {"ought to", 1}, {"must", 1}, {"will have to", 1}, {"shall have to", 1}, {"could have to", 1},
    {"should have to", 1}, {"must have to", 1}, {"need to", 1}, {"try to", 1},
};
static const Word TERMINATORS[] = {{".", 50}, {";", 1}, {":", 1}, {"?", 1}, {"!", 1}, {"--", 1}};
/* templates: sentence "NVT" etc.; noun phrase 'n' noun, 'j' adjective, ',' comma, 'd' adverb;
 * verb phrase 'v' verb, 'x' auxiliary, 'd' adverb */
static const Word SENTENCES[] = {{"NVT", 3}, {"NVPT", 3}, {"NVNT", 3}, {"NPVNT", 1}, {"NPVPT", 1}};
static const Word NOUN_PHRASES[] = {{"n", 10}, {"jn", 20}, {"j,jn", 10}, {"djn", 50}};
static const Word VERB_PHRASES[] = {{"v", 30}, {"xv", 1}, {"vd", 40}, {"xvd", 1}};

#define WL(a) {a, (int)(sizeof a / sizeof a[0]), 0}
static WordList WL_NOUN = WL(NOUNS), WL_VERB = WL(VERBS), WL_ADJ = WL(ADJECTIVES), WL_ADV = WL(ADVERBS),
                WL_PREP = WL(PREPOSITIONS), WL_AUX = WL(AUXILIARIES), WL_TERM = WL(TERMINATORS),
                WL_SENT = WL(SENTENCES), WL_NP = WL(NOUN_PHRASES), WL_VP = WL(VERB_PHRASES);

/* ---- random streams (§3.3) ---------------------------------------------------------- */

/* One stream per row: splitmix64 over a counter seeded from (table salt, row). */
typedef struct Rng {
    u64 s;
} Rng;

static inline u64 mix64(u64 z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline void rng_seed(Rng *r, u64 salt, u64 row) { r->s = mix64(salt ^ mix64(row + 0x632be59bd9b4e019ull)); }

static inline u64 rng_next(Rng *r) { return mix64(r->s += 0x9e3779b97f4a7c15ull); }

/* Uniform integer in [lo, hi], unbiased (Lemire's multiply-and-reject). */
static inline i64 rng_range(Rng *r, i64 lo, i64 hi)
{
    u64 range = (u64)(hi - lo) + 1;
    unsigned __int128 m = (unsigned __int128)rng_next(r) * range;
    u64 low = (u64)m;
    if (low < range) {
        u64 t = (0 - range) % range;
        while (low < t) {
            m = (unsigned __int128)rng_next(r) * range;
            low = (u64)m;
        }
    }
    return lo + (i64)(m >> 64);
}

static const char *wl_pick(const WordList *l, Rng *r)
{
    i64 x = rng_range(r, 1, l->total);
    for (int i = 0; i < l->n; i++) {
        x -= l->items[i].wt;
        if (x <= 0) return l->items[i].w;
    }
    return l->items[l->n - 1].w;
}

/* ---- shared tables built once: text pool, dates, types ----------------------------------- */

/* The pool's size is a free parameter (§4.3): 24 MiB keeps LIKE frequencies
 * and makes repeats of the same comment rare, and builds in well under a second. */
#define POOL_SIZE (24u << 20)
#define NDAYS 2557            /* 1992-01-01 .. 1998-12-31 */
#define ORDER_DATE_MAX 2405   /* 1998-08-02 */

static char *g_pool;
static char g_dates[NDAYS][11];
static i32 g_epoch;          /* 1992-01-01 as a DATE (days since 1970-01-01) */
static int g_cutoff;         /* 1995-06-17 as a day index */
static char g_types[150][32];
static u8 g_type_len[150];
static char g_conts[40][12];
static u8 g_cont_len[40];
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

typedef struct PoolBuf {
    char *p;
    size_t len, cap;
} PoolBuf;

static void pb_word(PoolBuf *b, const char *w, bool space)
{
    size_t n = strlen(w);
    if (space && b->len < b->cap) b->p[b->len++] = ' ';
    size_t k = MDB_MIN(n, b->cap - b->len);
    memcpy(b->p + b->len, w, k);
    b->len += k;
}

static void pool_noun_phrase(PoolBuf *b, Rng *r, bool space)
{
    const char *t = wl_pick(&WL_NP, r);
    for (const char *c = t; *c; c++) {
        switch (*c) {
        case 'n': pb_word(b, wl_pick(&WL_NOUN, r), space); break;
        case 'j': pb_word(b, wl_pick(&WL_ADJ, r), space); break;
        case 'd': pb_word(b, wl_pick(&WL_ADV, r), space); break;
        case ',': pb_word(b, ",", false); break;
        }
        space = true;
    }
}

static void pool_verb_phrase(PoolBuf *b, Rng *r)
{
    const char *t = wl_pick(&WL_VP, r);
    for (const char *c = t; *c; c++) {
        switch (*c) {
        case 'v': pb_word(b, wl_pick(&WL_VERB, r), true); break;
        case 'x': pb_word(b, wl_pick(&WL_AUX, r), true); break;
        case 'd': pb_word(b, wl_pick(&WL_ADV, r), true); break;
        }
    }
}

static void pool_sentence(PoolBuf *b, Rng *r, bool first)
{
    const char *t = wl_pick(&WL_SENT, r);
    for (const char *c = t; *c; c++) {
        switch (*c) {
        case 'N': pool_noun_phrase(b, r, !(first && c == t)); break;
        case 'V': pool_verb_phrase(b, r); break;
        case 'P':
            pb_word(b, wl_pick(&WL_PREP, r), true);
            pb_word(b, "the", true);
            pool_noun_phrase(b, r, true);
            break;
        case 'T': pb_word(b, wl_pick(&WL_TERM, r), false); break;
        }
    }
}

static void wl_init(WordList *l)
{
    l->total = 0;
    for (int i = 0; i < l->n; i++) l->total += l->items[i].wt;
}

static void init_once(void)
{
    WordList *lists[] = {&WL_NOUN, &WL_VERB, &WL_ADJ, &WL_ADV, &WL_PREP, &WL_AUX, &WL_TERM, &WL_SENT, &WL_NP, &WL_VP};
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) wl_init(lists[i]);
    /* the pool: sentences separated by one space, the last one cut off */
    PoolBuf b = {xmalloc(POOL_SIZE), 0, POOL_SIZE};
    Rng r;
    rng_seed(&r, 0x7e47c0de, 0);
    bool first = true;
    while (b.len < b.cap) {
        pool_sentence(&b, &r, first);
        first = false;
    }
    g_pool = b.p;
    g_epoch = (i32)date_from_ymd(1992, 1, 1);
    g_cutoff = (int)(date_from_ymd(1995, 6, 17) - g_epoch);
    for (int d = 0; d < NDAYS; d++) {
        int y, m, dd;
        date_to_ymd(g_epoch + d, &y, &m, &dd);
        snprintf(g_dates[d], sizeof g_dates[d], "%04d-%02d-%02d", y, m, dd);
    }
    for (int i = 0; i < 150; i++)
        g_type_len[i] = (u8)snprintf(g_types[i], sizeof g_types[i], "%s %s %s", TYPE1[i / 25], TYPE2[i / 5 % 5], TYPE3[i % 5]);
    for (int i = 0; i < 40; i++) g_cont_len[i] = (u8)snprintf(g_conts[i], sizeof g_conts[i], "%s %s", CONT1[i / 8], CONT2[i % 8]);
}

/* ---- schema ------------------------------------------------------------------------ */

enum ColKind { K_INT, K_MONEY, K_QTY, K_DATE, K_CHAR, K_VARCHAR };

typedef struct ColSpec {
    const char *name;
    u8 kind;
    u8 width; /* CHAR(n) / VARCHAR(n) */
} ColSpec;

typedef struct TableSpec {
    const char *name;
    int ncols;
    ColSpec cols[16];
} TableSpec;

static const TableSpec TABLES[TPCH_NTABLES] = {
    {"region", 3, {{"r_regionkey", K_INT, 0}, {"r_name", K_CHAR, 25}, {"r_comment", K_VARCHAR, 152}}},
    {"nation", 4, {{"n_nationkey", K_INT, 0}, {"n_name", K_CHAR, 25}, {"n_regionkey", K_INT, 0}, {"n_comment", K_VARCHAR, 152}}},
    {"supplier", 7, {{"s_suppkey", K_INT, 0}, {"s_name", K_CHAR, 25}, {"s_address", K_VARCHAR, 40}, {"s_nationkey", K_INT, 0},
                     {"s_phone", K_CHAR, 15}, {"s_acctbal", K_MONEY, 0}, {"s_comment", K_VARCHAR, 101}}},
    {"customer", 8, {{"c_custkey", K_INT, 0}, {"c_name", K_VARCHAR, 25}, {"c_address", K_VARCHAR, 40}, {"c_nationkey", K_INT, 0},
                     {"c_phone", K_CHAR, 15}, {"c_acctbal", K_MONEY, 0}, {"c_mktsegment", K_CHAR, 10}, {"c_comment", K_VARCHAR, 117}}},
    {"part", 9, {{"p_partkey", K_INT, 0}, {"p_name", K_VARCHAR, 55}, {"p_mfgr", K_CHAR, 25}, {"p_brand", K_CHAR, 10},
                 {"p_type", K_VARCHAR, 25}, {"p_size", K_INT, 0}, {"p_container", K_CHAR, 10}, {"p_retailprice", K_MONEY, 0},
                 {"p_comment", K_VARCHAR, 23}}},
    {"partsupp", 5, {{"ps_partkey", K_INT, 0}, {"ps_suppkey", K_INT, 0}, {"ps_availqty", K_INT, 0}, {"ps_supplycost", K_MONEY, 0},
                     {"ps_comment", K_VARCHAR, 199}}},
    {"orders", 9, {{"o_orderkey", K_INT, 0}, {"o_custkey", K_INT, 0}, {"o_orderstatus", K_CHAR, 1}, {"o_totalprice", K_MONEY, 0},
                   {"o_orderdate", K_DATE, 0}, {"o_orderpriority", K_CHAR, 15}, {"o_clerk", K_CHAR, 15}, {"o_shippriority", K_INT, 0},
                   {"o_comment", K_VARCHAR, 79}}},
    {"lineitem", 16, {{"l_orderkey", K_INT, 0}, {"l_partkey", K_INT, 0}, {"l_suppkey", K_INT, 0}, {"l_linenumber", K_INT, 0},
                      {"l_quantity", K_QTY, 0}, {"l_extendedprice", K_MONEY, 0}, {"l_discount", K_MONEY, 0}, {"l_tax", K_MONEY, 0},
                      {"l_returnflag", K_CHAR, 1}, {"l_linestatus", K_CHAR, 1}, {"l_shipdate", K_DATE, 0}, {"l_commitdate", K_DATE, 0},
                      {"l_receiptdate", K_DATE, 0}, {"l_shipinstruct", K_CHAR, 25}, {"l_shipmode", K_CHAR, 10}, {"l_comment", K_VARCHAR, 44}}},
};

const char *tpchgen_table_name(TpchTable t) { return TABLES[t].name; }
int tpchgen_column_count(TpchTable t) { return TABLES[t].ncols; }

LType tpchgen_column_type(TpchTable t, int col)
{
    const ColSpec *c = &TABLES[t].cols[col];
    LType ty = ltype(TYPE_INT32);
    switch (c->kind) {
    case K_INT: break;
    case K_MONEY:
    case K_QTY:
        ty = ltype(TYPE_NUMERIC);
        ty.mod1 = 15;
        ty.mod2 = 2;
        break;
    case K_DATE: ty = ltype(TYPE_DATE); break;
    default:
        ty = ltype(TYPE_TEXT);
        ty.text_kind = c->kind == K_CHAR ? TEXT_CHAR : TEXT_VARCHAR;
        ty.mod1 = c->width;
        break;
    }
    return ty;
}

static char g_ddl[TPCH_NTABLES][1024];
static pthread_once_t g_ddl_once = PTHREAD_ONCE_INIT;

static void ddl_once(void)
{
    for (int t = 0; t < TPCH_NTABLES; t++) {
        const TableSpec *ts = &TABLES[t];
        size_t o = (size_t)snprintf(g_ddl[t], sizeof g_ddl[t], "CREATE TABLE %s (", ts->name);
        for (int c = 0; c < ts->ncols; c++) {
            const ColSpec *cs = &ts->cols[c];
            char ty[32];
            switch (cs->kind) {
            case K_INT: snprintf(ty, sizeof ty, "INTEGER"); break;
            case K_MONEY:
            case K_QTY: snprintf(ty, sizeof ty, "DECIMAL(15,2)"); break;
            case K_DATE: snprintf(ty, sizeof ty, "DATE"); break;
            case K_CHAR: snprintf(ty, sizeof ty, "CHAR(%d)", cs->width); break;
            default: snprintf(ty, sizeof ty, "VARCHAR(%d)", cs->width); break;
            }
            /* the standard schema leaves the nation and region comments nullable */
            bool nullable = (t == TPCH_REGION || t == TPCH_NATION) && c == ts->ncols - 1;
            o += (size_t)snprintf(g_ddl[t] + o, sizeof g_ddl[t] - o, "%s%s %s%s", c ? ", " : "", cs->name, ty,
                                  nullable ? "" : " NOT NULL");
        }
        /* analytical data: the columnar tier, whatever default_table_access_method says */
        snprintf(g_ddl[t] + o, sizeof g_ddl[t] - o, ") USING memory");
    }
}

const char *tpchgen_table_ddl(TpchTable t)
{
    pthread_once(&g_ddl_once, ddl_once);
    return g_ddl[t];
}

int tpchgen_scale(double sf, TpchScale *out, Err *err)
{
    memset(out, 0, sizeof(*out));
    if (!(sf > 0) || sf > TPCH_MAX_SF || isnan(sf))
        return err_set(err, SQLSTATE_INVALID_PARAMETER_VALUE, "scale factor must be greater than 0 and at most %d", TPCH_MAX_SF);
    static const i64 base[TPCH_NTABLES] = {5, 25, 10000, 150000, 200000, 800000, 1500000, -1};
    out->sf = sf;
    i64 num, den;
    if (sf < 1) {
        num = llround(sf * 1000);
        den = 1000;
    } else {
        num = (i64)floor(sf);
        den = 1;
    }
    for (int t = 0; t < TPCH_NTABLES; t++) {
        if (t == TPCH_REGION || t == TPCH_NATION) out->rows[t] = base[t];
        else if (t == TPCH_LINEITEM) out->rows[t] = -1;
        else {
            i64 n = base[t] * num / den;
            out->rows[t] = n < 1 ? 1 : n;
        }
    }
    /* partsupp and orders follow their parents exactly */
    out->rows[TPCH_PARTSUPP] = 4 * out->rows[TPCH_PART];
    out->rows[TPCH_ORDERS] = 10 * out->rows[TPCH_CUSTOMER];
    out->clerks = sf >= 1 ? 1000 * (i64)floor(sf) : 1000;
    if (out->clerks < 1000) out->clerks = 1000;
    return MDB_OK_;
}

/* ---- row output --------------------------------------------------------------------- */

#define MAX_CHUNKS 8

/* Where one job's rows of one table go: DataChunks and/or .tbl text. */
typedef struct Out {
    TpchTable table;
    bool chunks, text;
    int ncols;
    const LType *types;
    Arena *arena;        /* the slot's: chunk buffers and copied strings */
    DataChunk ch[MAX_CHUNKS];
    int nch;
    DataChunk *cur;
    idx_t row;           /* row within cur */
    int col;
    char *txt;
    size_t tlen, tcap;
    i64 rows;
} Out;

static void out_begin(Out *o)
{
    if (o->chunks && (!o->cur || o->cur->count == VECTOR_SIZE)) {
        if (o->nch == MAX_CHUNKS) mdb_internal_fatal(__FILE__, __LINE__, "tpchgen: job larger than its chunks");
        o->cur = &o->ch[o->nch++];
        chunk_init(o->cur, o->types, o->ncols, VECTOR_SIZE, o->arena);
        o->cur->count = 0;
    }
    if (o->text && o->tcap - o->tlen < 1024) {
        o->tcap = o->tcap ? o->tcap * 2 : 1 << 16;
        o->txt = xrealloc(o->txt, o->tcap);
    }
    if (o->cur) o->row = o->cur->count;
    o->col = 0;
}

static inline void out_end(Out *o)
{
    if (o->chunks) o->cur->count++;
    if (o->text) o->txt[o->tlen++] = '\n';
    o->rows++;
}

static inline void text_int(Out *o, i64 v)
{
    char tmp[24];
    int n = 0;
    bool neg = v < 0;
    u64 u = neg ? (u64)(-v) : (u64)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    char *p = o->txt + o->tlen;
    if (neg) *p++ = '-';
    while (n) *p++ = tmp[--n];
    o->tlen = (size_t)(p - o->txt);
}

static inline void put_int(Out *o, i64 v)
{
    if (o->chunks) ((i32 *)o->cur->cols[o->col].data)[o->row] = (i32)v;
    if (o->text) {
        text_int(o, v);
        o->txt[o->tlen++] = '|';
    }
    o->col++;
}

/* cents printed as dollars.cc; K_QTY columns hold whole units (printed plain) */
static inline void put_money(Out *o, i64 cents)
{
    if (o->chunks) ((Numeric *)o->cur->cols[o->col].data)[o->row] = numeric_make(cents, 2);
    if (o->text) {
        i64 a = cents < 0 ? -cents : cents;
        if (cents < 0) o->txt[o->tlen++] = '-';
        text_int(o, a / 100);
        o->txt[o->tlen++] = '.';
        o->txt[o->tlen++] = (char)('0' + a % 100 / 10);
        o->txt[o->tlen++] = (char)('0' + a % 10);
        o->txt[o->tlen++] = '|';
    }
    o->col++;
}

static inline void put_qty(Out *o, i64 units)
{
    if (o->chunks) ((Numeric *)o->cur->cols[o->col].data)[o->row] = numeric_make((i128)units * 100, 2);
    if (o->text) {
        text_int(o, units);
        o->txt[o->tlen++] = '|';
    }
    o->col++;
}

static inline void put_date(Out *o, int day)
{
    if (o->chunks) ((i32 *)o->cur->cols[o->col].data)[o->row] = g_epoch + day;
    if (o->text) {
        memcpy(o->txt + o->tlen, g_dates[day], 10);
        o->tlen += 10;
        o->txt[o->tlen++] = '|';
    }
    o->col++;
}

/* stable: the bytes outlive the job (pool, static lists); else copied */
static inline void put_str(Out *o, const char *p, size_t n, bool stable)
{
    if (o->chunks) {
        Str *s = &((Str *)o->cur->cols[o->col].data)[o->row];
        *s = stable ? str_make(p, (u32)n) : str_copy(o->arena, p, (u32)n);
    }
    if (o->text) {
        memcpy(o->txt + o->tlen, p, n);
        o->tlen += n;
        o->txt[o->tlen++] = '|';
    }
    o->col++;
}

static inline void put_cstr(Out *o, const char *s) { put_str(o, s, strlen(s), true); }

/* ---- row generators ----------------------------------------------------------------- */

/* salts of the per-row streams, one per row kind */
enum { SALT_REGION = 0x1101, SALT_NATION = 0x2202, SALT_SUPPLIER = 0x3303, SALT_CUSTOMER = 0x4404, SALT_PART = 0x5505,
       SALT_ORDER = 0x6606 };

/* A comment of nominal length L (§4.3): an arbitrary slice of the pool. */
static inline void pick_text(Rng *r, int L, const char **p, size_t *n)
{
    int lo = L * 4 / 10, hi = L * 16 / 10;
    i64 off = rng_range(r, 0, POOL_SIZE - hi);
    *n = (size_t)rng_range(r, lo, hi);
    *p = g_pool + off;
}

static inline void put_text(Out *o, Rng *r, int L)
{
    const char *p;
    size_t n;
    pick_text(r, L, &p, &n);
    put_str(o, p, n, true);
}

static size_t make_address(Rng *r, char *buf)
{
    size_t n = (size_t)rng_range(r, 10, 40);
    u64 bits = 0;
    int left = 0;
    for (size_t i = 0; i < n; i++) {
        if (left == 0) {
            bits = rng_next(r);
            left = 10;
        }
        buf[i] = ADDR_CHARS[bits & 63];
        bits >>= 6;
        left--;
    }
    return n;
}

static size_t make_phone(Rng *r, int nation, char *buf)
{
    return (size_t)snprintf(buf, 16, "%02d-%03d-%03d-%04d", nation + 10, (int)rng_range(r, 100, 999), (int)rng_range(r, 100, 999),
                            (int)rng_range(r, 1000, 9999));
}

static size_t make_key_name(const char *prefix, i64 key, char *buf) { return (size_t)snprintf(buf, 32, "%s%09lld", prefix, (long long)key); }

static inline i64 retail_cents(i64 k) { return 90000 + (k / 10) % 20001 + 100 * (k % 1000); }

static inline i64 partsupp_supp(i64 k, int j, i64 S) { return (k + j * (S / 4 + (k - 1) / S)) % S + 1; }

static void gen_region(i64 u0, i64 u1, Out *o)
{
    for (i64 i = u0; i < u1; i++) {
        Rng r;
        rng_seed(&r, SALT_REGION, (u64)i);
        out_begin(o);
        put_int(o, i);
        put_cstr(o, REGIONS[i]);
        put_text(o, &r, 72);
        out_end(o);
    }
}

static void gen_nation(i64 u0, i64 u1, Out *o)
{
    for (i64 i = u0; i < u1; i++) {
        Rng r;
        rng_seed(&r, SALT_NATION, (u64)i);
        out_begin(o);
        put_int(o, i);
        put_cstr(o, NATIONS[i].name);
        put_int(o, NATIONS[i].region);
        put_text(o, &r, 72);
        out_end(o);
    }
}

static void gen_supplier(i64 u0, i64 u1, Out *o)
{
    char buf[128];
    for (i64 k = u0 + 1; k <= u1; k++) {
        Rng r;
        rng_seed(&r, SALT_SUPPLIER, (u64)k);
        out_begin(o);
        put_int(o, k);
        put_str(o, buf, make_key_name("Supplier#", k, buf), false);
        put_str(o, buf, make_address(&r, buf), false);
        int nation = (int)rng_range(&r, 0, 24);
        put_int(o, nation);
        put_str(o, buf, make_phone(&r, nation, buf), false);
        put_money(o, rng_range(&r, -99999, 999999));
        const char *p;
        size_t n;
        pick_text(&r, 63, &p, &n);
        /* the "better business bureau" remark (§5.5): ~10 per 10,000 suppliers */
        if (rng_range(&r, 1, 10000) <= 10) {
            bool complaint = rng_range(&r, 1, 101) <= 50;
            memcpy(buf, p, n);
            i64 g = rng_range(&r, 0, (i64)n - 19);
            i64 off = rng_range(&r, 0, (i64)n - 19 - g);
            memcpy(buf + off, "Customer ", 9);
            memcpy(buf + off + 9 + g, complaint ? "Complaints" : "Recommends", 10);
            put_str(o, buf, n, false);
        } else {
            put_str(o, p, n, true);
        }
        out_end(o);
    }
}

static void gen_customer(i64 u0, i64 u1, Out *o)
{
    char buf[64];
    for (i64 k = u0 + 1; k <= u1; k++) {
        Rng r;
        rng_seed(&r, SALT_CUSTOMER, (u64)k);
        out_begin(o);
        put_int(o, k);
        put_str(o, buf, make_key_name("Customer#", k, buf), false);
        put_str(o, buf, make_address(&r, buf), false);
        int nation = (int)rng_range(&r, 0, 24);
        put_int(o, nation);
        put_str(o, buf, make_phone(&r, nation, buf), false);
        put_money(o, rng_range(&r, -99999, 999999));
        put_cstr(o, SEGMENTS[rng_range(&r, 0, 4)]);
        put_text(o, &r, 73);
        out_end(o);
    }
}

static void gen_part(const TpchScale *sc, i64 u0, i64 u1, Out *o, Out *ps)
{
    i64 S = sc->rows[TPCH_SUPPLIER];
    char buf[64];
    for (i64 k = u0 + 1; k <= u1; k++) {
        Rng r;
        rng_seed(&r, SALT_PART, (u64)k);
        out_begin(o);
        put_int(o, k);
        /* five distinct colours in random order: a partial Fisher-Yates shuffle */
        u8 idx[92];
        for (int i = 0; i < 92; i++) idx[i] = (u8)i;
        size_t n = 0;
        for (int i = 0; i < 5; i++) {
            int j = (int)rng_range(&r, i, 91);
            u8 t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
            size_t w = strlen(COLORS[idx[i]]);
            if (i) buf[n++] = ' ';
            memcpy(buf + n, COLORS[idx[i]], w);
            n += w;
        }
        put_str(o, buf, n, false);
        int m = (int)rng_range(&r, 1, 5);
        put_str(o, buf, (size_t)snprintf(buf, sizeof buf, "Manufacturer#%d", m), false);
        put_str(o, buf, (size_t)snprintf(buf, sizeof buf, "Brand#%d%d", m, (int)rng_range(&r, 1, 5)), false);
        int ty = (int)rng_range(&r, 0, 149);
        put_str(o, g_types[ty], g_type_len[ty], true);
        put_int(o, rng_range(&r, 1, 50));
        int ct = (int)rng_range(&r, 0, 39);
        put_str(o, g_conts[ct], g_cont_len[ct], true);
        put_money(o, retail_cents(k));
        put_text(o, &r, 14);
        out_end(o);
        for (int j = 0; j < 4; j++) {
            out_begin(ps);
            put_int(ps, k);
            put_int(ps, partsupp_supp(k, j, S));
            put_int(ps, rng_range(&r, 1, 9999));
            put_money(ps, rng_range(&r, 100, 100000));
            put_text(ps, &r, 124);
            out_end(ps);
        }
    }
}

typedef struct Line {
    i64 part, supp, qty, ext, disc, tax;
    int ship, commit, receipt;
    char rflag, lstatus;
} Line;

static void gen_orders(const TpchScale *sc, i64 u0, i64 u1, Out *o, Out *li)
{
    i64 C = sc->rows[TPCH_CUSTOMER], P = sc->rows[TPCH_PART], S = sc->rows[TPCH_SUPPLIER];
    char buf[32];
    Line L[7];
    for (i64 i = u0 + 1; i <= u1; i++) {
        Rng r;
        rng_seed(&r, SALT_ORDER, (u64)i);
        i64 key = (i / 8) * 32 + i % 8;
        i64 cust = rng_range(&r, 1, C);
        if (cust % 3 == 0) cust = cust == C ? C - 1 : cust + 1;
        int od = (int)rng_range(&r, 0, ORDER_DATE_MAX);
        int prio = (int)rng_range(&r, 0, 4);
        i64 clerk = rng_range(&r, 1, sc->clerks);
        const char *cp;
        size_t cn;
        pick_text(&r, 49, &cp, &cn);
        int n = (int)rng_range(&r, 1, 7);
        i64 total = 0;
        int nf = 0;
        for (int l = 0; l < n; l++) {
            Line *x = &L[l];
            x->part = rng_range(&r, 1, P);
            x->supp = partsupp_supp(x->part, (int)rng_range(&r, 0, 3), S);
            x->qty = rng_range(&r, 1, 50);
            x->ext = x->qty * retail_cents(x->part);
            x->disc = rng_range(&r, 0, 10);
            x->tax = rng_range(&r, 0, 8);
            x->ship = od + (int)rng_range(&r, 1, 121);
            x->commit = od + (int)rng_range(&r, 30, 90);
            x->receipt = x->ship + (int)rng_range(&r, 1, 30);
            x->rflag = x->receipt <= g_cutoff ? (rng_range(&r, 0, 1) ? 'R' : 'A') : 'N';
            x->lstatus = x->ship <= g_cutoff ? 'F' : 'O';
            nf += x->lstatus == 'F';
            total += (x->ext * (100 - x->disc) / 100) * (100 + x->tax) / 100;
        }
        out_begin(o);
        put_int(o, key);
        put_int(o, cust);
        put_str(o, nf == n ? "F" : nf == 0 ? "O" : "P", 1, true);
        put_money(o, total);
        put_date(o, od);
        put_cstr(o, PRIORITIES[prio]);
        put_str(o, buf, make_key_name("Clerk#", clerk, buf), false);
        put_int(o, 0);
        put_str(o, cp, cn, true);
        out_end(o);
        for (int l = 0; l < n; l++) {
            Line *x = &L[l];
            out_begin(li);
            put_int(li, key);
            put_int(li, x->part);
            put_int(li, x->supp);
            put_int(li, l + 1);
            put_qty(li, x->qty);
            put_money(li, x->ext);
            put_money(li, x->disc);
            put_money(li, x->tax);
            put_str(li, x->rflag == 'R' ? "R" : x->rflag == 'A' ? "A" : "N", 1, true);
            put_str(li, x->lstatus == 'F' ? "F" : "O", 1, true);
            put_date(li, x->ship);
            put_date(li, x->commit);
            put_date(li, x->receipt);
            put_cstr(li, INSTRUCTS[rng_range(&r, 0, 3)]);
            put_cstr(li, SHIPMODES[rng_range(&r, 0, 6)]);
            put_text(li, &r, 27);
            out_end(li);
        }
    }
}

/* ---- the ordered pipeline ----------------------------------------------------------- */

enum { G_REGION, G_NATION, G_SUPPLIER, G_CUSTOMER, G_PART, G_ORDERS, G_COUNT };
/* units per job: small enough that a job's rows fit MAX_CHUNKS chunks
 * (1,024 orders make at most 7,168 lines: four chunks) */
static const i64 JOB_UNITS[G_COUNT] = {5, 25, 2048, 2048, 1024, 1024};
static const TpchTable G_TABLE[G_COUNT][2] = {
    {TPCH_REGION, TPCH_NTABLES},   {TPCH_NATION, TPCH_NTABLES}, {TPCH_SUPPLIER, TPCH_NTABLES},
    {TPCH_CUSTOMER, TPCH_NTABLES}, {TPCH_PART, TPCH_PARTSUPP},  {TPCH_ORDERS, TPCH_LINEITEM},
};

typedef struct Job {
    int group;
    i64 u0, u1;
} Job;

enum { SLOT_FREE, SLOT_BUSY, SLOT_READY };

typedef struct Slot {
    int state;
    i64 job;
    Arena *arena;
    Out out[2];
} Slot;

typedef struct Runner {
    const TpchScale *sc;
    const TpchRunOpts *opts;
    LType types[TPCH_NTABLES][16];
    Job *jobs;
    i64 njobs;
    Slot *slots;
    int nslots;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    i64 next;      /* next job to claim */
    i64 consumed;  /* jobs the sink has taken */
    bool stop;
} Runner;

static void run_job(Runner *R, Slot *s, const Job *j)
{
    arena_reset(s->arena);
    for (int k = 0; k < 2; k++) {
        Out *o = &s->out[k];
        TpchTable t = G_TABLE[j->group][k];
        o->nch = 0;
        o->cur = NULL;
        o->tlen = 0;
        o->rows = 0;
        if (t == TPCH_NTABLES) continue;
        o->table = t;
        o->chunks = R->opts->chunks;
        o->text = R->opts->text;
        o->ncols = TABLES[t].ncols;
        o->types = R->types[t];
        o->arena = s->arena;
    }
    switch (j->group) {
    case G_REGION: gen_region(j->u0, j->u1, &s->out[0]); break;
    case G_NATION: gen_nation(j->u0, j->u1, &s->out[0]); break;
    case G_SUPPLIER: gen_supplier(j->u0, j->u1, &s->out[0]); break;
    case G_CUSTOMER: gen_customer(j->u0, j->u1, &s->out[0]); break;
    case G_PART: gen_part(R->sc, j->u0, j->u1, &s->out[0], &s->out[1]); break;
    default: gen_orders(R->sc, j->u0, j->u1, &s->out[0], &s->out[1]); break;
    }
}

static void *worker_main(void *arg)
{
    Runner *R = arg;
    pthread_mutex_lock(&R->mu);
    for (;;) {
        if (R->stop || R->next >= R->njobs) break;
        i64 k = R->next;
        Slot *s = &R->slots[k % R->nslots];
        if (k >= R->consumed + R->nslots || s->state != SLOT_FREE) {
            pthread_cond_wait(&R->cv, &R->mu);
            continue;
        }
        R->next++;
        s->state = SLOT_BUSY;
        s->job = k;
        pthread_mutex_unlock(&R->mu);
        run_job(R, s, &R->jobs[k]);
        pthread_mutex_lock(&R->mu);
        s->state = SLOT_READY;
        pthread_cond_broadcast(&R->cv);
    }
    pthread_mutex_unlock(&R->mu);
    return NULL;
}

int tpchgen_run(const TpchScale *sc, const TpchRunOpts *opts, TpchSink sink, void *ctx, i64 counts_out[TPCH_NTABLES], Err *err)
{
    pthread_once(&g_once, init_once);
    Runner R;
    memset(&R, 0, sizeof(R));
    R.sc = sc;
    R.opts = opts;
    bool any_only = false;
    for (int t = 0; t < TPCH_NTABLES; t++) {
        any_only |= opts->only[t];
        for (int c = 0; c < TABLES[t].ncols; c++) R.types[t][c] = tpchgen_column_type((TpchTable)t, c);
    }
    /* the job list: each group cut into ranges of JOB_UNITS rows */
    i64 units[G_COUNT] = {5, 25, sc->rows[TPCH_SUPPLIER], sc->rows[TPCH_CUSTOMER], sc->rows[TPCH_PART], sc->rows[TPCH_ORDERS]};
    i64 cap = 0;
    for (int g = 0; g < G_COUNT; g++) cap += (units[g] + JOB_UNITS[g] - 1) / JOB_UNITS[g];
    R.jobs = xcalloc((size_t)cap + 1, sizeof(Job));
    for (int g = 0; g < G_COUNT; g++) {
        if (any_only && !opts->only[G_TABLE[g][0]] && (G_TABLE[g][1] == TPCH_NTABLES || !opts->only[G_TABLE[g][1]])) continue;
        for (i64 u = 0; u < units[g]; u += JOB_UNITS[g])
            R.jobs[R.njobs++] = (Job){g, u, MDB_MIN(u + JOB_UNITS[g], units[g])};
    }
    int nthreads = opts->threads < 1 ? 1 : opts->threads;
    if (nthreads > 256) nthreads = 256;
    R.nslots = 2 * nthreads + 2;
    R.slots = xcalloc((size_t)R.nslots, sizeof(Slot));
    for (int i = 0; i < R.nslots; i++) R.slots[i].arena = arena_create(NULL);
    pthread_mutex_init(&R.mu, NULL);
    pthread_cond_init(&R.cv, NULL);
    pthread_t *th = xcalloc((size_t)nthreads, sizeof(pthread_t));
    int started = 0;
    for (int i = 0; i < nthreads; i++)
        if (pthread_create(&th[i], NULL, worker_main, &R) == 0) started++;
        else break;
    int rc = MDB_OK_;
    i64 counts[TPCH_NTABLES] = {0};
    if (!started) rc = err_set(err, SQLSTATE_INTERNAL_ERROR, "tpch_generate: could not start a generator thread");
    for (i64 k = 0; k < R.njobs && !rc; k++) {
        Slot *s = &R.slots[k % R.nslots];
        pthread_mutex_lock(&R.mu);
        while (!(s->state == SLOT_READY && s->job == k)) pthread_cond_wait(&R.cv, &R.mu);
        pthread_mutex_unlock(&R.mu);
        for (int q = 0; q < 2 && !rc; q++) {
            Out *o = &s->out[q];
            TpchTable t = G_TABLE[R.jobs[k].group][q];
            if (t == TPCH_NTABLES || (any_only && !opts->only[t])) continue;
            counts[t] += o->rows;
            if (opts->chunks) {
                for (int c = 0; c < o->nch && !rc; c++)
                    rc = sink(ctx, t, &o->ch[c], NULL, 0, err);
            } else if (o->tlen) {
                rc = sink(ctx, t, NULL, o->txt, o->tlen, err);
            }
        }
        pthread_mutex_lock(&R.mu);
        s->state = SLOT_FREE;
        R.consumed = k + 1;
        if (rc) R.stop = true;
        pthread_cond_broadcast(&R.cv);
        pthread_mutex_unlock(&R.mu);
    }
    pthread_mutex_lock(&R.mu);
    R.stop = true;
    pthread_cond_broadcast(&R.cv);
    pthread_mutex_unlock(&R.mu);
    for (int i = 0; i < started; i++) pthread_join(th[i], NULL);
    for (int i = 0; i < R.nslots; i++) {
        arena_destroy(R.slots[i].arena);
        free(R.slots[i].out[0].txt);
        free(R.slots[i].out[1].txt);
    }
    free(R.slots);
    free(th);
    free(R.jobs);
    pthread_mutex_destroy(&R.mu);
    pthread_cond_destroy(&R.cv);
    if (counts_out) memcpy(counts_out, counts, sizeof counts);
    return rc;
}

/* ---- .tbl files ----------------------------------------------------------------------- */

typedef struct TblSink {
    FILE *f[TPCH_NTABLES];
    char path[TPCH_NTABLES][4096];
} TblSink;

static int tbl_sink(void *ctx, TpchTable t, DataChunk *rows, const char *text, size_t len, Err *err)
{
    (void)rows;
    TblSink *ts = ctx;
    if (len && fwrite(text, 1, len, ts->f[t]) != len)
        return err_set(err, SQLSTATE_IO_ERROR, "could not write to file \"%s\": %s", ts->path[t], strerror(errno));
    return MDB_OK_;
}

int tpchgen_write_tbl(const TpchScale *sc, const char *dir, int threads, i64 counts_out[TPCH_NTABLES], Err *err)
{
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return err_set(err, SQLSTATE_IO_ERROR, "could not create directory \"%s\": %s", dir, strerror(errno));
    TblSink ts;
    memset(&ts, 0, sizeof(ts));
    int rc = MDB_OK_;
    for (int t = 0; t < TPCH_NTABLES && !rc; t++) {
        snprintf(ts.path[t], sizeof ts.path[t], "%s/%s.tbl", dir, TABLES[t].name);
        ts.f[t] = fopen(ts.path[t], "w");
        if (!ts.f[t]) rc = err_set(err, SQLSTATE_IO_ERROR, "could not open file \"%s\" for writing: %s", ts.path[t], strerror(errno));
    }
    if (!rc) {
        TpchRunOpts o;
        memset(&o, 0, sizeof(o));
        o.threads = threads;
        o.text = true;
        rc = tpchgen_run(sc, &o, tbl_sink, &ts, counts_out, err);
    }
    for (int t = 0; t < TPCH_NTABLES; t++)
        if (ts.f[t] && fclose(ts.f[t]) != 0 && !rc)
            rc = err_set(err, SQLSTATE_IO_ERROR, "could not write to file \"%s\": %s", ts.path[t], strerror(errno));
    return rc;
}
