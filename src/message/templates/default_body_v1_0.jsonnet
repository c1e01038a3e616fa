// courier's rendition of the body Kratos v1.0.0 uses when
// courier.http.request_config has none: the same fields as the later
// default, read from v1.0.0's ctx, whose keys are Go field names.
function(ctx)
  local data = if 'TemplateData' in ctx then ctx.TemplateData else {};
  local field(name) = if name in data then data[name] else null;
  {
    recipient: ctx.Recipient,
    template_type: ctx.TemplateType,
    to: field('To'),
    recovery_code: field('RecoveryCode'),
    recovery_url: field('RecoveryURL'),
    verification_url: field('VerificationURL'),
    verification_code: field('VerificationCode'),
    subject: ctx.Subject,
    body: ctx.Body,
  }
