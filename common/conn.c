#include <unistd.h>

#include "common/conn.h"

void
conn_open(struct conn *c, const struct startup_opts *opts,
    const struct users *users)
{
	peer_identify(&c->peer, STDIN_FILENO);
	c->client = peer_log_name(&c->peer);
	c->tls = peer_tls();
	c->sasl.plaintext = peer_plaintext_ok(&c->peer, opts->plaintext_any);
	c->sasl.cram_md5 = users->all_plain;
	line_init(&c->in, STDIN_FILENO, opts->idle_secs);
	reply_init(&c->out, STDOUT_FILENO, opts->idle_secs);
	c->in.before_block = reply_flush_hook;
	c->in.before_block_arg = &c->out;
}
