/*
 * tools/megadb/print.c — writes a table (a query result, or what \d builds) in
 * one of the shell's output formats.  csv, pipe and json rows stream straight
 * out; the aligned format copies each cell into a pool in its display form
 * (tabs expanded, control characters shown as \r or \xNN, lines split at
 * newlines) and prints once the column widths are known, following psql's
 * layout with border 1: centered headers, a '-'/'+' rule, numbers right-aligned,
 * a '+' where a cell continues on the next line, "(N rows)" and a blank line.
 */
#define _GNU_SOURCE /* wcwidth */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "shell.h"

PrintKind printer_kind_of(MdbType type)
{
    switch (type) {
    case MDB_TYPE_INT16:
    case MDB_TYPE_INT32:
    case MDB_TYPE_INT64:
    case MDB_TYPE_FLOAT32:
    case MDB_TYPE_FLOAT64:
    case MDB_TYPE_NUMERIC:
        return PRINT_NUMBER;
    case MDB_TYPE_BOOL:
        return PRINT_BOOL;
    default:
        return PRINT_TEXT;
    }
}

/* ---- csv, pipe, json --------------------------------------------------------- */

/* psql's rule: quote a field holding the separator, a quote, CR or LF, and the
 * field "\." (which COPY would take for end-of-data). */
static void csv_field(FILE *out, const char *v, size_t len)
{
    bool needs_quote = (len == 2 && v[0] == '\\' && v[1] == '.');

    for (size_t i = 0; i < len && !needs_quote; i++)
        if (v[i] == ',' || v[i] == '"' || v[i] == '\n' || v[i] == '\r')
            needs_quote = true;
    if (!needs_quote) {
        fwrite(v, 1, len, out);
        return;
    }
    fputc('"', out);
    for (size_t i = 0; i < len; i++) {
        if (v[i] == '"')
            fputc('"', out);
        fputc(v[i], out);
    }
    fputc('"', out);
}

static void json_string(FILE *out, const char *v, size_t len)
{
    fputc('"', out);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)v[i];
        switch (c) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        case '\b': fputs("\\b", out); break;
        case '\f': fputs("\\f", out); break;
        default:
            if (c < 0x20)
                fprintf(out, "\\u%04x", c);
            else
                fputc(c, out);
        }
    }
    fputc('"', out);
}

/* True when v is a number in JSON's grammar (so NaN and Infinity are not). */
static bool is_json_number(const char *v, size_t len)
{
    size_t i = 0, digits;

    if (i < len && v[i] == '-')
        i++;
    for (digits = 0; i < len && v[i] >= '0' && v[i] <= '9'; i++)
        digits++;
    if (digits == 0 || (digits > 1 && v[i - digits] == '0'))
        return false;
    if (i < len && v[i] == '.') {
        i++;
        for (digits = 0; i < len && v[i] >= '0' && v[i] <= '9'; i++)
            digits++;
        if (digits == 0)
            return false;
    }
    if (i < len && (v[i] == 'e' || v[i] == 'E')) {
        i++;
        if (i < len && (v[i] == '+' || v[i] == '-'))
            i++;
        for (digits = 0; i < len && v[i] >= '0' && v[i] <= '9'; i++)
            digits++;
        if (digits == 0)
            return false;
    }
    return i == len;
}

static void json_value(FILE *out, PrintKind kind, const char *v, size_t len)
{
    if (v == NULL) {
        fputs("null", out);
    } else if (kind == PRINT_NUMBER && is_json_number(v, len)) {
        fwrite(v, 1, len, out);
    } else if (kind == PRINT_BOOL && len >= 1 && (v[0] == 't' || v[0] == 'f')) {
        fputs(v[0] == 't' ? "true" : "false", out);
    } else {
        json_string(out, v, len);
    }
}

/* ---- aligned: display form and widths ---------------------------------------- */

/* Decodes one UTF-8 sequence at s[0, len); returns its length, or 0 when the
 * bytes are not valid UTF-8. */
static size_t utf8_decode(const unsigned char *s, size_t len, unsigned *cp)
{
    size_t n;
    unsigned v;

    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    } else if ((s[0] & 0xE0) == 0xC0) {
        n = 2;
        v = s[0] & 0x1F;
    } else if ((s[0] & 0xF0) == 0xE0) {
        n = 3;
        v = s[0] & 0x0F;
    } else if ((s[0] & 0xF8) == 0xF0) {
        n = 4;
        v = s[0] & 0x07;
    } else {
        return 0;
    }
    if (n > len)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    *cp = v;
    return n;
}

/* Screen columns of one code point; wcwidth knows them in a UTF-8 locale. */
static int cp_width(unsigned cp)
{
    int w = wcwidth((wchar_t)cp);
    return w < 0 ? 1 : w;
}

/* Screen width of one display line s[0, len) (no newlines in it). */
static size_t line_width(const char *s, size_t len)
{
    size_t w = 0, i = 0;

    while (i < len) {
        unsigned cp = 0;
        size_t n = utf8_decode((const unsigned char *)s + i, len - i, &cp);
        if (n == 0) {
            w++;
            i++;
        } else {
            w += (size_t)cp_width(cp);
            i += n;
        }
    }
    return w;
}

static void pool_reserve(Printer *p, size_t more)
{
    if (p->pool_len + more <= p->pool_cap)
        return;
    size_t cap = p->pool_cap ? p->pool_cap : 4096;
    while (cap < p->pool_len + more)
        cap *= 2;
    p->pool = shell_xrealloc(p->pool, cap);
    p->pool_cap = cap;
}

/* Appends the display form of v[0, len) to the pool, NUL-terminated, and
 * returns its offset.  Newlines stay (they split the cell into lines), tabs
 * become spaces up to the next multiple of 8, other control bytes and invalid
 * UTF-8 become \r or \xNN as psql shows them. */
static size_t pool_add_display(Printer *p, const char *v, size_t len)
{
    size_t start = p->pool_len, col = 0, i = 0;

    pool_reserve(p, len + 1);
    while (i < len) {
        unsigned char c = (unsigned char)v[i];
        unsigned cp = 0;
        size_t n;

        if (c == '\n') {
            pool_reserve(p, 1);
            p->pool[p->pool_len++] = '\n';
            col = 0;
            i++;
        } else if (c == '\t') {
            size_t spaces = 8 - col % 8;
            pool_reserve(p, spaces);
            memset(p->pool + p->pool_len, ' ', spaces);
            p->pool_len += spaces;
            col += spaces;
            i++;
        } else if (c == '\r') {
            pool_reserve(p, 2);
            memcpy(p->pool + p->pool_len, "\\r", 2);
            p->pool_len += 2;
            col += 2;
            i++;
        } else if (c < 0x20 || c == 0x7F ||
                   (c >= 0x80 && (n = utf8_decode((const unsigned char *)v + i, len - i, &cp)) == 0)) {
            pool_reserve(p, 5);
            snprintf(p->pool + p->pool_len, 5, "\\x%02X", c);
            p->pool_len += 4;
            col += 4;
            i++;
        } else {
            n = c < 0x80 ? 1 : utf8_decode((const unsigned char *)v + i, len - i, &cp);
            pool_reserve(p, n);
            memcpy(p->pool + p->pool_len, v + i, n);
            p->pool_len += n;
            col += c < 0x80 ? 1 : (size_t)cp_width(cp);
            i += n;
        }
    }
    pool_reserve(p, 1);
    p->pool[p->pool_len++] = '\0';
    return start;
}

/* Screen width of the widest line of a display string. */
static size_t cell_width(const char *s)
{
    size_t w = 0;

    for (;;) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        size_t lw = line_width(s, len);
        if (lw > w)
            w = lw;
        if (!nl)
            return w;
        s = nl + 1;
    }
}

static size_t cell_lines(const char *s)
{
    size_t n = 1;

    for (; *s; s++)
        if (*s == '\n')
            n++;
    return n;
}

/* Line `k` of a display string (empty beyond its last line). */
static const char *cell_line(const char *s, size_t k, size_t *len)
{
    for (; k > 0; k--) {
        const char *nl = strchr(s, '\n');
        if (!nl) {
            *len = 0;
            return "";
        }
        s = nl + 1;
    }
    const char *nl = strchr(s, '\n');
    *len = nl ? (size_t)(nl - s) : strlen(s);
    return s;
}

static void put_spaces(FILE *out, size_t n)
{
    for (; n > 0; n--)
        fputc(' ', out);
}

/* Prints one table row (or the header, centered) that may span several lines. */
static void print_aligned_row(Printer *p, const char *const *cells, const size_t *widths,
                              bool is_header)
{
    size_t nlines = 1;

    for (int c = 0; c < p->ncols; c++) {
        size_t n = cell_lines(cells[c]);
        if (n > nlines)
            nlines = n;
    }
    for (size_t k = 0; k < nlines; k++) {
        fputc(' ', p->out);
        for (int c = 0; c < p->ncols; c++) {
            size_t len, w, width = widths[c];
            const char *s = cell_line(cells[c], k, &len);
            bool more = k + 1 < cell_lines(cells[c]);
            bool is_last = c == p->ncols - 1;

            w = line_width(s, len);
            if (!is_header && k >= cell_lines(cells[c])) {
                /* The cell has no more lines: blank, but no trailing blanks. */
                if (!is_last)
                    put_spaces(p->out, width);
            } else if (is_header) {
                put_spaces(p->out, (width - w) / 2);
                fwrite(s, 1, len, p->out);
                put_spaces(p->out, (width - w + 1) / 2);
            } else if (p->kinds[c] == PRINT_NUMBER) {
                put_spaces(p->out, width - w);
                fwrite(s, 1, len, p->out);
            } else {
                fwrite(s, 1, len, p->out);
                if (!is_last || more)
                    put_spaces(p->out, width - w);
            }
            if (!is_last)
                fputs(more ? "+| " : " | ", p->out);
            else if (more)
                fputc('+', p->out);
            else if (is_header)
                fputc(' ', p->out);
        }
        fputc('\n', p->out);
    }
}

static void print_aligned(Printer *p)
{
    int ncols = p->ncols;
    size_t *widths = shell_xmalloc(sizeof(size_t) * (size_t)(ncols ? ncols : 1));
    const char **row = shell_xmalloc(sizeof(char *) * (size_t)(ncols ? ncols : 1));
    size_t total = ncols > 0 ? (size_t)ncols * 3 - 1 : 0;

    for (int c = 0; c < ncols; c++) {
        widths[c] = cell_width(p->names[c]);
        for (size_t r = 0; r < p->nrows; r++) {
            size_t w = cell_width(p->pool + p->cells[r * (size_t)ncols + (size_t)c]);
            if (w > widths[c])
                widths[c] = w;
        }
        total += widths[c];
    }
    if (p->title) {
        size_t tw = cell_width(p->title);
        if (tw < total)
            put_spaces(p->out, (total - tw) / 2);
        fprintf(p->out, "%s\n", p->title);
    }
    if (ncols == 0) {
        fputs("--\n", p->out);
    } else {
        print_aligned_row(p, (const char *const *)p->names, widths, true);
        for (int c = 0; c < ncols; c++) {
            if (c > 0)
                fputc('+', p->out);
            for (size_t i = 0; i < widths[c] + 2; i++)
                fputc('-', p->out);
        }
        fputc('\n', p->out);
        for (size_t r = 0; r < p->nrows; r++) {
            for (int c = 0; c < ncols; c++)
                row[c] = p->pool + p->cells[r * (size_t)ncols + (size_t)c];
            print_aligned_row(p, row, widths, false);
        }
    }
    if (p->footer)
        fprintf(p->out, "(%zu row%s)\n", p->nrows, p->nrows == 1 ? "" : "s");
    fputc('\n', p->out);
    free(widths);
    free(row);
}

/* ---- the printer --------------------------------------------------------------- */

void printer_begin(Printer *p, FILE *out, ShellFormat format, int ncols,
                   const char *const *names, const PrintKind *kinds, const char *title,
                   bool footer)
{
    memset(p, 0, sizeof *p);
    p->out = out;
    p->format = format;
    p->footer = footer;
    p->ncols = ncols;
    p->names = shell_xmalloc(sizeof(char *) * (size_t)(ncols ? ncols : 1));
    p->kinds = shell_xmalloc(sizeof(PrintKind) * (size_t)(ncols ? ncols : 1));
    for (int c = 0; c < ncols; c++) {
        const char *name = names[c] ? names[c] : "";
        p->kinds[c] = kinds[c];
        if (format == SHELL_FORMAT_ALIGNED) {
            /* Headers get the same display form as cells (a name may hold a newline). */
            size_t off = pool_add_display(p, name, strlen(name));
            p->names[c] = shell_xstrdup(p->pool + off);
        } else {
            p->names[c] = shell_xstrdup(name);
        }
    }
    p->pool_len = 0;
    if (title && format == SHELL_FORMAT_ALIGNED)
        p->title = shell_xstrdup(title);

    switch (format) {
    case SHELL_FORMAT_CSV:
        for (int c = 0; c < ncols; c++) {
            if (c > 0)
                fputc(',', out);
            csv_field(out, p->names[c], strlen(p->names[c]));
        }
        fputc('\n', out);
        break;
    case SHELL_FORMAT_PIPE:
        for (int c = 0; c < ncols; c++) {
            if (c > 0)
                fputc('|', out);
            fputs(p->names[c], out);
        }
        fputc('\n', out);
        break;
    case SHELL_FORMAT_JSON:
        fputc('[', out);
        break;
    case SHELL_FORMAT_ALIGNED:
        break;
    }
}

void printer_row(Printer *p, const char *const *cells, const size_t *lens)
{
    FILE *out = p->out;

    switch (p->format) {
    case SHELL_FORMAT_ALIGNED: {
        size_t need = (p->nrows + 1) * (size_t)p->ncols;
        if (need > p->cells_cap) {
            size_t cap = p->cells_cap ? p->cells_cap : 256;
            while (cap < need)
                cap *= 2;
            p->cells = shell_xrealloc(p->cells, cap * sizeof(size_t));
            p->cells_cap = cap;
        }
        for (int c = 0; c < p->ncols; c++) {
            const char *v = cells[c] ? cells[c] : "";
            size_t len = cells[c] ? (lens ? lens[c] : strlen(v)) : 0;
            p->cells[p->nrows * (size_t)p->ncols + (size_t)c] = pool_add_display(p, v, len);
        }
        break;
    }
    case SHELL_FORMAT_CSV:
    case SHELL_FORMAT_PIPE:
        for (int c = 0; c < p->ncols; c++) {
            if (c > 0)
                fputc(p->format == SHELL_FORMAT_CSV ? ',' : '|', out);
            if (!cells[c])
                continue;
            size_t len = lens ? lens[c] : strlen(cells[c]);
            if (p->format == SHELL_FORMAT_CSV)
                csv_field(out, cells[c], len);
            else
                fwrite(cells[c], 1, len, out);
        }
        fputc('\n', out);
        break;
    case SHELL_FORMAT_JSON:
        if (p->nrows > 0)
            fputs(",\n", out);
        fputc('{', out);
        for (int c = 0; c < p->ncols; c++) {
            if (c > 0)
                fputc(',', out);
            json_string(out, p->names[c], strlen(p->names[c]));
            fputc(':', out);
            json_value(out, p->kinds[c], cells[c],
                       cells[c] ? (lens ? lens[c] : strlen(cells[c])) : 0);
        }
        fputc('}', out);
        break;
    }
    p->nrows++;
}

void printer_discard(Printer *p)
{
    for (int c = 0; c < p->ncols; c++)
        free(p->names[c]);
    free(p->names);
    free(p->kinds);
    free(p->title);
    free(p->pool);
    free(p->cells);
    memset(p, 0, sizeof *p);
}

void printer_end(Printer *p)
{
    if (p->format == SHELL_FORMAT_ALIGNED)
        print_aligned(p);
    else if (p->format == SHELL_FORMAT_JSON)
        fputs("]\n", p->out);
    printer_discard(p);
}
