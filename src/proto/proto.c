/* proto.c: the render protocol's kinds, and the props a page gets from a
 * request's url, headers and props (the protocol's and HTTP's alike). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "core/utf8.h"
#include "proto/proto.h"

static const char *const kind_names[]
    = { "render", "batch", "stream", "pull", "cancel", "ping", "diagnose" };

#define NKINDS (sizeof(kind_names) / sizeof(kind_names[0]))

const char *
ssrd__proto_kind_name(ssrd_msg_kind kind)
{
	return (unsigned) kind < NKINDS ? kind_names[kind] : "unknown";
}

int
ssrd__proto_kind_parse(const char *name)
{
	for (size_t i = 0; i < NKINDS; i++) {
		if (strcmp(kind_names[i], name) == 0) {
			return (int) i;
		}
	}
	return -1;
}

/* ---- a page's props ---- */

/* One name=value pair of a query string, decoded. */
struct qpair {
	char  *name, *value;
	size_t nlen, vlen;
	size_t at; /* its place in the query, for a stable sort */
};

/* Decodes len bytes of s (%XX and +) into a malloc'd string, made
 * well-formed UTF-8 as the page will see it (ill-formed bytes as U+FFFD);
 * *olen its length. */
static char *
query_decode(const char *s, size_t len, size_t *olen)
{
	char  *dec = malloc(len + 1);
	size_t o   = 0;
	if (dec == NULL) {
		return NULL;
	}
	for (size_t i = 0; i < len; i++) {
		int hi, lo;
		if (s[i] == '+') {
			dec[o++] = ' ';
		} else if (s[i] == '%' && i + 2 < len
		    && (hi = ssrd__hexval(s[i + 1])) >= 0
		    && (lo = ssrd__hexval(s[i + 2])) >= 0) {
			dec[o++] = (char) (hi * 16 + lo);
			i += 2;
		} else {
			dec[o++] = s[i];
		}
	}
	dec[o] = '\0';
	*olen  = o;
	if (ssrd__utf8_is_ascii((const uint8_t *) dec, o)) {
		return dec;
	}
	/* sorted and compared as the page sees them: two names that differ
	 * only in ill-formed bytes are one name */
	char *wf = ssrd__utf8_wellformed(dec, o, olen);
	free(dec);
	return wf;
}

/* By name, bytewise; equal names in the order they came. */
static int
qpair_cmp(const void *a, const void *b)
{
	const struct qpair *x = a, *y = b;
	size_t              n = x->nlen < y->nlen ? x->nlen : y->nlen;
	int                 c = memcmp(x->name, y->name, n);
	if (c != 0) {
		return c;
	}
	if (x->nlen != y->nlen) {
		return x->nlen < y->nlen ? -1 : 1;
	}
	return x->at < y->at ? -1 : x->at > y->at;
}

/*
 * Appends a query string's pairs as a JSON object: %XX and + decoded, the
 * names in sorted order (bytewise), a repeated name with its last value.
 * So equivalent queries ("b=2&a=1", "a=1&b=2", "a=0&a=1&b=2") give the same
 * object, and so the same page and one response-cache entry. Returns how
 * many members it wrote.
 */
static size_t
query_json(ssrd_strbuf *b, const char *q)
{
	struct qpair *v = NULL;
	size_t        n = 0, cap = 0;
	for (size_t at = 0; *q != '\0'; at++) {
		size_t len = strcspn(q, "&");
		if (len > 0) {
			const char *eq = memchr(q, '=', len);
			size_t      kn = eq ? (size_t) (eq - q) : len;
			if (n == cap) {
				cap              = cap ? cap * 2 : 8;
				struct qpair *nv = realloc(v, cap * sizeof(*v));
				if (nv == NULL) {
					b->failed = 1;
					break;
				}
				v = nv;
			}
			struct qpair *p = &v[n];
			p->at           = at;
			p->name         = query_decode(q, kn, &p->nlen);
			p->value        = query_decode(
			           eq ? eq + 1 : "", eq ? len - kn - 1 : 0, &p->vlen);
			if (p->name == NULL || p->value == NULL) {
				free(p->name);
				free(p->value);
				b->failed = 1;
				break;
			}
			n++;
		}
		q += len;
		if (*q == '&') {
			q++;
		}
	}
	if (n > 1) {
		qsort(v, n, sizeof(*v), qpair_cmp);
	}
	size_t written = 0;
	ssrd__strbuf_puts(b, "{");
	for (size_t i = 0; i < n; i++) {
		/* the last of equal names wins */
		if (i + 1 < n && v[i].nlen == v[i + 1].nlen
		    && memcmp(v[i].name, v[i + 1].name, v[i].nlen) == 0) {
			continue;
		}
		ssrd__strbuf_puts(b, written++ ? "," : "");
		ssrd__strbuf_json_text(b, v[i].name, v[i].nlen);
		ssrd__strbuf_puts(b, ":");
		ssrd__strbuf_json_text(b, v[i].value, v[i].vlen);
	}
	ssrd__strbuf_puts(b, "}");
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].value);
	}
	free(v);
	return written;
}

char *
ssrd__proto_page_props(const char *url, const char *headers, size_t hlen,
    const char *props, size_t plen, size_t *out_len)
{
	/* a '?' after the '#' belongs to the fragment: not a query */
	size_t      at    = strcspn(url, "?#");
	const char *qmark = url[at] == '?' ? url + at : NULL;
	ssrd_strbuf b     = { 0 };
	int         n     = 0;
	ssrd__strbuf_puts(&b, "{");
	if (qmark != NULL) {
		const char *hash = strchr(qmark, '#');
		char       *q    = strndup(qmark + 1,
                    hash ? (size_t) (hash - qmark - 1) : strlen(qmark + 1));
		if (q == NULL) {
			ssrd__strbuf_free(&b);
			return NULL;
		}
		/* an empty query ("/about?") is none */
		size_t mark = b.len;
		ssrd__strbuf_puts(&b, "\"query\":");
		if (query_json(&b, q) > 0) {
			n++;
		} else if (!b.failed) {
			b.len = mark;
		}
		free(q);
	}
	if (headers != NULL) {
		ssrd__strbuf_puts(&b, n ? ",\"headers\":" : "\"headers\":");
		ssrd__strbuf_append(&b, headers, hlen);
		n++;
	}
	if (props != NULL) {
		/* the members between the braces, if any */
		const char *a = memchr(props, '{', plen);
		const char *z = props + plen;
		while (a != NULL && z > a && z[-1] != '}') {
			z--;
		}
		if (a != NULL && z > a) {
			a++;
			z--;
			while (a < z
			    && (*a == ' ' || *a == '\t' || *a == '\n'
			        || *a == '\r')) {
				a++;
			}
			if (a < z) {
				ssrd__strbuf_puts(&b, n ? "," : "");
				ssrd__strbuf_append(&b, a, (size_t) (z - a));
			}
		}
	}
	ssrd__strbuf_puts(&b, "}");
	if (ssrd__strbuf_failed(&b)) {
		ssrd__strbuf_free(&b);
		return NULL;
	}
	*out_len = b.len;
	return ssrd__strbuf_take(&b);
}
