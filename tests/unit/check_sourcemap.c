/* check_sourcemap.c tests src/sourcemap.c with esbuild and malformed maps. */
#include <check.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/sourcemap.h"

#include "check_run.h"
#include <ssrd/errors.h>

/*
 * esbuild 0.28.2 output for two small .jsx files (src/greeting.jsx and
 * src/app.jsx, app importing greeting), built with
 *   esbuild src/app.jsx --bundle --format=esm --sourcemap=external
 *       --sources-content=false --outfile=out/bundle.js
 * The map and the bundle are kept verbatim.
 */
static const char esbuild_map[]
    = "{\n"
      "  \"version\": 3,\n"
      "  \"sources\": [\"../src/greeting.jsx\", \"../src/app.jsx\"],\n"
      "  \"mappings\": \";AAAO,SAAS,SAAS,EAAE,KAAK,GAAG;AACjC,MAAI,CAA"
      "C,MAAM;AACT,UAAM,IAAI,MAAM,uBAAuB;AAAA,EACzC;AACA,SAAO,oCAAC"
      ",OAAE,WAAU,cAAW,WAAQ,MAAK,GAAC;AAC/C;;;ACHO,SAAS,IAAI,OAAO;A"
      "ACzB,SACE,oCAAC,cACC,oCAAC,YAAS,MAAM,MAAM,MAAM,CAC9B;AAEJ;\","
      "\n"
      "  \"names\": []\n"
      "}\n";

static const char esbuild_bundle[]
    = "// src/greeting.jsx\n"
      "function Greeting({ name }) {\n"
      "  if (!name) {\n"
      "    throw new Error(\"Greeting needs a name\");\n"
      "  }\n"
      "  return /* @__PURE__ */ React.createElement(\"p\", { classNam"
      "e: \"greeting\" }, \"Hello, \", name, \"!\");\n"
      "}\n"
      "\n"
      "// src/app.jsx\n"
      "function App(props) {\n"
      "  return /* @__PURE__ */ React.createElement(\"main\", null, /"
      "* @__PURE__ */ React.createElement(Greeting, { name: props.n"
      "ame }));\n"
      "}\n"
      "export {\n"
      "  App\n"
      "};\n";

/* Where the bundle's throw statement is, and where it came from. */
#define THROW_LINE 4
#define THROW_COLUMN 5
#define THROW_SOURCE "../src/greeting.jsx"
#define THROW_SRC_LINE 3
#define THROW_SRC_COLUMN 5

/* Sets *line and *col (1-based) to where needle first occurs in text. */
static void
find_pos(const char *text, const char *needle, int *line, int *col)
{
	const char *p = strstr(text, needle);
	ck_assert_msg(p != NULL, "\"%s\" is not in the bundle", needle);
	*line = 1;
	*col  = 1;
	for (const char *q = text; q < p; q++) {
		if (*q == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

/* Parses a copy of exactly len bytes, so ASan sees any read past the end. */
static int
parse_n(const char *json, size_t len, ssrd_sourcemap **out)
{
	char *copy = malloc(len ? len : 1);
	ck_assert_ptr_nonnull(copy);
	if (len > 0) {
		memcpy(copy, json, len);
	}
	int rc = ssrd__sourcemap_parse(copy, len, out);
	free(copy);
	return rc;
}

static ssrd_sourcemap *
parse_ok(const char *json)
{
	ssrd_sourcemap *map = NULL;
	int             rc  = parse_n(json, strlen(json), &map);
	ck_assert_msg(
	    rc == SSRD_OK, "parse failed: %s\n%s", ssrd_strerror(rc), json);
	ck_assert_ptr_nonnull(map);
	return map;
}

static void
expect_einval(const char *json)
{
	ssrd_sourcemap *sentinel = (ssrd_sourcemap *) &sentinel;
	ssrd_sourcemap *map      = sentinel;
	int             rc       = parse_n(json, strlen(json), &map);
	ck_assert_msg(rc == SSRD_EINVAL, "got %s, want invalid, for:\n%s",
	    ssrd_err_name(rc), json);
	ck_assert_msg(map == sentinel, "*out changed on error");
}

static void
expect_at(const ssrd_sourcemap *map, int line, int col, const char *source,
    int src_line, int src_col)
{
	const char *s  = NULL;
	int         sl = -1, sc = -1;
	int         rc = ssrd__sourcemap_lookup(map, line, col, &s, &sl, &sc);
	ck_assert_msg(rc == SSRD_OK, "%d:%d: %s", line, col, ssrd_strerror(rc));
	ck_assert_str_eq(s, source);
	ck_assert_msg(sl == src_line && sc == src_col,
	    "%d:%d -> %d:%d, want %d:%d", line, col, sl, sc, src_line, src_col);
}

static void
expect_none(const ssrd_sourcemap *map, int line, int col)
{
	const char *s  = NULL;
	int         sl = -1, sc = -1;
	int         rc = ssrd__sourcemap_lookup(map, line, col, &s, &sl, &sc);
	ck_assert_msg(rc == SSRD_ENOENT, "%d:%d: got %s, want not_found", line,
	    col, ssrd_err_name(rc));
}

#define MAP(sources, mappings)                                                 \
	"{\"version\":3,\"sources\":" sources                                  \
	",\"names\":[],\"mappings\":\"" mappings "\"}"

START_TEST(test_esbuild_map)
{
	ssrd_sourcemap *map = parse_ok(esbuild_map);
	int             line, col;

	ck_assert_uint_eq(ssrd__sourcemap_source_count(map), 2);

	/* The throw statement, found by reading the bundle. */
	find_pos(esbuild_bundle, "throw new Error", &line, &col);
	ck_assert_int_eq(line, THROW_LINE);
	ck_assert_int_eq(col, THROW_COLUMN);
	expect_at(
	    map, line, col, THROW_SOURCE, THROW_SRC_LINE, THROW_SRC_COLUMN);

	/* V8 puts an Error's position on "new Error". */
	find_pos(esbuild_bundle, "new Error", &line, &col);
	expect_at(map, line, col, "../src/greeting.jsx", 3, 11);
	find_pos(esbuild_bundle, "function App", &line, &col);
	expect_at(map, line, col, "../src/app.jsx", 3, 8);
	find_pos(esbuild_bundle, "createElement(Greeting", &line, &col);
	expect_at(map, line, col + 14, "../src/app.jsx", 6, 8);

	expect_none(map, 1, 1);   /* the "// src/greeting.jsx" comment */
	expect_none(map, 8, 1);   /* an empty line */
	expect_none(map, 13, 1);  /* "export {" has no mapping */
	expect_none(map, 100, 1); /* past the end */
	ssrd__sourcemap_free(map);
}
END_TEST

/* esbuild writes sources as URLs: a route folder's brackets come back. */
START_TEST(test_sources_url_decoded)
{
	ssrd_sourcemap *map = parse_ok(
	    MAP("[\"app/products/%5Bid%5D/page.jsx\",\"a%2\",\"b%00c%41\"]",
	        "AAAA;ACAA;ACAA"));
	expect_at(map, 1, 1, "app/products/[id]/page.jsx", 1, 1);
	expect_at(map, 2, 1, "a%2", 1, 1);    /* not an escape: kept */
	expect_at(map, 3, 1, "b%00cA", 1, 1); /* %00 kept: no cut name */
	ssrd__sourcemap_free(map);
}
END_TEST

START_TEST(test_before_first_segment)
{
	/* Columns 4 and 9 of line 0; line 1 at column 0 carries the
	 * original column over from line 0. */
	ssrd_sourcemap *map = parse_ok(MAP("[\"a.js\"]", "IAAA,KAAK;AACA"));
	for (int col = 1; col <= 4; col++) {
		expect_none(map, 1, col);
	}
	expect_at(map, 1, 5, "a.js", 1, 1);
	expect_at(map, 2, 1, "a.js", 2, 6);
	expect_none(map, 3, 1);
	ssrd__sourcemap_free(map);
}
END_TEST

START_TEST(test_exact_and_between)
{
	ssrd_sourcemap *map = parse_ok(MAP("[\"a.js\"]", "IAAA,KAAK;AACA"));
	expect_at(map, 1, 5, "a.js", 1, 1);    /* exactly the first */
	expect_at(map, 1, 9, "a.js", 1, 1);    /* between: the one before */
	expect_at(map, 1, 10, "a.js", 1, 6);   /* exactly the second */
	expect_at(map, 1, 1000, "a.js", 1, 6); /* past the last */
	expect_at(map, 2, 1000, "a.js", 2, 6);
	ssrd__sourcemap_free(map);

	/* Adjacent columns 0, 3, 4. */
	map = parse_ok(MAP("[\"a.js\"]", "AAAA,GAAG,CAAC"));
	expect_at(map, 1, 1, "a.js", 1, 1);
	expect_at(map, 1, 3, "a.js", 1, 1);
	expect_at(map, 1, 4, "a.js", 1, 4);
	expect_at(map, 1, 5, "a.js", 1, 5);
	expect_at(map, 1, 6, "a.js", 1, 5);
	ssrd__sourcemap_free(map);
}
END_TEST

START_TEST(test_unmapped_segments)
{
	/* Column 0 mapped, column 2 unmapped (one field), column 4 mapped. */
	ssrd_sourcemap *map = parse_ok(MAP("[\"a.js\"]", "AAAA,E,EAAE"));
	expect_at(map, 1, 1, "a.js", 1, 1);
	expect_at(map, 1, 2, "a.js", 1, 1);
	expect_none(map, 1, 3);
	expect_none(map, 1, 4);
	expect_at(map, 1, 5, "a.js", 1, 3);
	ssrd__sourcemap_free(map);
}
END_TEST

START_TEST(test_multiple_sources_and_names)
{
	/* Source, line and column carry across lines; the fifth field (a
	 * name) is read but not used. */
	ssrd_sourcemap *map = parse_ok(
	    MAP("[\"a.js\",\"b.js\",\"c.js\"]", "AAAAA,ECEEC;ACAAC,CDCCD"));
	ck_assert_uint_eq(ssrd__sourcemap_source_count(map), 3);
	expect_at(map, 1, 1, "a.js", 1, 1);
	expect_at(map, 1, 3, "b.js", 3, 3);
	expect_at(map, 2, 1, "c.js", 3, 3);
	expect_at(map, 2, 2, "b.js", 4, 4);
	ssrd__sourcemap_free(map);
}
END_TEST

START_TEST(test_source_root)
{
	static const struct {
		const char *root;
		const char *want;
	} cases[] = {
		{ "\"/srv/app\"", "/srv/app/a.js" },
		{ "\"/srv/app/\"", "/srv/app/a.js" },
		{ "\"webpack://\"", "webpack://a.js" },
		{ "\"\"", "a.js" },
		{ "null", "a.js" },
	};
	char json[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(json, sizeof(json),
		    "{\"sourceRoot\":%s,\"version\":3,\"sources\":[\"a.js\"],"
		    "\"mappings\":\"AAAA\"}",
		    cases[i].root);
		ssrd_sourcemap *map = parse_ok(json);
		expect_at(map, 1, 1, cases[i].want, 1, 1);
		ssrd__sourcemap_free(map);

		/* The same with sourceRoot after sources. */
		snprintf(json, sizeof(json),
		    "{\"version\":3,\"sources\":[\"a.js\"],"
		    "\"mappings\":\"AAAA\",\"sourceRoot\":%s}",
		    cases[i].root);
		map = parse_ok(json);
		expect_at(map, 1, 1, cases[i].want, 1, 1);
		ssrd__sourcemap_free(map);
	}
}
END_TEST

START_TEST(test_null_source)
{
	ssrd_sourcemap *map = parse_ok(MAP("[null, \"b.js\"]", "AAAA,ECAA"));
	ck_assert_uint_eq(ssrd__sourcemap_source_count(map), 2);
	expect_none(map, 1, 1);
	expect_at(map, 1, 3, "b.js", 1, 1);
	ssrd__sourcemap_free(map);
}
END_TEST

START_TEST(test_unknown_keys_skipped)
{
	static const char json[]
	    = " \r\n\t{ \"file\" : \"bundle.js\" ,\n"
	      "  \"x_google_ignoreList\": [0, [1, [2, [3, {}]]], []],\n"
	      "  \"sourcesContent\": [\"a \\\"q\\\" \\\\ \\/ \\b\\f\\n\\r\\t "
	      "\\u00e9 \\uD83D\\uDE00 {[\", null],\n"
	      "  \"\\u0076ersion\": 3,\n"
	      "  \"nested\": {\"a\": {\"b\": {\"c\": [true, false, null, -0, "
	      "1.5, -2e10, 3E+2, 4.25e-3, \"}\"]}}, \"d\": {}},\n"
	      "  \"sources\": [\"a.js\"],\n"
	      "  \"names\": [\"foo\", \"bar\"],\n"
	      "  \"mappings\": \"AAAA\",\n"
	      "  \"\": \"\", \"versio\": \"x\", \"versions\": [4],\n"
	      "  \"ignore\": {\"version\": 2, \"sources\": 7}\n"
	      "} \n";
	ssrd_sourcemap *map = parse_ok(json);
	expect_at(map, 1, 1, "a.js", 1, 1);
	ssrd__sourcemap_free(map);
}
END_TEST

START_TEST(test_string_escapes)
{
	ssrd_sourcemap *map = parse_ok(
	    MAP("[\"a\\u00E9\\/b\\\\c\\\"d.js\", \"\\ud83d\\ude00.js\", "
	        "\"\\ud800x.js\", \"\\ud800\\u0041.js\"]",
	        "AAAA,CCAA,CCAA,CCAA"));
	expect_at(map, 1, 1, "a\xC3\xA9/b\\c\"d.js", 1, 1);
	expect_at(map, 1, 2, "\xF0\x9F\x98\x80.js", 1, 1);
	expect_at(map, 1, 3, "\xEF\xBF\xBDx.js", 1, 1);
	expect_at(map, 1, 4,
	    "\xEF\xBF\xBD"
	    "A.js",
	    1, 1);
	ssrd__sourcemap_free(map);

	/* Escapes inside "mappings" are decoded too. */
	map = parse_ok(MAP("[\"a.js\"]", "\\u0041AAA,\\u0043AAC"));
	expect_at(map, 1, 2, "a.js", 1, 2);
	ssrd__sourcemap_free(map);
}
END_TEST

START_TEST(test_version_forms)
{
	/* "version" must be the number 3 written as 3 (as every tool does). */
	static const char *ok[]  = { "3", " 3 ", "\n3\t" };
	static const char *bad[] = { "2", "4", "-3", "3.5", "33", "0", "3e1",
		"3.0", "\"3\"", "null", "[3]", "{}", "true" };
	char               json[128];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(json, sizeof(json),
		    "{\"version\":%s,\"sources\":[],\"mappings\":\"\"}", ok[i]);
		ssrd__sourcemap_free(parse_ok(json));
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(json, sizeof(json),
		    "{\"version\":%s,\"sources\":[],\"mappings\":\"\"}",
		    bad[i]);
		expect_einval(json);
	}
}
END_TEST

START_TEST(test_unsorted_and_duplicates)
{
	/* Column 2 written before column 0. */
	ssrd_sourcemap *map = parse_ok(MAP("[\"a.js\"]", "EAAE,FAAF"));
	expect_at(map, 1, 1, "a.js", 1, 1);
	expect_at(map, 1, 2, "a.js", 1, 1);
	expect_at(map, 1, 3, "a.js", 1, 3);
	ssrd__sourcemap_free(map);

	/* Two segments at column 0: the last one written wins. */
	map = parse_ok(MAP("[\"a.js\"]", "AAAA,AACA,AACA;AACA"));
	expect_at(map, 1, 1, "a.js", 3, 1);
	expect_at(map, 2, 1, "a.js", 4, 1);
	ssrd__sourcemap_free(map);
}
END_TEST

/* Appends the base64 VLQ of v to *p. */
static void
vlq_put(char **p, long v)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqr"
	                          "stuvwxyz0123456789+/";
	unsigned long     u
	    = v < 0 ? ((unsigned long) -v << 1) | 1 : (unsigned long) v << 1;
	do {
		unsigned d = u & 31;
		u >>= 5;
		*(*p)++ = b64[d | (u ? 32 : 0)];
	} while (u);
}

static uint32_t rng_state = 1;

static uint32_t
rng(void)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return rng_state >> 8;
}

/*
 * Random maps (columns in any order, duplicates, unmapped segments) checked
 * against a linear search: the segment on the line with the greatest column
 * <= the asked one, the last written among equals.
 */
START_TEST(test_random_against_linear_search)
{
	enum { LINES = 40, PER_LINE = 12, MAXCOL = 60 };
	struct seg {
		int line, col, src, sline, scol;
	};
	static struct seg segs[LINES * PER_LINE];
	static char       json[LINES * PER_LINE * 40 + 256];

	for (int round = 0; round < 50; round++) {
		int   n = 0, col = 0, src = 0, sl = 0, sc = 0;
		char *p = json;
		p += sprintf(p,
		    "{\"version\":3,\"sources\":[\"a\",\"b\",\"c\"],"
		    "\"mappings\":\"");
		for (int line = 0; line < LINES; line++) {
			int k = (int) (rng() % PER_LINE);
			col   = 0;
			for (int i = 0; i < k; i++) {
				struct seg *s = &segs[n++];
				s->line       = line;
				s->col        = (int) (rng() % MAXCOL);
				s->src
				    = rng() % 4 == 0 ? -1 : (int) (rng() % 3);
				if (i > 0) {
					*p++ = ',';
				}
				vlq_put(&p, s->col - col);
				col = s->col;
				if (s->src >= 0) {
					s->sline = (int) (rng() % 100);
					s->scol  = (int) (rng() % 100);
					vlq_put(&p, s->src - src);
					vlq_put(&p, s->sline - sl);
					vlq_put(&p, s->scol - sc);
					src = s->src;
					sl  = s->sline;
					sc  = s->scol;
				}
			}
			*p++ = ';';
		}
		p += sprintf(p, "\"}");

		ssrd_sourcemap *map = parse_ok(json);
		for (int line = 0; line < LINES + 2; line++) {
			for (int c = 0; c < MAXCOL + 2; c++) {
				const struct seg *best = NULL;
				for (int i = 0; i < n; i++) {
					if (segs[i].line == line
					    && segs[i].col <= c
					    && (best == NULL
					        || segs[i].col >= best->col)) {
						best = &segs[i];
					}
				}
				if (best == NULL || best->src < 0) {
					expect_none(map, line + 1, c + 1);
				} else {
					const char name[2]
					    = { (char) ('a' + best->src) };
					expect_at(map, line + 1, c + 1, name,
					    best->sline + 1, best->scol + 1);
				}
			}
		}
		ssrd__sourcemap_free(map);
	}
}
END_TEST

START_TEST(test_vlq_limits)
{
	/* 2^31 - 1 is the largest value; one more bit is an error. */
	ssrd__sourcemap_free(parse_ok(MAP("[\"a.js\"]", "+/////D")));
	expect_einval(MAP("[\"a.js\"]", "//////D"));
	expect_einval(MAP("[\"a.js\"]", "gggggggA")); /* eight digits */
	/* Sums that leave the int32 range. */
	expect_einval(MAP("[\"a.js\"]", "+/////D,+/////D"));
	expect_einval(MAP("[\"a.js\"]", "AA+/////DA"));
}
END_TEST

START_TEST(test_malformed)
{
	static const char *cases[] = {
		/* not a map */
		"",
		"   ",
		"[]",
		"3",
		"\"x\"",
		"null",
		"{",
		"}",
		"{}",
		/* required keys */
		"{\"sources\":[],\"mappings\":\"\"}",
		"{\"version\":3,\"mappings\":\"\"}",
		"{\"version\":3,\"sources\":[]}",
		"{\"version\":3,\"sources\":[],\"mappings\":\"\",\"version\":"
		"2}",
		/* wrong types */
		"{\"version\":3,\"sources\":\"a.js\",\"mappings\":\"\"}",
		"{\"version\":3,\"sources\":[1],\"mappings\":\"\"}",
		"{\"version\":3,\"sources\":[[]],\"mappings\":\"\"}",
		"{\"version\":3,\"sources\":[],\"mappings\":[]}",
		"{\"version\":3,\"sources\":[],\"mappings\":null}",
		"{\"version\":3,\"sources\":[],\"mappings\":\"\","
		"\"sourceRoot\":1}",
		"{\"version\":3,\"sources\":[],\"mappings\":\"\","
		"\"sourceRoot\":nul}",
		/* bad VLQ */
		MAP("[\"a.js\"]", "AA!A"),
		MAP("[\"a.js\"]", "AAAA,AA=A"),
		MAP("[\"a.js\"]", "AAAA AAAA"),
		MAP("[\"a.js\"]", "g"),
		MAP("[\"a.js\"]", "AAAAg"),
		MAP("[\"a.js\"]", "AAAA\\u0000"),
		/* field counts other than 1, 4 or 5 */
		MAP("[\"a.js\"]", "AA"),
		MAP("[\"a.js\"]", "AAA"),
		MAP("[\"a.js\"]", "AAAAAA"),
		/* out of range */
		MAP("[\"a.js\"]", "AAAA,ACAA"),
		MAP("[]", "AAAA"),
		MAP("[\"a.js\"]", "ADAA"),
		MAP("[\"a.js\"]", "AADA"),
		MAP("[\"a.js\"]", "AAAD"),
		MAP("[\"a.js\"]", "D"),
		MAP("[\"a.js\"]", "AAAAD"),
		/* JSON syntax */
		"{\"version\":3,\"sources\":[],\"mappings\":\"\",}",
		"{\"version\":3,\"sources\":[,],\"mappings\":\"\"}",
		"{\"version\":3,\"sources\":[\"a\",],\"mappings\":\"\"}",
		"{\"version\":3,\"sources\":[]\"mappings\":\"\"}",
		"{\"version\" 3,\"sources\":[],\"mappings\":\"\"}",
		"{'version':3,\"sources\":[],\"mappings\":\"\"}",
		"{version:3,\"sources\":[],\"mappings\":\"\"}",
		"{\"version\":03,\"sources\":[],\"mappings\":\"\"}",
		"{\"version\":3.,\"sources\":[],\"mappings\":\"\"}",
		"{\"version\":3e,\"sources\":[],\"mappings\":\"\"}",
		"{\"version\":+3,\"sources\":[],\"mappings\":\"\"}",
		"{\"version\":-,\"sources\":[],\"mappings\":\"\"}",
		"{\"version\":3,\"sources\":[],\"mappings\":\"\"}x",
		"{\"version\":3,\"sources\":[],\"mappings\":\"\"}{}",
		"{\"version\":3,\"sources\":[\"a\tb\"],\"mappings\":\"\"}",
		"{\"version\":3,\"sources\":[\"a\\x\"],\"mappings\":\"\"}",
		"{\"version\":3,\"sources\":[\"\\u12\"],\"mappings\":\"\"}",
		"{\"version\":3,\"sources\":[\"\\u12G4\"],\"mappings\":\"\"}",
		"{\"version\":3,\"sources\":[\"\\u00\x10\x19\"],\"mappings\":"
		"\"\"}",
		"{\"version\":3,\"sources\":[\"\\ud800\\u12\"],\"mappings\":"
		"\"\"}",
		"{\"version\":3,\"sources\":[],\"mappings\":\"\",\"x\":tru}",
		"{\"version\":3,\"sources\":[],\"mappings\":\"\",\"x\":nulL}",
		"{\"version\":3,\"sources\":[],\"mappings\":\"\",\"x\":[1 2]}",
		"{\"version\":3,\"sources\":[],\"mappings\":\"\",\"x\":{\"a\"}"
		"}",
		"{\"version\":3,\"sources\":[],\"mappings\":\"\",\"x\":{1:2}}",
		"{\"version\":3,\"sources\":[],\"mappings\":\"\",\"x\":\"\\",
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		expect_einval(cases[i]);
	}
}
END_TEST

START_TEST(test_deep_nesting)
{
	/* Far deeper than any real map; must fail cleanly, not overflow. */
	size_t depth = 100000;
	char  *json  = malloc(3 * depth + 128);
	ck_assert_ptr_nonnull(json);
	char *p = json + sprintf(json, "{\"version\":3,\"x\":");
	for (size_t i = 0; i < depth; i++) {
		*p++ = i % 2 ? '[' : '{';
		if (i % 2 == 0) {
			p += sprintf(p, "\"k\":");
		}
	}
	*p = '\0';
	expect_einval(json);

	/* Moderate nesting is fine. */
	p = json + sprintf(json, "{\"version\":3,\"x\":");
	for (int i = 0; i < 100; i++) {
		*p++ = '[';
	}
	for (int i = 0; i < 100; i++) {
		*p++ = ']';
	}
	sprintf(p, ",\"sources\":[],\"mappings\":\"\"}");
	ssrd__sourcemap_free(parse_ok(json));
	free(json);
}
END_TEST

/* A map that exercises most of the reader, for the prefix and byte tests. */
static const char rich_map[]
    = "{\"version\":3,\"file\":\"b.js\",\"sourceRoot\":\"/r\",\n"
      " \"sources\":[\"a\\u00e9.js\",null,\"\\ud83d\\ude00\"],\n"
      " \"x\":{\"y\":[true,false,null,-1.5e+3,{\"z\":\"\\\"\\\\\"}]},\n"
      " \"names\":[],\"mappings\":\";AAAA,EAAE,G;ACAA,CCAA,E\"}\n";

/*
 * Every prefix of a valid map must parse to an error or a usable map (the
 * last one may be valid if only whitespace was cut), never crash or read
 * past the end.
 */
static void
check_prefixes(const char *json)
{
	size_t len = strlen(json);
	int    ok  = 0;

	for (size_t n = 0; n <= len; n++) {
		ssrd_sourcemap *sentinel = (ssrd_sourcemap *) &sentinel;
		ssrd_sourcemap *map      = sentinel;
		int             rc       = parse_n(json, n, &map);
		if (rc == SSRD_OK) {
			const char *s;
			int         l, c;
			(void) ssrd__sourcemap_lookup(map, 2, 1, &s, &l, &c);
			ssrd__sourcemap_free(map);
			ok++;
		} else {
			ck_assert_msg(rc == SSRD_EINVAL, "prefix %zu: %s", n,
			    ssrd_err_name(rc));
			ck_assert(map == sentinel);
		}
	}
	ck_assert_int_ge(ok, 1);
	ck_assert_int_le(ok, 2); /* the whole text, and without the '\n' */
}

START_TEST(test_truncated_prefixes)
{
	check_prefixes(esbuild_map);
	check_prefixes(rich_map);
}
END_TEST

/* Any single byte changed to any value: an error or a map, never a crash. */
START_TEST(test_byte_mutations)
{
	const char *maps[] = { esbuild_map, rich_map };

	for (size_t m = 0; m < 2; m++) {
		size_t len  = strlen(maps[m]);
		char  *copy = malloc(len);
		ck_assert_ptr_nonnull(copy);
		for (size_t i = 0; i < len; i++) {
			for (int v = 0; v < 256; v += (v < 128 ? 1 : 37)) {
				memcpy(copy, maps[m], len);
				copy[i]             = (char) v;
				ssrd_sourcemap *map = NULL;
				int rc = ssrd__sourcemap_parse(copy, len, &map);
				ck_assert(rc == SSRD_OK || rc == SSRD_EINVAL);
				ssrd__sourcemap_free(
				    rc == SSRD_OK ? map : NULL);
			}
		}
		free(copy);
	}
}
END_TEST

START_TEST(test_arguments)
{
	ssrd_sourcemap *map = NULL;
	const char     *s;
	int             l, c;

	ck_assert_int_eq(ssrd__sourcemap_parse(NULL, 0, &map), SSRD_EINVAL);
	ck_assert_int_eq(ssrd__sourcemap_parse("{}", 2, NULL), SSRD_EINVAL);
	ck_assert_ptr_null(map);
	ck_assert_int_eq(
	    ssrd__sourcemap_lookup(NULL, 1, 1, &s, &l, &c), SSRD_ENOENT);
	ck_assert_uint_eq(ssrd__sourcemap_source_count(NULL), 0);
	ssrd__sourcemap_free(NULL);

	map = parse_ok(MAP("[\"a.js\"]", "AAAA"));
	expect_at(map, 1, 1, "a.js", 1, 1);
	expect_none(map, 0, 1);
	expect_none(map, 1, 0);
	expect_none(map, -1, -1);
	expect_none(map, INT_MAX, INT_MAX);
	expect_at(map, 1, INT_MAX, "a.js", 1, 1);
	ssrd__sourcemap_free(map);

	/* Not NUL-terminated: only len bytes are read. */
	static const char two[] = MAP("[\"a.js\"]", "AAAA") "garbage";
	ck_assert_int_eq(
	    ssrd__sourcemap_parse(two, sizeof(two) - 8, &map), SSRD_OK);
	ssrd__sourcemap_free(map);
}
END_TEST

static Suite *
sourcemap_suite(void)
{
	Suite *s  = suite_create("sourcemap");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_esbuild_map);
	tcase_add_test(tc, test_before_first_segment);
	tcase_add_test(tc, test_sources_url_decoded);
	tcase_add_test(tc, test_exact_and_between);
	tcase_add_test(tc, test_unmapped_segments);
	tcase_add_test(tc, test_multiple_sources_and_names);
	tcase_add_test(tc, test_source_root);
	tcase_add_test(tc, test_null_source);
	tcase_add_test(tc, test_unknown_keys_skipped);
	tcase_add_test(tc, test_string_escapes);
	tcase_add_test(tc, test_version_forms);
	tcase_add_test(tc, test_unsorted_and_duplicates);
	tcase_add_test(tc, test_random_against_linear_search);
	tcase_add_test(tc, test_vlq_limits);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_deep_nesting);
	tcase_add_test(tc, test_truncated_prefixes);
	tcase_add_test(tc, test_byte_mutations);
	tcase_add_test(tc, test_arguments);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	int rc = ssrd_check_run(sourcemap_suite(), CK_FORK);
	return rc;
}
