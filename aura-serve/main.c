/* aura-serve: a PyPI simple-index proxy that serves only files Aura has scanned and passed. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <sys/socket.h>

#include "aura.h"
#include "err.h"
#include "opts.h"
#include "proxy.h"
#include "sandbox.h"
#include "supervisor.h"

static const char usage[] =
	"Usage: aura-serve --upstream URL [--npm-upstream URL] [OPTION]...\n"
	"       aura-serve --npm-upstream URL [OPTION]...\n"
	"Serve a PEP 503 simple index at http://HOST:PORT/simple/ that stands between a client\n"
	"(pip) and the upstream index URL: project pages come from upstream with every file\n"
	"link pointing back at this proxy; each file is downloaded once, checked against the\n"
	"sha256 its page published, scanned with `aura scan`, and served unchanged only when\n"
	"its risk is below --fail-level and the scan was complete. Refused files get HTTP 403\n"
	"with the package, the risk and the reason, and a line on stderr. With --npm-upstream\n"
	"it also serves an npm registry at http://HOST:PORT/npm/ (every dist.tarball pointing\n"
	"back here, checked against dist.integrity or dist.shasum); JavaScript is not analysed\n"
	"yet, so an npm package is refused unless --allow-unanalysed lets it through (its\n"
	"install scripts are still checked). Once listening, stdout has one line per side:\n"
	"the index URL (.../simple/), then the registry URL (.../npm/).\n"
	"\n"
	"  --upstream URL      the upstream simple index (e.g. https://pypi.org/simple/)\n"
	"  --npm-upstream URL  the upstream npm registry (e.g. https://registry.npmjs.org/)\n"
	"  --min-age AGE       withhold releases uploaded less than AGE ago (48h, 2d, 90m,\n"
	"                      3600s; plain seconds); with no upload time known, withheld\n"
	"  --allow-unanalysed  serve npm packages although their JavaScript is not analysed\n"
	"  --allow-unanalysed-name NAME  the same for the npm package NAME only (repeatable)\n"
	"  --listen HOST:PORT  address to listen on (default 127.0.0.1:0, a free port)\n"
	"  --cache DIR         downloaded files and verdicts (default $XDG_CACHE_HOME/aura/serve)\n"
	"  --fail-level LEVEL  lowest risk refused: low, medium, high, critical (default high)\n"
	"  --db FILE           also record every scan in the results database FILE\n"
	"  --policy FILE       the auditor's policy, applied to every scan (docs/policy.md);\n"
	"                      without it, aura scan's default ($XDG_CONFIG_HOME/aura/policy.yaml)\n"
	"  --max-file SIZE     biggest upstream file accepted (default 512M)\n"
	"  --timeout SECONDS   upstream transfer time-out (default 60)\n"
	"\n"
	"Confinement: the network front end may not execute anything and writes only beneath\n"
	"its cache; a supervisor process runs the six stage programs, and only those.\n"
	"\n"
	"Exit status: 0 stopped by SIGINT or SIGTERM, 2 usage or fatal error.\n";

/* The stage's own options (AURA_STAGE_OPTIONS): long name, argument, ID. */
#define SERVE_OPTIONS(X) \
	X("upstream", required_argument, OPT_UPSTREAM) \
	X("listen", required_argument, OPT_LISTEN) \
	X("cache", required_argument, OPT_CACHE) \
	X("fail-level", required_argument, OPT_FAIL_LEVEL) \
	X("db", required_argument, OPT_DB) \
	X("max-file", required_argument, OPT_MAX_FILE) \
	X("timeout", required_argument, OPT_TIMEOUT) \
	X("npm-upstream", required_argument, OPT_NPM_UPSTREAM) \
	X("min-age", required_argument, OPT_MIN_AGE) \
	X("policy", required_argument, OPT_POLICY) \
	X("allow-unanalysed", no_argument, OPT_ALLOW_UNANALYSED) \
	X("allow-unanalysed-name", required_argument, OPT_ALLOW_UNANALYSED_NAME)
AURA_STAGE_OPTIONS(SERVE_OPTIONS);

static char base_url[128];	/* http://HOST:PORT, prefixed to every rewritten link */

static _Noreturn void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static _Noreturn void usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "aura-serve: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'aura-serve --help' for more information.\n");
	exit(AURA_EXIT_FATAL);
}

/* --min-age: a number with an optional unit s, m, h or d, as seconds. */
static long parse_age(const char *text)
{
	char *end;
	errno = 0;
	long n = strtol(text, &end, 10);
	long unit = 1;
	if (*end == 'm')
		unit = 60;
	else if (*end == 'h')
		unit = 3600;
	else if (*end == 'd')
		unit = 86400;
	else if (*end != 's' && *end != '\0')
		usage_error("--min-age: expected a number with s, m, h or d (48h), not '%s'", text);
	if (end == text || errno || n < 0 || (*end && end[1]) || n > 100L * 365 * 86400 / unit)
		usage_error("--min-age: expected a non-negative age such as 48h, not '%s'", text);
	return n * unit;
}

/* An http(s) URL given for an option, with a '/' added at its end when missing. */
static const char *upstream_url(const char *opt, const char *url)
{
	if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8))
		usage_error("%s must be an http:// or https:// URL, not '%s'", opt, url);
	char *with_slash = NULL;
	size_t len = strlen(url);
	if (asprintf(&with_slash, "%s%s", url, url[len - 1] == '/' ? "" : "/") < 0)
		aura_oom();
	return with_slash;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_len, void **state)
{
	static int first_call;
	if (*state == NULL) {	/* MHD calls once for the headers: answer on the next call */
		*state = &first_call;
		return MHD_YES;
	}
	struct proxy_reply r;
	struct MHD_Response *resp;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		static const char msg[] = "aura-serve: only GET and HEAD\n";
		resp = MHD_create_response_from_buffer(sizeof msg - 1, (void *)msg, MHD_RESPMEM_PERSISTENT);
		enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_METHOD_NOT_ALLOWED, resp);
		MHD_destroy_response(resp);
		return ret;
	}
	proxy_get(url, base_url, &r);
	if (r.fd >= 0)
		resp = MHD_create_response_from_fd(r.fd_len, r.fd);
	else
		resp = MHD_create_response_from_buffer(r.body_len, r.body ? r.body : (void *)"",
						      r.body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", r.content_type ? r.content_type : "text/plain");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	enum MHD_Result ret = MHD_queue_response(conn, r.status ? r.status : 500, resp);
	MHD_destroy_response(resp);
	return ret;
}

static struct proxy_config config;

/* The directory this program is in: the stage programs are beside it (bin/, libexec/aura/). */
static char *own_dir(void)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		return NULL;
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	return strdup(self);
}

/* The TCP port of an upstream URL (80/443 when it names none), for Landlock's connect rule. */
static unsigned short url_port(const char *url)
{
	CURLU *u = curl_url();
	char *port = NULL;
	unsigned short p = 0;
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
		p = (unsigned short)atoi(port);
	curl_free(port);
	curl_url_cleanup(u);
	return p;
}

/*
 * Seal the front end: it may read files, write only beneath the cache, connect only to the
 * upstreams' ports, never bind (its socket is bound already) and never execute anything.
 */
/*
 * Resolve an upstream's host once before sealing: glibc loads the name-service modules
 * nsswitch.conf names (mdns, myhostname, ...) on first use, mapping code, which the sealed
 * front end may not do.  Later look-ups reuse them.  A failure here is not fatal: the
 * upstream may be unreachable now and come back.
 */
static void warm_resolver(const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL;
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		struct addrinfo *res = NULL, hints = { .ai_socktype = SOCK_STREAM };
		if (getaddrinfo(host, NULL, &hints, &res) == 0)
			freeaddrinfo(res);
	}
	curl_free(host);
	curl_url_cleanup(u);
}

static void seal_front_end(const char *cache_dir)
{
	if (config.upstream)
		warm_resolver(config.upstream);
	if (config.npm_upstream)
		warm_resolver(config.npm_upstream);
	unsigned short ports[2];
	int n = 0;
	if (config.upstream)
		ports[n++] = url_port(config.upstream);
	if (config.npm_upstream)
		ports[n++] = url_port(config.npm_upstream);
	sandbox_allow_connect(ports, n);
	struct sandbox_grant grants[] = {
		{ .path = "/", .fd = -1, .access = SANDBOX_READ },
		{ .path = cache_dir, .fd = -1, .access = SANDBOX_READ | SANDBOX_WRITE | SANDBOX_MAKE_DIR },
	};
	sandbox_enter(SANDBOX_SERVE, grants, 2);
}

int main(int argc, char **argv)
{
	config = (struct proxy_config){ .fail_level = "high", .max_file = 512u << 20, .timeout_s = 60 };
	const char *listen_at = "127.0.0.1:0";
	char *cache = NULL;
	static const char *allowed_names[256];
	size_t n_allowed = 0;
	int opt;

	aura_set_progname(argv[0]);
	while ((opt = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		if (aura_common_option(opt, optarg, usage, SANDBOX_SERVE))
			continue;
		switch (opt) {
		case OPT_UPSTREAM: config.upstream = upstream_url("--upstream", optarg); break;
		case OPT_NPM_UPSTREAM: config.npm_upstream = upstream_url("--npm-upstream", optarg); break;
		case OPT_MIN_AGE: config.min_age_s = parse_age(optarg); break;
		case OPT_ALLOW_UNANALYSED: config.allow_unanalysed = true; break;
		case OPT_ALLOW_UNANALYSED_NAME:
			if (n_allowed + 1 >= sizeof allowed_names / sizeof allowed_names[0])
				usage_error("%s", "--allow-unanalysed-name given too many times");
			allowed_names[n_allowed++] = optarg;
			break;
		case OPT_LISTEN: listen_at = optarg; break;
		case OPT_CACHE: cache = optarg; break;
		case OPT_DB: config.db = optarg; break;
		case OPT_POLICY:
			if (access(optarg, R_OK) != 0)
				usage_error("--policy: cannot read '%s'", optarg);
			config.policy = optarg;
			break;
		case OPT_MAX_FILE: config.max_file = aura_parse_size("--max-file", optarg); break;
		case OPT_TIMEOUT: config.timeout_s = aura_parse_long("--timeout", optarg); break;
		case OPT_FAIL_LEVEL:
			if (strcasecmp(optarg, "low") && strcasecmp(optarg, "medium") &&
			    strcasecmp(optarg, "high") && strcasecmp(optarg, "critical"))
				usage_error("--fail-level: unknown level '%s' (low, medium, high, critical)", optarg);
			config.fail_level = optarg;
			break;
		default:
			fprintf(stderr, "Try 'aura-serve --help' for more information.\n");
			return AURA_EXIT_FATAL;
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (!config.upstream && !config.npm_upstream)
		usage_error("%s", "--upstream URL is required (or --npm-upstream URL)");
	config.allow_unanalysed_names = allowed_names;

	/* HOST:PORT, IPv4 only for now. */
	const char *colon = strrchr(listen_at, ':');
	char host[64];
	if (!colon || (size_t)(colon - listen_at) >= sizeof host)
		usage_error("--listen: expected HOST:PORT, not '%s'", listen_at);
	memcpy(host, listen_at, (size_t)(colon - listen_at));
	host[colon - listen_at] = '\0';
	long port = aura_parse_long("--listen port", colon + 1);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	if (port < 0 || port > 65535 || inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		usage_error("--listen: expected an IPv4 address and a port, not '%s'", listen_at);

	if (!cache) {
		const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
		if (xdg && *xdg ? asprintf(&cache, "%s/aura/serve", xdg) < 0
				: asprintf(&cache, "%s/.cache/aura/serve", home ? home : "/tmp") < 0)
			aura_oom();
	}
	/* Create the cache directory and its parents without a shell. */
	for (char *p = cache + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(cache, 0755);
			*p = '/';
		}
	if (mkdir(cache, 0755) < 0 && errno != EEXIST)
		aura_die("cannot create the cache directory %s: %s", cache, strerror(errno));
	config.cache_dir = cache;
	char *stage_dir = own_dir();
	if (!stage_dir)
		aura_die("cannot find the directory of %s", argv[0]);
	if (!proxy_init(&config) || !supervisor_start(stage_dir))
		return AURA_EXIT_FATAL;
	/* A self-test meant for the supervisor (tests/71-serve-sandbox.bats): its result is ours. */
	if (aura_opts.selftest && strncmp(aura_opts.selftest, "supervisor:", 11) == 0)
		return supervisor_wait();

	/* The listening socket is bound before sealing: the sealed front end never binds. */
	int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (listener < 0 || setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(listener, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(listener, 64) < 0)
		aura_die("cannot listen on %s: %s", listen_at, strerror(errno));
	struct sockaddr_in bound;
	socklen_t blen = sizeof bound;
	getsockname(listener, (struct sockaddr *)&bound, &blen);
	seal_front_end(cache);

	/* SIGINT/SIGTERM are waited for below; block them before MHD starts its threads. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG,
		0, NULL, NULL, on_request, NULL,
		MHD_OPTION_LISTEN_SOCKET, listener,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
		MHD_OPTION_END);
	if (!d)
		aura_die("cannot listen on %s", listen_at);
	snprintf(base_url, sizeof base_url, "http://%s:%u", host, (unsigned)ntohs(bound.sin_port));
	if (config.upstream)
		printf("%s/simple/\n", base_url);
	if (config.npm_upstream)
		printf("%s/npm/\n", base_url);
	fflush(stdout);

	int sig;
	sigwait(&stop, &sig);
	MHD_stop_daemon(d);
	return AURA_EXIT_OK;
}
