/*
 * tools/megadb/sqlscan.c — finds where SQL statements end in the shell's input,
 * the way psql does: a semicolon ends a statement only outside '…' and E'…'
 * strings, "…" identifiers, $tag$ dollar quotes, -- and (nested) block comments
 * and parentheses.  The scanner is incremental, so the shell feeds it one input
 * line at a time and a long multi-line statement is scanned only once; its state
 * also gives the continuation prompt character ('-', '\'', '"', '$', '*', '(').
 * It is a boundary finder, not a tokenizer: the engine parses the text it cuts.
 */
#include <string.h>

#include "shell.h"

void sqlscan_reset(SqlScan *s)
{
    memset(s, 0, sizeof *s);
}

static bool is_ident_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static bool is_ident_char(unsigned char c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}

/* Length of the dollar-quote delimiter ($$ or $tag$) at buf[i] (which is '$'),
 * 0 when there is none there.  A '$' that continues an identifier or starts a
 * parameter ($1) does not open a dollar quote. */
static size_t dollar_delim_len(const char *buf, size_t i, size_t to)
{
    size_t j = i + 1;

    if (i > 0 && is_ident_char((unsigned char)buf[i - 1]))
        return 0;
    if (j < to && buf[j] == '$')
        return 2;
    if (j >= to || !is_ident_start((unsigned char)buf[j]))
        return 0;
    while (j < to && is_ident_char((unsigned char)buf[j]) && buf[j] != '$')
        j++;
    if (j < to && buf[j] == '$' && j + 1 - i <= SQLSCAN_MAX_TAG)
        return j + 1 - i;
    return 0;
}

size_t sqlscan_next(SqlScan *s, const char *buf, size_t from, size_t to)
{
    size_t i = from;

    while (i < to) {
        unsigned char c = (unsigned char)buf[i];

        switch (s->state) {
        case SCAN_NORMAL:
            if (c == ';' && s->paren_depth == 0)
                return i + 1;
            if (c == '\'') {
                bool is_e = i > 0 && (buf[i - 1] == 'E' || buf[i - 1] == 'e') &&
                            (i < 2 || !is_ident_char((unsigned char)buf[i - 2]));
                s->state = is_e ? SCAN_ESTRING : SCAN_SQUOTE;
            } else if (c == '"') {
                s->state = SCAN_DQUOTE;
            } else if (c == '-' && buf[i + 1] == '-') {
                s->state = SCAN_LINE_COMMENT;
                i++;
            } else if (c == '/' && buf[i + 1] == '*') {
                s->state = SCAN_BLOCK_COMMENT;
                s->comment_depth = 1;
                i++;
            } else if (c == '$') {
                size_t n = dollar_delim_len(buf, i, to);
                if (n > 0) {
                    memcpy(s->dollar_tag, buf + i, n);
                    s->tag_len = n;
                    s->state = SCAN_DOLLAR;
                    i += n - 1;
                }
            } else if (c == '(') {
                s->paren_depth++;
            } else if (c == ')' && s->paren_depth > 0) {
                s->paren_depth--;
            }
            break;
        case SCAN_SQUOTE:
            /* A doubled '' closes and at once reopens the string: same result. */
            if (c == '\'')
                s->state = SCAN_NORMAL;
            break;
        case SCAN_ESTRING:
            if (c == '\\' && i + 1 < to)
                i++;
            else if (c == '\'')
                s->state = SCAN_NORMAL;
            break;
        case SCAN_DQUOTE:
            if (c == '"')
                s->state = SCAN_NORMAL;
            break;
        case SCAN_LINE_COMMENT:
            if (c == '\n')
                s->state = SCAN_NORMAL;
            break;
        case SCAN_BLOCK_COMMENT:
            if (c == '/' && buf[i + 1] == '*') {
                s->comment_depth++;
                i++;
            } else if (c == '*' && buf[i + 1] == '/') {
                if (--s->comment_depth == 0)
                    s->state = SCAN_NORMAL;
                i++;
            }
            break;
        case SCAN_DOLLAR:
            if (c == '$' && to - i >= s->tag_len &&
                memcmp(buf + i, s->dollar_tag, s->tag_len) == 0) {
                s->state = SCAN_NORMAL;
                i += s->tag_len - 1;
            }
            break;
        }
        i++;
    }
    return (size_t)-1;
}

char sqlscan_prompt_char(const SqlScan *s)
{
    switch (s->state) {
    case SCAN_SQUOTE:
    case SCAN_ESTRING:
        return '\'';
    case SCAN_DQUOTE:
        return '"';
    case SCAN_DOLLAR:
        return '$';
    case SCAN_BLOCK_COMMENT:
        return '*';
    case SCAN_NORMAL:
    case SCAN_LINE_COMMENT:
        break;
    }
    return s->paren_depth > 0 ? '(' : '-';
}

size_t sqlscan_skip_blank(const char *text, size_t len)
{
    size_t i = 0;

    while (i < len) {
        char c = text[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            i++;
        } else if (c == '-' && i + 1 < len && text[i + 1] == '-') {
            while (i < len && text[i] != '\n')
                i++;
        } else {
            break;
        }
    }
    return i;
}
