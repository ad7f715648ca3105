/* aura-fetch: turn scan targets (paths, pypi:/npm: names, URLs, requirement files) into artifact records. */
#include <fcntl.h>
#include <libgen.h>
#include <strings.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aura.h"
#include "err.h"
#include "fetch.h"
#include "ndjson.h"
#include "opts.h"
#include "record.h"
#include "sandbox.h"

static const char usage[] =
	"Usage: aura-fetch [OPTION]... [TARGET]...\n"
	"Resolve each TARGET into `artifact` records on stdout: id (sha256), path, kind,\n"
	"format (from the content), size, name and version.  A TARGET is a local file,\n"
	"archive or directory (a folder of archives gives one artifact per archive, a\n"
	"site-packages one per installed distribution), a requirements file, pypi:NAME,\n"
	"pypi:NAME==VERSION, npm:NAME[@VERSION], npm:@SCOPE/NAME[@VERSION] or an https://\n"
	"archive URL (docs/targets.md).  Without TARGET arguments, targets are read from\n"
	"stdin: one per line, or `target` records; other records are passed through.  A\n"
	"target that cannot be fetched gives an `error` record and the others go on.\n"
	"\n"
	"  --max-files N       most files in a directory target (default 100000)\n"
	"  --index-url URL     PyPI simple API (default https://pypi.org/simple/); its\n"
	"                      host's /pypi/ JSON API is used where it answers\n"
	"  --registry URL      npm registry (default https://registry.npmjs.org/)\n"
	"  --allow-host URL    another host downloads may come from (repeatable)\n"
	"  --cacert FILE       CA certificates for TLS (default: the system's)\n"
	"  --cache-dir DIR     download cache (default $XDG_CACHE_HOME/aura)\n"
	"  --offline           use only the cache: no network at all\n"
	"  --all-files         every file of a release (default: sdist and wheels)\n"
	"  --only sdist|wheel  only that kind of file\n"
	"  --pre               \"latest\" may be a pre-release\n"
	"  --timeout SECONDS   connect time-out and longest stall (default 10)\n"
	"  --retries N         further attempts after a failed transfer (default 2)\n"
	"  --max-download SIZE biggest response accepted (default 1G)\n"
	"  --max-redirects N   redirects followed (default 5)\n"
	"  --list-requirements  the arguments are requirements files: write one `requirement`\n"
	"                       record (kind pypi, url or path; text; origin) per line that names\n"
	"                       something, errors as usual, and fetch nothing (exit 1 on an error)\n"
	"  --python-version V  environment markers are evaluated for Python V (default 3.11)\n"
	"  --platform P        ... on linux, windows or macos (default linux)\n"
	"  --machine M         ... with platform_machine M (default x86_64)\n"
	"  --list              print the index's projects as targets (pypi:NAME), one a line\n"
	"  --latest            with --list: each project's latest release (pypi:NAME==V)\n"
	"  --db FILE           an artifact whose sha256 FILE holds a complete verdict for,\n"
	"                      under this Aura version and --rules-digest/--limits, becomes\n"
	"                      a `reused` record (aura-score --db reports the stored verdict)\n"
	"  --rules-digest HEX, --limits TEXT  the scan key (docs/database.md)\n"
	"  --rescan            with --db: scan everything again\n"
	"  --feed pypi|npm --state FILE  poll the registry's feed of new uploads once (PyPI's\n"
	"                      XML-RPC changelog from the serial in FILE, else its RSS feeds;\n"
	"                      npm _changes): new releases as targets, then a watch_state\n"
	"                      record for FILE (what `aura watch` runs)\n"
	"A mirror on disk in bandersnatch's layout is an index: --index-url\n"
	"file:///MIRROR/web/simple/ (then only that folder and the cache are readable).\n";

/* The stage's own options (AURA_STAGE_OPTIONS): long name, argument, ID. */
#define FETCH_OPTIONS(X) \
	X("max-files", required_argument, OPT_MAX_FILES) \
	X("index-url", required_argument, OPT_INDEX_URL) \
	X("registry", required_argument, OPT_REGISTRY) \
	X("allow-host", required_argument, OPT_ALLOW_HOST) \
	X("cacert", required_argument, OPT_CACERT) \
	X("cache-dir", required_argument, OPT_CACHE_DIR) \
	X("offline", no_argument, OPT_OFFLINE) \
	X("all-files", no_argument, OPT_ALL_FILES) \
	X("only", required_argument, OPT_ONLY) \
	X("pre", no_argument, OPT_PRE) \
	X("timeout", required_argument, OPT_TIMEOUT) \
	X("retries", required_argument, OPT_RETRIES) \
	X("max-download", required_argument, OPT_MAX_DOWNLOAD) \
	X("max-redirects", required_argument, OPT_MAX_REDIRECTS) \
	X("python-version", required_argument, OPT_PYTHON_VERSION) \
	X("platform", required_argument, OPT_PLATFORM) \
	X("machine", required_argument, OPT_MACHINE) \
	X("list", no_argument, OPT_LIST) \
	X("latest", no_argument, OPT_LATEST) \
	X("db", required_argument, OPT_DB) \
	X("rules-digest", required_argument, OPT_RULES_DIGEST) \
	X("limits", required_argument, OPT_LIMITS) \
	X("rescan", no_argument, OPT_RESCAN) \
	X("feed", required_argument, OPT_FEED) \
	X("state", required_argument, OPT_STATE) \
	X("list-requirements", no_argument, OPT_LIST_REQUIREMENTS)
AURA_STAGE_OPTIONS(FETCH_OPTIONS);

/* A stdin line: a `target` record, a plain path, or another record to pass through. */
static void fetch_line(json_t *rec, struct ndjson_reader *r, void *ctx)
{
	(void)ctx;
	if (!record_is(rec, "target")) {
		size_t len;
		const char *line = ndjson_line(r, &len);
		out_raw(line, len);
		return;
	}
	/* target_raw: the base64 of a path that is not UTF-8 (docs/protocol.md). */
	const char *target = record_str(rec, "target"), *raw = record_str(rec, "target_raw");
	if (raw) {
		size_t len;
		char *bytes = (char *)base64_decode(raw, strlen(raw), &len);
		if (!bytes || memchr(bytes, '\0', len) || len == 0)
			record_error(NULL, target, "target_raw is not the base64 of a path");
		else {
			bytes[len] = '\0';
			fetch_target(bytes);
		}
		free(bytes);
	} else if (!target) {
		record_error(NULL, NULL, "target record without a string \"target\"");
	} else {
		fetch_target(target);
	}
}

static void fetch_stdin(void)
{
	struct ndjson_reader *r = ndjson_open(0, "<stdin>", aura_opts.max_line);
	char why[512];
	json_t *rec;
	enum ndjson_status st;
	while ((st = ndjson_next(r, &rec, why, sizeof why)) != NDJSON_EOF) {
		size_t len;
		const char *line = ndjson_line(r, &len);
		if (st == NDJSON_RECORD) {
			fetch_line(rec, r, NULL);
			json_decref(rec);
		} else if (line && len > 0 && line[0] != '{' && !memchr(line, '\0', len)) {
			/* Not JSON but not meant to be: a plain path (any bytes), one per line. */
			char *path = strndup(line, len - (line[len - 1] == '\r'));
			if (!path)
				aura_oom();
			fetch_target(path);
			free(path);
		} else {
			record_error(NULL, NULL, "%s:%lu: %s", ndjson_name(r), ndjson_lineno(r), why);
		}
	}
	ndjson_close(r);
}

/* A URL option ends in '/' so that names append to it. */
static const char *with_slash(const char *url)
{
	size_t n = strlen(url);
	if (n && url[n - 1] == '/')
		return url;
	char *s;
	if (asprintf(&s, "%s/", url) < 0)
		aura_oom();
	return s;
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/*
 * Does an argument target need the PyPI index (a name, a requirements or Python lock
 * file) or the npm registry (package-lock.json)?
 */
static bool needs_index(const char *target, bool *npm)
{
	if (starts_with(target, "pypi:"))
		return true;
	int fd = open(target, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return false;
	unsigned char head[512];
	struct stat st;
	ssize_t n = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? pread(fd, head, sizeof head, 0) : 0;
	close(fd);
	enum lock_kind lock = n > 0 ? lockfile_recognised(target, head, (size_t)n) : LOCK_NONE;
	if (lock == LOCK_NPM)
		*npm = true;
	return (lock != LOCK_NONE && lock != LOCK_NPM) ||
	       (n > 0 && requirements_recognised(target, head, (size_t)n));
}

static void allow(const char *url)
{
	char why[512];
	if (http_allow_url(url, why, sizeof why) < 0)
		aura_warn("%s", why);
}

/*
 * Every host the targets may need, resolved now: after sealing there is no DNS.
 * Targets on stdin can use the hosts given as options.
 */
static void allow_hosts(int argc, char **argv, bool index_given, bool registry_given,
			char **extra, int nextra)
{
	bool need_index = index_given || optind >= argc, need_registry = registry_given || optind >= argc;
	for (int i = optind; i < argc; i++) {
		if (starts_with(argv[i], "https://") || starts_with(argv[i], "http://"))
			allow(argv[i]);
		bool npm_lock = false;
		need_index |= needs_index(argv[i], &npm_lock);
		need_registry |= starts_with(argv[i], "npm:") || npm_lock;
	}
	if (http_mirror_root())
		need_index = false;	/* on disk: no host to allow */
	if (need_index && !(optind >= argc && !index_given)) {
		allow(fetch_cfg.index_url);
		/* pypi.org serves its files from another host. */
		if (starts_with(fetch_cfg.index_url, "https://pypi.org/"))
			allow("https://files.pythonhosted.org/");
	}
	if (need_registry && !(optind >= argc && !registry_given))
		allow(fetch_cfg.registry_url);
	for (int i = 0; i < nextra; i++)
		allow(extra[i]);
}

/* Is an argument a site-packages (its distributions are gathered in the cache)? */
static bool any_site_packages(int argc, char **argv)
{
	for (int i = optind; i < argc; i++) {
		int fd = open(argv[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		bool env = fd >= 0 && env_is_site_packages(fd);
		if (fd >= 0)
			close(fd);
		if (env)
			return true;
	}
	return false;
}

/* $XDG_CACHE_HOME/aura, else ~/.cache/aura. */
static char *default_cache_dir(void)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char *dir = NULL;
	if (xdg && xdg[0] == '/') {
		if (asprintf(&dir, "%s/aura", xdg) < 0)
			aura_oom();
	} else if (home && home[0] == '/') {
		if (asprintf(&dir, "%s/.cache/aura", home) < 0)
			aura_oom();
	}
	return dir;
}

int main(int argc, char **argv)
{
	int opt;
	bool index_given = false, registry_given = false, list = false, latest = false, rescan = false;
	const char *db_path = NULL, *rules_digest = NULL, *limits = NULL, *feed = NULL, *state_path = NULL;
	bool list_requirements = false;
	char *extra_hosts[32];
	int nextra = 0;
	fetch_cfg = (struct fetch_config){
		.max_files = 100000, .index_url = "https://pypi.org/simple/",
		.registry_url = "https://registry.npmjs.org/", .timeout = 10, .retries = 2,
		.max_download = (size_t)1 << 30, .max_redirects = 5,
		.python_version = "3.11", .platform = "linux", .machine = "x86_64",
	};

	aura_set_progname(argv[0]);
	while ((opt = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		if (opt == OPT_PRINT_SANDBOX) {	/* both roles: which one a run takes depends on it */
			sandbox_print(SANDBOX_FETCH, stdout);
			fputs("\n", stdout);
			sandbox_print(SANDBOX_FETCH_NET, stdout);
			return fclose(stdout) == 0 ? AURA_EXIT_OK : AURA_EXIT_FATAL;
		}
		if (aura_common_option(opt, optarg, usage, SANDBOX_FETCH))
			continue;
		switch (opt) {
		case OPT_MAX_FILES: fetch_cfg.max_files = (size_t)aura_parse_long("--max-files", optarg); break;
		case OPT_INDEX_URL: fetch_cfg.index_url = with_slash(optarg); index_given = true; break;
		case OPT_REGISTRY: fetch_cfg.registry_url = with_slash(optarg); registry_given = true; break;
		case OPT_ALLOW_HOST:
			if (nextra == 32)
				aura_usage_error("--allow-host: at most 32");
			extra_hosts[nextra++] = optarg;
			break;
		case OPT_CACERT: fetch_cfg.cacert = optarg; break;
		case OPT_CACHE_DIR: fetch_cfg.cache_dir = xstrdup(optarg); break;
		case OPT_OFFLINE: fetch_cfg.offline = true; break;
		case OPT_ALL_FILES: fetch_cfg.all_files = true; break;
		case OPT_ONLY:
			if (strcmp(optarg, "sdist") != 0 && strcmp(optarg, "wheel") != 0)
				aura_usage_error("--only: expected sdist or wheel, not '%s'", optarg);
			fetch_cfg.only = optarg;
			break;
		case OPT_PRE: fetch_cfg.pre = true; break;
		case OPT_TIMEOUT:
			fetch_cfg.timeout = aura_parse_long("--timeout", optarg);
			if (fetch_cfg.timeout < 1)
				aura_usage_error("--timeout: at least 1 second");
			break;
		case OPT_RETRIES: fetch_cfg.retries = aura_parse_long("--retries", optarg); break;
		case OPT_MAX_DOWNLOAD: fetch_cfg.max_download = aura_parse_size("--max-download", optarg); break;
		case OPT_MAX_REDIRECTS: fetch_cfg.max_redirects = aura_parse_long("--max-redirects", optarg); break;
		case OPT_PYTHON_VERSION: {
			struct pep440 v;
			if (!pep440_parse(optarg, &v) || v.nrelease < 2 || v.nrelease > 3 || v.epoch ||
			    pep440_is_prerelease(&v) || v.has_post || v.local[0])
				aura_usage_error("--python-version: expected X.Y or X.Y.Z, not '%s'", optarg);
			fetch_cfg.python_version = optarg;
			break;
		}
		case OPT_PLATFORM:
			if (!marker_platform_known(optarg))
				aura_usage_error("--platform: expected linux, windows or macos, not '%s'", optarg);
			fetch_cfg.platform = optarg;
			break;
		case OPT_MACHINE: fetch_cfg.machine = optarg; break;
		case OPT_LIST: list = true; break;
		case OPT_LATEST: latest = true; break;
		case OPT_DB: db_path = optarg; break;
		case OPT_RULES_DIGEST: rules_digest = optarg; break;
		case OPT_LIMITS: limits = optarg; break;
		case OPT_RESCAN: rescan = true; break;
		case OPT_FEED:
			if (strcmp(optarg, "pypi") != 0 && strcmp(optarg, "npm") != 0)
				aura_usage_error("--feed: expected pypi or npm, not '%s'", optarg);
			feed = optarg;
			break;
		case OPT_STATE: state_path = optarg; break;
		case OPT_LIST_REQUIREMENTS: list_requirements = true; break;
		}
	}
	if (fetch_cfg.cacert && access(fetch_cfg.cacert, R_OK) < 0)
		aura_usage_error("--cacert: cannot read '%s'", fetch_cfg.cacert);
	if (latest && !list)
		aura_usage_error("--latest goes with --list");
	if (db_path && (!rules_digest || !limits))
		aura_usage_error("--db needs --rules-digest and --limits (the scan key; aura scan gives them)");
	if (feed && (!state_path || optind < argc || list))
		aura_usage_error("--feed needs --state FILE and takes no targets");
	if (feed && watch_load_state(state_path, feed) < 0)
		aura_usage_error("--state %s: unreadable (remove it to start from the feed's present)", state_path);
	if (db_path && !rescan)
		reuse_load(db_path, rules_digest, limits);	/* before sealing: the file is read now */
	if (list && optind < argc)
		aura_usage_error("--list takes no targets: it lists the --index-url");
	bool mirror = strncasecmp(fetch_cfg.index_url, "file://", 7) == 0;
	if (mirror) {
		char why[1024];
		if (http_set_mirror(fetch_cfg.index_url, why, sizeof why) < 0)
			aura_usage_error("%s", why);
	}

	out_init(aura_opts.unbuffered);
	if (list_requirements) {	/* read the files, name what they ask for; no network, no writes */
		if (optind >= argc)
			aura_usage_error("--list-requirements: no requirements file given");
		struct sandbox_grant read_all = { .path = "/", .access = SANDBOX_READ };
		sandbox_enter(SANDBOX_FETCH, &read_all, 1);
		int failed = 0;
		for (int i = optind; i < argc; i++)
			failed += requirements_list(argv[i]) < 0;
		return out_finish() != 0 ? AURA_EXIT_FATAL : failed ? AURA_EXIT_FINDINGS : AURA_EXIT_OK;
	}
	if (!fetch_cfg.cache_dir)
		fetch_cfg.cache_dir = default_cache_dir();
	http_init();
	if (list || (feed && strcmp(feed, "pypi") == 0))
		index_given = true;
	if (feed && strcmp(feed, "npm") == 0)
		registry_given = true;
	allow_hosts(argc, argv, index_given, registry_given, extra_hosts, nextra);
	unsigned short ports[64];
	int nports = http_allowed_ports(ports, 64);
	sandbox_allow_connect(ports, fetch_cfg.offline ? 0 : nports);	/* offline: no connect at all */

	/*
	 * Read everywhere (targets may arrive on stdin).  Only a run that downloads (or gathers
	 * installed distributions) gets sockets and writes, and those only in the cache.
	 */
	bool writes = fetch_cfg.cache_dir && (nports > 0 || fetch_cfg.offline || mirror ||
					      any_site_packages(argc, argv));
	struct sandbox_grant grants[2 + 64] = {
		{ .path = "/", .access = SANDBOX_READ },
		{ .path = fetch_cfg.cache_dir, .access = SANDBOX_READ | SANDBOX_WRITE },
	};
	if (writes && cache_prepare() < 0) {
		aura_warn("cache: cannot create %s: downloads are not possible", fetch_cfg.cache_dir);
		writes = false;
	}
	if (!writes)
		fetch_cfg.cache_dir = NULL;	/* said in an error if a target needs it */
	int ngrants = writes ? 2 : 1;
	/*
	 * A mirror with nothing on the network (no TLS, whose CA files load late): only the
	 * mirror, the cache and the folders of the targets named are readable.
	 */
	if (mirror && nports == 0 && (optind < argc || list) && argc - optind <= 64) {
		grants[0].path = http_mirror_root();
		for (int i = optind; i < argc; i++)
			if (!starts_with(argv[i], "pypi:")) {
				char *copy = xstrdup(argv[i]);
				grants[ngrants++] = (struct sandbox_grant){ .path = xstrdup(dirname(copy)),
									    .access = SANDBOX_READ };
				free(copy);
			}
	}
	sandbox_enter(writes ? SANDBOX_FETCH_NET : SANDBOX_FETCH, grants, ngrants);

	if (feed) {	/* a feed that cannot be read is an error record; the state stays */
		watch_poll(feed);
		return out_finish() == 0 ? AURA_EXIT_OK : AURA_EXIT_FATAL;
	}
	if (list) {	/* what cannot be listed is an error record among the lines */
		list_index(latest);
		return out_finish() == 0 ? AURA_EXIT_OK : AURA_EXIT_FATAL;
	}
	if (optind < argc)
		for (int i = optind; i < argc; i++)
			fetch_target(argv[i]);
	else
		fetch_stdin();
	return out_finish() == 0 ? AURA_EXIT_OK : AURA_EXIT_FATAL;
}
