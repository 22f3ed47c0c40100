/*
 * Certificate signing requests whose signature is made inside the chip:
 * the key is a provider key (optiga:...), so OpenSSL's ordinary
 * X509_REQ_sign_ctx() sends the digest to the chip.
 */
#ifndef OP_PERSO_CSR_H
#define OP_PERSO_CSR_H

#include <openssl/evp.h>
#include <openssl/x509.h>

/*
 * Build a CSR for subject and the public half of key, sign it with key
 * using digest md ("SHA256", ...), and check the signature with the
 * public key as decoded from the finished request.
 */
int csr_build(OSSL_LIB_CTX *libctx, const X509_NAME *subject,
    EVP_PKEY *key, const char *md, X509_REQ **out);

#endif
