/* check_json.c tests src/json.c: strict syntax, escapes, limits, callbacks
 * and esbuild's metafile shape. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"

#include "check_run.h"
#include <ssrd/errors.h>

/* An exact-size copy of text, so ASan sees any read past the end. */
typedef struct {
	char     *copy;
	ssrd_json j;
} doc;

static void
doc_open(doc *d, const char *text, size_t len)
{
	d->copy = malloc(len ? len : 1);
	ck_assert_ptr_nonnull(d->copy);
	if (len > 0) {
		memcpy(d->copy, text, len);
	}
	ssrd__json_init(&d->j, d->copy, len);
}

static void
doc_open_str(doc *d, const char *text)
{
	doc_open(d, text, strlen(text));
}

static void
doc_close(doc *d)
{
	free(d->copy);
	d->copy = NULL;
}

/* Skips one value of n bytes of text and checks nothing else follows. */
static int
skip_all(const char *text, size_t n)
{
	doc d;
	doc_open(&d, text, n);
	int rc = ssrd__json_skip(&d.j);
	if (rc == SSRD_OK) {
		rc = ssrd__json_end(&d.j);
	}
	if (rc == SSRD_OK) {
		ck_assert_int_eq(d.j.depth, 0);
	}
	doc_close(&d);
	return rc;
}

#define expect_valid(s)                                                        \
	ck_assert_msg(skip_all(s, strlen(s)) == SSRD_OK, "rejected: %s", s)
#define expect_invalid(s)                                                      \
	ck_assert_msg(skip_all(s, strlen(s)) == SSRD_EINVAL, "accepted: %s", s)

/* Reads any value with the typed readers (not ssrd__json_skip). */
static int walk(ssrd_json *j);

static int
walk_member(ssrd_json *j, const char *key, size_t keylen, void *ctx)
{
	ck_assert_int_eq(key[keylen], '\0');
	return walk(j);
}

static int
walk_elem(ssrd_json *j, size_t index, void *ctx)
{
	return walk(j);
}

static int
walk(ssrd_json *j)
{
	char  *s = NULL;
	size_t n;
	double d;
	int    b, rc;

	switch (ssrd__json_peek(j)) {
	case '{':
		return ssrd__json_object(j, walk_member, NULL);
	case '[':
		return ssrd__json_array(j, walk_elem, NULL);
	case '"':
		rc = ssrd__json_string_dup(j, &s, &n);
		if (rc == SSRD_OK) {
			ck_assert_int_eq(s[n], '\0');
		}
		free(s);
		return rc;
	case 't':
	case 'f':
		return ssrd__json_bool(j, &b);
	case 'n':
		return ssrd__json_is_null(j) ? SSRD_OK : SSRD_EINVAL;
	default:
		return ssrd__json_number(j, &d);
	}
}

static int
walk_all(const char *text, size_t n)
{
	doc d;
	doc_open(&d, text, n);
	int rc = walk(&d.j);
	if (rc == SSRD_OK) {
		rc = ssrd__json_end(&d.j);
	}
	doc_close(&d);
	return rc;
}

/* Keys seen by collect_keys(), copied. */
struct keys {
	char  *k[8];
	size_t len[8];
	size_t n;
	int    skip_values; /* 1: skip each value; 0: leave it (a bug) */
};

static int
collect_keys(ssrd_json *j, const char *key, size_t keylen, void *ctx)
{
	struct keys *ks = ctx;
	ck_assert_uint_lt(ks->n, 8);
	ks->k[ks->n] = malloc(keylen + 1);
	ck_assert_ptr_nonnull(ks->k[ks->n]);
	memcpy(ks->k[ks->n], key, keylen + 1); /* with its NUL */
	ks->len[ks->n++] = keylen;
	return ks->skip_values ? ssrd__json_skip(j) : SSRD_OK;
}

static void
keys_free(struct keys *ks)
{
	for (size_t i = 0; i < ks->n; i++) {
		free(ks->k[i]);
	}
	ks->n = 0;
}

START_TEST(test_object_skips_nested_values)
{
	static const char text[]
	    = " {\"a\": 1, \"b\": {\"x\": [1, {\"y\": null}, [[]], \"}]\"]},\n"
	      "  \"c\": \"s\", \"\": {}, \"a\": [true, false]} ";
	struct keys ks = { .skip_values = 1 };
	doc         d;

	doc_open(&d, text, strlen(text));
	ck_assert_int_eq(ssrd__json_object(&d.j, collect_keys, &ks), SSRD_OK);
	ck_assert_int_eq(ssrd__json_end(&d.j), SSRD_OK);
	ck_assert_int_eq(d.j.depth, 0);
	ck_assert_uint_eq(ks.n, 5); /* repeated keys are all reported */
	ck_assert_str_eq(ks.k[0], "a");
	ck_assert_str_eq(ks.k[1], "b");
	ck_assert_str_eq(ks.k[2], "c");
	ck_assert_str_eq(ks.k[3], "");
	ck_assert_uint_eq(ks.len[3], 0);
	ck_assert_str_eq(ks.k[4], "a");
	keys_free(&ks);
	doc_close(&d);

	/* fn NULL skips every member. */
	doc_open(&d, text, strlen(text));
	ck_assert_int_eq(ssrd__json_object(&d.j, NULL, NULL), SSRD_OK);
	ck_assert_int_eq(ssrd__json_end(&d.j), SSRD_OK);
	doc_close(&d);

	expect_valid("{}");
	expect_valid(" { } ");
	static const char *bad[] = { "{", "}", "{,}", "{\"a\"}", "{\"a\":}",
		"{\"a\" 1}", "{\"a\":1,}", "{\"a\":1 \"b\":2}", "{a:1}",
		"{'a':1}", "{1:2}", "{null:1}", "{\"a\":1]", "[}" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		expect_invalid(bad[i]);
		ck_assert_int_eq(walk_all(bad[i], strlen(bad[i])), SSRD_EINVAL);
	}
}
END_TEST

START_TEST(test_keys_long_and_escaped)
{
	char        text[512], want[300];
	struct keys ks = { .skip_values = 1 };
	doc         d;

	/* Around the reader's 64-byte stack buffer, and well past it. */
	static const size_t lens[] = { 62, 63, 64, 65, 200 };
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		memset(want, 'k', lens[i]);
		want[lens[i] - 1] = 'Z';
		want[lens[i]]     = '\0';
		snprintf(text, sizeof(text), "{\"%s\":[1,2],\"b\":2}", want);
		doc_open(&d, text, strlen(text));
		ck_assert_int_eq(
		    ssrd__json_object(&d.j, collect_keys, &ks), SSRD_OK);
		ck_assert_uint_eq(ks.n, 2);
		ck_assert_uint_eq(ks.len[0], lens[i]);
		ck_assert_str_eq(ks.k[0], want);
		ck_assert_str_eq(ks.k[1], "b");
		keys_free(&ks);
		doc_close(&d);
	}

	/* Escapes are decoded; an escaped NUL counts in keylen. */
	static const char esc[] = "{\"a\\u0000b\\n\\u00e9\":0,\"\\/x\":1}";
	doc_open(&d, esc, strlen(esc));
	ck_assert_int_eq(ssrd__json_object(&d.j, collect_keys, &ks), SSRD_OK);
	ck_assert_uint_eq(ks.len[0], 6);
	ck_assert_mem_eq(ks.k[0], "a\0b\n\xC3\xA9", 7);
	ck_assert_str_eq(ks.k[1], "/x");
	keys_free(&ks);
	doc_close(&d);
}
END_TEST

/* Reads the JSON string literal text; returns the rc, *out and *len. */
static int
read_string(const char *text, char **out, size_t *len)
{
	doc d;
	doc_open(&d, text, strlen(text));
	int rc = ssrd__json_string_dup(&d.j, out, len);
	if (rc == SSRD_OK) {
		ck_assert_int_eq(ssrd__json_end(&d.j), SSRD_OK);
	}
	doc_close(&d);
	return rc;
}

static void
expect_string(const char *text, const char *want, size_t wantlen)
{
	char  *s  = NULL;
	size_t n  = 0;
	int    rc = read_string(text, &s, &n);
	ck_assert_msg(rc == SSRD_OK, "%s: %s", text, ssrd_err_name(rc));
	ck_assert_msg(n == wantlen && memcmp(s, want, n) == 0,
	    "%s: got %zu bytes \"%s\"", text, n, s);
	ck_assert_int_eq(s[n], '\0');
	free(s);
}

#define EXPECT_STRING(text, lit) expect_string(text, lit, sizeof(lit) - 1)

START_TEST(test_string_escapes)
{
	EXPECT_STRING("\"\"", "");
	EXPECT_STRING(" \"plain\" ", "plain");
	EXPECT_STRING(
	    "\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"", "\" \\ / \b \f \n \r \t");
	EXPECT_STRING("\"\\u0041\\u00e9\\u00E9\\u20AC\\u0000!\"",
	    "A\xC3\xA9\xC3\xA9\xE2\x82\xAC\0!");
	EXPECT_STRING("\"\\u007f\\u0080\\u07ff\\u0800\\uffff\"",
	    "\x7F\xC2\x80\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF");
	/* Raw UTF-8 (and any byte >= 0x20) passes through as it is. */
	EXPECT_STRING("\"caf\xC3\xA9 \x7F\xFF\"", "caf\xC3\xA9 \x7F\xFF");

	/* len may be NULL. */
	char *s = NULL;
	ck_assert_int_eq(read_string("\"ab\"", &s, NULL), SSRD_OK);
	ck_assert_str_eq(s, "ab");
	free(s);
}
END_TEST

START_TEST(test_surrogates)
{
	/* Pairs, in either case of hex. */
	EXPECT_STRING("\"\\ud83d\\ude00\"", "\xF0\x9F\x98\x80");
	EXPECT_STRING("\"\\uD83D\\uDE00x\"", "\xF0\x9F\x98\x80x");
	EXPECT_STRING("\"\\udbff\\udfff\"", "\xF4\x8F\xBF\xBF");
	/* Lone surrogates become U+FFFD. */
	EXPECT_STRING("\"\\ud800\"", "\xEF\xBF\xBD");
	EXPECT_STRING("\"\\ud800x\"", "\xEF\xBF\xBDx");
	EXPECT_STRING("\"\\ude00\"", "\xEF\xBF\xBD");
	EXPECT_STRING("\"\\ude00\\ud83d\"", "\xEF\xBF\xBD\xEF\xBF\xBD");
	EXPECT_STRING("\"\\ud800\\u0041\"",
	    "\xEF\xBF\xBD"
	    "A");
	EXPECT_STRING("\"\\ud800\\n\"", "\xEF\xBF\xBD\n");
	/* A high surrogate then a pair: the first is lone. */
	EXPECT_STRING(
	    "\"\\ud800\\ud83d\\ude00\"", "\xEF\xBF\xBD\xF0\x9F\x98\x80");
	EXPECT_STRING("\"\\ud800\\ud800\"", "\xEF\xBF\xBD\xEF\xBF\xBD");
}
END_TEST

START_TEST(test_string_errors)
{
	static const char *bad[]    = { "", "\"", "\"abc", "\"\\", "\"\\\"",
		   "\"a\tb\"", "\"a\nb\"", "\"\x01\"", "\"\x1F\"", "\"\\x\"",
		   "\"\\U0041\"", "\"\\'\"", "\"\\u\"", "\"\\u12\"", "\"\\u12G4\"",
		   "\"\\u00\x10\x19\"", "\"\\ud800\\u12\"", "\"\\ud800\\uZZZZ\"",
		   "\"\\ud800\\", "'a'", "abc", "1", "null", "[\"a\"]" };
	char              *sentinel = (char *) &sentinel;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char  *s  = sentinel;
		size_t n  = 12345;
		int    rc = read_string(bad[i], &s, &n);
		ck_assert_msg(
		    rc == SSRD_EINVAL, "%s: got %s", bad[i], ssrd_err_name(rc));
		ck_assert_msg(s == sentinel && n == 12345,
		    "%s: outputs written on error", bad[i]);
		if (bad[i][0] == '"') {
			expect_invalid(bad[i]);
		}
	}
}
END_TEST

static int
read_number(const char *text, double *out)
{
	doc d;
	doc_open(&d, text, strlen(text));
	int rc = ssrd__json_number(&d.j, out);
	if (rc == SSRD_OK) {
		rc = ssrd__json_end(&d.j);
	}
	doc_close(&d);
	return rc;
}

START_TEST(test_numbers)
{
	static const struct {
		const char *text;
		double      want;
	} ok[] = {
		{ "0", 0 }, { "-0", 0 }, { "7", 7 }, { " 42 ", 42 },
		{ "-12", -12 }, { "9007199254740993", 9007199254740992.0 },
		{ "1.5", 1.5 }, { "-0.25", -0.25 }, { "0.5", 0.5 },
		{ "1e3", 1000 }, { "-2E10", -2e10 }, { "3E+2", 300 },
		{ "4.25e-3", 4.25e-3 }, { "0e0", 0 },
		{ "1e-400", 0 }, /* underflow is fine */
		{ "1"
		  "000000000000000000000000000000000000000000000000000000000000"
		  "00000000000000000000",
		    1e80 }, /* longer than the stack copy */
	};
	static const char *bad[] = { "01", "-01", "00", "+1", ".5", "1.", "-",
		"--1", "-.5", "1.e5", "1e", "1e+", "1E-", "0x10", "1,5",
		"Infinity", "-Infinity", "NaN", "", " ", "1 2", "1x" };
	static const char *not_numbers[] = { "\"1\"", "[1]", "true", "null" };

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		double v  = -1;
		int    rc = read_number(ok[i].text, &v);
		ck_assert_msg(
		    rc == SSRD_OK, "%s: %s", ok[i].text, ssrd_err_name(rc));
		ck_assert_msg(v == ok[i].want, "%s: got %g", ok[i].text, v);
		ck_assert_int_eq(read_number(ok[i].text, NULL), SSRD_OK);
		expect_valid(ok[i].text);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		double v;
		ck_assert_msg(read_number(bad[i], &v) == SSRD_EINVAL,
		    "accepted: %s", bad[i]);
		ck_assert_int_eq(read_number(bad[i], NULL), SSRD_EINVAL);
		expect_invalid(bad[i]);
	}
	for (size_t i = 0; i < 4; i++) {
		double v;
		ck_assert_int_eq(read_number(not_numbers[i], &v), SSRD_EINVAL);
		expect_valid(not_numbers[i]);
	}

	/* *out is untouched on error. Overflow: valid syntax, but no double
	 * holds it. */
	double v = 99;
	ck_assert_int_eq(read_number("01", &v), SSRD_EINVAL);
	ck_assert_int_eq(read_number("1e999", &v), SSRD_EINVAL);
	ck_assert_int_eq(read_number("-1e999", &v), SSRD_EINVAL);
	ck_assert(v == 99);
	ck_assert_int_eq(read_number("1e999", NULL), SSRD_OK);
	expect_valid("1e999");
}
END_TEST

START_TEST(test_literals)
{
	doc d;
	int b = -1;

	doc_open_str(&d, " true false null");
	ck_assert_int_eq(ssrd__json_is_null(&d.j), 0);
	ck_assert_int_eq(ssrd__json_bool(&d.j, &b), SSRD_OK);
	ck_assert_int_eq(b, 1);
	ck_assert_int_eq(ssrd__json_bool(&d.j, &b), SSRD_OK);
	ck_assert_int_eq(b, 0);
	ck_assert_int_eq(ssrd__json_bool(&d.j, NULL), SSRD_EINVAL);
	ck_assert_int_eq(ssrd__json_is_null(&d.j), 1);
	ck_assert_int_eq(ssrd__json_is_null(&d.j), 0);
	ck_assert_int_eq(ssrd__json_end(&d.j), SSRD_OK);
	doc_close(&d);

	/* Not null: nothing consumed, so another reader can try. */
	doc_open_str(&d, "\"null\"");
	ck_assert_int_eq(ssrd__json_is_null(&d.j), 0);
	ck_assert_int_eq(ssrd__json_peek(&d.j), '"');
	doc_close(&d);
	doc_open_str(&d, "nul");
	ck_assert_int_eq(ssrd__json_is_null(&d.j), 0);
	ck_assert_int_eq(ssrd__json_skip(&d.j), SSRD_EINVAL);
	doc_close(&d);

	expect_valid("true");
	expect_valid("false");
	expect_valid("null");
	static const char *bad[] = { "tru", "fals", "nul", "True", "NULL",
		"nil", "truex", "nullnull", "undefined" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		expect_invalid(bad[i]);
	}
}
END_TEST

/* Records each element's index and value. */
struct elems {
	size_t index[8];
	double value[8];
	size_t n;
	int    stop_at; /* index at which to return stop_rc */
	int    stop_rc;
};

static int
collect_numbers(ssrd_json *j, size_t index, void *ctx)
{
	struct elems *e = ctx;
	if ((int) index == e->stop_at) {
		return e->stop_rc;
	}
	ck_assert_uint_lt(e->n, 8);
	e->index[e->n] = index;
	return ssrd__json_number(j, &e->value[e->n++]);
}

START_TEST(test_arrays)
{
	struct elems e = { .stop_at = -1 };
	doc          d;

	doc_open_str(&d, "[ 10 , -2,3.5 ]");
	ck_assert_int_eq(ssrd__json_array(&d.j, collect_numbers, &e), SSRD_OK);
	ck_assert_int_eq(ssrd__json_end(&d.j), SSRD_OK);
	ck_assert_uint_eq(e.n, 3);
	for (size_t i = 0; i < 3; i++) {
		ck_assert_uint_eq(e.index[i], i);
	}
	ck_assert(e.value[0] == 10 && e.value[1] == -2 && e.value[2] == 3.5);
	doc_close(&d);

	e.n = 0;
	doc_open_str(&d, "[]");
	ck_assert_int_eq(ssrd__json_array(&d.j, collect_numbers, &e), SSRD_OK);
	ck_assert_uint_eq(e.n, 0);
	doc_close(&d);

	/* NULL skips; an element of the wrong type fails the reader. */
	doc_open_str(&d, "[1,[2,{\"a\":[]}],\"x\",null]");
	ck_assert_int_eq(ssrd__json_array(&d.j, NULL, NULL), SSRD_OK);
	doc_close(&d);
	doc_open_str(&d, "[1,\"x\"]");
	ck_assert_int_eq(
	    ssrd__json_array(&d.j, collect_numbers, &e), SSRD_EINVAL);
	doc_close(&d);
	doc_open_str(&d, "{}");
	ck_assert_int_eq(ssrd__json_array(&d.j, NULL, NULL), SSRD_EINVAL);
	doc_close(&d);

	expect_valid("[[], [[]], {}, [{}], \"]\"]");
	static const char *bad[] = { "[", "]", "[,]", "[1,]", "[,1]", "[1 2]",
		"[1,,2]", "[1;2]", "[1}", "[[]", "[]]" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		expect_invalid(bad[i]);
	}
}
END_TEST

/* n arrays around inner, e.g. nest(2, "1") is "[[1]]"; the caller frees. */
static char *
nest(size_t n, const char *inner)
{
	size_t k = strlen(inner);
	char  *s = malloc(2 * n + k + 1);
	ck_assert_ptr_nonnull(s);
	memset(s, '[', n);
	memcpy(s + n, inner, k);
	memset(s + n + k, ']', n);
	s[2 * n + k] = '\0';
	return s;
}

static int
skip_nested(size_t n, const char *inner, int typed)
{
	char *s  = nest(n, inner);
	int   rc = typed ? walk_all(s, strlen(s)) : skip_all(s, strlen(s));
	free(s);
	return rc;
}

START_TEST(test_depth_limit)
{
	const size_t max = SSRD_JSON_MAX_DEPTH;

	for (int typed = 0; typed < 2; typed++) {
		/* A value inside max containers is fine; inside more is not. */
		ck_assert_int_eq(skip_nested(max, "1", typed), SSRD_OK);
		ck_assert_int_eq(skip_nested(max + 1, "1", typed), SSRD_EINVAL);
		ck_assert_int_eq(skip_nested(max, "{}", typed), SSRD_OK);
		ck_assert_int_eq(skip_nested(max, "[]", typed), SSRD_OK);
		ck_assert_int_eq(
		    skip_nested(max, "{\"a\":1}", typed), SSRD_EINVAL);
		ck_assert_int_eq(skip_nested(max + 2, "", typed), SSRD_EINVAL);
	}

	/* Objects count the same as arrays. */
	char  *s = malloc(8 * (max + 1) + 8), *p = s;
	size_t i;
	ck_assert_ptr_nonnull(s);
	for (i = 0; i < max; i++) {
		p += sprintf(p, "{\"k\":");
	}
	strcpy(p, "true");
	p += 4;
	for (i = 0; i < max; i++) {
		*p++ = '}';
	}
	*p = '\0';
	ck_assert_int_eq(skip_all(s, strlen(s)), SSRD_OK);
	ck_assert_int_eq(walk_all(s, strlen(s)), SSRD_OK);
	free(s);

	/* Far deeper, unclosed: fails cleanly rather than overflow. */
	size_t deep = 1000000;
	s           = malloc(deep);
	ck_assert_ptr_nonnull(s);
	memset(s, '[', deep);
	ck_assert_int_eq(skip_all(s, deep), SSRD_EINVAL);
	ck_assert_int_eq(walk_all(s, deep), SSRD_EINVAL);
	free(s);
}
END_TEST

START_TEST(test_end_and_trailing)
{
	ck_assert_int_eq(skip_all("{} \n\t\r", 6), SSRD_OK);
	ck_assert_int_eq(skip_all("{} x", 4), SSRD_EINVAL);
	ck_assert_int_eq(skip_all("{}{}", 4), SSRD_EINVAL);
	ck_assert_int_eq(skip_all("[1],", 4), SSRD_EINVAL);
	ck_assert_int_eq(skip_all("1 2", 3), SSRD_EINVAL);
	ck_assert_int_eq(skip_all("\"a\"\"b\"", 6), SSRD_EINVAL);
	ck_assert_int_eq(skip_all("{}\v", 3), SSRD_EINVAL); /* not JSON space */
	ck_assert_int_eq(skip_all("{}\0", 3), SSRD_EINVAL);

	/* Only len bytes are read: what follows them does not count. */
	ck_assert_int_eq(skip_all("[1]garbage", 3), SSRD_OK);

	/* An empty text (NULL is allowed) is at its end but holds no value. */
	ssrd_json j;
	ssrd__json_init(&j, NULL, 0);
	ck_assert_int_eq(ssrd__json_peek(&j), -1);
	ck_assert_int_eq(ssrd__json_end(&j), SSRD_OK);
	ck_assert_int_eq(ssrd__json_skip(&j), SSRD_EINVAL);
	ck_assert_int_eq(ssrd__json_object(&j, NULL, NULL), SSRD_EINVAL);
	ck_assert_int_eq(ssrd__json_array(&j, NULL, NULL), SSRD_EINVAL);
	ck_assert_int_eq(ssrd__json_is_null(&j), 0);
	ck_assert_int_eq(ssrd__json_bool(&j, NULL), SSRD_EINVAL);
	ck_assert_int_eq(ssrd__json_number(&j, NULL), SSRD_EINVAL);
	ck_assert_int_eq(ssrd__json_end(&j), SSRD_OK);
}
END_TEST

/* Where the value of "v" lies, and a copy of the cursor before it. */
struct raw {
	const char *start, *end;
	ssrd_json   saved;
	double      v;
};

static int
raw_v(ssrd_json *j, const char *key, size_t keylen, void *ctx)
{
	struct raw *r = ctx;
	if (strcmp(key, "v") != 0) {
		return ssrd__json_skip(j);
	}
	ck_assert_int_eq(ssrd__json_peek(j), '3');
	r->start = j->p;
	r->saved = *j;
	int rc   = ssrd__json_number(j, &r->v);
	r->end   = j->p;
	return rc;
}

START_TEST(test_raw_span_and_saved_cursor)
{
	struct raw r = { 0 };
	doc        d;

	doc_open_str(&d, "{\"v\": 3.0e0 , \"s\": \"x\"}");
	ck_assert_int_eq(ssrd__json_object(&d.j, raw_v, &r), SSRD_OK);
	ck_assert(r.v == 3);
	ck_assert_int_eq(r.end - r.start, 5); /* no trailing space */
	ck_assert_mem_eq(r.start, "3.0e0", 5);
	ck_assert_int_eq(r.saved.depth, 1);
	ck_assert_int_eq(ssrd__json_skip(&r.saved), SSRD_OK);
	ck_assert_ptr_eq(r.saved.p, r.end);
	doc_close(&d);
}
END_TEST

/* A document that exercises most of the reader, for the prefix tests. */
static const char rich[]
    = "{\"a\":[true,false,null,0,-1.5e+3,2E-2,{\"b\":{}}],\n"
      " \"s\":\"q\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\\ud800\","
      " \"long key past the sixty-four byte stack buffer of the reader!!\":"
      "[[],[[1]],\"\"], \"e\":{}, \"n\":-0}\n";

START_TEST(test_truncated_prefixes)
{
	size_t len = strlen(rich);

	ck_assert_int_eq(skip_all(rich, len), SSRD_OK);
	ck_assert_int_eq(walk_all(rich, len), SSRD_OK);
	for (size_t n = 0; n < len - 1; n++) { /* len - 1: without '\n' */
		int rc = skip_all(rich, n);
		ck_assert_msg(rc == SSRD_EINVAL, "prefix %zu: skip gave %s", n,
		    ssrd_err_name(rc));
		rc = walk_all(rich, n);
		ck_assert_msg(rc == SSRD_EINVAL, "prefix %zu: readers gave %s",
		    n, ssrd_err_name(rc));
	}
	ck_assert_int_eq(skip_all(rich, len - 1), SSRD_OK);
}
END_TEST

/* Any single byte changed to any value: an answer, never a crash. */
START_TEST(test_byte_mutations)
{
	size_t len  = strlen(rich);
	char  *copy = malloc(len);

	ck_assert_ptr_nonnull(copy);
	for (size_t i = 0; i < len; i++) {
		for (int v = 0; v < 256; v++) {
			memcpy(copy, rich, len);
			copy[i]   = (char) v;
			int skip  = skip_all(copy, len);
			int typed = walk_all(copy, len);
			ck_assert(skip == SSRD_OK || skip == SSRD_EINVAL);
			ck_assert_msg(skip == typed, "byte %zu = %d: %s vs %s",
			    i, v, ssrd_err_name(skip), ssrd_err_name(typed));
		}
	}
	free(copy);
}
END_TEST

#define MY_STOP 1000 /* a caller's own code, not an ssrd_err */

static int
stop_at_b(ssrd_json *j, const char *key, size_t keylen, void *ctx)
{
	int *seen = ctx;
	(*seen)++;
	if (strcmp(key, "b") == 0) {
		return *seen == 2 ? MY_STOP : SSRD_ENOENT;
	}
	return ssrd__json_skip(j);
}

static int
numbers_of_x(ssrd_json *j, const char *key, size_t keylen, void *ctx)
{
	ck_assert_str_eq(key, "x"); /* "y" is never reached */
	return ssrd__json_array(j, collect_numbers, ctx);
}

START_TEST(test_callback_error_aborts)
{
	static const char text[] = "{\"a\":1,\"b\":2,\"c\":3}";
	int               seen   = 0;
	doc               d;

	doc_open(&d, text, strlen(text));
	ck_assert_int_eq(ssrd__json_object(&d.j, stop_at_b, &seen), MY_STOP);
	ck_assert_int_eq(seen, 2); /* "c" was never reached */
	doc_close(&d);

	struct elems e = { .stop_at = 1, .stop_rc = SSRD_ENOENT };
	doc_open_str(&d, "[1,2,3]");
	ck_assert_int_eq(
	    ssrd__json_array(&d.j, collect_numbers, &e), SSRD_ENOENT);
	ck_assert_uint_eq(e.n, 1);
	doc_close(&d);

	/* A callback that leaves its value unread makes the object invalid. */
	struct keys ks = { .skip_values = 0 };
	doc_open_str(&d, "{\"a\":1}");
	ck_assert_int_eq(
	    ssrd__json_object(&d.j, collect_keys, &ks), SSRD_EINVAL);
	keys_free(&ks);
	doc_close(&d);

	/* An error from a nested reader comes out of the outer one. */
	doc_open_str(&d, "{\"x\":[1,2,3],\"y\":0}");
	e = (struct elems) { .stop_at = 2, .stop_rc = MY_STOP };
	ck_assert_int_eq(ssrd__json_object(&d.j, numbers_of_x, &e), MY_STOP);
	ck_assert_uint_eq(e.n, 2);
	doc_close(&d);
}
END_TEST

/* esbuild --metafile: the "inputs" object's keys are the source paths. */
static const char metafile[]
    = "{\n"
      "  \"inputs\": {\n"
      "    \"app/page.jsx\": {\n"
      "      \"bytes\": 12,\n"
      "      \"imports\": [{\"path\": \"x\", \"kind\": "
      "\"import-statement\", \"original\": \"./x\"}],\n"
      "      \"format\": \"esm\"\n"
      "    },\n"
      "    \"components/A.jsx\": {\"bytes\": 3, \"imports\": []},\n"
      "    \"node_modules/.pnpm/react@19.0.0/node_modules/react/cjs/"
      "react.production.js\": {\"bytes\": 17000, \"imports\": [], "
      "\"format\": \"cjs\"}\n"
      "  },\n"
      "  \"outputs\": {\n"
      "    \"out/bundle.js\": {\n"
      "      \"imports\": [], \"exports\": [\"App\"],\n"
      "      \"entryPoint\": \"app/page.jsx\",\n"
      "      \"inputs\": {\"app/page.jsx\": {\"bytesInOutput\": 10}},\n"
      "      \"bytes\": 100\n"
      "    }\n"
      "  }\n"
      "}\n";

struct input {
	char  *path;
	double bytes;
};

struct inputs {
	struct input v[4];
	size_t       n;
};

static int
on_input_field(ssrd_json *j, const char *key, size_t keylen, void *ctx)
{
	struct input *in = ctx;
	if (strcmp(key, "bytes") == 0) {
		return ssrd__json_number(j, &in->bytes);
	}
	return ssrd__json_skip(j);
}

static int
on_input(ssrd_json *j, const char *key, size_t keylen, void *ctx)
{
	struct inputs *ins = ctx;
	ck_assert_uint_lt(ins->n, 4);
	struct input *in = &ins->v[ins->n++];
	in->path         = malloc(keylen + 1);
	in->bytes        = -1;
	ck_assert_ptr_nonnull(in->path);
	memcpy(in->path, key, keylen + 1);
	return ssrd__json_object(j, on_input_field, in);
}

static int
on_top(ssrd_json *j, const char *key, size_t keylen, void *ctx)
{
	if (strcmp(key, "inputs") == 0) {
		return ssrd__json_object(j, on_input, ctx);
	}
	return ssrd__json_skip(j);
}

START_TEST(test_esbuild_metafile)
{
	struct inputs ins = { .n = 0 };
	doc           d;

	doc_open(&d, metafile, strlen(metafile));
	ck_assert_int_eq(ssrd__json_object(&d.j, on_top, &ins), SSRD_OK);
	ck_assert_int_eq(ssrd__json_end(&d.j), SSRD_OK);
	ck_assert_uint_eq(ins.n, 3);
	ck_assert_str_eq(ins.v[0].path, "app/page.jsx");
	ck_assert(ins.v[0].bytes == 12);
	ck_assert_str_eq(ins.v[1].path, "components/A.jsx");
	ck_assert(ins.v[1].bytes == 3);
	ck_assert_str_eq(ins.v[2].path,
	    "node_modules/.pnpm/react@19.0.0/node_modules/react/cjs/"
	    "react.production.js");
	ck_assert(ins.v[2].bytes == 17000);
	for (size_t i = 0; i < ins.n; i++) {
		free(ins.v[i].path);
	}
	doc_close(&d);

	/* Every prefix fails cleanly, with the same callbacks. */
	size_t len = strlen(metafile);
	for (size_t n = 0; n < len - 1; n++) {
		ins.n = 0;
		doc_open(&d, metafile, n);
		int rc = ssrd__json_object(&d.j, on_top, &ins);
		ck_assert_msg(
		    rc == SSRD_EINVAL, "prefix %zu: %s", n, ssrd_err_name(rc));
		for (size_t i = 0; i < ins.n; i++) {
			free(ins.v[i].path);
		}
		doc_close(&d);
	}
}
END_TEST

static Suite *
json_suite(void)
{
	Suite *s  = suite_create("json");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_object_skips_nested_values);
	tcase_add_test(tc, test_keys_long_and_escaped);
	tcase_add_test(tc, test_string_escapes);
	tcase_add_test(tc, test_surrogates);
	tcase_add_test(tc, test_string_errors);
	tcase_add_test(tc, test_numbers);
	tcase_add_test(tc, test_literals);
	tcase_add_test(tc, test_arrays);
	tcase_add_test(tc, test_depth_limit);
	tcase_add_test(tc, test_end_and_trailing);
	tcase_add_test(tc, test_raw_span_and_saved_cursor);
	tcase_add_test(tc, test_truncated_prefixes);
	tcase_add_test(tc, test_byte_mutations);
	tcase_add_test(tc, test_callback_error_aborts);
	tcase_add_test(tc, test_esbuild_metafile);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return ssrd_check_run(json_suite(), CK_FORK);
}
