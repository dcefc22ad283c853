/*
 * match_mem.h - the in-memory side of anju-match, shared by match.c (the
 * tiers and findings) and match_load.c (reading and writing the
 * workspace). Internal to stages/match.
 */
#ifndef ANJU_MATCH_MEM_H
#define ANJU_MATCH_MEM_H

#include <sqlite3.h>
#include <stddef.h>

/* Strings live in large blocks freed together: a million households make
 * several million short strings, and one malloc each would dominate. */
struct arena {
	struct arena_block *head;
};

/* Copy S (NULL stays NULL) into A. Returns the copy, or NULL with
 * *FAILED set on ENOMEM. */
const char *match_arena_dup(struct arena *a, const char *s, int *failed);

/* Free every string of A. */
void match_arena_free(struct arena *a);

/* Open-addressing string -> int table, sized once for its entries. */
struct strmap {
	size_t cap;
	const char **keys;
	int *vals;
};

/* Size M for up to N keys. Returns 0 or -1 (ENOMEM). */
int match_strmap_init(struct strmap *m, size_t n);

/* The value slot of KEY, or NULL when absent and INSERT is 0. A new slot
 * holds -1. KEY must outlive M. */
int *match_strmap_slot(struct strmap *m, const char *key, int insert);

void match_strmap_free(struct strmap *m);

/*
 * An 18-character ID (17 digits and a check character 0-9 or X) packed
 * into one integer, so the ID tables of tiers 1 and 2 hash and compare
 * integers instead of strings. Returns 0 for anything else.
 */
unsigned long long match_id_pack(const char *id);

/* Open-addressing packed ID -> int table, sized once. */
struct idmap {
	size_t cap;
	unsigned long long *keys; /* 0 = empty slot */
	int *vals;
};

/* Size M for up to N keys. Returns 0 or -1 (ENOMEM). */
int match_idmap_init(struct idmap *m, size_t n);

/* The value slot of KEY (nonzero), or NULL when absent and INSERT is 0.
 * A new slot holds -1. */
int *match_idmap_slot(struct idmap *m, unsigned long long key, int insert);

void match_idmap_free(struct idmap *m);

/* enum id_state of a stored head_id_state name (id_state_name()); an
 * unknown name is ID_MALFORMED. */
int match_state_parse(const char *s);

enum match_method {
	METHOD_NONE,
	METHOD_ID,
	METHOD_MEMBER,
	METHOD_REPAIR_15,
	METHOD_REPAIR_000,
	METHOD_REPAIR_SCI,
	METHOD_REPAIR_DIGIT,
	METHOD_REPAIR_SWAP,
};

/* A roster household or a platform record: what matching needs. Place
 * names are not kept (a million of them would double the memory); the
 * few findings that show them read them back by key. */
struct party {
	sqlite3_int64 key;  /* household_key or record_key */
	const char *ext_id; /* household_id or record_id */
	/* division codes, "" when unresolved (D05) */
	char county_code[8], township_code[12], village_code[16];
	const char *name;   /* normalised head name, NULL if none */
	const char *id;     /* normalised head ID, NULL if none */
	const char *id_raw; /* only for excel_sci and converted15 IDs */
	const char *type;   /* records: household_type */
	double subsidy;     /* records: subsidy_yuan, -1 when NULL */
	int size;           /* household_size, -1 when NULL */
	int state;          /* enum id_state */
	int known;
	sqlite3_int64 file_id;
	int line;
	/* results */
	int peer;     /* record: index of its household, -1; household:
	                 first record matched to it, -1 */
	int next;     /* record: next record of the same household */
	int nrecords; /* household: records matched */
	int method;   /* record: enum match_method */
	int member;   /* record matched by member: index in members */
	int repaired_household; /* record: the household's ID was repaired */
	int review;             /* under review (M09) */
	int chain;              /* next in a tier-3/4 group, -1 */
	int same_id; /* household: the next household in the ring of those
	                sharing its solid head ID (itself when none) */
};

/* A member whose solid ID is not its household's head ID. Name and
 * relation are read back by key for the few M07 findings. */
struct member {
	sqlite3_int64 key;
	int household; /* index in hh */
	unsigned long long id;
	int same_id; /* the next member in the ring of those with this ID
	                (one person listed in two households), itself when
	                none; set by tier 2 */
};

/* A review candidate pair (M09). */
struct review {
	int household;
	int record;
	int ambiguous_repair; /* else same name, same village */
};

struct match_data {
	struct arena arena;     /* roster, members, files */
	struct arena rec_arena; /* records: loaded by another thread */
	struct party *hh;
	size_t nhh;
	struct party *rec;
	size_t nrec;
	struct member *mem;
	size_t nmem;
	struct review *rev;
	size_t nrev, caprev;
	/* input_files: file_id -> name */
	sqlite3_int64 *file_ids;
	const char **file_names;
	size_t nfiles;
};

/* Load DB into D (zeroed by the caller). The records are read by a
 * second thread on a read-only connection of their own. Returns 0 or -1
 * (message printed). */
int match_load(sqlite3 *db, struct match_data *d);

/* Free everything D owns. */
void match_data_free(struct match_data *d);

/* Base name of the file FILE_ID, "" when unknown. */
const char *match_file_name(const struct match_data *d, sqlite3_int64 file_id);

#endif
