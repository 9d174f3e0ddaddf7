#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "common/ascii.h"
#include "common/base64.h"
#include "common/md5.h"
#include "common/sasl.h"
#include "common/secret.h"

/* The CRAM-MD5 challenge: "<pid.seconds.nanoseconds@host>". */
#define SASL_CHALLENGE_MAX	320

/* One response, decoded, and where it came from. */
struct sasl_buf {
	unsigned char	 data[LINE_BUF_SIZE];
	size_t		 len;
};

static enum sasl_result sasl_ask(const struct sasl_session *ss,
	    const char *challenge, size_t challenge_len, struct sasl_buf *b);
static enum sasl_result sasl_decode(const char *text, size_t len,
	    struct sasl_buf *b);
static enum sasl_result sasl_plain(const struct sasl_session *ss,
	    struct sasl_buf *b, char *user, const struct users_entry **entry);
static enum sasl_result sasl_login(const struct sasl_session *ss,
	    struct sasl_buf *b, bool have_initial, char *user,
	    const struct users_entry **entry);
static enum sasl_result sasl_cram_md5(const struct sasl_session *ss,
	    struct sasl_buf *b, char *user, const struct users_entry **entry);
static void sasl_keep_name(char *user, const char *name);
static enum sasl_result sasl_check_password(const struct sasl_session *ss,
	    const char *user, const char *pass, size_t pass_len,
	    const struct users_entry **entry);

static const struct {
	const char	*name;
	enum sasl_mech	 mech;
	bool		 plaintext;
} sasl_mechs[] = {
	{ "CRAM-MD5", SASL_CRAM_MD5, false },
	{ "PLAIN", SASL_PLAIN, true },
	{ "LOGIN", SASL_LOGIN, true },
};

enum sasl_mech
sasl_mech_find(const char *name)
{
	for (size_t i = 0; i < sizeof sasl_mechs / sizeof sasl_mechs[0]; i++)
		if (strcasecmp(name, sasl_mechs[i].name) == 0)
			return sasl_mechs[i].mech;
	return SASL_MECH_NONE;
}

const char *
sasl_mech_name(enum sasl_mech mech)
{
	for (size_t i = 0; i < sizeof sasl_mechs / sizeof sasl_mechs[0]; i++)
		if (sasl_mechs[i].mech == mech)
			return sasl_mechs[i].name;
	return "NONE";
}

bool
sasl_mech_plaintext(enum sasl_mech mech)
{
	return mech == SASL_PLAIN || mech == SASL_LOGIN;
}

const char *
sasl_mech_list(struct sasl_offer offer)
{
	static const char *const lists[2][2] = {
		{ "", "CRAM-MD5" }, { "PLAIN LOGIN", "CRAM-MD5 PLAIN LOGIN" },
	};

	return lists[offer.plaintext][offer.cram_md5];
}

bool
sasl_mech_offered(enum sasl_mech mech, struct sasl_offer offer)
{
	if (mech == SASL_CRAM_MD5)
		return offer.cram_md5;
	return sasl_mech_plaintext(mech) && offer.plaintext;
}

static enum sasl_result
sasl_decode(const char *text, size_t len, struct sasl_buf *b)
{
	/* RFC 4954 4: "=" is an empty initial response. */
	if (len == 1 && text[0] == '=') {
		b->len = 0;
		b->data[0] = '\0';
		return SASL_OK;
	}
	if (base64_decode(text, len, b->data, sizeof b->data, &b->len) == -1)
		return SASL_MALFORMED;
	return SASL_OK;
}

/* Sends a challenge and reads the response into b. */
static enum sasl_result
sasl_ask(const struct sasl_session *ss, const char *challenge,
    size_t challenge_len, struct sasl_buf *b)
{
	char encoded[BASE64_ENCODED_SIZE(SASL_CHALLENGE_MAX)];
	char line[LINE_BUF_SIZE];
	enum line_end end;
	enum sasl_result r;
	size_t len;

	if (base64_encode(challenge, challenge_len, encoded,
	    sizeof encoded) == -1)
		return SASL_MALFORMED;
	reply_printf(&ss->conn->out, "%s%s\r\n", ss->prompt, encoded);
	switch (line_read(&ss->conn->in, line, ss->line_max, &len, &end)) {
	case LINE_OK:
		break;
	case LINE_TOOLONG:
		return SASL_TOOLONG;
	default:
		return SASL_EOF;
	}
	if (len == 1 && line[0] == '*')
		r = SASL_CANCELLED;
	else if (strlen(line) != len || (len == 1 && line[0] == '='))
		r = SASL_MALFORMED;
	else
		r = sasl_decode(line, len, b);
	secret_wipe(line, len);
	return r;
}

/* Keeps the name the client gave for logs, cut to SASL_USER_MAX. */
static void
sasl_keep_name(char *user, const char *name)
{
	size_t len = strnlen(name, SASL_USER_MAX - 1);

	memcpy(user, name, len);
	user[len] = '\0';
}

static enum sasl_result
sasl_check_password(const struct sasl_session *ss, const char *user,
    const char *pass, size_t pass_len, const struct users_entry **entry)
{
	const struct users_entry *e = users_find(ss->users, user);

	if (!users_pass_verify(ss->users, e, pass, pass_len))
		return SASL_FAILED;
	*entry = e;
	return SASL_OK;
}

/* RFC 4616: [authzid] NUL authcid NUL passwd. */
static enum sasl_result
sasl_plain(const struct sasl_session *ss, struct sasl_buf *b, char *user,
    const struct users_entry **entry)
{
	const char *authzid = (const char *)b->data, *authcid, *pass;
	const unsigned char *nul1, *nul2;
	size_t pass_len;

	nul1 = memchr(b->data, '\0', b->len);
	if (nul1 == NULL)
		return SASL_MALFORMED;
	nul2 = memchr(nul1 + 1, '\0', b->len - (size_t)(nul1 + 1 - b->data));
	if (nul2 == NULL)
		return SASL_MALFORMED;
	authcid = (const char *)nul1 + 1;
	pass = (const char *)nul2 + 1;
	pass_len = b->len - (size_t)(nul2 + 1 - b->data);
	if (memchr(pass, '\0', pass_len) != NULL)
		return SASL_MALFORMED;
	sasl_keep_name(user, authcid);
	/* Acting as someone else is not offered: authzid empty or the same. */
	if (authzid[0] != '\0' && strcasecmp(authzid, authcid) != 0) {
		(void)users_pass_verify(ss->users, NULL, pass, pass_len);
		return SASL_FAILED;
	}
	return sasl_check_password(ss, authcid, pass, pass_len, entry);
}

/* LOGIN: the user name (maybe the initial response), then the password. */
static enum sasl_result
sasl_login(const struct sasl_session *ss, struct sasl_buf *b,
    bool have_initial, char *user, const struct users_entry **entry)
{
	static const char ask_user[] = "Username:", ask_pass[] = "Password:";
	char name[SASL_USER_MAX];
	enum sasl_result r;

	if (!have_initial &&
	    (r = sasl_ask(ss, ask_user, sizeof ask_user - 1, b)) != SASL_OK)
		return r;
	if (memchr(b->data, '\0', b->len) != NULL)
		return SASL_MALFORMED;
	sasl_keep_name(user, (const char *)b->data);
	/* A name too long for any user must not be cut into one. */
	sasl_keep_name(name, b->len < sizeof name ? (const char *)b->data :
	    "");
	if ((r = sasl_ask(ss, ask_pass, sizeof ask_pass - 1, b)) != SASL_OK)
		return r;
	if (memchr(b->data, '\0', b->len) != NULL)
		return SASL_MALFORMED;
	return sasl_check_password(ss, name, (const char *)b->data, b->len,
	    entry);
}

/* RFC 2195: the response is "user HMAC-MD5(secret, challenge)" in hex. */
static enum sasl_result
sasl_cram_md5(const struct sasl_session *ss, struct sasl_buf *b, char *user,
    const struct users_entry **entry)
{
	char challenge[SASL_CHALLENGE_MAX], want[MD5_HEX_LEN + 1];
	char got[MD5_HEX_LEN + 1];
	unsigned char digest[MD5_DIGEST_LEN];
	const struct users_entry *e;
	const unsigned char *space;
	struct timespec now;
	enum sasl_result r;
	int n;

	if (clock_gettime(CLOCK_REALTIME, &now) == -1)
		now = (struct timespec){ time(NULL), 0 };
	n = snprintf(challenge, sizeof challenge, "<%ld.%jd.%09ld@%s>",
	    (long)getpid(), (intmax_t)now.tv_sec, now.tv_nsec, ss->hostname);
	if (n < 0 || (size_t)n >= sizeof challenge)
		return SASL_MALFORMED;
	if ((r = sasl_ask(ss, challenge, (size_t)n, b)) != SASL_OK)
		return r;
	space = b->len > MD5_HEX_LEN ? b->data + b->len - MD5_HEX_LEN - 1 :
	    NULL;
	if (space == NULL || *space != ' ' ||
	    memchr(b->data, '\0', b->len) != NULL)
		return SASL_MALFORMED;
	memcpy(got, space + 1, MD5_HEX_LEN);
	got[MD5_HEX_LEN] = '\0';
	ascii_lower_copy(got, got, MD5_HEX_LEN);
	b->data[space - b->data] = '\0';
	sasl_keep_name(user, (const char *)b->data);
	/* Only a {PLAIN} secret can key the HMAC. */
	e = users_find(ss->users, (const char *)b->data);
	if (!users_plain_usable(e))
		return SASL_FAILED;
	md5_hmac(e->secret, strlen(e->secret), challenge, (size_t)n, digest);
	md5_hex(digest, want);
	r = secret_equal(want, MD5_HEX_LEN, got, MD5_HEX_LEN) ? SASL_OK :
	    SASL_FAILED;
	secret_wipe(want, sizeof want);
	secret_wipe(digest, sizeof digest);
	if (r == SASL_OK)
		*entry = e;
	return r;
}

void
sasl_delay(const struct deadline *since, int msecs)
{
	deadline_sleep_until(deadline_after(*since, msecs));
}

enum sasl_result
sasl_authenticate(const struct sasl_session *ss, enum sasl_mech mech,
    const char *initial, char user[SASL_USER_MAX],
    const struct users_entry **entry)
{
	static struct sasl_buf b;
	enum sasl_result r = SASL_OK;

	user[0] = '\0';
	*entry = NULL;
	b.len = 0;
	if (initial != NULL) {
		/* CRAM-MD5 starts with the server's challenge: none allowed. */
		if (mech == SASL_CRAM_MD5)
			return SASL_MALFORMED;
		r = sasl_decode(initial, strlen(initial), &b);
	} else if (mech == SASL_PLAIN) {
		r = sasl_ask(ss, "", 0, &b);
	}
	if (r == SASL_OK) {
		switch (mech) {
		case SASL_PLAIN:
			r = sasl_plain(ss, &b, user, entry);
			break;
		case SASL_LOGIN:
			r = sasl_login(ss, &b, initial != NULL, user, entry);
			break;
		case SASL_CRAM_MD5:
			r = sasl_cram_md5(ss, &b, user, entry);
			break;
		default:
			r = SASL_MALFORMED;
			break;
		}
	}
	secret_wipe(&b, sizeof b);
	return r;
}
