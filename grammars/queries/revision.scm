; revision.scm - a revision file's identity, as Alembic reads it from the module's
; namespace: the assignments of revision / down_revision / branch_labels / depends_on
; (plain, annotated, chained) and the docstring. Used by server/alembic/revision.c
; (revision__scan_header), which runs it on each module-level statement: libtree-sitter
; 0.20's cursor would otherwise walk every node of the file, function bodies included
; (ts_query_cursor_set_max_start_depth came in 0.21), a quarter more time per parse.
; It parses predicates but does not evaluate them: server/alembic/tsquery.c does (#eq?,
; #not-eq?, #any-of?, #match?).
;
; What stays in C: which statements are module-level and which is the first (for the
; docstring: comments do not count), unwrapping `("doc")`, following a chain
; `a = b = "x"` to its value, and "the last assignment wins".

; revision = "ae10" / down_revision: Union[str, None] = None / revision = x = "ae10"
(expression_statement .
  (assignment
    left: (identifier) @target
    right: (_) @value) @assignment
  (#any-of? @target "revision" "down_revision" "branch_labels" "depends_on")) @statement

; x = revision = "ae10": the targets after the first of a chain
(expression_statement .
  (assignment
    right: (assignment) @chain)) @statement

; the docstring candidate: a string statement (C checks it is the module's first)
(expression_statement .
  [(string) (concatenated_string) (parenthesized_expression)] @doc) @doc_statement
