/*
 * schemas.h -- the built-in XSDs (schemas/ *.xsd), NUL-terminated.
 */
#ifndef EXPEDIERA_SCHEMAS_H
#define EXPEDIERA_SCHEMAS_H

extern const char schema_protokoll_xsd[], schema_protokoll_xsd_end[];
extern const char schema_forsattsblad_xsd[], schema_forsattsblad_xsd_end[];

#endif
