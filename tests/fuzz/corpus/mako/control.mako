## a comment line
% if branch_labels:
labels: ${branch_labels | comma,n}
% elif depends_on is not None and not imports:
deps ${depends_on}
% else:
  neither
% endif
joined \
line ${message or 'x'} ${'a' if message == 'm' else 'b'}
<%text>${not_substituted}</%text>
%% literal percent
    % if up_revision != 'zz':
indented control ok ${str(len(up_revision))}
    % endif
