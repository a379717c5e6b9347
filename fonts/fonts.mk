# fonts.mk -- builds what pipeline/pdf.c reads at run time into build/fonts/:
# Liberation Sans (Debian fonts-liberation2) cut down with pyftsubset (Debian
# fonttools) to the characters in fonts/charset-*.txt, and the grey ICC profile
# (Debian icc-profiles-free) for the PDF/A output intent.  Nothing from the
# font or profile packages is committed; see fonts/README.md.
#
# Included from the top-level Makefile.  Defines:
#   fonts         the target that builds everything below
#   FONT_DIR      build/fonts, the directory to hand to pdf_new()
#   FONT_FILES    the subset fonts, build/fonts/*.ttf
#   FONT_ICC      build/fonts/Gray.icc

FONT_SRC    = /usr/share/fonts/truetype/liberation2
# Grey, not sRGB: pages are black text and lines in DeviceGray, and PDF/A-1
# takes a grey monitor profile as output intent (420 bytes instead of 6,922).
FONT_ICC_SRC = /usr/share/color/icc/Gray.icc
FONT_DIR    = build/fonts
FONT_STYLES = Regular Bold Italic
FONT_FILES  = $(FONT_STYLES:%=$(FONT_DIR)/LiberationSans-%-winansi.ttf) \
              $(FONT_STYLES:%=$(FONT_DIR)/LiberationSans-%-ext.ttf)
FONT_ICC    = $(FONT_DIR)/Gray.icc

# No hinting (PDF viewers rarely use it and it doubles the size), no layout
# tables (pdf.c does not kern or shape), glyph names dropped (post format 3),
# only the name records a PDF font program needs.  pyftsubset leaves the
# 'modified' timestamp alone, so the output is the same on every build.
PYFTSUBSET  = pyftsubset
FONT_SUBSET_FLAGS = --no-hinting --layout-features= \
	--drop-tables+=GSUB,GPOS,GDEF,kern,FFTM,gasp,DSIG \
	--name-IDs=0,1,2,3,4,6 --no-recalc-timestamp

.PHONY: fonts

fonts: $(FONT_FILES) $(FONT_ICC)

$(FONT_DIR):
	@mkdir -p $@

$(FONT_DIR)/LiberationSans-%-winansi.ttf: $(FONT_SRC)/LiberationSans-%.ttf \
    fonts/charset-winansi.txt fonts/fonts.mk | $(FONT_DIR)
	$(PYFTSUBSET) $< --unicodes-file=fonts/charset-winansi.txt \
	    $(FONT_SUBSET_FLAGS) --output-file=$@.tmp && mv $@.tmp $@

$(FONT_DIR)/LiberationSans-%-ext.ttf: $(FONT_SRC)/LiberationSans-%.ttf \
    fonts/charset-ext.txt fonts/fonts.mk | $(FONT_DIR)
	$(PYFTSUBSET) $< --unicodes-file=fonts/charset-ext.txt \
	    $(FONT_SUBSET_FLAGS) --output-file=$@.tmp && mv $@.tmp $@

$(FONT_ICC): $(FONT_ICC_SRC) | $(FONT_DIR)
	cp $(FONT_ICC_SRC) $@.tmp && mv $@.tmp $@
