/*
 * match.c - the four matching tiers of SPEC 4 and the M-findings.
 *
 * Everything runs on the arrays of match_mem.h: hash tables on the head
 * ID (tier 1), on member IDs (tier 2), and on county+name (tier 3) and
 * village+name (tier 4) groups, so a million households cost a few hash
 * look-ups each instead of a query each.
 */
#include "match.h"

#include "anju.h"
#include "db.h"
#include "idcard.h"
#include "match_mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const method_names[] = {
    [METHOD_NONE] = "",
    [METHOD_ID] = "id",
    [METHOD_MEMBER] = "member",
    [METHOD_REPAIR_15] = "repair_15",
    [METHOD_REPAIR_000] = "repair_000",
    [METHOD_REPAIR_SCI] = "repair_sci",
    [METHOD_REPAIR_DIGIT] = "repair_digit",
    [METHOD_REPAIR_SWAP] = "repair_swap",
};

#define POOR_TYPE "建档立卡贫困户"

static void sort_reviews(struct match_data *d);

/* An 18-character ID that names one person for sure. */
static int
id_solid(const struct party *p)
{
	return (p->state == ID_VALID || p->state == ID_CONVERTED15) &&
	       p->id != NULL && strlen(p->id) == 18;
}

/* A damaged or malformed ID of at least 15 characters (a wrong check
 * character, Excel's 000, an impossible birth date, a digit too many):
 * the same text on both sides is the same person when the names agree
 * too (tier 1). Scientific notation has lost too much for that. */
static int
id_damaged(const struct party *p)
{
	size_t n = p->id != NULL ? strlen(p->id) : 0;

	/* digits (and X) only: "身份证号待补充" on both sides is no ID */
	return (p->state == ID_BAD_CHECK || p->state == ID_EXCEL_000 ||
	        p->state == ID_MALFORMED) &&
	       n >= 15 && strspn(p->id, "0123456789X") == n;
}

static int
str_eq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* Division codes are "" when unresolved: two unknowns are not equal. */
static int
code_eq(const char *a, const char *b)
{
	return *a != '\0' && strcmp(a, b) == 0;
}

/* Positions where two 18-char IDs differ: count, first two in POS. */
static int
id_diff(const char *a, const char *b, int pos[2])
{
	int i, n = 0;

	for (i = 0; i < 18; i++) {
		if (a[i] == b[i])
			continue;
		if (n < 2)
			pos[n] = i;
		n++;
	}
	return n;
}

static enum match_method
repair_fit(const char *damaged, int state, int known, const char *valid)
{
	int pos[2];
	size_t len;

	if (damaged == NULL || valid == NULL || strlen(valid) != 18)
		return METHOD_NONE;
	len = strlen(damaged);
	switch (state) {
	case ID_EXCEL_000:
		return len == 18 && strncmp(damaged, valid, 15) == 0
		           ? METHOD_REPAIR_000
		           : METHOD_NONE;
	case ID_EXCEL_SCI:
		/* The mantissa digits are all that survived. */
		if (known < 1 || (size_t)known > len || known > 18)
			return METHOD_NONE;
		return strncmp(damaged, valid, (size_t)known) == 0
		           ? METHOD_REPAIR_SCI
		           : METHOD_NONE;
	case ID_BAD_CHECK:
	case ID_MALFORMED:
		if (len != 18)
			return METHOD_NONE;
		switch (id_diff(damaged, valid, pos)) {
		case 1:
			return METHOD_REPAIR_DIGIT;
		case 2:
			return pos[1] == pos[0] + 1 &&
			               damaged[pos[0]] == valid[pos[1]] &&
			               damaged[pos[1]] == valid[pos[0]]
			           ? METHOD_REPAIR_SWAP
			           : METHOD_NONE;
		default:
			return METHOD_NONE;
		}
	default:
		return METHOD_NONE;
	}
}

const char *
match_repair_method(const char *damaged, const char *state, int known,
                    const char *valid)
{
	enum match_method m =
	    repair_fit(damaged, match_state_parse(state), known, valid);

	return m == METHOD_NONE ? NULL : method_names[m];
}

static void
assign(struct match_data *d, int r, int h, enum match_method method)
{
	d->rec[r].peer = h;
	d->rec[r].method = method;
	d->hh[h].nrecords++;
}

static int
add_review(struct match_data *d, int h, int r, int ambiguous)
{
	if (d->nrev == d->caprev) {
		size_t cap = d->caprev ? d->caprev * 2 : 64;
		struct review *p = realloc(d->rev, cap * sizeof(*p));

		if (p == NULL)
			return -1;
		d->rev = p;
		d->caprev = cap;
	}
	d->rev[d->nrev++] = (struct review){h, r, ambiguous};
	d->hh[h].review = 1;
	d->rec[r].review = 1;
	return 0;
}

/* Of the households sharing the solid head ID of household FIRST (its
 * same_id ring; a roster that lists one head twice), the one record R
 * belongs with: the same village, else the same county, else FIRST. */
static int
nearest_same_id(const struct match_data *d, int first, const struct party *r)
{
	int h = first, county = -1;

	do {
		if (code_eq(d->hh[h].village_code, r->village_code))
			return h;
		if (county < 0 && code_eq(d->hh[h].county_code, r->county_code))
			county = h;
		h = d->hh[h].same_id;
	} while (h != first);
	return county >= 0 ? county : first;
}

/* "ID\x1fNAME" in BUF: the key of a damaged ID, which is one person's
 * only under one name. NULL when the name is missing or BUF too small. */
static const char *
damaged_key(const struct party *p, char *buf, size_t len)
{
	int n;

	if (p->name == NULL)
		return NULL;
	n = snprintf(buf, len, "%s\x1f%s", p->id, p->name);
	return n > 0 && (size_t)n < len ? buf : NULL;
}

/*
 * Tier 1: the same head ID on both sides. A 15-digit ID converted at
 * ingest that meets an 18-digit one is a repair (M08), since only the
 * conversion makes the match. Several households with one head ID: the
 * first one wins. A solid ID is looked up alone;
 * a damaged one (D01, D03, or a malformed 18 characters) is used only
 * with the same name (SPEC 4, 5): the same damaged text under another
 * name is another person, and two households may share damaged text (a
 * column cut to 000 makes the same ID of two people born the same day).
 */
static int
tier_id(struct match_data *d, struct match_stats *s)
{
	struct idmap ids;
	struct strmap damaged = {0};
	struct arena keys = {0};
	char buf[512];
	const char *key;
	int rc = -1, failed = 0;
	size_t i;

	if (match_idmap_init(&ids, d->nhh) != 0)
		return -1;
	if (match_strmap_init(&damaged, d->nhh) != 0)
		goto out;
	for (i = 0; i < d->nhh; i++) {
		struct party *h = &d->hh[i];
		unsigned long long packed;
		int *slot;

		h->same_id = (int)i;
		if (id_solid(h) && (packed = match_id_pack(h->id)) != 0) {
			slot = match_idmap_slot(&ids, packed, 1);
			/* a second household with this ID joins the ring */
			if (*slot >= 0) {
				h->same_id = d->hh[*slot].same_id;
				d->hh[*slot].same_id = (int)i;
			}
		} else if (!id_damaged(h) ||
		           (key = damaged_key(h, buf, sizeof(buf))) == NULL)
			continue;
		else if ((slot = match_strmap_slot(&damaged, key, 0)) == NULL) {
			if ((key = match_arena_dup(&keys, key, &failed)) ==
			    NULL)
				goto out;
			slot = match_strmap_slot(&damaged, key, 1);
		}
		if (*slot < 0)
			*slot = (int)i;
	}
	for (i = 0; i < d->nrec; i++) {
		struct party *r = &d->rec[i];
		unsigned long long packed;
		int *slot;
		int conv, h;

		if (id_solid(r))
			slot = (packed = match_id_pack(r->id)) != 0
			           ? match_idmap_slot(&ids, packed, 0)
			           : NULL;
		else
			slot = id_damaged(r) &&
			               (key = damaged_key(r, buf,
			                                  sizeof(buf))) != NULL
			           ? match_strmap_slot(&damaged, key, 0)
			           : NULL;
		if (slot == NULL)
			continue;
		h = nearest_same_id(d, *slot, r);
		conv = (r->state == ID_CONVERTED15) !=
		       (d->hh[h].state == ID_CONVERTED15);
		assign(d, (int)i, h, conv ? METHOD_REPAIR_15 : METHOD_ID);
		if (conv) {
			r->repaired_household =
			    d->hh[h].state == ID_CONVERTED15;
			s->by_repair++;
		} else {
			s->by_id++;
		}
	}
	rc = 0;
out:
	match_idmap_free(&ids);
	match_strmap_free(&damaged);
	match_arena_free(&keys);
	return rc;
}

/* Of the members sharing member FIRST's ID (its same_id ring: one person
 * listed in two households), the one whose household is in record R's
 * village, else its county, else FIRST. */
static int
nearest_member(const struct match_data *d, int first, const struct party *r)
{
	int m = first, county = -1;

	do {
		const struct party *h = &d->hh[d->mem[m].household];

		if (code_eq(h->village_code, r->village_code))
			return m;
		if (county < 0 && code_eq(h->county_code, r->county_code))
			county = m;
		m = d->mem[m].same_id;
	} while (m != first);
	return county >= 0 ? county : first;
}

/* Tier 2: the platform head is another member of a roster household
 * (the head died or moved and one side changed its head). match_load()
 * kept only members that are not their household's head. */
static int
tier_member(struct match_data *d, struct match_stats *s)
{
	struct idmap mids;
	size_t i;

	if (match_idmap_init(&mids, d->nmem) != 0)
		return -1;
	for (i = 0; i < d->nmem; i++) {
		int *slot = match_idmap_slot(&mids, d->mem[i].id, 1);

		d->mem[i].same_id = (int)i;
		if (*slot < 0)
			*slot = (int)i;
		else {
			d->mem[i].same_id = d->mem[*slot].same_id;
			d->mem[*slot].same_id = (int)i;
		}
	}
	s->members = (long)d->nmem;
	for (i = 0; i < d->nrec; i++) {
		struct party *r = &d->rec[i];
		unsigned long long key;
		int *m, k;

		if (r->peer >= 0 || !id_solid(r) ||
		    (key = match_id_pack(r->id)) == 0 ||
		    (m = match_idmap_slot(&mids, key, 0)) == NULL)
			continue;
		k = nearest_member(d, *m, r);
		assign(d, (int)i, d->mem[k].household, METHOD_MEMBER);
		r->member = k;
		s->by_member++;
	}
	match_idmap_free(&mids);
	return 0;
}

/* Groups of still-unmatched households and records sharing a key (county
 * + name for tier 3, village + name for tier 4). */
struct groups {
	struct strmap map;
	int *hh_head;
	int *rec_head;
	size_t n;
	struct arena keys;
};

static void
groups_free(struct groups *g)
{
	match_strmap_free(&g->map);
	free(g->hh_head);
	free(g->rec_head);
	match_arena_free(&g->keys);
}

/* Append the LEN bytes at S to BUF (AT bytes used, CAP in all), cut to
 * leave room for a NUL. Returns the bytes now used. */
static size_t
key_append(char *buf, size_t at, size_t cap, const char *s, size_t len)
{
	if (len > cap - 1 - at)
		len = cap - 1 - at;
	memcpy(buf + at, s, len);
	return at + len;
}

/* "PLACE\x1fNAME" in BUF (LEN bytes, cut as snprintf() would), or NULL
 * when P has no place or name. Copied, not formatted: tens of thousands
 * of keys a run, and snprintf() was 7 % of anju-match. */
static const char *
group_key(const struct party *p, int by_village, char *buf, size_t len)
{
	const char *place = by_village ? p->village_code : p->county_code;
	size_t n;

	if (*place == '\0' || p->name == NULL)
		return NULL;
	n = key_append(buf, 0, len, place, strlen(place));
	n = key_append(buf, n, len, "\x1f", 1);
	n = key_append(buf, n, len, p->name, strlen(p->name));
	buf[n] = '\0';
	return buf;
}

/* Add P (party INDEX) to its group, made when NEW_GROUP, else only when
 * some party already made it. Returns 0 or -1 (no memory). */
static int
group_add(struct groups *g, struct party *p, int index, int is_record,
          int by_village, int new_group)
{
	char buf[512];
	const char *key = group_key(p, by_village, buf, sizeof(buf));
	int failed = 0;
	int *slot;

	if (key == NULL)
		return 0;
	slot = match_strmap_slot(&g->map, key, 0);
	if (slot == NULL && !new_group)
		return 0;
	if (slot == NULL) {
		key = match_arena_dup(&g->keys, key, &failed);
		if (failed)
			return -1;
		slot = match_strmap_slot(&g->map, key, 1);
		*slot = (int)g->n;
		g->hh_head[g->n] = g->rec_head[g->n] = -1;
		g->n++;
	}
	if (is_record) {
		p->chain = g->rec_head[*slot];
		g->rec_head[*slot] = index;
	} else {
		p->chain = g->hh_head[*slot];
		g->hh_head[*slot] = index;
	}
	return 0;
}

/*
 * Group the parties a tier looks at: the records still unmatched, and the
 * households still unmatched, or for tier 3 (BY_VILLAGE 0) every
 * household: a damaged record may belong to a household that another
 * record already matched (M03 then, as for a record matched through a
 * member). Tier 4 only takes solid IDs.
 */
static int
groups_build(struct match_data *d, struct groups *g, int by_village)
{
	size_t i, total = 0;

	/* Sized for what can make a group: usually a few percent. */
	for (i = 0; i < d->nhh; i++)
		total += d->hh[i].nrecords == 0;
	for (i = 0; i < d->nrec; i++)
		total += d->rec[i].peer < 0;
	memset(g, 0, sizeof(*g));
	if (match_strmap_init(&g->map, total) != 0 ||
	    (g->hh_head = malloc((total + 1) * sizeof(int))) == NULL ||
	    (g->rec_head = malloc((total + 1) * sizeof(int))) == NULL)
		return -1;
	for (i = 0; i < d->nrec; i++) {
		struct party *r = &d->rec[i];

		r->chain = -1;
		if (r->peer >= 0 || (by_village && !id_solid(r)))
			continue;
		if (group_add(g, r, (int)i, 1, by_village, 1) != 0)
			return -1;
	}
	for (i = 0; i < d->nhh; i++) {
		struct party *h = &d->hh[i];

		h->chain = -1;
		if (by_village && (h->nrecords > 0 || !id_solid(h)))
			continue;
		/* A matched household joins only a group a record made. */
		if (group_add(g, h, (int)i, 0, by_village, h->nrecords == 0) !=
		    0)
			return -1;
	}
	return 0;
}

/* Tier 3, damaged record: a unique solid household in its group. */
static int
repair_records(struct match_data *d, const struct groups *g, size_t k,
               struct match_stats *s)
{
	int r, h;

	for (r = g->rec_head[k]; r >= 0; r = d->rec[r].chain) {
		struct party *rp = &d->rec[r];
		int found = -1, n = 0;
		enum match_method m = METHOD_NONE, fit;

		if (id_solid(rp))
			continue;
		for (h = g->hh_head[k]; h >= 0; h = d->hh[h].chain) {
			if (!id_solid(&d->hh[h]))
				continue;
			fit = repair_fit(rp->id, rp->state, rp->known,
			                 d->hh[h].id);
			if (fit == METHOD_NONE)
				continue;
			found = h;
			m = fit;
			n++;
		}
		if (n == 1) {
			assign(d, r, found, m);
			s->by_repair++;
			continue;
		}
		for (h = g->hh_head[k]; n > 1 && h >= 0; h = d->hh[h].chain)
			if (id_solid(&d->hh[h]) &&
			    repair_fit(rp->id, rp->state, rp->known,
			               d->hh[h].id) != METHOD_NONE &&
			    add_review(d, h, r, 1) != 0)
				return -1;
	}
	return 0;
}

/* True when every record of the group K that HP's damaged ID fits
 * carries the same ID as record FOUND: one person, however many records
 * (M03 then, not M09). */
static int
one_person(const struct match_data *d, const struct groups *g, size_t k,
           const struct party *hp, int found)
{
	int r;

	for (r = g->rec_head[k]; r >= 0; r = d->rec[r].chain)
		if (id_solid(&d->rec[r]) && d->rec[r].peer < 0 &&
		    repair_fit(hp->id, hp->state, hp->known, d->rec[r].id) !=
		        METHOD_NONE &&
		    strcmp(d->rec[r].id, d->rec[found].id) != 0)
			return 0;
	return 1;
}

/* Assign to household H every unmatched solid record of group K that
 * HP's damaged ID fits (they all carry one ID: one_person()). */
static void
repair_all(struct match_data *d, const struct groups *g, size_t k, int h,
           struct match_stats *s)
{
	const struct party *hp = &d->hh[h];
	enum match_method m;
	int r;

	for (r = g->rec_head[k]; r >= 0; r = d->rec[r].chain)
		if (id_solid(&d->rec[r]) && d->rec[r].peer < 0 &&
		    (m = repair_fit(hp->id, hp->state, hp->known,
		                    d->rec[r].id)) != METHOD_NONE) {
			assign(d, r, h, m);
			d->rec[r].repaired_household = 1;
			s->by_repair++;
		}
}

/* Tier 3, damaged household: the solid records in its group it fits,
 * when they are one person's and no other damaged household also fits
 * them. CLAIMS counts those per record. */
static int
repair_households(struct match_data *d, const struct groups *g, size_t k,
                  int *claims, struct match_stats *s)
{
	int r, h, pass;

	/* Pass 0 counts the claims on each record, pass 1 decides. */
	for (pass = 0; pass < 2; pass++) {
		for (h = g->hh_head[k]; h >= 0; h = d->hh[h].chain) {
			struct party *hp = &d->hh[h];
			int found = -1, n = 0;

			if (id_solid(hp) || hp->nrecords > 0)
				continue;
			for (r = g->rec_head[k]; r >= 0; r = d->rec[r].chain) {
				if (!id_solid(&d->rec[r]) ||
				    d->rec[r].peer >= 0 ||
				    repair_fit(hp->id, hp->state, hp->known,
				               d->rec[r].id) == METHOD_NONE)
					continue;
				if (pass == 0)
					claims[r]++;
				found = r;
				n++;
			}
			if (pass == 0 || n == 0)
				continue;
			if (claims[found] == 1 &&
			    (n == 1 || one_person(d, g, k, hp, found))) {
				repair_all(d, g, k, h, s);
				continue;
			}
			for (r = g->rec_head[k]; r >= 0; r = d->rec[r].chain)
				if (id_solid(&d->rec[r]) &&
				    d->rec[r].peer < 0 &&
				    repair_fit(hp->id, hp->state, hp->known,
				               d->rec[r].id) != METHOD_NONE &&
				    add_review(d, h, r, 1) != 0)
					return -1;
		}
	}
	return 0;
}

/* Tier 3: repaired IDs, same county, same name, unique counterpart. */
static int
tier_repair(struct match_data *d, struct match_stats *s)
{
	struct groups g;
	int *claims = calloc(d->nrec + 1, sizeof(int));
	size_t k;
	int rc = -1;

	if (claims == NULL || groups_build(d, &g, 0) != 0)
		goto out;
	for (k = 0; k < g.n; k++) {
		if (g.hh_head[k] < 0 || g.rec_head[k] < 0)
			continue;
		if (repair_records(d, &g, k, s) != 0 ||
		    repair_households(d, &g, k, claims, s) != 0)
			goto out;
	}
	rc = 0;
out:
	groups_free(&g);
	free(claims);
	return rc;
}

/* Tier 4: same name, same village, two different solid IDs: never a
 * match, a review candidate (M09). */
static int
tier_review(struct match_data *d)
{
	struct groups g;
	size_t k;
	int h, r, rc = -1;

	if (groups_build(d, &g, 1) != 0)
		goto out;
	for (k = 0; k < g.n; k++)
		for (h = g.hh_head[k]; h >= 0; h = d->hh[h].chain)
			for (r = g.rec_head[k]; r >= 0; r = d->rec[r].chain)
				if (!str_eq(d->hh[h].id, d->rec[r].id) &&
				    add_review(d, h, r, 0) != 0)
					goto out;
	rc = 0;
out:
	groups_free(&g);
	return rc;
}

/* Chain each household's records in record order, for M03 and output. */
static void
link_records(struct match_data *d)
{
	size_t i;

	for (i = 0; i < d->nhh; i++)
		d->hh[i].peer = -1;
	for (i = d->nrec; i-- > 0;) {
		struct party *r = &d->rec[i];

		if (r->peer < 0)
			continue;
		r->next = d->hh[r->peer].peer;
		d->hh[r->peer].peer = (int)i;
	}
}

/*
 * Run the tiers on D (loaded by match_load), each among what the earlier
 * left unmatched; the results stay in D for match_write(). Returns 0 or
 * -1 (ENOMEM).
 */
static int
match_tiers(struct match_data *d, struct match_stats *s)
{
	if (tier_id(d, s) != 0 || tier_member(d, s) != 0 ||
	    tier_repair(d, s) != 0 || tier_review(d) != 0)
		return -1;
	sort_reviews(d);
	link_records(d);
	return 0;
}

/* ---- writing -------------------------------------------------------- */

/* Matches are written MATCH_BATCH rows a statement: a million single-row
 * INSERTs spend more time in statement overhead than in the b-tree. */
#define MATCH_BATCH 64

struct writer {
	sqlite3 *db;
	struct match_data *d;
	struct match_stats *s;
	sqlite3_stmt *finding, *match, *review;
	sqlite3_stmt *member, *place_rec, *place_hh; /* read back texts */
	int buf[MATCH_BATCH][2]; /* household, record pairs to flush */
	int nbuf;
};

/* A detail text; long lists are cut with "…" rather than failing. */
struct text {
	char buf[2048];
	size_t len;
};

static void text_add(struct text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->len >= sizeof(t->buf) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, sizeof(t->buf) - t->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(t->buf) - t->len) {
		t->len = sizeof(t->buf) - 1;
		/* Cut on a UTF-8 boundary and mark the cut. */
		while (t->len > 0 &&
		       ((unsigned char)t->buf[t->len] & 0xC0) == 0x80)
			t->len--;
		if (t->len > sizeof(t->buf) - 8)
			t->len = sizeof(t->buf) - 8;
		while (t->len > 0 &&
		       ((unsigned char)t->buf[t->len] & 0xC0) == 0x80)
			t->len--;
		memcpy(t->buf + t->len, "\xE2\x80\xA6", 4);
		t->len = sizeof(t->buf) - 1;
		return;
	}
	t->len += (size_t)n;
}

static const char *
orq(const char *s)
{
	return s != NULL ? s : "";
}

static const char *
shown_id(const struct party *p)
{
	if (p->id_raw != NULL && p->state == ID_EXCEL_SCI)
		return p->id_raw;
	if (p->id != NULL)
		return p->id;
	return p->id_raw != NULL ? p->id_raw : "（空）";
}

/*
 * Insert one finding. ABOUT_HH is the household it is about (NULL for a
 * record alone, then REC gives the place and head); SRC the row whose
 * file and line are the source.
 */
static int
emit(struct writer *w, const char *code, const char *severity,
     const struct party *hh, const struct party *rec, const struct party *src,
     const char *detail)
{
	const struct party *who = hh != NULL ? hh : rec;
	sqlite3_stmt *st = w->finding;
	char source[1024];
	int rc;

	if (who == NULL) /* a finding is about a household or a record */
		return -1;

	snprintf(source, sizeof(source), "%s:%d",
	         match_file_name(w->d, src->file_id), src->line);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, severity, -1, SQLITE_STATIC);
	db_bind_text(st, 3, who->county_code, 1);
	db_bind_text(st, 4, who->township_code, 1);
	db_bind_text(st, 5, who->village_code, 1);
	db_bind_text(st, 6, hh != NULL ? hh->ext_id : NULL, 1);
	db_bind_text(st, 7, rec != NULL ? rec->ext_id : NULL, 1);
	db_bind_text(st, 8, who->id, 1);
	db_bind_text(st, 9, who->name, 1);
	db_bind_text(st, 10, detail, 0);
	db_bind_text(st, 11, source, 0);
	if (rec != NULL)
		sqlite3_bind_int64(st, 12, rec->key);
	if (hh != NULL)
		sqlite3_bind_int64(st, 13, hh->key);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		anju_msg(NULL, 0, "sqlite: %s", sqlite3_errmsg(w->db));
		return -1;
	}
	w->s->findings++;
	return 0;
}

static int
review_cmp(const void *a, const void *b)
{
	const struct review *x = a, *y = b;

	if (x->household != y->household)
		return x->household < y->household ? -1 : 1;
	if (x->record != y->record)
		return x->record < y->record ? -1 : 1;
	return y->ambiguous_repair - x->ambiguous_repair;
}

/* Sort the review pairs by household, then record, dropping repeats (a
 * pair can come from tier 3 and tier 4). */
static void
sort_reviews(struct match_data *d)
{
	size_t i, n = 0;

	if (d->nrev == 0)
		return;
	qsort(d->rev, d->nrev, sizeof(*d->rev), review_cmp);
	for (i = 0; i < d->nrev; i++)
		if (n == 0 || d->rev[n - 1].household != d->rev[i].household ||
		    d->rev[n - 1].record != d->rev[i].record)
			d->rev[n++] = d->rev[i];
	d->nrev = n;
}

/* Index of the first review pair of household H (reviews sorted). */
static size_t
first_review(const struct match_data *d, int h)
{
	size_t lo = 0, hi = d->nrev;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->rev[mid].household < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int
emit_unmatched_household(struct writer *w, const struct party *h)
{
	struct text t = {.len = 0};
	int hi = (int)(h - w->d->hh), ambiguous = 0, n = 0;
	size_t i;

	if (!h->review) {
		const struct party *o = h;

		w->s->unmatched_households++;
		/* A head listed on two roster households: the record went to
		 * the other one, and this one is the roster's duplicate. */
		while ((o = &w->d->hh[o->same_id]) != h)
			if (o->nrecords > 0) {
				text_add(
				    &t,
				    "花名册户主在平台无危房改造档案（漏录）；其"
				    "户主身份证号与户编号%s相同，平台档案已对应"
				    "该户，请核实花名册是否重复登记",
				    orq(o->ext_id));
				return emit(w, "M01", "high", h, NULL, h,
				            t.buf);
			}
		return emit(w, "M01", "high", h, NULL, h,
		            "花名册户主在平台无危房改造档案（漏录）");
	}
	w->s->review++;
	text_add(&t, "花名册户主%s（%s）", orq(h->name), shown_id(h));
	for (i = first_review(w->d, hi);
	     i < w->d->nrev && w->d->rev[i].household == hi; i++) {
		const struct party *r = &w->d->rec[w->d->rev[i].record];

		ambiguous |= w->d->rev[i].ambiguous_repair;
		text_add(&t, "%s平台档案%s户主%s（%s）", n++ ? "、" : "与",
		         r->ext_id, orq(r->name), shown_id(r));
	}
	if (ambiguous)
		text_add(&t, "同名同县，身份证号修复后可对应不止一个对象");
	else
		text_add(&t, "同名同村，但身份证号不同");
	text_add(&t, "，不能自动认定为同一户，请人工核实（待核实）");
	return emit(w, "M09", "high", h, NULL, h, t.buf);
}

static int
emit_several(struct writer *w, const struct party *h)
{
	struct text t = {.len = 0};
	int r, paid = 0;

	text_add(&t, "该户在平台有%d条危房改造档案：", h->nrecords);
	for (r = h->peer; r >= 0; r = w->d->rec[r].next) {
		const struct party *rp = &w->d->rec[r];

		text_add(&t, "%s%s", r == h->peer ? "" : "、", rp->ext_id);
		if (rp->subsidy > 0)
			paid++;
	}
	if (paid >= 2)
		text_add(&t, "，其中%d条都领取了补助资金（疑似重复补助）",
		         paid);
	else
		text_add(&t, "，请核实并合并重复档案");
	return emit(w, "M03", paid >= 2 ? "high" : "medium", h, NULL, h, t.buf);
}

static int
emit_repair(struct writer *w, const struct party *h, const struct party *r)
{
	const struct party *bad = r->repaired_household ? h : r;
	const struct party *good = r->repaired_household ? r : h;
	const char *side = r->repaired_household ? "花名册户主" : "平台";
	const char *other =
	    r->repaired_household ? "平台档案户主" : "花名册户主";
	struct text t = {.len = 0};
	int pos[2] = {0, 0};

	switch (r->method) {
	case METHOD_REPAIR_15:
		text_add(
		    &t,
		    "%s身份证号为15位旧号码（%s），升为18位后为%s，与%s一致",
		    side, orq(bad->id_raw), orq(bad->id), other);
		break;
	case METHOD_REPAIR_000:
		text_add(
		    &t,
		    "%s身份证号%s末三位被Excel改成000，疑为%s，与%s同名同县",
		    side, orq(bad->id), good->id, other);
		break;
	case METHOD_REPAIR_SCI:
		text_add(&t,
		         "%s身份证号被Excel存成科学计数法（%s），疑为%s，与%"
		         "s同名同县",
		         side, shown_id(bad), good->id, other);
		break;
	case METHOD_REPAIR_SWAP:
		id_diff(bad->id, good->id, pos);
		text_add(
		    &t, "%s身份证号%s第%d、%d位数字颠倒，疑为%s，与%s同名同县",
		    side, bad->id, pos[0] + 1, pos[1] + 1, good->id, other);
		break;
	default:
		id_diff(bad->id, good->id, pos);
		if (bad->state == ID_BAD_CHECK && pos[0] == 17)
			text_add(
			    &t,
			    "%s身份证号%s末位校验错误，疑为%s，与%s同名同县",
			    side, bad->id, good->id, other);
		else if (bad->state == ID_BAD_CHECK)
			text_add(&t,
			         "%s身份证号%s末位校验错误（第%"
			         "d位数字疑误），疑为%s，与%s同名同县",
			         side, bad->id, pos[0] + 1, good->id, other);
		else
			text_add(
			    &t,
			    "%s身份证号%s第%d位数字有误，疑为%s，与%s同名同县",
			    side, bad->id, pos[0] + 1, good->id, other);
		break;
	}
	return emit(w, "M08", "medium", h, r, bad, t.buf);
}

/* A member's name and relation, read back for the M07/M04 texts. */
static void
member_text(struct writer *w, const struct member *m, char *name,
            size_t namelen, char *relation, size_t rellen)
{
	sqlite3_stmt *st = w->member;
	const char *s;

	*name = *relation = '\0';
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, m->key);
	if (sqlite3_step(st) != SQLITE_ROW)
		return;
	if ((s = (const char *)sqlite3_column_text(st, 0)) != NULL)
		snprintf(name, namelen, "%s", s);
	if ((s = (const char *)sqlite3_column_text(st, 1)) != NULL)
		snprintf(relation, rellen, "%s", s);
}

static int
emit_member(struct writer *w, const struct party *h, const struct party *r)
{
	char name[256], relation[64];
	struct text t = {.len = 0};

	member_text(w, &w->d->mem[r->member], name, sizeof(name), relation,
	            sizeof(relation));
	text_add(
	    &t,
	    "平台档案户主%s（%s）是花名册该户的成员（%s），花名册户主为%s："
	    "户主已变更，请核实并统一两边的户主",
	    orq(r->name), orq(r->id), *relation ? relation : "家庭成员",
	    h->name != NULL && *h->name ? h->name : "（户主不明）");
	return emit(w, "M07", "medium", h, r, r, t.buf);
}

static int
place_differs(const struct party *h, const struct party *r)
{
	if (*h->village_code != '\0' && *r->village_code != '\0')
		return strcmp(h->village_code, r->village_code) != 0;
	if (*h->county_code != '\0' && *r->county_code != '\0')
		return strcmp(h->county_code, r->county_code) != 0;
	return 0;
}

/* "县乡村（code）" of a party, its names read back by key. */
static void
place_text(struct writer *w, struct text *t, const struct party *p,
           int is_record)
{
	sqlite3_stmt *st = is_record ? w->place_rec : w->place_hh;
	int i;

	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, p->key);
	if (sqlite3_step(st) == SQLITE_ROW)
		for (i = 0; i < 3; i++)
			text_add(t, "%s",
			         orq((const char *)sqlite3_column_text(st, i)));
	if (*p->village_code != '\0')
		text_add(t, "（%s）", p->village_code);
	else if (*p->county_code != '\0')
		text_add(t, "（%s）", p->county_code);
}

static int
emit_compare(struct writer *w, const struct party *h, const struct party *r)
{
	char member[256], relation[64];
	const char *want = h->name;
	struct text t = {.len = 0};

	/* Tier 2 matched the record to a member: that is the person. */
	if (r->method == METHOD_MEMBER) {
		member_text(w, &w->d->mem[r->member], member, sizeof(member),
		            relation, sizeof(relation));
		want = *member ? member : NULL;
	}

	if (r->name != NULL && want != NULL && strcmp(r->name, want) != 0) {
		text_add(&t, "平台档案户主姓名\"%s\"与花名册\"%s\"不一致",
		         r->name, want);
		if (emit(w, "M04", "medium", h, r, r, t.buf) != 0)
			return -1;
	}
	if (place_differs(h, r)) {
		t.len = 0;
		text_add(&t, "平台档案登记在");
		place_text(w, &t, r, 1);
		text_add(&t, "，花名册为");
		place_text(w, &t, h, 0);
		text_add(&t, "，所在村或县不一致");
		if (emit(w, "M05", "medium", h, r, r, t.buf) != 0)
			return -1;
	}
	if (r->size >= 0 && h->size >= 0 && r->size != h->size) {
		t.len = 0;
		text_add(&t, "平台档案家庭人口%d人，花名册%d人，不一致",
		         r->size, h->size);
		if (emit(w, "M06", "low", h, r, r, t.buf) != 0)
			return -1;
	}
	return 0;
}

static int
emit_pair(struct writer *w, const struct party *h, const struct party *r)
{
	struct text t = {.len = 0};

	if (r->method == METHOD_MEMBER && emit_member(w, h, r) != 0)
		return -1;
	if (r->method >= METHOD_REPAIR_15 && emit_repair(w, h, r) != 0)
		return -1;
	if (r->type != NULL && strcmp(r->type, POOR_TYPE) != 0) {
		text_add(
		    &t,
		    "平台档案%s登记为%s，但户主是建档立卡贫困户（在花名册上），"
		    "农户类型应为建档立卡贫困户",
		    r->ext_id, r->type);
		if (emit(w, "M10", "medium", h, r, r, t.buf) != 0)
			return -1;
	}
	return emit_compare(w, h, r);
}

static int
emit_unmatched_record(struct writer *w, const struct party *r)
{
	struct text t = {.len = 0};

	if (r->review || r->type == NULL || strcmp(r->type, POOR_TYPE) != 0)
		return 0;
	text_add(&t,
	         "平台档案登记为建档立卡贫困户，但户主%s（%"
	         "s）不在建档立卡花名册上（身份不符）",
	         orq(r->name), shown_id(r));
	return emit(w, "M02", "high", NULL, r, r, t.buf);
}

/* Append ",NAME" (or NAME first) to the evidence in BUF. */
static size_t
ev_add(char *buf, size_t len, const char *name)
{
	size_t n = strlen(name);

	if (len > 0)
		buf[len++] = ',';
	memcpy(buf + len, name, n + 1);
	return len + n;
}

/* Which fields agreed, e.g. "head_id,head_name,county_code". BUF holds
 * at least 128 bytes. */
static void
evidence(const struct party *h, const struct party *r, char *buf)
{
	static const char *const first[] = {
	    [METHOD_NONE] = "",
	    [METHOD_ID] = "head_id",
	    [METHOD_MEMBER] = "member_id",
	    [METHOD_REPAIR_15] = "head_id_15to18",
	    [METHOD_REPAIR_000] = "head_id_first15",
	    [METHOD_REPAIR_SCI] = "head_id_leading_digits",
	    [METHOD_REPAIR_DIGIT] = "head_id_one_digit",
	    [METHOD_REPAIR_SWAP] = "head_id_swapped_digits",
	};
	size_t len = ev_add(buf, 0, first[r->method]);

	if (str_eq(h->name, r->name))
		len = ev_add(buf, len, "head_name");
	if (code_eq(h->county_code, r->county_code))
		len = ev_add(buf, len, "county_code");
	if (code_eq(h->village_code, r->village_code))
		len = ev_add(buf, len, "village_code");
	if (h->size >= 0 && h->size == r->size)
		ev_add(buf, len, "household_size");
}

/* OR FAIL: no statement journal for the multi-row INSERT (see
 * stages/ingest/store.c); a failure rolls the whole stage back. */
static sqlite3_stmt *
prepare_match_insert(sqlite3 *db, int rows)
{
	return db_prepare_rows(
	    db,
	    "INSERT OR FAIL INTO matches (household_key, record_key,"
	    " method, evidence, corrected_id) VALUES ",
	    "(?, ?, ?, ?, ?)", rows);
}

/* Write the buffered match pairs. */
static int
flush_matches(struct writer *w)
{
	sqlite3_stmt *st = w->match;
	int i, rc;

	if (w->nbuf == 0)
		return 0;
	if (w->nbuf < MATCH_BATCH &&
	    (st = prepare_match_insert(w->db, w->nbuf)) == NULL)
		return -1;
	sqlite3_reset(st);
	for (i = 0; i < w->nbuf; i++) {
		const struct party *h = &w->d->hh[w->buf[i][0]];
		const struct party *r = &w->d->rec[w->buf[i][1]];
		const char *corrected = NULL;
		char ev[160];
		int col = i * 5;

		if (r->method == METHOD_REPAIR_15)
			corrected = r->repaired_household ? h->id : r->id;
		else if (r->method >= METHOD_REPAIR_000)
			corrected = r->repaired_household ? r->id : h->id;
		evidence(h, r, ev);
		sqlite3_bind_int64(st, col + 1, h->key);
		sqlite3_bind_int64(st, col + 2, r->key);
		sqlite3_bind_text(st, col + 3, method_names[r->method], -1,
		                  SQLITE_STATIC);
		sqlite3_bind_text(st, col + 4, ev, -1, SQLITE_TRANSIENT);
		db_bind_text(st, col + 5, corrected, 1);
	}
	rc = sqlite3_step(st);
	if (st != w->match)
		sqlite3_finalize(st);
	w->nbuf = 0;
	if (rc != SQLITE_DONE) {
		anju_msg(NULL, 0, "sqlite: %s", sqlite3_errmsg(w->db));
		return -1;
	}
	return 0;
}

static int
store_match(struct writer *w, int h, int r)
{
	w->buf[w->nbuf][0] = h;
	w->buf[w->nbuf][1] = r;
	if (++w->nbuf == MATCH_BATCH)
		return flush_matches(w);
	return 0;
}

static int
store_reviews(struct writer *w)
{
	size_t i;

	for (i = 0; i < w->d->nrev; i++) {
		const struct review *v = &w->d->rev[i];

		sqlite3_reset(w->review);
		sqlite3_bind_int64(w->review, 1, w->d->hh[v->household].key);
		sqlite3_bind_int64(w->review, 2, w->d->rec[v->record].key);
		sqlite3_bind_text(w->review, 3,
		                  v->ambiguous_repair ? "ambiguous_repair"
		                                      : "same_name_village",
		                  -1, SQLITE_STATIC);
		if (sqlite3_step(w->review) != SQLITE_DONE) {
			anju_msg(NULL, 0, "sqlite: %s", sqlite3_errmsg(w->db));
			return -1;
		}
	}
	return 0;
}

static int
write_household(struct writer *w, const struct party *h)
{
	int r;

	if (h->nrecords == 0)
		return emit_unmatched_household(w, h);
	if (h->nrecords > 1 && emit_several(w, h) != 0)
		return -1;
	for (r = h->peer; r >= 0; r = w->d->rec[r].next)
		if (store_match(w, (int)(h - w->d->hh), r) != 0 ||
		    emit_pair(w, h, &w->d->rec[r]) != 0)
			return -1;
	return 0;
}

static int
write_all(struct writer *w)
{
	size_t i;

	for (i = 0; i < w->d->nhh; i++)
		if (write_household(w, &w->d->hh[i]) != 0)
			return -1;
	for (i = 0; i < w->d->nrec; i++)
		if (w->d->rec[i].peer < 0 &&
		    emit_unmatched_record(w, &w->d->rec[i]) != 0)
			return -1;
	return flush_matches(w) != 0 ? -1 : store_reviews(w);
}

/* Store the results, and AS_OF when not NULL, in one transaction.
 * Returns 0 or an exit code (message printed). */
static int
match_write(sqlite3 *db, struct match_data *d, struct match_stats *s,
            const char *as_of)
{
	struct writer w = {.db = db, .d = d, .s = s};
	char err[512];
	int rc = -1;

	if (db_exec(db, "BEGIN IMMEDIATE", err, sizeof(err)) != 0) {
		anju_msg(NULL, 0, "sqlite: %s", err);
		return db_exit_code(sqlite3_errcode(db));
	}
	if (db_exec(db,
	            "DELETE FROM findings WHERE stage = 'match';"
	            "DELETE FROM matches; DELETE FROM review_candidates;",
	            err, sizeof(err)) != 0) {
		anju_msg(NULL, 0, "sqlite: %s", err);
		goto out;
	}
	/* With the results: a failed match leaves the old date too. */
	if (as_of != NULL && db_set_info(db, "as_of", as_of) != 0) {
		anju_msg(NULL, 0, "cannot store the as-of date: %s",
		         sqlite3_errmsg(db));
		goto out;
	}
	w.finding = db_prepare(
	    db, "INSERT INTO findings (stage, code, severity, county_code,"
	        " township_code, village_code, household_id, record_id,"
	        " head_id, head_name, detail, source, record_key,"
	        " household_key) VALUES ('match', ?, ?, ?, ?, ?, ?, ?, ?,"
	        " ?, ?, ?, ?, ?)");
	w.match = prepare_match_insert(db, MATCH_BATCH);
	w.review = db_prepare(db, "INSERT OR IGNORE INTO review_candidates"
	                          " (household_key, record_key, reason)"
	                          " VALUES (?, ?, ?)");
	w.member = db_prepare(db, "SELECT name, relation FROM members"
	                          " WHERE member_key = ?");
	w.place_rec = db_prepare(db, "SELECT county, township, village FROM"
	                             " platform_records WHERE record_key = ?");
	w.place_hh = db_prepare(db, "SELECT county, township, village FROM"
	                            " roster_households WHERE"
	                            " household_key = ?");
	if (w.finding == NULL || w.match == NULL || w.review == NULL ||
	    w.member == NULL || w.place_rec == NULL || w.place_hh == NULL ||
	    write_all(&w) != 0)
		goto out;
	if (db_exec(db, "COMMIT", err, sizeof(err)) != 0) {
		anju_msg(NULL, 0, "sqlite: %s", err);
		goto out;
	}
	rc = 0;
out:
	if (rc != 0) /* before finalize() resets the connection's error */
		rc = db_exit_code(sqlite3_errcode(db));
	sqlite3_finalize(w.finding);
	sqlite3_finalize(w.match);
	sqlite3_finalize(w.review);
	sqlite3_finalize(w.member);
	sqlite3_finalize(w.place_rec);
	sqlite3_finalize(w.place_hh);
	if (rc != 0)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int
match_run(sqlite3 *db, const char *as_of, struct match_stats *stats)
{
	struct match_data d;
	struct match_stats local;
	int rc = ANJU_EXIT_SOFTWARE;

	memset(&d, 0, sizeof(d));
	if (stats == NULL)
		stats = &local;
	memset(stats, 0, sizeof(*stats));
	if (match_load(db, &d) != 0)
		goto out;
	stats->households = (long)d.nhh;
	stats->records = (long)d.nrec;
	if (match_tiers(&d, stats) != 0) {
		anju_msg(NULL, 0, "out of memory while matching");
		goto out;
	}
	rc = match_write(db, &d, stats, as_of);
out:
	match_data_free(&d);
	return rc;
}
