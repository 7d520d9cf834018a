/* project.h - an Alembic project on disk: alembic.ini (its [alembic] section or the one
 * named like Alembic's --name), where the revision files live, and which files count. */
#ifndef RETORT_ALEMBIC_PROJECT_H
#define RETORT_ALEMBIC_PROJECT_H
#include <stdbool.h>
#include <stddef.h>

#include "server/alembic/ini.h"
#include "server/alembic/toml.h"
#include "server/base/error.h"

/* Everything a tool needs to know about a project, read once from alembic.ini the way
 * Alembic 1.8.1's Config + ScriptDirectory.from_config read it. Every string is owned by
 * the Project (freed by project_delete); every path is absolute and normalised (no "."
 * or ".." components, no trailing slash), but symlinks are not resolved.
 *
 * pyproject.toml (Alembic >= 1.16): each option is read from the ini's main section when
 * it sets it, else from [tool.alembic] of the pyproject.toml in the same directory, as
 * Config.get_alembic_option does: strings with %(here)s (that directory) and %% replaced,
 * version_locations as an array of paths, sourceless and recursive_version_locations as
 * TOML booleans. A project may have only the pyproject.toml (then ini_path and ini are
 * NULL); sqlalchemy.url is only ever read from the ini (Alembic's get_main_option).
 * `path_separator` (Alembic >= 1.16) splits the ini's version_locations like
 * version_path_separator, its pieces stripped as that Alembic strips them.
 *
 * Relative paths: Alembic resolves a relative script_location / version_locations entry
 * against the process's working directory. Users run alembic from the ini's directory,
 * so retort resolves them against the ini's directory (`root`), whatever our cwd is.
 *
 * `package:path` (a relative value containing ':', e.g. "myapp:migrations"): Alembic asks
 * importlib for the package. retort never imports: it looks, in order, for
 * <root>/<package-as-dirs>, <root>/src/<package-as-dirs>, and finally the same under
 * each parent directory of root, taking the first that is a directory; the dotted
 * package "a.b" is the directory a/b. The remaining ':'-separated tokens are joined
 * below it with '/'. Not found → ERR_CONFIG naming the package and the places looked at. */
typedef struct Project {
  char *root;             /* directory holding alembic.ini; for project_open_versions_dir,
                             the versions directory's parent */
  char *ini_path;         /* absolute alembic.ini path; NULL for project_open_versions_dir and
                             for a project configured by pyproject.toml alone */
  char *section;          /* the main section read ("alembic" unless overridden) */
  char *script_location;  /* resolved directory; it exists (checked at discovery) */
  char **version_locations;       /* directories revision files are read from, in the
                                     configured order; never empty. Without a
                                     version_locations key: { <script_location>/versions }.
                                     The key is split as Alembic 1.8.1 splits it: with no
                                     version_path_separator, on ", *| +" (empty pieces
                                     kept: they mean root); with space / os (':') / ':' /
                                     ';' / newline (newline: later Alembic versions only), on that
                                     character, empty pieces dropped, pieces NOT stripped
                                     ("a; b" names " b", as in 1.8.1). Each piece may be
                                     absolute, relative to root, or package:path. */
  size_t nversion_locations;
  bool version_locations_configured; /* from the version_locations key: entries that do
                                        not exist are skipped silently, as Alembic does */
  bool recursive_version_locations;  /* `recursive_version_locations = true`, compared with
                                        "true" exactly as Alembic >= 1.10 does ("yes" or
                                        "True" mean false there, so here too). Alembic
                                        1.8.1 ignores the key; retort honours it. */
  char *file_template;    /* after interpolation; default "%(rev)s_%(slug)s" */
  int truncate_slug_length; /* default 40; 0 in the ini means 40, as in Alembic */
  char *timezone;         /* NULL when unset */
  char *sqlalchemy_url;   /* `sqlalchemy.url` (interpolated), NULL when unset, "" when
                             empty; see project_url_is_postgres. Contains the password:
                             never print or log it; use project_masked_url() */
  char *sqlalchemy_url_error; /* set (and sqlalchemy_url NULL) when sqlalchemy.url is present
                                 but does not interpolate, e.g. a bare '%' in the password:
                                 says so without quoting the value. Discovery still
                                 succeeds (Alembic too fails only where env.py reads it);
                                 whoever needs the database reports this. */
  bool sourceless;        /* `sourceless = true` (exactly "true", as Alembic compares) */
  char *output_encoding;  /* default "utf-8" */
  Ini *ini;               /* the whole parsed file (owned); NULL when ini_path is */
  char *pyproject_path;   /* <root>/pyproject.toml when it has [tool.retort] or [tool.alembic] */
  TomlSettings tool;      /* the settings below [tool.retort] (see toml.h), for project_setting */
  TomlSettings alembic_toml; /* [tool.alembic]: Alembic >= 1.16 reads its options there when
                                the ini's main section does not set them */
  char **owned;           /* strings made while reading the options, freed with the project */
  size_t nowned;
} Project;

/**
 * Finds and reads a project. `start` is an alembic.ini file (any file name), a
 * pyproject.toml, or a directory (NULL or "" → the working directory); a directory is
 * searched upward (itself, then each parent) for a file named "alembic.ini", or a
 * pyproject.toml with a [tool.alembic] table, whichever comes first. `section` is the
 * ini's main section name (NULL → "alembic"; [tool.alembic] is always that). The
 * pyproject.toml beside the chosen file is read too. ALEMBIC_CONFIG is not consulted.
 *
 * On success *out is a new Project (free with project_delete). On failure returns false,
 * *out is NULL and err says what and where:
 *   ERR_NOT_FOUND  "no alembic.ini (or pyproject.toml with [tool.alembic]) found in /x or
 *                  any parent directory; pass project=<dir> or create one with `alembic
 *                  init`", or start missing;
 *   ERR_CONFIG     ini syntax error (with line), missing section ("No config file
 *                  '/x/alembic.ini' found, or file has no '[alembic]' section" — Alembic's
 *                  wording), "No 'script_location' key found in configuration.",
 *                  script_location missing on disk ("Path doesn't exist: '/x/migrations'.
 *                  Please use the 'init' command to create a new scripts folder."),
 *                  bad version_path_separator, bad truncate_slug_length, a package
 *                  (package:path) that cannot be found,
 *                  interpolation errors (naming the key);
 *   ERR_IO         the file cannot be read.
 */
bool project_discover(const char *start, const char *section, Project **out, RtError *err);

/**
 * Opens a project that has no alembic.ini by naming its versions directory: the only
 * version location is `dir`, script_location and root are its parent, every setting
 * has Alembic's default. Fails (ERR_NOT_FOUND) when `dir` is not a directory.
 */
bool project_open_versions_dir(const char *dir, Project **out, RtError *err);

/**
 * The file Alembic is pointed at with -c: alembic.ini, else (a project configured by
 * pyproject.toml alone, which Alembic >= 1.16 takes as `-c pyproject.toml`) the
 * pyproject.toml; NULL for project_open_versions_dir.
 */
const char *project_config_file(const Project *p);

/** Frees the project and everything it owns. project_delete(NULL) is a no-op. */
void project_delete(Project *p);

/* retort's own settings live in [retort] of alembic.ini, or in [tool.retort] of the
 * pyproject.toml next to it (read at discovery: a pyproject.toml that is not TOML fails
 * discovery with its line; one without [tool.retort] is ignored). A key set in both
 * places takes alembic.ini's value. */

/**
 * A setting: alembic.ini's [retort] key, interpolated (so %(here)s works), else the
 * pyproject.toml key of that name (toml.h: "severity.x" for a nested key, arrays joined
 * with ", "); NULL when neither has it, or the ini value does not interpolate. Keys are
 * case-insensitive. The string is owned by the project.
 */
const char *project_setting(const Project *p, const char *key);

/** Where `key` was read from, for messages: "[retort]" or "[tool.retort]". */
const char *project_setting_section(const Project *p, const char *key);

/** The path of the file that set `key`; NULL when no file did. */
const char *project_setting_file(const Project *p, const char *key);

/**
 * Makes a message about `key` (written as "[retort] key ...") say where the key was
 * read: "FILE: [retort] key ..." or "FILE: [tool.retort] key ...". Returns false.
 */
bool project_setting_error(const Project *p, const char *key, RtError *err);

/**
 * Every setting, each once: alembic.ini's [retort] keys in file order, then
 * pyproject.toml's keys that alembic.ini does not set. Calls fn for each until it returns
 * false; returns whether every call returned true.
 */
typedef bool (*ProjectSettingFn)(const char *key, const char *value, void *ctx);
bool project_settings_each(const Project *p, ProjectSettingFn fn, void *ctx);

/**
 * A copy of a database URL safe to print: the password is replaced by "***".
 * Handles URLs (scheme://user:pass@host/db, including SQLAlchemy's
 * postgresql+driver://, percent-encoded passwords, and a `password=` query parameter)
 * and libpq keyword/value strings ("host=x password=secret", quoted values too).
 * A URL without a password is returned unchanged. Caller frees. NULL in → NULL out.
 */
char *project_masked_url(const char *url);

/**
 * Whether `url` (e.g. Project.sqlalchemy_url) names a PostgreSQL database retort can use:
 * a URL whose scheme is postgresql or postgres, with or without a +driver
 * ("postgresql+psycopg2://..."), or a libpq keyword/value string ("host=x dbname=y").
 * False for NULL, "", whitespace, Alembic's template placeholder
 * "driver://user:pass@localhost/dbname", and other databases (sqlite://...).
 */
bool project_url_is_postgres(const char *url);

/**
 * The revision files Alembic 1.8.1 would load, as absolute paths in Alembic's order:
 * each location in readdir order (os.listdir, unsorted: it decides the order of heads
 * and branches in `alembic history`), or, when recursive_version_locations is on, each
 * directory sorted as Alembic >= 1.10's walk does. For each version location: files whose
 * name ends in ".py", not "__init__.py"-prefixed and not ".#"-prefixed (editor lock
 * files) — Alembic's `(?!\.\#|__init__)(.*\.py)$` — and that are regular files (or
 * symlinks to one). Directories are not entered unless recursive_version_locations is
 * on, in which case subdirectories are walked as Alembic >= 1.10 does (os.walk: symlinked
 * directories are not entered, the files of a directory whose path ends in
 * "__pycache__" are skipped, hidden directories are walked, and subdirectories that
 * cannot be read are ignored). A file reached twice (overlapping locations, symlinks:
 * compared by realpath) is listed once, as Alembic does.
 *
 * sourceless: .pyc/.pyo files are never listed (retort reads source, and cannot read
 * bytecode); with `sourceless = true` the listing is the same .py set.
 *
 * Missing directories: with the default location (no version_locations key) a missing
 * <script_location>/versions fails (ERR_NOT_FOUND, "[Errno 2] No such file or directory:
 * '/x/versions'", the message Alembic's os.listdir surfaces); configured locations that
 * do not exist are skipped, as Alembic does. Other read errors → ERR_IO with the path.
 *
 * On success *paths (caller frees with project_free_paths) holds *n entries; on failure
 * *paths is NULL and *n is 0.
 */
bool project_list_revision_files(const Project *p, char ***paths, size_t *n, RtError *err);

/**
 * project_list_revision_files, saying also whether the listing depends on nothing but
 * the entries of the version locations themselves (names and d_type), so that it stays
 * right until an entry of one of those directories is created, deleted or renamed
 * (scripts_list keeps it on that condition). *only_entries (may be NULL) is false when
 * recursive_version_locations is on (subdirectories count), a configured location is
 * missing (it may appear), or an entry's type had to come from stat (a symlink, whose
 * target can change with no entry changing, or a file system without d_type).
 */
bool project_list_revision_files_ex(const Project *p, char ***paths, size_t *n,
                                    bool *only_entries, RtError *err);

/**
 * The directory a new revision file goes to, chosen as Alembic 1.8.1's
 * ScriptDirectory.generate_revision chooses it. `version_path` is the caller's explicit
 * choice (absolute, or relative to root; NULL for none). Without one: the only version
 * location, or, when there are several, the directory of `head_path` (the file of the
 * revision the new one follows; NULL for none) — else ERR_PARAMS "Multiple version
 * locations present, please specify --version-path". The result must be one of
 * version_locations, else ERR_PARAMS "Path <p> is not represented in current version
 * locations" — so nothing is ever written outside them. On success *out is a new
 * normalised absolute path (caller frees); it may not exist yet (Alembic creates
 * configured locations on demand).
 */
bool project_new_revision_dir(const Project *p, const char *version_path, const char *head_path,
                              char **out, RtError *err);

/** os.path.normpath of an absolute path: collapses "//", "." and "..". Caller frees. */
char *project_normpath(const char *path);
/** os.path.normpath(os.path.join(base, rel)); `base` must be absolute. Caller frees. */
char *project_join(const char *base, const char *rel);

/** Frees what project_list_revision_files returned. NULL is a no-op. */
void project_free_paths(char **paths, size_t n);

#endif
