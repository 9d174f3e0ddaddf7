/*
 * txn: the transaction's bookkeeping (txn.h). Handlers decide; this
 * file only records what they accepted and forgets it again.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtpd/message.h"
#include "smtpd/txn.h"

static bool txn_remote_known(const struct smtp_txn *t, const char *text);

int
txn_init(struct smtp_txn *t, size_t mailboxes_max, size_t max_rcpts,
    bool relay, bool filter)
{
	t->mailboxes.max = mailboxes_max;
	if ((t->mailboxes.names = calloc(mailboxes_max,
	    sizeof *t->mailboxes.names)) == NULL ||
	    (t->boxes = calloc(mailboxes_max, sizeof *t->boxes)) == NULL ||
	    (relay && (t->remote = calloc(max_rcpts,
	    sizeof *t->remote)) == NULL) ||
	    (filter && (t->rcpt_list = malloc(SMTP_FILTER_RCPTS_MAX)) == NULL))
		return -1;
	txn_reset(t);
	return 0;
}

void
txn_reset(struct smtp_txn *t)
{
	smtp_message_abandon(&t->msg);
	t->helo = t->auth_user = t->protocol = "";
	memset(&t->sender, 0, sizeof t->sender);
	t->utf8 = false;
	t->declared_size = 0;
	t->rcpt_count = 0;
	t->first_rcpt[0] = '\0';
	t->mailboxes.count = 0;
	t->remote_count = 0;
	t->rcpt_list_len = 0;
	if (t->rcpt_list != NULL)
		t->rcpt_list[0] = '\0';
	t->refused = false;
	t->echoes = 0;
}

void
txn_refuse(struct smtp_txn *t)
{
	t->refused = true;
	t->echoes = 0;
}

void
txn_begin(struct smtp_txn *t, const struct smtp_path *sender, bool utf8,
    int64_t declared_size, const char *helo, const char *auth_user,
    const char *protocol)
{
	assert(t->rcpt_count == 0 && !t->msg.active);
	t->sender = *sender;
	t->utf8 = utf8;
	t->declared_size = declared_size;
	t->helo = helo;
	t->auth_user = auth_user;
	t->protocol = protocol;
	t->refused = false;
}

/* SMTP_FILTER_RCPTS_MAX: what the filter's environment can carry. */
bool
txn_rcpt_fits(const struct smtp_txn *t, const char *text)
{
	return t->rcpt_list == NULL ||
	    t->rcpt_list_len + strlen(text) + 2 <= SMTP_FILTER_RCPTS_MAX;
}

static bool
txn_remote_known(const struct smtp_txn *t, const char *text)
{
	for (size_t i = 0; i < t->remote_count; i++)
		if (strcmp(t->remote[i], text) == 0)
			return true;
	return false;
}

void
txn_add_rcpt(struct smtp_txn *t, const char *text, bool remote)
{
	assert(txn_rcpt_fits(t, text) && (!remote || t->remote != NULL));
	if (remote && !txn_remote_known(t, text))
		strcpy(t->remote[t->remote_count++], text);
	if (++t->rcpt_count == 1)
		strcpy(t->first_rcpt, text);
	if (t->rcpt_list != NULL)
		t->rcpt_list_len += (size_t)snprintf(t->rcpt_list +
		    t->rcpt_list_len, SMTP_FILTER_RCPTS_MAX - t->rcpt_list_len,
		    "%s%s", t->rcpt_list_len > 0 ? "\n" : "", text);
	t->refused = false;
}
