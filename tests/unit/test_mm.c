/*
 * test_mm.c -- unit tests for pipeline/mm.c and mm_sign.c against the official Mina
 * meddelanden contract vendored in schemas/mina-meddelanden ($EXPEDIERA_CONTRACTS
 * overrides it; relative to the repository root the test runs from).
 *
 * Reads: the contract's samples (isReachableResponse.xml,
 * deliverSecureResponse.xml) and XSDs (schema/v3/Recipient.xsd,
 * schema/v3/Service.xsd and what they import, from files, never the network).
 * Writes: a temporary directory with a throw-away RSA key and self-signed
 * certificates made here with the OpenSSL API (never committed), the signed
 * documents xmlsec1 checks, and its log; all removed at the end.
 * Runs: xmlsec1 (Debian package xmlsec1) through posix_spawnp, to verify both
 * signatures the way a receiver does:
 *   xmlsec1 --verify --enabled-reference-uris empty --trusted-pem CERT signed.xml
 *   xmlsec1 --verify --enabled-reference-uris empty --trusted-pem CERT \
 *       --node-xpath OUTER sealed.xml
 * where signed.xml is the SignedDelivery taken out of the request on its own,
 * sealed.xml the inner deliverSecure's children put back under a
 * SealedDelivery element (Message v3), and OUTER (outer_sig below) the XPath
 * of the Signature that is a child of SealedDelivery: without it xmlsec1 would
 * start at the first Signature in document order, the SignedDelivery's.
 *
 * Prints "FAIL: ..." for each failing check and a summary line; exits 1 when
 * anything failed.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlIO.h>
#include <libxml/xmlschemas.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "mm.h"

extern char **environ;

#define NS_SOAP     "http://schemas.xmlsoap.org/soap/envelope/"
#define NS_RECIP3   "http://minameddelanden.gov.se/schema/Recipient/v3"
#define NS_SERVICE3 "http://minameddelanden.gov.se/schema/Service/v3"
#define NS_MSG      "http://minameddelanden.gov.se/schema/Message"
#define NS_MSG2     "http://minameddelanden.gov.se/schema/Message/v2"
#define NS_MSG3     "http://minameddelanden.gov.se/schema/Message/v3"
#define NS_SENDER   "http://minameddelanden.gov.se/schema/Sender"
#define NS_DSIG     "http://www.w3.org/2000/09/xmldsig#"

static int passed, failed;
static char contract[4096]; /* .../contracts/mina-meddelanden */
static char tmpdir[] = "/tmp/test_mm.XXXXXX";

static void
check(bool ok, const char *what, const char *detail)
{
	if (ok) {
		passed++;
		return;
	}
	failed++;
	printf("FAIL: %s: %s\n", what, detail != NULL ? detail : "");
}

static _Noreturn void
die(const char *what)
{
	rmdir(tmpdir); /* when made and still empty */
	printf("test_mm: %s\n", what);
	printf("test_mm: %d passed, %d failed\n", passed, failed + 1);
	exit(1);
}

static void *
xmalloc_t(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		die("out of memory");
	return p;
}

static char *
path_in(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = xmalloc_t(n);

	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

/* A whole file, NUL-terminated; NULL when it cannot be read. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *fp;
	char *buf;
	long n;

	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET) != 0) {
		fclose(fp);
		return NULL;
	}
	buf = xmalloc_t((size_t)n + 1);
	if (fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		fclose(fp);
		free(buf);
		return NULL;
	}
	fclose(fp);
	buf[n] = '\0';
	if (len != NULL)
		*len = (size_t)n;
	return buf;
}

static void
spit(const char *path, const char *buf, size_t len)
{
	FILE *fp;

	if ((fp = fopen(path, "wb")) == NULL || fwrite(buf, 1, len, fp) != len ||
	    fclose(fp) != 0)
		die("cannot write a temporary file");
}

/* s with every occurrence of from replaced by to; NULL when from does not occur. */
static char *
replace(const char *s, const char *from, const char *to)
{
	size_t nf = strlen(from), nt = strlen(to), count = 0, n;
	const char *p, *q;
	char *out, *o;

	for (p = s; (q = strstr(p, from)) != NULL; p = q + nf)
		count++;
	if (count == 0)
		return NULL;
	n = strlen(s) + count * nt + 1;
	o = out = xmalloc_t(n);
	for (p = s; (q = strstr(p, from)) != NULL; p = q + nf) {
		memcpy(o, p, (size_t)(q - p));
		o += q - p;
		memcpy(o, to, nt);
		o += nt;
	}
	memcpy(o, p, strlen(p) + 1);
	return out;
}

/* s without the text from `from' through `to' inclusive; NULL when not found. */
static char *
cut(const char *s, const char *from, const char *to)
{
	const char *a, *b;
	char *out;

	if ((a = strstr(s, from)) == NULL || (b = strstr(a, to)) == NULL)
		return NULL;
	b += strlen(to);
	out = xmalloc_t(strlen(s) + 1);
	memcpy(out, s, (size_t)(a - s));
	memcpy(out + (a - s), b, strlen(b) + 1);
	return out;
}

static bool
has_digit_run(const char *s, int len)
{
	int run = 0;

	for (; *s != '\0'; s++) {
		run = *s >= '0' && *s <= '9' ? run + 1 : 0;
		if (run >= len)
			return true;
	}
	return false;
}

/* ---- XML helpers ---- */

static bool
is(const xmlNode *n, const char *href, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	    xmlStrEqual(n->ns->href, BAD_CAST href) && xmlStrEqual(n->name, BAD_CAST name);
}

static xmlNodePtr
child(const xmlNode *parent, const char *href, const char *name)
{
	xmlNodePtr c;

	if (parent == NULL)
		return NULL;
	for (c = parent->children; c != NULL; c = c->next)
		if (is(c, href, name))
			return c;
	return NULL;
}

/* The text of n, or "" (static buffer for short texts; callers copy when needed). */
static char *
text_of(const xmlNode *n)
{
	xmlChar *t;
	char *s;

	if (n == NULL || (t = xmlNodeGetContent(n)) == NULL) {
		s = xmalloc_t(1);
		*s = '\0';
		return s;
	}
	s = xmalloc_t(strlen((char *)t) + 1);
	memcpy(s, t, strlen((char *)t) + 1);
	xmlFree(t);
	return s;
}

static bool
text_is(const xmlNode *n, const char *want)
{
	char *t = text_of(n);
	bool ok = n != NULL && strcmp(t, want) == 0;

	free(t);
	return ok;
}

static void
print_xml_error(void *ctx, xmlErrorPtr e)
{
	(void)ctx;
	if (e != NULL && e->message != NULL)
		printf("  xml: %s:%d: %s", e->file != NULL ? e->file : "", e->line, e->message);
}

static xmlDocPtr
parse(const char *buf, size_t len)
{
	return xmlReadMemory(buf, (int)len, "request.xml", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

static xmlSchemaPtr
load_schema(const char *rel)
{
	xmlSchemaParserCtxtPtr pc;
	xmlSchemaPtr s;
	char *path = path_in(contract, rel);

	if ((pc = xmlSchemaNewParserCtxt(path)) == NULL) {
		free(path);
		return NULL;
	}
	xmlSchemaSetParserStructuredErrors(pc, print_xml_error, NULL);
	s = xmlSchemaParse(pc);
	xmlSchemaFreeParserCtxt(pc);
	free(path);
	return s;
}

static bool
valid(xmlSchemaPtr s, xmlNodePtr elem)
{
	xmlSchemaValidCtxtPtr vc;
	int rc;

	if (s == NULL || elem == NULL || (vc = xmlSchemaNewValidCtxt(s)) == NULL)
		return false;
	xmlSchemaSetValidStructuredErrors(vc, print_xml_error, NULL);
	rc = xmlSchemaValidateOneElement(vc, elem);
	xmlSchemaFreeValidCtxt(vc);
	return rc == 0;
}

/* The payload of a SOAP envelope: the first element child of Body. */
static xmlNodePtr
soap_payload(xmlDocPtr doc)
{
	xmlNodePtr env = doc != NULL ? xmlDocGetRootElement(doc) : NULL, body, c;

	if (!is(env, NS_SOAP, "Envelope") || (body = child(env, NS_SOAP, "Body")) == NULL)
		return NULL;
	for (c = body->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return c;
	return NULL;
}

static void
save(xmlDocPtr doc, const char *path)
{
	if (xmlSaveFormatFileEnc(path, doc, "UTF-8", 0) < 0)
		die("cannot save a temporary XML file");
}

/* ---- keys and certificates, made at run time ---- */

static EVP_PKEY *
new_rsa(void)
{
	EVP_PKEY *pk = EVP_RSA_gen(2048);

	if (pk == NULL)
		die("cannot generate an RSA key");
	return pk;
}

static void
write_key(EVP_PKEY *pk, const char *path, const char *passphrase)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	FILE *fp;
	int ok;

	if (fd == -1 || (fp = fdopen(fd, "w")) == NULL)
		die("cannot create a key file");
	if (passphrase != NULL)
		ok = PEM_write_PrivateKey(fp, pk, EVP_aes_256_cbc(),
		    (const unsigned char *)passphrase, (int)strlen(passphrase), NULL, NULL);
	else
		ok = PEM_write_PrivateKey(fp, pk, NULL, NULL, 0, NULL, NULL);
	if (!ok || fclose(fp) != 0)
		die("cannot write a key file");
}

/* A self-signed certificate for pk, valid from `from' to `to' seconds from now. */
static void
write_cert(EVP_PKEY *pk, const char *path, long from, long to)
{
	X509 *x = X509_new();
	X509_NAME *name;
	FILE *fp;

	if (x == NULL || X509_set_version(x, 2) != 1 ||
	    ASN1_INTEGER_set(X509_get_serialNumber(x), 1) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), from) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), to) == NULL || X509_set_pubkey(x, pk) != 1)
		die("cannot make a certificate");
	name = X509_get_subject_name(x);
	if (X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC, (const unsigned char *)"SE", -1,
	    -1, 0) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
		(const unsigned char *)"Exempelby kommun", -1, -1, 0) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
		(const unsigned char *)"expediera test", -1, -1, 0) != 1 ||
	    X509_set_issuer_name(x, name) != 1 || X509_sign(x, pk, EVP_sha256()) <= 0)
		die("cannot sign a certificate");
	if ((fp = fopen(path, "w")) == NULL || PEM_write_X509(fp, x) != 1 || fclose(fp) != 0)
		die("cannot write a certificate");
	X509_free(x);
}

/* ---- running xmlsec1 ---- */

/* Runs argv with stdout and stderr to log; the exit status, or -1. */
static int
run(char *const argv[], const char *log)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status, rc;

	if (posix_spawn_file_actions_init(&fa) != 0)
		return -1;
	if (posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0600) ||
	    posix_spawn_file_actions_adddup2(&fa, 1, 2) ||
	    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)) {
		posix_spawn_file_actions_destroy(&fa);
		return -1;
	}
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0)
		return -1;
	while (waitpid(pid, &status, 0) == -1)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* xmlsec1 --verify of file (at the Signature node_xpath selects, when given). */
static bool
xmlsec_verify(const char *cert, const char *file, const char *node_xpath, bool show_log)
{
	char *log = path_in(tmpdir, "xmlsec1.log");
	char *argv[12];
	int i = 0, rc;

	argv[i++] = (char *)"xmlsec1";
	argv[i++] = (char *)"--verify";
	argv[i++] = (char *)"--enabled-reference-uris";
	argv[i++] = (char *)"empty";
	argv[i++] = (char *)"--trusted-pem";
	argv[i++] = (char *)cert;
	if (node_xpath != NULL) {
		argv[i++] = (char *)"--node-xpath";
		argv[i++] = (char *)node_xpath;
	}
	argv[i++] = (char *)file;
	argv[i] = NULL;
	rc = run(argv, log);
	if (rc != 0 && show_log) {
		char *out = slurp(log, NULL);

		printf("  xmlsec1 exit %d on %s:\n%s", rc, file, out != NULL ? out : "(no log)\n");
		free(out);
	}
	unlink(log);
	free(log);
	return rc == 0;
}

/* ---- isReachableResponse ---- */

struct reach_case {
	const char *name;
	/* The sample edited: every `from' replaced by `to', or, with cut_to, cut out. */
	const char *from, *to, *cut_to;
	const char *raw; /* instead of the sample, when not NULL */
	int rc;
	size_t n;
	bool reachable, pending, accepted, mailbox;
	const char *err; /* a substring of the message when rc == -1 */
};

static const char FAULT[] =
    "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>"
    "<soap:Fault><faultcode>soap:Client</faultcode>"
    "<faultstring>Mottagaren 190101010159\toch 19121212-1212\nfinns inte</faultstring>"
    "</soap:Fault></soap:Body></soap:Envelope>";

static const char BOMB[] =
    "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\">"
    "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
    "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">"
    "<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">"
    "<!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">"
    "<!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">"
    "<!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">"
    "<!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">"
    "<!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">]>\n"
    "<S:Envelope xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\"><S:Body>"
    "<ns1:isReachableResponse xmlns:ns1=\"http://minameddelanden.gov.se/schema/Recipient/v3\">"
    "&lol9;</ns1:isReachableResponse></S:Body></S:Envelope>";

static const char XXE[] =
    "<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\n"
    "<S:Envelope xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\"><S:Body>&e;</S:Body>"
    "</S:Envelope>";

/* Two answers, default namespaces instead of prefixes. */
static const char TWO[] =
    "<Envelope xmlns=\"http://schemas.xmlsoap.org/soap/envelope/\"><Body>"
    "<isReachableResponse xmlns=\"http://minameddelanden.gov.se/schema/Recipient/v3\">"
    "<return><AccountStatus xmlns=\"http://minameddelanden.gov.se/schema/Recipient\">"
    "<RecipientId>198101052382</RecipientId><Type>Secure</Type><Pending>0</Pending>"
    "<ServiceSupplier><Id>165560269986</Id><Name>Min Myndighetspost</Name>"
    "<ServiceAdress> https://mmp.example/deliverSecure </ServiceAdress>"
    "<InternalServiceAdress/></ServiceSupplier></AccountStatus>"
    "<SenderAccepted xmlns=\"http://minameddelanden.gov.se/schema/Recipient\">1"
    "</SenderAccepted></return>"
    "<return><AccountStatus xmlns=\"http://minameddelanden.gov.se/schema/Recipient\">"
    "<RecipientId>165568402266</RecipientId><Type>Not</Type><Pending>false</Pending>"
    "</AccountStatus><SenderAccepted xmlns=\"http://minameddelanden.gov.se/schema/Recipient\">"
    "false</SenderAccepted></return>"
    "</isReachableResponse></Body></Envelope>";

static const struct reach_case reach_cases[] = {
	{"the sample", NULL, NULL, NULL, NULL, 0, 1, true, false, true, true, NULL},
	{"Pending true", "<ns15:Pending>false", "<ns15:Pending>true", NULL, NULL, 0, 1, false,
	    true, true, true, NULL},
	{"SenderAccepted false", "<ns15:SenderAccepted>true", "<ns15:SenderAccepted>false",
	    NULL, NULL, 0, 1, false, false, false, true, NULL},
	{"no ServiceSupplier", "<ns15:ServiceSupplier>", NULL, "</ns15:ServiceSupplier>", NULL,
	    0, 1, false, false, true, false, NULL},
	{"empty ServiceAdress", "{{request.baseUrl}}/deliversecure", "", NULL, NULL, 0, 1,
	    false, false, true, false, NULL},
	{"other prefixes", "ns15", "r", NULL, NULL, 0, 1, true, false, true, true, NULL},
	{"wrong namespace", "xmlns:ns15=\"http://minameddelanden.gov.se/schema/Recipient\"",
	    "xmlns:ns15=\"http://minameddelanden.gov.se/schema/Recipient/v9\"", NULL, NULL, -1,
	    0, false, false, false, false, "AccountStatus"},
	{"Pending not a boolean", "<ns15:Pending>false", "<ns15:Pending>kanske", NULL, NULL,
	    -1, 0, false, false, false, false, "Pending"},
	{"no SenderAccepted", "<ns15:SenderAccepted>", NULL, "</ns15:SenderAccepted>", NULL,
	    -1, 0, false, false, false, false, "SenderAccepted"},
	{"bad RecipientId", "<ns15:RecipientId>190101010159", "<ns15:RecipientId>1901010101",
	    NULL, NULL, -1, 0, false, false, false, false, "RecipientId"},
	{"RecipientId with markup", "<ns15:RecipientId>190101010159",
	    "<ns15:RecipientId><b>190101010159</b>", NULL, NULL, -1, 0, false, false, false,
	    false, "RecipientId"},
	{"SOAP Fault", NULL, NULL, NULL, FAULT, -1, 0, false, false, false, false,
	    "Mottagaren 19010101**** och 19121212-**** finns inte"},
	{"garbage", NULL, NULL, NULL, "HTTP/1.1 502 Bad Gateway <<<", -1, 0, false, false,
	    false, false, "välformad"},
	{"not SOAP", NULL, NULL, NULL, "<isReachableResponse/>", -1, 0, false, false, false,
	    false, "SOAP"},
	{"entity bomb", NULL, NULL, NULL, BOMB, -1, 0, false, false, false, false, "DOCTYPE"},
	{"external entity", NULL, NULL, NULL, XXE, -1, 0, false, false, false, false,
	    "DOCTYPE"},
	{"empty", NULL, NULL, NULL, "", -1, 0, false, false, false, false, "tomt"},
	{"no answers", NULL, NULL, NULL,
	    "<S:Envelope xmlns:S=\"http://schemas.xmlsoap.org/soap/envelope/\"><S:Body>"
	    "<isReachableResponse xmlns=\"http://minameddelanden.gov.se/schema/Recipient/v3\"/>"
	    "</S:Body></S:Envelope>",
	    0, 0, false, false, false, false, NULL},
	{"two answers, default namespaces", NULL, NULL, NULL, TWO, 0, 2, true, false, true, true,
	    NULL},
};

static void
test_reach_table(const char *sample)
{
	size_t i;

	for (i = 0; i < sizeof(reach_cases) / sizeof(reach_cases[0]); i++) {
		const struct reach_case *c = &reach_cases[i];
		struct mm_reach *r = NULL;
		size_t n = 99;
		char err[256] = "", what[128], detail[512];
		char *in;
		int rc;

		snprintf(what, sizeof(what), "isReachableResponse: %s", c->name);
		if (c->raw != NULL)
			in = strdup(c->raw);
		else if (c->from == NULL)
			in = strdup(sample);
		else if (c->cut_to != NULL)
			in = cut(sample, c->from, c->cut_to);
		else
			in = replace(sample, c->from, c->to);
		if (in == NULL) {
			check(false, what, "the edit does not apply to the sample");
			continue;
		}
		rc = mm_parse_is_reachable(in, strlen(in), &r, &n, err, sizeof(err));
		snprintf(detail, sizeof(detail), "rc %d (want %d), err \"%s\"", rc, c->rc, err);
		check(rc == c->rc, what, detail);
		if (rc == -1 && c->err != NULL)
			check(strstr(err, c->err) != NULL, what, detail);
		if (rc == -1) {
			check(!has_digit_run(err, 10), "error message masks personnummer", err);
			check(strpbrk(err, "\n\t") == NULL, "error message has no control characters",
			    err);
		}
		if (rc == 0) {
			snprintf(detail, sizeof(detail), "n %zu (want %zu)", n, c->n);
			check(n == c->n, what, detail);
		}
		if (rc == 0 && n > 0 && n == c->n) {
			snprintf(detail, sizeof(detail),
			    "reachable %d pending %d accepted %d mailbox %d", mm_reachable(&r[0]),
			    r[0].pending, r[0].sender_accepted, r[0].has_mailbox);
			check(mm_reachable(&r[0]) == c->reachable && r[0].pending == c->pending &&
			    r[0].sender_accepted == c->accepted && r[0].has_mailbox == c->mailbox,
			    what, detail);
			check(!c->mailbox || r[0].service_address != NULL, what, "ServiceAdress");
			check(c->mailbox || r[0].service_address == NULL, what, "no ServiceAdress");
		}
		if (rc == 0 && i == 0 && n == 1) {
			check(strcmp(r[0].id, "190101010159") == 0, "sample RecipientId", r[0].id);
			check(r[0].supplier_name != NULL && strcmp(r[0].supplier_name, "Kivra") == 0,
			    "sample ServiceSupplier/Name", r[0].supplier_name);
			check(r[0].service_address != NULL &&
			    strcmp(r[0].service_address, "{{request.baseUrl}}/deliversecure") == 0,
			    "sample ServiceAdress", r[0].service_address);
		}
		if (rc == 0 && c->raw == TWO && n == 2) {
			check(strcmp(r[0].id, "198101052382") == 0 &&
			    strcmp(r[1].id, "165568402266") == 0, "two answers: ids", r[1].id);
			check(r[0].service_address != NULL &&
			    strcmp(r[0].service_address, "https://mmp.example/deliverSecure") == 0,
			    "two answers: ServiceAdress trimmed", r[0].service_address);
			check(!mm_reachable(&r[1]) && !r[1].has_mailbox && !r[1].sender_accepted,
			    "two answers: the second has no mailbox", NULL);
		}
		if (rc == -1)
			check(n == 99 && r == NULL, what, "outputs touched on error");
		mm_reach_free(r, rc == 0 ? n : 0);
		free(in);
	}
}

static void
test_reach_oversize(const char *sample)
{
	size_t n0 = strlen(sample), len = MM_MAX_ANSWER + 1, i;
	char *big = xmalloc_t(len + 1), err[256] = "";
	struct mm_reach *r = NULL;
	size_t n = 0;
	int rc;

	/* The sample, then white space past the cap: well-formed, just too large. */
	memcpy(big, sample, n0);
	for (i = n0; i < len; i++)
		big[i] = ' ';
	big[len] = '\0';
	rc = mm_parse_is_reachable(big, len, &r, &n, err, sizeof(err));
	check(rc == -1 && strstr(err, "för stort") != NULL, "isReachableResponse: oversize", err);
	mm_reach_free(r, rc == 0 ? n : 0);
	/* One byte under the cap is read. */
	rc = mm_parse_is_reachable(big, MM_MAX_ANSWER, &r, &n, err, sizeof(err));
	check(rc == 0 && n == 1, "isReachableResponse: just under the cap", err);
	mm_reach_free(r, rc == 0 ? n : 0);
	free(big);
}

/* ---- deliverSecureResponse ---- */

static void
test_deliver_response(const char *sample)
{
	static const struct {
		const char *name, *from, *to;
		size_t tlen;
		int rc;
		bool delivered;
		const char *err;
	} cases[] = {
		{"the sample", NULL, NULL, 128, 0, true, NULL},
		{"Delivered false", "<ns10:Delivered>true", "<ns10:Delivered>false", 128, 0, false,
		    NULL},
		{"TransId too long for the buffer", NULL, NULL, 16, -1, false, "TransId"},
		{"no Status", "<ns10:Status>", "</ns10:Status>", 128, -1, false, "Status"},
		{"empty TransId", "3832352f-fa74-4c17-ab6a-a6e3ab8324f3", "", 128, -1, false,
		    "TransId"},
		{"Delivered not a boolean", "<ns10:Delivered>true", "<ns10:Delivered>ja", 128, -1,
		    false, "Delivered"},
	};
	static const char fault[] =
	    "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>"
	    "<soap:Fault><faultcode>soap:Server</faultcode>"
	    "<faultstring>Meddelandet är för stort</faultstring></soap:Fault></soap:Body>"
	    "</soap:Envelope>";
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *in, err[256] = "", tid[128] = "", what[128], detail[512];
		bool delivered = !cases[i].delivered;
		int rc;

		snprintf(what, sizeof(what), "deliverSecureResponse: %s", cases[i].name);
		if (cases[i].from == NULL)
			in = strdup(sample);
		else if (strcmp(cases[i].name, "no Status") == 0)
			in = cut(sample, cases[i].from, cases[i].to);
		else
			in = replace(sample, cases[i].from, cases[i].to);
		if (in == NULL) {
			check(false, what, "the edit does not apply to the sample");
			continue;
		}
		rc = mm_parse_deliver_secure(in, strlen(in), &delivered, tid, cases[i].tlen, err,
		    sizeof(err));
		snprintf(detail, sizeof(detail), "rc %d delivered %d transid \"%s\" err \"%s\"", rc,
		    delivered, tid, err);
		check(rc == cases[i].rc, what, detail);
		if (rc == 0)
			check(delivered == cases[i].delivered &&
			    strcmp(tid, "3832352f-fa74-4c17-ab6a-a6e3ab8324f3") == 0, what, detail);
		if (rc == -1 && cases[i].err != NULL)
			check(strstr(err, cases[i].err) != NULL, what, detail);
		free(in);
	}
	{
		char err[256] = "", tid[128] = "";
		bool delivered = true;
		int rc = mm_parse_deliver_secure(fault, strlen(fault), &delivered, tid, sizeof(tid),
		    err, sizeof(err));

		check(rc == -1 && strstr(err, "Meddelandet är för stort") != NULL &&
		    strstr(err, "soap:Server") != NULL, "deliverSecureResponse: SOAP Fault", err);
		rc = mm_parse_deliver_secure("<<<", 3, &delivered, tid, sizeof(tid), err,
		    sizeof(err));
		check(rc == -1, "deliverSecureResponse: garbage", err);
	}
}

/* ---- isReachable request ---- */

static void
test_reach_request(xmlSchemaPtr recipient)
{
	static const char *const ids[] = {"190101010159", "198101652382", "165568402266"};
	static const struct {
		const char *name, *sender;
		const char *id;
		size_t n;
		bool ok;
	} cases[] = {
		{"ten-digit organisationsnummer", "2120002411", NULL, 3, true},
		{"twelve-digit sender id", "162120002411", NULL, 3, true},
		{"no recipients", "2120002411", NULL, 0, true},
		{"sender too short", "21200024", NULL, 3, false},
		{"sender not 16-prefixed", "172120002411", NULL, 3, false},
		{"sender with a dash", "212000-2411", NULL, 3, false},
		{"ten-digit recipient", "2120002411", "1901010159", 1, false},
		{"recipient with month 13", "2120002411", "190113010159", 1, false},
		{"recipient with a dash", "2120002411", "19010101-0159", 1, false},
		{"1001 recipients", "2120002411", "190101010159", 1001, false},
	};
	size_t i, k;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char **list = NULL;
		char what[128], *req;
		size_t len = 0;
		xmlDocPtr doc;
		xmlNodePtr p, c;
		int nids = 0;

		snprintf(what, sizeof(what), "isReachable request: %s", cases[i].name);
		if (cases[i].id != NULL) {
			list = xmalloc_t(cases[i].n * sizeof(*list));
			for (k = 0; k < cases[i].n; k++)
				list[k] = cases[i].id;
		}
		req = mm_is_reachable_request(cases[i].sender,
		    list != NULL ? list : cases[i].n ? ids : NULL, cases[i].n, &len);
		free(list);
		check((req != NULL) == cases[i].ok, what, req != NULL ? "built" : "refused");
		if (req == NULL || !cases[i].ok) {
			free(req);
			continue;
		}
		doc = parse(req, len);
		p = soap_payload(doc);
		check(is(p, NS_RECIP3, "isReachable"), what, "Body holds isReachable (Recipient v3)");
		check(valid(recipient, p), what, "valid against schema/v3/Recipient.xsd");
		check(text_is(child(p, NS_RECIP3, "senderOrgNr"), "162120002411"), what,
		    "senderOrgNr is \"16\" + the organisationsnummer");
		for (c = p != NULL ? p->children : NULL; c != NULL; c = c->next)
			if (is(c, NS_RECIP3, "recipientId"))
				check(text_is(c, ids[nids++]), what, "recipientId in order");
		check((size_t)nids == cases[i].n, what, "one recipientId per id");
		xmlFreeDoc(doc);
		free(req);
	}
}

/* ---- deliverSecure request ---- */

static unsigned char *
fake_pdf(size_t n)
{
	static const char head[] = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n";
	unsigned char *p = xmalloc_t(n);
	unsigned long x = 12345;
	size_t i;

	for (i = 0; i < n; i++) {
		x = x * 1103515245UL + 12345UL;
		p[i] = (unsigned char)(x >> 16);
	}
	memcpy(p, head, sizeof(head) - 1 < n ? sizeof(head) - 1 : n);
	return p;
}

static struct mm_message
message(const unsigned char *pdf, size_t len)
{
	struct mm_message m;

	memset(&m, 0, sizeof(m));
	m.sender_id = "162120002411";
	m.sender_name = "Socialnämnden i Exempelby";
	m.recipient_id = "190101010159";
	m.message_id = "expediera-2026-11-18-122-2";
	m.subject = "Beslut från Socialnämnden i Exempelby";
	m.support_text = "Frågor om beslutet: kontakta Socialnämnden, telefon 0123-456 78.";
	m.support_url = "https://www.exempelby.se/socialnamnden";
	m.support_phone = "0123-456 78";
	m.support_email = "socialnamnden@exempelby.se";
	m.pdf = pdf;
	m.pdf_len = len;
	m.pdf_name = "beslut-122.pdf";
	return m;
}

static unsigned char *
unbase64(const char *s, size_t *len)
{
	size_t n = strlen(s);
	unsigned char *out = xmalloc_t(n / 4 * 3 + 3);
	int r;

	if (n % 4 != 0 || (r = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n)) < 0) {
		free(out);
		return NULL;
	}
	if (n >= 1 && s[n - 1] == '=')
		r--;
	if (n >= 2 && s[n - 2] == '=')
		r--;
	*len = (size_t)r;
	return out;
}

/* No element under n has a namespace prefix, and no text sits between elements. */
static bool
sample_shape(const xmlNode *n)
{
	const xmlNode *c;
	bool elems = false;

	for (c = n->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			elems = true;
	for (c = n->children; c != NULL; c = c->next) {
		if (c->type == XML_ELEMENT_NODE) {
			if (c->ns == NULL || c->ns->prefix != NULL || !sample_shape(c))
				return false;
		} else if (elems)
			return false;
	}
	return true;
}

static void
check_signature(const xmlNode *sig, const char *cert_b64, const char *what)
{
	xmlNodePtr si = child(sig, NS_DSIG, "SignedInfo"), ref, tr, t, kd;
	char *got;

	check(sig != NULL && si != NULL, what, "Signature/SignedInfo");
	{
		xmlChar *cm = xmlGetProp(child(si, NS_DSIG, "CanonicalizationMethod"),
		    BAD_CAST "Algorithm");

		check(xmlStrEqual(cm, BAD_CAST "http://www.w3.org/2001/10/xml-exc-c14n#"), what,
		    "CanonicalizationMethod exclusive C14N");
		xmlFree(cm);
	}
	ref = child(si, NS_DSIG, "Reference");
	check(ref != NULL && xmlHasProp(ref, BAD_CAST "URI") != NULL, what, "Reference URI");
	if (ref != NULL) {
		xmlChar *v = xmlGetProp(ref, BAD_CAST "URI");

		check(v != NULL && *v == '\0', what, "Reference URI=\"\"");
		xmlFree(v);
	}
	tr = child(ref, NS_DSIG, "Transforms");
	t = tr != NULL ? child(tr, NS_DSIG, "Transform") : NULL;
	{
		xmlChar *a1 = t != NULL ? xmlGetProp(t, BAD_CAST "Algorithm") : NULL, *a2 = NULL;
		xmlNodePtr t2 = t != NULL ? t->next : NULL;

		while (t2 != NULL && t2->type != XML_ELEMENT_NODE)
			t2 = t2->next;
		a2 = t2 != NULL ? xmlGetProp(t2, BAD_CAST "Algorithm") : NULL;
		check(xmlStrEqual(a1, BAD_CAST "http://www.w3.org/2000/09/xmldsig#enveloped-signature") &&
		    xmlStrEqual(a2, BAD_CAST "http://www.w3.org/2001/10/xml-exc-c14n#"), what,
		    "Transforms enveloped-signature, exclusive C14N");
		xmlFree(a1);
		xmlFree(a2);
	}
	{
		xmlChar *sm = xmlGetProp(child(si, NS_DSIG, "SignatureMethod"), BAD_CAST "Algorithm");
		xmlChar *dm = xmlGetProp(child(ref, NS_DSIG, "DigestMethod"), BAD_CAST "Algorithm");

		check(xmlStrEqual(sm, BAD_CAST "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"),
		    what, "SignatureMethod RSA-SHA256");
		check(xmlStrEqual(dm, BAD_CAST "http://www.w3.org/2001/04/xmlenc#sha256"), what,
		    "DigestMethod SHA-256");
		xmlFree(sm);
		xmlFree(dm);
	}
	kd = child(child(sig, NS_DSIG, "KeyInfo"), NS_DSIG, "X509Data");
	got = text_of(child(kd, NS_DSIG, "X509Certificate"));
	check(strcmp(got, cert_b64) == 0, what, "KeyInfo/X509Data/X509Certificate is the "
	    "signing certificate");
	free(got);
}

/* The base64 body of a PEM file, without line breaks. */
static char *
pem_body(const char *path)
{
	char *pem = slurp(path, NULL), *out, *o;
	const char *p, *end;

	if (pem == NULL || (p = strstr(pem, "-----\n")) == NULL ||
	    (end = strstr(p, "\n-----END")) == NULL)
		die("cannot read back the certificate");
	o = out = xmalloc_t(strlen(pem) + 1);
	for (p += 6; p < end; p++)
		if (*p != '\n')
			*o++ = *p;
	*o = '\0';
	free(pem);
	return out;
}

static void
test_deliver_request(xmlSchemaPtr service)
{
	char *key = path_in(tmpdir, "key.pem"), *cert = path_in(tmpdir, "cert.pem");
	char *key2 = path_in(tmpdir, "other-key.pem"), *expired = path_in(tmpdir, "expired.pem");
	char *enc = path_in(tmpdir, "encrypted-key.pem");
	char *signed_path = path_in(tmpdir, "signed.xml"), *sealed_path = path_in(tmpdir,
	    "sealed.xml");
	char err[256], *req, *cert_b64, *wire, *t;
	EVP_PKEY *pk = new_rsa(), *pk2 = new_rsa();
	struct mm_signer *s;
	struct mm_message m;
	unsigned char *pdf, *back;
	size_t len = 0, blen = 0, pdf_len = 200 * 1024;
	xmlDocPtr doc, sdoc, sealed;
	xmlNodePtr outer, inner, sd, seal, c, root, mh, att, body;
	const char *outer_sig = "/*[local-name()='SealedDelivery']/*[local-name()='Signature']";

	write_key(pk, key, NULL);
	write_key(pk2, key2, NULL);
	write_key(pk, enc, "hemligt");
	write_cert(pk, cert, -3600, 2 * 86400);
	write_cert(pk, expired, -3 * 86400, -86400);

	/* Signers that must not be made. */
	{
		static const struct {
			const char *name;
			int cert, key; /* 0 cert, 1 key, 2 other key, 3 expired, 4 encrypted, 5 missing */
			const char *err;
		} bad[] = {
			{"key of another certificate", 0, 2, "hör inte till"},
			{"expired certificate", 3, 1, "gått ut"},
			{"encrypted key, no prompt", 0, 4, "okrypterad"},
			{"missing key file", 0, 5, "kunde inte öppnas"},
			{"a key where the certificate goes", 1, 1, "inget certifikat"},
		};
		const char *files[6];
		char *missing = path_in(tmpdir, "missing.pem");
		size_t i;

		files[0] = cert;
		files[1] = key;
		files[2] = key2;
		files[3] = expired;
		files[4] = enc;
		files[5] = missing;
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			char what[128];

			err[0] = '\0';
			s = mm_signer_new(files[bad[i].cert], files[bad[i].key], err, sizeof(err));
			snprintf(what, sizeof(what), "mm_signer_new: %s", bad[i].name);
			check(s == NULL && strstr(err, bad[i].err) != NULL, what, err);
			mm_signer_free(s);
		}
		free(missing);
	}

	err[0] = '\0';
	if ((s = mm_signer_new(cert, key, err, sizeof(err))) == NULL) {
		check(false, "mm_signer_new", err);
		goto out;
	}
	pdf = fake_pdf(pdf_len);
	m = message(pdf, pdf_len);
	err[0] = '\0';
	req = mm_deliver_secure_request(s, &m, &len, err, sizeof(err));
	check(req != NULL && len > pdf_len && len <= MM_MAX_MESSAGE, "deliverSecure: built", err);
	if (req == NULL) {
		free(pdf);
		mm_signer_free(s);
		goto out;
	}
	cert_b64 = pem_body(cert);
	doc = parse(req, len);
	outer = soap_payload(doc);
	check(is(outer, NS_SERVICE3, "deliverSecure"), "deliverSecure: Body holds deliverSecure",
	    NULL);
	check(valid(service, outer), "deliverSecure: valid against schema/v3/Service.xsd", NULL);
	inner = child(outer, NS_SERVICE3, "deliverSecure");
	sd = child(inner, NS_MSG3, "SignedDelivery");
	seal = child(inner, NS_MSG3, "Seal");
	check(sd != NULL && seal != NULL && child(inner, NS_DSIG, "Signature") != NULL,
	    "deliverSecure: SignedDelivery, Seal, Signature", NULL);
	check(inner != NULL && sample_shape(inner),
	    "deliverSecure: default namespaces only, no white space (as the sample)", NULL);

	/* The message itself. */
	root = child(sd, NS_MSG3, "Delivery");
	check(text_is(child(child(child(root, NS_MSG3, "Header"), NS_MSG2, "Sender"), NS_SENDER,
	    "Id"), "162120002411"), "deliverSecure: Sender/Id", NULL);
	check(text_is(child(child(root, NS_MSG3, "Header"), NS_MSG2, "Recipient"),
	    "190101010159"), "deliverSecure: Recipient", NULL);
	mh = child(child(root, NS_MSG3, "Message"), NS_MSG3, "Header");
	t = text_of(child(mh, NS_MSG3, "Subject"));
	check(strcmp(t, m.subject) == 0 && !has_digit_run(t, 6),
	    "deliverSecure: Subject, without any personnummer-like digits", t);
	free(t);
	check(text_is(child(mh, NS_MSG3, "Language"), "svSE"), "deliverSecure: Language svSE",
	    NULL);
	check(text_is(child(mh, NS_MSG3, "Id"), m.message_id), "deliverSecure: Message Id", NULL);
	check(text_is(child(child(mh, NS_MSG3, "Supportinfo"), NS_MSG3, "Text"), m.support_text),
	    "deliverSecure: Supportinfo/Text", NULL);
	body = child(child(root, NS_MSG3, "Message"), NS_MSG3, "Body");
	check(text_is(child(body, NS_MSG, "ContentType"), "text/plain"),
	    "deliverSecure: Body/ContentType", NULL);
	t = text_of(child(body, NS_MSG, "Body"));
	back = unbase64(t, &blen);
	{
		static const char want[] = "Du har fått ett beslut från Socialnämnden i Exempelby. "
		    "Beslutet finns i den bifogade filen.";

		check(back != NULL && blen == strlen(want) && memcmp(back, want, blen) == 0,
		    "deliverSecure: Body text", NULL);
	}
	free(back);
	free(t);
	att = child(child(root, NS_MSG3, "Message"), NS_MSG3, "Attachment");
	check(text_is(child(att, NS_MSG, "ContentType"), "application/pdf"),
	    "deliverSecure: Attachment/ContentType", NULL);
	check(text_is(child(att, NS_MSG, "Filename"), "beslut-122.pdf"),
	    "deliverSecure: Attachment/Filename", NULL);
	t = text_of(child(att, NS_MSG, "Body"));
	back = unbase64(t, &blen);
	check(back != NULL && blen == pdf_len && memcmp(back, pdf, pdf_len) == 0,
	    "deliverSecure: the attachment decodes to the same bytes", NULL);
	free(back);
	free(t);
	{
		unsigned char md[EVP_MAX_MD_SIZE];
		unsigned int mdlen = 0, i;
		char hex[33];

		EVP_Digest(pdf, pdf_len, md, &mdlen, EVP_md5(), NULL);
		for (i = 0; i < 16; i++)
			snprintf(hex + 2 * i, 3, "%02X", md[i]);
		t = text_of(child(att, NS_MSG, "Checksum"));
		check(strcmp(t, hex) == 0, "deliverSecure: Checksum is the MD5 of the PDF (hex)", t);
		free(t);
	}
	{
		char today[11];
		time_t now = time(NULL);
		struct tm tm;

		localtime_r(&now, &tm);
		strftime(today, sizeof(today), "%Y-%m-%d", &tm);
		check(text_is(child(seal, NS_MSG, "ReceivedTime"), today) &&
		    text_is(child(seal, NS_MSG, "SignaturesOK"), "true"),
		    "deliverSecure: Seal ReceivedTime today, SignaturesOK", NULL);
	}
	check_signature(child(sd, NS_DSIG, "Signature"), cert_b64, "inner signature");
	check_signature(child(inner, NS_DSIG, "Signature"), cert_b64, "outer signature");

	/* The SignedDelivery on its own, as a receiver takes it out. */
	sdoc = xmlNewDoc(BAD_CAST "1.0");
	c = xmlDocCopyNode(sd, sdoc, 1);
	xmlDocSetRootElement(sdoc, c);
	save(sdoc, signed_path);
	xmlFreeDoc(sdoc);
	/* The SealedDelivery put back together from the inner deliverSecure's children. */
	sealed = xmlNewDoc(BAD_CAST "1.0");
	root = xmlNewDocNode(sealed, NULL, BAD_CAST "SealedDelivery", NULL);
	xmlSetNs(root, xmlNewNs(root, BAD_CAST NS_MSG3, NULL));
	xmlDocSetRootElement(sealed, root);
	for (c = inner->children; c != NULL; c = c->next)
		xmlAddChild(root, xmlDocCopyNode(c, sealed, 1));
	save(sealed, sealed_path);
	xmlFreeDoc(sealed);

	check(xmlsec_verify(cert, signed_path, NULL, true),
	    "xmlsec1 verifies the SignedDelivery's signature", NULL);
	check(xmlsec_verify(cert, sealed_path, outer_sig, true),
	    "xmlsec1 verifies the SealedDelivery's signature", NULL);
	/* And fails when anything under them changes. */
	wire = slurp(signed_path, NULL);
	t = replace(wire, "Beslut från Socialnämnden", "Beslut från Överförmyndaren");
	spit(signed_path, t, strlen(t));
	check(!xmlsec_verify(cert, signed_path, NULL, false),
	    "xmlsec1 rejects a SignedDelivery with another subject", NULL);
	free(t);
	free(wire);
	wire = slurp(sealed_path, NULL);
	t = replace(wire, "SignaturesOK xmlns=\"http://minameddelanden.gov.se/schema/Message\">true",
	    "SignaturesOK xmlns=\"http://minameddelanden.gov.se/schema/Message\">false");
	check(t != NULL, "sealed.xml holds SignaturesOK", NULL);
	if (t != NULL) {
		spit(sealed_path, t, strlen(t));
		check(!xmlsec_verify(cert, sealed_path, outer_sig, false),
		    "xmlsec1 rejects a SealedDelivery with another Seal", NULL);
	}
	free(t);
	free(wire);
	xmlFreeDoc(doc);
	free(req);
	free(cert_b64);

	/* Messages that must not be built. */
	{
		static const struct {
			const char *name;
			int field;
			const char *value;
			const char *err;
		} bad[] = {
			{"personnummer in the subject", 0, "Beslut om 19010101-0159", "sifferföljd"},
			{"twelve digits in the subject", 0, "Beslut 190101010159", "sifferföljd"},
			{"empty subject", 0, "", "ämnesraden"},
			{"no support text", 1, NULL, "supportinformationen"},
			{"recipient with month 13", 2, "190113010159", "mottagarens id"},
			{"sender without 16", 3, "2120002411", "avsändarens id"},
			{"bad e-mail", 4, "socialnamnden-at-exempelby", "e-post"},
			{"path in the file name", 5, "../beslut.pdf", "filnamn"},
			{"control character in the subject", 0, "Beslut\x07", "styrtecken"},
			{"invalid UTF-8 in the name", 6, "Socialn\xe4mnden", "UTF-8"},
		};
		size_t i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			struct mm_message b = m;
			char what[128];
			size_t l = 0;

			switch (bad[i].field) {
			case 0: b.subject = bad[i].value; break;
			case 1: b.support_text = bad[i].value; break;
			case 2: b.recipient_id = bad[i].value; break;
			case 3: b.sender_id = bad[i].value; break;
			case 4: b.support_email = bad[i].value; break;
			case 5: b.pdf_name = bad[i].value; break;
			case 6: b.sender_name = bad[i].value; break;
			}
			err[0] = '\0';
			req = mm_deliver_secure_request(s, &b, &l, err, sizeof(err));
			snprintf(what, sizeof(what), "deliverSecure refused: %s", bad[i].name);
			check(req == NULL && strstr(err, bad[i].err) != NULL, what, err);
			free(req);
		}
		m.pdf = (const unsigned char *)"<html>";
		m.pdf_len = 6;
		req = mm_deliver_secure_request(s, &m, &len, err, sizeof(err));
		check(req == NULL && strstr(err, "ingen PDF") != NULL,
		    "deliverSecure refused: not a PDF", err);
		free(req);
	}
	free(pdf);

	/* Size: 3 MB is refused, so is what base64 takes past 2 MB; just under passes. */
	{
		static const struct {
			const char *name;
			size_t len;
			bool ok;
		} sizes[] = {
			{"a 3 MB PDF", 3 * 1024 * 1024, false},
			{"a PDF that base64 takes past 2 MB", MM_MAX_MESSAGE / 4 * 3 + 1, false},
			{"a PDF just under the limit", (MM_MAX_MESSAGE - 16 * 1024) / 4 * 3, true},
		};
		size_t i;

		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			char what[128];

			pdf = fake_pdf(sizes[i].len);
			m = message(pdf, sizes[i].len);
			err[0] = '\0';
			len = 0;
			req = mm_deliver_secure_request(s, &m, &len, err, sizeof(err));
			snprintf(what, sizeof(what), "deliverSecure size: %s", sizes[i].name);
			if (sizes[i].ok)
				check(req != NULL && len <= MM_MAX_MESSAGE, what, err);
			else
				check(req == NULL && strstr(err, "för stor för Mina meddelanden") != NULL,
				    what, err);
			free(req);
			free(pdf);
		}
	}
	mm_signer_free(s);
out:
	EVP_PKEY_free(pk);
	EVP_PKEY_free(pk2);
	unlink(key);
	unlink(key2);
	unlink(enc);
	unlink(cert);
	unlink(expired);
	unlink(signed_path);
	unlink(sealed_path);
	free(key);
	free(key2);
	free(enc);
	free(cert);
	free(expired);
	free(signed_path);
	free(sealed_path);
}

int
main(void)
{
	const char *dir = getenv("EXPEDIERA_CONTRACTS");
	char *p, *reach, *deliver;
	xmlSchemaPtr recipient, service;

	if (dir == NULL || *dir == '\0')
		dir = "schemas/mina-meddelanden";
	snprintf(contract, sizeof(contract), "%s", dir);
	LIBXML_TEST_VERSION
	/* The XSDs import each other by relative path: files only, never the network. */
	xmlSetExternalEntityLoader(xmlNoNetExternalEntityLoader);
	if (mkdtemp(tmpdir) == NULL)
		die("cannot make a temporary directory");

	p = path_in(contract, "samples/isReachableResponse.xml");
	reach = slurp(p, NULL);
	free(p);
	p = path_in(contract, "samples/deliverSecureResponse.xml");
	deliver = slurp(p, NULL);
	free(p);
	if (reach == NULL || deliver == NULL)
		die("cannot read the samples; run from the repository root or set EXPEDIERA_CONTRACTS");
	recipient = load_schema("schema/v3/Recipient.xsd");
	service = load_schema("schema/v3/Service.xsd");
	check(recipient != NULL, "schema/v3/Recipient.xsd compiles (no network)", NULL);
	check(service != NULL, "schema/v3/Service.xsd compiles (no network)", NULL);

	test_reach_table(reach);
	test_reach_oversize(reach);
	test_deliver_response(deliver);
	test_reach_request(recipient);
	test_deliver_request(service);

	free(reach);
	free(deliver);
	xmlSchemaFree(recipient);
	xmlSchemaFree(service);
	mm_cleanup();
	xmlCleanupParser();
	rmdir(tmpdir);
	printf("test_mm: %d passed, %d failed\n", passed, failed);
	return failed > 0;
}
