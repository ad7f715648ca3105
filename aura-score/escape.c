/* escape.c: making text quoted from a package safe to print on a terminal. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"

#include "record.h"
#include "score.h"

/*
 * Messages, paths and evidence come from the package under review, which may have been
 * written to fool the reviewer: an ESC sequence can clear the screen, recolour or hide a
 * line, or set the window title; a C1 CSI (U+009B) does the same on some terminals; bidi
 * overrides and isolates (Trojan Source, CVE-2021-42574) show code in an order other than
 * the one it runs in; line separators fake extra lines.  All of them are shown as escapes.
 */
static bool invisible_unicode(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9F) ||		/* C1 controls, CSI among them */
	       cp == 0x061C || cp == 0x200E || cp == 0x200F ||	/* bidi marks */
	       (cp >= 0x202A && cp <= 0x202E) ||	/* bidi embeddings and overrides */
	       (cp >= 0x2066 && cp <= 0x2069) ||	/* bidi isolates */
	       cp == 0x2028 || cp == 0x2029;		/* line and paragraph separators */
}

static uint32_t decode(const unsigned char *s, size_t len)
{
	if (len == 1)
		return s[0];
	uint32_t cp = s[0] & (0x7F >> len);
	for (size_t i = 1; i < len; i++)
		cp = (cp << 6) | (s[i] & 0x3F);
	return cp;
}

/* The first n bytes of s, each character visible (see above). */
static void escape_bytes(FILE *out, const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t len = utf8_sequence(s + i, n - i);
		if (len == 0) {		/* not UTF-8: show the byte */
			fprintf(out, "\\x%02x", s[i]);
			i++;
			continue;
		}
		uint32_t cp = decode(s + i, len);
		if (cp == '\n')
			fputs("\\n", out);
		else if (cp == '\t')
			fputs("\\t", out);
		else if (cp == '\r')
			fputs("\\r", out);
		else if (cp < 0x20 || cp == 0x7F)
			fprintf(out, "\\x%02x", (unsigned)cp);
		else if (invisible_unicode(cp))
			fprintf(out, "\\u%04x", (unsigned)cp);
		else
			fwrite(s + i, 1, len, out);
		i += len;
	}
}

void text_escape(FILE *out, const char *str, size_t max)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str);
	bool cut = n > max;
	if (cut) {
		n = max;
		while (n > 0 && (s[n] & 0xC0) == 0x80)	/* do not split a character */
			n--;
	}
	escape_bytes(out, s, n);
	if (cut)
		fputs("...", out);
}

char *text_escaped(const char *s, size_t max)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	if (!mem)
		aura_oom();
	text_escape(mem, s, max);
	if (fclose(mem) != 0 || !buf)
		aura_oom();
	return buf;
}

static bool continuation(const char *s, size_t i)
{
	return ((unsigned char)s[i] & 0xC0) == 0x80;
}

struct window quote_window(const char *s, size_t len, size_t col, size_t max)
{
	if (len <= max)
		return (struct window){ 0, len };
	if (col > len)
		col = len;
	/* A third of the room before the hit, the rest after: code reads left to right. */
	size_t from = col > max / 3 ? col - max / 3 : 0;
	if (from > len - max)
		from = len - max;
	size_t to = from + max;
	while (from < len && continuation(s, from))	/* whole characters only */
		from++;
	while (to > from && to < len && continuation(s, to))
		to--;
	return (struct window){ from, to };
}

void text_escape_window(FILE *out, const char *s, size_t col, size_t max)
{
	size_t len = strlen(s);
	struct window w = quote_window(s, len, col, max);
	if (w.from > 0)
		fputs(CUT_MARK, out);
	escape_bytes(out, (const unsigned char *)s + w.from, w.to - w.from);
	if (w.to < len)
		fputs(CUT_MARK, out);
}
