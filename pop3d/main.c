/*
 * pop3d: lets local users fetch and delete their mail by POP3 on
 * stdin/stdout. Started once per connection by a superserver. See pop3d.8
 * and SPEC sections 2 and 4.
 */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "common/log.h"
#include "common/startup.h"
#include "pop3d/pop3d.h"

int
main(int argc, char **argv)
{
	static struct pop3d_config cfg;
	static struct pop_session s;
	const struct tls_state *resumed;
	int opt;

	resumed = startup_begin("pop3d",
	    "-ERR [SYS/TEMP] Service not available\r\n", STARTUP_OPTSTRING,
	    &argc, &argv);
	cfg.opts = (struct startup_opts){
		.spool_dir = POP_SPOOL_DEFAULT,
		.users_file = POP_USERS_DEFAULT,
		.idle_secs = POP_IDLE_SECS_DEFAULT,
		.lock_wait_secs = POP_LOCK_WAIT_SECS_DEFAULT,
	};
	/* handed on by STLS, so the fresh pop3d takes them too */
	cfg.argc = argc;
	cfg.argv = argv;
	while ((opt = getopt(argc, argv, STARTUP_OPTSTRING)) != -1)
		if (!startup_option(&cfg.opts, opt, optarg))
			startup_bad_option(opt, "usage: pop3d [-C options-file] "
			    "[-lP] [-s spool] "
			    "[-p users] [-n name] [-t secs] [-U user] "
			    "[-w secs] [-T tls-engine] [-H proxies]");
	if (optind != argc)
		startup_fatal(EX_USAGE, "unexpected argument %s", argv[optind]);
	startup_prepare(&cfg.opts, cfg.hostname, sizeof cfg.hostname,
	    &cfg.users, POP_USERS_FILE_MAX);
	startup_drop(&cfg.opts);

	s.cfg = &cfg;
	conn_open(&s.conn, &cfg.opts, &cfg.users, resumed);
	pop_set_state(&s, POP_ST_AUTH);
	/* APOP after STLS answers the first greeting's timestamp */
	if (resumed && strlen(resumed->timestamp) < sizeof s.timestamp)
		strcpy(s.timestamp, resumed->timestamp);
	else
		pop_timestamp_make(&s);

	log_info("%s client=%s", resumed ? "tls" : "connect", s.conn.client);
	pop_session_run(&s);
	pop_session_end(&s);
	return EX_OK;
}
