/*
 * Credentials and settings, found the way the AWS CLI v2 finds them
 * (observed behaviour, see /work/shared/reference/aws-iot-api.md §7):
 *
 *   profile     --profile > AWS_PROFILE > AWS_DEFAULT_PROFILE > default
 *   keys        env keys > credentials file > config file; but a profile
 *               named with --profile switches the env keys off
 *   region      --region > AWS_REGION > AWS_DEFAULT_REGION > config
 *   endpoint    --endpoint-url > AWS_ENDPOINT_URL_IOT > AWS_ENDPOINT_URL
 *               > [services] iot endpoint_url > profile endpoint_url
 *               > https://iot.REGION.amazonaws.com
 *
 * Instance metadata, SSO, assume-role and credential_process are not
 * supported; a profile that needs them fails with a message saying so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "aws/aws.h"
#include "aws/ini.h"
#include "util/err.h"

#define MAX_ATTEMPTS_DEFAULT	3
#define MAX_ATTEMPTS_LIMIT	10

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

static void
free_secret(char **p)
{
	if (*p != NULL) {
		OPENSSL_cleanse(*p, strlen(*p));
		free(*p);
		*p = NULL;
	}
}

void
aws_config_free(struct aws_config **cfgp)
{
	struct aws_config *cfg;

	if (cfgp == NULL || (cfg = *cfgp) == NULL)
		return;
	free(cfg->profile);
	free(cfg->access_key_id);
	free_secret(&cfg->secret_access_key);
	free_secret(&cfg->session_token);
	free(cfg->creds_source);
	free(cfg->region);
	free(cfg->endpoint_url);
	free(cfg->ca_bundle);
	free(cfg->signing_name);
	free(cfg);
	*cfgp = NULL;
}

/* Path of a shared file: the variable, else ~/.aws/NAME. */
static char *
shared_path(const char *var, const char *name)
{
	const char *v = env(var);
	const char *home = env("HOME");
	char *p = NULL;

	if (v != NULL)
		return strdup(v);
	if (home == NULL)
		home = "/nonexistent";
	if (asprintf(&p, "%s/.aws/%s", home, name) < 0)
		return NULL;

	return p;
}

/* Section of a profile in the config file. */
static const char *
config_section(const struct ini *conf, const char *profile, char *buf,
    size_t len)
{
	snprintf(buf, len, "profile %s", profile);
	if (strcmp(profile, "default") == 0 && !ini_has_section(conf, buf))
		return "default";

	return buf;
}

static int
set_str(char **dst, const char *v)
{
	if (v == NULL)
		return 0;
	if ((*dst = strdup(v)) == NULL)
		return op_err(OP_RC(OP_LAYER_AWS, OP_E_NOMEM),
		    "out of memory");

	return 0;
}

/* Keys from one profile section; partial keys are an error. */
static int
keys_from_ini(struct aws_config *cfg, const struct ini *ini,
    const char *section, const char *what, bool *found)
{
	const char *ak = ini_get(ini, section, "aws_access_key_id", NULL);
	const char *sk = ini_get(ini, section, "aws_secret_access_key", NULL);
	const char *tok = ini_get(ini, section, "aws_session_token", NULL);
	int r;

	*found = false;
	if (tok == NULL)
		tok = ini_get(ini, section, "aws_security_token", NULL);
	if ((ak == NULL || ak[0] == '\0') && (sk == NULL || sk[0] == '\0'))
		return 0;
	if (ak == NULL || ak[0] == '\0' || sk == NULL || sk[0] == '\0')
		return op_err(OP_RC(OP_LAYER_CONFIG, OP_E_INVAL),
		    "partial credentials in %s [%s]: both "
		    "aws_access_key_id and aws_secret_access_key are needed",
		    ini->path, section);

	if ((r = set_str(&cfg->access_key_id, ak)) != 0 ||
	    (r = set_str(&cfg->secret_access_key, sk)) != 0 ||
	    (tok && tok[0] && (r = set_str(&cfg->session_token, tok)) != 0))
		return r;
	if (asprintf(&cfg->creds_source, "%s %s [%s]", what, ini->path,
	    section) < 0) {
		cfg->creds_source = NULL;
		return op_err(OP_RC(OP_LAYER_AWS, OP_E_NOMEM),
		    "out of memory");
	}
	*found = true;

	return 0;
}

static int
load_keys(struct aws_config *cfg, const struct aws_config_opts *opts,
    const struct ini *cred, const struct ini *conf, const char *csec)
{
	const char *ak = env("AWS_ACCESS_KEY_ID");
	const char *sk = env("AWS_SECRET_ACCESS_KEY");
	const char *tok = env("AWS_SESSION_TOKEN");
	bool found = false;
	int r;

	if (tok == NULL)
		tok = env("AWS_SECURITY_TOKEN");

	/* the environment, unless --profile chose a profile */
	if (opts->profile == NULL && (ak != NULL || sk != NULL)) {
		if (ak == NULL || sk == NULL)
			return op_err(OP_RC(OP_LAYER_CONFIG, OP_E_INVAL),
			    "partial credentials in the environment: set "
			    "both AWS_ACCESS_KEY_ID and "
			    "AWS_SECRET_ACCESS_KEY, or neither");
		if ((r = set_str(&cfg->access_key_id, ak)) != 0 ||
		    (r = set_str(&cfg->secret_access_key, sk)) != 0 ||
		    (r = set_str(&cfg->session_token, tok)) != 0 ||
		    (r = set_str(&cfg->creds_source, "environment")) != 0)
			return r;
		return 0;
	}

	/* the credentials file, then the config file */
	if ((r = keys_from_ini(cfg, cred, cfg->profile, "credentials file",
	    &found)) != 0 || found)
		return r;
	if ((r = keys_from_ini(cfg, conf, csec, "config file", &found)) !=
	    0 || found)
		return r;

	if (ini_get(conf, csec, "role_arn", NULL) != NULL ||
	    ini_get(conf, csec, "sso_start_url", NULL) != NULL ||
	    ini_get(conf, csec, "sso_session", NULL) != NULL ||
	    ini_get(conf, csec, "credential_process", NULL) != NULL)
		return op_err(OP_RC(OP_LAYER_CONFIG, OP_E_UNSUPPORTED),
		    "profile '%s' in %s uses assume-role, SSO or "
		    "credential_process, which optiga-perso does not "
		    "support; export keys instead (for example with "
		    "'aws configure export-credentials --profile %s "
		    "--format env')", cfg->profile, conf->path, cfg->profile);

	return op_err(OP_RC(OP_LAYER_CONFIG, OP_E_NOTFOUND),
	    "no AWS credentials found: set AWS_ACCESS_KEY_ID and "
	    "AWS_SECRET_ACCESS_KEY, or put aws_access_key_id and "
	    "aws_secret_access_key in profile [%s] of %s", cfg->profile,
	    cred->path);
}

static bool
region_ok(const char *r)
{
	if (r[0] == '\0' || strlen(r) > 31)
		return false;
	for (; *r; r++)
		if (!((*r >= 'a' && *r <= 'z') || (*r >= '0' && *r <= '9') ||
		    *r == '-'))
			return false;

	return true;
}

static int
load_endpoint(struct aws_config *cfg, const struct aws_config_opts *opts,
    const struct ini *conf, const char *csec)
{
	const char *v = opts->endpoint_url;
	const char *ign = env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
	const char *svc;
	char sec[160];

	/* the variable, the services section, the profile */
	if (v == NULL && (ign == NULL || strcasecmp(ign, "true") != 0)) {
		if ((v = env("AWS_ENDPOINT_URL_IOT")) == NULL)
			v = env("AWS_ENDPOINT_URL");
		svc = ini_get(conf, csec, "services", NULL);
		if (v == NULL && svc != NULL) {
			snprintf(sec, sizeof(sec), "services %s", svc);
			v = ini_get(conf, sec, "iot", "endpoint_url");
		}
		if (v == NULL)
			v = ini_get(conf, csec, "endpoint_url", NULL);
	}
	if (v != NULL && v[0] != '\0')
		return set_str(&cfg->endpoint_url, v);

	/* China regions live under amazonaws.com.cn */
	if (asprintf(&cfg->endpoint_url, "https://iot.%s.amazonaws.com%s",
	    cfg->region, strncmp(cfg->region, "cn-", 3) == 0 ? ".cn" : "") <
	    0) {
		cfg->endpoint_url = NULL;
		return op_err(OP_RC(OP_LAYER_AWS, OP_E_NOMEM),
		    "out of memory");
	}

	return 0;
}

static int
load_misc(struct aws_config *cfg, const struct aws_config_opts *opts,
    const struct ini *conf, const char *csec)
{
	const char *v;
	char *end = NULL;
	unsigned long n;
	int r;

	/* retries */
	cfg->max_attempts = MAX_ATTEMPTS_DEFAULT;
	if ((v = env("AWS_MAX_ATTEMPTS")) == NULL)
		v = ini_get(conf, csec, "max_attempts", NULL);
	if (v != NULL) {
		n = strtoul(v, &end, 10);
		if (end == v || *end != '\0' || n < 1)
			return op_err(OP_RC(OP_LAYER_CONFIG, OP_E_INVAL),
			    "max_attempts '%s' is not a number >= 1", v);
		/* bounded, whatever the setting says */
		cfg->max_attempts = n > MAX_ATTEMPTS_LIMIT ?
		    MAX_ATTEMPTS_LIMIT : (unsigned)n;
	}

	/* CA bundle for HTTPS */
	if ((v = env("AWS_CA_BUNDLE")) == NULL)
		v = ini_get(conf, csec, "ca_bundle", NULL);
	if ((r = set_str(&cfg->ca_bundle, v)) != 0)
		return r;

	/* signing name: the newer models say iot, Debian's CLI 2.9
	 * says execute-api; both are accepted by IoT [inferred] */
	if ((v = opts->signing_name) == NULL)
		v = env("OPTIGA_AWS_SIGNING_NAME");
	if (v == NULL)
		v = "iot";
	if (strcmp(v, "iot") != 0 && strcmp(v, "execute-api") != 0)
		return op_err(OP_RC(OP_LAYER_USAGE, OP_E_INVAL),
		    "signing name '%s' is neither 'iot' nor 'execute-api'",
		    v);

	return set_str(&cfg->signing_name, v);
}

int
aws_config_load(const struct aws_config_opts *opts,
    struct aws_config **out)
{
	static const struct aws_config_opts none;
	struct aws_config *cfg = NULL;
	struct ini cred = { 0 };
	struct ini conf = { 0 };
	char *cred_path = NULL;
	char *conf_path = NULL;
	char secbuf[160];
	const char *csec;
	const char *v;
	int r;

	*out = NULL;
	if (opts == NULL)
		opts = &none;
	if ((cfg = calloc(1, sizeof(*cfg))) == NULL ||
	    (cred_path = shared_path("AWS_SHARED_CREDENTIALS_FILE",
	    "credentials")) == NULL ||
	    (conf_path = shared_path("AWS_CONFIG_FILE", "config")) == NULL) {
		r = op_err(OP_RC(OP_LAYER_AWS, OP_E_NOMEM), "out of memory");
		goto fail;
	}

	/* the files */
	if ((r = ini_load(cred_path, &cred)) != 0 ||
	    (r = ini_load(conf_path, &conf)) != 0)
		goto fail;

	/* the profile */
	if ((v = opts->profile) == NULL && (v = env("AWS_PROFILE")) == NULL &&
	    (v = env("AWS_DEFAULT_PROFILE")) == NULL)
		v = "default";
	if ((r = set_str(&cfg->profile, v)) != 0)
		goto fail;
	csec = config_section(&conf, cfg->profile, secbuf, sizeof(secbuf));
	if (strcmp(cfg->profile, "default") != 0 &&
	    !ini_has_section(&cred, cfg->profile) &&
	    !ini_has_section(&conf, csec)) {
		r = op_err(OP_RC(OP_LAYER_CONFIG, OP_E_NOTFOUND),
		    "the AWS profile '%s' is in neither %s nor %s",
		    cfg->profile, cred_path, conf_path);
		goto fail;
	}

	/* credentials */
	if ((r = load_keys(cfg, opts, &cred, &conf, csec)) != 0)
		goto fail;

	/* region */
	if ((v = opts->region) == NULL && (v = env("AWS_REGION")) == NULL &&
	    (v = env("AWS_DEFAULT_REGION")) == NULL)
		v = ini_get(&conf, csec, "region", NULL);
	if (v == NULL || v[0] == '\0') {
		r = op_err(OP_RC(OP_LAYER_CONFIG, OP_E_NOTFOUND),
		    "no AWS region: use --region, set AWS_REGION, or put "
		    "region in profile [%s] of %s", cfg->profile, conf_path);
		goto fail;
	}
	if (!region_ok(v)) {
		r = op_err(OP_RC(OP_LAYER_CONFIG, OP_E_INVAL),
		    "AWS region '%s' is not a region name such as "
		    "eu-central-1", v);
		goto fail;
	}
	if ((r = set_str(&cfg->region, v)) != 0)
		goto fail;

	/* endpoint, retries, CA bundle, signing name */
	if ((r = load_endpoint(cfg, opts, &conf, csec)) != 0 ||
	    (r = load_misc(cfg, opts, &conf, csec)) != 0)
		goto fail;

	*out = cfg;
	cfg = NULL;	/* now owned by the caller */
	r = 0;
fail:
	aws_config_free(&cfg);
	ini_free(&cred);
	ini_free(&conf);
	free(cred_path);
	free(conf_path);

	return r;
}
