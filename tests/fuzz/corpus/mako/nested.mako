${not not not not not not not not not not not not not not not not not not not not not not not not not not not not not not not not not not not not not not not not not not not not not not not not not not message if (message or "x") else ("y" if down_revision == None else str(len(depends_on)))}
${config.get_main_option("databases", "none") | comma,n}
<%text>${x}</%text>
%% x \
end
