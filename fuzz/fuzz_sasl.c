/*
 * The SASL exchange on any client responses. The first byte picks the
 * mechanism and whether the first line is an initial response, the second
 * the response line limit; the rest is what the client sends.
 */
#include "fuzz/fuzz.h"
#include "common/sasl.h"

#define FUZZ_INITIAL_MAX	255
#define FUZZ_LINE_STEP		48

static struct users users;
static struct conn conn;
static int devnull = -1;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char file[] = "alice:{PLAIN}alice-pw\nbob:$6$salt$hash\n";
	char initial[FUZZ_INITIAL_MAX + 1], user[SASL_USER_MAX];
	const struct users_entry *e;
	const char *initial_p = NULL;
	struct sasl_session ss;
	enum sasl_result r;
	int fd;

	if (devnull == -1) {
		if (users_load(&users, fuzz_file("users", file, sizeof file - 1),
		    1 << 20) == -1 ||
		    (devnull = open("/dev/null", O_WRONLY)) == -1)
			abort();
	}
	if (size < 2)
		return 0;
	ss = (struct sasl_session){
		.users = &users, .hostname = "fuzz.example", .conn = &conn,
		.prompt = "+ ",
		.line_max = 2 + (size_t)data[1] * FUZZ_LINE_STEP,
	};
	if (ss.line_max > LINE_BUF_SIZE)
		ss.line_max = LINE_BUF_SIZE;
	if (data[0] & 0x80) {
		size_t k = 0;

		while (2 + k < size && k < FUZZ_INITIAL_MAX &&
		    data[2 + k] != '\n' && data[2 + k] != '\0') {
			initial[k] = (char)data[2 + k];
			k++;
		}
		initial[k] = '\0';
		initial_p = initial;
	}
	fd = fuzz_input(data + 2, size - 2);
	line_init(&conn.in, fd, 5);
	reply_init(&conn.out, devnull, 5);
	r = sasl_authenticate(&ss, (enum sasl_mech)(1 + data[0] % 3),
	    initial_p, user, &e);
	if ((r == SASL_OK) != (e != NULL) || strlen(user) >= SASL_USER_MAX)
		abort();
	close(fd);
	return 0;
}
