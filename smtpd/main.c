/*
 * smtpd: receives mail by SMTP on stdin/stdout and delivers it to local
 * mailboxes. Started once per connection by a superserver. See smtpd.8
 * and SPEC sections 2 and 3.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>
#include <unistd.h>

#include "common/log.h"
#include "common/size.h"
#include "common/startup.h"
#include "smtpd/address.h"
#include "smtpd/smtpd.h"
#include "spool/spool.h"

/* SPEC 2: the common options and smtpd's own. */
#define SMTPD_OPTSTRING	STARTUP_OPTSTRING "d:z:r:a:c:x:f:q:R:"

static void smtp_config_addressing(struct smtpd_config *cfg,
	    const char *aliases_file);
static void smtp_configure(struct smtpd_config *cfg, int argc, char **argv);
static int64_t smtp_size_option(int opt, const char *arg);
static void smtp_reserve_option(struct spool_reserve *r, const char *arg);
static void smtp_session_open(struct smtp_session *s,
	    const struct smtpd_config *cfg, const struct tls_state *resumed);

/*
 * -a and -c, read while still privileged like the users file, and checked
 * now, so a catch-all that reaches nobody is found at start, not at the
 * first message.
 */
static void
smtp_config_addressing(struct smtpd_config *cfg, const char *aliases_file)
{
	struct nameset found = { .max = cfg->users.count + 1 };
	const char *bad = "";
	enum aliases_status st;

	if (aliases_file != NULL &&
	    aliases_load(&cfg->aliases, aliases_file, SMTP_USERS_FILE_MAX) == -1)
		startup_fatal(EX_NOINPUT, "unable to read %s: %s",
		    aliases_file, strerror(errno));
	if (cfg->catch_all == NULL)
		return;
	if ((found.names = calloc(found.max, sizeof *found.names)) == NULL)
		startup_fatal(EX_OSERR, "out of memory");
	st = aliases_expand(&cfg->aliases, &cfg->users, cfg->catch_all, &found,
	    &bad);
	free(found.names);
	if (st == ALIASES_NOT_ALIAS && users_find(&cfg->users, cfg->catch_all))
		return;
	if (st == ALIASES_NOT_ALIAS)
		startup_fatal(EX_CONFIG, "-c %s: no such user or alias",
		    cfg->catch_all);
	if (st != ALIASES_OK)
		startup_fatal(EX_CONFIG, "-c %s: the alias is broken at %s",
		    cfg->catch_all, bad);
}

/* A byte count (-q, -R): digits and a unit, as common/size.h reads them. */
static int64_t
smtp_size_option(int opt, const char *arg)
{
	int64_t bytes;

	if (!size_parse(arg, strlen(arg), 1, &bytes))
		startup_fatal(EX_USAGE, "-%c %s: not a size (bytes, or a "
		    "number with k, M, G or T)", opt, arg);
	return bytes;
}

/* -R BYTES or -R N%: what a delivery must leave free. */
static void
smtp_reserve_option(struct spool_reserve *r, const char *arg)
{
	size_t len = strlen(arg);
	int64_t percent;

	if (len > 0 && arg[len - 1] == '%') {
		if (strspn(arg, "0123456789") != len - 1 ||
		    !size_parse(arg, len - 1, 1, &percent) ||
		    percent > SMTP_RESERVE_PERCENT_MAX)
			startup_fatal(EX_USAGE, "-R %s: a share is 0%% to %d%%",
			    arg, SMTP_RESERVE_PERCENT_MAX);
		*r = (struct spool_reserve){ .percent = (unsigned)percent };
		return;
	}
	*r = (struct spool_reserve){ .bytes = smtp_size_option('R', arg) };
}

/* SPEC 2: the options, then the files they name, read while privileged. */
static void
smtp_configure(struct smtpd_config *cfg, int argc, char **argv)
{
	const char *aliases_file = NULL;
	int opt;

	while ((opt = getopt(argc, argv, SMTPD_OPTSTRING)) != -1) {
		if (startup_option(&cfg->opts, opt, optarg))
			continue;
		switch (opt) {
		case 'd':
			if (cfg->domain_count == SMTP_DOMAINS_MAX)
				startup_fatal(EX_USAGE, "-d: at most %d domains",
				    SMTP_DOMAINS_MAX);
			/* xinetd splits a quoted -f at its blanks: a stray
			 * word must not become a local domain */
			if (!address_is_domain(optarg))
				startup_fatal(EX_USAGE, "-d %s: not a domain "
				    "name", optarg);
			cfg->domains[cfg->domain_count++] = optarg;
			break;
		case 'z':
			cfg->max_msg_size = startup_number(opt, optarg, 1,
			    LONG_MAX);
			break;
		case 'a':
			aliases_file = optarg;
			break;
		case 'c':
			cfg->catch_all = optarg;
			break;
		case 'x':
			cfg->relay_cmd = optarg;
			break;
		case 'f':
			cfg->filter_cmd = optarg;
			break;
		case 'r':
			cfg->max_rcpts = (size_t)startup_number(opt, optarg, 1,
			    SMTP_RCPTS_MAX);
			break;
		case 'q':
			cfg->mailbox_quota = smtp_size_option(opt, optarg);
			break;
		case 'R':
			smtp_reserve_option(&cfg->reserve, optarg);
			break;
		default:
			startup_bad_option(opt, "usage: smtpd "
			    "[-C options-file] [-lP] [-s spool] "
			    "[-p users] [-n name] [-t secs] [-U user] "
			    "[-w secs] [-T tls-engine] [-H proxies] [-d domain]... "
			    "[-z bytes] [-r count] [-q bytes] [-R bytes|N%] "
			    "[-a aliases] [-c user] [-x relay-command] "
			    "[-f filter-command]");
		}
	}
	if (optind != argc)
		startup_fatal(EX_USAGE, "unexpected argument %s", argv[optind]);
	startup_prepare(&cfg->opts, cfg->hostname, sizeof cfg->hostname,
	    &cfg->users, SMTP_USERS_FILE_MAX);
	smtp_config_addressing(cfg, aliases_file);
}

/* What one session needs beyond the connection, sized by the config. */
static void
smtp_session_open(struct smtp_session *s, const struct smtpd_config *cfg,
    const struct tls_state *resumed)
{
	s->cfg = cfg;
	startup_raise_fds();
	s->txn.mailbox_limit = spool_deliver_max();
	/* Every user once, and the postmaster spool file. */
	if (txn_init(&s->txn, cfg->users.count + 1, cfg->max_rcpts,
	    cfg->relay_cmd != NULL, cfg->filter_cmd != NULL) == -1)
		startup_fatal(EX_OSERR, "out of memory");
	conn_open(&s->conn, &cfg->opts, &cfg->users, resumed);
	/*
	 * Where TLS can be had (-T), a remote client gets no AUTH at all
	 * before it, CRAM-MD5 included (submission on 587; as Postfix's
	 * smtpd_tls_auth_only), unless -P says plaintext is fine anywhere.
	 */
	if (cfg->opts.tls_cmd != NULL && !s->conn.tls &&
	    s->conn.peer.kind == PEER_REMOTE && !cfg->opts.plaintext_any)
		s->conn.sasl.cram_md5 = false;
	smtp_set_state(s, SMTP_ST_START);
}

int
main(int argc, char **argv)
{
	static struct smtpd_config cfg;
	static struct smtp_session s;
	const struct tls_state *resumed;

	resumed = startup_begin("smtpd", "421 4.3.0 Service not available\r\n",
	    SMTPD_OPTSTRING, &argc, &argv);
	cfg = (struct smtpd_config){
		.opts = {
			.spool_dir = SMTP_SPOOL_DEFAULT,
			.users_file = SMTP_USERS_DEFAULT,
			.idle_secs = SMTP_IDLE_SECS_DEFAULT,
			.lock_wait_secs = SMTP_LOCK_WAIT_SECS_DEFAULT,
		},
		.max_msg_size = SMTP_MSG_SIZE_DEFAULT,
		.max_rcpts = SMTP_RCPTS_DEFAULT,
		.mailbox_quota = SMTP_QUOTA_DEFAULT,
		.reserve = { .percent = SMTP_RESERVE_PERCENT_DEFAULT },
		/* handed on by STARTTLS, so the fresh smtpd takes them too */
		.argc = argc,
		.argv = argv,
	};
	smtp_configure(&cfg, argc, argv);
	startup_drop(&cfg.opts);
	cfg.domains[cfg.domain_count++] = cfg.hostname;
	cfg.domains[cfg.domain_count++] = "localhost";
	smtp_session_open(&s, &cfg, resumed);

	log_info("%s client=%s", resumed ? "tls" : "connect", s.conn.client);
	smtp_session_run(&s);
	log_info("disconnect client=%s errors=%d", s.conn.client, s.errors);
	return EX_OK;
}
