/*
 * schemas.c -- the XSDs of schemas/ built into the program, so the contract a
 * package is checked against can never be missing or differ from the one the
 * code was written for.  The Makefile rebuilds this file when an XSD changes.
 */
#include "schemas.h"

__asm__(".pushsection .rodata\n"
	".global schema_protokoll_xsd\n"
	".global schema_protokoll_xsd_end\n"
	".global schema_forsattsblad_xsd\n"
	".global schema_forsattsblad_xsd_end\n"
	"schema_protokoll_xsd:\n"
	".incbin \"schemas/protokoll.xsd\"\n"
	"schema_protokoll_xsd_end:\n"
	".byte 0\n"
	"schema_forsattsblad_xsd:\n"
	".incbin \"schemas/forsattsblad.xsd\"\n"
	"schema_forsattsblad_xsd_end:\n"
	".byte 0\n"
	".popsection\n");
