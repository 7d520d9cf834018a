/* lsp_features.h - what an editor gets from `retort lsp`: open revision files kept in
 * memory (incremental sync, tree-sitter incremental reparse), diagnostics over the project
 * with the unsaved text in place of the file, hover, definition and quick fixes. */
#ifndef RETORT_TOOLS_LSP_FEATURES_H
#define RETORT_TOOLS_LSP_FEATURES_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol/lsp.h"
#include "server/alembic/revision.h"
#include "server/base/error.h"
#include "server/base/finding.h"

typedef struct LspFeatures LspFeatures;

/**
 * The feature layer for one server process. `project` (may be NULL; copied) is the
 * project used for documents whose own directory has no alembic.ini above it. Free with
 * lsp_features_delete (NULL is a no-op); it owns its documents, trees and caches.
 */
LspFeatures *lsp_features_new(const char *project);
void lsp_features_delete(LspFeatures *f);

/** What to put in ServeOptions.lsp: the handler table (didOpen, didChange, didSave,
 * didClose, hover, definition, codeAction), capabilities, incremental sync. Owned by `f`. */
const LspServerInfo *lsp_features_info(LspFeatures *f);

/* ---- the document store, also used directly by tests ---- */

/* One content change of textDocument/didChange. `has_range` false replaces the whole text. */
typedef struct LspTextChange {
  bool has_range;
  uint32_t start_line, start_character, end_line, end_character;
  const char *text;
  size_t len;
} LspTextChange;

/** Opens (or reopens, replacing) the document `uri` with `text` (copied). */
void lsp_features_open(LspFeatures *f, const char *uri, int64_t version, const char *text,
                       size_t len);
/**
 * Applies `changes` in order to the open document, positions read in `enc`, and tells its
 * tree-sitter tree of each edit so the next parse is incremental. Fails (ERR_NOT_FOUND)
 * when the document is not open; nothing is changed then.
 */
bool lsp_features_change(LspFeatures *f, const char *uri, int64_t version,
                         const LspTextChange *changes, size_t n, LspPositionEncoding enc,
                         RtError *err);
/** Forgets the document (no-op when it is not open). */
void lsp_features_close(LspFeatures *f, const char *uri);
/** The current text of an open document (owned by `f`, valid until its next change), or
 * NULL when it is not open. */
const char *lsp_features_text(LspFeatures *f, const char *uri, size_t *len);

/**
 * The findings of an open document, appended to `out` (findings_init'd by the caller):
 * its syntax and revision-id problems, the graph problems about it (missing parent,
 * duplicate id, cycle, docstring/file-name mismatch, and "multiple-heads" when it is one
 * of several heads) computed over its project's revision files with the open, unsaved
 * text of every open document of that project in place of its file. Ranges are the
 * document's own (byte offsets into lsp_features_text). Returns false when the document
 * is not a revision file (not open, no project, not under a version location); `out` is
 * then unchanged. Never fails otherwise.
 */
bool lsp_features_findings(LspFeatures *f, const char *uri, FindingList *out);

/** The open document's Revision, parsed from its current text (reparsed here if it
 * changed), or NULL when it is not open. Owned by `f`, valid until the next change. */
const Revision *lsp_features_revision(LspFeatures *f, const char *uri);

/** Number of times an open document was parsed incrementally (an old tree was reused);
 * for tests and benchmarks. */
size_t lsp_features_incremental_parses(const LspFeatures *f);
/** How many lints of an open document found the schema before it cached (hits) and how
 * many folded its ancestors (misses), over all projects; for tests and benchmarks. */
void lsp_features_schema_cache_stats(const LspFeatures *f, size_t *hits, size_t *misses);
/** How many times a project's revision graph was built (graph_build), and how many
 * reparsed documents were put into the graph in place instead (graph_replace: an edit
 * that leaves the graph as it was); for tests and benchmarks. */
void lsp_features_graph_stats(const LspFeatures *f, size_t *builds, size_t *replaced);

/** The absolute path of a file:// URI (percent-decoded, malloc'd), or NULL for other
 * schemes and malformed URIs. */
char *lsp_uri_to_path(const char *uri);
/** The file:// URI of an absolute path (malloc'd), percent-encoding what RFC 3986 needs. */
char *lsp_path_to_uri(const char *path);

#endif
