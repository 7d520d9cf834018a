<% x = 1 %>
${message}
