// Mailgun Messages API (form-encoded): every value must be a string, so the
// HTML part is added only when there is one.
function(ctx) {
  from: 'Example Accounts <no-reply@mg.example.com>',
  to: ctx.recipient,
  subject: ctx.subject,
  text: ctx.body,
  'o:tag': ctx.template_type,
} + (if 'html_body' in ctx then { html: ctx.html_body } else {})
