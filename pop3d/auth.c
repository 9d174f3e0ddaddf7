/*
 * AUTHORIZATION: USER/PASS and AUTH PLAIN/LOGIN (when plaintext is
 * allowed, SPEC 2 -P), APOP (RFC 1939 7) and AUTH CRAM-MD5 (RFC 5034).
 * A wrong password, an unknown user and a user APOP or CRAM-MD5 cannot
 * check all fail alike; the session loop delays and counts them.
 * A good login opens the mailbox and enters TRANSACTION.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/ascii.h"
#include "common/log.h"
#include "common/md5.h"
#include "common/sasl.h"
#include "common/secret.h"
#include "pop3d/pop3d.h"

/* Client-given names in log lines are escaped (common/log.h). */
#define POP_LOG_NAME_MAX	LOG_ESCAPED_SIZE(POP_CMDLINE_MAX)

static enum reply_id pop_login(struct pop_session *s,
	    const struct users_entry *e, const char *method);
static enum reply_id pop_login_failed(struct pop_session *s,
	    const char *name, const char *method);
static bool pop_apop_digest_ok(const struct pop_session *s,
	    const struct users_entry *e, const char *digest);

void
pop_timestamp_make(struct pop_session *s)
{
	struct timespec now;

	s->timestamp[0] = '\0';
	if (!s->conn.sasl.cram_md5)
		return;
	if (clock_gettime(CLOCK_REALTIME, &now) == -1)
		now = (struct timespec){ time(NULL), 0 };
	snprintf(s->timestamp, sizeof s->timestamp, "<%ld.%jd.%09ld@%s>",
	    (long)getpid(), (intmax_t)now.tv_sec, now.tv_nsec,
	    s->cfg->hostname);
}

/*
 * RFC 2595 4: ready, then the engine (-T) takes the connection and starts
 * a fresh pop3d on its cleartext side, told this greeting's timestamp for
 * APOP; whatever the client pipelined after STLS dies with this process.
 * Returns only when the hand-over failed: the session ends.
 */
enum reply_id
pop_cmd_stls(struct pop_session *s, char **argv, size_t argc)
{
	(void)argv;
	(void)argc;
	if (s->cfg->opts.tls_cmd == NULL)
		return R_TLS_OFF;
	if (s->conn.tls)
		return R_TLS_ACTIVE;
	conn_starttls(&s->conn, "+OK Begin TLS negotiation",
	    s->cfg->opts.tls_cmd, s->timestamp, s->cfg->argc, s->cfg->argv);
	s->quit = true;
	s->end_how = "starttls failed";
	return R_NONE;
}

/* USER answers +OK whatever the name: no oracle of who exists (SPEC 4). */
enum reply_id
pop_cmd_user(struct pop_session *s, char **argv, size_t argc)
{
	(void)argc;
	if (!s->conn.sasl.plaintext)
		return R_PLAINTEXT;
	snprintf(s->user, sizeof s->user, "%s", argv[0]);
	s->user_given = true;
	return R_USER_OK;
}

enum reply_id
pop_cmd_pass(struct pop_session *s, char **argv, size_t argc)
{
	const struct users_entry *e;
	bool ok;

	(void)argc;
	if (!s->user_given)
		return R_NEED_USER;
	/* RFC 1939 7: after PASS, good or bad, a new USER is needed. */
	s->user_given = false;
	e = users_find(&s->cfg->users, s->user);
	ok = users_pass_verify(&s->cfg->users, e, argv[0], strlen(argv[0]));
	secret_wipe(argv[0], strlen(argv[0]));
	if (!ok)
		return pop_login_failed(s, s->user, "user");
	return pop_login(s, e, "user");
}

enum reply_id
pop_cmd_apop(struct pop_session *s, char **argv, size_t argc)
{
	const struct users_entry *e = users_find(&s->cfg->users, argv[0]);

	(void)argc;
	/* RFC 1939 7: no timestamp in the greeting, no APOP (SPEC 4) */
	if (s->timestamp[0] == '\0')
		return R_APOP_OFF;
	if (!pop_apop_digest_ok(s, e, argv[1]))
		return pop_login_failed(s, argv[0], "apop");
	return pop_login(s, e, "apop");
}

/*
 * RFC 5034: AUTH alone lists the mechanisms (as RFC 1734 servers did);
 * AUTH MECH [initial-response] runs the exchange with "+ " challenges.
 */
enum reply_id
pop_cmd_auth(struct pop_session *s, char **argv, size_t argc)
{
	struct sasl_session ss = {
		.users = &s->cfg->users, .hostname = s->cfg->hostname,
		.conn = &s->conn, .prompt = "+ ",
		.line_max = POP_SASL_LINE_MAX,
	};
	const struct users_entry *e;
	char user[SASL_USER_MAX];
	enum sasl_mech mech;

	if (argc == 0) {
		char list[64], *word, *save;

		snprintf(list, sizeof list, "%s",
		    sasl_mech_list(s->conn.sasl));
		reply_write(&s->conn.out, "+OK\r\n", 5);
		for (word = strtok_r(list, " ", &save); word != NULL;
		    word = strtok_r(NULL, " ", &save))
			reply_printf(&s->conn.out, "%s\r\n", word);
		reply_write(&s->conn.out, ".\r\n", 3);
		return R_SENT;
	}
	if ((mech = sasl_mech_find(argv[0])) == SASL_MECH_NONE)
		return R_AUTH_MECH;
	if (sasl_mech_plaintext(mech) && !s->conn.sasl.plaintext)
		return R_PLAINTEXT;
	/* CRAM-MD5 is not offered when some secret is a hash (SPEC 4) */
	if (!sasl_mech_offered(mech, s->conn.sasl))
		return R_AUTH_MECH;
	s->user_given = false;
	switch (sasl_authenticate(&ss, mech, argc == 2 ? argv[1] : NULL, user,
	    &e)) {
	case SASL_OK:
		return pop_login(s, e, sasl_mech_name(mech));
	case SASL_FAILED:
		return pop_login_failed(s, user, sasl_mech_name(mech));
	case SASL_CANCELLED:
		return R_AUTH_CANCELLED;
	case SASL_MALFORMED:
		return R_AUTH_MALFORMED;
	case SASL_TOOLONG:
		return R_TOOLONG;
	case SASL_EOF:
	default:
		s->end_how = "eof";
		s->quit = true;
		return R_NONE;
	}
}

/*
 * RFC 1939 7: the digest is MD5(timestamp secret) in lower-case hex. Only
 * a {PLAIN} secret can be checked; a hashed one fails like a wrong digest.
 */
static bool
pop_apop_digest_ok(const struct pop_session *s, const struct users_entry *e,
    const char *digest)
{
	unsigned char raw[MD5_DIGEST_LEN];
	char want[MD5_HEX_LEN + 1], got[MD5_HEX_LEN + 1];
	struct md5 md5;
	bool ok;

	if (strlen(digest) != MD5_HEX_LEN)
		return false;
	ascii_lower_copy(got, digest, MD5_HEX_LEN);
	got[MD5_HEX_LEN] = '\0';
	if (!users_plain_usable(e))
		return false;
	md5_init(&md5);
	md5_update(&md5, s->timestamp, strlen(s->timestamp));
	md5_update(&md5, e->secret, strlen(e->secret));
	md5_final(&md5, raw);
	md5_hex(raw, want);
	ok = secret_equal(want, MD5_HEX_LEN, got, MD5_HEX_LEN);
	secret_wipe(&md5, sizeof md5);
	secret_wipe(want, sizeof want);
	return ok;
}

static enum reply_id
pop_login_failed(struct pop_session *s, const char *name, const char *method)
{
	char safe[POP_LOG_NAME_MAX];

	log_info("login failed client=%s user=%s method=%s", s->conn.client,
	    log_escape(safe, sizeof safe, name, strlen(name)), method);
	return R_AUTH_FAILED;
}

/* SPEC 6: the mailbox is locked only while it is scanned here. */
static enum reply_id
pop_login(struct pop_session *s, const struct users_entry *e,
    const char *method)
{
	enum spool_status st;
	size_t count;
	off_t octets;

	st = spool_open(&s->box, s->cfg->opts.spool_dir, e->name,
	    s->cfg->opts.lock_wait_secs, POP_MSGS_MAX);
	if (st != SPOOL_OK) {
		int saved = errno;

		log_warnx("login refused client=%s user=%s method=%s: %s (%s)",
		    s->conn.client, e->name, method, spool_status_text(st),
		    strerror(saved));
		return pop_spool_reply(st, POP_SPOOL_OPEN);
	}
	if ((s->deleted = calloc(s->box.count + 1, sizeof *s->deleted)) ==
	    NULL) {
		log_warn("login refused client=%s user=%s", s->conn.client, e->name);
		spool_close(&s->box);
		return R_OPEN_FAILED;
	}
	snprintf(s->user, sizeof s->user, "%s", e->name);
	pop_set_state(s, POP_ST_TRANS);
	pop_totals(s, &count, &octets);
	log_info("login client=%s user=%s method=%s messages=%zu octets=%jd",
	    s->conn.client, e->name, method, count, (intmax_t)octets);
	pop_maildrop_reply(s, "Logged in, ");
	return R_SENT;
}
