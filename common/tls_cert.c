/*
 * tls_cert.c - a throwaway self-signed certificate for names, so a server
 * whose real certificate lives elsewhere can run here and be checked with
 * verification on (the checker trusts exactly this one).
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/tls.h"

static int add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;
	int ok;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if (!(e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)))
		return 0;
	ok = X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	return ok;
}

/* "DNS:a,DNS:b,IP:127.0.0.1,IP:::1" for subjectAltName */
static int alt_names(const char *const *names, size_t n, char *out, size_t len)
{
	size_t i, used = 0;
	int w;

	for (i = 0; i < n; i++) {
		w = snprintf(out + used, len - used, "DNS:%s,", names[i]);
		if (w < 0 || (size_t)w >= len - used)
			return -1;
		used += (size_t)w;
	}
	w = snprintf(out + used, len - used, "DNS:localhost,IP:127.0.0.1,IP:::1");
	return w < 0 || (size_t)w >= len - used ? -1 : 0;
}

static int write_pem(const char *path, X509 *x, EVP_PKEY *k)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (!f)
		return 0;
	ok = x ? PEM_write_X509(f, x) :
		 PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
	return fclose(f) == 0 && ok;
}

int tls_make_cert(const char *cert, const char *key,
		  const char *const *names, size_t n, char *err, size_t errlen)
{
	char san[8192];
	EVP_PKEY *k = NULL;
	X509 *x = NULL;
	X509_NAME *subj;
	int ok = 0;

	if (alt_names(names, n, san, sizeof(san)) < 0) {
		snprintf(err, errlen, "too many server names for one certificate");
		return -1;
	}
	if (!(k = EVP_EC_gen("P-256")) || !(x = X509_new()))
		goto out;
	subj = X509_get_subject_name(x);
	ok = X509_set_version(x, 2) &&
	     ASN1_INTEGER_set(X509_get_serialNumber(x), 1) &&
	     X509_gmtime_adj(X509_getm_notBefore(x), -3600) &&
	     X509_gmtime_adj(X509_getm_notAfter(x), 7L * 24 * 3600) &&
	     X509_set_pubkey(x, k) &&
	     X509_NAME_add_entry_by_txt(subj, "CN", MBSTRING_ASC, (const
			unsigned char *)(n ? names[0] : "localhost"), -1, -1, 0) &&
	     X509_set_issuer_name(x, subj) &&
	     add_ext(x, NID_basic_constraints, "critical,CA:FALSE") &&
	     add_ext(x, NID_subject_alt_name, san) &&
	     X509_sign(x, k, EVP_sha256()) > 0 &&
	     write_pem(cert, x, NULL) && write_pem(key, NULL, k);
out:
	if (!ok)
		snprintf(err, errlen, "cannot make a certificate: %s",
			 tls_reason());
	X509_free(x);
	EVP_PKEY_free(k);
	return ok ? 0 : -1;
}
