/*
 * nginx_conf.h - read an existing nginx configuration, the way nginx reads
 * it, into a small model of what a WebSocket proxy check needs: the http
 * servers that proxy, their listen addresses, the upstream blocks with
 * their balancing method, and the proxy_* directives with nginx's
 * inheritance rules applied.
 *
 * Three layers, each usable alone:
 *   - the tokenizer (nginx_lex.c) walks a buffer and never allocates;
 *   - the reader (nginx_read.c) follows includes and builds a directive
 *     tree, every directive carrying its file and line;
 *   - the model (nginx_conf.c, nginx_upstream.c) and its queries
 *     (nginx_query.c).
 * One struct nginx_conf owns all memory; nginx_conf_free releases it.
 *
 * Errors are one line, lowercase, and name the file and line:
 * "nginx.conf:12: unexpected '}'".
 */
#ifndef WSCTL_NGINX_CONF_H
#define WSCTL_NGINX_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "common/addr.h"

/* ---- tokenizer ---------------------------------------------------- */

enum nginx_tok_kind {
	NGINX_TOK_END,		/* end of the buffer */
	NGINX_TOK_WORD,		/* a word or a quoted string */
	NGINX_TOK_SEMI,		/* ; */
	NGINX_TOK_OPEN,		/* { */
	NGINX_TOK_CLOSE,	/* } */
	NGINX_TOK_ERROR,	/* see nginx_token.err */
};

enum nginx_lex_err {
	NGINX_LEX_OK,
	NGINX_LEX_UNTERMINATED,	/* a quote is not closed before the end */
	NGINX_LEX_UNEXPECTED,	/* a closing quote not followed by a blank,
				   ';', '{' or ')'; p points at that byte */
};

#define NGINX_TOK_QUOTED	1u	/* the word was in quotes */
#define NGINX_TOK_ESCAPED	2u	/* p..p+len holds backslashes */

struct nginx_token {
	enum nginx_tok_kind kind;
	const char *p;		/* into the buffer; a word without quotes */
	size_t len;
	unsigned line;		/* where the token (or the error) starts */
	unsigned flags;		/* NGINX_TOK_* */
	enum nginx_lex_err err;	/* for NGINX_TOK_ERROR */
};

struct nginx_lexer {
	const char *pos, *end;
	unsigned line;
};

/* Start tokenizing buf[0..len), which need not be NUL-terminated. */
void nginx_lex_init(struct nginx_lexer *lx, const char *buf, size_t len);

/*
 * Fill *t with the next token and return its kind.  Tokens point into the
 * buffer; nothing is copied or allocated and no byte past the end is read.
 * Comments (# to the end of the line, where a word may start) are
 * skipped.  Words follow nginx: ';' and '{' end a word, '}' does not
 * ("${var}" is one word), and a backslash takes the next byte into the
 * word.  After NGINX_TOK_END or NGINX_TOK_ERROR every call returns
 * NGINX_TOK_END.
 */
enum nginx_tok_kind nginx_lex_next(struct nginx_lexer *lx,
				   struct nginx_token *t);

/*
 * Write the text of word t into dst with nginx's escapes resolved (\" \'
 * \\ give the character, \t \r \n the control character, any other
 * backslash stays) and a NUL after it.  dst must hold t->len + 1 bytes;
 * the text is never longer than the raw word.  Returns its length.
 */
size_t nginx_tok_text(const struct nginx_token *t, char *dst);

/* ---- directive tree ----------------------------------------------- */

struct nginx_pos {
	const char *file;	/* one of nginx_conf.files; NULL for a default */
	unsigned line;
};

/*
 * One directive, with includes already replaced by what they included.
 * Unknown directives are kept, so later checks can look at anything.
 */
struct nginx_dir {
	const char *name;		/* args[0] */
	char **args;		/* unquoted, unescaped; args[nargs] = NULL */
	size_t nargs;
	int block;			/* 1 when it has a { ... } */
	const struct nginx_dir *child;	/* first one inside the block */
	const struct nginx_dir *next;	/* next directive at the same level */
	struct nginx_pos at;
};

/*
 * "FILE:LINE: " (when at names a file) then the message, into err, made
 * one line (err_oneline); returns -1, for "return nginx_errf(...)".
 */
int nginx_errf(char *err, size_t errlen, const struct nginx_pos *at,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The first directive named name among d and the ones after it, or NULL. */
const struct nginx_dir *nginx_dir_find(const struct nginx_dir *d,
				       const char *name);

/* ---- the model ---------------------------------------------------- */

struct nginx_header {
	const char *name;
	const char *value;	/* "" means nginx does not send the header */
	struct nginx_pos at;	/* at.file is NULL for nginx's defaults */
};

struct nginx_limit_conn {	/* limit_conn ZONE N */
	const char *zone;
	unsigned n;
	struct nginx_pos at;
};

/*
 * The proxy directives set at one level (http, server or location).  What
 * applies is found by walking up through parent; use the query functions
 * below rather than these fields.
 */
struct nginx_scope {
	const struct nginx_scope *parent;	/* NULL at http level */
	int64_t read_timeout_ms;	/* -1 when not set at this level */
	struct nginx_pos read_timeout_at;
	const char *http_version;	/* "1.0" or "1.1"; NULL when not set */
	struct nginx_pos http_version_at;
	const struct nginx_header *headers;	/* this level's own */
	size_t nheaders;
	const struct nginx_limit_conn *limits;	/* this level's own */
	size_t nlimits;
};

enum nginx_balance {
	NGINX_LB_ROUND_ROBIN,	/* nginx's default, weighted */
	NGINX_LB_IP_HASH,
	NGINX_LB_LEAST_CONN,
	NGINX_LB_HASH,		/* hash KEY [consistent] */
	NGINX_LB_RANDOM,	/* random [two [METHOD]] */
};

struct nginx_peer {		/* server ADDR [params] in an upstream */
	const char *addr;	/* as written: "localhost:8010", "unix:/x" */
	struct hostport hp;	/* parsed, port 80 when none; empty for unix */
	int unix_socket;
	unsigned weight;	/* 1 by default */
	unsigned max_fails;	/* 1 by default */
	int64_t fail_timeout_ms;	/* 10s by default */
	unsigned max_conns;	/* 0: no limit */
	int backup, down;
	struct nginx_pos at;
};

struct nginx_upstream {
	const char *name;
	const struct nginx_peer *peers;
	size_t npeers;
	enum nginx_balance balance;	/* the last one named wins, as in nginx */
	const char *hash_key;		/* NGINX_LB_HASH */
	int consistent;			/* NGINX_LB_HASH */
	int random_two;			/* NGINX_LB_RANDOM */
	const char *random_method;	/* "least_conn" after "two", or NULL */
	unsigned keepalive;		/* 0 when not set */
	const struct nginx_dir *dir;
	struct nginx_pos at;
};

struct nginx_listen {
	struct hostport addr;	/* host "" for every address ("80", "*:80") */
	const char *unix_path;	/* "listen unix:/path", else NULL */
	int ssl, http2, default_server, proxy_protocol;
	int implicit;		/* no listen directive: nginx's *:80 */
	struct nginx_pos at;
};

enum nginx_target_kind {
	NGINX_TARGET_NONE,	/* no proxy_pass */
	NGINX_TARGET_UPSTREAM,	/* proxy_pass http://NAME of an upstream */
	NGINX_TARGET_ADDR,	/* proxy_pass http://host[:port] */
	NGINX_TARGET_UNIX,	/* proxy_pass http://unix:/path: */
	NGINX_TARGET_VARIABLE,	/* has variables: known only at run time */
};

struct nginx_target {
	enum nginx_target_kind kind;
	const char *url;	/* proxy_pass's argument */
	int tls;		/* https:// */
	const struct nginx_upstream *upstream;	/* NGINX_TARGET_UPSTREAM */
	struct hostport addr;	/* NGINX_TARGET_ADDR: host and port (80/443) */
	const char *uri;	/* the URI part after the host, "" when none */
	struct nginx_pos at;
};

enum nginx_match {
	NGINX_MATCH_PREFIX,	/* location /x */
	NGINX_MATCH_EXACT,	/* location = /x */
	NGINX_MATCH_PREFIX_NOREGEX,	/* location ^~ /x */
	NGINX_MATCH_REGEX,	/* location ~ re */
	NGINX_MATCH_REGEX_ICASE,	/* location ~* re */
	NGINX_MATCH_NAMED,	/* location @name */
};

struct nginx_location {
	const char *path;	/* the URI, regex or @name */
	enum nginx_match match;
	const struct nginx_location *parent;	/* NULL at server level */
	struct nginx_scope scope;
	struct nginx_target target;
	const struct nginx_dir *dir;
	struct nginx_pos at;
};

struct nginx_server {
	const struct nginx_listen *listens;	/* at least one (see implicit) */
	size_t nlistens;
	const struct nginx_dir *ssl_on;	/* "ssl on;": every listen is TLS */
	const char *const *names;	/* server_name arguments */
	size_t nnames;
	const struct nginx_location *locations;	/* all, nested ones too, in
						   file order */
	size_t nlocations;
	struct nginx_scope scope;
	const struct nginx_dir *dir;
	struct nginx_pos at;
};

struct nginx_map_entry {
	const char *key;	/* "" for '' or "" */
	const char *value;
	struct nginx_pos at;
};

struct nginx_map {		/* map SOURCE TARGET { ... } */
	const char *source;	/* "$http_upgrade" */
	const char *target;	/* "$connection_upgrade" */
	const char *dflt;	/* default VALUE, NULL when absent ("") */
	const struct nginx_map_entry *entries;	/* without default */
	size_t nentries;
	int hostnames, volatile_;
	struct nginx_pos at;
};

struct nginx_limit_zone {	/* limit_conn_zone KEY zone=NAME:SIZE */
	const char *key;
	const char *name;
	uint64_t size;
	struct nginx_pos at;
};

/* The shapes configs come in, as docs and issue trackers publish them. */
enum nginx_shape {
	NGINX_SHAPE_MAIN,	/* an nginx.conf: an http block, events or not */
	NGINX_SHAPE_HTTP,	/* a conf.d snippet: servers, upstreams, maps */
	NGINX_SHAPE_SERVER,	/* the inside of a server: bare locations */
};

struct nginx_missing {		/* an include of a file this host lacks */
	const char *path;	/* as resolved */
	struct nginx_pos at;	/* the include line */
};

struct nginx_conf {
	const char *const *files;	/* every file read, the main one first */
	size_t nfiles;
	const struct nginx_dir *root;	/* first top-level directive */
	enum nginx_shape shape;
	int has_http;		/* 0: no http block, so the top level was read
				   as its inside (a conf.d snippet) */
	const struct nginx_missing *missing;	/* NGINX_READ_MISSING_OK */
	size_t nmissing;
	struct nginx_scope http;	/* http-level proxy directives */
	const struct nginx_upstream *upstreams;
	size_t nupstreams;
	const struct nginx_server *servers;
	size_t nservers;
	const struct nginx_map *maps;
	size_t nmaps;
	const struct nginx_limit_zone *zones;
	size_t nzones;
	struct nginx_arena *arena;	/* private: owns everything above */
};

#define NGINX_INCLUDE_DEPTH	16

/* nginx_conf_load flags */
#define NGINX_READ_MISSING_OK	1u	/* an include of a plain name that does
					   not exist reads as an empty file and
					   is listed in c->missing */

/*
 * Read the configuration in path and every file it includes, as nginx
 * would for "nginx -c path".  Relative include patterns are resolved
 * against the directory of path, which is nginx's conf prefix under -c;
 * patterns with * ? or [ go through glob(3), sorted, and may match
 * nothing; a plain name must exist.  Includes nest at most
 * NGINX_INCLUDE_DEPTH deep and a file that includes itself, directly or
 * not, is an error.  Only the http context is modelled; events, stream,
 * mail and unknown directives are kept in the tree and otherwise ignored.
 * A file without an http block (a conf.d snippet of servers and
 * upstreams) is read as the inside of one, and a file of bare location
 * blocks as the inside of a server, which listens on nginx's *:80
 * (c->shape says which).
 * Returns a model the caller frees with nginx_conf_free, or NULL with err
 * filled: "nginx.conf:12: unexpected '}'", "cannot open 'x.conf': No such
 * file or directory".
 */
struct nginx_conf *nginx_conf_read(const char *path, char *err,
				   size_t errlen);

/* The same with NGINX_READ_* flags. */
struct nginx_conf *nginx_conf_load(const char *path, unsigned flags,
				   char *err, size_t errlen);

/* Free c and everything in it.  NULL is fine. */
void nginx_conf_free(struct nginx_conf *c);

/* ---- queries ------------------------------------------------------ */

/*
 * The location that proxies.  port 0 matches any server; otherwise only
 * servers with a listen on port count, the default_server first.  With
 * path NULL the first location (in file order) that has an http or https
 * proxy_pass is taken.  With a path, the location is chosen as nginx
 * chooses it (exact, longest prefix, ^~, then regexes in order, nested
 * locations too; regexes are POSIX extended, so PCRE-only syntax never
 * matches) and must proxy.  Fills *server and *loc and returns 0, or
 * returns -1 with err filled ("no location proxies requests for port
 * 8080").
 */
int nginx_find_proxy(const struct nginx_conf *c, int port, const char *path,
		     const struct nginx_server **server,
		     const struct nginx_location **loc,
		     char *err, size_t errlen);

/* "location /ws/", "location ~* \.js$": l as the config writes it. */
char *nginx_location_name(const struct nginx_location *l, char *buf,
			  size_t len);

/* The location nginx picks in s for uri (a path, no query), or NULL. */
const struct nginx_location *nginx_location_for(const struct nginx_server *s,
					       const char *uri);

/*
 * The server nginx picks for a request to host on port: the longest
 * server_name match (exact, then *.x and .x, then x.*; regex names are
 * not evaluated), else the default server for the port.  NULL when no
 * server listens there.
 */
const struct nginx_server *nginx_server_for(const struct nginx_conf *c,
					    int port, const char *host);

/*
 * The URI the backend gets for a request to uri at l: a proxy_pass with
 * a URI part replaces the part of a prefix location that matched
 * ("location /push/ { proxy_pass http://b/; }": /push/x -> /x); else the
 * URI is passed as it is.  Returns 0, or -1 when out is too small.
 */
int nginx_backend_uri(const struct nginx_location *l, const char *uri,
		      char *out, size_t len);

/* worker_processes: its number, the CPUs here for auto, 1 when unset. */
int nginx_workers(const struct nginx_conf *c);

/*
 * How many tunnels nginx holds: each takes two of a worker's
 * worker_connections (512 unless set; *at names the line, or has no
 * file), and each listening address one, and the channel to the master
 * one; times worker_processes.
 */
unsigned nginx_tunnel_capacity(const struct nginx_conf *c,
			       struct nginx_pos *at, unsigned *wc);

/*
 * worker_shutdown_timeout in ms, with its line in *at (when not NULL);
 * 0 when unset (or unreadable): old workers then keep their tunnels
 * after a reload until they close.
 */
int64_t nginx_shutdown_timeout(const struct nginx_conf *c,
			       struct nginx_pos *at);

/*
 * The address to connect to for l: a wildcard host becomes the loopback
 * address of its family ("" and "0.0.0.0" -> 127.0.0.1, "::" -> ::1).
 * Returns 0, or -1 for a unix socket.
 */
int nginx_listen_target(const struct nginx_listen *l, struct hostport *hp);

/*
 * The effective proxy_read_timeout at s in milliseconds: the nearest
 * level that sets it, else nginx's 60s.  *at (if not NULL) gets where it
 * was set, file NULL for the default.
 */
int64_t nginx_read_timeout(const struct nginx_scope *s, struct nginx_pos *at);

/* The effective proxy_http_version: "1.0" (the default) or "1.1". */
const char *nginx_http_version(const struct nginx_scope *s,
			       struct nginx_pos *at);

/*
 * The header lines nginx sends upstream from s, in nginx's order: the
 * proxy_set_header lines of the nearest level that has any (a level with
 * one of its own inherits none from above), then nginx's defaults whose
 * names were not set: Host $proxy_host, Connection close, Content-Length
 * and Transfer-Encoding for the body nginx sends, and empty values, which
 * drop TE, Keep-Alive, Expect and Upgrade.  Stores up to max pointers in
 * out (they live as long as the conf) and returns the number of lines,
 * which may be more than max.
 */
size_t nginx_headers(const struct nginx_scope *s,
		     const struct nginx_header **out, size_t max);

/*
 * The effective line for header name (case-insensitive) at s, or NULL
 * when nginx neither sets nor drops it (the client's header is passed
 * on).  A value of "" means nginx drops it.
 */
const struct nginx_header *nginx_header_find(const struct nginx_scope *s,
					     const char *name);

/*
 * The classic mistake: a proxy_set_header for name at an outer level that
 * does not apply at s because a level in between has proxy_set_header
 * lines of its own.  Returns the nearest such line, or NULL.
 */
const struct nginx_header *nginx_header_shadowed(const struct nginx_scope *s,
						 const char *name);

/* The effective limit_conn lines at s (array rule as for headers). */
size_t nginx_limit_conns(const struct nginx_scope *s,
			 const struct nginx_limit_conn **out);

/*
 * The sum of the weights of the peers that take traffic (neither backup
 * nor down): peer i gets weight/sum of the connections under round-robin.
 */
unsigned nginx_upstream_weight_sum(const struct nginx_upstream *u);

/* "round-robin", "ip_hash", "least_conn", "hash" or "random". */
const char *nginx_balance_name(enum nginx_balance b);

/* The upstream block named name (case-insensitive, as nginx), or NULL. */
const struct nginx_upstream *nginx_upstream_find(const struct nginx_conf *c,
						 const char *name);

/* The map that sets variable target ("$connection_upgrade"), or NULL. */
const struct nginx_map *nginx_map_find(const struct nginx_conf *c,
				       const char *target);

/*
 * What map m gives for the exact source value key: the entry's value,
 * else the default, else "".  Regex (~) and hostnames entries are not
 * evaluated.
 */
const char *nginx_map_value(const struct nginx_map *m, const char *key);

/*
 * 1 when host names the local machine: localhost, 127.0.0.0/8, ::1, or a
 * wildcard ("", "*", 0.0.0.0, ::).  No lookups.
 */
int nginx_host_is_local(const char *host);

#endif
