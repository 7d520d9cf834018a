% if message:
${repr(up_revision)
