/* The same tiny page from nng's HTTP server (a static handler: no ssrd code).
 */
#include <nng/nng.h>
#include <nng/supplemental/http/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int
main(int argc, char **argv)
{
	const char body[] = "<!DOCTYPE html><html><head></head><body><p>Hello "
	                    "from a tiny page</p></body></html>";
	char       url[64];
	snprintf(url, sizeof(url), "http://127.0.0.1:%s",
	    argc > 1 ? argv[1] : "8083");
	nng_url          *u;
	nng_http_server  *s;
	nng_http_handler *h;
	if (nng_url_parse(&u, url) || nng_http_server_hold(&s, u)
	    || nng_http_handler_alloc_static(
	        &h, "/", body, sizeof(body) - 1, "text/html; charset=utf-8")
	    || nng_http_handler_set_tree(h) || nng_http_server_add_handler(s, h)
	    || nng_http_server_start(s)) {
		fprintf(stderr, "nng failed\n");
		return 1;
	}
	for (;;)
		pause();
}
