/*
 * Inside the personalization flow: its state and its steps.
 */
#ifndef OP_PERSO_FLOW_INT_H
#define OP_PERSO_FLOW_INT_H

#include <limits.h>
#include <stdbool.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/provider.h>

#include "perso/perso.h"

struct flow {
	const struct perso_opts *o;
	struct perso_config *cfg;
	OSSL_PROVIDER *prov;
	OSSL_PROVIDER *deflt;
	const char *ca_dir;
	const struct chip_alg_info *alg;
	uint16_t key_slot;
	uint16_t cert_slot;
	enum certslot_format fmt;

	struct chip_uid uid;
	char uid_hex[2 * CHIP_UID_LEN + 1];
	char dir[PATH_MAX];		/* <out>/<UID> */
	char record[PATH_MAX];
	char pub_path[PATH_MAX + 16];
	char csr_path[PATH_MAX + 16];
	char cert_path[PATH_MAX + 16];

	json_t *state;			/* the record, folded */
	json_t *summary;

	EVP_PKEY *key;			/* provider key for the slot */
	X509_REQ *req;
	X509 *cert;
	struct ca *ca;
	bool csr_signed;		/* the chip signed the CSR this run */
	bool wrote;			/* the write step wrote this run */
	bool unchanged;			/* the step found all as wanted */

	struct aws_config *aws_cfg;
	struct aws_client *aws;
	char aws_ca_id[65];
};

struct flow_step {
	const char *name;
	const char *what;
	bool cloud;			/* skipped with --no-aws */
	bool always_check;		/* checked even with --force */
	/* 1: done (artifacts loaded into the flow), 0: to do, -1: error */
	int (*done)(struct flow *f);
	/* do it; fields for the record line go into line */
	int (*run)(struct flow *f, json_t *line);
	/* NULL: always part of the flow; else only when it says so */
	bool (*enabled)(const struct flow *f);
};

extern const struct flow_step flow_steps[];

/* steps_aws.c */
int flow_aws_ca_done(struct flow *f);
int flow_aws_ca_run(struct flow *f, json_t *line);
int flow_aws_device_done(struct flow *f);
int flow_aws_device_run(struct flow *f, json_t *line);

int flow_fingerprint(const uint8_t *der, size_t len, char out[65]);
int flow_pub_fingerprint(EVP_PKEY *pub, char out[65]);
int flow_write_pem(const char *path, int (*writer)(BIO *, const void *),
    const void *obj, mode_t mode);

#endif
