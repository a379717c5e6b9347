/*
 * mm.h -- the Mina meddelanden service contract (SPEC section 6 and
 * schemas/mina-meddelanden): the SOAP requests expediera sends,
 * built with libxml2 and signed with xmlsec1, and the answers it reads.
 * No transport here (that is the delivery back-end's); everything is bytes in,
 * bytes out, so it can be tested against the official XSDs and samples.
 *
 * Answers are untrusted: parsed with XML_PARSE_NONET and no entities (a
 * <!DOCTYPE> stops the parse), at most MM_MAX_ANSWER bytes (mm_http caps them
 * too), elements matched by namespace URI and local name, never by prefix;
 * anything unexpected is an error, never a guess.
 *
 * Global state: the first mm_signer_new() initializes xmlsec1 and its OpenSSL
 * back-end (linked directly, no dynamic loading) for the whole process;
 * mm_cleanup() shuts it down.  Not thread-safe: call from the main thread.
 */
#ifndef EXPEDIERA_MM_H
#define EXPEDIERA_MM_H

#include <stdbool.h>
#include <stddef.h>

/* What the address register said about one recipient (isReachable v3). */
struct mm_reach {
	char id[13];             /* RecipientId as answered: 12 digits */
	bool pending;            /* AccountStatus/Pending */
	bool has_mailbox;        /* a ServiceSupplier with a ServiceAdress */
	bool sender_accepted;    /* SenderAccepted */
	char *service_address;   /* the operator's ServiceAdress, or NULL */
	char *supplier_name;     /* ServiceSupplier/Name, or NULL */
};

/*
 * true when a digital delivery may go: an account, not pending, with a
 * ServiceSupplier whose ServiceAdress is not empty, accepting us as sender.
 */
bool mm_reachable(const struct mm_reach *);

/*
 * The SOAP request isReachable (Recipient v3) for sender_orgnr and ids[0..n),
 * n at most 1000.  senderOrgNr is of type Sender.xsd OrganizationNumber, twelve
 * digits matching 16\d{10}: sender_orgnr may be the 10-digit
 * organisationsnummer (sent as "16" + it) or that 12-digit form.  Each id is a
 * RecipientId (Recipient.xsd): 12 digits, a personnummer or samordningsnummer
 * (YYYYMMDDNNNN) or "16" + an organisationsnummer.  Returns a malloc'd buffer
 * of *len bytes, or NULL when an argument is not of those forms.
 */
char *mm_is_reachable_request(const char *sender_orgnr, const char *const *ids, size_t n,
    size_t *len);

/*
 * Parses an isReachableResponse; *out is a malloc'd array of *n answers (free
 * with mm_reach_free; NULL when *n is 0).  A SOAP Fault or anything
 * unparseable: -1 with a Swedish message in err, and *out, *n untouched.
 */
int mm_parse_is_reachable(const char *buf, size_t len, struct mm_reach **out, size_t *n,
    char *err, size_t errlen);
void mm_reach_free(struct mm_reach *, size_t n);

/*
 * The signing key and certificate, loaded once (xmlsec1 with OpenSSL) from
 * PEM files: an unencrypted RSA key that belongs to the certificate, and a
 * certificate valid today.  NULL with a Swedish message otherwise.
 */
struct mm_signer;
struct mm_signer *mm_signer_new(const char *cert_pem, const char *key_pem, char *err,
    size_t errlen);
void mm_signer_free(struct mm_signer *);

/*
 * Shuts down xmlsec1 and its OpenSSL back-end after the last signer is freed
 * (a no-op when none was ever made).  libxml2 itself is left to the caller's
 * xmlCleanupParser().
 */
void mm_cleanup(void);

/* One secure message: one försändelse to one recipient. */
struct mm_message {
	const char *sender_id;     /* "16" + organisationsnummer, 12 digits */
	const char *sender_name;   /* the nämnd */
	const char *recipient_id;  /* 12 digits */
	const char *message_id;    /* stable per försändelse: a retry reuses it */
	const char *subject;       /* no names, no case type: e.g. "Beslut från Socialnämnden" */
	const char *support_text;  /* Supportinfo/Text: who to contact */
	const char *support_url;   /* may be NULL */
	const char *support_phone; /* may be NULL */
	const char *support_email; /* may be NULL */
	const unsigned char *pdf;  /* the försändelse */
	size_t pdf_len;
	const char *pdf_name;      /* attachment file name */
};

/*
 * The SOAP request deliverSecure (Service v3) carrying a SealedDelivery: a
 * SignedDelivery (Header with sender and recipient, one SecureMessage with a
 * short text/plain body, the PDF attachment and its MD5 checksum, Language
 * svSE) with an enveloped XML signature (RSA-SHA256, exclusive C14N, SHA-256
 * digest, the X.509 certificate in KeyInfo, Reference URI=""), made over the
 * SignedDelivery as a document of its own; then a Seal (today's date,
 * SignaturesOK) and a second such signature over the whole SealedDelivery.
 * On the wire the SealedDelivery's children sit in the inner deliverSecure
 * element, unchanged, so a receiver that puts them back under a SealedDelivery
 * element (Message v3) verifies the outer signature, and the SignedDelivery
 * taken out on its own verifies the inner one.  The subject may hold no run of
 * six or more digits (no personnummer).  Returns a malloc'd buffer of *len
 * bytes, or NULL with a Swedish message in err, also when the request would be
 * larger than MM_MAX_MESSAGE (the caller prints the försändelse instead).
 */
char *mm_deliver_secure_request(struct mm_signer *, const struct mm_message *, size_t *len,
    char *err, size_t errlen);

/*
 * Parses a deliverSecureResponse: *delivered from Status/Delivered (true only
 * when every Status says so), the TransId into transid.  A SOAP Fault: -1 with
 * its faultstring in err (long digit runs masked); anything unparseable, or a
 * TransId longer than transid_len - 1: -1.
 */
int mm_parse_deliver_secure(const char *buf, size_t len, bool *delivered, char *transid,
    size_t transid_len, char *err, size_t errlen);

/* The largest message Mina meddelanden accepts, attachment included. */
#define MM_MAX_MESSAGE (2UL * 1024 * 1024)

/* The largest answer the parsers read; a larger one is an error. */
#define MM_MAX_ANSWER (4UL * 1024 * 1024)

#endif
