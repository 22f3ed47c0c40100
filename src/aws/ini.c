/*
 * A small reader for the AWS shared config and credentials files.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "aws/ini.h"
#include "util/err.h"
#include "util/file.h"

#define INI_MAX_SIZE (1024 * 1024)

static char *
dup_trim(const char *s, size_t n, bool lower)
{
	char *r;

	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\r'))
		n--;
	if ((r = strndup(s, n)) == NULL)
		return NULL;
	if (lower)
		for (char *c = r; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');

	return r;
}

static int
ini_add(struct ini *ini, const char *section, const char *key,
    const char *sub, const char *v, size_t vlen)
{
	struct ini_ent *e;
	struct ini_ent *t;

	t = realloc(ini->ents, (ini->n + 1) * sizeof(*ini->ents));
	if (t == NULL)
		return OP_RC(OP_LAYER_AWS, OP_E_NOMEM);
	ini->ents = t;
	e = &ini->ents[ini->n];
	memset(e, 0, sizeof(*e));
	e->section = strdup(section);
	e->key = strdup(key);
	e->sub = sub ? strdup(sub) : NULL;
	e->value = dup_trim(v, vlen, false);
	ini->n++;
	if (e->section == NULL || e->key == NULL || (sub && !e->sub) ||
	    e->value == NULL)
		return OP_RC(OP_LAYER_AWS, OP_E_NOMEM);

	return 0;
}

int
ini_parse(const char *text, struct ini *ini)
{
	char *section = NULL;
	char *key = NULL;		/* last key, for nested lines */
	bool key_empty = false;
	const char *line = text;
	unsigned lineno = 0;
	int r = 0;

	while (line != NULL && *line != '\0') {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		size_t i = 0;
		bool indented;
		const char *d;
		char *k = NULL;

		lineno++;
		while (i < n && (line[i] == ' ' || line[i] == '\t'))
			i++;
		indented = i > 0;

		/* blank lines and comments */
		if (i == n || line[i] == '#' || line[i] == ';' ||
		    (i + 1 == n && line[i] == '\r'))
			goto next;

		/* [section] */
		if (line[i] == '[' && !indented) {
			const char *end = memchr(line + i, ']', n - i);

			if (end == NULL) {
				r = op_err(OP_RC(OP_LAYER_CONFIG,
				    OP_E_INVAL), "%s:%u: '[' without ']'",
				    ini->path ? ini->path : "config",
				    lineno);
				goto fail;
			}
			free(section);
			section = dup_trim(line + i + 1,
			    (size_t)(end - line - i - 1), false);
			free(key);
			key = NULL;
			/* remember the section even if it stays empty */
			if (section == NULL ||
			    ini_add(ini, section, "", NULL, "", 0) != 0)
				goto nomem;
			goto next;
		}

		/* key = value (or key: value); the first delimiter wins */
		d = line + i;
		while (d < line + n && *d != '=' && *d != ':')
			d++;
		if (d == line + n || section == NULL) {
			/* a continuation line or junk: configparser would
			 * append it to the previous value; we never need
			 * multi-line values, so it is skipped */
			goto next;
		}
		if ((k = dup_trim(line + i, (size_t)(d - line - i), true)) ==
		    NULL)
			goto nomem;
		if (indented && key != NULL && key_empty) {
			r = ini_add(ini, section, key, k, d + 1,
			    (size_t)(line + n - d - 1));
			free(k);
		} else {
			r = ini_add(ini, section, k, NULL, d + 1,
			    (size_t)(line + n - d - 1));
			free(key);
			key = k;
			key_empty = ini->ents[ini->n - 1].value != NULL &&
			    ini->ents[ini->n - 1].value[0] == '\0';
		}
		if (r != 0)
			goto nomem;
next:
		line = nl ? nl + 1 : NULL;
	}

	r = 0;
	goto fail;
nomem:
	r = op_err(OP_RC(OP_LAYER_AWS, OP_E_NOMEM), "out of memory");
fail:
	free(section);
	free(key);

	return r;
}

int
ini_load(const char *path, struct ini *ini)
{
	uint8_t *text = NULL;
	size_t len = 0;
	struct stat st;
	int r;

	memset(ini, 0, sizeof(*ini));
	if ((ini->path = strdup(path)) == NULL)
		return op_err(OP_RC(OP_LAYER_AWS, OP_E_NOMEM),
		    "out of memory");
	if (stat(path, &st) != 0 && errno == ENOENT)
		return 0;

	if ((r = op_file_read(path, INI_MAX_SIZE, &text, &len)) != 0)
		return op_errctx(r, "reading AWS settings");
	ini->loaded = true;
	r = ini_parse((const char *)text, ini);
	OPENSSL_cleanse(text, len);
	free(text);

	return r;
}

void
ini_free(struct ini *ini)
{
	for (size_t i = 0; i < ini->n; i++) {
		struct ini_ent *e = &ini->ents[i];

		if (e->value != NULL) {
			OPENSSL_cleanse(e->value, strlen(e->value));
			free(e->value);
		}
		free(e->section);
		free(e->key);
		free(e->sub);
	}
	free(ini->ents);
	free(ini->path);
	memset(ini, 0, sizeof(*ini));
}

bool
ini_has_section(const struct ini *ini, const char *section)
{
	/* an empty section has no entries; good enough for profiles,
	 * which are only useful with a key in them */
	for (size_t i = 0; i < ini->n; i++)
		if (strcmp(ini->ents[i].section, section) == 0)
			return true;

	return false;
}

const char *
ini_get(const struct ini *ini, const char *section, const char *key,
    const char *sub)
{
	const char *v = NULL;

	for (size_t i = 0; i < ini->n; i++) {
		const struct ini_ent *e = &ini->ents[i];

		if (strcmp(e->section, section) != 0 ||
		    strcmp(e->key, key) != 0)
			continue;
		if ((sub == NULL) != (e->sub == NULL))
			continue;
		if (sub != NULL && strcmp(e->sub, sub) != 0)
			continue;
		v = e->value;
	}

	return v;
}
