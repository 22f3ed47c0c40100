/*
 * The INI dialect of ~/.aws/credentials and ~/.aws/config, as Python's
 * configparser reads it for botocore: "[section]", "key = value" or
 * "key: value", keys case-insensitive, full-line '#' and ';' comments,
 * and indented "sub = value" lines under a key with an empty value
 * (the nested form of "s3 =" and of "[services ...]" sections).
 */
#ifndef OP_AWS_INI_H
#define OP_AWS_INI_H

#include <stdbool.h>
#include <stddef.h>

struct ini_ent {
	char *section;
	char *key;		/* lower case */
	char *sub;		/* nested key, lower case, or NULL */
	char *value;
};

struct ini {
	char *path;
	struct ini_ent *ents;
	size_t n;
	bool loaded;		/* false: the file did not exist */
};

/* A missing file is not an error: *ini is empty with loaded false. */
int ini_load(const char *path, struct ini *ini);
int ini_parse(const char *text, struct ini *ini);
void ini_free(struct ini *ini);

bool ini_has_section(const struct ini *ini, const char *section);
/* Last value of section/key[/sub], or NULL. */
const char *ini_get(const struct ini *ini, const char *section,
    const char *key, const char *sub);

#endif
