// Postmark single email API (https://api.postmarkapp.com/email).
function(ctx) {
  From: 'no-reply@example.com',
  To: ctx.recipient,
  Subject: ctx.subject,
  TextBody: ctx.body,
  MessageStream: 'outbound',
  Tag: ctx.template_type,
} + (if 'html_body' in ctx then { HtmlBody: ctx.html_body } else {})
