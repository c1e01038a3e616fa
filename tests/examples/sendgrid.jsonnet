// SendGrid v3 Mail Send (https://api.sendgrid.com/v3/mail/send), for Kratos >= 1.1.
function(ctx) {
  from: { email: 'no-reply@example.com', name: 'Example Accounts' },
  personalizations: [{ to: [{ email: ctx.recipient }] }],
  subject: ctx.subject,
  content: [{ type: 'text/plain', value: ctx.body }]
           + (if 'html_body' in ctx then [{ type: 'text/html', value: ctx.html_body }] else []),
  categories: [ctx.template_type],
}
