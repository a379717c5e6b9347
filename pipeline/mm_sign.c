/*
 * mm_sign.c -- the signatures of a deliverSecure request (mm_int.h), and the
 * signer that makes them (mm.h): xmlsec1 with its OpenSSL back-end, linked
 * directly.
 *
 * Reads: the signing certificate and key (PEM files), once, in
 * mm_signer_new().
 * Trusts: neither file until OpenSSL has read them: the key must be RSA and
 * belong to the certificate, and the certificate must be valid now.  The
 * private key is read into memory only to check it against the certificate
 * and hand it to xmlsec1, and that copy is wiped.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <xmlsec/xmlsec.h>
#include <xmlsec/base64.h>
#include <xmlsec/errors.h>
#include <xmlsec/keys.h>
#include <xmlsec/templates.h>
#include <xmlsec/transforms.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/openssl/app.h>
#include <xmlsec/openssl/crypto.h>

#include "mm.h"
#include "mm_int.h"
#include "xmalloc.h"

#if defined(XMLSEC_CRYPTO_DYNAMIC_LOADING)
#error "mm_sign.c links xmlsec1-openssl directly; build without XMLSEC_CRYPTO_DYNAMIC_LOADING"
#endif

/* The most a PEM certificate or key file may hold. */
#define MAX_PEM (64 * 1024)

struct mm_signer {
	xmlSecKeyPtr key; /* RSA key with its certificate; owned */
};

/* ---- xmlsec1: global state ---- */

static bool xmlsec_up;
static char xmlsec_first[200]; /* the first error since the last reset */

static void
on_xmlsec_error(const char *file, int line, const char *func, const char *object,
    const char *subject, int reason, const char *msg)
{
	(void)file;
	(void)line;
	(void)object;
	(void)reason;
	if (xmlsec_first[0] != '\0')
		return;
	snprintf(xmlsec_first, sizeof(xmlsec_first), "%s: %s%s%s", func != NULL ? func : "?",
	    subject != NULL ? subject : "", subject != NULL && msg != NULL ? ": " : "",
	    msg != NULL ? msg : "");
}

/*
 * Initializes xmlsec1 and its OpenSSL back-end once per process; errors are
 * collected instead of printed, and base64 is written without line breaks,
 * as in the reference samples.
 */
static int
xmlsec_init(char *err, size_t errlen)
{
	if (xmlsec_up)
		return 0;
	xmlSecErrorsSetCallback(on_xmlsec_error);
	if (xmlSecInit() < 0) {
		snprintf(err, errlen, "xmlsec1 kunde inte startas");
		return -1;
	}
	if (xmlSecCheckVersion() != 1) {
		xmlSecShutdown();
		snprintf(err, errlen, "fel version av xmlsec1 (byggd mot %s)", XMLSEC_VERSION);
		return -1;
	}
	if (xmlSecOpenSSLAppInit(NULL) < 0) {
		xmlSecShutdown();
		snprintf(err, errlen, "xmlsec1:s OpenSSL-del kunde inte startas");
		return -1;
	}
	if (xmlSecOpenSSLInit() < 0) {
		xmlSecOpenSSLAppShutdown();
		xmlSecShutdown();
		snprintf(err, errlen, "xmlsec1:s OpenSSL-del kunde inte startas");
		return -1;
	}
	xmlSecErrorsSetCallback(on_xmlsec_error);
	/* Long enough that no certificate or signature value is ever broken. */
	xmlSecBase64SetDefaultLineSize(1 << 24);
	xmlsec_up = true;
	return 0;
}

void
mm_cleanup(void)
{
	if (!xmlsec_up)
		return;
	xmlSecOpenSSLShutdown();
	xmlSecOpenSSLAppShutdown();
	xmlSecShutdown();
	xmlsec_up = false;
}

static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return 0;
}

/* Reads a small file whole; NULL with err. */
static char *
slurp(const char *path, const char *what, size_t *len, char *err, size_t errlen)
{
	FILE *fp;
	char *buf;
	size_t n;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s %s kunde inte öppnas", what, path);
		return NULL;
	}
	buf = xmalloc(MAX_PEM + 1);
	n = fread(buf, 1, MAX_PEM + 1, fp);
	if (ferror(fp) || n == 0 || n > MAX_PEM) {
		snprintf(err, errlen, "%s %s kunde inte läsas (tom, för stor eller oläslig)", what,
		    path);
		OPENSSL_cleanse(buf, MAX_PEM + 1);
		free(buf);
		fclose(fp);
		return NULL;
	}
	fclose(fp);
	buf[n] = '\0';
	*len = n;
	return buf;
}

struct mm_signer *
mm_signer_new(const char *cert_pem, const char *key_pem, char *err, size_t errlen)
{
	struct mm_signer *s = NULL;
	char *cbuf = NULL, *kbuf = NULL;
	size_t clen = 0, klen = 0;
	BIO *bio = NULL;
	X509 *x = NULL;
	EVP_PKEY *pk = NULL;
	xmlSecKeyPtr key = NULL;

	if (cert_pem == NULL || key_pem == NULL) {
		snprintf(err, errlen, "signeringscertifikat eller signeringsnyckel saknas");
		return NULL;
	}
	if (xmlsec_init(err, errlen) == -1)
		return NULL;
	if ((cbuf = slurp(cert_pem, "signeringscertifikatet", &clen, err, errlen)) == NULL ||
	    (kbuf = slurp(key_pem, "signeringsnyckeln", &klen, err, errlen)) == NULL)
		goto out;
	/* OpenSSL first: plain messages for the usual mistakes, and never a passphrase prompt. */
	if ((bio = BIO_new_mem_buf(cbuf, (int)clen)) == NULL ||
	    (x = PEM_read_bio_X509(bio, NULL, no_passphrase, NULL)) == NULL) {
		snprintf(err, errlen, "signeringscertifikatet %s är inget certifikat i PEM-format",
		    cert_pem);
		goto out;
	}
	BIO_free(bio);
	if ((bio = BIO_new_mem_buf(kbuf, (int)klen)) == NULL ||
	    (pk = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL)) == NULL) {
		snprintf(err, errlen, "signeringsnyckeln %s kunde inte läsas; den ska vara en "
		    "okrypterad privat nyckel i PEM-format", key_pem);
		goto out;
	}
	if (EVP_PKEY_base_id(pk) != EVP_PKEY_RSA) {
		snprintf(err, errlen, "signeringsnyckeln %s ska vara en RSA-nyckel (signaturerna "
		    "är RSA-SHA256)", key_pem);
		goto out;
	}
	if (X509_check_private_key(x, pk) != 1) {
		snprintf(err, errlen, "signeringsnyckeln %s hör inte till certifikatet %s", key_pem,
		    cert_pem);
		goto out;
	}
	if (X509_cmp_current_time(X509_get0_notBefore(x)) != -1) {
		snprintf(err, errlen, "signeringscertifikatet %s gäller inte ännu", cert_pem);
		goto out;
	}
	if (X509_cmp_current_time(X509_get0_notAfter(x)) != 1) {
		snprintf(err, errlen, "signeringscertifikatet %s har gått ut", cert_pem);
		goto out;
	}
	xmlsec_first[0] = '\0';
	if ((key = xmlSecOpenSSLAppKeyLoadMemory((const xmlSecByte *)kbuf, (xmlSecSize)klen,
	    xmlSecKeyDataFormatPem, NULL, NULL, NULL)) == NULL ||
	    xmlSecOpenSSLAppKeyCertLoadMemory(key, (const xmlSecByte *)cbuf, (xmlSecSize)clen,
		xmlSecKeyDataFormatPem) < 0) {
		snprintf(err, errlen, "xmlsec1 kunde inte läsa signeringsnyckeln och certifikatet "
		    "(%s)", xmlsec_first);
		goto out;
	}
	s = xcalloc(1, sizeof(*s));
	s->key = key;
	key = NULL;
out:
	if (key != NULL)
		xmlSecKeyDestroy(key);
	EVP_PKEY_free(pk);
	X509_free(x);
	BIO_free(bio);
	if (kbuf != NULL) {
		OPENSSL_cleanse(kbuf, klen);
		free(kbuf);
	}
	free(cbuf);
	ERR_clear_error();
	return s;
}

void
mm_signer_free(struct mm_signer *s)
{
	if (s == NULL)
		return;
	xmlSecKeyDestroy(s->key);
	free(s);
}

/*
 * A signature context that borrows the signer's key.  Duplicating the key for
 * every context (xmlSecKeyDuplicate) decodes its certificate and RSA key again
 * through OpenSSL's decoders, which cost more than the signature itself; the
 * context only reads the key, and ctx_free() hands it back before the context
 * is destroyed.  One thread only (see mm.h).
 */
static xmlSecDSigCtxPtr
ctx_new(struct mm_signer *s)
{
	xmlSecDSigCtxPtr ctx;

	if ((ctx = xmlSecDSigCtxCreate(NULL)) == NULL)
		return NULL;
	ctx->signKey = s->key;
	ctx->enabledReferenceUris = xmlSecTransformUriTypeEmpty;
	return ctx;
}

static void
ctx_free(xmlSecDSigCtxPtr ctx)
{
	if (ctx == NULL)
		return;
	ctx->signKey = NULL; /* the signer's: not destroyed with the context */
	xmlSecDSigCtxDestroy(ctx);
}

/*
 * Checks the enveloped signature last under the root of doc, as made by
 * mm_sign_enveloped(), with the signer's own key: the Seal says SignaturesOK, and
 * a signature that does not verify here never leaves.
 */
static int
verify_enveloped(struct mm_signer *s, xmlDocPtr doc, char *err, size_t errlen)
{
	xmlNodePtr sig;
	xmlSecDSigCtxPtr ctx = NULL;
	int rc = -1;

	xmlsec_first[0] = '\0';
	sig = xmlDocGetRootElement(doc)->last;
	if (!mm_xml_is(sig, "http://www.w3.org/2000/09/xmldsig#", "Signature"))
		goto out;
	if ((ctx = ctx_new(s)) == NULL)
		goto out;
	if (xmlSecDSigCtxVerify(ctx, sig) < 0 || ctx->status != xmlSecDSigStatusSucceeded)
		goto out;
	rc = 0;
out:
	ctx_free(ctx);
	if (rc == -1)
		snprintf(err, errlen, "den nyss gjorda signaturen gick inte att kontrollera "
		    "(xmlsec1: %s)", xmlsec_first[0] != '\0' ? xmlsec_first : "ogiltig");
	return rc;
}

/*
 * Removes the white space xmlsec1's templates put between the elements of a
 * Signature and around the base64 it writes (the certificate ends in a line
 * break), so that the Signature looks like the reference samples: a receiver
 * reads a SignedDelivery or SealedDelivery into objects and writes it out
 * again before checking it, and none of that white space survives.  Done on
 * the template before signing and on the result after it, where it touches
 * only KeyInfo and SignatureValue, which no digest covers.
 */
static void
tighten(xmlDocPtr doc, xmlNodePtr n)
{
	xmlNodePtr c, next;
	bool elems = false;

	for (c = n->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			elems = true;
	for (c = n->children; c != NULL; c = next) {
		next = c->next;
		if (c->type == XML_ELEMENT_NODE)
			tighten(doc, c);
		else if (elems && c->type == XML_TEXT_NODE && xmlIsBlankNode(c)) {
			xmlUnlinkNode(c);
			xmlFreeNode(c);
		} else if (!elems && c->type == XML_TEXT_NODE && c->content != NULL &&
		    doc->dict == NULL) {
			/* Trimmed in place: the text only gets shorter. */
			char *t = (char *)c->content;
			size_t len;
			const char *p = mm_xml_trim(t, &len);

			memmove(t, p, len);
			t[len] = '\0';
		}
	}
}

/*
 * Appends an enveloped signature to the root of doc and signs the whole
 * document: Reference URI="", transforms enveloped-signature and exclusive
 * C14N, SHA-256 digest, exclusive C14N of SignedInfo, RSA-SHA256, and the
 * certificate in KeyInfo/X509Data.  With check, the result is verified at
 * once (the SignedDelivery's, which the Seal vouches for with SignaturesOK).
 */
int
mm_sign_enveloped(struct mm_signer *s, xmlDocPtr doc, bool check, char *err, size_t errlen)
{
	xmlNodePtr root = xmlDocGetRootElement(doc), sig, ref, ki, x509;
	xmlSecDSigCtxPtr ctx = NULL;
	int rc = -1;

	xmlsec_first[0] = '\0';
	if ((sig = xmlSecTmplSignatureCreate(doc, xmlSecTransformExclC14NId,
	    xmlSecOpenSSLTransformRsaSha256Id, NULL)) == NULL)
		goto out;
	if (xmlAddChild(root, sig) == NULL) {
		xmlFreeNode(sig);
		goto out;
	}
	if ((ref = xmlSecTmplSignatureAddReference(sig, xmlSecOpenSSLTransformSha256Id, NULL,
	    BAD_CAST "", NULL)) == NULL ||
	    xmlSecTmplReferenceAddTransform(ref, xmlSecTransformEnvelopedId) == NULL ||
	    xmlSecTmplReferenceAddTransform(ref, xmlSecTransformExclC14NId) == NULL ||
	    (ki = xmlSecTmplSignatureEnsureKeyInfo(sig, NULL)) == NULL ||
	    (x509 = xmlSecTmplKeyInfoAddX509Data(ki)) == NULL ||
	    xmlSecTmplX509DataAddCertificate(x509) == NULL)
		goto out;
	tighten(doc, sig);
	if ((ctx = ctx_new(s)) == NULL)
		goto out;
	if (xmlSecDSigCtxSign(ctx, sig) < 0)
		goto out;
	tighten(doc, sig);
	rc = 0;
out:
	ctx_free(ctx);
	if (rc == -1) {
		snprintf(err, errlen, "försändelsen kunde inte signeras (xmlsec1: %s)",
		    xmlsec_first[0] != '\0' ? xmlsec_first : "okänt fel");
		return -1;
	}
	return check ? verify_enveloped(s, doc, err, errlen) : 0;
}
