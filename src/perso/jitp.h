/*
 * Just-in-time provisioning (--registration jitp): the CA is registered
 * once with a provisioning template, and each chip's certificate is
 * registered by AWS IoT itself when the chip first connects.
 */
#ifndef OP_PERSO_JITP_H
#define OP_PERSO_JITP_H

#include "perso/flow_int.h"

/* AWS's limit on registrationConfig.templateBody, in characters. */
#define PERSO_JITP_TEMPLATE_MAX	10240

/*
 * The template body: the --jitp-template file (checked to be a JSON
 * object within AWS's size limit), else one made from the config:
 * the certificate made ACTIVE, the config's thing and its policy.
 */
int flow_jitp_template(struct flow *f, char **body);

/*
 * The template names the policy; AWS IoT does not create it, so make
 * sure it exists (created from the policy document as in the api mode).
 * ca_arn gives the partition, account the account.
 */
int flow_jitp_policy(struct flow *f, const char *ca_arn,
    const char *account, const char *policy_doc);

#endif
