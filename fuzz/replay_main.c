/*
 * A plain main() for the libFuzzer targets in fuzz/, so gcc (no libFuzzer) builds and runs them: each
 * file given, and each file of each folder given (sorted by name, dot files skipped), is passed once
 * to LLVMFuzzerTestOneInput, then --mutations N times more after 1 to 4 deterministic mutations (bit
 * flips, bytes set to interesting values, inserts, deletes, truncation, big-endian integers over
 * length fields, chunks copied from the input or from another seed). make check runs it under the
 * ASan+UBSan build (fuzz/replay.sh); a crash or a sanitizer report fails the run.
 *
 *   fuzz_conf [--mutations N] [--seed S] [--max-len BYTES] [--crash-dir DIR] [--timeout SECONDS]
 *             FILE|DIR...
 *
 * Every input is handed over in a heap block of exactly its size, so reading one byte past it is an
 * ASan report. The mutations of a seed depend only on that seed's bytes and --seed, not on the order or
 * number of the other files, so a run is reproducible. When an input crashes the target (a sanitizer
 * report, abort(), a signal, or running past --timeout, default 10 s, 0 for none), it is written to
 * DIR/crash-<target>-<seed number>[-m<mutation>] (DIR defaults to the current folder) and its origin is
 * printed; pass that file to the target to replay it.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define RC_REPLAY_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define RC_REPLAY_SANITIZED 1
#endif
#endif
#ifdef RC_REPLAY_SANITIZED
#include <sanitizer/common_interface_defs.h>
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct seed {
	char *path;
	uint8_t *data;
	size_t len;
} seed_t;

static seed_t *seeds;
static size_t nseeds, seeds_cap;

/* What runs now, for the crash handler: the input, and where it was saved to on a crash. */
static const uint8_t *cur_data;
static size_t cur_len;
static char cur_crash_path[4096], cur_note[4200];
static size_t crash_dir_len;
static unsigned timeout_secs = 10;

static void say(const char *s)
{
	ssize_t w = write(2, s, strlen(s));
	(void)w;
}

/* Saves the current input (async-signal-safe: open, write, close). */
static void save_current(void)
{
	int fd;

	if (!cur_data)
		return; /* not inside the target */
	fd = open(cur_crash_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return;
	for (size_t off = 0; off < cur_len;) {
		ssize_t w = write(fd, cur_data + off, cur_len - off);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	close(fd);
	say("replay: the input that crashed is in ");
	say(cur_crash_path);
	say(cur_note);
}

static void on_signal(int sig)
{
	if (sig == SIGALRM)
		say("replay: an input ran longer than --timeout\n");
	save_current();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void die(const char *what, const char *path)
{
	fprintf(stderr, "replay: %s %s: %s\n", what, path, strerror(errno));
	exit(2);
}

static void add_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	seed_t *s;
	size_t cap = 4096;

	if (!f)
		die("cannot read", path);
	if (nseeds == seeds_cap) {
		seeds_cap = seeds_cap ? seeds_cap * 2 : 64;
		seeds = realloc(seeds, seeds_cap * sizeof *seeds);
		if (!seeds)
			die("out of memory for", path);
	}
	s = &seeds[nseeds++];
	s->path = strdup(path);
	s->data = malloc(cap);
	s->len = 0;
	if (!s->path || !s->data)
		die("out of memory for", path);
	for (;;) {
		size_t n = fread(s->data + s->len, 1, cap - s->len, f);
		s->len += n;
		if (n == 0)
			break;
		if (s->len == cap) {
			cap *= 2;
			s->data = realloc(s->data, cap);
			if (!s->data)
				die("out of memory for", path);
		}
	}
	if (ferror(f))
		die("cannot read", path);
	fclose(f);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_path(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;

	if (stat(path, &st) != 0)
		die("cannot stat", path);
	if (!S_ISDIR(st.st_mode)) {
		add_file(path);
		return;
	}
	d = opendir(path);
	if (!d)
		die("cannot open", path);
	while ((de = readdir(d)) != NULL) {
		char *full;
		struct stat fst;

		if (de->d_name[0] == '.')
			continue;
		if (asprintf(&full, "%s/%s", path, de->d_name) < 0)
			die("out of memory for", path);
		if (stat(full, &fst) != 0 || !S_ISREG(fst.st_mode)) {
			free(full);
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = realloc(names, cap * sizeof *names);
			if (!names)
				die("out of memory for", path);
		}
		names[n++] = full;
	}
	closedir(d);
	qsort(names, n, sizeof *names, cmp_names);
	for (size_t i = 0; i < n; i++) {
		add_file(names[i]);
		free(names[i]);
	}
	free(names);
}

/* splitmix64: small, fast, and the same everywhere. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static size_t below(uint64_t *rng, size_t n)
{
	return n ? (size_t)(next_random(rng) % n) : 0;
}

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/* Applies one random mutation to buf (len bytes in use, cap allocated); returns the new length. */
static size_t mutate_once(uint64_t *rng, uint8_t *buf, size_t len, size_t cap)
{
	static const uint8_t bytes[] = {0,   1,   0x7f, 0x80, 0xff, '\\', '\n', '\r', '\t', '"', '\'', '{',
	                                '}', '[', ']',  ',',  '=',  ':',  '.',  '-',  '0',  '9', 'e',  'N'};
	static const uint32_t ints[] = {0,      1,      0x7f,       0x80,       0xff,      0x7fff,
	                                0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff};

	switch (below(rng, 9)) {
	case 0: /* flip a bit */
		if (len)
			buf[below(rng, len)] ^= (uint8_t)(1u << below(rng, 8));
		return len;
	case 1: /* set a byte to anything */
		if (len)
			buf[below(rng, len)] = (uint8_t)next_random(rng);
		return len;
	case 2: /* set a byte to a value parsers care about */
		if (len)
			buf[below(rng, len)] = bytes[below(rng, sizeof bytes)];
		return len;
	case 3: { /* insert a byte */
		size_t at = below(rng, len + 1);
		if (len == cap)
			return len;
		memmove(buf + at + 1, buf + at, len - at);
		buf[at] = below(rng, 2) ? bytes[below(rng, sizeof bytes)] : (uint8_t)next_random(rng);
		return len + 1;
	}
	case 4: { /* delete up to 4 bytes */
		size_t at = below(rng, len), n = 1 + below(rng, 4);
		if (!len)
			return len;
		if (n > len - at)
			n = len - at;
		memmove(buf + at, buf + at + n, len - at - n);
		return len - n;
	}
	case 5: /* truncate */
		return below(rng, len + 1);
	case 6: { /* a big-endian 2- or 4-byte integer, as over a length or count field */
		uint32_t v = ints[below(rng, sizeof ints / sizeof ints[0])];
		size_t w = below(rng, 2) ? 4 : 2, at;
		if (len < w)
			return len;
		at = below(rng, len - w + 1);
		for (size_t i = 0; i < w; i++)
			buf[at + i] = (uint8_t)(v >> (8 * (w - 1 - i)));
		return len;
	}
	case 7: { /* copy a chunk of the input elsewhere into it (inserted) */
		size_t from, n, at;
		if (!len || len >= cap)
			return len;
		from = below(rng, len);
		n = 1 + below(rng, len - from < 32 ? len - from : 32);
		if (n > cap - len)
			n = cap - len;
		at = below(rng, len + 1);
		if (at > len)
			return len;
		memmove(buf + at + n, buf + at, len - at);
		memmove(buf + at, buf + (from < at ? from : from + n), n);
		return len + n;
	}
	default: { /* overwrite a chunk with one from another seed */
		const seed_t *o = &seeds[below(rng, nseeds)];
		size_t from, n, at;
		if (!o->len || !len)
			return len;
		from = below(rng, o->len);
		n = 1 + below(rng, o->len - from < 64 ? o->len - from : 64);
		at = below(rng, len);
		if (n > len - at)
			n = len - at;
		memcpy(buf + at, o->data + from, n);
		return len;
	}
	}
}

/* Runs the target on data in a heap block of exactly len bytes. */
static void run_one(const char *target, size_t seed_no, long mutation, const char *origin,
                    const uint8_t *data, size_t len)
{
	uint8_t *exact = malloc(len ? len : 1);

	if (!exact)
		die("out of memory for", origin);
	memcpy(exact, data, len);
	if (mutation < 0) {
		snprintf(cur_crash_path + crash_dir_len, sizeof cur_crash_path - crash_dir_len,
		         "crash-%s-%zu", target, seed_no);
		snprintf(cur_note, sizeof cur_note, " (%s, unmutated)\n", origin);
	} else {
		snprintf(cur_crash_path + crash_dir_len, sizeof cur_crash_path - crash_dir_len,
		         "crash-%s-%zu-m%ld", target, seed_no, mutation);
		snprintf(cur_note, sizeof cur_note, " (%s, mutation %ld)\n", origin, mutation);
	}
	cur_data = exact;
	cur_len = len;
	alarm(timeout_secs);
	LLVMFuzzerTestOneInput(exact, len);
	alarm(0);
	cur_data = NULL;
	cur_len = 0;
	free(exact);
}

static void usage(void)
{
	fprintf(stderr, "usage: fuzz_TARGET [--mutations N] [--seed S] [--max-len BYTES] [--crash-dir DIR] "
	                "[--timeout SECONDS] FILE|DIR...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	long mutations = 0;
	unsigned long long seed = 1;
	size_t max_len = 65536, runs = 0;
	const char *crash_dir = ".", *target = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	struct timespec t0, t1;
	uint8_t *buf;
	int i;

	for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		if (i + 1 >= argc)
			usage();
		if (strcmp(argv[i], "--mutations") == 0)
			mutations = strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--seed") == 0)
			seed = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--max-len") == 0)
			max_len = (size_t)strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--crash-dir") == 0)
			crash_dir = argv[++i];
		else if (strcmp(argv[i], "--timeout") == 0)
			timeout_secs = (unsigned)strtoul(argv[++i], NULL, 10);
		else
			usage();
	}
	if (i >= argc || mutations < 0 || max_len == 0)
		usage();
	for (; i < argc; i++)
		add_path(argv[i]);
	if (nseeds == 0) {
		fprintf(stderr, "replay: no input files\n");
		return 2;
	}
	crash_dir_len = (size_t)snprintf(cur_crash_path, sizeof cur_crash_path, "%s/", crash_dir);
	if (crash_dir_len >= sizeof cur_crash_path / 2)
		usage();
#ifdef RC_REPLAY_SANITIZED
	__sanitizer_set_death_callback(save_current);
	signal(SIGABRT, on_signal); /* the sanitizers leave SIGABRT (a target's own check) alone */
	signal(SIGALRM, on_signal);
#else
	signal(SIGALRM, on_signal);
	signal(SIGABRT, on_signal);
	signal(SIGSEGV, on_signal);
	signal(SIGBUS, on_signal);
	signal(SIGFPE, on_signal);
	signal(SIGILL, on_signal);
#endif
	buf = malloc(max_len);
	if (!buf)
		die("out of memory for", "--max-len");

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (size_t s = 0; s < nseeds; s++) {
		const seed_t *sd = &seeds[s];
		uint64_t rng = fnv1a(sd->data, sd->len) ^ (seed * 0x9e3779b97f4a7c15ull);

		run_one(target, s, -1, sd->path, sd->data, sd->len);
		runs++;
		for (long m = 0; m < mutations; m++) {
			size_t len = sd->len < max_len ? sd->len : max_len;
			int n = 1 + (int)below(&rng, 4);

			memcpy(buf, sd->data, len);
			while (n-- > 0)
				len = mutate_once(&rng, buf, len, max_len);
			run_one(target, s, m, sd->path, buf, len);
			runs++;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(stderr, "%s: %zu inputs, %zu runs (%ld mutations each), %.2f s\n", target, nseeds, runs,
	        mutations, (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);

	free(buf);
	for (size_t s = 0; s < nseeds; s++) {
		free(seeds[s].path);
		free(seeds[s].data);
	}
	free(seeds);
	return 0;
}
