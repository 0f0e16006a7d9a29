# Build and install the C library, its header, pkg-config file and the mcpctl tool.
#
#   make                      build the self-contained library (scripts/build-release) and mcpctl
#   make install              install under PREFIX (default /usr/local); DESTDIR stages a package
#   make uninstall            remove exactly what install put there
#
# Installed: $(LIBDIR)/libmcpclient.so.<version> with the links libmcpclient.so.<abi> (the SONAME) and
# libmcpclient.so, $(INCLUDEDIR)/mcpclient.h, $(PKGCONFIGDIR)/mcpclient.pc and $(BINDIR)/mcpctl.
# RELEASE_LIB=path installs a library built elsewhere instead of building one (scripts/test-install uses it).
PREFIX       ?= /usr/local
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
BINDIR       ?= $(PREFIX)/bin
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
CFLAGS       ?= -std=c11 -Wall -Wextra -pedantic -Werror -O2
INSTALL      ?= install

# The one version source (scripts/gen-header reads the same lines).
VERSION_SWIFT := Sources/MCPClientCore/Version.swift
version_part   = $(shell sed -nE 's/^[[:space:]]*public static let $(1)[[:space:]]*=[[:space:]]*([0-9]+)[[:space:]]*$$/\1/p' $(VERSION_SWIFT))
VERSION := $(call version_part,major).$(call version_part,minor).$(call version_part,patch)
ABI     := $(call version_part,abi)
SONAME  := libmcpclient.so.$(ABI)
REAL    := libmcpclient.so.$(VERSION)

RELEASE_LIB ?= .build/self-contained/libmcpclient.so
OUT := .build/install

all: $(RELEASE_LIB) $(OUT)/mcpctl $(OUT)/mcpclient.pc

ifeq ($(origin RELEASE_LIB),file)
$(RELEASE_LIB): $(shell find Sources -name '*.swift') Package.swift scripts/build-release scripts/mcpclient.map
	scripts/build-release
endif

MCPCTL_SOURCES := $(wildcard examples/mcpctl/*.c)
# mcpctl finds the library in LIBDIR (its RUNPATH), or wherever the loader looks first.
# Rebuilt when the directories change: they are written into mcpctl's RUNPATH and the .pc file.
$(OUT)/dirs: FORCE
	@mkdir -p $(OUT)
	@echo '$(PREFIX) $(LIBDIR) $(INCLUDEDIR)' | cmp -s - $@ || echo '$(PREFIX) $(LIBDIR) $(INCLUDEDIR)' >$@

$(OUT)/mcpctl: $(MCPCTL_SOURCES) $(wildcard examples/mcpctl/*.h) include/mcpclient.h $(RELEASE_LIB) $(OUT)/dirs
	@mkdir -p $(OUT)/lib
	ln -sf $(abspath $(RELEASE_LIB)) $(OUT)/lib/libmcpclient.so
	$(CC) -Iinclude $(CFLAGS) $(MCPCTL_SOURCES) -o $@ -L$(OUT)/lib -lmcpclient -lpthread -Wl,-rpath,$(LIBDIR)

$(OUT)/mcpclient.pc: $(VERSION_SWIFT) Makefile $(OUT)/dirs
	@mkdir -p $(OUT)
	printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))' \
	    'includedir=$(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))' '' \
	    'Name: mcpclient' 'Description: Embeddable Model Context Protocol client runtime (C ABI)' \
	    'Version: $(VERSION)' \
	    'Libs: -L$${libdir} -lmcpclient' 'Cflags: -I$${includedir}' >$@

install: all
	$(INSTALL) -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(PKGCONFIGDIR)
	$(INSTALL) -m 0755 $(RELEASE_LIB) $(DESTDIR)$(LIBDIR)/$(REAL)
	ln -sfn $(REAL) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sfn $(SONAME) $(DESTDIR)$(LIBDIR)/libmcpclient.so
	$(INSTALL) -m 0644 include/mcpclient.h $(DESTDIR)$(INCLUDEDIR)/mcpclient.h
	$(INSTALL) -m 0644 $(OUT)/mcpclient.pc $(DESTDIR)$(PKGCONFIGDIR)/mcpclient.pc
	$(INSTALL) -m 0755 $(OUT)/mcpctl $(DESTDIR)$(BINDIR)/mcpctl

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/$(REAL) $(DESTDIR)$(LIBDIR)/$(SONAME) $(DESTDIR)$(LIBDIR)/libmcpclient.so \
	    $(DESTDIR)$(INCLUDEDIR)/mcpclient.h $(DESTDIR)$(PKGCONFIGDIR)/mcpclient.pc $(DESTDIR)$(BINDIR)/mcpctl

clean:
	rm -rf $(OUT)

FORCE:

.PHONY: all install uninstall clean FORCE
