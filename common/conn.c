/* The client connection (conn.h). */
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "common/conn.h"
#include "common/log.h"

static void conn_identify(struct conn *c, const struct startup_opts *opts);

/*
 * SPEC 2: a trusted proxy's header that is missing, malformed or late
 * ends the connection here, before any greeting, with one log line that
 * names the proxy.
 */
static void
conn_identify(struct conn *c, const struct startup_opts *opts)
{
	enum proxy_status st;

	st = peer_identify(&c->peer, STDIN_FILENO,
	    opts->proxies.count > 0 ? &opts->proxies : NULL,
	    deadline_in(PROXY_WAIT_SECS * 1000L));
	if (st == PROXY_OK)
		return;
	log_info("proxy client=%s: %s, closing", peer_log_name(&c->peer),
	    proxy_status_text(st));
	exit(EX_OK);
}

void
conn_open(struct conn *c, const struct startup_opts *opts,
    const struct users *users, const struct tls_state *resumed)
{
	if (resumed != NULL) {
		/* fd 0 is the engine's cleartext side, not the client */
		strcpy(c->peer.addr, resumed->addr);
		c->peer.kind = resumed->addr[0] != '\0' ?
		    peer_classify(resumed->addr) : PEER_LOCAL;
	} else {
		conn_identify(c, opts);
	}
	c->client = peer_log_name(&c->peer);
	c->resumed = resumed != NULL;
	c->tls = resumed != NULL || c->peer.tls;
	c->sasl.plaintext = c->tls ||
	    peer_plaintext_ok(&c->peer, opts->plaintext_any);
	c->sasl.cram_md5 = users->all_plain;
	line_init(&c->in, STDIN_FILENO, opts->idle_secs);
	reply_init(&c->out, STDOUT_FILENO, opts->idle_secs);
	c->in.before_block = reply_flush_hook;
	c->in.before_block_arg = &c->out;
}

void
conn_starttls(struct conn *c, const char *ready, const char *tls_cmd,
    const char *timestamp, int argc, char **argv)
{
	reply_printf(&c->out, "%s\r\n", ready);
	if (reply_flush(&c->out) == -1)
		return;
	log_info("starttls client=%s", c->client);
	tls_handover(tls_cmd, c->peer.addr, timestamp, argc, argv);
}
